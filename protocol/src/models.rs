//! REST request and response bodies (`/api/...`). The same entity types appear
//! in gateway events.

use serde::{Deserialize, Serialize};

use crate::{
    ids::{AttachmentId, ChannelId, ClientMessageId, EventId, InviteCode, MessageId, RoleId, ServerId, UserId},
    limits::Plan,
    time::Timestamp,
};

/// Attributes shared by all the wire types of this module.
macro_rules! wire {
    ($($item:item)*) => {$(
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        $item
    )*};
}

/// Attributes shared by the wire enums of this module (lowercase names).
macro_rules! wire_enum {
    ($($item:item)*) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        $item
    )*};
}

wire_enum! {
    /// Where a paid event stands.
    pub enum PaidEventState {
        /// Entries not open yet.
        Scheduled,
        /// Entries can be bought.
        Open,
        /// Entries closed; no winner yet.
        Closed,
        /// The winner is drawn and the seed revealed.
        Drawn,
    }
}

wire_enum! {
    /// Where a payment stands.
    pub enum PaymentStatus {
        /// Ordered; not paid (yet).
        Pending,
        /// Paid and confirmed with Toss.
        Paid,
        /// Paid; part of it was given back.
        PartiallyRefunded,
        /// All of it was given back.
        Refunded,
        /// Declined, abandoned or refused.
        Failed,
    }
}

wire_enum! {
    /// Something a role lets its members do in a server. The owner may do
    /// everything; `administrator` grants every permission.
    pub enum Permission {
        /// Every permission below.
        Administrator,
        /// Rename the server, change its picture and read its audit log.
        ManageServer,
        /// Create, edit, reorder and delete roles below one's highest, and give
        /// them to members or take them away.
        ManageRoles,
        /// Create, rename, reorder and delete channels and categories.
        ManageChannels,
        /// See every invite of the server and revoke any of them.
        ManageInvites,
        /// Create invites.
        CreateInvites,
        /// Remove members (below one's highest role) from the server.
        KickMembers,
        /// Ban people (below one's highest role) and lift bans.
        BanMembers,
        /// Delete other people's messages.
        ManageMessages,
        /// Write in text channels.
        SendMessages,
        /// Join voice rooms.
        Connect,
        /// Be heard in voice rooms (without it one joins muted by the server).
        Speak,
        /// Mute others in voice rooms for everyone.
        MuteMembers,
        /// Disconnect others from voice rooms.
        MoveMembers,
        /// Schedule, change and cancel the server's events.
        ManageEvents,
        /// Ping everyone in a channel with `@everyone` or `@here` (without
        /// it, the words are sent but ping nobody).
        MentionEveryone,
    }

    /// How a scheduled event repeats.
    pub enum Repeat {
        /// Every week, on the same day at the same time.
        Weekly,
    }

    /// What a channel is.
    pub enum ChannelKind {
        /// Groups channels; holds no messages.
        Category,
        /// Text chat.
        Text,
        /// Voice and video room.
        Voice,
    }

    /// Whether someone is around, derived by the server from their live
    /// connections.
    pub enum Presence {
        /// Connected and active.
        Online,
        /// Connected but idle (5 minutes by the client's report) or set away by hand.
        Away,
        /// Connected, and asked not to be disturbed (their notifications are silenced).
        Dnd,
        /// No live connection, or connected but invisible.
        Offline,
    }

    /// What a person chose for their status (kept by the server across
    /// connections and restarts); `auto` follows activity.
    pub enum StatusChoice {
        /// Online while active, away when idle ("online" in the apps).
        Auto,
        /// Always shown as away while connected ("idle").
        Away,
        /// Shown as do-not-disturb while connected; their apps show no notifications.
        Dnd,
        /// Shown as offline to everyone else while connected.
        Invisible,
    }

    /// Where someone stands with you.
    pub enum RelationshipKind {
        /// Friends: both agreed. Friends see each other's presence and may
        /// always write to each other.
        Friend,
        /// They asked to be your friend; you have not answered.
        Incoming,
        /// You asked them; they have not answered.
        Outgoing,
        /// You blocked them: they cannot ask you to be friends, do not see
        /// your presence, and their messages are collapsed in your apps.
        Blocked,
    }

    /// What you can make of someone with
    /// `PUT /api/users/@me/relationships/{user_id}`.
    pub enum RelationshipChoice {
        /// Ask them to be friends, or accept their request.
        Friend,
        /// Block them (ends a friendship or request between you).
        Blocked,
    }

    /// What a moderation or settings action in a server was.
    pub enum AuditAction {
        /// The server was renamed (`detail`: the new name).
        ServerRenamed,
        /// The server's picture changed.
        ServerIconChanged,
        /// A channel or category was created (`detail`: its name).
        ChannelCreated,
        /// A channel or category was renamed (`detail`: the new name).
        ChannelRenamed,
        /// A channel's topic changed (`detail`: the new topic).
        ChannelTopicChanged,
        /// The server's description changed (`detail`: the new description).
        ServerDescriptionChanged,
        /// A channel or category was deleted (`detail`: its name).
        ChannelDeleted,
        /// Channels were reordered or moved between categories (`detail`: how many).
        ChannelsMoved,
        /// Who sees a channel changed (`detail`: `private` or `public`).
        ChannelAccessChanged,
        /// A message was pinned (`detail`: its first words).
        MessagePinned,
        /// A message was unpinned (`detail`: its first words).
        MessageUnpinned,
        /// An event was scheduled (`detail`: its title).
        EventScheduled,
        /// An event was changed (`detail`: its title).
        EventChanged,
        /// An event was cancelled (`detail`: its title).
        EventCancelled,
        /// Someone was removed.
        MemberRemoved,
        /// Someone was banned (`detail`: the purge, if any).
        MemberBanned,
        /// A ban was lifted.
        MemberUnbanned,
        /// Someone was given a role or had one taken away (`detail`: `+Name`
        /// or `-Name`).
        RoleChanged,
        /// A role was created (`detail`: its name).
        RoleCreated,
        /// A role's name, colour, rank or permissions changed (`detail`: its name).
        RoleUpdated,
        /// A role was deleted (`detail`: its name).
        RoleDeleted,
        /// The server was handed over.
        OwnershipTransferred,
        /// An invite was revoked (`detail`: its code's first characters).
        InviteRevoked,
    }

    /// How far back a ban deletes the banned person's messages in the server.
    pub enum PurgeWindow {
        /// The last hour.
        Hour,
        /// The last 24 hours.
        Day,
        /// The last 7 days.
        Week,
    }

    /// What a message is.
    #[derive(Default)]
    pub enum MessageKind {
        /// Written by its author.
        #[default]
        Default,
        /// Its author pinned the message it replies to.
        Pin,
    }

    /// How an invite reached the person it was sent to.
    pub enum InviteDelivery {
        /// They have an account: it waits in their app.
        InApp,
        /// No account has that address: it went by mail.
        Email,
        /// No account has that address and this server sends no mail: give
        /// them the link yourself.
        NotSent,
    }

    /// A direct-message channel with one person, or a group.
    pub enum DmKind {
        /// Two people; one such channel per pair.
        Direct,
        /// Up to 10 people, with an owner and maybe a name.
        Group,
    }
}

