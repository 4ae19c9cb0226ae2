//! Servers, channels, members and people, as last heard from the server.

use std::collections::HashSet;

use pq_protocol::{
    ChannelId, RoleId, ServerId, Timestamp, UserId,
    models::{
        Channel, ChannelKind, CustomStatus, Member, Permission, Permissions, Presence, Server, ServerRole, ServerState,
        User,
    },
};
use rusqlite::{OptionalExtension, Row, params};

use super::{Result, Store, StoreError, parse_id};

/// A server as the cache knows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CachedServer {
    /// The server.
    pub server: Server,
    /// Its roles, `@everyone` first, then upwards.
    pub roles: Vec<ServerRole>,
    /// The roles I hold in it (besides `@everyone`).
    pub my_roles: Vec<RoleId>,
    /// What I may do in it (everything when I own it).
    pub permissions: Vec<Permission>,
    /// How many members it has.
    pub member_count: u32,
    /// What its messages notify of on this device.
    pub notify: NotifyLevel,
}

/// What a server's messages notify of (a setting of this device).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum NotifyLevel {
    /// Every message (in channels not muted).
    #[default]
    All,
    /// Only messages that mention me.
    Mentions,
    /// None (unread counts still show).
    Nothing,
}

impl NotifyLevel {
    /// Its name in the cache.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            NotifyLevel::All => "all",
            NotifyLevel::Mentions => "mentions",
            NotifyLevel::Nothing => "nothing",
        }
    }

    fn from_name(s: &str) -> Self {
        match s {
            "mentions" => NotifyLevel::Mentions,
            "nothing" => NotifyLevel::Nothing,
            _ => NotifyLevel::All,
        }
    }
}

/// A channel with my read state and what of it is cached.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CachedChannel {
    /// The channel (its `last_seq` is the newest the server told us of).
    pub channel: Channel,
    /// Highest `seq` I have read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub last_read_seq: u64,
    /// Unread messages by others.
    pub unread_count: u32,
    /// Of those, the ones that mention me (`@my name`, `@everyone`, `@here`)
    /// among what is cached; filled by `Client::channels`.
    pub mention_count: u32,
    /// Messages `low_seq..=synced_seq` are cached without holes (0 and 0: none).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub low_seq: u64,
    /// See `low_seq`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub synced_seq: u64,
    /// Notifications off.
    pub muted: bool,
}

const CHANNEL_COLS: &str = "id, server_id, kind, name, parent_id, position, last_seq, last_read_seq, unread_count, low_seq, synced_seq, muted, private, topic";

fn channel_row(r: &Row<'_>) -> rusqlite::Result<CachedChannelRaw> {
    Ok(CachedChannelRaw {
        id: r.get(0)?,
        server_id: r.get(1)?,
        kind: r.get(2)?,
        name: r.get(3)?,
        parent_id: r.get(4)?,
        position: r.get(5)?,
        last_seq: r.get(6)?,
        last_read_seq: r.get(7)?,
        unread_count: r.get(8)?,
        low_seq: r.get(9)?,
        synced_seq: r.get(10)?,
        muted: r.get(11)?,
        private: r.get(12)?,
        topic: r.get(13)?,
    })
}

struct CachedChannelRaw {
    id: String,
    server_id: String,
    kind: String,
    name: String,
    parent_id: Option<String>,
    position: i64,
    last_seq: i64,
    last_read_seq: i64,
    unread_count: i64,
    low_seq: i64,
    synced_seq: i64,
    muted: i64,
    private: i64,
    topic: Option<String>,
}

impl CachedChannelRaw {
    fn into_cached(self) -> Result<CachedChannel> {
        Ok(CachedChannel {
            channel: Channel {
                id: parse_id(&self.id)?,
                server_id: parse_id(&self.server_id)?,
                kind: ChannelKind::from_name(&self.kind).ok_or_else(|| StoreError::Corrupt("channel kind".into()))?,
                name: self.name,
                parent_id: self.parent_id.as_deref().map(parse_id).transpose()?,
                position: self.position as i32,
                last_seq: self.last_seq as u64,
                private: self.private != 0,
                topic: self.topic,
            },
            last_read_seq: self.last_read_seq as u64,
            unread_count: self.unread_count as u32,
            mention_count: 0,
            low_seq: self.low_seq as u64,
            synced_seq: self.synced_seq as u64,
            muted: self.muted != 0,
        })
    }
}

