//! [`Store`] on SQLite (rusqlite): the embedded default.
//!
//! One file, WAL. The writer's connection ([`SqliteStore`]) is owned by the
//! writer thread; readers take a connection from [`ReadPool`] on a blocking
//! thread. `synchronous=FULL`: a commit is on disk when it returns, so an
//! acknowledged change survives a power loss. Every statement is prepared
//! once per connection and cached.

use std::{collections::HashMap, path::Path, str::FromStr, sync::Arc, time::Duration};

use pq_protocol::{
    AttachmentId, ChannelId, ClientMessageId, EventId, InviteCode, MessageId, RoleId, ServerId, Timestamp, UserId,
    limits::Plan,
    models::{
        Attachment, AuditAction, AuditEntry, AuditPage, Ban, Channel, ChannelKind, CustomStatus, DmChannel, DmKind,
        DmState, Invite, Message, MessageKind, MessagePage, Permissions, Reaction, ReadState, Relationship,
        RelationshipKind, Repeat, ScheduledEvent, SendAck, Server, ServerRole, ServerState, StatusChoice, User,
    },
};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params, types::Type};

use super::{
    Account, AttachmentPlace, InviteRow, MembershipRow, MessageMeta, NewAccount, NewAudit, NewDm, NewLedger, OrderRow,
    Page, PaidEventRow, ProfileChange, Store, StoreError, StoreResult,
};

#[path = "sqlite_payments.rs"]
mod payments;
use crate::chat::directory::{Access, Directory};

/// Statements kept prepared per connection.
const STATEMENT_CACHE: usize = 128;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Acknowledged means durable: the WAL is synced at every commit.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// The writer's connection.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens the database file (already created and migrated) for writing.
    ///
    /// # Errors
    /// SQLite cannot open or configure it.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        configure(&conn)?;
        Ok(Self { conn })
    }

    /// Runs SQL directly (tests that need to break something on purpose).
    ///
    /// # Errors
    /// SQLite refuses it.
    #[doc(hidden)]
    pub fn execute_batch(&self, sql: &str) -> StoreResult<()> {
        Ok(self.conn.execute_batch(sql)?)
    }
}

/// Connections for reading, used on blocking threads (WAL lets them read
/// beside the writer: each sees the last commit).
#[derive(Clone)]
pub struct ReadPool {
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// One permit per connection: a read waits here (a task), not on a
    /// blocking thread of its own waiting for a connection.
    permits: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for ReadPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadPool").field("connections", &self.pool.max_size()).finish()
    }
}

impl ReadPool {
    /// Opens `size` read-only connections to the database file.
    ///
    /// # Errors
    /// SQLite cannot open it.
    pub fn open(path: &Path, size: u32) -> StoreResult<Self> {
        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI)
            .with_init(|c| {
                configure(c)?;
                // Readers keep a small page cache of their own (256 KiB; the
                // kernel's page cache holds the file anyway): at SQLite's
                // default 2 MiB each, a burst of reads left ~10 MiB resident.
                c.pragma_update(None, "cache_size", -256)
            });
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(manager)?;
        Ok(Self { pool, permits: Arc::new(tokio::sync::Semaphore::new(size as usize)) })
    }

    /// Runs `f` with a read connection on a blocking thread.
    ///
    /// # Errors
    /// No connection, or what `f` returns.
    pub async fn read<T, E>(&self, f: impl FnOnce(&dyn Store) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let permit = self.permits.clone().acquire_owned().await.map_err(|e| E::from(StoreError(Box::new(e))))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = pool.get().map_err(StoreError::from)?;
            let store = ReadConn { conn };
            f(&store)
        })
        .await
        .map_err(|e| E::from(StoreError(Box::new(e))))?
    }
}

/// A pooled connection seen as a [`Store`] (writes fail: it is read-only).
struct ReadConn {
    conn: r2d2::PooledConnection<SqliteConnectionManager>,
}

fn corrupt(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, Type::Text, format!("corrupt {what} in database: {value:?}").into())
}

fn id<T: FromStr>(s: &str) -> rusqlite::Result<T> {
    s.parse().map_err(|_| corrupt("id", s))
}

fn col_id<T: FromStr>(row: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    id(&row.get::<_, String>(i)?)
}

fn opt_id<T: FromStr>(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<T>> {
    row.get::<_, Option<String>>(i)?.as_deref().map(id).transpose()
}

fn ts(row: &Row<'_>, i: usize) -> rusqlite::Result<Timestamp> {
    Ok(Timestamp::from_millis(row.get(i)?))
}

fn opt_ts(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Timestamp>> {
    Ok(row.get::<_, Option<i64>>(i)?.map(Timestamp::from_millis))
}

const ROLE_COLS: &str = "r.id, r.name, r.color, r.position, r.permissions";

fn role_row(row: &Row<'_>) -> rusqlite::Result<ServerRole> {
    Ok(ServerRole {
        id: col_id(row, 0)?,
        name: row.get(1)?,
        color: row.get::<_, i64>(2)?.clamp(0, 0xFF_FFFF) as u32,
        position: row.get::<_, i64>(3)?.max(0) as u32,
        permissions: Permissions::from_bits(row.get::<_, i64>(4)? as u64).list(),
    })
}

fn q_roles(c: &Connection, server: ServerId) -> StoreResult<Vec<ServerRole>> {
    Ok(c.prepare_cached(&format!("SELECT {ROLE_COLS} FROM roles r WHERE r.server_id = ? ORDER BY r.position"))?
        .query_map([server.to_string()], role_row)?
        .collect::<Result<_, _>>()?)
}

/// The roles each member of `server` (or only `user`) holds.
fn q_held(
    c: &Connection,
    server: Option<ServerId>,
    user: Option<UserId>,
) -> StoreResult<Vec<(ServerId, UserId, RoleId)>> {
    Ok(c.prepare_cached(
        "SELECT server_id, user_id, role_id FROM member_roles
         WHERE (?1 IS NULL OR server_id = ?1) AND (?2 IS NULL OR user_id = ?2)",
    )?
    .query_map(params![server.map(|s| s.to_string()), user.map(|u| u.to_string())], |r| {
        Ok((col_id(r, 0)?, col_id(r, 1)?, col_id(r, 2)?))
    })?
    .collect::<Result<_, _>>()?)
}

const CHANNEL_COLS: &str = "c.id, c.server_id, c.kind, c.name, c.parent_id, c.position, c.last_seq, c.private, c.topic";

fn channel_row(row: &Row<'_>) -> rusqlite::Result<Channel> {
    let kind: String = row.get(2)?;
    Ok(Channel {
        id: col_id(row, 0)?,
        server_id: col_id(row, 1)?,
        kind: ChannelKind::from_name(&kind).ok_or_else(|| corrupt("channel kind", &kind))?,
        name: row.get(3)?,
        parent_id: opt_id(row, 4)?,
        position: row.get(5)?,
        last_seq: row.get::<_, i64>(6)? as u64,
        private: row.get::<_, i64>(7)? != 0,
        topic: row.get(8)?,
    })
}

const SERVER_COLS: &str = "s.id, s.name, s.icon_url, s.owner_id, s.created_at, s.description";

fn server_row(row: &Row<'_>) -> rusqlite::Result<Server> {
    Ok(Server {
        id: col_id(row, 0)?,
        name: row.get(1)?,
        icon_url: row.get(2)?,
        owner_id: col_id(row, 3)?,
        created_at: ts(row, 4)?,
        description: row.get(5)?,
    })
}

const INVITE_COLS: &str = "code, server_id, creator_id, created_at, expires_at, max_uses, uses, revoked_at";

fn invite_row(row: &Row<'_>) -> rusqlite::Result<InviteRow> {
    let code = InviteCode(row.get(0)?);
    Ok(InviteRow {
        invite: Invite {
            url: code.deep_link(),
            code,
            server_id: col_id(row, 1)?,
            creator_id: col_id(row, 2)?,
            created_at: ts(row, 3)?,
            expires_at: opt_ts(row, 4)?,
            max_uses: row.get::<_, Option<i64>>(5)?.map(|m| m as u32),
            uses: row.get::<_, i64>(6)? as u32,
        },
        revoked_at: opt_ts(row, 7)?,
    })
}

/// Every row of `sql`, two ids each.
fn id_pairs<A: FromStr, B: FromStr>(c: &Connection, sql: &str) -> StoreResult<Vec<(A, B)>> {
    Ok(c.prepare_cached(sql)?.query_map([], |r| Ok((col_id(r, 0)?, col_id(r, 1)?)))?.collect::<Result<_, _>>()?)
}

/// The read queries, shared by the writer's connection and the readers'.
fn q_load_directory(c: &Connection) -> StoreResult<Directory> {
    let mut dir = Directory::default();
    let mut st = c.prepare_cached("SELECT id, owner_id FROM servers")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        dir.add_server(col_id(r, 0)?, col_id(r, 1)?);
    }
    let mut st = c.prepare_cached("SELECT server_id, user_id FROM members")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        dir.add_member(col_id(r, 0)?, col_id(r, 1)?);
    }
    let mut st = c.prepare_cached("SELECT server_id, id, position, permissions FROM roles")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let entry = crate::chat::directory::RoleEntry {
            position: r.get::<_, i64>(2)?.max(0) as u32,
            permissions: Permissions::from_bits(r.get::<_, i64>(3)? as u64),
        };
        dir.add_role(col_id(r, 0)?, col_id(r, 1)?, entry);
    }
    for (server, user, role) in q_held(c, None, None)? {
        dir.add_member_role(server, user, role);
    }
    let mut lists: HashMap<ChannelId, Access> = c
        .prepare_cached("SELECT id FROM channels WHERE private = 1")?
        .query_map([], |r| col_id::<ChannelId>(r, 0))?
        .map(|id| id.map(|id| (id, Access::default())))
        .collect::<Result<_, _>>()?;
    for (channel, role) in id_pairs::<ChannelId, RoleId>(c, "SELECT channel_id, role_id FROM channel_roles")? {
        lists.entry(channel).and_modify(|a| a.roles.push(role));
    }
    for (channel, user) in id_pairs::<ChannelId, UserId>(c, "SELECT channel_id, user_id FROM channel_users")? {
        lists.entry(channel).and_modify(|a| a.users.push(user));
    }
    for (channel, access) in lists {
        dir.set_access(channel, Some(access));
    }
    let mut st =
        c.prepare_cached("SELECT id, server_id, kind, parent_id, last_seq FROM channels WHERE server_id IS NOT NULL")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let kind: String = r.get(2)?;
        let kind = ChannelKind::from_name(&kind).ok_or_else(|| corrupt("channel kind", &kind))?;
        dir.add_channel(col_id(r, 0)?, col_id(r, 1)?, kind, opt_id(r, 3)?, r.get::<_, i64>(4)? as u64);
    }
    let mut st = c.prepare_cached("SELECT user_id, other_id, kind FROM relationships")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        dir.set_relation(col_id(r, 0)?, col_id(r, 1)?, Some(relationship_kind(&r.get::<_, String>(2)?)?));
    }
    let mut st = c.prepare_cached("SELECT id, kind, owner_id, last_seq FROM channels WHERE server_id IS NULL")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let group = r.get::<_, String>(1)? == "group_dm";
        dir.add_dm(col_id(r, 0)?, group, col_id(r, 2)?, r.get::<_, i64>(3)? as u64);
    }
    let mut st = c.prepare_cached("SELECT channel_id, user_id FROM dm_members ORDER BY joined_at, rowid")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        dir.add_dm_member(col_id(r, 0)?, col_id(r, 1)?);
    }
    let mut st = c.prepare_cached("SELECT server_id, user_id FROM bans")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        dir.set_banned(col_id(r, 0)?, col_id(r, 1)?, true);
    }
    let mut st = c.prepare_cached("SELECT id FROM users WHERE allow_server_dms = 0")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        dir.set_server_dms(col_id(r, 0)?, false);
    }
    Ok(dir)
}

