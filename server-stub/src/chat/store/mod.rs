//! Storage behind one narrow interface: [`Store`].
//!
//! The domain layer never writes SQL. Its rules call these methods, on the
//! writer's connection inside the batch's transaction (where a read sees the
//! batch's own uncommitted writes) or on a pooled read connection
//! ([`ReadPool`]). Everything a backend has to provide is here; SQLite
//! ([`sqlite`]) is the embedded default, and a PostgreSQL backend for several
//! server nodes would implement the same trait without touching a rule or a
//! handler.
//!
//! Methods are grouped by concept and ordered create, read, update, delete.
//! Writes never check permissions (the rules did, against the directory the
//! change commits on); reads never filter by who asks except where the
//! method says so.

pub mod sqlite;

use pq_protocol::{
    AttachmentId, ChannelId, ClientMessageId, EventId, InviteCode, MessageId, RoleId, ServerId, Timestamp, UserId,
    limits::Plan,
    models::{
        Attachment, AuditAction, AuditPage, Ban, Channel, CustomStatus, DmChannel, DmState, Invite, Me, Message,
        MessagePage, PaymentStatus, Relationship, RelationshipKind, ScheduledEvent, SendAck, Server, ServerRole,
        ServerState, StatusChoice, User,
    },
};

use super::directory::{Access, Directory};

pub use sqlite::{ReadPool, SqliteStore};

/// A storage failure: I/O, corruption, a constraint the rules did not expect.
/// Always an internal error to the caller (the rules refuse bad requests
/// before anything is written).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self(Box::new(e))
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        Self(Box::new(e))
    }
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A pq account as the store keeps it.
#[derive(Debug, Clone)]
pub struct Account {
    /// As others see them.
    pub user: User,
    /// Their email, if the issuer gave one.
    pub email: Option<String>,
    /// Their plan.
    pub plan: Plan,
    /// Whether they are a pq administrator.
    pub is_admin: bool,
    /// Their "about me".
    pub about: Option<String>,
    /// The status they chose.
    pub status: StatusChoice,
    /// Their unique handle.
    pub username: Option<String>,
    /// Whether people who only share a server with them may write to them.
    pub allow_server_dms: bool,
}

/// A change of one's profile (validated already): `None` keeps a field,
/// `Some(None)` removes it.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    /// New display name.
    pub display_name: Option<String>,
    /// New username (lowercase, checked to be free).
    pub username: Option<String>,
    /// New picture.
    pub avatar_url: Option<Option<String>>,
    /// New "about me".
    pub about: Option<Option<String>>,
    /// New custom status.
    pub custom_status: Option<Option<CustomStatus>>,
    /// Direct messages from server members allowed or not.
    pub allow_server_dms: Option<bool>,
}

impl ProfileChange {
    /// Whether others see something change (the about text is read on demand).
    #[must_use]
    pub fn shows(&self) -> bool {
        self.display_name.is_some() || self.avatar_url.is_some() || self.custom_status.is_some()
    }
}

impl Account {
    /// As they see themselves.
    #[must_use]
    pub fn me(&self) -> Me {
        Me {
            id: self.user.id,
            display_name: self.user.display_name.clone(),
            avatar_url: self.user.avatar_url.clone(),
            email: self.email.clone(),
            username: self.username.clone(),
            plan: self.plan,
            is_admin: self.is_admin,
            about: self.about.clone(),
            custom_status: self.user.custom_status.clone(),
            allow_server_dms: self.allow_server_dms,
        }
    }
}

/// An order for a plan, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    /// Toss's `orderId`.
    pub id: String,
    /// Who pays.
    pub user: UserId,
    /// A month of which plan.
    pub plan: Plan,
    /// The price, KRW.
    pub amount: u32,
    /// Given back so far, KRW.
    pub refunded: u32,
    /// Where it stands.
    pub status: PaymentStatus,
    /// Toss's key, once the window authorised it.
    pub payment_key: Option<String>,
    /// Why it failed.
    pub failure: Option<String>,
    /// What it added to the membership, ms.
    pub added_ms: i64,
    /// The membership before it (plan, end).
    pub prev: Option<(Plan, Timestamp)>,
    /// When ordered.
    pub created_at: Timestamp,
    /// When paid.
    pub paid_at: Option<Timestamp>,
    /// The paid event it buys entries of (`plan` is free then).
    pub event_id: Option<String>,
    /// How many entries.
    pub entries: u32,
}

