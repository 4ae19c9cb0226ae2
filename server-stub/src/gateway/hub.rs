//! The hub: every gateway session, who may see what, and presence.
//!
//! # Routing
//!
//! Who is in which server comes from the published
//! [`Directory`](crate::chat::directory::Directory), which the writer updates
//! right after each commit, before it dispatches that change's events (so
//! routing changes in commit order). An event for a server goes to the live
//! sessions of its members, an event for a user to that user's sessions.
//! Nobody else sees it.
//!
//! # One serialisation, bounded queues
//!
//! [`Hub::dispatch`] numbers the event (`s`), serialises the frame once, and
//! pushes the same reference-counted bytes into each recipient's [`Outbox`].
//! A session's writer task drains its outbox in batches (every queued frame
//! fed, one flush). A session whose unwritten frames exceed the configured
//! bound is too slow: its socket is closed with `SlowConsumer` and the session
//! can no longer be resumed (memory stays bounded; the client backfills).
//!
//! # Resume
//!
//! The outbox keeps the last frames it wrote. After a drop the session stays
//! (detached) for the resume window, still collecting events; a `resume` with
//! the last `s` the client handled replays everything after it, in the order it
//! was queued. Sessions not resumed in time are reaped.
//!
//! # Presence
//!
//! Online while a person has an attached, active connection; away when all
//! their connections are idle or they chose away; offline when no connection
//! is left for `presence_grace` (quick reconnects do not flicker). Changes are
//! pushed to everyone sharing a server with them — to live sessions only: a
//! presence change is state, not history, so a dropped session keeps none
//! (a thousand people leaving would otherwise queue a million frames) and a
//! resumed one is given everyone's presence afresh in `resumed`. Typing
//! notices are not kept either.

use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use pq_protocol::{
    ServerId, SessionId, UserId,
    gateway::{CloseCode, Event, PresenceEntry, ServerFrame},
    models::{Presence, StatusChoice},
    voice::VoiceLeftReason,
};
use rustc_hash::FxHashMap as HashMap;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::debug;

use super::voice::Rooms;
use crate::{
    chat::directory::{Effect, Published, Room},
    config::{Config, VoiceConfig},
};

/// Who receives a dispatch.
#[derive(Debug, Clone)]
pub enum Audience {
    /// Every member of a server.
    Server(ServerId),
    /// Every member of a server who may see what this person is doing
    /// (not those they blocked): their typing, their presence as they join.
    ServerSeeing(ServerId, UserId),
    /// Everyone in a server's text channel or a direct-message channel.
    Room(Room),
    /// Everyone there who may see what this person is doing (not those they
    /// blocked).
    RoomSeeing(Room, UserId),
    /// One person (all their sessions).
    User(UserId),
    /// Everyone sharing at least one server with this person, and themselves.
    SharingWith(UserId),
    /// Those who see this person's presence live (see
    /// `Args::presence_fanout_limit`), and themselves.
    PresencePeers(UserId),
    /// Every connected session.
    Everyone,
}

/// One serialised frame: `s` is the dispatch number, 0 for frames that
/// belong to one connection only (acks, errors, ready) and are never
/// replayed. `volatile` dispatches (presence, typing) are not kept once
/// written. Every recipient's outbox holds the same [`Arc`] (8 bytes an
/// entry: a session keeping 256 frames for resume costs 2 KiB).
#[derive(Debug)]
pub struct Frame {
    s: u64,
    volatile: bool,
    text: Utf8Bytes,
}

impl Frame {
    fn new(s: u64, volatile: bool, text: Utf8Bytes) -> Arc<Self> {
        Arc::new(Self { s, volatile, text })
    }

    /// Whether a written frame is kept for a resume.
    fn replayable(&self) -> bool {
        self.s != 0 && !self.volatile
    }

    /// The frame's JSON text.
    #[must_use]
    pub fn text(&self) -> &str {
        self.text.as_str()
    }
}

impl AsRef<[u8]> for Frame {
    fn as_ref(&self) -> &[u8] {
        self.text.as_bytes()
    }
}

/// A session's queue of frames: the retained (already written) ones at the
/// front, the `pending` (not yet written) ones at the back.
#[derive(Debug)]
struct Outbox {
    frames: VecDeque<Arc<Frame>>,
    pending: usize,
    /// The highest `s` of a replayable frame dropped from this outbox (a
    /// resume from before it is impossible); `u64::MAX` once dead.
    evicted_upto: u64,
    /// Ready not sent yet: hold dispatches until it is put in front of them.
    holding: bool,
    /// The connection currently writing this session, if any.
    attached: Option<u64>,
    detached_at: Option<Instant>,
    /// Too slow or invalidated: cannot be resumed.
    dead: bool,
    /// The writer should close its socket with this.
    close: Option<(CloseCode, String)>,
    /// A WebSocket ping to answer.
    pong: Option<bytes::Bytes>,
    idle: bool,
}

