//! Cached messages: ingest pages and live events, read history, search.

use pq_protocol::{
    ChannelId, MessageId, ServerId, Timestamp, UserId,
    models::{Message, MessageKind, Reaction},
};
use rusqlite::{OptionalExtension, Row, params};

use super::{Result, Store, StoreError, parse_id, search};

/// What an ingest changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Messages new to the cache.
    pub inserted: usize,
    /// Messages already cached whose content changed.
    pub updated: usize,
}

/// A search result.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchHit {
    /// The message.
    pub message: Message,
    /// Its server (`None`: a direct-message channel).
    pub server_id: Option<ServerId>,
}

const COLS: &str = "m.id, m.channel_id, m.seq, m.author_id, m.client_id, m.body, m.reply_to, m.created_at, m.edited_at, m.deleted, m.unread_by, m.reactions, m.pinned, m.kind, m.mentions_everyone, m.attachments";

fn read_message(r: &Row<'_>) -> rusqlite::Result<RawMessage> {
    Ok(RawMessage {
        id: r.get(0)?,
        channel_id: r.get(1)?,
        seq: r.get(2)?,
        author_id: r.get(3)?,
        client_id: r.get(4)?,
        body: r.get(5)?,
        reply_to: r.get(6)?,
        created_at: r.get(7)?,
        edited_at: r.get(8)?,
        deleted: r.get(9)?,
        unread_by: r.get(10)?,
        reactions: r.get(11)?,
        pinned: r.get(12)?,
        kind: r.get(13)?,
        mentions_everyone: r.get(14)?,
        attachments: r.get(15)?,
    })
}

struct RawMessage {
    id: String,
    channel_id: String,
    seq: i64,
    author_id: String,
    client_id: String,
    body: String,
    reply_to: Option<String>,
    created_at: i64,
    edited_at: Option<i64>,
    deleted: i64,
    unread_by: i64,
    reactions: String,
    pinned: i64,
    kind: String,
    mentions_everyone: i64,
    attachments: String,
}

impl RawMessage {
    fn into_message(self) -> Result<Message> {
        Ok(Message {
            id: parse_id(&self.id)?,
            channel_id: parse_id(&self.channel_id)?,
            seq: self.seq as u64,
            author_id: parse_id(&self.author_id)?,
            client_id: parse_id(&self.client_id)?,
            body: self.body,
            reply_to: self.reply_to.as_deref().map(parse_id).transpose()?,
            created_at: Timestamp::from_millis(self.created_at),
            edited_at: self.edited_at.map(Timestamp::from_millis),
            deleted: self.deleted != 0,
            reactions: serde_json::from_str(&self.reactions)
                .map_err(|e| StoreError::Corrupt(format!("reactions: {e}")))?,
            unread_by: self.unread_by as u32,
            pinned: self.pinned != 0,
            mentions_everyone: self.mentions_everyone != 0,
            kind: if self.kind == "pin" { MessageKind::Pin } else { MessageKind::Default },
            attachments: serde_json::from_str(&self.attachments)
                .map_err(|e| StoreError::Corrupt(format!("attachments: {e}")))?,
        })
    }
}

/// Inserts a message unless it conflicts; returns its rowid when inserted.
fn insert_row(
    stmt: &mut rusqlite::CachedStatement<'_>,
    m: &Message,
    reactions: &str,
    attachments: &str,
) -> rusqlite::Result<Option<i64>> {
    stmt.query_row(
        params![
            m.id.to_string(),
            m.channel_id.to_string(),
            m.seq as i64,
            m.author_id.to_string(),
            m.client_id.to_string(),
            m.body,
            m.reply_to.map(|r| r.to_string()),
            m.created_at.as_millis(),
            m.edited_at.map(Timestamp::as_millis),
            i64::from(m.deleted),
            m.unread_by,
            reactions,
            i64::from(m.pinned),
            if m.kind == MessageKind::Pin { "pin" } else { "default" },
            i64::from(m.mentions_everyone),
            attachments
        ],
        |r| r.get(0),
    )
    .optional()
}

