//! Direct-message channels as last heard from the server: a `channels` row
//! with no server (messages, read state, outbox and search as in any text
//! channel) plus what the DM list shows (`dms`).

use pq_protocol::{
    ChannelId, Timestamp, UserId,
    models::{DmChannel, DmKind, ReadState, User},
};
use rusqlite::{OptionalExtension, Row, params};

use super::{Result, Store, StoreError, parse_id, state::custom_status};

/// A direct-message channel with my read state.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CachedDm {
    /// The channel (its members with their names as last heard; its
    /// `last_seq` the newest the server told us of).
    pub channel: DmChannel,
    /// Highest `seq` I have read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub last_read_seq: u64,
    /// Unread messages by others.
    pub unread_count: u32,
    /// Of those, the ones that mention me (filled by `Client::dms`).
    pub mention_count: u32,
    /// Notifications off.
    pub muted: bool,
}

/// Where a text channel (of a server or a DM) stands in the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncState {
    /// Whether it is a direct-message channel.
    pub dm: bool,
    /// Newest `seq` the server told us of.
    pub last_seq: u64,
    /// Messages `low_seq..=synced_seq` are cached without holes.
    pub low_seq: u64,
    /// See `low_seq`.
    pub synced_seq: u64,
    /// Highest `seq` I have read.
    pub last_read_seq: u64,
    /// Unread messages by others.
    pub unread_count: u32,
    /// Notifications off.
    pub muted: bool,
}

const DM_COLS: &str = "d.id, d.kind, d.name, d.owner_id, d.members, d.last_activity_at,
    c.last_seq, c.last_read_seq, c.unread_count, c.muted";

