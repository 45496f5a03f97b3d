//! The SQLite connection pools and the embedded migrations. SQL itself lives in each
//! domain's repository module; this module only opens, migrates and closes.

pub mod batch;
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

/// How often the WAL is checkpointed in the background: often, so each checkpoint has
/// little to copy. Its `fsync`s still slow commits to the same disk for a moment, and the
/// restart step (see `checkpoint`) holds the writer for up to 20 ms under load, which is
/// why chat turns are written behind their reply (`batch::BatchWriter::submit`); no
/// commit runs a checkpoint itself.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// Size the WAL file is truncated back to after a checkpoint lets it restart.
const WAL_SIZE_LIMIT_BYTES: &str = "67108864";

/// The database handle: a reader pool, a single-connection writer pool, and the group
/// commit queue in front of the writer for hot-path rows.
///
/// SQLite allows one writer at a time; queueing writers on one connection inside the
/// process is faster and fairer than letting them spin on `busy_timeout`.
///
/// The writer never checkpoints the WAL itself (`wal_autocheckpoint=0`): an automatic
/// checkpoint runs inside a commit and holds every writer behind its `fsync`s. A
/// background task checkpoints instead (see `checkpoint`).
#[derive(Clone, Debug)]
pub struct Database {
    /// Pool for reads.
    pub reader: SqlitePool,
    /// One connection for every write transaction.
    pub writer: SqlitePool,
    /// Group commit for hot-path rows (see `batch`).
    pub batch: batch::BatchWriter,
}