/// A paid event as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidEventRow {
    /// Its id.
    pub id: String,
    /// What it is.
    pub title: String,
    /// One entry's price, KRW.
    pub entry_price: u32,
    /// Entries open.
    pub starts_at: Timestamp,
    /// Entries close.
    pub ends_at: Timestamp,
    /// The secret seed, hex.
    pub seed: String,
    /// Hex SHA-256 of the seed's bytes.
    pub commitment: String,
    /// The winner, once drawn.
    pub winner: Option<UserId>,
    /// When drawn.
    pub drawn_at: Option<Timestamp>,
    /// The state last announced.
    pub announced: pq_protocol::models::PaidEventState,
    /// Who made it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

/// A paid plan's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MembershipRow {
    /// The plan paid for.
    pub plan: Plan,
    /// When it ends.
    pub period_end: Timestamp,
    /// Not to be renewed.
    pub cancel_at_period_end: bool,
}

/// A ledger entry to append.
#[derive(Debug, Clone)]
pub struct NewLedger<'a> {
    /// The order, after the change.
    pub order: &'a OrderRow,
    /// created | paid | failed | refunded | expired.
    pub action: &'static str,
    /// The money it moved.
    pub amount: u32,
    /// Who did it.
    pub actor: Option<UserId>,
    /// A reason.
    pub note: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// An audit log entry to append.
#[derive(Debug, Clone)]
pub struct NewAudit {
    /// Where.
    pub server: ServerId,
    /// What.
    pub action: AuditAction,
    /// Who.
    pub actor: UserId,
    /// To whom.
    pub target_user: Option<UserId>,
    /// To which channel.
    pub target_channel: Option<ChannelId>,
    /// More about it.
    pub detail: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// A new direct-message channel.
#[derive(Debug, Clone)]
pub struct NewDm {
    /// Its id.
    pub id: ChannelId,
    /// A group, or two people.
    pub group: bool,
    /// A group's name.
    pub name: Option<String>,
    /// Its owner (the one who opened it).
    pub owner: UserId,
    /// Everyone in it, the owner first.
    pub members: Vec<UserId>,
    /// When.
    pub at: Timestamp,
}

/// A new account, first seen with a verified token.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Its id.
    pub id: UserId,
    /// The issuer that vouches for it.
    pub issuer: String,
    /// The issuer's subject.
    pub subject: String,
    /// Email from the issuer.
    pub email: Option<String>,
    /// Display name.
    pub display_name: String,
    /// Picture URL from the issuer.
    pub avatar_url: Option<String>,
    /// Whether the issuer puts them in group `admin`.
    pub is_admin: bool,
    /// When.
    pub created_at: Timestamp,
    /// Their username (chosen free by [`crate::chat::users::ensure_account`]).
    pub username: Option<String>,
}

/// Where an attachment belongs: who uploaded it to which channel, and the
/// message it went out with (none while not sent yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttachmentPlace {
    /// Who uploaded it.
    pub uploader: UserId,
    /// The channel it was uploaded to.
    pub channel: ChannelId,
    /// The message that carries it.
    pub message: Option<MessageId>,
}

/// What the rules need to know of a stored message.
#[derive(Debug, Clone)]
pub struct MessageMeta {
    /// Who wrote it.
    pub author: UserId,
    /// Its place in the channel.
    pub seq: u64,
    /// Whether it is a tombstone.
    pub deleted: bool,
    /// Whether it is pinned.
    pub pinned: bool,
    /// Its first words (for the audit log).
    pub gist: String,
}

/// An invite as stored, with what decides whether it can be used.
#[derive(Debug, Clone)]
pub struct InviteRow {
    /// The invite as the API shows it.
    pub invite: Invite,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

impl InviteRow {
    /// Whether it is expired or revoked at `now`.
    #[must_use]
    pub fn expired(&self, now: Timestamp) -> bool {
        self.revoked_at.is_some() || self.invite.expires_at.is_some_and(|e| e <= now)
    }