/// A direct-message channel (its members read separately).
const DM_COLS: &str = "c.id, c.kind, c.name, c.owner_id, c.last_seq,
    COALESCE((SELECT m.created_at FROM messages m WHERE m.channel_id = c.id ORDER BY m.seq DESC LIMIT 1), c.created_at)";

fn dm_row(r: &Row<'_>) -> rusqlite::Result<DmChannel> {
    let name: String = r.get(2)?;
    Ok(DmChannel {
        id: col_id(r, 0)?,
        kind: if r.get::<_, String>(1)? == "group_dm" { DmKind::Group } else { DmKind::Direct },
        name: (!name.is_empty()).then_some(name),
        owner_id: col_id(r, 3)?,
        members: vec![],
        last_seq: r.get::<_, i64>(4)?.max(0) as u64,
        last_activity_at: ts(r, 5)?,
    })
}

fn dm_members_of(c: &Connection, channel: &mut DmChannel) -> StoreResult<()> {
    channel.members = c
        .prepare_cached(&format!(
            "SELECT {USER_COLS} FROM dm_members d JOIN users u ON u.id = d.user_id
             WHERE d.channel_id = ? ORDER BY d.joined_at, d.rowid"
        ))?
        .query_map([channel.id.to_string()], user_row)?
        .collect::<Result<_, _>>()?;
    Ok(())
}

fn q_dm(c: &Connection, id: ChannelId) -> StoreResult<Option<DmChannel>> {
    let found = c
        .prepare_cached(&format!("SELECT {DM_COLS} FROM channels c WHERE c.id = ? AND c.server_id IS NULL"))?
        .query_row([id.to_string()], dm_row)
        .optional()?;
    let Some(mut dm) = found else { return Ok(None) };
    dm_members_of(c, &mut dm)?;
    Ok(Some(dm))
}

fn q_dm_states(c: &Connection, user: UserId) -> StoreResult<Vec<(DmState, bool)>> {
    let uid = user.to_string();
    // Every conversation with my read state and unread count, then every
    // member of them: two statements however many conversations there are
    // (this is part of every `ready`).
    let found: Vec<(DmChannel, u64, u32, bool)> = c
        .prepare_cached(&format!(
            "SELECT {DM_COLS}, COALESCE(r.seq, 0),
                 (SELECT COUNT(*) FROM messages m WHERE m.channel_id = c.id AND m.seq > COALESCE(r.seq, 0)
                    AND m.author_id <> ?1 AND m.deleted_at IS NULL),
                 (c.kind = 'group_dm' OR c.last_seq > 0 OR c.owner_id = ?1)
             FROM dm_members d JOIN channels c ON c.id = d.channel_id
             LEFT JOIN read_markers r ON r.channel_id = c.id AND r.user_id = d.user_id
             WHERE d.user_id = ?1"
        ))?
        .query_map([&uid], |r| {
            Ok((dm_row(r)?, r.get::<_, i64>(6)?.max(0) as u64, r.get::<_, i64>(7)? as u32, r.get::<_, bool>(8)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut members: HashMap<ChannelId, Vec<User>> = HashMap::new();
    let mut st = c.prepare_cached(&format!(
        "SELECT {USER_COLS}, d2.channel_id FROM dm_members d JOIN dm_members d2 ON d2.channel_id = d.channel_id
         JOIN users u ON u.id = d2.user_id WHERE d.user_id = ? ORDER BY d2.joined_at, d2.rowid"
    ))?;
    let mut rows = st.query([&uid])?;
    while let Some(r) = rows.next()? {
        let (u, channel): (User, ChannelId) = (user_row(r)?, col_id(r, 5)?);
        members.entry(channel).or_default().push(u);
    }
    let mut out: Vec<(DmState, bool)> = found
        .into_iter()
        .map(|(mut channel, last_read_seq, unread_count, shown)| {
            channel.members = members.remove(&channel.id).unwrap_or_default();
            let read_state = ReadState { channel_id: channel.id, last_read_seq, unread_count };
            (DmState { read_state, channel, voice_states: vec![] }, shown)
        })
        .collect();
    out.sort_by(|(a, _), (b, _)| {
        b.channel.last_activity_at.cmp(&a.channel.last_activity_at).then(b.channel.id.cmp(&a.channel.id))
    });
    Ok(out)
}

fn q_bans(c: &Connection, server: ServerId) -> StoreResult<Vec<Ban>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {USER_COLS}, b.banned_by, b.created_at FROM bans b JOIN users u ON u.id = b.user_id
         WHERE b.server_id = ? ORDER BY b.created_at DESC, u.id"
    ))?
    .query_map([server.to_string()], |r| {
        Ok(Ban { user: user_row(r)?, banned_by: col_id(r, 5)?, created_at: ts(r, 6)? })
    })?
    .collect::<Result<_, _>>()?)
}

/// An audit log row: id, action, actor, target user, target channel, detail, time.
type AuditRow = (i64, String, String, Option<String>, Option<String>, Option<String>, i64);

fn q_audit_page(c: &Connection, server: ServerId, before: Option<u64>, limit: u32) -> StoreResult<AuditPage> {
    let before = before.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
    let rows: Vec<AuditRow> = c
        .prepare_cached(
            "SELECT id, action, actor_id, target_user_id, target_channel_id, detail, created_at FROM audit_log
             WHERE server_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        )?
        .query_map(params![server.to_string(), before, i64::from(limit) + 1], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?
        .collect::<Result<_, _>>()?;
    let has_more = rows.len() > limit as usize;
    let mut entries = Vec::with_capacity(rows.len().min(limit as usize));
    let user = |id: &str| -> StoreResult<User> {
        let uid: UserId = id.parse().map_err(|_| corrupt("user id", id))?;
        Ok(q_account(c, uid)?.map(|a| a.user).unwrap_or(User {
            id: uid,
            display_name: String::new(),
            avatar_url: None,
            custom_status: None,
        }))
    };
    for (id, action, actor, target_user, target_channel, detail, at) in rows.into_iter().take(limit as usize) {
        let action: AuditAction = serde_json::from_value(serde_json::Value::String(action.clone()))
            .map_err(|_| corrupt("audit action", &action))?;
        entries.push(AuditEntry {
            id: id.max(0) as u64,
            action,
            actor: user(&actor)?,
            target_user: target_user.as_deref().map(user).transpose()?,
            target_channel: target_channel
                .as_deref()
                .map(|c| c.parse().map_err(|_| corrupt("channel id", c)))
                .transpose()?,
            detail,
            created_at: Timestamp::from_millis(at),
        });
    }
    Ok(AuditPage { entries, has_more })
}

fn relationship_kind(s: &str) -> rusqlite::Result<RelationshipKind> {
    RelationshipKind::from_name(s).ok_or_else(|| corrupt("relationship kind", s))
}

fn q_account_by_email(c: &Connection, email: &str) -> StoreResult<Option<UserId>> {
    Ok(c.prepare_cached("SELECT id FROM users WHERE email = ? COLLATE NOCASE ORDER BY created_at, id LIMIT 1")?
        .query_row([email], |r| col_id(r, 0))
        .optional()?)
}

fn q_admin_accounts(
    c: &Connection,
    plan: Option<Plan>,
    before: Option<UserId>,
    limit: usize,
) -> StoreResult<(Vec<pq_protocol::models::AdminAccount>, bool)> {
    let mut accounts: Vec<pq_protocol::models::AdminAccount> = c
        .prepare_cached(&format!(
            "SELECT {USER_COLS}, u.email, u.plan, u.is_admin, u.created_at FROM users u
             WHERE (?1 IS NULL OR u.plan = ?1) AND (?2 IS NULL OR u.id < ?2)
             ORDER BY u.id DESC LIMIT ?3"
        ))?
        .query_map(params![plan.map(Plan::as_str), before.map(|b| b.to_string()), (limit + 1) as i64], |r| {
            Ok(pq_protocol::models::AdminAccount {
                user: user_row(r)?,
                email: r.get(5)?,
                plan: Plan::from_name(&r.get::<_, String>(6)?).unwrap_or_default(),
                is_admin: r.get::<_, i64>(7)? != 0,
                created_at: ts(r, 8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let more = accounts.len() > limit;
    accounts.truncate(limit);
    Ok((accounts, more))
}

fn q_plan_counts(c: &Connection) -> StoreResult<Vec<(Plan, u32)>> {
    Ok(c.prepare_cached("SELECT plan, COUNT(*) FROM users GROUP BY plan")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        .filter_map(|row| match row {
            Ok((name, n)) => Plan::from_name(&name).map(|p| Ok((p, u32::try_from(n).unwrap_or(u32::MAX)))),
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()?)
}

/// Runs a `DELETE … RETURNING id` on attachments: the ids it forgot.
fn take_ids(c: &Connection, sql: &str, p: impl rusqlite::Params) -> StoreResult<Vec<AttachmentId>> {
    Ok(c.prepare_cached(sql)?.query_map(p, |r| col_id(r, 0))?.collect::<Result<_, _>>()?)
}

fn q_account_by_username(c: &Connection, username: &str) -> StoreResult<Option<UserId>> {
    Ok(c.prepare_cached("SELECT id FROM users WHERE username = ?")?
        .query_row([username], |r| col_id(r, 0))
        .optional()?)
}

fn q_relationships(c: &Connection, user: UserId) -> StoreResult<Vec<Relationship>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {USER_COLS}, r.kind, r.since FROM relationships r JOIN users u ON u.id = r.other_id
         WHERE r.user_id = ? ORDER BY r.since DESC, u.id"
    ))?
    .query_map([user.to_string()], |r| {
        Ok(Relationship { user: user_row(r)?, kind: relationship_kind(&r.get::<_, String>(5)?)?, since: ts(r, 6)? })
    })?
    .collect::<Result<_, _>>()?)
}

fn q_account_by_subject(c: &Connection, issuer: &str, subject: &str) -> StoreResult<Option<(UserId, bool)>> {
    Ok(c.prepare_cached("SELECT id, is_admin FROM users WHERE issuer = ? AND subject = ?")?
        .query_row(params![issuer, subject], |r| Ok((col_id(r, 0)?, r.get::<_, i64>(1)? != 0)))
        .optional()?)
}

/// The columns [`user_row`] reads, from `users u`.
const USER_COLS: &str = "u.id, u.display_name, u.avatar_url, u.custom_status, u.custom_status_expires_at";

/// A [`User`] from the first five columns ([`USER_COLS`]).
fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let custom_status = r
        .get::<_, Option<String>>(3)?
        .map(|text| Ok::<_, rusqlite::Error>(CustomStatus { text, expires_at: opt_ts(r, 4)? }));
    Ok(User {
        id: col_id(r, 0)?,
        display_name: r.get(1)?,
        avatar_url: r.get(2)?,
        custom_status: custom_status.transpose()?,
    })
}

fn q_account(c: &Connection, user: UserId) -> StoreResult<Option<Account>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {USER_COLS}, u.email, u.plan, u.is_admin, u.about, u.status, u.username, u.allow_server_dms
         FROM users u WHERE u.id = ?"
    ))?
    .query_row([user.to_string()], |r| {
        Ok(Account {
            user: user_row(r)?,
            email: r.get(5)?,
            plan: Plan::from_name(&r.get::<_, String>(6)?).unwrap_or_default(),
            is_admin: r.get::<_, i64>(7)? != 0,
            about: r.get(8)?,
            status: StatusChoice::from_name(&r.get::<_, String>(9)?).unwrap_or(StatusChoice::Auto),
            username: r.get(10)?,
            allow_server_dms: r.get::<_, i64>(11)? != 0,
        })
    })
    .optional()?)
}

