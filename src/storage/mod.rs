//! The SQLite connection pools and the embedded migrations. SQL itself lives in each
//! domain's repository module; this module only opens, migrates and closes.

pub mod files;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

/// Formats an instant the way every table stores it: `YYYY-MM-DDTHH:MM:SSZ`, UTC, so
/// stored times sort and compare as text.
pub fn db_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Migrations compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database handle: a reader pool and a single-connection writer pool.
///
/// SQLite allows one writer at a time; queueing writers on one connection inside the
/// process is faster and fairer than letting them spin on `busy_timeout`.
#[derive(Clone, Debug)]
pub struct Database {
    /// Pool for reads.
    pub reader: SqlitePool,
    /// One connection for every write transaction.
    pub writer: SqlitePool,
}

impl Database {
    /// Opens (creating the file and its folder if needed) the database at `url`.
    pub async fn connect(url: &str, max_readers: u32) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(parent) = options.get_filename().parent() {
            if parent != Path::new("") && !parent.exists() {
                std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
            }
        }
        // No ping on every checkout: each one is a round trip to the connection's thread,
        // and a broken SQLite file fails the query itself just as clearly.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await?;
        let reader = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(max_readers)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(false))
            .await?;
        Ok(Self { reader, writer })
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.writer).await
    }

    /// Starts a write transaction that takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so a read-then-write inside it can never be interleaved with another writer.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }

    /// A cheap liveness probe: a read and a write-lock acquisition.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Checks the file accepts writes (used by `cleanspace check`).
    pub async fn check_writable(&self) -> Result<(), sqlx::Error> {
        let tx = self.begin_write().await?;
        tx.rollback().await
    }

    /// Closes both pools, checkpointing the WAL.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}