    /// Whether it has been used as often as allowed.
    #[must_use]
    pub fn used_up(&self) -> bool {
        self.invite.max_uses.is_some_and(|m| self.invite.uses >= m)
    }
}

/// Which page of a channel's history.
#[derive(Debug, Clone, Copy)]
pub enum Page {
    /// The newest `limit` messages.
    Newest,
    /// Up to `limit` messages before this `seq` (newest of them first).
    Before(u64),
    /// Up to `limit` messages after this `seq` (oldest first).
    After(u64),
}

/// Everything pq-server stores. See the module docs.
pub trait Store: Send {
    // ----- transactions (the writer) ------------------------------------

    /// Starts the batch's transaction (taking the write lock at once).
    ///
    /// # Errors
    /// The database cannot be written.
    fn begin(&mut self) -> StoreResult<()>;
    /// Marks the start of one change inside the batch.
    ///
    /// # Errors
    /// Storage failure.
    fn savepoint(&mut self) -> StoreResult<()>;
    /// Keeps the change made since [`Store::savepoint`].
    ///
    /// # Errors
    /// Storage failure.
    fn release(&mut self) -> StoreResult<()>;
    /// Undoes the change made since [`Store::savepoint`] (and ends it).
    ///
    /// # Errors
    /// Storage failure.
    fn rollback_to_savepoint(&mut self) -> StoreResult<()>;
    /// Commits the batch: durable when this returns.
    ///
    /// # Errors
    /// The commit failed; nothing of the batch is stored.
    fn commit(&mut self) -> StoreResult<()>;
    /// Abandons the batch.
    ///
    /// # Errors
    /// Storage failure.
    fn rollback(&mut self) -> StoreResult<()>;

    /// Loads who is in which server and which channels exist.
    ///
    /// # Errors
    /// Storage failure.
    fn load_directory(&self) -> StoreResult<Directory>;

    // ----- accounts -------------------------------------------------------

