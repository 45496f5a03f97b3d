//! Group commit for hot-path rows (chat turns, conversation starts, LLM spend).
//!
//! Each such write is small, and on SQLite its cost is the hand-offs to the connection's
//! thread (`BEGIN`, each statement, `COMMIT`), not the SQL. Callers hand their write to
//! one background task and wait for it; the task takes whatever has queued up (up to
//! `MAX_BATCH`) and runs it in one transaction. Callers still see their row written
//! before they answer (read-after-write holds), and a write that fails does not take its
//! neighbours with it: the batch is rolled back and each write retried on its own.
//!
//! The queue is bounded, so a stalled disk slows callers down instead of growing memory.
//! A queued write is committed even if its caller has gone (a dropped request): it was
//! handed over whole. Every queued write has a caller or a finished request behind it,
//! and the task keeps running while the runtime does, so graceful shutdown (which waits
//! for in-flight requests) leaves nothing unwritten; `flush` waits for everything queued
//! so far. A batch runs in a task of its own, so a panic fails that batch's callers and
//! the writer carries on.

use std::future::Future;
use std::pin::Pin;

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::begin_immediate;

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;
/// Writes that may wait in the queue.
const QUEUE: usize = 4_096;

/// A write's future, borrowing the job and the connection.
pub type WriteFuture<'c> = Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

/// One write that can share a transaction with others. It must be safe to run twice
/// (once in a batch that was rolled back, once alone): plain inserts and updates are.
pub trait BatchWrite: Send + Sync + 'static {
    /// Runs the write's statements on `conn`, inside a transaction the writer owns.
    fn write<'c>(&'c self, conn: &'c mut SqliteConnection) -> WriteFuture<'c>;
}

struct Pending {
    job: Box<dyn BatchWrite>,
    done: oneshot::Sender<Result<(), sqlx::Error>>,
}

/// The handle callers write through; cheap to clone.
#[derive(Clone, Debug)]
pub struct BatchWriter {
    queue: mpsc::Sender<Pending>,
}

impl BatchWriter {
    /// Starts the writer task over the writer pool.
    pub(super) fn spawn(writer: SqlitePool) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, receiver));
        Self { queue }
    }

    /// Queues `job` and waits until it is committed.
    pub async fn write(&self, job: impl BatchWrite) -> Result<(), sqlx::Error> {
        let (done, committed) = oneshot::channel();
        let pending = Pending {
            job: Box::new(job),
            done,
        };
        self.queue
            .send(pending)
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        committed.await.map_err(|_| sqlx::Error::WorkerCrashed)?
    }

    /// Waits until every write queued before this call is committed.
    pub async fn flush(&self) -> Result<(), sqlx::Error> {
        self.write(Nothing).await
    }
}

/// The empty write `flush` queues behind the others.
struct Nothing;

impl BatchWrite for Nothing {
    fn write<'c>(&'c self, _conn: &'c mut SqliteConnection) -> WriteFuture<'c> {
        Box::pin(async { Ok(()) })
    }
}

async fn run(writer: SqlitePool, mut receiver: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let writes = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        if tokio::spawn(commit_batch(writer.clone(), writes))
            .await
            .is_err()
        {
            tracing::error!("a batch of writes panicked; its callers got an error");
        }
    }
}

/// Why a batch was not committed.
enum BatchError {
    /// One write failed: the others may be fine on their own.
    Write(sqlx::Error),
    /// The transaction itself (the writer busy, the disk): every write shares the fate.
    Transaction(sqlx::Error),
}