/// One gateway session.
#[derive(Debug)]
pub struct Session {
    /// Session id (for resume).
    pub id: SessionId,
    /// Whose it is.
    pub user_id: UserId,
    out: Mutex<Outbox>,
    notify: Notify,
    /// Cancelled when the session overflows: a writer blocked on a full socket
    /// gives up at once.
    killed: CancellationToken,
    /// An answer to this connection's own request (ack, error) is queued: it
    /// goes out at once, not after the write-coalescing pause.
    urgent: Notify,
    /// The sign-in (`origin_jti`) of the token it identified or last resumed
    /// with: revoking it ends the session.
    origin: Mutex<Option<String>>,
    limit: usize,
    retain: usize,
}

/// What the writer should do next.
#[derive(Debug)]
pub enum WriterStep {
    /// Write these frames.
    Write(Vec<Arc<Frame>>),
    /// Answer a WebSocket ping.
    Pong(bytes::Bytes),
    /// Close the socket with this code and reason.
    Close(CloseCode, String),
    /// Nothing yet: wait for [`Session::wait`].
    Wait,
    /// Another connection took the session over: stop quietly.
    Detached,
}

impl Session {
    fn new(user_id: UserId, limit: usize, conn: u64) -> Self {
        Self {
            id: SessionId::new(),
            user_id,
            out: Mutex::new(Outbox {
                frames: VecDeque::new(),
                pending: 0,
                evicted_upto: 0,
                holding: true,
                attached: Some(conn),
                detached_at: None,
                dead: false,
                close: None,
                pong: None,
                idle: false,
            }),
            notify: Notify::new(),
            killed: CancellationToken::new(),
            urgent: Notify::new(),
            origin: Mutex::new(None),
            limit,
            // Written frames kept for resume only need to cover what was in
            // flight when a socket dropped (kernel buffers); older gaps fall
            // back to `invalid_session` and a backfill.
            retain: (limit / 8).max(64),
        }
    }

    /// Queues a frame. Returns false when the session overflowed (too slow).
    /// A `volatile` frame (presence, typing: state that a resumed session is
    /// given afresh) is not kept for a session no socket is writing.
    fn push(&self, frame: Arc<Frame>) -> bool {
        let mut out = self.out.lock().expect("outbox lock");
        if out.dead {
            return false;
        }
        if frame.volatile && out.attached.is_none() {
            return true;
        }
        out.frames.push_back(frame);
        out.pending += 1;
        // The writer takes every pending frame at once: only the first one
        // after it emptied the queue needs to wake it.
        let first = out.pending == 1;
        if out.pending > self.limit {
            // Too slow (or away too long): drop everything, end the session.
            out.dead = true;
            out.frames.clear();
            out.pending = 0;
            out.evicted_upto = u64::MAX;
            if out.attached.is_some() {
                out.close = Some((CloseCode::SlowConsumer, "too slow to read; reconnect and backfill".into()));
            }
            drop(out);
            self.killed.cancel();
            self.notify.notify_one();
            return false;
        }
        // Keep at most `retain` written frames for resume.
        let written = out.frames.len() - out.pending;
        if written > self.retain {
            for _ in 0..written - self.retain {
                if let Some(f) = out.frames.pop_front()
                    && f.replayable()
                {
                    out.evicted_upto = out.evicted_upto.max(f.s);
                }
            }
        }
        let wake = first && !out.holding && out.attached.is_some();
        drop(out);
        if wake {
            self.notify.notify_one();
        }
        true
    }

    /// Queues a frame for this connection only (never replayed).
    pub fn send_direct(&self, frame: &ServerFrame) {
        let text = encode(frame);
        if self.push(Frame::new(0, false, text)) {
            self.urgent.notify_one();
        }
    }

    /// The client pinged: the writer answers (the latest ping only).
    pub fn pong(&self, payload: bytes::Bytes) {
        self.out.lock().expect("outbox lock").pong = Some(payload);
        self.urgent.notify_one();
        self.notify.notify_one();
    }

    /// Resolves when an answer to the client's own request is queued.
    pub async fn urgent(&self) {
        self.urgent.notified().await;
    }

    /// Puts `ready` in front of everything queued so far and starts writing.
    pub fn release_with(&self, ready: &ServerFrame) {
        let text = encode(ready);
        let mut out = self.out.lock().expect("outbox lock");
        let at = out.frames.len() - out.pending;
        out.frames.insert(at, Frame::new(0, false, text));
        out.pending += 1;
        out.holding = false;
        drop(out);
        self.notify.notify_one();
    }