impl Store {
    /// Replaces what the cache knows of one server with `state` (from
    /// `ready`, `server_joined` or a refresh). Channels that are gone are
    /// removed with their messages; kept channels keep their cached history.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn apply_server_state(&mut self, state: &ServerState, sort: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        let s = &state.server;
        tx.execute(
            "INSERT INTO servers (id, name, icon_url, owner_id, created_at, roles, my_roles, member_count, sort,
               description)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, icon_url = excluded.icon_url,
               owner_id = excluded.owner_id, roles = excluded.roles, my_roles = excluded.my_roles,
               member_count = excluded.member_count, sort = excluded.sort, description = excluded.description",
            params![
                s.id.to_string(),
                s.name,
                s.icon_url,
                s.owner_id.to_string(),
                s.created_at.as_millis(),
                json(&state.roles),
                json(&state.my_roles),
                state.member_count,
                sort,
                s.description
            ],
        )?;
        let keep: HashSet<String> = state.channels.iter().map(|c| c.id.to_string()).collect();
        let existing: Vec<String> = tx
            .prepare("SELECT id FROM channels WHERE server_id = ?1")?
            .query_map([s.id.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for gone in existing.iter().filter(|id| !keep.contains(*id)) {
            delete_channel(&tx, gone)?;
        }
        for c in &state.channels {
            upsert_channel(&tx, c)?;
        }
        for rs in &state.read_states {
            tx.execute(
                "UPDATE channels SET last_read_seq = ?2, unread_count = ?3 WHERE id = ?1",
                params![rs.channel_id.to_string(), rs.last_read_seq as i64, rs.unread_count],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets every server not in `keep` (after `ready`: left or deleted while away).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn retain_servers(&mut self, keep: &[ServerId]) -> Result<()> {
        let keep: HashSet<String> = keep.iter().map(ToString::to_string).collect();
        let all: Vec<String> = self
            .conn
            .prepare("SELECT id FROM servers")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in all.into_iter().filter(|id| !keep.contains(id)) {
            self.remove_server(parse_id(&id)?)?;
        }
        Ok(())
    }

    /// Forgets a server, its channels and their messages.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn remove_server(&mut self, id: ServerId) -> Result<()> {
        let tx = self.conn.transaction()?;
        let channels: Vec<String> = tx
            .prepare("SELECT id FROM channels WHERE server_id = ?1")?
            .query_map([id.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for c in &channels {
            delete_channel(&tx, c)?;
        }
        tx.execute("DELETE FROM servers WHERE id = ?1", [id.to_string()])?;
        tx.commit()?;
        Ok(())
    }

    /// Updates a server's name or image.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn update_server(&mut self, s: &Server) -> Result<()> {
        self.conn.execute(
            "UPDATE servers SET name = ?2, icon_url = ?3, owner_id = ?4, description = ?5 WHERE id = ?1",
            params![s.id.to_string(), s.name, s.icon_url, s.owner_id.to_string(), s.description],
        )?;
        Ok(())
    }

    /// Replaces a server's roles (a role gone is gone from its members too).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn set_server_roles(&mut self, server: ServerId, roles: &[ServerRole]) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE servers SET roles = ?2 WHERE id = ?1", params![server.to_string(), json(roles)])?;
        let known: HashSet<RoleId> = roles.iter().map(|r| r.id).collect();
        let prune = |text: String| -> String {
            let held: Vec<RoleId> = serde_json::from_str(&text).unwrap_or_default();
            json(&held.into_iter().filter(|r| known.contains(r)).collect::<Vec<_>>())
        };
        let mine: String = tx
            .query_row("SELECT my_roles FROM servers WHERE id = ?1", [server.to_string()], |r| r.get(0))
            .optional()?
            .unwrap_or_default();
        tx.execute("UPDATE servers SET my_roles = ?2 WHERE id = ?1", params![server.to_string(), prune(mine)])?;
        let members: Vec<(String, String)> = tx
            .prepare("SELECT user_id, roles FROM members WHERE server_id = ?1")?
            .query_map([server.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (user, held) in members {
            tx.execute(
                "UPDATE members SET roles = ?3 WHERE server_id = ?1 AND user_id = ?2",
                params![server.to_string(), user, prune(held)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Sets the roles I hold in a server.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn set_my_roles(&mut self, server: ServerId, roles: &[RoleId]) -> Result<()> {
        self.conn
            .execute("UPDATE servers SET my_roles = ?2 WHERE id = ?1", params![server.to_string(), json(roles)])?;
        Ok(())
    }

    /// Adds or updates a channel (its cached history is kept).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn upsert_channel(&mut self, c: &Channel) -> Result<()> {
        upsert_channel(&self.conn, c)?;
        Ok(())
    }

    /// Forgets a channel and its messages.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn remove_channel(&mut self, id: ChannelId) -> Result<()> {
        let tx = self.conn.transaction()?;
        delete_channel(&tx, &id.to_string())?;
        tx.commit()?;
        Ok(())
    }

    /// Every server, in rail order.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn servers(&self) -> Result<Vec<CachedServer>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, icon_url, owner_id, created_at, roles, my_roles, member_count, notify, description
             FROM servers ORDER BY sort, name",
        )?;
        // Who I am decides what I may do; a cache without (or with an
        // unreadable) account still lists its servers.
        let me: Option<UserId> = self.meta::<pq_protocol::models::Me>("me").ok().flatten().map(|m| m.id);
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, icon_url, owner, created, roles, my_roles, count, notify, description) = row?;
            let server = Server {
                id: parse_id(&id)?,
                name,
                icon_url,
                owner_id: parse_id(&owner)?,
                created_at: Timestamp::from_millis(created),
                description,
            };
            let roles: Vec<ServerRole> = serde_json::from_str(&roles).unwrap_or_default();
            let my_roles: Vec<RoleId> = serde_json::from_str(&my_roles).unwrap_or_default();
            let permissions =
                me.map_or(Permissions::NONE, |me| Permissions::of_member(&server, &roles, me, &my_roles)).list();
            out.push(CachedServer {
                server,
                roles,
                my_roles,
                permissions,
                member_count: count as u32,
                notify: NotifyLevel::from_name(&notify),
            });
        }
        Ok(out)
    }

    /// The channels of a server, in display order.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn channels(&self, server: ServerId) -> Result<Vec<CachedChannel>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CHANNEL_COLS} FROM channels WHERE server_id = ?1 ORDER BY position, name"
        ))?;
        let rows = stmt.query_map([server.to_string()], channel_row)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(CachedChannelRaw::into_cached)).collect()
    }

    /// One channel of a server (direct-message channels: [`Store::dm`]).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn channel(&self, id: ChannelId) -> Result<Option<CachedChannel>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {CHANNEL_COLS} FROM channels WHERE id = ?1 AND server_id IS NOT NULL"))?;
        stmt.query_row([id.to_string()], channel_row).optional()?.map(CachedChannelRaw::into_cached).transpose()
    }

    /// Cached messages in `channel` after `after_seq`, not by `me`, not
    /// deleted, that mention me ([`mentions`]) or ping everyone.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn mention_count(&self, channel: ChannelId, after_seq: u64, me: UserId, name: &str) -> Result<u32> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT count(*) FROM messages
             WHERE channel_id = ?1 AND seq > ?2 AND author_id != ?3 AND deleted = 0
               AND (mentions_everyone = 1 OR (instr(body, '@') > 0 AND pq_mentions(body, ?4)))",
        )?;
        let n: i64 =
            stmt.query_row(params![channel.to_string(), after_seq as i64, me.to_string(), name], |r| r.get(0))?;
        Ok(n as u32)
    }

    /// Sets my read state of a channel.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn set_read_state(&mut self, channel: ChannelId, last_read_seq: u64, unread_count: u32) -> Result<()> {
        self.conn.execute(
            "UPDATE channels SET last_read_seq = ?2, unread_count = ?3 WHERE id = ?1",
            params![channel.to_string(), last_read_seq as i64, unread_count],
        )?;
        Ok(())
    }

    /// Someone else wrote in a channel: one more unread, and a newer `last_seq`.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn note_new_message(&mut self, channel: ChannelId, seq: u64, by_me: bool) -> Result<()> {
        self.conn.execute(
            "UPDATE channels SET last_seq = MAX(last_seq, ?2),
               unread_count = unread_count + CASE WHEN ?3 = 0 AND ?2 > last_read_seq THEN 1 ELSE 0 END,
               last_read_seq = CASE WHEN ?3 = 1 THEN MAX(last_read_seq, ?2) ELSE last_read_seq END
             WHERE id = ?1",
            params![channel.to_string(), seq as i64, i64::from(by_me)],
        )?;
        Ok(())
    }

    /// Unread messages in every channel not muted: the tray's total (one
    /// query over the per-channel counts the engine keeps as messages come).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn unread_total(&self) -> Result<u32> {
        let total: i64 = self
            .conn
            .prepare_cached("SELECT COALESCE(SUM(unread_count), 0) FROM channels WHERE muted = 0")?
            .query_row([], |r| r.get(0))?;
        Ok(u32::try_from(total).unwrap_or(u32::MAX))
    }

    /// What a server's messages notify of on this device (`All` for a server
    /// not cached).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn server_notify(&self, server: ServerId) -> Result<NotifyLevel> {
        let name: Option<String> = self
            .conn
            .prepare_cached("SELECT notify FROM servers WHERE id = ?1")?
            .query_row([server.to_string()], |r| r.get(0))
            .optional()?;
        Ok(name.map_or(NotifyLevel::All, |n| NotifyLevel::from_name(&n)))
    }

    /// Chooses what a server's messages notify of on this device.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn set_server_notify(&mut self, server: ServerId, level: NotifyLevel) -> Result<()> {
        self.conn
            .execute("UPDATE servers SET notify = ?2 WHERE id = ?1", params![server.to_string(), level.as_str()])?;
        Ok(())
    }

    /// Mutes or unmutes a channel's notifications (and its unread count in
    /// totals).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn set_muted(&mut self, channel: ChannelId, muted: bool) -> Result<()> {
        self.conn
            .execute("UPDATE channels SET muted = ?2 WHERE id = ?1", params![channel.to_string(), i64::from(muted)])?;
        Ok(())
    }

    /// Remembers people (names and avatars).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn upsert_users(&mut self, users: &[User]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO users (id, display_name, avatar_url, custom_status, custom_status_expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, avatar_url = excluded.avatar_url,
                     custom_status = excluded.custom_status, custom_status_expires_at = excluded.custom_status_expires_at",
            )?;
            for u in users {
                let status = u.custom_status.as_ref();
                stmt.execute(params![
                    u.id.to_string(),
                    u.display_name,
                    u.avatar_url,
                    status.map(|c| &c.text),
                    status.and_then(|c| c.expires_at).map(Timestamp::as_millis),
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A person, if known.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn user(&self, id: UserId) -> Result<Option<User>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT display_name, avatar_url, custom_status, custom_status_expires_at FROM users WHERE id = ?1",
        )?;
        Ok(stmt
            .query_row([id.to_string()], |r| {
                Ok(User {
                    id,
                    display_name: r.get(0)?,
                    avatar_url: r.get(1)?,
                    custom_status: custom_status(r.get(2)?, r.get(3)?),
                })
            })
            .optional()?)
    }

    /// Replaces the member list of a server.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn set_members(&mut self, server: ServerId, members: &[Member]) -> Result<()> {
        let users: Vec<User> = members.iter().map(|m| m.user.clone()).collect();
        self.upsert_users(&users)?;
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM members WHERE server_id = ?1", [server.to_string()])?;
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO members (server_id, user_id, roles, joined_at) VALUES (?1, ?2, ?3, ?4)")?;
            for m in members {
                stmt.execute(params![
                    server.to_string(),
                    m.user.id.to_string(),
                    json(&m.roles),
                    m.joined_at.as_millis()
                ])?;
            }
        }
        tx.execute(
            "UPDATE servers SET member_count = ?2 WHERE id = ?1",
            params![server.to_string(), members.len() as i64],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Adds or updates one member.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn upsert_member(&mut self, server: ServerId, m: &Member) -> Result<()> {
        self.upsert_users(std::slice::from_ref(&m.user))?;
        let added = self.conn.execute(
            "INSERT INTO members (server_id, user_id, roles, joined_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (server_id, user_id) DO UPDATE SET roles = excluded.roles",
            params![server.to_string(), m.user.id.to_string(), json(&m.roles), m.joined_at.as_millis()],
        )?;
        if added > 0 {
            self.conn.execute(
                "UPDATE servers SET member_count = (SELECT COUNT(*) FROM members WHERE server_id = ?1) WHERE id = ?1",
                [server.to_string()],
            )?;
        }
        Ok(())
    }

    /// Sets the roles a member holds.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn set_member_roles(&mut self, server: ServerId, user: UserId, roles: &[RoleId]) -> Result<()> {
        self.conn.execute(
            "UPDATE members SET roles = ?3 WHERE server_id = ?1 AND user_id = ?2",
            params![server.to_string(), user.to_string(), json(roles)],
        )?;
        Ok(())
    }

    /// Removes a member.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn remove_member(&mut self, server: ServerId, user: UserId) -> Result<()> {
        self.conn.execute(
            "DELETE FROM members WHERE server_id = ?1 AND user_id = ?2",
            params![server.to_string(), user.to_string()],
        )?;
        self.conn.execute(
            "UPDATE servers SET member_count = MAX(member_count - 1, 0) WHERE id = ?1",
            [server.to_string()],
        )?;
        Ok(())
    }

    /// The members of a server as last known (presence is not cached: it is
    /// offline until the server says otherwise).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn members(&self, server: ServerId) -> Result<Vec<Member>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.user_id, COALESCE(u.display_name, ''), u.avatar_url, m.roles, m.joined_at,
                    u.custom_status, u.custom_status_expires_at
             FROM members m LEFT JOIN users u ON u.id = m.user_id WHERE m.server_id = ?1 ORDER BY m.joined_at",
        )?;
        let rows = stmt.query_map([server.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                custom_status(r.get(5)?, r.get(6)?),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, display_name, avatar_url, roles, joined, custom_status) = row?;
            out.push(Member {
                user: User { id: parse_id(&id)?, display_name, avatar_url, custom_status },
                roles: serde_json::from_str(&roles).unwrap_or_default(),
                presence: Presence::Offline,
                joined_at: Timestamp::from_millis(joined),
            });
        }
        Ok(out)
    }
}

