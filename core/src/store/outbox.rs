//! The outbox: messages written but not yet acknowledged by the server.
//!
//! `send` writes an entry here first (the UI shows it at once as pending),
//! then the engine delivers it with its client id until the server answers.
//! The server stores a message once per client id, so delivering again after
//! a drop or a restart is harmless. The acknowledgement removes the entry in
//! the same transaction that caches the server's copy. An entry the server
//! refuses for good (too long for the plan, no longer a member) becomes
//! `failed` with the reason, and can be edited and retried or discarded.

use std::path::Path;

use pq_protocol::{
    ChannelId, ClientMessageId, MessageId, Timestamp,
    models::{Attachment, Message},
};
use rusqlite::{OpenFlags, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::{Result, Store, StoreError, parse_id};

/// Where an outbox entry stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be delivered (or delivered and not yet acknowledged).
    Pending,
    /// Refused for good; `reason` says why.
    Failed {
        /// The server's explanation.
        reason: String,
    },
}

/// A message not yet acknowledged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxEntry {
    /// The id the server will know it by.
    pub client_id: ClientMessageId,
    /// Where it goes.
    pub channel_id: ChannelId,
    /// Text.
    pub body: String,
    /// The message it replies to.
    pub reply_to: Option<MessageId>,
    /// When it was written.
    pub created_at: Timestamp,
    /// Pending or failed.
    pub state: OutboxState,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Files to upload before the message goes (their bytes under the
    /// account's files directory, `outbox/CLIENT_ID/N`).
    pub files: Vec<OutboxFile>,
}

/// A file of an unsent message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxFile {
    /// Its name, as the person's system called it.
    pub name: String,
    /// Bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// What the server made of it, once uploaded (never uploaded twice).
    pub uploaded: Option<Attachment>,
}

impl OutboxEntry {
    /// Whether every file is on the server (the message can go).
    #[must_use]
    pub fn uploaded(&self) -> bool {
        self.files.iter().all(|f| f.uploaded.is_some())
    }

    /// The uploads, in order, once all are done.
    #[must_use]
    pub fn attachments(&self) -> Vec<Attachment> {
        self.files.iter().filter_map(|f| f.uploaded.clone()).collect()
    }
}

const COLS: &str = "client_id, channel_id, body, reply_to, created_at, state, error, attempts, files";

/// An outbox row as stored, in [`COLS`] order.
type Raw = (String, String, String, Option<String>, i64, String, Option<String>, i64, String);

fn read(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
}

fn entry(raw: Raw) -> Result<OutboxEntry> {
    let (client_id, channel_id, body, reply_to, created_at, state, error, attempts, files) = raw;
    Ok(OutboxEntry {
        client_id: parse_id(&client_id)?,
        channel_id: parse_id(&channel_id)?,
        body,
        reply_to: reply_to.as_deref().map(parse_id).transpose()?,
        created_at: Timestamp::from_millis(created_at),
        state: if state == "failed" {
            OutboxState::Failed { reason: error.unwrap_or_default() }
        } else {
            OutboxState::Pending
        },
        attempts: attempts as u32,
        files: serde_json::from_str(&files).map_err(|e| StoreError::Corrupt(format!("outbox files: {e}")))?,
    })
}

/// Reads whatever outbox entries a damaged cache still yields (for
/// [`Store::rebuild`]). Never fails: what cannot be read is not salvaged.
pub(super) fn salvage(path: &Path) -> Vec<OutboxEntry> {
    let Ok(conn) = rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return vec![];
    };
    let Ok(mut stmt) = conn.prepare(&format!("SELECT {COLS} FROM outbox ORDER BY rowid")) else { return vec![] };
    let Ok(rows) = stmt.query_map([], read) else { return vec![] };
    rows.filter_map(|r| r.ok().and_then(|raw| entry(raw).ok())).collect()
}

