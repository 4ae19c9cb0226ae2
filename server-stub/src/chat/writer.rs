//! The writer: one thread that owns the database's write connection and
//! makes every change, in batches (group commit).
//!
//! # A batch
//!
//! The thread waits for a change, then takes every change queued at that
//! moment (up to [`MAX_BATCH`]) and, in one transaction:
//!
//! 1. runs each change's rule in queue order, inside a savepoint, against
//!    the writer's own [`Directory`] (which already holds the effects of the
//!    changes before it in the batch). A refused change is rolled back to its
//!    savepoint and answered with its error; the others go on;
//! 2. commits: one fsync for the whole batch (`synchronous=FULL`: when a
//!    caller is answered, its change is on disk);
//! 3. for each change in commit order: updates the published directory,
//!    dispatches its events, answers its caller.
//!
//! Nothing a caller does can split a commit from its events: once queued, a
//! change runs to its end on this thread whether or not anyone still waits
//! for the answer. A change that was never queued left no trace.
//!
//! A lone change is not delayed: the batch is whatever is waiting when the
//! thread comes round, and under load changes queue up while the previous
//! batch is being synced, so batches grow with load.
//!
//! If the commit fails (disk full, I/O error) the whole batch is answered
//! with an internal error and the writer's directory is reloaded from the
//! database; nothing was published or dispatched.

use std::{
    panic::AssertUnwindSafe,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    thread::JoinHandle,
};

use pq_protocol::{Timestamp, gateway::Event};
use tokio::sync::{mpsc, oneshot};
use tracing::{error, warn};

use super::{
    directory::{Directory, Effect, Published},
    store::Store,
};
use crate::{
    error::ApiError,
    gateway::{Audience, Hub},
};

/// Most changes in one batch.
pub const MAX_BATCH: usize = 1024;
/// Changes that can wait for the writer before callers wait to queue.
const QUEUE: usize = 8192;

/// What a change's rule works with. See the module docs.
pub struct Tx<'a> {
    store: &'a mut dyn Store,
    dir: &'a mut Directory,
    hub: &'a Hub,
    effects: Vec<Effect>,
    events: Vec<(Audience, Event)>,
    now: Timestamp,
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").field("effects", &self.effects.len()).field("events", &self.events.len()).finish()
    }
}

impl<'a> Tx<'a> {
    /// A transaction context (the writer, and tests of rules).
    pub(crate) fn new(store: &'a mut dyn Store, dir: &'a mut Directory, hub: &'a Hub) -> Self {
        let now = hub.clock().timestamp();
        Self { store, dir, hub, effects: Vec::new(), events: Vec::new(), now }
    }

    /// The store, inside the batch's transaction.
    pub fn store(&mut self) -> &mut dyn Store {
        self.store
    }

    /// The directory as this change sees it.
    #[must_use]
    pub fn dir(&self) -> &Directory {
        self.dir
    }

    /// The gateway hub (presence and voice rooms; read only here: events go
    /// through [`Tx::emit`]).
    #[must_use]
    pub fn hub(&self) -> &Hub {
        self.hub
    }

    /// When this change happens.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Changes the directory (for the rest of the batch at once; for
    /// everyone else once committed). Make every check before the first
    /// effect: a change refused after one costs a reload of the directory.
    pub fn apply(&mut self, effect: Effect) {
        self.dir.apply(&effect);
        self.effects.push(effect);
    }

    /// Queues an event, dispatched after the commit in this order.
    pub fn emit(&mut self, audience: Audience, event: Event) {
        self.events.push((audience, event));
    }

    /// The effects and events recorded so far.
    pub(crate) fn into_parts(self) -> (Vec<Effect>, Vec<(Audience, Event)>) {
        (self.effects, self.events)
    }
}

/// A queued change: runs its rule, and hands back whether it was accepted and
/// how to answer once the batch's fate is known.
type Job = Box<dyn FnOnce(&mut Tx<'_>) -> Outcome + Send>;

struct Outcome {
    ok: bool,
    reply: Reply,
}

/// Answers a caller: `Ok` once its batch is committed, or the commit's error.
type Reply = Box<dyn FnOnce(Result<(), ApiError>) + Send>;

enum Msg {
    Job(Job),
    Stop,
}

/// Counters of the writer's work (tests and benchmarks read them).
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions committed (or failed).
    pub batches: AtomicU64,
    /// Changes run.
    pub changes: AtomicU64,
    /// The largest batch so far.
    pub largest_batch: AtomicU64,
}

/// Handle to the writer thread. See the module docs.
#[derive(Debug)]
pub struct Writer {
    queue: mpsc::Sender<Msg>,
    thread: Mutex<Option<JoinHandle<()>>>,
    stats: Arc<WriterStats>,
}