/// Messages with a rowid up to this are in the search index.
pub(super) fn fts_upto(conn: &rusqlite::Connection) -> rusqlite::Result<i64> {
    let v: Option<String> =
        conn.prepare_cached("SELECT value FROM meta WHERE key = 'fts_upto'")?.query_row([], |r| r.get(0)).optional()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

fn set_fts_upto(conn: &rusqlite::Connection, upto: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES ('fts_upto', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([upto.to_string()])?;
    Ok(())
}

/// The `scope` terms of a channel: `c<channel rowid> s<server rowid>`, or
/// `c<channel rowid> dm` for a direct-message channel.
fn scope_of(conn: &rusqlite::Connection, channel_id: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(&format!(
        "SELECT {SCOPE} FROM channels c LEFT JOIN servers s ON s.id = c.server_id WHERE c.id = ?1"
    ))?
    .query_row([channel_id], |r| r.get(0))
    .optional()
}

/// SQL for a channel's scope terms (see [`scope_of`]); NULL for a channel
/// of a server the cache no longer has.
const SCOPE: &str =
    "CASE WHEN c.server_id IS NULL THEN 'c' || c.rowid || ' dm' ELSE 'c' || c.rowid || ' s' || s.rowid END";

/// Adds a message body to the search index under `rowid`.
fn index(conn: &rusqlite::Connection, rowid: i64, body: &str, scope: &str) -> rusqlite::Result<()> {
    let terms = search::index_terms(body);
    if !terms.is_empty() {
        conn.prepare_cached("INSERT INTO messages_fts (rowid, terms, scope) VALUES (?1, ?2, ?3)")?
            .execute(params![rowid, terms, scope])?;
    }
    Ok(())
}

fn unindex(conn: &rusqlite::Connection, rowid: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM messages_fts WHERE rowid = ?1")?.execute([rowid])?;
    Ok(())
}

/// Re-indexes an already indexed message whose text changed (or was deleted).
fn reindex(conn: &rusqlite::Connection, rowid: i64, channel_id: &str, body: Option<&str>) -> rusqlite::Result<()> {
    if rowid > fts_upto(conn)? {
        return Ok(()); // The background indexer will see the new text.
    }
    unindex(conn, rowid)?;
    if let (Some(body), Some(scope)) = (body, scope_of(conn, channel_id)?) {
        index(conn, rowid, body, &scope)?;
    }
    Ok(())
}

impl Store {
    /// Stores messages from the server (a history page or live events),
    /// updating copies already cached, in one transaction, then advances each
    /// touched channel's hole-free range.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn ingest(&mut self, messages: &[Message]) -> Result<IngestReport> {
        let tx = self.conn.transaction()?;
        let report = ingest_in(&tx, messages)?;
        tx.commit()?;
        Ok(report)
    }

    /// A message's text changed.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn apply_edit(&mut self, message: MessageId, body: &str, edited_at: Timestamp) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let row: Option<(i64, String)> = tx
            .query_row(
                "UPDATE messages SET body = ?2, edited_at = ?3 WHERE id = ?1 AND deleted = 0 RETURNING rowid, channel_id",
                params![message.to_string(), body, edited_at.as_millis()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((rowid, channel)) = &row {
            reindex(&tx, *rowid, channel, Some(body))?;
        }
        tx.commit()?;
        Ok(row.is_some())
    }

    /// A message was deleted: it becomes a tombstone and leaves the index.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn apply_delete(&mut self, message: MessageId) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let row: Option<(i64, String)> = tx
            .query_row(
                "UPDATE messages SET body = '', deleted = 1, reactions = '[]', attachments = '[]'
                 WHERE id = ?1 AND deleted = 0
                 RETURNING rowid, channel_id",
                [message.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((rowid, channel)) = &row {
            reindex(&tx, *rowid, channel, None)?;
        }
        tx.commit()?;
        Ok(row.is_some())
    }

    /// A message was pinned or unpinned.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn set_pinned(&mut self, message: MessageId, pinned: bool) -> Result<()> {
        self.conn.execute(
            "UPDATE messages SET pinned = ?2 WHERE id = ?1",
            params![message.to_string(), i64::from(pinned)],
        )?;
        Ok(())
    }

    /// Someone reacted (`added`) or took a reaction back; `mine` when it was me.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn apply_reaction(&mut self, message: MessageId, emoji: &str, added: bool, mine: bool) -> Result<()> {
        let Some(m) = self.message(message)? else { return Ok(()) };
        let mut reactions = m.reactions;
        match reactions.iter_mut().position(|r| r.emoji == emoji) {
            Some(i) => {
                let r = &mut reactions[i];
                if added {
                    r.count += 1;
                    r.me |= mine;
                } else {
                    r.count = r.count.saturating_sub(1);
                    if mine {
                        r.me = false;
                    }
                    if r.count == 0 {
                        reactions.remove(i);
                    }
                }
            }
            None if added => reactions.push(Reaction { emoji: emoji.to_owned(), count: 1, me: mine }),
            None => {}
        }
        let json = serde_json::to_string(&reactions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute("UPDATE messages SET reactions = ?2 WHERE id = ?1", params![message.to_string(), json])?;
        Ok(())
    }

    /// Messages of a channel with `after < seq <= through` changed their
    /// "unread by" count by `delta`.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn apply_unread_by(&mut self, channel: ChannelId, after: u64, through: u64, delta: i32) -> Result<()> {
        self.conn.execute(
            "UPDATE messages SET unread_by = MAX(unread_by + ?4, 0) WHERE channel_id = ?1 AND seq > ?2 AND seq <= ?3",
            params![channel.to_string(), after as i64, through as i64, delta],
        )?;
        Ok(())
    }

    /// One cached message.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn message(&self, id: MessageId) -> Result<Option<Message>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {COLS} FROM messages m WHERE m.id = ?1"))?;
        stmt.query_row([id.to_string()], read_message).optional()?.map(RawMessage::into_message).transpose()
    }

    /// Up to `limit` cached messages of a channel before `before_seq` (or the
    /// newest), oldest first.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn history(&self, channel: ChannelId, before_seq: Option<u64>, limit: usize) -> Result<Vec<Message>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLS} FROM messages m WHERE m.channel_id = ?1 AND m.seq < ?2 ORDER BY m.seq DESC LIMIT ?3"
        ))?;
        let before = before_seq.map_or(i64::MAX, |b| b as i64);
        let rows = stmt.query_map(params![channel.to_string(), before, limit as i64], read_message)?;
        let mut out: Vec<Message> =
            rows.map(|r| r.map_err(StoreError::from).and_then(RawMessage::into_message)).collect::<Result<_>>()?;
        out.reverse();
        Ok(out)
    }

    /// Cached messages of a channel with `seq > after`, oldest first.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn history_after(&self, channel: ChannelId, after: u64, limit: usize) -> Result<Vec<Message>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLS} FROM messages m WHERE m.channel_id = ?1 AND m.seq > ?2 ORDER BY m.seq LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![channel.to_string(), after as i64, limit as i64], read_message)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(RawMessage::into_message)).collect()
    }

    /// How many messages the cache holds (all channels).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn message_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Adds up to `limit` messages not yet in the search index to it, in one
    /// transaction; returns how many were looked at (0: the index is
    /// complete). The engine calls this in the background after ingesting.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn index_pending(&mut self, limit: usize) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let upto = fts_upto(&tx)?;
        let rows: Vec<(i64, String, i64, Option<String>)> = tx
            .prepare_cached(&format!(
                "SELECT m.rowid, m.body, m.deleted, {SCOPE} FROM messages m
                 LEFT JOIN channels c ON c.id = m.channel_id LEFT JOIN servers s ON s.id = c.server_id
                 WHERE m.rowid > ?1 ORDER BY m.rowid LIMIT ?2"
            ))?
            .query_map(params![upto, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (rowid, body, deleted, scope) in &rows {
            if let (0, Some(scope)) = (deleted, scope) {
                index(&tx, *rowid, body, scope)?;
            }
        }
        if let Some((last, ..)) = rows.last() {
            set_fts_upto(&tx, *last)?;
        }
        tx.commit()?;
        Ok(rows.len())
    }

    /// How many messages wait for the search index.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn index_backlog(&self) -> Result<u64> {
        let upto = fts_upto(&self.conn)?;
        Ok(self.conn.query_row("SELECT COUNT(*) FROM messages WHERE rowid > ?1", [upto], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// Finds cached messages containing what was typed (all of its words or
    /// character runs), newest cached first; optionally only in one server or
    /// channel. Works offline and for every script (see [`search`]). Messages
    /// not indexed yet are checked directly.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn search(
        &self,
        query: &str,
        server: Option<ServerId>,
        channel: Option<ChannelId>,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        let (Some(expr), Some(matcher)) = (search::match_query(query), search::Matcher::new(query)) else {
            return Ok(vec![]);
        };
        let rowid_of = |table: &str, id: String| -> Result<Option<i64>> {
            Ok(self
                .conn
                .prepare_cached(&format!("SELECT rowid FROM {table} WHERE id = ?1"))?
                .query_row([id], |r| r.get(0))
                .optional()?)
        };
        let mut fts = format!("terms : ({expr})");
        if let Some(c) = channel {
            let Some(r) = rowid_of("channels", c.to_string())? else { return Ok(vec![]) };
            fts.push_str(&format!(" AND scope : \"c{r}\""));
        }
        if let Some(s) = server {
            let Some(r) = rowid_of("servers", s.to_string())? else { return Ok(vec![]) };
            fts.push_str(&format!(" AND scope : \"s{r}\""));
        }
        let upto = fts_upto(&self.conn)?;
        let mut out = Vec::new();
        // Not indexed yet (the background indexer's backlog), newest first.
        {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {COLS}, c.server_id FROM messages m JOIN channels c ON c.id = m.channel_id
                 WHERE m.rowid > ?1 AND m.deleted = 0 AND (?2 IS NULL OR c.server_id = ?2) AND (?3 IS NULL OR m.channel_id = ?3)
                 ORDER BY m.rowid DESC"
            ))?;
            let mut rows = stmt.query(params![upto, server.map(|s| s.to_string()), channel.map(|c| c.to_string())])?;
            while let Some(r) = rows.next()? {
                if out.len() >= limit {
                    break;
                }
                let raw = read_message(r)?;
                if matcher.matches(&raw.body) {
                    let server_id: Option<String> = r.get(16)?;
                    let server_id = server_id.as_deref().map(parse_id).transpose()?;
                    out.push(SearchHit { message: raw.into_message()?, server_id });
                }
            }
        }
        if out.len() < limit {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {COLS}, c.server_id FROM messages_fts f
                 JOIN messages m ON m.rowid = f.rowid
                 JOIN channels c ON c.id = m.channel_id
                 WHERE messages_fts MATCH ?1 ORDER BY f.rowid DESC LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![fts, (limit - out.len()) as i64], |r| {
                Ok((read_message(r)?, r.get::<_, Option<String>>(16)?))
            })?;
            for row in rows {
                let (raw, server_id) = row?;
                let server_id = server_id.as_deref().map(parse_id).transpose()?;
                out.push(SearchHit { message: raw.into_message()?, server_id });
            }
        }
        out.sort_by_key(|h| std::cmp::Reverse(h.message.created_at));
        Ok(out)
    }

    /// The authors of cached messages whose names are not known yet.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn unknown_authors(&self, channel: ChannelId) -> Result<Vec<UserId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT m.author_id FROM messages m LEFT JOIN users u ON u.id = m.author_id
             WHERE m.channel_id = ?1 AND u.id IS NULL",
        )?;
        let rows = stmt.query_map([channel.to_string()], |r| r.get::<_, String>(0))?;
        rows.map(|r| r.map_err(StoreError::from).and_then(|s| parse_id(&s))).collect()
    }
}

