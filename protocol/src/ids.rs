//! Identifiers. Every entity id is a UUIDv7 (time-ordered, unguessable enough
//! for ids, never used as a secret). Invite codes are separate: 128 random bits,
//! not derived from any id.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

uuid_id!(
    /// A pq account.
    UserId
);
uuid_id!(
    /// A server (community).
    ServerId
);
uuid_id!(
    /// A channel or a category inside a server.
    ChannelId
);
uuid_id!(
    /// A scheduled event of a server.
    EventId
);
uuid_id!(
    /// A role in a server. A server's `@everyone` role (which every member
    /// has) has the server's own id.
    RoleId
);
uuid_id!(
    /// A message, assigned by the server when it stores the message.
    MessageId
);
uuid_id!(
    /// The id a client gives a message before sending it. The server stores a
    /// message once per (author, client id): resending the same id returns the
    /// first acknowledgement and creates nothing. Any UUID version is accepted;
    /// clients should use v4 or v7.
    ClientMessageId
);
uuid_id!(
    /// One gateway session (survives a short disconnect through `resume`).
    SessionId
);
uuid_id!(
    /// A file uploaded to attach to a message.
    AttachmentId
);
uuid_id!(
    /// One stay in a voice room: a new id every time someone joins. Peers key
    /// their connection to a person by it (a re-join is a new peer), and it
    /// decides the polite side of a negotiation (the smaller id).
    VoiceSessionId
);

/// An invite code: 128 random bits, base64url without padding (22 characters).
/// Opened as `pq://invite/CODE`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "n3wzX0b1tq8M-Bm7Qp2vAw"))]
pub struct InviteCode(pub String);

impl InviteCode {
    /// Length in characters of a code the server issues.
    pub const LEN: usize = 22;

    /// Whether `s` has the shape of an invite code (the server decides whether
    /// it exists). Used to reject garbage before touching the database.
    #[must_use]
    pub fn is_well_formed(s: &str) -> bool {
        s.len() == Self::LEN && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    /// The deep link that opens this invite in the desktop app.
    #[must_use]
    pub fn deep_link(&self) -> String {
        format!("pq://invite/{}", self.0)
    }
}

impl fmt::Display for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for InviteCode {
    // Codes are bearer secrets until accepted: keep them out of debug logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InviteCode({}…)", self.0.get(..4).unwrap_or(""))
    }
}
