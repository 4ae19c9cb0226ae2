//! # The offline cache
//!
//! One SQLite database per account (WAL, `synchronous=NORMAL` for the
//! cache and `FULL` for writes of new outbox entries, migrations in `core/migrations/` applied by `rusqlite_migration`).
//! It holds what pq needs to draw everything without a network: servers,
//! channels, members, messages with their `seq`, read state, unread counts —
//! and the outbox, the one thing the server does not have yet.
//!
//! # Sections
//!
//! - [`Store::open`]: opens and migrates; a database that is corrupt or from a
//!   newer pq is refused with [`OpenStoreError`], never wiped.
//!   [`Store::rebuild`] moves it aside and salvages its outbox.
//! - Messages: [`Store::ingest`] upserts pages from the server and keeps the
//!   full-text index ([`search`]) in step; `low_seq..=synced_seq` per channel
//!   tracks which part of history is cached without holes.
//! - Outbox ([`outbox`]): a message is written here before it is sent and
//!   leaves it in the same transaction that stores the server's copy, so at
//!   no moment is a message the person saw in neither place.
//!
//! The store is synchronous and owned by the engine's task; every call is
//! short (indexed reads, batched writes).

mod dms;
mod messages;
pub mod outbox;
pub mod search;
mod state;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use serde::{Serialize, de::DeserializeOwned};

pub use dms::{CachedDm, SyncState};
pub use messages::{IngestReport, SearchHit};
pub use outbox::{OutboxEntry, OutboxFile, OutboxState};
pub use state::{CachedChannel, CachedServer, NotifyLevel};

/// The migrations, in order. Never edit a released one; add the next.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../migrations/001_init.sql")),
    M::up(include_str!("../../migrations/002_custom_status.sql")),
    M::up(include_str!("../../migrations/003_direct_messages.sql")).foreign_key_check(),
    M::up(include_str!("../../migrations/004_server_notifications.sql")),
    M::up(include_str!("../../migrations/005_roles.sql")),
    M::up(include_str!("../../migrations/006_private_channels.sql")),
    M::up(include_str!("../../migrations/007_pins.sql")),
    M::up(include_str!("../../migrations/008_topics.sql")),
    M::up(include_str!("../../migrations/009_mention_everyone.sql")),
    M::up(include_str!("../../migrations/010_attachments.sql")),
];

/// Why the cache cannot be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenStoreError {
    /// The file is not a database pq can read (damaged, or not SQLite).
    /// Offer [`Store::rebuild`]: it moves the file aside and keeps the outbox.
    #[error("the offline cache at {path} is damaged ({reason}); it can be rebuilt from the server")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// The file was written by a newer pq. Update pq, or rebuild the cache.
    #[error("the offline cache at {path} is from a newer version of pq (schema {found}, this pq knows {supported})")]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: usize,
        /// The newest this build knows.
        supported: usize,
    },
    /// The damaged file could not be moved aside for a rebuild.
    #[error("cannot move the damaged offline cache {path} aside: {source}")]
    MoveAside {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file or its directory cannot be created or made private.
    #[error("cannot create the offline cache at {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file cannot be opened at all (permissions, disk).
    #[error("cannot open the offline cache at {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
}

/// A failure while using the cache.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed (disk full, I/O error, …).
    #[error("offline cache error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value could not be read back.
    #[error("offline cache holds an unreadable value: {0}")]
    Corrupt(String),
}

/// Result of a store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The cache. Not `Sync`: one owner (the engine task).
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

/// What [`Store::rebuild`] did.
#[derive(Debug)]
pub struct RebuildReport {
    /// Where the old file went.
    pub moved_to: PathBuf,
    /// Outbox entries carried into the new cache.
    pub salvaged_outbox: usize,
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt))
}

/// Whether a message's `body` names the person called `name`: `@name` in
/// any case. With the server's `mentions_everyone` flag (`@everyone` or
/// `@here` by someone who may), the one rule for mention counts,
/// highlights and notifications.
#[must_use]
pub fn mentions(body: &str, name: &str) -> bool {
    !name.is_empty() && body.to_lowercase().contains(&format!("@{}", name.to_lowercase()))
}

