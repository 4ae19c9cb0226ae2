//! The database: SQLite through sqlx, WAL, migrations in `server-stub/migrations/`.
//!
//! Two pools over one file: a single writer connection (SQLite allows one
//! writer; one connection makes write order = commit order, which the gateway
//! relies on to dispatch events in the order they were stored) and a few
//! readers (WAL lets them run beside the writer).

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    Sqlite, SqlitePool,
    pool::PoolConnection,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// Handle to the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    /// Readers.
    pub read: SqlitePool,
    /// The one writer.
    pub write: SqlitePool,
}

/// The writer connection, held for the duration of a write and of the
/// dispatch that follows it.
pub type WriteConn = PoolConnection<Sqlite>;

/// Why the database cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenDbError {
    /// SQLite refused to open or configure the file.
    #[error("cannot open the database {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// A migration failed.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    /// Opens (creating if needed) `pq.sqlite3` in `dir` and migrates it.
    ///
    /// # Errors
    /// See [`OpenDbError`].
    pub async fn open(dir: &Path) -> Result<Self, OpenDbError> {
        let path = dir.join("pq.sqlite3");
        let open_err = |source| OpenDbError::Open { path: path.display().to_string(), source };
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(open_err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Acknowledged means durable: the WAL is synced at every commit.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .map_err(open_err)?;
        sqlx::migrate!("./migrations").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await
            .map_err(open_err)?;
        Ok(Self { read, write })
    }

    /// The writer connection. Hold it through commit *and* dispatch so events
    /// go out in commit order.
    ///
    /// # Errors
    /// When the pool is closed or times out.
    pub async fn writer(&self) -> Result<WriteConn, sqlx::Error> {
        self.write.acquire().await
    }

    /// Closes both pools (at shutdown, after the last request).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