/// [`Store::ingest`] inside a transaction the caller commits.
pub(super) fn ingest_in(tx: &rusqlite::Transaction<'_>, messages: &[Message]) -> Result<IngestReport> {
    let mut report = IngestReport::default();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO messages (id, channel_id, seq, author_id, client_id, body, reply_to, created_at,
                   edited_at, deleted, unread_by, reactions, pinned, kind, mentions_everyone, attachments)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
                 ON CONFLICT DO NOTHING RETURNING rowid",
        )?;
        let mut existing = tx.prepare_cached("SELECT rowid, body, deleted FROM messages WHERE id = ?1")?;
        let mut update = tx.prepare_cached(
            "UPDATE messages SET body = ?2, edited_at = ?3, deleted = ?4, unread_by = ?5, reactions = ?6,
                   pinned = ?7, attachments = CASE WHEN ?4 = 1 THEN '[]' WHEN ?8 = '[]' THEN attachments ELSE ?8 END
                 WHERE rowid = ?1",
        )?;
        for m in messages {
            let reactions = serde_json::to_string(&m.reactions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            // A deleted message keeps none; otherwise an update without
            // attachments (an acknowledgement built locally) keeps the
            // server's list (see the UPDATE).
            let attachments = if m.deleted {
                "[]".to_owned()
            } else {
                serde_json::to_string(&m.attachments).map_err(|e| StoreError::Corrupt(e.to_string()))?
            };
            let id = m.id.to_string();
            let rowid = insert_row(&mut insert, m, &reactions, &attachments)?;
            if rowid.is_some() {
                // New rows are indexed in the background (`index_pending`).
                report.inserted += 1;
                continue;
            }
            let Some((rowid, old_body, was_deleted)) = existing
                .query_row([&id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))
                .optional()?
            else {
                // Another message holds this (channel, seq) in the cache: the
                // server is the judge, so its copy replaces ours.
                let stale: Option<i64> = tx
                    .query_row(
                        "DELETE FROM messages WHERE channel_id = ?1 AND seq = ?2 RETURNING rowid",
                        params![m.channel_id.to_string(), m.seq as i64],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(stale) = stale {
                    unindex(tx, stale)?;
                }
                insert_row(&mut insert, m, &reactions, &attachments)?
                    .ok_or_else(|| StoreError::Corrupt(format!("message {id} could not be stored")))?;
                report.inserted += 1;
                continue;
            };
            update.execute(params![
                rowid,
                m.body,
                m.edited_at.map(Timestamp::as_millis),
                i64::from(m.deleted),
                m.unread_by,
                reactions,
                i64::from(m.pinned),
                attachments
            ])?;
            report.updated += 1;
            if old_body != m.body || (was_deleted != 0) != m.deleted {
                reindex(tx, rowid, &m.channel_id.to_string(), (!m.deleted).then_some(m.body.as_str()))?;
            }
        }
    }
    let mut channels: Vec<ChannelId> = messages.iter().map(|m| m.channel_id).collect();
    channels.sort_unstable();
    channels.dedup();
    for c in channels {
        advance_range(tx, c)?;
    }
    Ok(report)
}