async fn commit_batch(writer: SqlitePool, batch: Vec<Pending>) {
    match commit_together(&writer, &batch).await {
        Ok(()) => {
            for pending in batch {
                let _ = pending.done.send(Ok(()));
            }
        }
        Err(BatchError::Transaction(error)) => {
            tracing::error!(%error, writes = batch.len(), "could not commit a batch of writes");
            for pending in batch {
                let _ = pending.done.send(Err(same_error(&error)));
            }
        }
        Err(BatchError::Write(error)) => {
            // The rolled-back batch left nothing behind; each write gets its own answer.
            tracing::warn!(%error, writes = batch.len(), "a batched write failed; writing one by one");
            for pending in batch {
                let result = match commit_together(&writer, std::slice::from_ref(&pending)).await {
                    Ok(()) => Ok(()),
                    Err(BatchError::Write(error) | BatchError::Transaction(error)) => Err(error),
                };
                let _ = pending.done.send(result);
            }
        }
    }
}

async fn commit_together(writer: &SqlitePool, batch: &[Pending]) -> Result<(), BatchError> {
    let mut tx = begin_immediate(writer)
        .await
        .map_err(BatchError::Transaction)?;
    for pending in batch {
        pending
            .job
            .write(&mut tx)
            .await
            .map_err(BatchError::Write)?;
    }
    tx.commit().await.map_err(BatchError::Transaction)
}

/// The error of a failed transaction, for each of the callers that shared it: the kinds
/// callers act on (busy → 503) kept, the others as text.
fn same_error(error: &sqlx::Error) -> sqlx::Error {
    match error {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::WorkerCrashed => sqlx::Error::WorkerCrashed,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Database;

    struct Insert(i64);

    impl BatchWrite for Insert {
        fn write<'c>(&'c self, conn: &'c mut SqliteConnection) -> WriteFuture<'c> {
            Box::pin(async move {
                sqlx::query("INSERT INTO t (n) VALUES (?)")
                    .bind(self.0)
                    .execute(conn)
                    .await?;
                Ok(())
            })
        }
    }

    async fn database() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER NOT NULL UNIQUE)")
            .execute(&db.writer)
            .await
            .unwrap();
        (dir, db)
    }

    async fn count(db: &Database) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&db.reader)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn concurrent_writes_are_all_committed_and_visible_on_return() {
        let (_dir, db) = database().await;
        let writes = (0..500).map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                db.batch.write(Insert(n)).await.unwrap();
                // Read-after-write: the caller's own row is there when it returns.
                let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t WHERE n = ?")
                    .bind(n)
                    .fetch_one(&db.reader)
                    .await
                    .unwrap();
                assert_eq!(found, 1);
            })
        });
        for write in writes.collect::<Vec<_>>() {
            write.await.unwrap();
        }
        assert_eq!(count(&db).await, 500);
    }

    #[tokio::test]
    async fn a_failing_write_fails_alone_and_its_neighbours_are_committed() {
        let (_dir, db) = database().await;
        db.batch.write(Insert(7)).await.unwrap();
        // Hold the writer so that a first write waits on it and the next three queue up
        // behind it and are taken as one batch.
        let held = db.writer.acquire().await.unwrap();
        let first = {
            let db = db.clone();
            tokio::spawn(async move { db.batch.write(Insert(100)).await })
        };
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let writes: Vec<_> = [1, 7, 2]
            .into_iter()
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move { db.batch.write(Insert(n)).await })
            })
            .collect();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        drop(held);
        first.await.unwrap().unwrap();
        let mut results = Vec::new();
        for write in writes {
            results.push(write.await.unwrap());
        }
        assert!(results[0].is_ok());
        assert!(results[1]
            .as_ref()
            .is_err_and(|e| e.to_string().contains("UNIQUE")));
        assert!(results[2].is_ok());
        assert_eq!(count(&db).await, 4);
    }

    #[tokio::test]
    async fn flush_returns_after_earlier_writes_are_committed() {
        let (_dir, db) = database().await;
        let batch = db.batch.clone();
        let pending = tokio::spawn(async move { batch.write(Insert(1)).await });
        tokio::task::yield_now().await;
        db.batch.flush().await.unwrap();
        // Counted before the earlier writer is awaited: flush alone must have waited.
        assert_eq!(count(&db).await, 1);
        pending.await.unwrap().unwrap();
    }
}