impl Writer {
    /// Starts the thread with the write connection and the loaded directory.
    ///
    /// # Panics
    /// If the thread cannot be spawned.
    pub fn start(store: Box<dyn Store>, dir: Directory, published: Published, hub: Arc<Hub>) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        let stats = Arc::new(WriterStats::default());
        let mut thread = Thread { store, dir, published, hub, stats: stats.clone() };
        let handle = std::thread::Builder::new()
            .name("pq-writer".into())
            .spawn(move || thread.run(rx))
            .expect("the writer thread starts");
        Self { queue, thread: Mutex::new(Some(handle)), stats }
    }

    /// Queues a change and returns at once; `then` gets the rule's result
    /// once the batch is committed (or the commit's error), on the writer
    /// thread (keep it short: push a frame, send on a channel).
    ///
    /// # Errors
    /// When the writer has stopped (shutdown).
    pub async fn submit<T, F, R>(&self, rule: F, then: R) -> Result<(), ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
        R: FnOnce(Result<T, ApiError>) + Send + 'static,
    {
        let job: Job = Box::new(move |tx| {
            let result = rule(tx);
            Outcome {
                ok: result.is_ok(),
                reply: Box::new(move |commit: Result<(), ApiError>| then(commit.and(result))),
            }
        });
        self.queue.send(Msg::Job(job)).await.map_err(|_| stopped())
    }

    /// Queues a change and waits for its result (committed, or refused).
    /// Dropping the future after the change was queued does not stop it.
    ///
    /// # Errors
    /// What the rule returns, or an internal error when the batch could not
    /// be committed.
    pub async fn run<T, F>(&self, rule: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.submit(rule, move |r| {
            let _ = tx.send(r);
        })
        .await?;
        rx.await.map_err(|_| ApiError::Internal("the change failed inside the writer".into()))?
    }

    /// Counters.
    #[must_use]
    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Finishes what is queued, stops the thread and closes the connection.
    pub async fn stop(&self) {
        let _ = self.queue.send(Msg::Stop).await;
        let handle = self.thread.lock().expect("writer handle").take();
        if let Some(h) = handle {
            let _ = tokio::task::spawn_blocking(move || h.join()).await;
        }
    }
}

fn stopped() -> ApiError {
    ApiError::Internal("the server is shutting down; retry in a moment".into())
}

struct Thread {
    store: Box<dyn Store>,
    dir: Directory,
    published: Published,
    hub: Arc<Hub>,
    stats: Arc<WriterStats>,
}

/// A change that ran, waiting for the commit.
struct Done {
    effects: Vec<Effect>,
    events: Vec<(Audience, Event)>,
    reply: Reply,
}

impl Thread {
    fn run(&mut self, mut rx: mpsc::Receiver<Msg>) {
        let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
        let mut stop = false;
        while !stop {
            match rx.blocking_recv() {
                Some(Msg::Job(j)) => batch.push(j),
                Some(Msg::Stop) | None => break,
            }
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(Msg::Job(j)) => batch.push(j),
                    Ok(Msg::Stop) => {
                        stop = true;
                        break;
                    }
                    Err(_) => break,
                }
            }
            self.batch(&mut batch);
        }
        // Whatever is still queued is dropped: its callers hear that the
        // change failed (nothing of it was stored).
    }

    fn batch(&mut self, jobs: &mut Vec<Job>) {
        let n = jobs.len() as u64;
        self.stats.batches.fetch_add(1, Ordering::Relaxed);
        self.stats.changes.fetch_add(n, Ordering::Relaxed);
        self.stats.largest_batch.fetch_max(n, Ordering::Relaxed);
        if let Err(e) = self.store.begin() {
            error!(error = %e, "cannot start a write transaction");
            jobs.clear();
            return;
        }
        let mut done: Vec<Done> = Vec::with_capacity(jobs.len());
        for job in jobs.drain(..) {
            if let Err(e) = self.one(job, &mut done) {
                error!(error = %e, "a write transaction failed; its changes are refused");
                return self.abandon(done, &e.to_string());
            }
        }
        if let Err(e) = self.store.commit() {
            error!(error = %e, changes = done.len(), "commit failed; its changes are refused");
            return self.abandon(done, &e.to_string());
        }
        for d in done {
            if d.effects.iter().any(Effect::is_published) {
                self.published.apply(&d.effects);
            }
            self.hub.effects_committed(&d.effects);
            for (audience, event) in d.events {
                self.hub.dispatch(audience, event);
            }
            (d.reply)(Ok(()));
        }
    }

    /// Runs one change inside its savepoint.
    fn one(&mut self, job: Job, done: &mut Vec<Done>) -> Result<(), super::store::StoreError> {
        self.store.savepoint()?;
        let mut tx = Tx::new(self.store.as_mut(), &mut self.dir, &self.hub);
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut tx)));
        let (effects, events) = tx.into_parts();
        match outcome {
            Ok(o) if o.ok => {
                self.store.release()?;
                done.push(Done { effects, events, reply: o.reply });
            }
            Ok(o) => {
                self.store.rollback_to_savepoint()?;
                if !effects.is_empty() {
                    self.reload()?;
                }
                done.push(Done { effects: vec![], events: vec![], reply: o.reply });
            }
            Err(_) => {
                // A bug in a rule: its caller's answer channel is gone with it.
                warn!("a change panicked; it is rolled back");
                self.store.rollback_to_savepoint()?;
                self.reload()?;
            }
        }
        Ok(())
    }

    fn reload(&mut self) -> Result<(), super::store::StoreError> {
        self.dir = self.store.load_directory()?;
        Ok(())
    }

    /// The batch cannot be committed: nothing of it happened.
    fn abandon(&mut self, done: Vec<Done>, why: &str) {
        if let Err(e) = self.store.rollback() {
            error!(error = %e, "rollback failed");
        }
        if let Err(e) = self.reload() {
            error!(error = %e, "cannot reload the directory; keeping the previous one");
        }
        for d in done {
            (d.reply)(Err(ApiError::Internal(format!("the change could not be stored: {why}"))));
        }
    }
}