impl Store {
    /// Remembers a direct-message channel (from `ready`, `dm_updated` or
    /// my own change) with its members, and my read state when given.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn apply_dm(&mut self, dm: &DmChannel, read: Option<&ReadState>) -> Result<()> {
        self.upsert_users(&dm.members)?;
        let tx = self.conn.transaction()?;
        let id = dm.id.to_string();
        tx.execute(
            "INSERT INTO channels (id, server_id, kind, name, parent_id, position, last_seq)
             VALUES (?1, NULL, 'text', '', NULL, 0, ?2)
             ON CONFLICT (id) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)",
            params![id, dm.last_seq as i64],
        )?;
        let members: Vec<String> = dm.members.iter().map(|u| u.id.to_string()).collect();
        tx.execute(
            "INSERT INTO dms (id, kind, name, owner_id, members, last_activity_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, owner_id = excluded.owner_id,
                 members = excluded.members, last_activity_at = MAX(last_activity_at, excluded.last_activity_at)",
            params![
                id,
                if dm.kind == DmKind::Group { "group" } else { "direct" },
                dm.name,
                dm.owner_id.to_string(),
                serde_json::to_string(&members).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                dm.last_activity_at.as_millis()
            ],
        )?;
        if let Some(r) = read {
            tx.execute(
                "UPDATE channels SET last_read_seq = ?2, unread_count = ?3 WHERE id = ?1",
                params![id, r.last_read_seq as i64, r.unread_count],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets the direct-message channels not in `keep` (with their
    /// cached messages).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn retain_dms(&mut self, keep: &[ChannelId]) -> Result<()> {
        let keep: std::collections::HashSet<String> = keep.iter().map(ToString::to_string).collect();
        let tx = self.conn.transaction()?;
        let gone: Vec<String> = tx
            .prepare("SELECT id FROM dms")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter(|id| !keep.contains(id))
            .collect();
        for id in gone {
            super::state::delete_channel(&tx, &id)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A message came in a direct-message channel at `at`: it moves up the list.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn note_dm_activity(&mut self, channel: ChannelId, at: Timestamp) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE dms SET last_activity_at = MAX(last_activity_at, ?2) WHERE id = ?1",
            params![channel.to_string(), at.as_millis()],
        )? > 0)
    }

    /// My direct-message channels, most recently active first.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn dms(&self) -> Result<Vec<CachedDm>> {
        let raw: Vec<RawDm> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {DM_COLS} FROM dms d JOIN channels c ON c.id = d.id ORDER BY d.last_activity_at DESC, d.id DESC"
            ))?
            .query_map([], raw_dm)?
            .collect::<rusqlite::Result<_>>()?;
        raw.into_iter().map(|r| self.cached_dm(r)).collect()
    }

    /// One direct-message channel.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn dm(&self, id: ChannelId) -> Result<Option<CachedDm>> {
        let raw = self
            .conn
            .prepare_cached(&format!("SELECT {DM_COLS} FROM dms d JOIN channels c ON c.id = d.id WHERE d.id = ?1"))?
            .query_row([id.to_string()], raw_dm)
            .optional()?;
        raw.map(|r| self.cached_dm(r)).transpose()
    }

    /// The direct channel I have with `user`, if cached.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn dm_with(&self, user: UserId) -> Result<Option<ChannelId>> {
        let id: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT d.id FROM dms d, json_each(d.members) m WHERE d.kind = 'direct' AND m.value = ?1 LIMIT 1",
            )?
            .query_row([user.to_string()], |r| r.get(0))
            .optional()?;
        id.as_deref().map(parse_id).transpose()
    }

    /// Where a text channel of a server or a DM stands in the cache.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn sync_state(&self, id: ChannelId) -> Result<Option<SyncState>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT server_id IS NULL, last_seq, low_seq, synced_seq, last_read_seq, unread_count, muted
                 FROM channels WHERE id = ?1 AND kind = 'text'",
            )?
            .query_row([id.to_string()], |r| {
                Ok(SyncState {
                    dm: r.get(0)?,
                    last_seq: r.get::<_, i64>(1)? as u64,
                    low_seq: r.get::<_, i64>(2)? as u64,
                    synced_seq: r.get::<_, i64>(3)? as u64,
                    last_read_seq: r.get::<_, i64>(4)? as u64,
                    unread_count: r.get::<_, i64>(5)? as u32,
                    muted: r.get(6)?,
                })
            })
            .optional()?)
    }

    /// Every text channel (of servers and DMs) the server has messages in
    /// beyond what is cached: `(channel, synced_seq)`.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn channels_behind(&self) -> Result<Vec<(ChannelId, u64)>> {
        let rows: Vec<(String, i64)> = self
            .conn
            .prepare_cached("SELECT id, synced_seq FROM channels WHERE kind = 'text' AND last_seq > synced_seq")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter().map(|(id, s)| Ok((parse_id(&id)?, s as u64))).collect()
    }

    fn cached_dm(&self, r: RawDm) -> Result<CachedDm> {
        let ids: Vec<String> = serde_json::from_str(&r.members).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut members = Vec::with_capacity(ids.len());
        let mut stmt = self.conn.prepare_cached(
            "SELECT display_name, avatar_url, custom_status, custom_status_expires_at FROM users WHERE id = ?1",
        )?;
        for id in ids {
            let uid: UserId = parse_id(&id)?;
            let user = stmt
                .query_row([&id], |row| {
                    Ok(User {
                        id: uid,
                        display_name: row.get(0)?,
                        avatar_url: row.get(1)?,
                        custom_status: custom_status(row.get(2)?, row.get(3)?),
                    })
                })
                .optional()?
                .unwrap_or(User { id: uid, display_name: String::new(), avatar_url: None, custom_status: None });
            members.push(user);
        }
        Ok(CachedDm {
            channel: DmChannel {
                id: parse_id(&r.id)?,
                kind: if r.kind == "group" { DmKind::Group } else { DmKind::Direct },
                name: r.name,
                owner_id: parse_id(&r.owner)?,
                members,
                last_seq: r.last_seq as u64,
                last_activity_at: Timestamp::from_millis(r.last_activity_at),
            },
            last_read_seq: r.last_read_seq as u64,
            unread_count: r.unread_count as u32,
            mention_count: 0,
            muted: r.muted != 0,
        })
    }
}

struct RawDm {
    id: String,
    kind: String,
    name: Option<String>,
    owner: String,
    members: String,
    last_activity_at: i64,
    last_seq: i64,
    last_read_seq: i64,
    unread_count: i64,
    muted: i64,
}

fn raw_dm(r: &Row<'_>) -> rusqlite::Result<RawDm> {
    Ok(RawDm {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        owner: r.get(3)?,
        members: r.get(4)?,
        last_activity_at: r.get(5)?,
        last_seq: r.get(6)?,
        last_read_seq: r.get(7)?,
        unread_count: r.get(8)?,
        muted: r.get(9)?,
    })
}