fn q_media_for(
    c: &Connection,
    id: &str,
    viewer: UserId,
    invite: Option<&str>,
    now: Timestamp,
) -> StoreResult<Option<(String, Vec<u8>)>> {
    let url = format!("/media/{id}");
    Ok(c.prepare_cached(
        "SELECT content_type, bytes FROM media WHERE id = ?1 AND (
           uploader_id = ?2
           OR EXISTS (SELECT 1 FROM servers s JOIN members m ON m.server_id = s.id
                      WHERE s.icon_url = ?3 AND m.user_id = ?2)
           OR EXISTS (SELECT 1 FROM users u WHERE u.avatar_url = ?3 AND (u.id = ?2 OR EXISTS (
                        SELECT 1 FROM members a JOIN members b ON b.server_id = a.server_id
                        WHERE a.user_id = u.id AND b.user_id = ?2) OR EXISTS (
                        SELECT 1 FROM dm_members a JOIN dm_members b ON b.channel_id = a.channel_id
                        WHERE a.user_id = u.id AND b.user_id = ?2) OR EXISTS (
                        SELECT 1 FROM relationships r WHERE r.user_id = ?2 AND r.other_id = u.id)))
           OR EXISTS (SELECT 1 FROM invites i JOIN servers s ON s.id = i.server_id
                        JOIN users c ON c.id = i.creator_id
                      WHERE i.code = ?4 AND i.revoked_at IS NULL
                        AND (i.expires_at IS NULL OR i.expires_at > ?5)
                        AND (i.max_uses IS NULL OR i.uses < i.max_uses)
                        AND (s.icon_url = ?3 OR c.avatar_url = ?3)))",
    )?
    .query_row(params![id, viewer.to_string(), url, invite, now.as_millis()], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()?)
}

fn q_server(c: &Connection, id: ServerId) -> StoreResult<Option<Server>> {
    Ok(c.prepare_cached(&format!("SELECT {SERVER_COLS} FROM servers s WHERE s.id = ?"))?
        .query_row([id.to_string()], server_row)
        .optional()?)
}

fn q_server_states(c: &Connection, user: UserId, only: Option<ServerId>) -> StoreResult<Vec<ServerState>> {
    let uid = user.to_string();
    let only_server = only;
    let only = only.map(|s| s.to_string());
    let servers: Vec<Server> = c
        .prepare_cached(&format!(
            "SELECT {SERVER_COLS} FROM servers s JOIN members m ON m.server_id = s.id
             WHERE m.user_id = ?1 AND (?2 IS NULL OR s.id = ?2) ORDER BY m.joined_at"
        ))?
        .query_map(params![uid, only], server_row)?
        .collect::<Result<_, _>>()?;
    let mut roles: HashMap<ServerId, Vec<ServerRole>> = HashMap::new();
    for row in c
        .prepare_cached(&format!(
            "SELECT {ROLE_COLS}, r.server_id FROM roles r JOIN members m ON m.server_id = r.server_id
             WHERE m.user_id = ?1 AND (?2 IS NULL OR r.server_id = ?2) ORDER BY r.position"
        ))?
        .query_map(params![uid, only], |r| Ok((col_id::<ServerId>(r, 5)?, role_row(r)?)))?
    {
        let (server, role) = row?;
        roles.entry(server).or_default().push(role);
    }
    let mut mine: HashMap<ServerId, Vec<RoleId>> = HashMap::new();
    for (server, _, role) in q_held(c, only_server, Some(user))? {
        mine.entry(server).or_default().push(role);
    }
    let channels: Vec<Channel> = c
        .prepare_cached(&format!(
            "SELECT {CHANNEL_COLS} FROM channels c JOIN members m ON m.server_id = c.server_id
             WHERE m.user_id = ?1 AND (?2 IS NULL OR c.server_id = ?2) ORDER BY c.position, c.created_at"
        ))?
        .query_map(params![uid, only], channel_row)?
        .collect::<Result<_, _>>()?;
    let markers: HashMap<ChannelId, u64> = c
        .prepare_cached("SELECT channel_id, seq FROM read_markers WHERE user_id = ?")?
        .query_map([&uid], |r| Ok((col_id(r, 0)?, r.get::<_, i64>(1)? as u64)))?
        .collect::<Result<_, _>>()?;
    let unread: HashMap<ChannelId, u32> = c
        .prepare_cached(
            "SELECT m.channel_id, COUNT(*) FROM messages m
             JOIN read_markers r ON r.channel_id = m.channel_id AND r.user_id = ?1
             WHERE m.seq > r.seq AND m.author_id <> ?1 AND m.deleted_at IS NULL
             GROUP BY m.channel_id",
        )?
        .query_map([&uid], |r| Ok((col_id(r, 0)?, r.get::<_, i64>(1)? as u32)))?
        .collect::<Result<_, _>>()?;
    let mut by_server: HashMap<ServerId, Vec<Channel>> = HashMap::new();
    for ch in channels {
        by_server.entry(ch.server_id).or_default().push(ch);
    }
    servers
        .into_iter()
        .map(|server| {
            let channels = by_server.remove(&server.id).unwrap_or_default();
            let read_states = channels
                .iter()
                .filter(|ch| ch.kind == ChannelKind::Text)
                .map(|ch| ReadState {
                    channel_id: ch.id,
                    last_read_seq: markers.get(&ch.id).copied().unwrap_or(0),
                    unread_count: unread.get(&ch.id).copied().unwrap_or(0),
                })
                .collect();
            Ok(ServerState {
                roles: roles.remove(&server.id).unwrap_or_default(),
                my_roles: mine.remove(&server.id).unwrap_or_default(),
                events: q_events_of(c, server.id)?,
                server,
                channels,
                member_count: 0,
                read_states,
                voice_states: vec![],
            })
        })
        .collect()
}

fn q_members(c: &Connection, server: ServerId) -> StoreResult<Vec<(User, Vec<RoleId>, Timestamp)>> {
    let mut held: HashMap<UserId, Vec<RoleId>> = HashMap::new();
    for (_, user, role) in q_held(c, Some(server), None)? {
        held.entry(user).or_default().push(role);
    }
    Ok(c.prepare_cached(&format!(
        "SELECT {USER_COLS}, m.joined_at
         FROM members m JOIN users u ON u.id = m.user_id WHERE m.server_id = ? ORDER BY m.joined_at"
    ))?
    .query_map([server.to_string()], |r| {
        let user = user_row(r)?;
        let roles = held.remove(&user.id).unwrap_or_default();
        Ok((user, roles, ts(r, 5)?))
    })?
    .collect::<Result<_, _>>()?)
}

fn q_channel(c: &Connection, id: ChannelId) -> StoreResult<Option<Channel>> {
    Ok(c.prepare_cached(&format!("SELECT {CHANNEL_COLS} FROM channels c WHERE c.id = ?"))?
        .query_row([id.to_string()], channel_row)
        .optional()?)
}

fn q_channels_of(c: &Connection, server: ServerId) -> StoreResult<Vec<Channel>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {CHANNEL_COLS} FROM channels c WHERE c.server_id = ? ORDER BY c.position, c.created_at"
    ))?
    .query_map([server.to_string()], channel_row)?
    .collect::<Result<_, _>>()?)
}

fn q_next_position(c: &Connection, server: ServerId, parent: Option<ChannelId>) -> StoreResult<i32> {
    Ok(c.prepare_cached(
        "SELECT COALESCE(MAX(position) + 1, 0) FROM channels WHERE server_id = ?1
         AND ((?2 IS NULL AND parent_id IS NULL) OR parent_id = ?2)",
    )?
    .query_row(params![server.to_string(), parent.map(|p| p.to_string())], |r| r.get(0))?)
}

fn q_sent(c: &Connection, author: UserId, client_id: ClientMessageId) -> StoreResult<Option<SendAck>> {
    Ok(c.prepare_cached("SELECT id, channel_id, seq, created_at FROM messages WHERE author_id = ? AND client_id = ?")?
        .query_row(params![author.to_string(), client_id.to_string()], |r| {
            Ok(SendAck {
                client_id,
                channel_id: col_id(r, 1)?,
                message_id: col_id(r, 0)?,
                seq: r.get::<_, i64>(2)? as u64,
                created_at: ts(r, 3)?,
            })
        })
        .optional()?)
}