    /// The writer's next step for connection `conn`.
    pub fn next_step(&self, conn: u64) -> WriterStep {
        let mut out = self.out.lock().expect("outbox lock");
        if out.attached != Some(conn) {
            return WriterStep::Detached;
        }
        if let Some((code, reason)) = out.close.take() {
            return WriterStep::Close(code, reason);
        }
        if let Some(payload) = out.pong.take() {
            return WriterStep::Pong(payload);
        }
        if out.holding || out.pending == 0 {
            return WriterStep::Wait;
        }
        let start = out.frames.len() - out.pending;
        let batch: Vec<Arc<Frame>> = out.frames.range(start..).cloned().collect();
        // Frames for one connection (acks, errors, `ready`) and volatile
        // dispatches are never replayed: once written they go (the written
        // ones kept for resume are replayable dispatches only).
        if out.frames.range(start..).any(|f| !f.replayable()) {
            out.frames.retain(|f| f.replayable());
        }
        out.pending = 0;
        WriterStep::Write(batch)
    }

    /// Cancelled when the session overflowed and its socket must go.
    #[must_use]
    pub fn killed(&self) -> &CancellationToken {
        &self.killed
    }

    /// Waits until there may be something for the writer.
    pub async fn wait(&self) {
        self.notify.notified().await;
    }

    /// Asks the writer of this session to close its socket.
    pub fn close(&self, code: CloseCode, reason: &str) {
        let mut out = self.out.lock().expect("outbox lock");
        out.close = Some((code, reason.to_owned()));
        drop(out);
        self.notify.notify_one();
    }

    fn is_attached(&self) -> bool {
        self.out.lock().expect("outbox lock").attached.is_some()
    }

    /// How long no socket has written this session; `None` while one does,
    /// `Duration::MAX` once the session can no longer be resumed.
    pub(crate) fn detached_for(&self, now: Instant) -> Option<Duration> {
        let out = self.out.lock().expect("outbox lock");
        if out.attached.is_some() {
            return None;
        }
        if out.dead {
            return Some(Duration::MAX);
        }
        out.detached_at.map(|t| now.saturating_duration_since(t))
    }

    fn is_idle(&self) -> bool {
        self.out.lock().expect("outbox lock").idle
    }
}

/// The gateway's shared state. See the module docs.
#[derive(Debug)]
pub struct Hub {
    /// Who is in which server (published by the writer).
    dir: Published,
    /// Held while a presence change is computed and dispatched, and while a
    /// resumed session gets its presence snapshot. Taken before any other lock.
    presence_lock: Mutex<()>,
    /// Held while a dispatch is numbered and queued (after the voice rooms'
    /// and the presence lock, before the directory's).
    dispatch_order: Mutex<()>,
    state: RwLock<State>,
    next_s: AtomicU64,
    next_conn: AtomicU64,
    limit: usize,
    /// Most sessions one person may hold (attached or resumable).
    sessions_per_user: usize,
    /// Sessions a socket is writing now.
    attached: AtomicUsize,
    write_budget: u32,
    write_coalesce: Duration,
    resume_window: Duration,
    presence_grace: Duration,
    presence_limit: u32,
    clock: crate::clock::Clock,
    /// The longest message per plan (`--message-limits`), checked where a
    /// send or edit commits.
    message_limits: crate::config::MessageLimits,
    shutdown: CancellationToken,
    tasks: TaskTracker,
    /// The hub itself, for the timers it starts.
    me: std::sync::Weak<Hub>,
    /// Voice rooms (see [`super::voice`]).
    pub(super) voice: Mutex<Rooms>,
    voice_config: VoiceConfig,
}

#[derive(Debug, Default)]
struct State {
    sessions: HashMap<SessionId, Arc<Session>>,
    by_user: HashMap<UserId, Vec<Arc<Session>>>,
    people: HashMap<UserId, Person>,
}

#[derive(Debug, Clone, Copy)]
struct Person {
    choice: StatusChoice,
    /// What others were last told.
    shown: Presence,
}

/// Why a resume failed.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    /// Unknown, expired, overflowed, or another account's session.
    #[error("the session cannot be resumed")]
    Gone,
}

