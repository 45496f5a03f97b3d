//! Group commit for hot-path rows (chat turns, conversation starts, LLM spend).
//!
//! Each such write is small, and on SQLite its cost is the hand-offs to the connection's
//! thread (`BEGIN`, each statement, `COMMIT`), not the SQL. Callers hand their write to
//! one background task; the task takes whatever has queued up (up to `MAX_BATCH`) and runs
//! it in one transaction, in queue order. A batch of submitted writes only (see below)
//! first waits [`LINGER`] for more to join it, unless a waiting write arrives. A write that
//! fails does not take its neighbours with it: the batch is rolled back and each write
//! retried on its own.
//!
//! Two ways in. [`write`](BatchWriter::write) waits until the row is committed (a new
//! conversation). [`submit`](BatchWriter::submit) only waits for a place in the queue: a
//! chat turn's transcript and its LLM spend are written behind the reply, so the reply
//! never waits on the disk (the WAL checkpoint's `fsync`s stalled commits for up to 20 ms).
//! Submitted writes keep their order, a failure is logged, and whoever reads such rows
//! first calls [`settled`](BatchWriter::settled), which returns once every write queued
//! before it is committed, so the service's own reads still see their writes.
//!
//! The queue is bounded, so a stalled disk slows callers down instead of growing memory.
//! A queued write is committed even if its caller has gone (a dropped request): it was
//! handed over whole. The task keeps running while the runtime does, and shutdown (which
//! waits for in-flight requests, then [`flush`](BatchWriter::flush)es) leaves nothing
//! unwritten; only a crash of the process can lose the last few milliseconds (a linger and
//! a commit) of submitted writes. A batch runs in a task of its own, so a panic fails that
//! batch's callers and the writer carries on.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::begin_immediate;

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;
/// Writes that may wait in the queue.
const QUEUE: usize = 4_096;
/// How long a batch of submitted writes waits for more before it is committed (tokio's
/// timer rounds it up to the next millisecond). Nobody's reply waits on such a batch; at
/// 1,000 cache-hit turns/s it cut the context switches per turn from 17 to 10.
const LINGER: Duration = Duration::from_millis(2);

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
    /// `None` for a submitted write: nobody waits, a failure is logged.
    done: Option<oneshot::Sender<Result<(), sqlx::Error>>>,
    /// Counts the write as outstanding until it is answered (dropped).
    _outstanding: Outstanding,
}

impl Pending {
    fn answer(self, result: Result<(), sqlx::Error>) {
        match (self.done, result) {
            (Some(done), result) => {
                let _ = done.send(result);
            }
            (None, Ok(())) => {}
            (None, Err(error)) => {
                tracing::error!(%error, "a write queued behind its reply was not committed");
            }
        }
    }
}

/// One write queued and not yet answered; the count goes down when it is dropped.
struct Outstanding(Arc<AtomicUsize>);

impl Outstanding {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(count))
    }
}

impl Drop for Outstanding {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The handle callers write through; cheap to clone.
#[derive(Clone, Debug)]
pub struct BatchWriter {
    queue: mpsc::Sender<Pending>,
    /// Writes queued and not yet answered.
    outstanding: Arc<AtomicUsize>,
}

impl BatchWriter {
    /// Starts the writer task over the writer pool.
    pub(super) fn spawn(writer: SqlitePool) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, receiver));
        Self {
            queue,
            outstanding: Arc::new(AtomicUsize::new(0)),
        }
    }

    async fn enqueue(
        &self,
        job: impl BatchWrite,
        done: Option<oneshot::Sender<Result<(), sqlx::Error>>>,
    ) -> Result<(), sqlx::Error> {
        let pending = Pending {
            job: Box::new(job),
            done,
            _outstanding: Outstanding::new(&self.outstanding),
        };
        self.queue
            .send(pending)
            .await
            .map_err(|_| sqlx::Error::PoolClosed)
    }

    /// Queues `job` and waits until it is committed.
    pub async fn write(&self, job: impl BatchWrite) -> Result<(), sqlx::Error> {
        let (done, committed) = oneshot::channel();
        self.enqueue(job, Some(done)).await?;
        committed.await.map_err(|_| sqlx::Error::WorkerCrashed)?
    }

    /// Queues `job` behind the writes queued before it and returns without waiting for
    /// the commit (only for room in the queue). A failure is logged, not returned.
    pub async fn submit(&self, job: impl BatchWrite) -> Result<(), sqlx::Error> {
        self.enqueue(job, None).await
    }

    /// Waits until every write queued before this call is committed.
    pub async fn flush(&self) -> Result<(), sqlx::Error> {
        self.write(Nothing).await
    }

    /// Like [`flush`](Self::flush), but free when nothing is outstanding: what a read of
    /// rows written with [`submit`](Self::submit) calls first.
    pub async fn settled(&self) -> Result<(), sqlx::Error> {
        if self.outstanding.load(Ordering::SeqCst) == 0 {
            return Ok(());
        }
        self.flush().await
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
        gather(&mut receiver, &mut batch).await;
        let writes = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        if tokio::spawn(commit_batch(writer.clone(), writes))
            .await
            .is_err()
        {
            tracing::error!("a batch of writes panicked; its callers got an error");
        }
    }
}