/// Creates `path`'s directory (owner-only when it creates it) and the file
/// itself with owner-only permissions, or narrows an existing file's.
fn make_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for file in
            [path.to_owned(), path.with_file_name(format!("{name}-wal")), path.with_file_name(format!("{name}-shm"))]
        {
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) and migrates the cache at `path`.
    ///
    /// # Errors
    /// [`OpenStoreError::Corrupt`] and [`OpenStoreError::TooNew`] leave the
    /// file untouched.
    pub fn open(path: &Path) -> Result<Self, OpenStoreError> {
        let io = |source| OpenStoreError::Io { path: path.to_owned(), source };
        // The cache holds people's messages: owner-only directory and files
        // (SQLite gives `-wal`/`-shm` the database file's permissions).
        make_private(path).map_err(|source| OpenStoreError::File { path: path.to_owned(), source })?;
        let corrupt = |e: &rusqlite::Error| OpenStoreError::Corrupt { path: path.to_owned(), reason: e.to_string() };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(io)?;
        // The first read of the header tells a damaged file apart.
        if let Err(e) = conn.query_row("PRAGMA schema_version", [], |r| r.get::<_, i64>(0)) {
            return Err(if is_corruption(&e) { corrupt(&e) } else { io(e) });
        }
        let mut store = Self { conn, path: Some(path.to_owned()) };
        store.configure().map_err(|e| if is_corruption(&e) { corrupt(&e) } else { io(e) })?;
        store.migrate(path)?;
        Ok(store)
    }

    /// A cache in memory (tests, benchmarks).
    ///
    /// # Errors
    /// Only if SQLite itself fails.
    pub fn open_in_memory() -> Result<Self, OpenStoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| OpenStoreError::Io { path: path.clone(), source })?;
        let mut store = Self { conn, path: None };
        store.configure().map_err(|source| OpenStoreError::Io { path: path.clone(), source })?;
        store.migrate(&path)?;
        Ok(store)
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        // A cache: the server has everything but the outbox, and the outbox is
        // written before a message is shown as pending. NORMAL in WAL mode
        // loses nothing on an app crash (only, at worst, the last commits on
        // power loss).
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn.pragma_update(None, "temp_store", "MEMORY")?;
        self.conn.busy_timeout(std::time::Duration::from_secs(5))?;
        self.conn.set_prepared_statement_cache_capacity(64);
        // The one mention rule, for queries too.
        self.conn.create_scalar_function(
            "pq_mentions",
            2,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8 | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| Ok(mentions(&ctx.get::<String>(0)?, &ctx.get::<String>(1)?)),
        )?;
        Ok(())
    }

    fn migrate(&mut self, path: &Path) -> Result<(), OpenStoreError> {
        let migrations = Migrations::from_slice(MIGRATIONS);
        let found: usize =
            self.conn
                .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
                .map_err(|source| OpenStoreError::Io { path: path.to_owned(), source })? as usize;
        if found > MIGRATIONS.len() {
            return Err(OpenStoreError::TooNew { path: path.to_owned(), found, supported: MIGRATIONS.len() });
        }
        // Foreign keys off while migrating: a table rebuilt the documented
        // way (migration 3) must not cascade its drop to the rows that refer
        // to it. Each migration checks them before it commits.
        let fk = |conn: &Connection, on: &str| {
            conn.pragma_update(None, "foreign_keys", on)
                .map_err(|source| OpenStoreError::Io { path: path.to_owned(), source })
        };
        fk(&self.conn, "OFF")?;
        let migrated = migrations.to_latest(&mut self.conn);
        fk(&self.conn, "ON")?;
        migrated.map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err, .. } if is_corruption(&err) => {
                OpenStoreError::Corrupt { path: path.to_owned(), reason: err.to_string() }
            }
            other => OpenStoreError::Corrupt { path: path.to_owned(), reason: other.to_string() },
        })
    }

    /// Moves a cache that cannot be opened aside (`<name>.broken-<time>`),
    /// creates a fresh one, and carries over whatever of the old outbox can
    /// still be read. Everything else comes back from the server.
    ///
    /// # Errors
    /// When the new cache cannot be created.
    pub fn rebuild(path: &Path) -> Result<(Self, RebuildReport), OpenStoreError> {
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let moved_to = path.with_extension(format!("broken-{stamp}"));
        let salvage = outbox::salvage(path);
        std::fs::rename(path, &moved_to)
            .map_err(|source| OpenStoreError::MoveAside { path: path.to_owned(), source })?;
        for ext in ["sqlite3-wal", "sqlite3-shm"] {
            let _ = std::fs::remove_file(path.with_extension(ext));
        }
        let mut store = Self::open(path)?;
        let salvaged_outbox = salvage.len();
        for entry in salvage {
            store
                .outbox_restore(&entry)
                .map_err(|e| OpenStoreError::Corrupt { path: path.to_owned(), reason: e.to_string() })?;
        }
        tracing::warn!(moved_to = %moved_to.display(), salvaged_outbox, "offline cache rebuilt");
        Ok((store, RebuildReport { moved_to, salvaged_outbox }))
    }

    /// The file behind this cache (`None` in memory).
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `read` on one snapshot of the cache: what it reads is
    /// consistent even while another connection writes (a message leaving
    /// the outbox for the timeline is in exactly one of them).
    ///
    /// # Errors
    /// SQLite failure, or `read`'s.
    pub fn snapshot<T>(&self, read: impl FnOnce(&Self) -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN DEFERRED")?;
        let out = read(self);
        // A read transaction: ending it cannot lose anything.
        let _ = self.conn.execute_batch("COMMIT");
        out
    }

    /// A stored value.
    ///
    /// # Errors
    /// SQLite failure, or a value that no longer parses.
    pub fn meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let raw: Option<String> =
            self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?;
        raw.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("meta {key}: {e}")))).transpose()
    }

    /// Stores a value.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn set_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let json = serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, json],
        )?;
        Ok(())
    }

    /// Removes a stored value.
    ///
    /// # Errors
    /// SQLite failure.
    pub fn delete_meta(&self, key: &str) -> Result<()> {
        self.conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }
}

/// Parses an id read back from the cache.
fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("bad id {s:?}")))
}

#[cfg(test)]
mod tests;