impl Hub {
    /// Starts the hub (and its reaper of expired sessions) routing by `dir`.
    #[must_use]
    pub fn new(config: &Config, dir: Published, shutdown: CancellationToken) -> Arc<Self> {
        let hub = Arc::new_cyclic(|me| Hub {
            dir,
            presence_lock: Mutex::new(()),
            dispatch_order: Mutex::new(()),
            state: RwLock::new(State::default()),
            next_s: AtomicU64::new(0),
            next_conn: AtomicU64::new(0),
            limit: config.client_queue,
            sessions_per_user: config.sessions_per_user,
            attached: AtomicUsize::new(0),
            write_budget: config.write_budget,
            write_coalesce: config.write_coalesce,
            resume_window: config.resume_window,
            presence_grace: config.presence_grace,
            presence_limit: config.presence_fanout_limit,
            clock: config.clock.clone(),
            message_limits: config.message_limits,
            shutdown,
            tasks: TaskTracker::new(),
            me: me.clone(),
            voice: Mutex::new(Rooms::default()),
            voice_config: config.voice.clone(),
        });
        // Reap sessions not resumed in time.
        let weak = Arc::downgrade(&hub);
        let token = hub.shutdown.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = token.cancelled() => return,
                }
                let Some(hub) = weak.upgrade() else { return };
                hub.reap();
            }
        });
        hub
    }

    /// The published directory (who is in which server).
    #[must_use]
    pub fn directory(&self) -> &Published {
        &self.dir
    }

    /// Tracks connection tasks, so shutdown can wait for their close frames.
    #[must_use]
    pub fn connections(&self) -> &TaskTracker {
        &self.tasks
    }

    /// Cancelled at shutdown.
    #[must_use]
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// The clock of heartbeats, grace periods and the resume window.
    #[must_use]
    pub fn clock(&self) -> &crate::clock::Clock {
        &self.clock
    }

    /// The longest message per plan, in characters.
    #[must_use]
    pub fn message_limits(&self) -> crate::config::MessageLimits {
        self.message_limits
    }

    /// Voice room settings.
    #[must_use]
    pub fn voice_config(&self) -> &VoiceConfig {
        &self.voice_config
    }

    /// The hub itself, for timers (None while it is being dropped).
    pub(super) fn me(&self) -> Option<Arc<Hub>> {
        self.me.upgrade()
    }

    /// How long a connection that just wrote waits before its next write:
    /// connections ÷ write budget, at most `--write-coalesce-ms` (see
    /// `Args::write_budget`).
    #[must_use]
    pub fn write_window(&self) -> Duration {
        let n = self.attached.load(Ordering::Relaxed) as u64;
        let window = Duration::from_micros(n * 1_000_000 / u64::from(self.write_budget));
        window.min(self.write_coalesce)
    }

    /// A fresh connection number (identifies which socket writes a session).
    pub fn next_connection(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed) + 1
    }

    // ----- sessions ------------------------------------------------------

    /// Starts a session for `user_id` on connection `conn`. Dispatches queue
    /// up (held) until [`Session::release_with`] puts `ready` in front.
    /// `origin` is the token's sign-in (see [`Hub::end_sign_in`]). A person
    /// over `--sessions-per-user` loses their oldest session: a resumable
    /// one first, else the oldest connected one (closed with 4014).
    pub fn open_session(
        &self,
        user_id: UserId,
        conn: u64,
        idle: bool,
        status: StatusChoice,
        origin: Option<String>,
    ) -> Arc<Session> {
        let session = Arc::new(Session::new(user_id, self.limit, conn));
        session.out.lock().expect("outbox lock").idle = idle;
        *session.origin.lock().expect("origin lock") = origin;
        self.attached.fetch_add(1, Ordering::Relaxed);
        let evicted = {
            let mut st = self.state.write().expect("hub lock");
            st.sessions.insert(session.id, session.clone());
            let list = st.by_user.entry(user_id).or_default();
            list.push(session.clone());
            let mut evicted = Vec::new();
            while list.len() > self.sessions_per_user {
                let victim = list.iter().position(|s| !s.is_attached()).unwrap_or(0);
                evicted.push(list.remove(victim));
            }
            for s in &evicted {
                st.sessions.remove(&s.id);
            }
            st.people.entry(user_id).or_insert(Person { choice: status, shown: Presence::Offline }).choice = status;
            evicted
        };
        for s in evicted {
            debug!(session_id = %s.id, "session ended: too many sessions for one person");
            s.out.lock().expect("outbox lock").dead = true;
            s.close(CloseCode::SessionInvalidated, "too many sessions: this, the oldest, was ended");
            self.voice_session_gone(&s);
        }
        self.refresh_presence(user_id);
        session
    }

    /// Attaches connection `conn` to an existing session and queues the
    /// replay of everything after dispatch `last_seq`, then `resumed`.
    ///
    /// # Errors
    /// [`ResumeError::Gone`] when the session cannot continue.
    pub fn resume_session(
        &self,
        user_id: UserId,
        session_id: SessionId,
        last_seq: u64,
        conn: u64,
        origin: Option<String>,
    ) -> Result<Arc<Session>, ResumeError> {
        let session =
            self.state.read().expect("hub lock").sessions.get(&session_id).cloned().ok_or(ResumeError::Gone)?;
        if session.user_id != user_id {
            return Err(ResumeError::Gone);
        }
        *session.origin.lock().expect("origin lock") = origin;
        // No presence change can be dispatched between the snapshot below and
        // the moment this session is attached again (it would be lost: a
        // detached session does not keep presence frames).
        let presence_guard = self.presence_lock.lock().expect("presence lock");
        let presences = self.presences_for(user_id);
        {
            let mut out = session.out.lock().expect("outbox lock");
            if out.dead || out.holding {
                return Err(ResumeError::Gone);
            }
            // Frames for the old connection (acks, errors) and volatile ones
            // (presence: `resumed` carries it afresh) are not replayed.
            out.frames.retain(|f| f.replayable());
            // Replay everything after the frame the client last handled:
            // dispatches reach every session in `s` order, so that is every
            // frame with a greater `s` — unless one of those was dropped.
            if last_seq < out.evicted_upto {
                return Err(ResumeError::Gone);
            }
            let start = out.frames.iter().position(|f| f.s > last_seq).unwrap_or(out.frames.len());
            out.pending = out.frames.len() - start;
            let replayed = out.pending as u32;
            let text = encode(&ServerFrame::Resumed(pq_protocol::gateway::Resumed { replayed, presences }));
            out.frames.push_back(Frame::new(0, false, text));
            out.pending += 1;
            if let Some(old) = out.attached.replace(conn) {
                debug!(session_id = %session.id, old_conn = old, "session taken over by a resume");
            } else {
                self.attached.fetch_add(1, Ordering::Relaxed);
            }
            out.detached_at = None;
            out.close = None;
            out.idle = false;
        }
        drop(presence_guard);
        session.notify.notify_waiters();
        session.notify.notify_one();
        self.refresh_presence(user_id);
        Ok(session)
    }

    /// The socket of connection `conn` ended: the session stays resumable for
    /// the resume window (unless it is dead or `invalidate` is set).
    pub fn detach(&self, session: &Arc<Session>, conn: u64, invalidate: bool) {
        {
            let mut out = session.out.lock().expect("outbox lock");
            if out.attached != Some(conn) {
                return; // Already taken over by a resume.
            }
            out.attached = None;
            self.attached.fetch_sub(1, Ordering::Relaxed);
            out.detached_at = Some(self.clock.now());
            if invalidate {
                out.dead = true;
            }
        }
        if invalidate {
            self.remove_session(session);
        }
        self.voice_session_detached(session);
        self.schedule_presence_check(session.user_id);
    }

    fn remove_session(&self, session: &Arc<Session>) {
        let mut st = self.state.write().expect("hub lock");
        st.sessions.remove(&session.id);
        if let Some(list) = st.by_user.get_mut(&session.user_id) {
            list.retain(|s| s.id != session.id);
            if list.is_empty() {
                st.by_user.remove(&session.user_id);
            }
        }
    }

    fn reap(&self) {
        let now = self.clock.now();
        let expired: Vec<Arc<Session>> = {
            let st = self.state.read().expect("hub lock");
            st.sessions
                .values()
                .filter(|s| {
                    let out = s.out.lock().expect("outbox lock");
                    out.attached.is_none()
                        && (out.dead
                            || out.detached_at.is_some_and(|t| now.saturating_duration_since(t) >= self.resume_window))
                })
                .cloned()
                .collect()
        };
        let reaped = expired.len();
        for s in expired {
            debug!(session_id = %s.id, "session reaped");
            self.remove_session(&s);
            self.voice_session_gone(&s);
            self.refresh_presence(s.user_id);
        }
        // Their outboxes and buffers are free now: hand the memory back to
        // the system (glibc would keep it), once a batch of sessions is gone.
        if reaped >= 100 || (reaped > 0 && self.state.read().expect("hub lock").sessions.is_empty()) {
            {
                // Maps keep their largest capacity; give it back with the rest.
                let mut st = self.state.write().expect("hub lock");
                st.sessions.shrink_to_fit();
                st.by_user.shrink_to_fit();
            }
            tokio::task::spawn_blocking(move || {
                let gave = crate::memory::give_back();
                debug!(reaped, gave, "memory given back");
            });
        }
    }

    /// Frames held in every session's outbox (queued and kept for resume):
    /// what slow or absent readers cost the server, bounded by
    /// `--client-queue` plus the resume window's share per session.
    #[must_use]
    pub fn held_frames(&self) -> usize {
        let st = self.state.read().expect("hub lock");
        st.sessions.values().map(|s| s.out.lock().expect("outbox lock").frames.len()).sum()
    }

    /// Closes every session's socket with `code` (at shutdown).
    pub fn close_all(&self, code: CloseCode, reason: &str) {
        let st = self.state.read().expect("hub lock");
        for s in st.sessions.values() {
            s.close(code, reason);
        }
    }

    /// A sign-in was revoked (signed out, password reset): the sessions that
    /// identified or resumed with its tokens close with 4004 (the client
    /// tries to renew, is refused, and asks the person to sign in again) and
    /// cannot be resumed. Returns how many.
    pub fn end_sign_in(&self, origin: &str) -> usize {
        self.end_sign_ins(|o| o == origin)
    }

    /// Like [`Hub::end_sign_in`] for every sign-in `revoked` says is.
    pub fn end_sign_ins(&self, revoked: impl Fn(&str) -> bool) -> usize {
        let sessions: Vec<Arc<Session>> = self
            .state
            .read()
            .expect("hub lock")
            .sessions
            .values()
            .filter(|s| s.origin.lock().expect("origin lock").as_deref().is_some_and(&revoked))
            .cloned()
            .collect();
        for s in &sessions {
            s.out.lock().expect("outbox lock").dead = true;
            s.close(CloseCode::AuthenticationFailed, "signed out: this sign-in was revoked");
        }
        sessions.len()
    }

    // ----- routing -------------------------------------------------------

    /// Numbers, serialises (once) and queues an event for its audience.
    /// Returns the dispatch number.
    ///
    /// Dispatches are numbered and queued under one lock, so every session
    /// receives them in `s` order (a resume replays "everything after the
    /// `s` the client last handled").
    pub fn dispatch(&self, audience: Audience, event: Event) -> u64 {
        let volatile = matches!(event, Event::PresenceUpdated { .. } | Event::TypingStarted { .. });
        let body = serde_json::to_string(&event).expect("events always serialise");
        let _order = self.dispatch_order.lock().expect("dispatch lock");
        let s = self.next_s.fetch_add(1, Ordering::Relaxed) + 1;
        // What `encode(&ServerFrame::Dispatch(..))` writes, without a second
        // serialisation of the event.
        let text = Utf8Bytes::from(format!(r#"{{"op":"dispatch","d":{{"s":{s},"event":{body}}}}}"#));
        let frame = Frame::new(s, volatile, text);
        let push = |sessions: &[Arc<Session>]| {
            for session in sessions {
                session.push(frame.clone());
            }
        };
        match audience {
            Audience::User(u) => {
                let st = self.state.read().expect("hub lock");
                if let Some(list) = st.by_user.get(&u) {
                    push(list);
                }
            }
            Audience::Server(_) | Audience::ServerSeeing(..) | Audience::Room(_) | Audience::RoomSeeing(..) => {
                // A room's members, less those `who` blocked (their typing,
                // their presence as they join, would tell them they are around).
                let (room, who) = match audience {
                    Audience::Server(s) => (Room::Server(s), None),
                    Audience::ServerSeeing(s, w) => (Room::Server(s), Some(w)),
                    Audience::Room(r) => (r, None),
                    Audience::RoomSeeing(r, w) => (r, Some(w)),
                    _ => unreachable!("matched above"),
                };
                // Lock order: the directory, then the hub's state.
                let dir = self.dir.read();
                let st = self.state.read().expect("hub lock");
                dir.for_each_in_room(room, |u| {
                    if who.is_none_or(|w| !dir.blocked(w, u))
                        && let Some(list) = st.by_user.get(&u)
                    {
                        push(list);
                    }
                });
            }
            Audience::SharingWith(u) | Audience::PresencePeers(u) => {
                let peers = if matches!(audience, Audience::PresencePeers(_)) {
                    self.dir.read().presence_peers(u, self.presence_limit)
                } else {
                    self.dir.read().peers_of(u)
                };
                let st = self.state.read().expect("hub lock");
                for peer in peers {
                    if let Some(list) = st.by_user.get(&peer) {
                        push(list);
                    }
                }
            }
            Audience::Everyone => {
                let st = self.state.read().expect("hub lock");
                for list in st.by_user.values() {
                    push(list);
                }
            }
        }
        s
    }

    // ----- what a commit means for sessions and rooms ----------------------

    /// The writer committed these effects (called before their events are
    /// dispatched): people removed from a server or a group, or whose server
    /// or room is gone, leave their voice rooms.
    pub fn effects_committed(&self, effects: &[Effect]) {
        for e in effects {
            match *e {
                Effect::RemoveMember { server, user } => {
                    self.voice_unseat(VoiceLeftReason::Removed, |v| v.server_id == Some(server) && v.user_id == user);
                }
                Effect::RemoveServer { server } => {
                    self.voice_unseat(VoiceLeftReason::Removed, |v| v.server_id == Some(server));
                }
                Effect::RemoveDmMember { channel, user } => {
                    self.voice_unseat(VoiceLeftReason::Removed, |v| v.channel_id == channel && v.user_id == user);
                }
                Effect::RemoveChannel { channel } => {
                    self.voice_unseat(VoiceLeftReason::ChannelDeleted, |v| v.channel_id == channel);
                    self.voice_forget_room(channel);
                }
                // Who sees which room may have changed: nobody stays in a
                // room hidden from them.
                Effect::SetAccess { .. }
                | Effect::SetMemberRoles { .. }
                | Effect::SetRoles { .. }
                | Effect::MoveChannel { .. } => self.voice_unseat_unseen(),
                _ => {}
            }
        }
    }

    /// How many members `server` has and how many of them are not offline.
    #[must_use]
    pub fn member_counts(&self, server: ServerId) -> (u32, u32) {
        let dir = self.dir.read();
        let st = self.state.read().expect("hub lock");
        let (mut all, mut online) = (0, 0);
        for u in dir.members(server) {
            all += 1;
            if st.presence_of(u) != Presence::Offline {
                online += 1;
            }
        }
        (all, online)
    }

    // ----- presence ------------------------------------------------------

    /// What others see of `user` now.
    #[must_use]
    pub fn presence(&self, user: UserId) -> Presence {
        self.state.read().expect("hub lock").presence_of(user)
    }

    /// What `viewer` sees of `user` now: offline when `user` blocked them
    /// or they neither share a server nor are friends.
    #[must_use]
    pub fn presence_seen_by(&self, viewer: UserId, user: UserId) -> Presence {
        if !self.dir.read().sees_presence(viewer, user) {
            return Presence::Offline;
        }
        self.presence(user)
    }

    /// The chosen status of `user`.
    #[must_use]
    pub fn status_choice(&self, user: UserId) -> StatusChoice {
        self.state.read().expect("hub lock").people.get(&user).map_or(StatusChoice::Auto, |p| p.choice)
    }

    /// Presence of everyone whose presence `user` sees live (see
    /// `Audience::PresencePeers`) who is not offline.
    #[must_use]
    pub fn presences_for(&self, user: UserId) -> Vec<PresenceEntry> {
        let peers: Vec<UserId> = {
            let dir = self.dir.read();
            let mut peers = dir.presence_peers(user, self.presence_limit);
            peers.retain(|p| !dir.blocked(*p, user));
            peers.into_iter().collect()
        };
        let st = self.state.read().expect("hub lock");
        let mut out: Vec<PresenceEntry> = peers
            .into_iter()
            .filter_map(|u| {
                let p = st.presence_of(u);
                (p != Presence::Offline).then_some(PresenceEntry { user_id: u, presence: p })
            })
            .collect();
        out.sort_by_key(|e| e.user_id);
        out
    }

    /// A connection reports idle/active.
    pub fn set_idle(&self, session: &Session, idle: bool) {
        session.out.lock().expect("outbox lock").idle = idle;
        self.refresh_presence(session.user_id);
    }

    /// A person chooses a status.
    pub fn set_status(&self, user: UserId, choice: StatusChoice) {
        if let Some(p) = self.state.write().expect("hub lock").people.get_mut(&user) {
            p.choice = choice;
        }
        self.refresh_presence(user);
    }

    fn schedule_presence_check(&self, user: UserId) {
        let Some(hub) = self.me.upgrade() else { return };
        let grace = self.presence_grace;
        let token = self.shutdown.clone();
        let clock = self.clock.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = clock.sleep(grace) => hub.refresh_presence(user),
                () = token.cancelled() => {}
            }
        });
    }

    /// Recomputes `user`'s presence and pushes it if it changed.
    fn refresh_presence(&self, user: UserId) {
        let _guard = self.presence_lock.lock().expect("presence lock");
        let changed = {
            let mut st = self.state.write().expect("hub lock");
            let now = st.computed_presence(user, self.presence_grace, self.clock.now());
            match st.people.get_mut(&user) {
                Some(p) if p.shown != now => {
                    p.shown = now;
                    Some(now)
                }
                _ => None,
            }
        };
        if let Some(presence) = changed {
            self.dispatch(Audience::PresencePeers(user), Event::PresenceUpdated { user_id: user, presence });
        }
    }

    /// Whether a socket is writing session `id` now (`None`: no such session).
    /// For tests and metrics.
    #[must_use]
    pub fn is_attached(&self, id: SessionId) -> Option<bool> {
        let session = self.state.read().expect("hub lock").sessions.get(&id).cloned()?;
        Some(session.is_attached())
    }

    /// Number of sessions (attached or resumable), for tests and metrics.
    #[must_use]
    pub fn session_count(&self) -> usize {
        self.state.read().expect("hub lock").sessions.len()
    }
}