/// Lets a batch that nobody waits on (only [`submit`](BatchWriter::submit)ted writes)
/// gather company for up to [`LINGER`], so that at moderate load a turn does not pay a
/// transaction's hand-offs alone. A waiting write arriving meanwhile ends the wait.
async fn gather(receiver: &mut mpsc::Receiver<Pending>, batch: &mut Vec<Pending>) {
    let deadline = tokio::time::Instant::now() + LINGER;
    while batch.len() < MAX_BATCH && batch.iter().all(|pending| pending.done.is_none()) {
        let room = MAX_BATCH - batch.len();
        match tokio::time::timeout_at(deadline, receiver.recv_many(batch, room)).await {
            Ok(received) if received > 0 => {}
            // The deadline, or the queue closed (what was gathered is still committed).
            Ok(_) | Err(_) => return,
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
                pending.answer(Ok(()));
            }
        }
        Err(BatchError::Transaction(error)) => {
            tracing::error!(%error, writes = batch.len(), "could not commit a batch of writes");
            for pending in batch {
                pending.answer(Err(same_error(&error)));
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
                pending.answer(result);
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

    #[tokio::test]
    async fn submitted_writes_keep_their_order_and_settled_waits_for_them() {
        let (_dir, db) = database().await;
        // Hold the writer: everything submitted now is still queued when `submit` returns.
        let held = db.writer.acquire().await.unwrap();
        for n in 0..200 {
            db.batch.submit(Insert(n)).await.unwrap();
        }
        let early = tokio::time::timeout(Duration::from_millis(100), db.batch.settled()).await;
        assert!(early.is_err(), "settled waits while writes are queued");
        drop(held);
        db.batch.settled().await.unwrap();
        let order: Vec<i64> = sqlx::query_scalar("SELECT n FROM t ORDER BY rowid")
            .fetch_all(&db.reader)
            .await
            .unwrap();
        assert_eq!(
            order,
            (0..200).collect::<Vec<_>>(),
            "committed in queue order"
        );
    }

    #[tokio::test]
    async fn settled_is_free_when_nothing_is_queued() {
        let (_dir, db) = database().await;
        db.batch.write(Insert(1)).await.unwrap();
        // With the writer held, anything that queued a write would wait for it.
        let held = db.writer.acquire().await.unwrap();
        let settled = tokio::time::timeout(Duration::from_millis(100), db.batch.settled()).await;
        assert!(matches!(settled, Ok(Ok(()))), "{settled:?}");
        drop(held);
    }

    fn pending(awaited: bool, count: &Arc<AtomicUsize>) -> Pending {
        Pending {
            job: Box::new(Nothing),
            done: awaited.then(|| oneshot::channel().0),
            _outstanding: Outstanding::new(count),
        }
    }

    /// Sends `later` into the queue after `after` (of the paused test clock).
    fn send_after(queue: &mpsc::Sender<Pending>, after: Duration, later: Pending) {
        let queue = queue.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let _ = queue.send(later).await;
        });
    }

    #[tokio::test(start_paused = true)]
    async fn submitted_writes_wait_for_company_until_the_linger_ends() {
        let count = Arc::new(AtomicUsize::new(0));
        let (queue, mut receiver) = mpsc::channel(QUEUE);
        send_after(&queue, LINGER / 2, pending(false, &count));
        send_after(&queue, LINGER * 2, pending(false, &count));
        let start = tokio::time::Instant::now();
        let mut batch = vec![pending(false, &count)];
        gather(&mut receiver, &mut batch).await;
        assert_eq!(
            batch.len(),
            2,
            "the write within the linger joins, the later one does not"
        );
        assert_eq!(start.elapsed(), LINGER);
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_write_is_committed_without_lingering() {
        let count = Arc::new(AtomicUsize::new(0));
        let (queue, mut receiver) = mpsc::channel(QUEUE);
        let start = tokio::time::Instant::now();
        let mut batch = vec![pending(true, &count)];
        gather(&mut receiver, &mut batch).await;
        assert_eq!((batch.len(), start.elapsed()), (1, Duration::ZERO));
        // One arriving while submitted writes linger ends the wait when it comes.
        send_after(&queue, LINGER / 2, pending(true, &count));
        let mut batch = vec![pending(false, &count)];
        gather(&mut receiver, &mut batch).await;
        assert_eq!((batch.len(), start.elapsed()), (2, LINGER / 2));
    }

    #[tokio::test]
    async fn a_lone_submitted_write_is_committed_after_the_linger_without_a_flush() {
        let (_dir, db) = database().await;
        db.batch.submit(Insert(1)).await.unwrap();
        // Polled, never flushed: the writer commits it on its own once the linger ends.
        let committed = tokio::time::timeout(Duration::from_secs(5), async {
            while count(&db).await == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        assert!(committed.is_ok(), "a submitted write was left in the queue");
    }

    #[tokio::test]
    async fn a_failing_submitted_write_does_not_stop_the_ones_behind_it() {
        let (_dir, db) = database().await;
        db.batch.write(Insert(7)).await.unwrap();
        for n in [1, 7, 2] {
            db.batch.submit(Insert(n)).await.unwrap();
        }
        db.batch.settled().await.unwrap();
        assert_eq!(count(&db).await, 3, "7 refused, 1 and 2 committed");
        assert_eq!(db.batch.outstanding.load(Ordering::SeqCst), 0);
    }
}
