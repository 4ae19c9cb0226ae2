//! The databases: one SQLite file each, WAL, migrations applied at start.
//!
//! - `pq.sqlite3`, the chat database: migrated here (`server-stub/migrations/`),
//!   then used only through the domain layer's store
//!   ([`crate::chat::store`]): one writer thread, a pool of readers.
//! - `idp.sqlite3`, the development sign-in provider's accounts, codes and
//!   tokens (`server-stub/migrations-idp/`), through sqlx ([`Db`]). The
//!   provider stands in for an external service, so it has its own file and
//!   its writes never wait for (or hold up) the chat writer.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// The chat database's file name in the data directory.
pub const CHAT_DB: &str = "pq.sqlite3";
/// The development provider's database file name.
pub const IDP_DB: &str = "idp.sqlite3";

/// Handle to the development provider's database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    /// Readers.
    pub read: SqlitePool,
    /// The one writer.
    pub write: SqlitePool,
}

/// Why a database cannot be opened.
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
    /// The chat store cannot open it.
    #[error("cannot open the chat database: {0}")]
    Store(#[from] crate::chat::store::StoreError),
}

fn options(path: &Path) -> Result<SqliteConnectOptions, OpenDbError> {
    let open_err = |source| OpenDbError::Open { path: path.display().to_string(), source };
    Ok(SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .map_err(open_err)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // Acknowledged means durable: the WAL is synced at every commit.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10)))
}

/// Creates (if needed) and migrates the chat database in `dir`; returns its path.
///
/// # Errors
/// See [`OpenDbError`].
pub async fn migrate_chat(dir: &Path) -> Result<PathBuf, OpenDbError> {
    let path = dir.join(CHAT_DB);
    let open_err = |source| OpenDbError::Open { path: path.display().to_string(), source };
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options(&path)?).await.map_err(open_err)?;
    let mut migrator = sqlx::migrate!("./migrations");
    // Migration 2 (the development provider's tables) moved to idp.sqlite3.
    migrator.set_ignore_missing(true);
    migrator.run(&pool).await?;
    pool.close().await;
    Ok(path)
}

impl Db {
    /// Opens (creating if needed) the development provider's database in
    /// `dir` and migrates it. A new one takes over the provider's tables of an
    /// older `pq.sqlite3`, if there are any.
    ///
    /// # Errors
    /// See [`OpenDbError`].
    pub async fn open_idp(dir: &Path) -> Result<Self, OpenDbError> {
        let path = dir.join(IDP_DB);
        let fresh = !path.exists();
        let open_err = |source| OpenDbError::Open { path: path.display().to_string(), source };
        let opts = options(&path)?;
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .map_err(open_err)?;
        sqlx::migrate!("./migrations-idp").run(&write).await?;
        if fresh {
            carry_over(&write, &dir.join(CHAT_DB)).await.map_err(open_err)?;
        }
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await
            .map_err(open_err)?;
        Ok(Self { read, write })
    }

    /// Closes both pools (at shutdown, after the last request).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// The provider's tables, in the order their foreign keys need.
const IDP_TABLES: [&str; 8] = [
    "idp_keys",
    "idp_accounts",
    "idp_identities",
    "idp_email_codes",
    "idp_auth_requests",
    "idp_auth_codes",
    "idp_refresh_tokens",
    "idp_sessions",
];

/// Copies the provider's rows from an older chat database that held them.
async fn carry_over(pool: &SqlitePool, old: &Path) -> Result<(), sqlx::Error> {
    if !old.exists() {
        return Ok(());
    }
    let mut conn = pool.acquire().await?;
    sqlx::query("ATTACH DATABASE ? AS old").bind(old.display().to_string()).execute(&mut *conn).await?;
    let result = async {
        let had: Option<String> =
            sqlx::query_scalar("SELECT name FROM old.sqlite_master WHERE type = 'table' AND name = 'idp_accounts'")
                .fetch_optional(&mut *conn)
                .await?;
        if had.is_some() {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            for t in IDP_TABLES {
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO main.{t} SELECT * FROM old.{t}")))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            tracing::info!("the development provider's accounts moved to {IDP_DB}");
        }
        Ok::<_, sqlx::Error>(())
    }
    .await;
    sqlx::query("DETACH DATABASE old").execute(&mut *conn).await?;
    result
}