    /// Stores a new account unless one exists for its issuer and subject.
    ///
    /// # Errors
    /// Storage failure.
    fn insert_account(&mut self, account: &NewAccount) -> StoreResult<()>;
    /// The account of an identity: its id and whether it is an administrator.
    ///
    /// # Errors
    /// Storage failure.
    fn account_by_subject(&self, issuer: &str, subject: &str) -> StoreResult<Option<(UserId, bool)>>;
    /// One account.
    ///
    /// # Errors
    /// Storage failure.
    fn account(&self, user: UserId) -> StoreResult<Option<Account>>;
    /// Accounts for the administrators' list, newest first: at most
    /// `limit` (and whether more follow), only `plan`'s if given, older
    /// than `before` if given.
    ///
    /// # Errors
    /// Storage failure.
    fn admin_accounts(
        &self,
        plan: Option<Plan>,
        before: Option<UserId>,
        limit: usize,
    ) -> StoreResult<(Vec<pq_protocol::models::AdminAccount>, bool)>;
    /// How many accounts each plan has (plans with none left out).
    ///
    /// # Errors
    /// Storage failure.
    fn plan_counts(&self) -> StoreResult<Vec<(Plan, u32)>>;
    /// An order.
    fn order(&self, id: &str) -> StoreResult<Option<OrderRow>>;
    /// Someone's latest orders, newest first.
    fn orders_of(&self, user: UserId, limit: usize) -> StoreResult<Vec<OrderRow>>;
    /// Orders newest first, older than `before`; and whether more follow.
    fn orders_page(&self, before: Option<&str>, limit: usize) -> StoreResult<(Vec<OrderRow>, bool)>;
    /// Money taken in and given back, KRW, all time.
    fn payment_totals(&self) -> StoreResult<(u64, u64)>;
    /// The ledger of one order, in order.
    fn ledger_of(&self, order: &str) -> StoreResult<Vec<pq_protocol::models::LedgerEntry>>;
    /// Orders Toss has heard of (they have a payment key), and orders still
    /// pending made since `since`, newest first.
    fn orders_to_reconcile(&self, since: Timestamp, limit: usize) -> StoreResult<Vec<OrderRow>>;
    /// Someone's paid period.
    fn membership(&self, user: UserId) -> StoreResult<Option<MembershipRow>>;
    /// Who has a paid period ended by `now`.
    fn memberships_due(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<UserId>>;
    /// A paid event.
    fn paid_event(&self, id: &str) -> StoreResult<Option<PaidEventRow>>;
    /// Paid events, newest first.
    fn paid_events(&self, limit: usize) -> StoreResult<Vec<PaidEventRow>>;
    /// A paid event's participants in the draw's order (first paid entry
    /// first): who, their name, their entries.
    fn event_participants(&self, id: &str) -> StoreResult<Vec<(UserId, String, u32)>>;
    /// A paid event's pot (KRW, less refunds).
    fn event_pot(&self, id: &str) -> StoreResult<u64>;
    /// Records whether an account is an administrator.
    ///
    /// # Errors
    /// Storage failure.
    fn set_admin(&mut self, user: UserId, is_admin: bool) -> StoreResult<()>;
    /// Changes one's profile.
    ///
    /// # Errors
    /// Storage failure.
    fn update_profile(&mut self, user: UserId, change: &ProfileChange) -> StoreResult<()>;
    /// Records the status someone chose.
    ///
    /// # Errors
    /// Storage failure.
    fn set_status(&mut self, user: UserId, status: StatusChoice) -> StoreResult<()>;
    /// Sets an account's plan; false when there is no such account.
    ///
    /// # Errors
    /// Storage failure.
    fn set_plan(&mut self, user: UserId, plan: Plan) -> StoreResult<bool>;
    /// Writes an order (new or changed).
    fn put_order(&mut self, o: &OrderRow) -> StoreResult<()>;
    /// Appends to the payment ledger.
    fn append_ledger(&mut self, e: &NewLedger<'_>) -> StoreResult<()>;
    /// Sets or removes someone's paid period.
    fn put_membership(&mut self, user: UserId, m: Option<&MembershipRow>) -> StoreResult<()>;
    /// Writes a paid event (new or changed).
    fn put_paid_event(&mut self, e: &PaidEventRow) -> StoreResult<()>;

    // ----- relationships --------------------------------------------------

    /// The account whose email is `email` (compared without regard to case;
    /// the oldest when several share it).
    ///
    /// # Errors
    /// Storage failure.
    fn account_by_email(&self, email: &str) -> StoreResult<Option<UserId>>;
    /// `user`'s friends, requests and blocks, newest first.
    ///
    /// # Errors
    /// Storage failure.
    fn relationships(&self, user: UserId) -> StoreResult<Vec<Relationship>>;
    /// The account with this username (lowercase).
    ///
    /// # Errors
    /// Storage failure.
    fn account_by_username(&self, username: &str) -> StoreResult<Option<UserId>>;
    /// Records what `user` sees of `other` (`None` removes it).
    ///
    /// # Errors
    /// Storage failure.
    fn set_relationship(
        &mut self,
        user: UserId,
        other: UserId,
        kind: Option<RelationshipKind>,
        at: Timestamp,
    ) -> StoreResult<()>;

    // ----- media ----------------------------------------------------------

    /// Stores an image under its content hash (once).
    ///
    /// # Errors
    /// Storage failure.
    fn insert_media(
        &mut self,
        id: &str,
        content_type: &str,
        bytes: &[u8],
        uploader: UserId,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// An image, its content type and bytes, if `viewer` may see it: their
    /// own upload or avatar, the avatar of someone they share a server with,
    /// the icon of a server they are in, or (with a usable `invite` code)
    /// the icon of the invite's server or its creator's avatar.
    ///
    /// # Errors
    /// Storage failure.
    fn media_for(
        &self,
        id: &str,
        viewer: UserId,
        invite: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Option<(String, Vec<u8>)>>;

    // ----- servers --------------------------------------------------------

    /// Stores a new server (its owner is added with [`Store::insert_member`]).
    ///
    /// # Errors
    /// Storage failure.
    fn insert_server(&mut self, server: &Server) -> StoreResult<()>;
    /// One server.
    ///
    /// # Errors
    /// Storage failure.
    fn server(&self, id: ServerId) -> StoreResult<Option<Server>>;
    /// What `user` needs to draw each server they are in (or just `only`), in
    /// the order they joined. `member_count` and `voice_states` are left for
    /// the caller (they live in memory).
    ///
    /// # Errors
    /// Storage failure.
    fn server_states(&self, user: UserId, only: Option<ServerId>) -> StoreResult<Vec<ServerState>>;
    /// Renames a server and/or changes its image (`Some(None)` removes it).
    ///
    /// # Errors
    /// Storage failure.
    fn update_server(&mut self, id: ServerId, name: Option<&str>, icon: Option<Option<&str>>) -> StoreResult<()>;
    /// Sets or removes (`None`) a server's description.
    ///
    /// # Errors
    /// Storage failure.
    fn set_description(&mut self, id: ServerId, description: Option<&str>) -> StoreResult<()>;
    /// Makes `user` the recorded owner.
    ///
    /// # Errors
    /// Storage failure.
    fn set_owner(&mut self, id: ServerId, user: UserId) -> StoreResult<()>;
    /// Deletes a server and everything in it.
    ///
    /// # Errors
    /// Storage failure.
    fn delete_server(&mut self, id: ServerId) -> StoreResult<()>;

    // ----- members --------------------------------------------------------

    /// Adds a member; with `read_all`, nothing already in the server's text
    /// channels counts as unread for them.
    ///
    /// # Errors
    /// Storage failure.
    fn insert_member(&mut self, server: ServerId, user: UserId, at: Timestamp, read_all: bool) -> StoreResult<()>;
    /// Members with the roles they hold and when they joined, in joining order.
    ///
    /// # Errors
    /// Storage failure.
    fn members(&self, server: ServerId) -> StoreResult<Vec<(User, Vec<RoleId>, Timestamp)>>;
    /// Gives a member a role.
    ///
    /// # Errors
    /// Storage failure.
    fn add_member_role(&mut self, server: ServerId, user: UserId, role: RoleId) -> StoreResult<()>;
    /// Takes a role from a member.
    ///
    /// # Errors
    /// Storage failure.
    fn remove_member_role(&mut self, server: ServerId, user: UserId, role: RoleId) -> StoreResult<()>;

    // ----- events ---------------------------------------------------------

    /// Stores a new scheduled event.
    ///
    /// # Errors
    /// Storage failure.
    fn insert_event(&mut self, event: &ScheduledEvent, at: Timestamp) -> StoreResult<()>;
    /// Stores an event's title, description, times, channel and repeat.
    ///
    /// # Errors
    /// Storage failure.
    fn update_event(&mut self, event: &ScheduledEvent) -> StoreResult<()>;
    /// Deletes an event.
    ///
    /// # Errors
    /// Storage failure.
    fn delete_event(&mut self, id: EventId) -> StoreResult<()>;
    /// Marks `user` interested in an event, or not.
    ///
    /// # Errors
    /// Storage failure.
    fn set_interest(&mut self, id: EventId, user: UserId, on: bool) -> StoreResult<()>;
    /// One event, with who is interested.
    ///
    /// # Errors
    /// Storage failure.
    fn event(&self, id: EventId) -> StoreResult<Option<ScheduledEvent>>;
    /// A server's events by first start, with who is interested.
    ///
    /// # Errors
    /// Storage failure.
    fn events_of(&self, server: ServerId) -> StoreResult<Vec<ScheduledEvent>>;

    // ----- roles ----------------------------------------------------------

    /// Stores a new role.
    ///
    /// # Errors
    /// Storage failure.
    fn insert_role(&mut self, server: ServerId, role: &ServerRole, at: Timestamp) -> StoreResult<()>;
    /// A server's roles by rank, `@everyone` first.
    ///
    /// # Errors
    /// Storage failure.
    fn roles(&self, server: ServerId) -> StoreResult<Vec<ServerRole>>;
    /// Stores a role's name, colour, rank and permissions.
    ///
    /// # Errors
    /// Storage failure.
    fn update_role(&mut self, server: ServerId, role: &ServerRole) -> StoreResult<()>;
    /// Deletes a role (its members lose it).
    ///
    /// # Errors
    /// Storage failure.
    fn delete_role(&mut self, role: RoleId) -> StoreResult<()>;
    /// Removes a member and their read markers; returns the markers that
    /// were below their channel's newest message, as `(channel, marker,
    /// newest)`.
    ///
    /// # Errors
    /// Storage failure.
    fn delete_member(&mut self, server: ServerId, user: UserId) -> StoreResult<Vec<(ChannelId, u64, u64)>>;

    // ----- channels -------------------------------------------------------

    /// Stores a new channel; a text channel starts read to its end for every
    /// current member.
    ///
    /// # Errors
    /// Storage failure.
    fn insert_channel(&mut self, channel: &Channel, at: Timestamp) -> StoreResult<()>;
    /// One channel.
    ///
    /// # Errors
    /// Storage failure.
    fn channel(&self, id: ChannelId) -> StoreResult<Option<Channel>>;
    /// A server's channels in display order.
    ///
    /// # Errors
    /// Storage failure.
    fn channels_of(&self, server: ServerId) -> StoreResult<Vec<Channel>>;
    /// The position after the last channel under `parent` (or at the top level).
    ///
    /// # Errors
    /// Storage failure.
    fn next_position(&self, server: ServerId, parent: Option<ChannelId>) -> StoreResult<i32>;
    /// Renames a channel.
    ///
    /// # Errors
    /// Storage failure.
    fn rename_channel(&mut self, id: ChannelId, name: &str) -> StoreResult<()>;
    /// Sets or removes (`None`) a channel's topic.
    ///
    /// # Errors
    /// Storage failure.
    fn set_topic(&mut self, id: ChannelId, topic: Option<&str>) -> StoreResult<()>;
    /// Makes a channel private with this access list, or public (`None`).
    ///
    /// # Errors
    /// Storage failure.
    fn set_channel_access(&mut self, id: ChannelId, access: Option<&Access>) -> StoreResult<()>;
    /// Moves a channel.
    ///
    /// # Errors
    /// Storage failure.
    fn place_channel(&mut self, id: ChannelId, parent: Option<ChannelId>, position: i32) -> StoreResult<()>;
    /// Records a channel's newest `seq`.
    ///
    /// # Errors
    /// Storage failure.
    fn set_last_seq(&mut self, id: ChannelId, seq: u64) -> StoreResult<()>;
    /// Deletes a channel and its messages (channels under a category move
    /// to the top level).
    ///
    /// # Errors
    /// Storage failure.
    fn delete_channel(&mut self, id: ChannelId) -> StoreResult<()>;

    // ----- audit log ---------------------------------------------------------

    /// Appends an entry to a server's audit log.
    ///
    /// # Errors
    /// Storage failure.
    fn insert_audit(&mut self, entry: &NewAudit) -> StoreResult<()>;
    /// A page of a server's audit log, newest first: entries numbered below
    /// `before` (all for `None`), at most `limit`.
    ///
    /// # Errors
    /// Storage failure.
    fn audit_page(&self, server: ServerId, before: Option<u64>, limit: u32) -> StoreResult<AuditPage>;

    // ----- bans -------------------------------------------------------------

    /// Records a ban (replacing an earlier one).
    ///
    /// # Errors
    /// Storage failure.
    fn insert_ban(&mut self, server: ServerId, user: UserId, by: UserId, at: Timestamp) -> StoreResult<()>;
    /// Lifts a ban; false when there was none.
    ///
    /// # Errors
    /// Storage failure.
    fn delete_ban(&mut self, server: ServerId, user: UserId) -> StoreResult<bool>;
    /// A server's bans, newest first.
    ///
    /// # Errors
    /// Storage failure.
    fn bans(&self, server: ServerId) -> StoreResult<Vec<Ban>>;
    /// Makes tombstones of `author`'s messages in `server`'s channels sent
    /// at or after `since`; returns them (channel, message, seq), at most
    /// `limit`, newest first.
    ///
    /// # Errors
    /// Storage failure.
    fn purge_messages(
        &mut self,
        server: ServerId,
        author: UserId,
        since: Timestamp,
        at: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<(ChannelId, MessageId, u64)>>;

    // ----- direct messages ------------------------------------------------

    /// Stores a new direct-message channel with its members (their read
    /// markers at 0).
    ///
    /// # Errors
    /// Storage failure.
    fn insert_dm(&mut self, dm: &NewDm) -> StoreResult<()>;
    /// Adds someone to a group; their read marker starts at `seq`.
    ///
    /// # Errors
    /// Storage failure.
    fn add_dm_member(&mut self, channel: ChannelId, user: UserId, seq: u64, at: Timestamp) -> StoreResult<()>;
    /// Removes someone from a group (and their read marker).
    ///
    /// # Errors
    /// Storage failure.
    fn remove_dm_member(&mut self, channel: ChannelId, user: UserId) -> StoreResult<()>;
    /// Renames a group (`None`: unnamed) or hands it to another owner.
    ///
    /// # Errors
    /// Storage failure.
    fn update_dm(&mut self, channel: ChannelId, name: Option<Option<&str>>, owner: Option<UserId>) -> StoreResult<()>;
    /// A direct-message channel as its members see it.
    ///
    /// # Errors
    /// Storage failure.
    fn dm(&self, channel: ChannelId) -> StoreResult<Option<DmChannel>>;
    /// The direct-message channels `user` is in, most recently active first,
    /// each with whether it is shown to them yet (groups, and direct
    /// channels with a message or opened by them).
    ///
    /// # Errors
    /// Storage failure.
    fn dm_states(&self, user: UserId) -> StoreResult<Vec<(DmState, bool)>>;

    // ----- messages -------------------------------------------------------

    /// Stores a message.
    ///
    /// # Errors
    /// Storage failure (a repeated `(author, client id)` too: check
    /// [`Store::sent`] first).
    fn insert_message(&mut self, message: &Message) -> StoreResult<()>;
    /// The acknowledgement of the message `author` sent with `client_id`, if stored.
    ///
    /// # Errors
    /// Storage failure.
    fn sent(&self, author: UserId, client_id: ClientMessageId) -> StoreResult<Option<SendAck>>;
    /// Author, place and tombstone of a message of `channel`.
    ///
    /// # Errors
    /// Storage failure.
    fn message_meta(&self, channel: ChannelId, id: MessageId) -> StoreResult<Option<MessageMeta>>;
    /// A channel's pinned messages, the most recently pinned first.
    ///
    /// # Errors
    /// Storage failure.
    fn pins(&self, channel: ChannelId) -> StoreResult<Vec<Message>>;
    /// An attachment and where it belongs.
    ///
    /// # Errors
    /// Storage failure.
    fn attachment(&self, id: AttachmentId) -> StoreResult<Option<(Attachment, AttachmentPlace)>>;
    /// Stores an upload (not sent with a message yet: `place.message` is ignored).
    ///
    /// # Errors
    /// Storage failure.
    fn insert_attachment(&mut self, a: &Attachment, place: AttachmentPlace, at: Timestamp) -> StoreResult<()>;
    /// Gives uploads to a message, in order (checked already).
    ///
    /// # Errors
    /// Storage failure.
    fn bind_attachments(&mut self, message: MessageId, ids: &[AttachmentId]) -> StoreResult<()>;
    /// Forgets a message's attachments; returns their ids (to delete their bytes).
    ///
    /// # Errors
    /// Storage failure.
    fn take_attachments(&mut self, message: MessageId) -> StoreResult<Vec<AttachmentId>>;

    /// Forgets every attachment of a channel (sent or not: it is being
    /// deleted), returning their ids for their bytes to go after commit.
    ///
    /// # Errors
    /// Storage failure.
    fn take_channel_attachments(&mut self, channel: ChannelId) -> StoreResult<Vec<AttachmentId>>;

    /// Forgets every attachment in a server's channels (it is being
    /// deleted).
    ///
    /// # Errors
    /// Storage failure.
    fn take_server_attachments(&mut self, server: ServerId) -> StoreResult<Vec<AttachmentId>>;

    /// Forgets up to `limit` uploads no message named that were made before
    /// `before` (abandoned: the app was closed, the send cancelled, the
    /// answer lost), returning their ids.
    ///
    /// # Errors
    /// Storage failure.
    fn take_stale_uploads(&mut self, before: Timestamp, limit: usize) -> StoreResult<Vec<AttachmentId>>;
    /// Who gave `emoji` to a message, the first to react first, at most `limit`.
    ///
    /// # Errors
    /// Storage failure.
    fn reactors(&self, message: MessageId, emoji: &str, limit: u32) -> StoreResult<Vec<User>>;
    /// A page of history as `viewer` sees it (`unread_by` counted among the
    /// members of `server`, or of the direct-message channel for `None`),
    /// oldest first.
    ///
    /// # Errors
    /// Storage failure.
    fn history(
        &self,
        server: Option<ServerId>,
        channel: ChannelId,
        viewer: UserId,
        page: Page,
        limit: u32,
    ) -> StoreResult<MessagePage>;
    /// Replaces a message's body; false when it is gone or a tombstone.
    ///
    /// # Errors
    /// Storage failure.
    fn edit_message(&mut self, id: MessageId, body: &str, at: Timestamp) -> StoreResult<bool>;
    /// Makes a message a tombstone (body emptied, reactions removed).
    ///
    /// # Errors
    /// Storage failure.
    fn delete_message(&mut self, id: MessageId, at: Timestamp) -> StoreResult<()>;

    // ----- reactions ------------------------------------------------------

    /// Adds `user`'s reaction; false when they had already given it.
    ///
    /// # Errors
    /// Storage failure.
    fn insert_reaction(&mut self, message: MessageId, user: UserId, emoji: &str, at: Timestamp) -> StoreResult<bool>;
    /// How many different reactions a message carries, and whether anyone
    /// gave `emoji` already.
    ///
    /// # Errors
    /// Storage failure.
    fn reaction_stats(&self, message: MessageId, emoji: &str) -> StoreResult<(usize, bool)>;
    /// Removes `user`'s reaction; false when there was none.
    ///
    /// # Errors
    /// Storage failure.
    fn delete_reaction(&mut self, message: MessageId, user: UserId, emoji: &str) -> StoreResult<bool>;

    // ----- read markers ---------------------------------------------------

    /// How far `user` has read `channel` (0: nothing).
    ///
    /// # Errors
    /// Storage failure.
    fn read_marker(&self, channel: ChannelId, user: UserId) -> StoreResult<u64>;
    /// Sets how far `user` has read `channel`.
    ///
    /// # Errors
    /// Storage failure.
    fn set_read_marker(&mut self, channel: ChannelId, user: UserId, seq: u64) -> StoreResult<()>;
    /// Pins a message (by whom, when) or unpins it (`None`).
    ///
    /// # Errors
    /// Storage failure.
    fn set_pinned(&mut self, id: MessageId, by: Option<(UserId, Timestamp)>) -> StoreResult<()>;
    /// Records that `code` was sent to `user` in the app.
    ///
    /// # Errors
    /// Storage failure.
    fn insert_invite_target(&mut self, code: &InviteCode, user: UserId, at: Timestamp) -> StoreResult<()>;
    /// Forgets that `code` waits for `user`; whether it did.
    ///
    /// # Errors
    /// Storage failure.
    fn delete_invite_target(&mut self, code: &InviteCode, user: UserId) -> StoreResult<bool>;
    /// The invites waiting for `user`, oldest first, with when each was sent.
    ///
    /// # Errors
    /// Storage failure.
    fn invite_targets(&self, user: UserId) -> StoreResult<Vec<(InviteRow, Timestamp)>>;
    /// Forgets how far `user` read `channel` (it is hidden from them now:
    /// they no longer count towards its messages' `unread_by`).
    ///
    /// # Errors
    /// Storage failure.
    fn delete_read_marker(&mut self, channel: ChannelId, user: UserId) -> StoreResult<()>;
    /// Gives `user` a read marker at 0 in `channel` unless they have one
    /// (it is visible to them now: everything in it is unread).
    ///
    /// # Errors
    /// Storage failure.
    fn add_read_marker(&mut self, channel: ChannelId, user: UserId) -> StoreResult<()>;
    /// Messages of others after `after` that are not deleted.
    ///
    /// # Errors
    /// Storage failure.
    fn unread_count(&self, channel: ChannelId, user: UserId, after: u64) -> StoreResult<u32>;

    // ----- invites --------------------------------------------------------

    /// Stores a new invite.
    ///
    /// # Errors
    /// Storage failure.
    fn insert_invite(&mut self, invite: &Invite) -> StoreResult<()>;
    /// One invite.
    ///
    /// # Errors
    /// Storage failure.
    fn invite(&self, code: &InviteCode) -> StoreResult<Option<InviteRow>>;
    /// A server's invites that can still be used at `now`, newest first.
    ///
    /// # Errors
    /// Storage failure.
    fn usable_invites(&self, server: ServerId, now: Timestamp) -> StoreResult<Vec<Invite>>;
    /// Counts one use if the invite can be used at `now`; false otherwise.
    ///
    /// # Errors
    /// Storage failure.
    fn use_invite(&mut self, code: &InviteCode, now: Timestamp) -> StoreResult<bool>;
    /// Revokes an invite.
    ///
    /// # Errors
    /// Storage failure.
    fn revoke_invite(&mut self, code: &InviteCode, at: Timestamp) -> StoreResult<()>;
}