fn q_message_meta(c: &Connection, channel: ChannelId, id: MessageId) -> StoreResult<Option<MessageMeta>> {
    Ok(c.prepare_cached(
        "SELECT author_id, seq, deleted_at, pinned_at IS NOT NULL, substr(body, 1, 40)
         FROM messages WHERE id = ? AND channel_id = ?",
    )?
    .query_row(params![id.to_string(), channel.to_string()], |r| {
        Ok(MessageMeta {
            author: col_id(r, 0)?,
            seq: r.get::<_, i64>(1)? as u64,
            deleted: r.get::<_, Option<i64>>(2)?.is_some(),
            pinned: r.get(3)?,
            gist: r.get(4)?,
        })
    })
    .optional()?)
}

fn message_kind(s: &str) -> MessageKind {
    if s == "pin" { MessageKind::Pin } else { MessageKind::Default }
}

fn kind_name(k: MessageKind) -> &'static str {
    match k {
        MessageKind::Default => "default",
        MessageKind::Pin => "pin",
    }
}

/// The columns [`attachment_row`] reads, from `attachments a`.
const ATTACHMENT_COLS: &str = "a.id, a.filename, a.content_type, a.size, a.width, a.height, a.thumbnail";

/// An [`Attachment`] from [`ATTACHMENT_COLS`], starting at column `at`.
fn attachment_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        id: col_id(r, at)?,
        filename: r.get(at + 1)?,
        content_type: r.get(at + 2)?,
        size: r.get::<_, i64>(at + 3)?.max(0) as u64,
        width: r.get::<_, Option<i64>>(at + 4)?.map(|w| w.clamp(0, i64::from(u32::MAX)) as u32),
        height: r.get::<_, Option<i64>>(at + 5)?.map(|h| h.clamp(0, i64::from(u32::MAX)) as u32),
        thumbnail: r.get(at + 6)?,
    })
}

fn q_attachment(c: &Connection, id: AttachmentId) -> StoreResult<Option<(Attachment, AttachmentPlace)>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {ATTACHMENT_COLS}, a.uploader_id, a.channel_id, a.message_id FROM attachments a WHERE a.id = ?"
    ))?
    .query_row([id.to_string()], |r| {
        Ok((
            attachment_row(r, 0)?,
            AttachmentPlace { uploader: col_id(r, 7)?, channel: col_id(r, 8)?, message: opt_id(r, 9)? },
        ))
    })
    .optional()?)
}

fn q_reactors(c: &Connection, message: MessageId, emoji: &str, limit: u32) -> StoreResult<Vec<User>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {USER_COLS} FROM reactions x JOIN users u ON u.id = x.user_id
         WHERE x.message_id = ? AND x.emoji = ? ORDER BY x.created_at, u.id LIMIT ?"
    ))?
    .query_map(params![message.to_string(), emoji, limit], user_row)?
    .collect::<Result<_, _>>()?)
}

fn q_pins(c: &Connection, channel: ChannelId) -> StoreResult<Vec<Message>> {
    let mut pins = c.prepare_cached(
        "SELECT id, seq, author_id, client_id, body, reply_to, created_at, edited_at, kind, mentions_everyone FROM messages
         WHERE channel_id = ? AND pinned_at IS NOT NULL AND deleted_at IS NULL ORDER BY pinned_at DESC",
    )?
    .query_map([channel.to_string()], |r| {
        Ok(Message {
            id: col_id(r, 0)?,
            channel_id: channel,
            seq: r.get::<_, i64>(1)? as u64,
            author_id: col_id(r, 2)?,
            client_id: col_id(r, 3)?,
            body: r.get(4)?,
            reply_to: opt_id(r, 5)?,
            created_at: ts(r, 6)?,
            edited_at: opt_ts(r, 7)?,
            deleted: false,
            reactions: vec![],
            unread_by: 0,
            pinned: true,
            mentions_everyone: r.get(9)?,
            kind: message_kind(&r.get::<_, String>(8)?),
            attachments: vec![],
        })
    })?
    .collect::<Result<Vec<_>, _>>()?;
    for m in &mut pins {
        m.attachments = q_attachments_of(c, m.id)?;
    }
    Ok(pins)
}

fn q_attachments_of(c: &Connection, message: MessageId) -> StoreResult<Vec<Attachment>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {ATTACHMENT_COLS} FROM attachments a WHERE a.message_id = ? ORDER BY a.position"
    ))?
    .query_map([message.to_string()], |r| attachment_row(r, 0))?
    .collect::<Result<_, _>>()?)
}

fn q_history(
    c: &Connection,
    server: Option<ServerId>,
    channel: ChannelId,
    viewer: UserId,
    page: Page,
    limit: u32,
) -> StoreResult<MessagePage> {
    const COLS: &str =
        "id, seq, author_id, client_id, body, reply_to, created_at, edited_at, deleted_at, pinned_at IS NOT NULL, kind,
         mentions_everyone";
    let ch = channel.to_string();
    let fetch = i64::from(limit) + 1;
    let message = |r: &Row<'_>| -> rusqlite::Result<Message> {
        let deleted = r.get::<_, Option<i64>>(8)?.is_some();
        Ok(Message {
            id: col_id(r, 0)?,
            channel_id: channel,
            seq: r.get::<_, i64>(1)? as u64,
            author_id: col_id(r, 2)?,
            client_id: col_id(r, 3)?,
            body: if deleted { String::new() } else { r.get(4)? },
            reply_to: opt_id(r, 5)?,
            created_at: ts(r, 6)?,
            edited_at: opt_ts(r, 7)?,
            deleted,
            reactions: vec![],
            unread_by: 0,
            pinned: r.get(9)?,
            mentions_everyone: r.get(11)?,
            kind: message_kind(&r.get::<_, String>(10)?),
            attachments: vec![],
        })
    };
    let mut messages: Vec<Message> = match page {
        Page::After(after) => c
            .prepare_cached(&format!(
                "SELECT {COLS} FROM messages WHERE channel_id = ? AND seq > ? ORDER BY seq LIMIT ?"
            ))?
            .query_map(params![ch, after as i64, fetch], message)?
            .collect::<Result<_, _>>()?,
        Page::Before(_) | Page::Newest => {
            let before = if let Page::Before(b) = page { b.min(i64::MAX as u64) as i64 } else { i64::MAX };
            let mut v: Vec<Message> = c
                .prepare_cached(&format!(
                    "SELECT {COLS} FROM messages WHERE channel_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"
                ))?
                .query_map(params![ch, before, fetch], message)?
                .collect::<Result<_, _>>()?;
            v.reverse();
            v
        }
    };
    let has_more = messages.len() > limit as usize;
    if has_more {
        if matches!(page, Page::After(_)) {
            messages.pop();
        } else {
            messages.remove(0);
        }
    }
    let (Some(lo), Some(hi)) = (messages.first().map(|m| m.seq), messages.last().map(|m| m.seq)) else {
        return Ok(MessagePage { messages: vec![], has_more: false });
    };
    // Reactions of the page, in the order they were first given.
    let mut st = c.prepare_cached(
        "SELECT r.message_id, r.emoji, COUNT(*), MAX(CASE WHEN r.user_id = ? THEN 1 ELSE 0 END)
         FROM reactions r JOIN messages m ON m.id = r.message_id
         WHERE m.channel_id = ? AND m.seq BETWEEN ? AND ?
         GROUP BY r.message_id, r.emoji ORDER BY MIN(r.created_at)",
    )?;
    let mut rows = st.query(params![viewer.to_string(), ch, lo as i64, hi as i64])?;
    let index: HashMap<MessageId, usize> = messages.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    while let Some(r) = rows.next()? {
        let mid: MessageId = col_id(r, 0)?;
        if let Some(&i) = index.get(&mid) {
            messages[i].reactions.push(Reaction {
                emoji: r.get(1)?,
                count: r.get::<_, i64>(2)? as u32,
                me: r.get::<_, i64>(3)? != 0,
            });
        }
    }
    // Attachments of the page, in their order.
    let mut st = c.prepare_cached(&format!(
        "SELECT a.message_id, {ATTACHMENT_COLS} FROM attachments a JOIN messages m ON m.id = a.message_id
         WHERE m.channel_id = ? AND m.seq BETWEEN ? AND ? ORDER BY a.message_id, a.position"
    ))?;
    let mut rows = st.query(params![ch, lo as i64, hi as i64])?;
    while let Some(r) = rows.next()? {
        let mid: MessageId = col_id(r, 0)?;
        if let Some(&i) = index.get(&mid) {
            messages[i].attachments.push(attachment_row(r, 1)?);
        }
    }
    // `unread_by`: current members whose marker is below the message.
    let mut markers: Vec<u64> = match server {
        Some(server) => c
            .prepare_cached(
                "SELECT r.seq FROM read_markers r JOIN members m ON m.user_id = r.user_id AND m.server_id = ?
                 WHERE r.channel_id = ?",
            )?
            .query_map(params![server.to_string(), ch], |r| Ok(r.get::<_, i64>(0)?.max(0) as u64))?
            .collect::<Result<_, _>>()?,
        None => c
            .prepare_cached(
                "SELECT r.seq FROM read_markers r JOIN dm_members d ON d.user_id = r.user_id AND d.channel_id = r.channel_id
                 WHERE r.channel_id = ?",
            )?
            .query_map([&ch], |r| Ok(r.get::<_, i64>(0)?.max(0) as u64))?
            .collect::<Result<_, _>>()?,
    };
    markers.sort_unstable();
    for m in &mut messages {
        m.unread_by = markers.partition_point(|s| *s < m.seq) as u32;
    }
    Ok(MessagePage { messages, has_more })
}

fn q_reaction_stats(c: &Connection, message: MessageId, emoji: &str) -> StoreResult<(usize, bool)> {
    Ok(c.prepare_cached(
        "SELECT COUNT(DISTINCT emoji), COALESCE(SUM(CASE WHEN emoji = ? THEN 1 ELSE 0 END), 0)
         FROM reactions WHERE message_id = ?",
    )?
    .query_row(params![emoji, message.to_string()], |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? > 0)))?)
}

fn q_read_marker(c: &Connection, channel: ChannelId, user: UserId) -> StoreResult<u64> {
    Ok(c.prepare_cached("SELECT seq FROM read_markers WHERE channel_id = ? AND user_id = ?")?
        .query_row(params![channel.to_string(), user.to_string()], |r| r.get::<_, i64>(0))
        .optional()?
        .unwrap_or(0)
        .max(0) as u64)
}

fn q_unread_count(c: &Connection, channel: ChannelId, user: UserId, after: u64) -> StoreResult<u32> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) FROM messages WHERE channel_id = ? AND seq > ? AND author_id <> ? AND deleted_at IS NULL",
    )?
    .query_row(params![channel.to_string(), after as i64, user.to_string()], |r| r.get::<_, i64>(0))? as u32)
}