impl State {
    fn presence_of(&self, user: UserId) -> Presence {
        self.people.get(&user).map_or(Presence::Offline, |p| p.shown)
    }

    fn computed_presence(&self, user: UserId, grace: Duration, now: Instant) -> Presence {
        let sessions = self.by_user.get(&user).map(Vec::as_slice).unwrap_or_default();
        let attached: Vec<&Arc<Session>> = sessions.iter().filter(|s| s.is_attached()).collect();
        let shown = self.people.get(&user).map_or(Presence::Offline, |p| p.shown);
        if attached.is_empty() {
            // A connection that dropped moments ago keeps the person shown as
            // before (quick reconnects do not flicker); the check scheduled at
            // detach time turns them offline once the grace has passed.
            let recently = sessions.iter().any(|s| {
                let out = s.out.lock().expect("outbox lock");
                !out.dead && out.detached_at.is_some_and(|t| now.saturating_duration_since(t) < grace)
            });
            return if recently { shown } else { Presence::Offline };
        }
        match self.people.get(&user).map_or(StatusChoice::Auto, |p| p.choice) {
            StatusChoice::Invisible => Presence::Offline,
            StatusChoice::Dnd => Presence::Dnd,
            StatusChoice::Away => Presence::Away,
            StatusChoice::Auto if attached.iter().all(|s| s.is_idle()) => Presence::Away,
            StatusChoice::Auto => Presence::Online,
        }
    }
}

