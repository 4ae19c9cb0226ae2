//! Limits both sides know. The server enforces every one of them; clients use
//! them to warn early (a character counter, a disabled send button).

use serde::{Deserialize, Serialize};

/// A member's membership plan. It decides the longest message they may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Plan {
    /// No paid plan.
    #[default]
    Free,
    /// The Basic plan.
    Basic,
    /// The Premium plan.
    Premium,
}

impl Plan {
    /// The longest message body (in Unicode scalar values, i.e. characters as a
    /// person counts them in English or Korean) this plan may send.
    #[must_use]
    pub const fn max_message_chars(self) -> usize {
        match self {
            Plan::Free => 150,
            Plan::Basic => 500,
            Plan::Premium => 1_000,
        }
    }

    /// The largest file this plan may attach, in bytes, by default (8, 25
    /// and 100 MiB; a server may be configured otherwise and says so in
    /// `413` answers).
    #[must_use]
    pub const fn default_upload_bytes(self) -> u64 {
        match self {
            Plan::Free => 8 << 20,
            Plan::Basic => 25 << 20,
            Plan::Premium => 100 << 20,
        }
    }

    /// Stable lowercase name, as on the wire.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Basic => "basic",
            Plan::Premium => "premium",
        }
    }

    /// Parses the stable name.
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "free" => Some(Plan::Free),
            "basic" => Some(Plan::Basic),
            "premium" => Some(Plan::Premium),
            _ => None,
        }
    }
}

/// The longest message any plan allows; frames are sized from it.
pub const MAX_MESSAGE_CHARS: usize = Plan::Premium.max_message_chars();
/// Longest server, channel or category name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;
/// Longest "about me", in characters.
pub const MAX_ABOUT_CHARS: usize = 190;
/// Longest channel topic, in characters.
pub const MAX_TOPIC_CHARS: usize = 1024;
/// Longest server description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 300;
/// Longest custom status text, in characters.
pub const MAX_CUSTOM_STATUS_CHARS: usize = 128;
/// Shortest and longest username.
pub const USERNAME_CHARS: std::ops::RangeInclusive<usize> = 2..=32;
/// Longest avatar or icon URL, in characters.
pub const MAX_URL_CHARS: usize = 2_048;
/// Longest reaction (an emoji or a short name), in characters (so at most 64
/// bytes: a flag or a family emoji is up to 7).
pub const MAX_REACTION_CHARS: usize = 16;
/// Distinct reactions one message may carry.
pub const MAX_REACTIONS_PER_MESSAGE: usize = 20;
/// Longest admin toast, in characters.
pub const MAX_TOAST_CHARS: usize = 300;
// The rules below are the ones pq-server applies, written as ECMA-262
// regular expressions for the OpenAPI document. "Whitespace" is Unicode's
// White_Space (what Rust's `trim` removes), "control" is category Cc (Rust's
// `char::is_control`): both spelled out, as `\s` differs between engines.

/// A name (server, channel, display name, toast): no control characters and
/// at least one character that is not whitespace.
pub const NAME_PATTERN: &str = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$";
/// A message body: at least one character that is not whitespace.
pub const TEXT_PATTERN: &str = r"[^\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";
/// A reaction: no whitespace and no control characters.
pub const REACTION_PATTERN: &str = r"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$";
/// An image set by hand: a `/media/` path on this server, or nothing
/// (whitespace only) to remove it.
pub const IMAGE_URL_PATTERN: &str = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(/media/[0-9a-fA-F]*)?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$";

/// An "about me": no control characters but tabs and line breaks (may be
/// empty: removes it).
pub const ABOUT_PATTERN: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";
/// A username: 2–32 letters (stored lowercase), digits, `_` and `.`.
pub const USERNAME_PATTERN: &str = r"^[A-Za-z0-9_.]{2,32}$";
/// A custom status text: no control characters (may be empty: removes it).
pub const STATUS_TEXT_PATTERN: &str = r"^[^\x00-\x1f\x7f-\x9f]*$";

/// Whether `id` is a picture's address on pq-server (`/media/{id}`): the
/// SHA-256 of its bytes, 64 hex digits.
#[must_use]
pub fn is_media_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The type of an image pq accepts (PNG, JPEG, GIF, WebP) by its first
/// bytes, or `None`: what the server checks an upload against and the client
/// a picture it shows.
#[must_use]
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The largest `seq` a request may name: JavaScript's largest exact integer
/// (2^53 − 1), far beyond any channel's message count.
pub const MAX_SEQ: u64 = 9_007_199_254_740_991;

/// Most messages one history page returns; also the default page size.
pub const MAX_HISTORY_PAGE: u32 = 100;
/// Largest gateway frame a client may send, in bytes. A frame carrying the
/// longest message (1,000 characters of up to 4 bytes each, JSON-escaped)
/// and a session description ([`MAX_SDP_BYTES`]) fit comfortably.
pub const MAX_CLIENT_FRAME_BYTES: usize = 32 * 1024;
/// Largest session description (SDP) a voice signal may carry, in bytes. An
/// offer with audio, video and a data channel is 3–6 KiB.
pub const MAX_SDP_BYTES: usize = 24 * 1024;
/// ICE candidates one voice signal may carry.
pub const MAX_CANDIDATES_PER_SIGNAL: usize = 32;
/// Most people in one voice room (a full mesh: each sends to all others).
pub const MAX_ROOM_SIZE: u32 = 8;
/// Largest JSON request body the REST API accepts, in bytes.
pub const MAX_JSON_BODY_BYTES: usize = 64 * 1024;
/// Largest uploaded image (server icon, avatar), in bytes.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// Channels (including categories) one server may hold.
pub const MAX_CHANNELS_PER_SERVER: usize = 500;
/// People in one group direct-message channel, its owner included.
pub const MAX_DM_MEMBERS: usize = 10;
/// Scheduled events one server may hold.
pub const MAX_EVENTS_PER_SERVER: usize = 100;
/// Pinned messages one channel may hold.
pub const MAX_PINS_PER_CHANNEL: usize = 50;
/// Files one message may carry.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;
/// The longest attachment file name kept, in characters (longer names are
/// shortened, keeping the extension).
pub const MAX_FILENAME_CHARS: usize = 200;
/// The largest image the server decodes for its size and a thumbnail;
/// larger ones are kept as files without a preview.
pub const MAX_PREVIEW_SOURCE_BYTES: u64 = 25 << 20;
/// A thumbnail's longest side, in pixels.
pub const THUMBNAIL_PX: u32 = 400;
/// People listed as having given one reaction (the first to react).
pub const MAX_REACTORS_LISTED: u32 = 100;
/// Roles one server may hold, `@everyone` included.
pub const MAX_ROLES_PER_SERVER: usize = 250;
/// People one private channel's access list may name (roles are the way to
/// let more in).
pub const MAX_CHANNEL_ACCESS_USERS: usize = 100;

/// Counts characters the way the message limit does.
#[must_use]
pub fn char_count(s: &str) -> usize {
    s.chars().count()
}