fn q_invite(c: &Connection, code: &InviteCode) -> StoreResult<Option<InviteRow>> {
    Ok(c.prepare_cached(&format!("SELECT {INVITE_COLS} FROM invites WHERE code = ?"))?
        .query_row([&code.0], invite_row)
        .optional()?)
}

fn q_invite_targets(c: &Connection, user: UserId) -> StoreResult<Vec<(InviteRow, Timestamp)>> {
    Ok(c.prepare_cached(
        "SELECT i.code, i.server_id, i.creator_id, i.created_at, i.expires_at, i.max_uses, i.uses, i.revoked_at,
                t.created_at
         FROM invite_targets t JOIN invites i ON i.code = t.code WHERE t.user_id = ? ORDER BY t.created_at",
    )?
    .query_map([user.to_string()], |r| Ok((invite_row(r)?, ts(r, 8)?)))?
    .collect::<Result<_, _>>()?)
}

const EVENT_COLS: &str =
    "e.id, e.server_id, e.title, e.description, e.starts_at, e.ends_at, e.channel_id, e.repeat, e.creator_id";

fn event_row(r: &Row<'_>) -> rusqlite::Result<ScheduledEvent> {
    Ok(ScheduledEvent {
        id: col_id(r, 0)?,
        server_id: col_id(r, 1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        starts_at: ts(r, 4)?,
        ends_at: opt_ts(r, 5)?,
        channel_id: opt_id(r, 6)?,
        repeat: r.get::<_, Option<String>>(7)?.filter(|x| x == "weekly").map(|_| Repeat::Weekly),
        creator_id: col_id(r, 8)?,
        interested: vec![],
    })
}

/// Fills in who is interested in each of `events`.
fn with_interest(c: &Connection, mut events: Vec<ScheduledEvent>) -> StoreResult<Vec<ScheduledEvent>> {
    let mut st = c.prepare_cached("SELECT user_id FROM event_interest WHERE event_id = ? ORDER BY rowid")?;
    for e in &mut events {
        e.interested = st.query_map([e.id.to_string()], |r| col_id(r, 0))?.collect::<Result<_, _>>()?;
    }
    Ok(events)
}

fn q_event(c: &Connection, id: EventId) -> StoreResult<Option<ScheduledEvent>> {
    let found = c
        .prepare_cached(&format!("SELECT {EVENT_COLS} FROM events e WHERE e.id = ?"))?
        .query_row([id.to_string()], event_row)
        .optional()?;
    Ok(with_interest(c, found.into_iter().collect())?.pop())
}

fn q_events_of(c: &Connection, server: ServerId) -> StoreResult<Vec<ScheduledEvent>> {
    let events = c
        .prepare_cached(&format!("SELECT {EVENT_COLS} FROM events e WHERE e.server_id = ? ORDER BY e.starts_at"))?
        .query_map([server.to_string()], event_row)?
        .collect::<Result<_, _>>()?;
    with_interest(c, events)
}

fn q_usable_invites(c: &Connection, server: ServerId, now: Timestamp) -> StoreResult<Vec<Invite>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {INVITE_COLS} FROM invites WHERE server_id = ?1 AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > ?2) AND (max_uses IS NULL OR uses < max_uses)
         ORDER BY created_at DESC"
    ))?
    .query_map(params![server.to_string(), now.as_millis()], |r| invite_row(r).map(|i| i.invite))?
    .collect::<Result<_, _>>()?)
}