/// Serialises a server frame once.
#[must_use]
pub fn encode(frame: &ServerFrame) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(frame).expect("server frames always serialise"))
}

#[cfg(test)]
mod tests {
    use pq_protocol::{
        ChannelId, UserId,
        gateway::{Dispatch, Event, ServerFrame},
    };

    use super::*;
    use crate::{
        chat::directory::{Directory, Published},
        config::{Args, Config},
    };

    fn hub() -> Arc<Hub> {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::resolve(&Args::for_tests(dir.path().to_owned()), "127.0.0.1:9".parse().unwrap()).unwrap();
        Hub::new(&config, Published::new(Directory::default()), CancellationToken::new())
    }

    fn written(session: &Session, conn: u64) -> Vec<String> {
        match session.next_step(conn) {
            WriterStep::Write(frames) => frames.iter().map(|f| f.text().to_owned()).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_dispatch_frame_is_what_serde_writes() {
        let hub = hub();
        let user = UserId::new();
        let session = hub.open_session(user, 1, false, StatusChoice::Auto, None);
        session.release_with(&ServerFrame::HeartbeatAck);
        let event = Event::TypingStarted { channel_id: ChannelId::new(), user_id: user };
        let s = hub.dispatch(Audience::User(user), event.clone());
        let frames = written(&session, 1);
        assert_eq!(frames.last().unwrap(), &encode(&ServerFrame::Dispatch(Box::new(Dispatch { s, event }))).as_str());
    }

    #[tokio::test]
    async fn a_resume_replays_what_came_after_the_last_handled_frame_but_not_presence() {
        let hub = hub();
        let (me, peer) = (UserId::new(), UserId::new());
        let session = hub.open_session(me, 1, false, StatusChoice::Auto, None);
        session.release_with(&ServerFrame::HeartbeatAck);
        let typing = |u| Event::TypingStarted { channel_id: ChannelId::new(), user_id: u };
        let toast = || Event::UserUpdated {
            user: pq_protocol::models::User {
                id: peer,
                display_name: "p".into(),
                avatar_url: None,
                custom_status: None,
            },
        };
        let first = hub.dispatch(Audience::User(me), toast());
        let volatile = hub.dispatch(Audience::User(me), typing(peer));
        written(&session, 1);
        let after = hub.dispatch(Audience::User(me), toast());
        hub.dispatch(Audience::User(me), typing(peer));
        written(&session, 1);
        hub.detach(&session, 1, false);
        // The client last handled the typing notice (not kept): everything
        // replayable after it comes again, nothing volatile.
        let again = hub.resume_session(me, session.id, volatile, 2, None).unwrap();
        let frames = written(&again, 2);
        assert_eq!(frames.len(), 2, "{frames:?}");
        assert!(frames[0].contains(&format!(r#""s":{after},"#)), "{frames:?}");
        assert!(frames[1].starts_with(r#"{"op":"resumed""#));
        // From the first frame: both replayable ones.
        hub.detach(&again, 2, false);
        let again = hub.resume_session(me, session.id, first - 1, 3, None).unwrap();
        assert_eq!(written(&again, 3).len(), 3);
    }
}