impl Store {
    /// Writes a new message to the outbox, pending.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_push(
        &mut self,
        channel_id: ChannelId,
        body: &str,
        reply_to: Option<MessageId>,
        files: Vec<OutboxFile>,
    ) -> Result<OutboxEntry> {
        self.outbox_push_as(ClientMessageId::new(), channel_id, body, reply_to, files)
    }

    /// [`Store::outbox_push`] under a client id chosen beforehand (its
    /// files were put in place under it first).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_push_as(
        &mut self,
        client_id: ClientMessageId,
        channel_id: ChannelId,
        body: &str,
        reply_to: Option<MessageId>,
        files: Vec<OutboxFile>,
    ) -> Result<OutboxEntry> {
        let e = OutboxEntry {
            client_id,
            channel_id,
            body: body.to_owned(),
            reply_to,
            created_at: Timestamp::now(),
            state: OutboxState::Pending,
            attempts: 0,
            files,
        };
        self.durably(|s| s.outbox_restore(&e))?;
        Ok(e)
    }

    /// Runs `write` with `synchronous=FULL`: the outbox holds what the
    /// server does not have yet, and a message shown as pending must survive
    /// a power loss, not only an app crash (the rest of the cache is
    /// NORMAL: the server has it).
    fn durably<T>(&mut self, write: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let result = write(self);
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        result
    }

    /// Puts an entry back as it was (rebuild, tests).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_restore(&mut self, e: &OutboxEntry) -> Result<()> {
        let (state, error) = match &e.state {
            OutboxState::Pending => ("pending", None),
            OutboxState::Failed { reason } => ("failed", Some(reason.as_str())),
        };
        let files = serde_json::to_string(&e.files).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO outbox (client_id, channel_id, body, reply_to, created_at, state, error, attempts, files)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (client_id) DO NOTHING",
            params![
                e.client_id.to_string(),
                e.channel_id.to_string(),
                e.body,
                e.reply_to.map(|r| r.to_string()),
                e.created_at.as_millis(),
                state,
                error,
                e.attempts,
                files
            ],
        )?;
        Ok(())
    }

    /// Every entry, in the order written.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {COLS} FROM outbox ORDER BY rowid"))?;
        let rows = stmt.query_map([], read)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(entry)).collect()
    }

    /// Entries written after the one at position `after` (0: all), with
    /// their positions, in the order written.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_since(&self, after: i64) -> Result<Vec<(i64, OutboxEntry)>> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT rowid, {COLS} FROM outbox WHERE rowid > ?1 ORDER BY rowid"))?;
        let rows = stmt.query_map([after], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?),
            ))
        })?;
        rows.map(|r| r.map_err(StoreError::from).and_then(|(pos, raw)| Ok((pos, entry(raw)?)))).collect()
    }

    /// The entries of one channel, in the order written.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_for(&self, channel: ChannelId) -> Result<Vec<OutboxEntry>> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {COLS} FROM outbox WHERE channel_id = ?1 ORDER BY rowid"))?;
        let rows = stmt.query_map([channel.to_string()], read)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(entry)).collect()
    }

    /// One entry.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_entry(&self, client_id: ClientMessageId) -> Result<Option<OutboxEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {COLS} FROM outbox WHERE client_id = ?1"))?;
        stmt.query_row([client_id.to_string()], read).optional()?.map(entry).transpose()
    }

    /// A file of an entry is on the server: kept durably, so it is never
    /// uploaded again. Returns the entry as it now is.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_uploaded(
        &mut self,
        client_id: ClientMessageId,
        index: usize,
        file: &Attachment,
    ) -> Result<Option<OutboxEntry>> {
        let Some(mut e) = self.outbox_entry(client_id)? else { return Ok(None) };
        let Some(slot) = e.files.get_mut(index) else { return Ok(Some(e)) };
        slot.uploaded = Some(file.clone());
        let files = serde_json::to_string(&e.files).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.durably(|s| {
            s.conn
                .execute("UPDATE outbox SET files = ?2 WHERE client_id = ?1", params![client_id.to_string(), files])?;
            Ok(())
        })?;
        Ok(Some(e))
    }

    /// Counts a delivery attempt.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_attempted(&mut self, client_id: ClientMessageId) -> Result<()> {
        self.conn.execute("UPDATE outbox SET attempts = attempts + 1 WHERE client_id = ?1", [client_id.to_string()])?;
        Ok(())
    }

    /// The server stored it: the entry leaves the outbox and the server's
    /// copy enters the cache, in one transaction. Returns the entry, if it
    /// was still there.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_ack(&mut self, message: &Message) -> Result<Option<OutboxEntry>> {
        let e = self.outbox_entry(message.client_id)?;
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM outbox WHERE client_id = ?1", [message.client_id.to_string()])?;
        super::messages::ingest_in(&tx, std::slice::from_ref(message))?;
        tx.commit()?;
        Ok(e)
    }

    /// The server refused it for good.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_fail(&mut self, client_id: ClientMessageId, reason: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = 'failed', error = ?2 WHERE client_id = ?1",
            params![client_id.to_string(), reason],
        )?;
        Ok(())
    }

    /// A failed entry, edited (or not), goes back to pending. It keeps its
    /// client id: the server stores nothing it refuses, so the id is free.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_retry(&mut self, client_id: ClientMessageId, body: Option<&str>) -> Result<Option<OutboxEntry>> {
        self.durably(|s| {
            s.conn.execute(
                "UPDATE outbox SET body = COALESCE(?2, body), state = 'pending', error = NULL, attempts = 0
                 WHERE client_id = ?1",
                params![client_id.to_string(), body],
            )?;
            Ok(())
        })?;
        self.outbox_entry(client_id)
    }

    /// Discards an entry (a failed message the person deleted).
    ///
    /// # Errors
    /// SQLite failure.
    pub fn outbox_remove(&mut self, client_id: ClientMessageId) -> Result<bool> {
        Ok(self.conn.execute("DELETE FROM outbox WHERE client_id = ?1", [client_id.to_string()])? > 0)
    }
}
