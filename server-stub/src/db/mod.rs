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

/// Makes `path` a file only its owner can read and write, creating it empty
/// if needed, before SQLite opens it: SQLite gives the `-wal` and `-shm`
/// files the database file's permissions. (No-op off Unix.)
///
/// # Errors
/// The file cannot be created or its permissions changed.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
        for file in [path.to_owned(), path.with_extension("sqlite3-wal"), path.with_extension("sqlite3-shm")] {
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn options(path: &Path) -> Result<SqliteConnectOptions, OpenDbError> {
    make_private(path)
        .map_err(|e| OpenDbError::Open { path: path.display().to_string(), source: sqlx::Error::Io(e) })?;
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
    // Foreign keys off while migrating: a table rebuilt the documented way
    // (migration 8) must not cascade its drop to the rows that refer to it.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options(&path)?.foreign_keys(false))
        .await
        .map_err(open_err)?;
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
                // By name: later migrations add columns the old file lacks.
                let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT name FROM pragma_table_info('{t}', 'old')"
                )))
                .fetch_all(&mut *tx)
                .await?;
                let cols = cols.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO main.{t} ({cols}) SELECT {cols} FROM old.{t}")))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A data directory from before the provider had its own file: its
    /// accounts (and everything else of it) move to `idp.sqlite3` once.
    #[tokio::test]
    async fn an_older_data_directory_keeps_its_development_accounts() {
        let dir = tempfile::tempdir().unwrap();
        migrate_chat(dir.path()).await.unwrap();
        {
            // What the older pq-server had applied as migration 2.
            let old = SqlitePoolOptions::new().connect_with(options(&dir.path().join(CHAT_DB)).unwrap()).await.unwrap();
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES (2, 'idp', 1, x'00', 0)",
            )
            .execute(&old)
            .await
            .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(include_str!("../../migrations-idp/0001_idp.sql")))
                .execute(&old)
                .await
                .unwrap();
            sqlx::query(
                "INSERT INTO idp_accounts (id, email, name, email_verified, created_at, updated_at)
                 VALUES ('a1', 'ana@example.com', 'Ana', 1, 1, 1)",
            )
            .execute(&old)
            .await
            .unwrap();
            sqlx::query("INSERT INTO idp_keys (kid, private_pem, created_at) VALUES ('k1', 'PEM', 1)")
                .execute(&old)
                .await
                .unwrap();
            old.close().await;
        }
        migrate_chat(dir.path()).await.expect("the chat database migrates past the moved migration");
        let idp = Db::open_idp(dir.path()).await.unwrap();
        let email: String = sqlx::query_scalar("SELECT email FROM idp_accounts WHERE id = 'a1'")
            .fetch_one(&idp.read)
            .await
            .expect("the account came over");
        assert_eq!(email, "ana@example.com");
        let kid: String = sqlx::query_scalar("SELECT kid FROM idp_keys").fetch_one(&idp.read).await.unwrap();
        assert_eq!(kid, "k1", "and the signing key, so tokens issued before stay valid");
        idp.close().await;
        // Opening again copies nothing twice.
        let idp = Db::open_idp(dir.path()).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM idp_accounts").fetch_one(&idp.read).await.unwrap();
        assert_eq!(n, 1);
        idp.close().await;
    }

    /// Migration 8 rebuilds `channels` (server_id may be NULL now): a
    /// database from before keeps its channels, messages, reactions and read
    /// markers, and the rebuilt table still cascades a server's deletion.
    #[tokio::test]
    async fn direct_messages_migration_keeps_every_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CHAT_DB);
        {
            let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options(&path).unwrap()).await.unwrap();
            let mut before = sqlx::migrate!("./migrations");
            before.migrations = before.migrations.iter().filter(|m| m.version < 8).cloned().collect();
            before.run(&pool).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(
                "INSERT INTO users (id, issuer, subject, display_name, created_at) VALUES ('u1', 'i', 's', 'Ana', 1);
                 INSERT INTO servers (id, name, owner_id, created_at) VALUES ('s1', 'Club', 'u1', 1);
                 INSERT INTO members (server_id, user_id, role, joined_at) VALUES ('s1', 'u1', 'owner', 1);
                 INSERT INTO channels (id, server_id, kind, name, parent_id, position, last_seq, created_at)
                     VALUES ('cat', 's1', 'category', 'Text', NULL, 0, 0, 1),
                            ('c1', 's1', 'text', 'general', 'cat', 0, 1, 1);
                 INSERT INTO messages (id, channel_id, seq, author_id, client_id, body, created_at)
                     VALUES ('m1', 'c1', 1, 'u1', 'k1', 'kept', 2);
                 INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES ('m1', 'u1', 'x', 3);
                 INSERT INTO read_markers (channel_id, user_id, seq) VALUES ('c1', 'u1', 1);",
            ))
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        }
        migrate_chat(dir.path()).await.unwrap();
        let pool = SqlitePoolOptions::new().connect_with(options(&path).unwrap()).await.unwrap();
        let count = |sql: &'static str| {
            let pool = pool.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
        };
        assert_eq!(count("SELECT COUNT(*) FROM messages WHERE body = 'kept'").await, 1);
        assert_eq!(count("SELECT COUNT(*) FROM reactions").await, 1);
        assert_eq!(count("SELECT COUNT(*) FROM read_markers").await, 1);
        assert_eq!(
            count("SELECT COUNT(*) FROM channels WHERE id = 'c1' AND parent_id = 'cat' AND last_seq = 1").await,
            1
        );
        let problems: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check").fetch_all(&pool).await.unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        // The rebuilt table's references hold: deleting the server removes it all.
        sqlx::query("DELETE FROM servers WHERE id = 's1'").execute(&pool).await.unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM messages").await, 0);
        assert_eq!(count("SELECT COUNT(*) FROM channels").await, 0);
    }

    /// Migration 11 turns the fixed roles into roles with permissions: every
    /// server gets `@everyone`, a server with admins an `Admin` role
    /// (administrator) that exactly its admins hold, and the directory built
    /// from it gives them every permission.
    #[tokio::test]
    async fn roles_migration_keeps_admins_admins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CHAT_DB);
        let (s1, s2) = (pq_protocol::ServerId::new(), pq_protocol::ServerId::new());
        let (ana, bo, cy) = (pq_protocol::UserId::new(), pq_protocol::UserId::new(), pq_protocol::UserId::new());
        {
            let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options(&path).unwrap()).await.unwrap();
            let mut before = sqlx::migrate!("./migrations");
            before.migrations = before.migrations.iter().filter(|m| m.version < 11).cloned().collect();
            before.run(&pool).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "INSERT INTO users (id, issuer, subject, display_name, created_at)
                     VALUES ('{ana}', 'i', 'a', 'Ana', 1), ('{bo}', 'i', 'b', 'Bo', 1), ('{cy}', 'i', 'c', 'Cy', 1);
                 INSERT INTO servers (id, name, owner_id, created_at) VALUES ('{s1}', 'Club', '{ana}', 1),
                     ('{s2}', 'Quiet', '{ana}', 1);
                 INSERT INTO members (server_id, user_id, role, joined_at) VALUES ('{s1}', '{ana}', 'owner', 1),
                     ('{s1}', '{bo}', 'admin', 2), ('{s1}', '{cy}', 'member', 3), ('{s2}', '{ana}', 'owner', 1);"
            )))
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        }
        migrate_chat(dir.path()).await.unwrap();
        let store = crate::chat::store::SqliteStore::open(&path).unwrap();
        use crate::chat::store::Store as _;
        let names = |s| store.roles(s).unwrap().into_iter().map(|r| (r.name, r.position)).collect::<Vec<_>>();
        assert_eq!(names(s1), [("@everyone".to_owned(), 0), ("Admin".to_owned(), 1)]);
        assert_eq!(names(s2), [("@everyone".to_owned(), 0)], "no admins, no Admin role");
        let dir = store.load_directory().unwrap();
        use pq_protocol::models::Permission;
        let may = |u, p| dir.standing(s1, u).unwrap().may(p);
        assert!(may(bo, Permission::BanMembers), "Bo was an admin and still is");
        assert!(!may(cy, Permission::KickMembers), "Cy was a member and still is");
        assert!(may(cy, Permission::SendMessages));
        assert!(dir.standing(s1, ana).unwrap().owner);
        assert!(dir.standing(s1, bo).unwrap().outranks(&dir.standing(s1, cy).unwrap()));
    }
}