impl PurgeWindow {
    /// Its name on the wire.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            PurgeWindow::Hour => "hour",
            PurgeWindow::Day => "day",
            PurgeWindow::Week => "week",
        }
    }

    /// How far back, in milliseconds.
    #[must_use]
    pub const fn millis(self) -> i64 {
        match self {
            PurgeWindow::Hour => 3_600_000,
            PurgeWindow::Day => 86_400_000,
            PurgeWindow::Week => 604_800_000,
        }
    }
}

impl Permission {
    /// Every permission, in the order role editors list them.
    pub const ALL: [Permission; 16] = [
        Permission::Administrator,
        Permission::ManageServer,
        Permission::ManageRoles,
        Permission::ManageChannels,
        Permission::ManageInvites,
        Permission::CreateInvites,
        Permission::KickMembers,
        Permission::BanMembers,
        Permission::ManageMessages,
        Permission::SendMessages,
        Permission::Connect,
        Permission::Speak,
        Permission::MuteMembers,
        Permission::MoveMembers,
        Permission::ManageEvents,
        Permission::MentionEveryone,
    ];

    /// Its bit in a [`Permissions`] set (stable: stored by servers).
    #[must_use]
    pub const fn bit(self) -> u64 {
        1 << match self {
            Permission::Administrator => 0,
            Permission::ManageServer => 1,
            Permission::ManageRoles => 2,
            Permission::ManageChannels => 3,
            Permission::ManageInvites => 4,
            Permission::CreateInvites => 5,
            Permission::KickMembers => 6,
            Permission::BanMembers => 7,
            Permission::ManageMessages => 8,
            Permission::SendMessages => 9,
            Permission::Connect => 10,
            Permission::Speak => 11,
            Permission::MuteMembers => 12,
            Permission::MoveMembers => 13,
            Permission::ManageEvents => 14,
            Permission::MentionEveryone => 15,
        }
    }

    /// Its name on the wire, in words for messages ("manage roles").
    #[must_use]
    pub const fn words(self) -> &'static str {
        match self {
            Permission::Administrator => "administrator",
            Permission::ManageServer => "manage server",
            Permission::ManageRoles => "manage roles",
            Permission::ManageChannels => "manage channels",
            Permission::ManageInvites => "manage invites",
            Permission::CreateInvites => "create invites",
            Permission::KickMembers => "kick members",
            Permission::BanMembers => "ban members",
            Permission::ManageMessages => "manage messages",
            Permission::SendMessages => "send messages",
            Permission::Connect => "connect",
            Permission::Speak => "speak",
            Permission::MuteMembers => "mute members",
            Permission::MoveMembers => "move members",
            Permission::ManageEvents => "manage events",
            Permission::MentionEveryone => "mention everyone",
        }
    }
}

/// A set of [`Permission`]s, as a bit set (what servers store and check).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Permissions(pub u64);

impl Permissions {
    /// Nothing.
    pub const NONE: Self = Self(0);
    /// Everything (the owner's).
    pub const ALL: Self = {
        let mut bits = 0;
        let mut i = 0;
        while i < Permission::ALL.len() {
            bits |= Permission::ALL[i].bit();
            i += 1;
        }
        Self(bits)
    };
    /// What a new server's `@everyone` role allows.
    pub const EVERYONE: Self = Self(
        Permission::SendMessages.bit()
            | Permission::CreateInvites.bit()
            | Permission::Connect.bit()
            | Permission::Speak.bit()
            | Permission::MentionEveryone.bit(),
    );

    /// The set of `list`.
    #[must_use]
    pub fn of(list: &[Permission]) -> Self {
        Self(list.iter().fold(0, |bits, p| bits | p.bit()))
    }

    /// Keeps only known bits (a stored value from a newer server stays usable).
    #[must_use]
    pub const fn from_bits(bits: u64) -> Self {
        Self(bits & Self::ALL.0)
    }

    /// Whether it allows `p`: holds it, or holds `administrator`.
    #[must_use]
    pub const fn allows(self, p: Permission) -> bool {
        self.0 & (p.bit() | Permission::Administrator.bit()) != 0
    }

    /// Whether every permission of `other` is allowed by this set.
    #[must_use]
    pub const fn covers(self, other: Self) -> bool {
        self.allows(Permission::Administrator) || other.0 & !self.0 == 0
    }

    /// The union.
    #[must_use]
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Its permissions, in [`Permission::ALL`]'s order (what the wire carries).
    #[must_use]
    pub fn list(self) -> Vec<Permission> {
        Permission::ALL.into_iter().filter(|p| self.0 & p.bit() != 0).collect()
    }

    /// What `user` may do in `server`: everything for its owner, else the
    /// union of `@everyone` and the roles they hold (`administrator`
    /// meaning everything).
    #[must_use]
    pub fn of_member(server: &Server, roles: &[ServerRole], user: UserId, held: &[RoleId]) -> Self {
        if server.owner_id == user {
            return Self::ALL;
        }
        let set = roles
            .iter()
            .filter(|r| r.id.0 == server.id.0 || held.contains(&r.id))
            .fold(Self::NONE, |set, r| set.with(Self::of(&r.permissions)));
        if set.allows(Permission::Administrator) { Self::ALL } else { set }
    }
}