/// A list as the cache keeps it (JSON).
fn json<T: serde::Serialize>(list: &[T]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

fn upsert_channel(conn: &rusqlite::Connection, c: &Channel) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO channels (id, server_id, kind, name, parent_id, position, last_seq, private, topic)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id,
           position = excluded.position, last_seq = MAX(channels.last_seq, excluded.last_seq),
           private = excluded.private, topic = excluded.topic",
        params![
            c.id.to_string(),
            c.server_id.to_string(),
            c.kind.as_str(),
            c.name,
            c.parent_id.map(|p| p.to_string()),
            c.position,
            c.last_seq as i64,
            i64::from(c.private),
            c.topic
        ],
    )?;
    Ok(())
}

pub(super) fn delete_channel(conn: &rusqlite::Connection, id: &str) -> rusqlite::Result<()> {
    // The index entries first (contentless: deleted by rowid).
    conn.execute(
        "DELETE FROM messages_fts WHERE rowid IN (SELECT rowid FROM messages WHERE channel_id = ?1 AND rowid <= ?2)",
        params![id, super::messages::fts_upto(conn)?],
    )?;
    conn.execute("DELETE FROM messages WHERE channel_id = ?1", [id])?;
    conn.execute("DELETE FROM channels WHERE id = ?1", [id])?;
    Ok(())
}

/// A cached custom status from its two columns.
pub(super) fn custom_status(text: Option<String>, expires_at: Option<i64>) -> Option<CustomStatus> {
    text.map(|text| CustomStatus { text, expires_at: expires_at.map(Timestamp::from_millis) })
}