/// `BEGIN IMMEDIATE` on `pool`: takes the write lock at once.
async fn begin_immediate(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Page cache of each connection, in KiB (negative `cache_size` means KiB). SQLite's
/// default of 2 MiB per connection filled slowly as the file grew, so a server's memory
/// crept up for an hour; the operating system caches the file anyway, and a cache this
/// size holds the B-tree interior pages every query walks through.
const PAGE_CACHE_KIB: &str = "-512";

/// How long a connection waits for SQLite's locks.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// WAL size (frames of 4 KiB) above which the checkpoint also restarts the WAL.
const RESTART_AFTER_FRAMES: i64 = 4_000;
/// Longest the restart waits for readers on older snapshots (it holds the writer).
const RESTART_WAIT_MS: &str = "50";

/// Checkpoints the WAL every `CHECKPOINT_EVERY` until the pools close.
async fn checkpoint_in_background(reader: SqlitePool, writer: SqlitePool) {
    let mut ticker = tokio::time::interval(CHECKPOINT_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if reader.is_closed() || writer.is_closed() {
            return;
        }
        if let Err(error) = checkpoint(&reader, &writer).await {
            if reader.is_closed() || writer.is_closed() {
                return;
            }
            tracing::warn!(%error, "WAL checkpoint failed");
        }
    }
}

/// One checkpoint. First a passive one from a reader connection: it copies what it can
/// of the WAL into the database file without blocking anyone. That alone starves under
/// steady traffic: the WAL only starts over when a write finds no reader on an older
/// snapshot, and with reads always in flight that moment rarely comes, so the WAL grew
/// by hundreds of megabytes in a soak and every read slowed with it. So when the WAL is
/// past `RESTART_AFTER_FRAMES`, a `RESTART` checkpoint on the writer follows: it waits
/// (briefly) for older readers to finish so the next write starts the WAL over, and
/// `journal_size_limit` cuts the file back. Returns (WAL frames, frames copied) of the
/// passive step.
async fn checkpoint(reader: &SqlitePool, writer: &SqlitePool) -> Result<(i64, i64), sqlx::Error> {
    let (_busy, log, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(reader)
        .await?;
    if log >= RESTART_AFTER_FRAMES {
        let mut conn = writer.acquire().await?;
        sqlx::query(&format!("PRAGMA busy_timeout = {RESTART_WAIT_MS}"))
            .execute(&mut *conn)
            .await?;
        let restarted = sqlx::query("PRAGMA wal_checkpoint(RESTART)")
            .execute(&mut *conn)
            .await;
        sqlx::query(&format!(
            "PRAGMA busy_timeout = {}",
            BUSY_TIMEOUT.as_millis()
        ))
        .execute(&mut *conn)
        .await?;
        restarted?;
    }
    Ok((log, copied))
}

impl Database {
    /// Opens (creating the file and its folder if needed) the database at `url`.
    pub async fn connect(url: &str, max_readers: u32) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("cache_size", PAGE_CACHE_KIB);
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
            .connect_with(
                options
                    .clone()
                    .pragma("wal_autocheckpoint", "0")
                    .pragma("journal_size_limit", WAL_SIZE_LIMIT_BYTES),
            )
            .await?;
        let reader = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(max_readers)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(false))
            .await?;
        tokio::spawn(checkpoint_in_background(reader.clone(), writer.clone()));
        let batch = batch::BatchWriter::spawn(writer.clone());
        Ok(Self {
            reader,
            writer,
            batch,
        })
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.writer).await
    }

    /// Starts a write transaction that takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so a read-then-write inside it can never be interleaved with another writer.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        begin_immediate(&self.writer).await
    }

    /// The reader pool, once every write queued so far is committed. Chat turns are
    /// written behind their reply (`batch::BatchWriter::submit`); reads of transcripts and
    /// conversation figures go through here, so they always see what was just said.
    pub async fn settled_reader(&self) -> Result<&SqlitePool, sqlx::Error> {
        self.batch.settled().await?;
        Ok(&self.reader)
    }

    /// A cheap liveness probe: one read on the reader pool. It never takes the write
    /// lock, so a probe neither waits behind bookings nor holds them up; the write check
    /// is `check_writable`, run by `cleanspace check`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Checks the file accepts writes (used by `cleanspace check`).
    pub async fn check_writable(&self) -> Result<(), sqlx::Error> {
        let tx = self.begin_write().await?;
        tx.rollback().await
    }

    /// Commits queued writes, then closes both pools (the last connection to close
    /// checkpoints the WAL).
    pub async fn close(&self) {
        if let Err(error) = self.batch.flush().await {
            tracing::error!(%error, "could not flush queued writes");
        }
        self.reader.close().await;
        self.writer.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn foreign_keys_are_on_for_readers_and_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("f.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        for (name, pool) in [("reader", &db.reader), ("writer", &db.writer)] {
            let enabled: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(enabled, 1, "{name}");
        }
        // Enforced, not only reported.
        sqlx::query("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            .execute(&db.writer)
            .await
            .unwrap();
        sqlx::query("CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id))")
            .execute(&db.writer)
            .await
            .unwrap();
        let orphan = sqlx::query("INSERT INTO child (parent_id) VALUES (42)")
            .execute(&db.writer)
            .await;
        assert!(orphan.is_err(), "an orphan row is refused");
        db.close().await;
    }

    #[tokio::test]
    async fn every_connection_has_the_small_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        for (name, pool) in [("reader", &db.reader), ("writer", &db.writer)] {
            let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(cache.to_string(), PAGE_CACHE_KIB, "{name}");
        }
        db.close().await;
    }

    #[tokio::test]
    async fn ping_answers_while_a_write_transaction_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        let held = db.begin_write().await.unwrap();
        let ping = tokio::time::timeout(Duration::from_secs(2), db.ping()).await;
        assert!(matches!(ping, Ok(Ok(()))), "{ping:?}");
        held.rollback().await.unwrap();
        db.reader.close().await;
        assert!(
            db.ping().await.is_err(),
            "a lost reader pool fails the probe"
        );
        db.close().await;
    }

    #[tokio::test]
    async fn commits_never_checkpoint_and_the_background_checkpoint_copies_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        let autocheckpoint: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&db.writer)
            .await
            .unwrap();
        assert_eq!(autocheckpoint, 0);
        sqlx::query("CREATE TABLE t (n INTEGER)")
            .execute(&db.writer)
            .await
            .unwrap();
        for n in 0..50 {
            sqlx::query("INSERT INTO t (n) VALUES (?)")
                .bind(n)
                .execute(&db.writer)
                .await
                .unwrap();
        }
        // The background task may have checkpointed part of the loop already, or be
        // checkpointing right now (then this one reports busy with -1 frames): retry
        // briefly; what is in the WAL is then copied whole.
        let mut result = (0, 0);
        for _ in 0..20 {
            result = checkpoint(&db.reader, &db.writer).await.unwrap();
            if result.0 > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let (log, copied) = result;
        assert!(log > 0, "commits stay in the WAL until checkpointed");
        assert_eq!(copied, log);
        db.close().await;
    }

    #[tokio::test]
    async fn a_checkpoint_past_the_restart_threshold_restores_the_writers_busy_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER)")
            .execute(&db.writer)
            .await
            .unwrap();
        // A reader that began early pins the WAL while the writes pile up past the
        // threshold. (Starvation itself needs reads always in flight: the soak shows it.)
        let mut pinned = db.reader.begin().await.unwrap();
        sqlx::query("SELECT COUNT(*) FROM t")
            .execute(&mut *pinned)
            .await
            .unwrap();
        for n in 0..RESTART_AFTER_FRAMES + 10 {
            sqlx::query("INSERT INTO t (n) VALUES (?)")
                .bind(n)
                .execute(&db.writer)
                .await
                .unwrap();
        }
        pinned.rollback().await.unwrap();
        let (log, _) = checkpoint(&db.reader, &db.writer).await.unwrap();
        assert!(log >= RESTART_AFTER_FRAMES, "{log}");
        let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&db.writer)
            .await
            .unwrap();
        assert_eq!(timeout, 5_000);
        sqlx::query("INSERT INTO t (n) VALUES (-1)")
            .execute(&db.writer)
            .await
            .unwrap();
        let (log, _) = checkpoint(&db.reader, &db.writer).await.unwrap();
        assert!(log < 10, "the WAL started over: {log} frames");
        db.close().await;
    }
}