/// Implements the read half of [`Store`] by delegating to the `q_*` queries
/// and the write half either for real (`$write`) or by refusing.
macro_rules! reads {
    () => {
        fn load_directory(&self) -> StoreResult<Directory> {
            q_load_directory(&self.conn)
        }
        fn account_by_subject(&self, issuer: &str, subject: &str) -> StoreResult<Option<(UserId, bool)>> {
            q_account_by_subject(&self.conn, issuer, subject)
        }
        fn account(&self, user: UserId) -> StoreResult<Option<Account>> {
            q_account(&self.conn, user)
        }
        fn admin_accounts(
            &self,
            plan: Option<Plan>,
            before: Option<UserId>,
            limit: usize,
        ) -> StoreResult<(Vec<pq_protocol::models::AdminAccount>, bool)> {
            q_admin_accounts(&self.conn, plan, before, limit)
        }
        fn plan_counts(&self) -> StoreResult<Vec<(Plan, u32)>> {
            q_plan_counts(&self.conn)
        }
        fn order(&self, id: &str) -> StoreResult<Option<OrderRow>> {
            payments::q_order(&self.conn, id)
        }
        fn orders_of(&self, user: UserId, limit: usize) -> StoreResult<Vec<OrderRow>> {
            payments::q_orders_of(&self.conn, user, limit)
        }
        fn orders_page(&self, before: Option<&str>, limit: usize) -> StoreResult<(Vec<OrderRow>, bool)> {
            payments::q_orders_page(&self.conn, before, limit)
        }
        fn payment_totals(&self) -> StoreResult<(u64, u64)> {
            payments::q_payment_totals(&self.conn)
        }
        fn ledger_of(&self, order: &str) -> StoreResult<Vec<pq_protocol::models::LedgerEntry>> {
            payments::q_ledger_of(&self.conn, order)
        }
        fn orders_to_reconcile(&self, since: Timestamp, limit: usize) -> StoreResult<Vec<OrderRow>> {
            payments::q_orders_to_reconcile(&self.conn, since, limit)
        }
        fn membership(&self, user: UserId) -> StoreResult<Option<MembershipRow>> {
            payments::q_membership(&self.conn, user)
        }
        fn memberships_due(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<UserId>> {
            payments::q_memberships_due(&self.conn, now, limit)
        }
        fn paid_event(&self, id: &str) -> StoreResult<Option<PaidEventRow>> {
            payments::q_paid_event(&self.conn, id)
        }
        fn paid_events(&self, limit: usize) -> StoreResult<Vec<PaidEventRow>> {
            payments::q_paid_events(&self.conn, limit)
        }
        fn event_participants(&self, id: &str) -> StoreResult<Vec<(UserId, String, u32)>> {
            payments::q_event_participants(&self.conn, id)
        }
        fn event_pot(&self, id: &str) -> StoreResult<u64> {
            payments::q_event_pot(&self.conn, id)
        }
        fn media_for(
            &self,
            id: &str,
            viewer: UserId,
            invite: Option<&str>,
            now: Timestamp,
        ) -> StoreResult<Option<(String, Vec<u8>)>> {
            q_media_for(&self.conn, id, viewer, invite, now)
        }
        fn server(&self, id: ServerId) -> StoreResult<Option<Server>> {
            q_server(&self.conn, id)
        }
        fn server_states(&self, user: UserId, only: Option<ServerId>) -> StoreResult<Vec<ServerState>> {
            q_server_states(&self.conn, user, only)
        }
        fn members(&self, server: ServerId) -> StoreResult<Vec<(User, Vec<RoleId>, Timestamp)>> {
            q_members(&self.conn, server)
        }
        fn roles(&self, server: ServerId) -> StoreResult<Vec<ServerRole>> {
            q_roles(&self.conn, server)
        }
        fn channel(&self, id: ChannelId) -> StoreResult<Option<Channel>> {
            q_channel(&self.conn, id)
        }
        fn channels_of(&self, server: ServerId) -> StoreResult<Vec<Channel>> {
            q_channels_of(&self.conn, server)
        }
        fn next_position(&self, server: ServerId, parent: Option<ChannelId>) -> StoreResult<i32> {
            q_next_position(&self.conn, server, parent)
        }
        fn sent(&self, author: UserId, client_id: ClientMessageId) -> StoreResult<Option<SendAck>> {
            q_sent(&self.conn, author, client_id)
        }
        fn pins(&self, channel: ChannelId) -> StoreResult<Vec<Message>> {
            q_pins(&self.conn, channel)
        }
        fn reactors(&self, message: MessageId, emoji: &str, limit: u32) -> StoreResult<Vec<User>> {
            q_reactors(&self.conn, message, emoji, limit)
        }
        fn attachment(&self, id: AttachmentId) -> StoreResult<Option<(Attachment, AttachmentPlace)>> {
            q_attachment(&self.conn, id)
        }
        fn message_meta(&self, channel: ChannelId, id: MessageId) -> StoreResult<Option<MessageMeta>> {
            q_message_meta(&self.conn, channel, id)
        }
        fn dm(&self, channel: ChannelId) -> StoreResult<Option<DmChannel>> {
            q_dm(&self.conn, channel)
        }
        fn bans(&self, server: ServerId) -> StoreResult<Vec<Ban>> {
            q_bans(&self.conn, server)
        }
        fn audit_page(&self, server: ServerId, before: Option<u64>, limit: u32) -> StoreResult<AuditPage> {
            q_audit_page(&self.conn, server, before, limit)
        }
        fn dm_states(&self, user: UserId) -> StoreResult<Vec<(DmState, bool)>> {
            q_dm_states(&self.conn, user)
        }
        fn history(
            &self,
            server: Option<ServerId>,
            channel: ChannelId,
            viewer: UserId,
            page: Page,
            limit: u32,
        ) -> StoreResult<MessagePage> {
            q_history(&self.conn, server, channel, viewer, page, limit)
        }
        fn reaction_stats(&self, message: MessageId, emoji: &str) -> StoreResult<(usize, bool)> {
            q_reaction_stats(&self.conn, message, emoji)
        }
        fn read_marker(&self, channel: ChannelId, user: UserId) -> StoreResult<u64> {
            q_read_marker(&self.conn, channel, user)
        }
        fn unread_count(&self, channel: ChannelId, user: UserId, after: u64) -> StoreResult<u32> {
            q_unread_count(&self.conn, channel, user, after)
        }
        fn invite(&self, code: &InviteCode) -> StoreResult<Option<InviteRow>> {
            q_invite(&self.conn, code)
        }
        fn usable_invites(&self, server: ServerId, now: Timestamp) -> StoreResult<Vec<Invite>> {
            q_usable_invites(&self.conn, server, now)
        }
        fn invite_targets(&self, user: UserId) -> StoreResult<Vec<(InviteRow, Timestamp)>> {
            q_invite_targets(&self.conn, user)
        }
        fn event(&self, id: EventId) -> StoreResult<Option<ScheduledEvent>> {
            q_event(&self.conn, id)
        }
        fn events_of(&self, server: ServerId) -> StoreResult<Vec<ScheduledEvent>> {
            q_events_of(&self.conn, server)
        }
        fn account_by_email(&self, email: &str) -> StoreResult<Option<UserId>> {
            q_account_by_email(&self.conn, email)
        }
        fn relationships(&self, user: UserId) -> StoreResult<Vec<Relationship>> {
            q_relationships(&self.conn, user)
        }
        fn account_by_username(&self, username: &str) -> StoreResult<Option<UserId>> {
            q_account_by_username(&self.conn, username)
        }
    };
}

fn exec(c: &Connection, sql: &str, p: impl rusqlite::Params) -> StoreResult<usize> {
    Ok(c.prepare_cached(sql)?.execute(p)?)
}

impl Store for SqliteStore {
    reads!();

    fn begin(&mut self) -> StoreResult<()> {
        exec(&self.conn, "BEGIN IMMEDIATE", []).map(drop)
    }
    fn savepoint(&mut self) -> StoreResult<()> {
        exec(&self.conn, "SAVEPOINT change", []).map(drop)
    }
    fn release(&mut self) -> StoreResult<()> {
        exec(&self.conn, "RELEASE change", []).map(drop)
    }
    fn rollback_to_savepoint(&mut self) -> StoreResult<()> {
        exec(&self.conn, "ROLLBACK TO change", [])?;
        exec(&self.conn, "RELEASE change", []).map(drop)
    }
    fn commit(&mut self) -> StoreResult<()> {
        exec(&self.conn, "COMMIT", []).map(drop)
    }
    fn rollback(&mut self) -> StoreResult<()> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        exec(&self.conn, "ROLLBACK", []).map(drop)
    }

    fn insert_account(&mut self, a: &NewAccount) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO users (id, issuer, subject, email, display_name, avatar_url, plan, is_admin, created_at, username)
             VALUES (?, ?, ?, ?, ?, ?, 'free', ?, ?, ?) ON CONFLICT (issuer, subject) DO NOTHING",
            params![
                a.id.to_string(),
                a.issuer,
                a.subject,
                a.email,
                a.display_name,
                a.avatar_url,
                i64::from(a.is_admin),
                a.created_at.as_millis(),
                a.username
            ],
        )
        .map(drop)
    }
    fn set_admin(&mut self, user: UserId, is_admin: bool) -> StoreResult<()> {
        exec(&self.conn, "UPDATE users SET is_admin = ? WHERE id = ?", params![i64::from(is_admin), user.to_string()])
            .map(drop)
    }
    fn update_profile(&mut self, user: UserId, change: &ProfileChange) -> StoreResult<()> {
        let id = user.to_string();
        if let Some(n) = &change.display_name {
            exec(&self.conn, "UPDATE users SET display_name = ? WHERE id = ?", params![n, id])?;
        }
        if let Some(a) = &change.avatar_url {
            exec(&self.conn, "UPDATE users SET avatar_url = ? WHERE id = ?", params![a, id])?;
        }
        if let Some(u) = &change.username {
            exec(&self.conn, "UPDATE users SET username = ? WHERE id = ?", params![u, id])?;
        }
        if let Some(a) = &change.about {
            exec(&self.conn, "UPDATE users SET about = ? WHERE id = ?", params![a, id])?;
        }
        if let Some(allow) = change.allow_server_dms {
            exec(&self.conn, "UPDATE users SET allow_server_dms = ? WHERE id = ?", params![i64::from(allow), id])?;
        }
        if let Some(cs) = &change.custom_status {
            exec(
                &self.conn,
                "UPDATE users SET custom_status = ?, custom_status_expires_at = ? WHERE id = ?",
                params![
                    cs.as_ref().map(|c| &c.text),
                    cs.as_ref().and_then(|c| c.expires_at).map(Timestamp::as_millis),
                    id
                ],
            )?;
        }
        Ok(())
    }
    fn set_status(&mut self, user: UserId, status: StatusChoice) -> StoreResult<()> {
        exec(&self.conn, "UPDATE users SET status = ? WHERE id = ?", params![status.as_str(), user.to_string()])
            .map(drop)
    }
    fn set_plan(&mut self, user: UserId, plan: Plan) -> StoreResult<bool> {
        Ok(exec(&self.conn, "UPDATE users SET plan = ? WHERE id = ?", params![plan.as_str(), user.to_string()])? > 0)
    }
    fn put_order(&mut self, o: &OrderRow) -> StoreResult<()> {
        payments::put_order(&self.conn, o)
    }
    fn append_ledger(&mut self, e: &NewLedger<'_>) -> StoreResult<()> {
        payments::append_ledger(&self.conn, e)
    }
    fn put_membership(&mut self, user: UserId, m: Option<&MembershipRow>) -> StoreResult<()> {
        payments::put_membership(&self.conn, user, m)
    }
    fn put_paid_event(&mut self, e: &PaidEventRow) -> StoreResult<()> {
        payments::put_paid_event(&self.conn, e)
    }
    fn set_relationship(
        &mut self,
        user: UserId,
        other: UserId,
        kind: Option<RelationshipKind>,
        at: Timestamp,
    ) -> StoreResult<()> {
        match kind {
            Some(kind) => exec(
                &self.conn,
                "INSERT INTO relationships (user_id, other_id, kind, since) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, other_id) DO UPDATE SET kind = ?3, since = ?4",
                params![user.to_string(), other.to_string(), kind.as_str(), at.as_millis()],
            ),
            None => exec(
                &self.conn,
                "DELETE FROM relationships WHERE user_id = ? AND other_id = ?",
                params![user.to_string(), other.to_string()],
            ),
        }
        .map(drop)
    }

    fn insert_media(
        &mut self,
        id: &str,
        content_type: &str,
        bytes: &[u8],
        uploader: UserId,
        at: Timestamp,
    ) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO media (id, content_type, bytes, uploader_id, created_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING",
            params![id, content_type, bytes, uploader.to_string(), at.as_millis()],
        )
        .map(drop)
    }

    fn insert_server(&mut self, s: &Server) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO servers (id, name, icon_url, owner_id, created_at) VALUES (?, ?, ?, ?, ?)",
            params![s.id.to_string(), s.name, s.icon_url, s.owner_id.to_string(), s.created_at.as_millis()],
        )
        .map(drop)
    }
    fn update_server(&mut self, id: ServerId, name: Option<&str>, icon: Option<Option<&str>>) -> StoreResult<()> {
        if let Some(n) = name {
            exec(&self.conn, "UPDATE servers SET name = ? WHERE id = ?", params![n, id.to_string()])?;
        }
        if let Some(i) = icon {
            exec(&self.conn, "UPDATE servers SET icon_url = ? WHERE id = ?", params![i, id.to_string()])?;
        }
        Ok(())
    }
    fn set_description(&mut self, id: ServerId, description: Option<&str>) -> StoreResult<()> {
        exec(&self.conn, "UPDATE servers SET description = ? WHERE id = ?", params![description, id.to_string()])
            .map(drop)
    }
    fn set_owner(&mut self, id: ServerId, user: UserId) -> StoreResult<()> {
        exec(&self.conn, "UPDATE servers SET owner_id = ? WHERE id = ?", params![user.to_string(), id.to_string()])
            .map(drop)
    }
    fn delete_server(&mut self, id: ServerId) -> StoreResult<()> {
        exec(&self.conn, "DELETE FROM servers WHERE id = ?", [id.to_string()]).map(drop)
    }

    fn insert_member(&mut self, server: ServerId, user: UserId, at: Timestamp, read_all: bool) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO members (server_id, user_id, joined_at) VALUES (?, ?, ?)",
            params![server.to_string(), user.to_string(), at.as_millis()],
        )?;
        if read_all {
            exec(
                &self.conn,
                "INSERT INTO read_markers (channel_id, user_id, seq)
                 SELECT id, ?, last_seq FROM channels WHERE server_id = ? AND kind = 'text'
                 ON CONFLICT (channel_id, user_id) DO UPDATE SET seq = excluded.seq",
                params![user.to_string(), server.to_string()],
            )?;
        }
        Ok(())
    }
    fn add_member_role(&mut self, server: ServerId, user: UserId, role: RoleId) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO member_roles (server_id, user_id, role_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            params![server.to_string(), user.to_string(), role.to_string()],
        )
        .map(drop)
    }
    fn remove_member_role(&mut self, server: ServerId, user: UserId, role: RoleId) -> StoreResult<()> {
        exec(
            &self.conn,
            "DELETE FROM member_roles WHERE server_id = ? AND user_id = ? AND role_id = ?",
            params![server.to_string(), user.to_string(), role.to_string()],
        )
        .map(drop)
    }
    fn insert_role(&mut self, server: ServerId, role: &ServerRole, at: Timestamp) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO roles (id, server_id, name, color, position, permissions, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            params![
                role.id.to_string(),
                server.to_string(),
                role.name,
                i64::from(role.color),
                i64::from(role.position),
                Permissions::of(&role.permissions).0 as i64,
                at.as_millis()
            ],
        )
        .map(drop)
    }
    fn update_role(&mut self, server: ServerId, role: &ServerRole) -> StoreResult<()> {
        exec(
            &self.conn,
            "UPDATE roles SET name = ?, color = ?, position = ?, permissions = ? WHERE id = ? AND server_id = ?",
            params![
                role.name,
                i64::from(role.color),
                i64::from(role.position),
                Permissions::of(&role.permissions).0 as i64,
                role.id.to_string(),
                server.to_string()
            ],
        )
        .map(drop)
    }
    fn delete_role(&mut self, role: RoleId) -> StoreResult<()> {
        exec(&self.conn, "DELETE FROM roles WHERE id = ?", [role.to_string()]).map(drop)
    }
    fn delete_member(&mut self, server: ServerId, user: UserId) -> StoreResult<Vec<(ChannelId, u64, u64)>> {
        let (s, u) = (server.to_string(), user.to_string());
        let markers: Vec<(ChannelId, u64, u64)> = self
            .conn
            .prepare_cached(
                "SELECT r.channel_id, r.seq, c.last_seq FROM read_markers r JOIN channels c ON c.id = r.channel_id
                 WHERE c.server_id = ? AND r.user_id = ? AND r.seq < c.last_seq",
            )?
            .query_map(params![s, u], |r| {
                Ok((col_id(r, 0)?, r.get::<_, i64>(1)?.max(0) as u64, r.get::<_, i64>(2)? as u64))
            })?
            .collect::<Result<_, _>>()?;
        exec(
            &self.conn,
            "DELETE FROM read_markers WHERE user_id = ? AND channel_id IN (SELECT id FROM channels WHERE server_id = ?)",
            params![u, s],
        )?;
        exec(&self.conn, "DELETE FROM members WHERE server_id = ? AND user_id = ?", params![s, u])?;
        Ok(markers)
    }

    fn insert_channel(&mut self, ch: &Channel, at: Timestamp) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO channels (id, server_id, kind, name, parent_id, position, last_seq, private, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![
                ch.id.to_string(),
                ch.server_id.to_string(),
                ch.kind.as_str(),
                ch.name,
                ch.parent_id.map(|p| p.to_string()),
                ch.position,
                ch.last_seq as i64,
                ch.private,
                at.as_millis()
            ],
        )?;
        if ch.kind == ChannelKind::Text {
            exec(
                &self.conn,
                "INSERT INTO read_markers (channel_id, user_id, seq) SELECT ?, user_id, ? FROM members WHERE server_id = ?",
                params![ch.id.to_string(), ch.last_seq as i64, ch.server_id.to_string()],
            )?;
        }
        Ok(())
    }
    fn set_channel_access(&mut self, id: ChannelId, access: Option<&Access>) -> StoreResult<()> {
        let cid = id.to_string();
        exec(&self.conn, "UPDATE channels SET private = ? WHERE id = ?", params![access.is_some(), cid])?;
        exec(&self.conn, "DELETE FROM channel_roles WHERE channel_id = ?", [&cid])?;
        exec(&self.conn, "DELETE FROM channel_users WHERE channel_id = ?", [&cid])?;
        if let Some(a) = access {
            for r in &a.roles {
                exec(
                    &self.conn,
                    "INSERT INTO channel_roles (channel_id, role_id) VALUES (?, ?)",
                    params![cid, r.to_string()],
                )?;
            }
            for u in &a.users {
                exec(
                    &self.conn,
                    "INSERT INTO channel_users (channel_id, user_id) VALUES (?, ?)",
                    params![cid, u.to_string()],
                )?;
            }
        }
        Ok(())
    }
    fn rename_channel(&mut self, id: ChannelId, name: &str) -> StoreResult<()> {
        exec(&self.conn, "UPDATE channels SET name = ? WHERE id = ?", params![name, id.to_string()]).map(drop)
    }
    fn set_topic(&mut self, id: ChannelId, topic: Option<&str>) -> StoreResult<()> {
        exec(&self.conn, "UPDATE channels SET topic = ? WHERE id = ?", params![topic, id.to_string()]).map(drop)
    }
    fn place_channel(&mut self, id: ChannelId, parent: Option<ChannelId>, position: i32) -> StoreResult<()> {
        exec(
            &self.conn,
            "UPDATE channels SET parent_id = ?, position = ? WHERE id = ?",
            params![parent.map(|p| p.to_string()), position, id.to_string()],
        )
        .map(drop)
    }
    fn set_last_seq(&mut self, id: ChannelId, seq: u64) -> StoreResult<()> {
        exec(&self.conn, "UPDATE channels SET last_seq = ? WHERE id = ?", params![seq as i64, id.to_string()]).map(drop)
    }
    fn insert_audit(&mut self, e: &NewAudit) -> StoreResult<()> {
        let action =
            serde_json::to_value(e.action).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        exec(
            &self.conn,
            "INSERT INTO audit_log (server_id, action, actor_id, target_user_id, target_channel_id, detail, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            params![
                e.server.to_string(),
                action,
                e.actor.to_string(),
                e.target_user.map(|u| u.to_string()),
                e.target_channel.map(|c| c.to_string()),
                e.detail,
                e.at.as_millis()
            ],
        )
        .map(drop)
    }
    fn insert_ban(&mut self, server: ServerId, user: UserId, by: UserId, at: Timestamp) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO bans (server_id, user_id, banned_by, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (server_id, user_id) DO UPDATE SET banned_by = excluded.banned_by, created_at = excluded.created_at",
            params![server.to_string(), user.to_string(), by.to_string(), at.as_millis()],
        )
        .map(drop)
    }
    fn delete_ban(&mut self, server: ServerId, user: UserId) -> StoreResult<bool> {
        Ok(exec(
            &self.conn,
            "DELETE FROM bans WHERE server_id = ? AND user_id = ?",
            params![server.to_string(), user.to_string()],
        )? > 0)
    }
    fn purge_messages(
        &mut self,
        server: ServerId,
        author: UserId,
        since: Timestamp,
        at: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<(ChannelId, MessageId, u64)>> {
        let found: Vec<(ChannelId, MessageId, u64)> = self
            .conn
            .prepare_cached(
                "SELECT m.channel_id, m.id, m.seq FROM messages m JOIN channels c ON c.id = m.channel_id
                 WHERE c.server_id = ? AND m.author_id = ? AND m.created_at >= ? AND m.deleted_at IS NULL
                 ORDER BY m.created_at DESC LIMIT ?",
            )?
            .query_map(params![server.to_string(), author.to_string(), since.as_millis(), limit as i64], |r| {
                Ok((col_id(r, 0)?, col_id(r, 1)?, r.get::<_, i64>(2)? as u64))
            })?
            .collect::<Result<_, _>>()?;
        for (_, id, _) in &found {
            self.delete_message(*id, at)?;
        }
        Ok(found)
    }
    fn insert_dm(&mut self, dm: &NewDm) -> StoreResult<()> {
        let id = dm.id.to_string();
        let pair = (!dm.group).then(|| {
            let mut ids: Vec<String> = dm.members.iter().map(ToString::to_string).collect();
            ids.sort();
            ids.join(":")
        });
        exec(
            &self.conn,
            "INSERT INTO channels (id, server_id, kind, name, parent_id, position, last_seq, created_at, owner_id, pair)
             VALUES (?, NULL, ?, ?, NULL, 0, 0, ?, ?, ?)",
            params![
                id,
                if dm.group { "group_dm" } else { "dm" },
                dm.name.as_deref().unwrap_or(""),
                dm.at.as_millis(),
                dm.owner.to_string(),
                pair
            ],
        )?;
        for m in &dm.members {
            self.add_dm_member(dm.id, *m, 0, dm.at)?;
        }
        Ok(())
    }
    fn add_dm_member(&mut self, channel: ChannelId, user: UserId, seq: u64, at: Timestamp) -> StoreResult<()> {
        let (c, u) = (channel.to_string(), user.to_string());
        exec(
            &self.conn,
            "INSERT INTO dm_members (channel_id, user_id, joined_at) VALUES (?, ?, ?)",
            params![c, u, at.as_millis()],
        )?;
        exec(
            &self.conn,
            "INSERT INTO read_markers (channel_id, user_id, seq) VALUES (?, ?, ?)
             ON CONFLICT (channel_id, user_id) DO UPDATE SET seq = excluded.seq",
            params![c, u, seq as i64],
        )
        .map(drop)
    }
    fn remove_dm_member(&mut self, channel: ChannelId, user: UserId) -> StoreResult<()> {
        let (c, u) = (channel.to_string(), user.to_string());
        exec(&self.conn, "DELETE FROM dm_members WHERE channel_id = ? AND user_id = ?", params![c, u])?;
        exec(&self.conn, "DELETE FROM read_markers WHERE channel_id = ? AND user_id = ?", params![c, u]).map(drop)
    }
    fn update_dm(&mut self, channel: ChannelId, name: Option<Option<&str>>, owner: Option<UserId>) -> StoreResult<()> {
        let c = channel.to_string();
        if let Some(name) = name {
            exec(&self.conn, "UPDATE channels SET name = ? WHERE id = ?", params![name.unwrap_or(""), c])?;
        }
        if let Some(owner) = owner {
            exec(&self.conn, "UPDATE channels SET owner_id = ? WHERE id = ?", params![owner.to_string(), c])?;
        }
        Ok(())
    }
    fn delete_channel(&mut self, id: ChannelId) -> StoreResult<()> {
        exec(&self.conn, "DELETE FROM channels WHERE id = ?", [id.to_string()]).map(drop)
    }

    fn insert_message(&mut self, m: &Message) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO messages (id, channel_id, seq, author_id, client_id, body, reply_to, created_at, kind,
                                   mentions_everyone)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![
                m.id.to_string(),
                m.channel_id.to_string(),
                m.seq as i64,
                m.author_id.to_string(),
                m.client_id.to_string(),
                m.body,
                m.reply_to.map(|r| r.to_string()),
                m.created_at.as_millis(),
                kind_name(m.kind),
                m.mentions_everyone
            ],
        )
        .map(drop)
    }
    fn edit_message(&mut self, id: MessageId, body: &str, at: Timestamp) -> StoreResult<bool> {
        Ok(exec(
            &self.conn,
            "UPDATE messages SET body = ?, edited_at = ? WHERE id = ? AND deleted_at IS NULL",
            params![body, at.as_millis(), id.to_string()],
        )? > 0)
    }
    fn insert_attachment(&mut self, a: &Attachment, place: AttachmentPlace, at: Timestamp) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO attachments (id, uploader_id, channel_id, filename, content_type, size, width, height, thumbnail, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![
                a.id.to_string(),
                place.uploader.to_string(),
                place.channel.to_string(),
                a.filename,
                a.content_type,
                a.size.min(i64::MAX as u64) as i64,
                a.width,
                a.height,
                a.thumbnail,
                at.as_millis()
            ],
        )
        .map(drop)
    }

    fn bind_attachments(&mut self, message: MessageId, ids: &[AttachmentId]) -> StoreResult<()> {
        for (position, id) in ids.iter().enumerate() {
            exec(
                &self.conn,
                "UPDATE attachments SET message_id = ?, position = ? WHERE id = ? AND message_id IS NULL",
                params![message.to_string(), position as i64, id.to_string()],
            )?;
        }
        Ok(())
    }

    fn take_attachments(&mut self, message: MessageId) -> StoreResult<Vec<AttachmentId>> {
        take_ids(&self.conn, "DELETE FROM attachments WHERE message_id = ?1 RETURNING id", [message.to_string()])
    }

    fn take_channel_attachments(&mut self, channel: ChannelId) -> StoreResult<Vec<AttachmentId>> {
        take_ids(&self.conn, "DELETE FROM attachments WHERE channel_id = ?1 RETURNING id", [channel.to_string()])
    }

    fn take_server_attachments(&mut self, server: ServerId) -> StoreResult<Vec<AttachmentId>> {
        take_ids(
            &self.conn,
            "DELETE FROM attachments WHERE channel_id IN (SELECT id FROM channels WHERE server_id = ?1) RETURNING id",
            [server.to_string()],
        )
    }

    fn take_stale_uploads(&mut self, before: Timestamp, limit: usize) -> StoreResult<Vec<AttachmentId>> {
        take_ids(
            &self.conn,
            "DELETE FROM attachments WHERE id IN (SELECT id FROM attachments
               WHERE message_id IS NULL AND created_at < ?1 LIMIT ?2) RETURNING id",
            params![before.as_millis(), limit as i64],
        )
    }

    fn delete_message(&mut self, id: MessageId, at: Timestamp) -> StoreResult<()> {
        exec(
            &self.conn,
            "UPDATE messages SET body = '', deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
            params![at.as_millis(), id.to_string()],
        )?;
        exec(&self.conn, "DELETE FROM reactions WHERE message_id = ?", [id.to_string()]).map(drop)
    }

    fn insert_reaction(&mut self, message: MessageId, user: UserId, emoji: &str, at: Timestamp) -> StoreResult<bool> {
        Ok(exec(
            &self.conn,
            "INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (message_id, emoji, user_id) DO NOTHING",
            params![message.to_string(), user.to_string(), emoji, at.as_millis()],
        )? > 0)
    }
    fn delete_reaction(&mut self, message: MessageId, user: UserId, emoji: &str) -> StoreResult<bool> {
        Ok(exec(
            &self.conn,
            "DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?",
            params![message.to_string(), user.to_string(), emoji],
        )? > 0)
    }

    fn set_read_marker(&mut self, channel: ChannelId, user: UserId, seq: u64) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO read_markers (channel_id, user_id, seq) VALUES (?, ?, ?)
             ON CONFLICT (channel_id, user_id) DO UPDATE SET seq = excluded.seq",
            params![channel.to_string(), user.to_string(), seq as i64],
        )
        .map(drop)
    }

    fn insert_event(&mut self, e: &ScheduledEvent, at: Timestamp) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO events (id, server_id, title, description, starts_at, ends_at, channel_id, repeat, creator_id,
                                 created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![
                e.id.to_string(),
                e.server_id.to_string(),
                e.title,
                e.description,
                e.starts_at.as_millis(),
                e.ends_at.map(Timestamp::as_millis),
                e.channel_id.map(|c| c.to_string()),
                e.repeat.map(|_| "weekly"),
                e.creator_id.to_string(),
                at.as_millis()
            ],
        )
        .map(drop)
    }
    fn update_event(&mut self, e: &ScheduledEvent) -> StoreResult<()> {
        exec(
            &self.conn,
            "UPDATE events SET title = ?, description = ?, starts_at = ?, ends_at = ?, channel_id = ?, repeat = ?
             WHERE id = ?",
            params![
                e.title,
                e.description,
                e.starts_at.as_millis(),
                e.ends_at.map(Timestamp::as_millis),
                e.channel_id.map(|c| c.to_string()),
                e.repeat.map(|_| "weekly"),
                e.id.to_string()
            ],
        )
        .map(drop)
    }
    fn delete_event(&mut self, id: EventId) -> StoreResult<()> {
        exec(&self.conn, "DELETE FROM events WHERE id = ?", [id.to_string()]).map(drop)
    }
    fn set_interest(&mut self, id: EventId, user: UserId, on: bool) -> StoreResult<()> {
        let sql = if on {
            "INSERT INTO event_interest (event_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM event_interest WHERE event_id = ? AND user_id = ?"
        };
        exec(&self.conn, sql, params![id.to_string(), user.to_string()]).map(drop)
    }

    fn set_pinned(&mut self, id: MessageId, by: Option<(UserId, Timestamp)>) -> StoreResult<()> {
        exec(
            &self.conn,
            "UPDATE messages SET pinned_by = ?, pinned_at = ? WHERE id = ?",
            params![by.map(|(u, _)| u.to_string()), by.map(|(_, at)| at.as_millis()), id.to_string()],
        )
        .map(drop)
    }

    fn insert_invite_target(&mut self, code: &InviteCode, user: UserId, at: Timestamp) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO invite_targets (code, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            params![code.0, user.to_string(), at.as_millis()],
        )
        .map(drop)
    }

    fn delete_invite_target(&mut self, code: &InviteCode, user: UserId) -> StoreResult<bool> {
        Ok(exec(
            &self.conn,
            "DELETE FROM invite_targets WHERE code = ? AND user_id = ?",
            params![code.0, user.to_string()],
        )? > 0)
    }

    fn delete_read_marker(&mut self, channel: ChannelId, user: UserId) -> StoreResult<()> {
        exec(
            &self.conn,
            "DELETE FROM read_markers WHERE channel_id = ? AND user_id = ?",
            params![channel.to_string(), user.to_string()],
        )
        .map(drop)
    }

    fn add_read_marker(&mut self, channel: ChannelId, user: UserId) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO read_markers (channel_id, user_id, seq) SELECT id, ?, 0 FROM channels WHERE id = ? AND kind = 'text'
             ON CONFLICT (channel_id, user_id) DO NOTHING",
            params![user.to_string(), channel.to_string()],
        )
        .map(drop)
    }

    fn insert_invite(&mut self, i: &Invite) -> StoreResult<()> {
        exec(
            &self.conn,
            "INSERT INTO invites (code, server_id, creator_id, created_at, expires_at, max_uses, uses)
             VALUES (?, ?, ?, ?, ?, ?, 0)",
            params![
                i.code.0,
                i.server_id.to_string(),
                i.creator_id.to_string(),
                i.created_at.as_millis(),
                i.expires_at.map(Timestamp::as_millis),
                i.max_uses.map(i64::from)
            ],
        )
        .map(drop)
    }
    fn use_invite(&mut self, code: &InviteCode, now: Timestamp) -> StoreResult<bool> {
        Ok(exec(
            &self.conn,
            "UPDATE invites SET uses = uses + 1 WHERE code = ?1 AND revoked_at IS NULL
             AND (expires_at IS NULL OR expires_at > ?2) AND (max_uses IS NULL OR uses < max_uses)",
            params![code.0, now.as_millis()],
        )? > 0)
    }
    fn revoke_invite(&mut self, code: &InviteCode, at: Timestamp) -> StoreResult<()> {
        exec(
            &self.conn,
            "UPDATE invites SET revoked_at = ? WHERE code = ? AND revoked_at IS NULL",
            params![at.as_millis(), code.0],
        )
        .map(drop)
    }
}