impl ScheduledEvent {
    /// How long an event without a set end is taken to last: an hour.
    pub const DEFAULT_LENGTH_MS: i64 = 3_600_000;

    /// The occurrence going on at `now`, or the next one: its start and end.
    /// `None` once a one-off event is over.
    #[must_use]
    pub fn occurrence(&self, now: Timestamp) -> Option<(Timestamp, Timestamp)> {
        const WEEK: i64 = 604_800_000;
        let start = self.starts_at.as_millis();
        let length = self.ends_at.map_or(Self::DEFAULT_LENGTH_MS, |e| e.as_millis() - start).max(1);
        let now = now.as_millis();
        let first_end = start + length;
        let start = match self.repeat {
            _ if now < first_end => start,
            None => return None,
            Some(Repeat::Weekly) => start + ((now - first_end) / WEEK + 1) * WEEK,
        };
        Some((Timestamp::from_millis(start), Timestamp::from_millis(start + length)))
    }
}

impl ServerRole {
    /// Whether this is the server's `@everyone` role.
    #[must_use]
    pub fn is_everyone(&self, server: ServerId) -> bool {
        self.id.0 == server.0
    }
}

impl Me {
    /// Myself as others see me.
    #[must_use]
    pub fn user(&self) -> User {
        User {
            id: self.id,
            display_name: self.display_name.clone(),
            avatar_url: self.avatar_url.clone(),
            custom_status: self.custom_status.clone(),
        }
    }
}

impl StatusChoice {
    /// Stable lowercase name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            StatusChoice::Auto => "auto",
            StatusChoice::Away => "away",
            StatusChoice::Dnd => "dnd",
            StatusChoice::Invisible => "invisible",
        }
    }

    /// Parses the stable name.
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(StatusChoice::Auto),
            "away" => Some(StatusChoice::Away),
            "dnd" => Some(StatusChoice::Dnd),
            "invisible" => Some(StatusChoice::Invisible),
            _ => None,
        }
    }
}

impl RelationshipKind {
    /// Stable lowercase name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            RelationshipKind::Friend => "friend",
            RelationshipKind::Incoming => "incoming",
            RelationshipKind::Outgoing => "outgoing",
            RelationshipKind::Blocked => "blocked",
        }
    }

    /// Parses the stable name.
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "friend" => Some(RelationshipKind::Friend),
            "incoming" => Some(RelationshipKind::Incoming),
            "outgoing" => Some(RelationshipKind::Outgoing),
            "blocked" => Some(RelationshipKind::Blocked),
            _ => None,
        }
    }
}

impl CustomStatus {
    /// Whether it is still shown at `now`.
    #[must_use]
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|t| t > now)
    }
}

impl ChannelKind {
    /// Stable lowercase name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Category => "category",
            ChannelKind::Text => "text",
            ChannelKind::Voice => "voice",
        }
    }

    /// Parses the stable name.
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "category" => Some(ChannelKind::Category),
            "text" => Some(ChannelKind::Text),
            "voice" => Some(ChannelKind::Voice),
            _ => None,
        }
    }
}