/// Grows a channel's hole-free cached range `low_seq..=synced_seq` over the
/// messages now present on either side of it.
fn advance_range(tx: &rusqlite::Connection, channel: ChannelId) -> rusqlite::Result<()> {
    let id = channel.to_string();
    let (mut low, mut high): (i64, i64) = tx
        .query_row("SELECT low_seq, synced_seq FROM channels WHERE id = ?1", [&id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, 0));
    if high == 0 {
        // Nothing cached before: start at the newest cached message and grow down.
        let newest: Option<i64> =
            tx.query_row("SELECT MAX(seq) FROM messages WHERE channel_id = ?1", [&id], |r| r.get(0))?;
        let Some(newest) = newest else { return Ok(()) };
        (low, high) = (newest, newest);
    }
    {
        let mut up = tx.prepare_cached("SELECT seq FROM messages WHERE channel_id = ?1 AND seq > ?2 ORDER BY seq")?;
        let mut rows = up.query(params![id, high])?;
        while let Some(r) = rows.next()? {
            let s: i64 = r.get(0)?;
            if s != high + 1 {
                break;
            }
            high = s;
        }
    }
    {
        let mut down =
            tx.prepare_cached("SELECT seq FROM messages WHERE channel_id = ?1 AND seq < ?2 ORDER BY seq DESC")?;
        let mut rows = down.query(params![id, low])?;
        while let Some(r) = rows.next()? {
            let s: i64 = r.get(0)?;
            if s != low - 1 {
                break;
            }
            low = s;
        }
    }
    tx.execute(
        "UPDATE channels SET low_seq = ?2, synced_seq = ?3, last_seq = MAX(last_seq, ?3) WHERE id = ?1",
        params![id, low, high],
    )?;
    Ok(())
}