fn read_only() -> StoreError {
    StoreError("a read connection cannot write".into())
}

/// Every write of a read connection fails with [`read_only`].
macro_rules! refuse_writes {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(fn $name(&mut self, $($arg: $ty),*) -> StoreResult<$ret> { let _ = ($($arg,)*); Err(read_only()) })*
    };
}

impl Store for ReadConn {
    reads!();

    refuse_writes! {
        begin() -> ();
        savepoint() -> ();
        release() -> ();
        rollback_to_savepoint() -> ();
        commit() -> ();
        rollback() -> ();
        insert_account(a: &NewAccount) -> ();
        set_admin(user: UserId, is_admin: bool) -> ();
        update_profile(user: UserId, change: &ProfileChange) -> ();
        set_status(user: UserId, status: StatusChoice) -> ();
        set_plan(user: UserId, plan: Plan) -> bool;
        put_order(o: &OrderRow) -> ();
        append_ledger(e: &NewLedger<'_>) -> ();
        put_membership(user: UserId, m: Option<&MembershipRow>) -> ();
        put_paid_event(e: &PaidEventRow) -> ();
        set_relationship(user: UserId, other: UserId, kind: Option<RelationshipKind>, at: Timestamp) -> ();
        insert_media(id: &str, content_type: &str, bytes: &[u8], uploader: UserId, at: Timestamp) -> ();
        insert_attachment(a: &Attachment, place: AttachmentPlace, at: Timestamp) -> ();
        bind_attachments(message: MessageId, ids: &[AttachmentId]) -> ();
        take_attachments(message: MessageId) -> Vec<AttachmentId>;
        take_channel_attachments(channel: ChannelId) -> Vec<AttachmentId>;
        take_server_attachments(server: ServerId) -> Vec<AttachmentId>;
        take_stale_uploads(before: Timestamp, limit: usize) -> Vec<AttachmentId>;
        insert_server(s: &Server) -> ();
        update_server(id: ServerId, name: Option<&str>, icon: Option<Option<&str>>) -> ();
        set_description(id: ServerId, description: Option<&str>) -> ();
        set_owner(id: ServerId, user: UserId) -> ();
        delete_server(id: ServerId) -> ();
        insert_member(server: ServerId, user: UserId, at: Timestamp, read_all: bool) -> ();
        add_member_role(server: ServerId, user: UserId, role: RoleId) -> ();
        remove_member_role(server: ServerId, user: UserId, role: RoleId) -> ();
        insert_role(server: ServerId, role: &ServerRole, at: Timestamp) -> ();
        update_role(server: ServerId, role: &ServerRole) -> ();
        delete_role(role: RoleId) -> ();
        delete_member(server: ServerId, user: UserId) -> Vec<(ChannelId, u64, u64)>;
        insert_channel(ch: &Channel, at: Timestamp) -> ();
        rename_channel(id: ChannelId, name: &str) -> ();
        set_topic(id: ChannelId, topic: Option<&str>) -> ();
        set_channel_access(id: ChannelId, access: Option<&Access>) -> ();
        place_channel(id: ChannelId, parent: Option<ChannelId>, position: i32) -> ();
        set_last_seq(id: ChannelId, seq: u64) -> ();
        delete_channel(id: ChannelId) -> ();
        insert_dm(dm: &NewDm) -> ();
        insert_ban(server: ServerId, user: UserId, by: UserId, at: Timestamp) -> ();
        insert_audit(e: &NewAudit) -> ();
        delete_ban(server: ServerId, user: UserId) -> bool;
        purge_messages(server: ServerId, author: UserId, since: Timestamp, at: Timestamp, limit: usize) -> Vec<(ChannelId, MessageId, u64)>;
        add_dm_member(channel: ChannelId, user: UserId, seq: u64, at: Timestamp) -> ();
        remove_dm_member(channel: ChannelId, user: UserId) -> ();
        update_dm(channel: ChannelId, name: Option<Option<&str>>, owner: Option<UserId>) -> ();
        insert_message(m: &Message) -> ();
        edit_message(id: MessageId, body: &str, at: Timestamp) -> bool;
        delete_message(id: MessageId, at: Timestamp) -> ();
        insert_reaction(message: MessageId, user: UserId, emoji: &str, at: Timestamp) -> bool;
        delete_reaction(message: MessageId, user: UserId, emoji: &str) -> bool;
        set_read_marker(channel: ChannelId, user: UserId, seq: u64) -> ();
        set_pinned(id: MessageId, by: Option<(UserId, Timestamp)>) -> ();
        insert_event(event: &ScheduledEvent, at: Timestamp) -> ();
        update_event(event: &ScheduledEvent) -> ();
        delete_event(id: EventId) -> ();
        set_interest(id: EventId, user: UserId, on: bool) -> ();
        insert_invite_target(code: &InviteCode, user: UserId, at: Timestamp) -> ();
        delete_invite_target(code: &InviteCode, user: UserId) -> bool;
        delete_read_marker(channel: ChannelId, user: UserId) -> ();
        add_read_marker(channel: ChannelId, user: UserId) -> ();
        insert_invite(i: &Invite) -> ();
        use_invite(code: &InviteCode, now: Timestamp) -> bool;
        revoke_invite(code: &InviteCode, at: Timestamp) -> ();
    }
}