wire! {
    /// A person as others see them.
    pub struct User {
        /// Account id.
        pub id: UserId,
        /// Name shown next to their messages.
        pub display_name: String,
        /// Profile image (absolute URL, or a path on this server such as `/media/…`).
        pub avatar_url: Option<String>,
        /// A short line they chose ("In a meeting"), shown under their name
        /// until it expires. Apps hide it once `expires_at` has passed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub custom_status: Option<CustomStatus>,
    }

    /// A custom status: a short text, until a moment or until changed.
    pub struct CustomStatus {
        /// Up to 128 characters, no control characters (stored trimmed; in
        /// `PATCH /api/users/@me`, an empty text removes the status).
        #[cfg_attr(feature = "openapi", schema(max_length = 128, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
        pub text: String,
        /// When it stops being shown (`null`: until changed). A moment already past removes it.
        #[serde(default)]
        pub expires_at: Option<Timestamp>,
    }

    /// Someone on your friends list, pending, or blocked
    /// (`GET /api/users/@me/relationships`, `ready`, `relationship_changed`).
    pub struct Relationship {
        /// Who.
        pub user: User,
        /// Where they stand with you.
        pub kind: RelationshipKind,
        /// Since when (the request, the friendship, or the block).
        pub since: Timestamp,
    }

    /// `POST /api/users/@me/relationships`: ask someone to be friends by
    /// their username or the email address of their account.
    pub struct FriendRequest {
        /// Their username (a leading `@` is fine; case does not matter) or
        /// their account's email address (compared without regard to case;
        /// no spaces or control characters). Spaces and tabs around are
        /// ignored.
        #[cfg_attr(feature = "openapi", schema(max_length = 254, pattern = r"^[ \t]*(@?[A-Za-z0-9_.]{2,32}|[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+@[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+)[ \t]*$"))]
        pub to: String,
    }

    /// `PUT /api/users/@me/relationships/{user_id}`.
    pub struct SetRelationship {
        /// `friend`: ask them (or accept their request); `blocked`: block them.
        pub kind: RelationshipChoice,
    }

    /// `GET /api/users/{id}/profile`: what a person's card shows beyond
    /// [`User`] (presence comes from the gateway).
    pub struct Profile {
        /// Who.
        pub user: User,
        /// Their username.
        #[serde(default)]
        pub username: Option<String>,
        /// Their "about me" (up to 190 characters; lines kept).
        pub about: Option<String>,
        /// The servers both the caller and they are in (ids, in the caller's order).
        pub mutual_servers: Vec<ServerId>,
    }

    /// The signed-in account, as its owner sees it.
    pub struct Me {
        /// Account id.
        pub id: UserId,
        /// Name shown next to their messages.
        pub display_name: String,
        /// Profile image.
        pub avatar_url: Option<String>,
        /// Verified email from the identity provider.
        pub email: Option<String>,
        /// Their unique handle (lowercase letters, digits, `_`, `.`): how
        /// others find them to ask them to be friends.
        #[serde(default)]
        pub username: Option<String>,
        /// Membership plan; decides the longest message.
        pub plan: Plan,
        /// Whether this account is a pq administrator (group `admin`).
        pub is_admin: bool,
        /// Their "about me".
        #[serde(default)]
        pub about: Option<String>,
        /// Their custom status (see [`User::custom_status`]).
        #[serde(default)]
        pub custom_status: Option<CustomStatus>,
        /// Whether people who share a server with them (but are not friends)
        /// may open direct messages with them.
        #[serde(default = "yes")]
        pub allow_server_dms: bool,
    }

    /// `PATCH /api/users/@me`. Absent fields stay as they are.
    #[derive(Default)]
    pub struct UpdateProfile {
        /// New display name (1–64 characters, not only whitespace, no control characters).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 64, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"))]
        pub display_name: Option<String>,
        /// New avatar: a `/media/` path on this server (upload with `PUT /api/users/@me/avatar`); an empty string removes it.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 2048, pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(/media/[0-9a-fA-F]*)?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"))]
        pub avatar_url: Option<String>,
        /// New username: 2–32 letters, digits, `_` and `.`, stored lowercase; unique (409 when taken).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(min_length = 2, max_length = 32, pattern = r"^[A-Za-z0-9_.]{2,32}$"))]
        pub username: Option<String>,
        /// New "about me" (up to 190 characters, no control characters but line breaks and tabs); an empty string removes it.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 190, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"))]
        pub about: Option<String>,
        /// New custom status; an empty `text` removes it.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub custom_status: Option<CustomStatus>,
        /// Whether people who share a server with you (but are not friends)
        /// may open direct messages with you.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub allow_server_dms: Option<bool>,
    }

    /// `PUT /api/admin/users/{id}/plan` (pq administrators only).
    pub struct SetPlan {
        /// The plan to give.
        pub plan: Plan,
    }

    /// A plan as this pq server offers it (`GET /api/plans`).
    pub struct PlanInfo {
        /// The plan.
        pub plan: Plan,
        /// Its price a month in Korean won (0: free).
        pub price_krw: u32,
        /// The longest message, in characters.
        pub max_message_chars: u32,
        /// The largest attachment, in bytes.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub max_upload_bytes: u64,
    }

    /// An account as pq administrators see it (`GET /api/admin/users`).
    pub struct AdminAccount {
        /// As others see them.
        pub user: User,
        /// Their email, if the sign-in provider gave one.
        pub email: Option<String>,
        /// Their plan.
        pub plan: Plan,
        /// Whether they are a pq administrator.
        pub is_admin: bool,
        /// When the account was made.
        pub created_at: Timestamp,
    }

    /// How many accounts each plan has.
    pub struct PlanCount {
        /// The plan.
        pub plan: Plan,
        /// Accounts on it.
        pub accounts: u32,
    }

    /// `GET /api/admin/users`: a page of accounts, newest first, and how
    /// many each plan has (pq administrators only).
    pub struct AdminAccounts {
        /// The page (at most `limit`).
        pub accounts: Vec<AdminAccount>,
        /// Whether older accounts follow (ask with `before` = the last
        /// one's id).
        pub has_more: bool,
        /// Accounts per plan, every plan listed (also those with none).
        pub plans: Vec<PlanCount>,
    }

    /// `POST /api/payments/checkout`: what to buy.
    pub struct StartCheckout {
        /// A paid plan (a month of it).
        pub plan: Plan,
    }

    /// An order waiting for its payment: open `url` in the system browser.
    pub struct Checkout {
        /// The order (Toss's `orderId`).
        pub order_id: String,
        /// What it costs, in Korean won (fixed by the server).
        pub amount_krw: u32,
        /// pq-server's checkout page for this order.
        pub url: String,
    }

    /// A payment for a plan, as its payer and administrators see it.
    pub struct Payment {
        /// The order (Toss's `orderId`).
        pub order_id: String,
        /// Who pays.
        pub user_id: UserId,
        /// The plan it buys a month of.
        pub plan: Plan,
        /// The price, in Korean won.
        pub amount_krw: u32,
        /// How much of it was given back.
        pub refunded_krw: u32,
        /// Where it stands.
        pub status: PaymentStatus,
        /// When the order was made.
        pub created_at: Timestamp,
        /// When Toss confirmed it.
        pub paid_at: Option<Timestamp>,
        /// Until when its payer may take it back themselves (paid, nothing
        /// refunded yet, within 3 days).
        pub refundable_until: Option<Timestamp>,
        /// Why it failed (Toss's code and message).
        pub failure: Option<String>,
        /// The paid event it buys entries of (then `plan` is `free`).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub event_id: Option<String>,
        /// How many entries it buys (events only).
        #[serde(default)]
        pub entries: u32,
    }

    /// A paid event run by pq administrators: members buy entries (each adds
    /// its price to the pot) while it is open; after it ends a winner is
    /// drawn, weighted by entries. Its commitment (SHA-256 of a secret seed)
    /// is published from the start; the seed is revealed at the draw, so
    /// anyone can recompute the winner (`pq event verify`).
    pub struct PaidEvent {
        /// Its id.
        pub id: String,
        /// What it is.
        pub title: String,
        /// The price of one entry, in Korean won.
        pub entry_price_krw: u32,
        /// When entries open.
        pub starts_at: Timestamp,
        /// When entries close.
        pub ends_at: Timestamp,
        /// Where it stands now.
        pub state: PaidEventState,
        /// Money in the pot (paid entries less refunds), in won.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub pot_krw: u64,
        /// Entries bought.
        pub entries: u32,
        /// People with at least one entry.
        pub participants: u32,
        /// Hex SHA-256 of the seed, published from the start.
        pub commitment: String,
        /// The seed (hex of 32 bytes), revealed at the draw.
        pub seed: Option<String>,
        /// The winner, once drawn.
        pub winner: Option<UserId>,
        /// When it was drawn.
        pub drawn_at: Option<Timestamp>,
    }

    /// `POST /api/admin/paid-events`.
    pub struct CreatePaidEvent {
        /// What it is (1–100 characters).
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
        pub title: String,
        /// The price of one entry (100 to 1,000,000 won).
        #[cfg_attr(feature = "openapi", schema(minimum = 100, maximum = 1000000))]
        pub entry_price_krw: u32,
        /// When entries open.
        pub starts_at: Timestamp,
        /// When entries close (after `starts_at`).
        pub ends_at: Timestamp,
    }

    /// `POST /api/paid-events/{id}/checkout`.
    pub struct BuyEntries {
        /// How many entries (1–100).
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
        pub entries: u32,
    }

    /// One participant of a paid event, in the published order.
    pub struct EventParticipant {
        /// Who.
        pub user_id: UserId,
        /// Their name when listed.
        pub display_name: String,
        /// Their entries.
        pub entries: u32,
    }

    /// `GET /api/paid-events/{id}/participants`: the event and its
    /// participants in the order the draw walks them (first paid entry
    /// first).
    pub struct EventParticipants {
        /// The event.
        pub event: PaidEvent,
        /// The participants.
        pub participants: Vec<EventParticipant>,
    }

    /// `GET /api/users/@me/membership`: one's plan, until when it runs, and
    /// one's payments.
    pub struct Membership {
        /// The plan now.
        pub plan: Plan,
        /// When the paid plan ends unless renewed (none for the free plan or
        /// one an administrator gave).
        pub period_end: Option<Timestamp>,
        /// Whether one said not to renew it (no reminders; it ends at
        /// `period_end`).
        pub cancel_at_period_end: bool,
        /// One's payments, newest first (the last 50).
        pub payments: Vec<Payment>,
    }

    /// `PATCH /api/users/@me/membership`.
    pub struct UpdateMembership {
        /// Let the plan end at the end of the period (true) or keep it
        /// (false).
        pub cancel_at_period_end: bool,
    }

    /// `POST /api/payments/{order_id}/refund`.
    pub struct RefundRequest {
        /// How much to give back (administrators only; the payer always gets
        /// all of it back). Default: what is left.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(minimum = 1))]
        pub amount_krw: Option<u32>,
        /// Why (shown in the ledger and to Toss).
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
        pub reason: String,
    }

    /// One change of a payment in the append-only ledger.
    pub struct LedgerEntry {
        /// Its place in the ledger (ascending).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub seq: i64,
        /// The order.
        pub order_id: String,
        /// Whose order.
        pub user_id: UserId,
        /// What happened: created, paid, failed, refunded, expired.
        pub action: String,
        /// The money it moved (the price, or what was given back).
        pub amount_krw: u32,
        /// The order's status after it.
        pub status: PaymentStatus,
        /// Toss's payment key, once there is one.
        pub payment_key: Option<String>,
        /// Who did it (none: the payment provider or the schedule).
        pub actor: Option<UserId>,
        /// A reason or a failure.
        pub note: Option<String>,
        /// When.
        pub at: Timestamp,
    }

    /// `GET /api/admin/payments`: a page of payments, newest first, and the
    /// totals (pq administrators only).
    pub struct AdminPayments {
        /// The page.
        pub payments: Vec<Payment>,
        /// Whether older payments follow (ask with `before` = the last one's
        /// `order_id`).
        pub has_more: bool,
        /// Money taken in, in Korean won (all time).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub paid_krw: u64,
        /// Money given back.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub refunded_krw: u64,
    }

    /// An order on which pq's ledger and the payment provider disagree.
    pub struct Mismatch {
        /// The order.
        pub order_id: String,
        /// What pq's ledger says (status and what is left of the amount).
        pub ours: String,
        /// What the provider says.
        pub theirs: String,
    }

    /// `POST /api/admin/payments/reconcile`: the ledger against the
    /// provider's view of the same orders.
    pub struct Reconciliation {
        /// Orders compared.
        pub checked: u32,
        /// Where they differ (empty: all agree).
        pub mismatches: Vec<Mismatch>,
    }

    /// A server (community).
    pub struct Server {
        /// Server id.
        pub id: ServerId,
        /// Name.
        pub name: String,
        /// Image (a `/media/…` path on this server).
        pub icon_url: Option<String>,
        /// Current owner.
        pub owner_id: UserId,
        /// When it was created.
        pub created_at: Timestamp,
        /// What it is about (shown in its settings and invites).
        #[serde(default)]
        pub description: Option<String>,
    }

    /// `POST /api/servers`.
    pub struct CreateServer {
        /// Name (1–100 characters, not only whitespace, no control characters).
        #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"))]
        pub name: String,
    }

    /// `PATCH /api/servers/{id}`.
    #[derive(Default)]
    pub struct UpdateServer {
        /// New name (1–100 characters, not only whitespace, no control characters).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"))]
        pub name: Option<String>,
        /// New image: a `/media/` path on this server; an empty string removes it. (Upload with `PUT /api/servers/{id}/icon`.)
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 2048, pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(/media/[0-9a-fA-F]*)?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"))]
        pub icon_url: Option<String>,
        /// New description (up to 300 characters, no control characters but
        /// line breaks and tabs); an empty string removes it.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 300, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"))]
        pub description: Option<String>,
        /// Hand the server over to this member (owner only; they become
        /// the owner, you keep your roles).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub owner_id: Option<UserId>,
    }

    /// A channel or category.
    pub struct Channel {
        /// Channel id.
        pub id: ChannelId,
        /// Server it belongs to.
        pub server_id: ServerId,
        /// Category, text or voice.
        pub kind: ChannelKind,
        /// Name.
        pub name: String,
        /// The category holding it (`null` for categories and top-level channels).
        pub parent_id: Option<ChannelId>,
        /// Order among its siblings, ascending.
        pub position: i32,
        /// `seq` of the newest message (0 when empty). Always 0 for categories and voice.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub last_seq: u64,
        /// Seen only by the roles and people on its access list (and by
        /// administrators). A channel in a private category is private
        /// with it unless it has an access list of its own.
        #[serde(default)]
        pub private: bool,
        /// What it is for, shown in its header.
        #[serde(default)]
        pub topic: Option<String>,
    }

    /// `GET`/`PUT /api/channels/{id}/access`: who sees a private channel or
    /// category (`manage_channels`). Administrators and the owner always do;
    /// whoever makes a channel private is added if they would not.
    pub struct ChannelAccess {
        /// Whether only those listed see it (`false`: everyone in the
        /// server, or as its category says).
        pub private: bool,
        /// Roles whose members see it (at most 250).
        #[cfg_attr(feature = "openapi", schema(max_items = 250))]
        pub roles: Vec<RoleId>,
        /// People who see it, whatever their roles (at most 100).
        #[cfg_attr(feature = "openapi", schema(max_items = 100))]
        pub users: Vec<UserId>,
    }

    /// `POST /api/servers/{id}/channels`.
    pub struct CreateChannel {
        /// Name (1–100 characters, not only whitespace, no control characters).
        #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"))]
        pub name: String,
        /// Category, text or voice.
        pub kind: ChannelKind,
        /// Category to put it in (not allowed for categories).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub parent_id: Option<ChannelId>,
    }

    /// `PATCH /api/channels/{id}`: rename.
    #[derive(Default)]
    pub struct UpdateChannel {
        /// New name (1–100 characters, not only whitespace, no control characters).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"))]
        pub name: Option<String>,
        /// New topic (up to 1024 characters, no control characters but line
        /// breaks and tabs); an empty string removes it.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 1024, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"))]
        pub topic: Option<String>,
    }

    /// One entry of a channel layout.
    pub struct ChannelPlacement {
        /// The channel to place.
        pub id: ChannelId,
        /// Its category (`null`: top level; must be `null` for categories).
        pub parent_id: Option<ChannelId>,
        /// Its order among siblings.
        pub position: i32,
    }

    /// `PUT /api/servers/{id}/channels/layout`: reorder channels and move them
    /// between categories in one step. Channels not listed keep their place.
    pub struct ChannelLayout {
        /// New placements.
        pub channels: Vec<ChannelPlacement>,
    }

    /// A member of a server.
    pub struct Member {
        /// Who.
        pub user: User,
        /// The roles they hold (besides `@everyone`, which everyone holds).
        pub roles: Vec<RoleId>,
        /// Whether they are around now.
        pub presence: Presence,
        /// When they joined.
        pub joined_at: Timestamp,
    }

    /// A role in a server: a name, a colour, a place in the order and what
    /// its members may do. Higher `position` ranks higher; `@everyone` (id:
    /// the server's id) is 0 and every member holds it. Members act only on
    /// people and roles below their highest role; the owner is above all.
    pub struct ServerRole {
        /// Role id.
        pub id: RoleId,
        /// Name (`@everyone` for the everyone role).
        pub name: String,
        /// Colour of its members' names, `0xRRGGBB` (0: none).
        pub color: u32,
        /// Its rank: 0 for `@everyone`, then 1, 2, … upwards with no gaps.
        pub position: u32,
        /// What it allows.
        pub permissions: Vec<Permission>,
    }

    /// `POST /api/servers/{id}/roles`: a new role, placed just above `@everyone`.
    pub struct CreateRole {
        /// Name (1–100 characters, not only whitespace, no control characters).
        #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"))]
        pub name: String,
        /// Colour, `0xRRGGBB` (0: none).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(maximum = 16_777_215))]
        pub color: Option<u32>,
        /// What it allows (only permissions the caller has); none by default.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub permissions: Option<Vec<Permission>>,
    }

    /// `PATCH /api/servers/{id}/roles/{role_id}`. Absent fields stay as they
    /// are. `@everyone` takes only `permissions`.
    #[derive(Default)]
    pub struct UpdateRole {
        /// New name (1–100 characters, not only whitespace, no control characters).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"))]
        pub name: Option<String>,
        /// New colour, `0xRRGGBB` (0: none).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(maximum = 16_777_215))]
        pub color: Option<u32>,
        /// New rank (1–249, below the caller's highest role; past the top
        /// role means the top); the roles between move by one.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 249))]
        pub position: Option<u32>,
        /// What it allows from now on (permissions the caller lacks can be
        /// neither given nor taken away).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub permissions: Option<Vec<Permission>>,
    }

    /// `PUT /api/servers/{id}/bans/{user_id}`: ban someone (they leave the
    /// server and cannot join it again until unbanned).
    #[derive(Default)]
    pub struct BanMember {
        /// Also delete their messages in the server from this far back.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub purge: Option<PurgeWindow>,
    }

    /// Someone banned from a server (`GET /api/servers/{id}/bans`).
    pub struct Ban {
        /// Who.
        pub user: User,
        /// Who banned them.
        pub banned_by: UserId,
        /// When.
        pub created_at: Timestamp,
    }

    /// One entry of a server's audit log: who did what to whom, when.
    pub struct AuditEntry {
        /// Its number in the server's log (rising; page with `before`).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub id: u64,
        /// What.
        pub action: AuditAction,
        /// Who did it.
        pub actor: User,
        /// Whom it was done to.
        pub target_user: Option<User>,
        /// Which channel it was done to (it may be gone since).
        pub target_channel: Option<ChannelId>,
        /// More about it (a new name, a role, a purge).
        pub detail: Option<String>,
        /// When.
        pub created_at: Timestamp,
    }

    /// A page of a server's audit log, newest first.
    pub struct AuditPage {
        /// The entries.
        pub entries: Vec<AuditEntry>,
        /// Whether older entries exist.
        pub has_more: bool,
    }

    /// How far a member has read a channel.
    pub struct ReadState {
        /// Channel.
        pub channel_id: ChannelId,
        /// Highest `seq` read.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub last_read_seq: u64,
        /// Messages by others after it that are not deleted.
        pub unread_count: u32,
    }

    /// `PUT /api/channels/{id}/read`: mark read up to `seq` (never moves back).
    pub struct MarkRead {
        /// Highest `seq` read (at most 2^53 − 1).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        #[cfg_attr(feature = "openapi", schema(maximum = 9_007_199_254_740_991_u64))]
        pub seq: u64,
    }

    /// Everything a client needs to draw one server: sent in `ready`, when
    /// joining, and by `GET /api/servers/{id}`.
    pub struct ServerState {
        /// The server.
        pub server: Server,
        /// Its channels and categories.
        pub channels: Vec<Channel>,
        /// Its roles, `@everyone` first, then upwards.
        pub roles: Vec<ServerRole>,
        /// The roles you hold in it (besides `@everyone`).
        pub my_roles: Vec<RoleId>,
        /// How many members it has.
        pub member_count: u32,
        /// Your read state of each text channel.
        pub read_states: Vec<ReadState>,
        /// Who is in its voice rooms now.
        #[serde(default)]
        pub voice_states: Vec<crate::voice::VoiceState>,
        /// Its scheduled events.
        #[serde(default)]
        pub events: Vec<ScheduledEvent>,
    }

    /// One reaction on a message, as a viewer sees it.
    pub struct Reaction {
        /// The emoji.
        pub emoji: String,
        /// How many people reacted with it.
        pub count: u32,
        /// Whether you are one of them.
        pub me: bool,
    }

    /// A file attached to a message (uploaded first with `POST
    /// /api/channels/{id}/attachments`, then named in the send).
    pub struct Attachment {
        /// Attachment id (`GET /api/attachments/{id}` for the bytes).
        pub id: AttachmentId,
        /// The file's name as uploaded, made safe: no directories, no control
        /// characters, at most 200 characters.
        pub filename: String,
        /// What the bytes are, found by the server from the bytes themselves
        /// (`application/octet-stream` when it cannot tell).
        pub content_type: String,
        /// Size in bytes.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub size: u64,
        /// For images: width and height in pixels, upright (EXIF orientation applied).
        pub width: Option<u32>,
        /// See `width`.
        pub height: Option<u32>,
        /// Whether it has a thumbnail (`GET /api/attachments/{id}/thumbnail`,
        /// at most 400 pixels a side).
        pub thumbnail: bool,
    }

    /// A message. Deleted messages stay in history as tombstones (`deleted`
    /// true, empty body) so that `seq` has no holes.
    pub struct Message {
        /// Message id.
        pub id: MessageId,
        /// Channel it is in.
        pub channel_id: ChannelId,
        /// Position in the channel: 1, 2, 3, … with no gaps.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub seq: u64,
        /// Who wrote it.
        pub author_id: UserId,
        /// The id its author's client gave it (lets that client match its outbox).
        pub client_id: ClientMessageId,
        /// Text (empty when deleted).
        pub body: String,
        /// The message it replies to.
        pub reply_to: Option<MessageId>,
        /// When the server stored it.
        pub created_at: Timestamp,
        /// When it was last edited.
        pub edited_at: Option<Timestamp>,
        /// Whether it was deleted.
        pub deleted: bool,
        /// Reactions (empty in `message_created`).
        pub reactions: Vec<Reaction>,
        /// Members of the channel who have not read it yet.
        pub unread_by: u32,
        /// Whether it is pinned to its channel.
        #[serde(default)]
        pub pinned: bool,
        /// Whether it pings everyone in the channel: it says `@everyone` or
        /// `@here` and its author may (`mention_everyone`; never in a
        /// direct-message channel).
        #[serde(default)]
        pub mentions_everyone: bool,
        /// What it is: written by someone, or a line the server adds (such
        /// as "… pinned a message", whose `reply_to` is the pinned message).
        #[serde(default)]
        pub kind: MessageKind,
        /// Files attached to it, in the order given (none once deleted).
        #[serde(default)]
        pub attachments: Vec<Attachment>,
    }

    /// `POST /api/channels/{id}/messages` (the gateway's `send_message` does the same).
    pub struct SendMessage {
        /// Client-generated id: resending the same id creates nothing new.
        pub client_id: ClientMessageId,
        /// Text: at most the plan's limit in characters (150 free, 500 basic, 1,000 premium; longer than one's
        /// own plan allows: 422 `message_too_long`); not only whitespace unless files are attached (422).
        #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
        pub body: String,
        /// A message in the same channel to reply to.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub reply_to: Option<MessageId>,
        /// Files uploaded to this channel by the sender and not sent yet, at
        /// most 10, in the order to show them. With files, the text may be
        /// empty (a caption is optional).
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(max_items = 10))]
        pub attachments: Vec<AttachmentId>,
    }

    /// The server's answer to a send: where the message landed.
    pub struct SendAck {
        /// The id the client gave.
        pub client_id: ClientMessageId,
        /// Channel.
        pub channel_id: ChannelId,
        /// The stored message's id.
        pub message_id: MessageId,
        /// Its `seq` in the channel.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub seq: u64,
        /// When it was stored.
        pub created_at: Timestamp,
    }

    /// `PATCH /api/channels/{cid}/messages/{mid}` (author only).
    pub struct EditMessage {
        /// New text (the same rules as a new message's).
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1000, pattern = r"[^\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"))]
        pub body: String,
    }

    /// One page of history, oldest first.
    pub struct MessagePage {
        /// Messages in ascending `seq`.
        pub messages: Vec<Message>,
        /// Whether more messages exist beyond this page in the direction asked.
        pub has_more: bool,
    }

    /// A direct-message channel: messages outside any server, between its
    /// members only. Its messages, history, reactions, read markers and typing
    /// use the same `/api/channels/{id}/...` routes and gateway ops as a
    /// server's text channel.
    pub struct DmChannel {
        /// Channel id.
        pub id: ChannelId,
        /// With one person, or a group.
        pub kind: DmKind,
        /// A group's name (`null`: unnamed; apps name it after its members).
        pub name: Option<String>,
        /// A group's owner (who may remove people); for a direct channel, who opened it.
        pub owner_id: UserId,
        /// Everyone in it, you included, in the order they joined.
        pub members: Vec<User>,
        /// `seq` of the newest message (0 when empty).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub last_seq: u64,
        /// When the newest message was sent (or the channel opened): DM lists are ordered by it, newest first.
        pub last_activity_at: Timestamp,
    }

    /// A direct-message channel and how far you have read it (`ready`,
    /// `GET /api/users/@me/dms`).
    pub struct DmState {
        /// The channel.
        pub channel: DmChannel,
        /// Your read state of it.
        pub read_state: ReadState,
        /// Who is in its call now (a call rings for the members not in it).
        #[serde(default)]
        pub voice_states: Vec<crate::voice::VoiceState>,
    }

    /// `POST /api/users/@me/dms`: open a direct channel with one person (the
    /// one you already have, if any), or start a group with up to 9 others.
    pub struct OpenDm {
        /// Who: one person for a direct channel; two to nine for a group. Each
        /// must be your friend or share a server with you (unless they turned
        /// direct messages from server members off), and neither of you may
        /// have blocked the other.
        #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 9))]
        pub recipients: Vec<UserId>,
        /// A group's name (1–100 characters, not only whitespace, no control
        /// characters); only for groups.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"))]
        pub name: Option<String>,
    }

    /// `PATCH /api/dms/{id}`: rename a group (any member).
    pub struct UpdateDm {
        /// New name (up to 100 characters, no control characters); empty or
        /// only whitespace removes it.
        #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
        pub name: String,
    }

    /// `POST /api/servers/{id}/invites`.
    #[derive(Default)]
    pub struct CreateInvite {
        /// Seconds until it expires (default 7 days; `0` means never; at most 365 days).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
        #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 31_536_000))]
        pub max_age_secs: Option<u64>,
        /// How many people may use it (1–10,000; absent: unlimited).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
        pub max_uses: Option<u32>,
    }

    /// An invite, as its server's admins see it.
    pub struct Invite {
        /// The code (128 random bits).
        pub code: InviteCode,
        /// The link that opens it in pq: `pq://invite/CODE`.
        pub url: String,
        /// Server it admits to.
        pub server_id: ServerId,
        /// Who made it.
        pub creator_id: UserId,
        /// When.
        pub created_at: Timestamp,
        /// When it stops working (`null`: never).
        pub expires_at: Option<Timestamp>,
        /// How many may use it (`null`: unlimited).
        pub max_uses: Option<u32>,
        /// How many have.
        pub uses: u32,
    }

    /// `GET /api/invites/{code}`: what an invite leads to, without joining.
    pub struct InvitePreview {
        /// The code.
        pub code: InviteCode,
        /// Server id.
        pub server_id: ServerId,
        /// Server name.
        pub server_name: String,
        /// Server image.
        pub server_icon_url: Option<String>,
        /// What the server is about.
        #[serde(default)]
        pub server_description: Option<String>,
        /// How many members it has.
        pub member_count: u32,
        /// How many of them are online now.
        pub online_count: u32,
        /// Who invited.
        pub inviter: User,
        /// When the invite expires.
        pub expires_at: Option<Timestamp>,
        /// Whether you are already a member.
        pub already_member: bool,
    }

    /// A server's scheduled event (`GET /api/servers/{id}/events`, each
    /// `ServerState`, `schedule_updated`).
    pub struct ScheduledEvent {
        /// Event id.
        pub id: EventId,
        /// Its server.
        pub server_id: ServerId,
        /// What it is.
        pub title: String,
        /// More about it.
        pub description: Option<String>,
        /// When it starts (a weekly one: the first time).
        pub starts_at: Timestamp,
        /// When it ends (`null`: no set end; apps count an hour).
        pub ends_at: Option<Timestamp>,
        /// The voice channel it happens in.
        pub channel_id: Option<ChannelId>,
        /// Whether it repeats.
        pub repeat: Option<Repeat>,
        /// Who scheduled it.
        pub creator_id: UserId,
        /// Who is interested (their apps remind them).
        pub interested: Vec<UserId>,
    }

    /// `POST /api/servers/{id}/events`, `PUT /api/events/{id}`: an event,
    /// whole.
    pub struct EventSpec {
        /// What it is (1–100 characters, not only whitespace, no control characters).
        #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"))]
        pub title: String,
        /// More about it (up to 1,000 characters, no control characters but
        /// line breaks and tabs; empty: none).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        #[cfg_attr(feature = "openapi", schema(max_length = 1000, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"))]
        pub description: Option<String>,
        /// When it starts (UTC).
        pub starts_at: Timestamp,
        /// When it ends: after it starts.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub ends_at: Option<Timestamp>,
        /// A voice channel of the server it happens in.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub channel_id: Option<ChannelId>,
        /// Whether it repeats.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub repeat: Option<Repeat>,
    }

    /// `POST /api/servers/{id}/invites/send`: invite someone by their
    /// username or email address. Someone with an account gets it in their
    /// app; an address with no account gets it by mail (when the server can
    /// send mail).
    pub struct SendInvite {
        /// Their username (a leading `@` is fine; case does not matter) or
        /// an email address (no spaces or control characters). Spaces and
        /// tabs around are ignored.
        #[cfg_attr(feature = "openapi", schema(max_length = 254, pattern = r"^[ \t]*(@?[A-Za-z0-9_.]{2,32}|[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+@[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+)[ \t]*$"))]
        pub to: String,
    }

    /// What became of an invite sent with [`SendInvite`].
    pub struct InviteSent {
        /// The invite made for it (its link works like any other).
        pub invite: Invite,
        /// How it reached them.
        pub delivery: InviteDelivery,
        /// Who got it in their app (for [`InviteDelivery::InApp`]).
        pub to: Option<User>,
    }

    /// An invite someone sent me in the app, waiting for my answer
    /// (`GET /api/users/@me/invites`, `ready`, `invite_received`).
    pub struct PendingInvite {
        /// Where it leads and who sent it.
        pub preview: InvitePreview,
        /// When it was sent.
        pub sent_at: Timestamp,
    }

    /// `POST /api/admin/toasts`: a real-time toast to everyone connected
    /// (pq administrators only).
    pub struct CreateToast {
        /// Text (1–300 characters, not only whitespace, no control characters).
        #[cfg_attr(feature = "openapi", schema(max_length = 300, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"))]
        pub text: String,
    }

    /// A toast as everyone receives it.
    pub struct Toast {
        /// Toast id.
        pub id: MessageId,
        /// Text.
        pub text: String,
        /// The administrator who sent it.
        pub from: User,
        /// When.
        pub created_at: Timestamp,
    }

    /// `GET /api/auth/config` (no sign-in needed): which OpenID Connect
    /// issuer and client id to sign in with.
    pub struct AuthConfig {
        /// Issuer URL; its discovery document is at `{issuer}/.well-known/openid-configuration`.
        pub issuer: String,
        /// OAuth client id of pq's apps.
        pub client_id: String,
    }

    /// `GET /healthz`.
    pub struct Health {
        /// Always `"ok"` when answering.
        pub status: String,
        /// Server version.
        pub version: String,
        /// The gateway protocol version it speaks (older servers: absent).
        #[serde(default)]
        pub protocol: Option<u16>,
    }
}

/// serde's default for flags that are on unless said otherwise.
const fn yes() -> bool {
    true
}
