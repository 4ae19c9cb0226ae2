//! The sync task: the one place that talks to the gateway.
//!
//! # Life of a connection
//!
//! 1. Wait until someone is signed in.
//! 2. Get a valid access token (renewed if needed), open the WebSocket, read
//!    `hello`, then `resume` the previous session if there is one, else
//!    `identify`. `invalid_session` → `identify`.
//! 3. `ready`: apply servers, channels, read states and presences to the
//!    cache; then catch up every channel whose cached history is behind the
//!    server (`after` its last cached `seq`, page by page; a channel never
//!    opened gets its newest page), reporting progress; then deliver the
//!    outbox in order. `resumed`: the server replayed what was missed;
//!    catch up only channels with holes, then deliver.
//! 4. Online: apply every dispatch to the cache and re-broadcast it;
//!    heartbeat; a `message_created` whose `seq` skips ahead starts a
//!    catch-up of that channel; the outbox is delivered as it fills, paced
//!    below the rate limit the server announced in `hello`.
//! 5. On any failure: `Reconnecting`, wait (exponential backoff with full
//!    jitter, reset after a connection that reached online), go to 2.
//!
//! Nothing here blocks on the network while holding the cache: REST pages
//! are fetched by helper tasks and handed back through a channel.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, PoisonError},
    time::Duration,
};

use futures_util::{SinkExt, StreamExt, stream::SplitSink};
use pq_protocol::{
    ChannelId, ClientMessageId, ErrorCode, ServerId, SessionId, UserId,
    gateway::{
        ClientFrame, CloseCode, Dispatch, Event as Wire, GatewayError, GatewaySend, Hello, Identify, PROTOCOL_VERSION,
        PresenceEntry, Ready, Resume, ServerFrame, SetIdle, TypingStart,
    },
    models::{ChannelKind, DmState, Message, Presence, SendAck},
    voice::VoiceState,
};
use rand::RngExt;
use tokio::{
    net::TcpStream,
    sync::mpsc,
    time::{Instant, sleep, sleep_until, timeout},
};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message as WsMessage, protocol::CloseFrame},
};
use tracing::{debug, info, warn};

use super::{Command, ConnectionState, Event, Shared};
use crate::{
    api::{ApiError, HistoryQuery},
    auth::AuthState,
    store::{OutboxEntry, OutboxState},
    voice::call::VoiceWire,
};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Sink = SplitSink<Ws, WsMessage>;

/// Messages per history page when catching up.
const PAGE: u32 = 100;
/// Unacknowledged sends at most, over all channels.
const WINDOW: usize = 32;
/// Rows the search indexer takes per step: ~3 ms of holding the cache's
/// write connection (sends wait for it), then everything else gets a turn.
const INDEX_STEP: usize = 500;
/// Channels whose history is fetched at once when catching up.
const FILLS_AT_ONCE: usize = 4;
/// Waits for the server during the handshake.
const HANDSHAKE: Duration = Duration::from_secs(15);
/// Least time between two `typing` frames for one channel.
const TYPING_EVERY: Duration = Duration::from_secs(3);

/// How a connection ended.
#[derive(Debug)]
enum Outcome {
    Shutdown,
    SignedOut,
    SessionExpired,
    Dropped { reason: String, reached_online: bool },
}

/// What backfill helpers send back.
#[derive(Debug)]
enum Fill {
    Dms(Vec<DmState>),
    /// The plans the server offers (their limits), kept for the next start.
    Plans(Vec<pq_protocol::models::PlanInfo>),
    Page {
        channel: ChannelId,
        messages: Vec<Message>,
    },
    Done {
        channel: ChannelId,
    },
    Failed {
        channel: ChannelId,
        error: ApiError,
    },
}

/// Runs until shutdown.
pub(crate) async fn run(shared: Arc<Shared>, mut commands: mpsc::Receiver<Command>) {
    let mut signed_in = false;
    let mut session: Option<(SessionId, u64)> = None;
    let mut attempt: u32 = 0;
    loop {
        if !signed_in {
            match commands.recv().await {
                None | Some(Command::Shutdown) => return,
                Some(Command::SignedIn) => {
                    signed_in = true;
                    attempt = 0;
                }
                Some(_) => continue,
            }
        }
        shared.set_connection(ConnectionState::Connecting);
        let outcome = Connection::new(&shared).run(&mut commands, &mut session).await;
        debug!(?outcome, "gateway connection ended");
        match outcome {
            Outcome::Shutdown => return,
            Outcome::SignedOut => {
                signed_in = false;
                session = None;
            }
            // Signing out revokes the sign-in, and the server closes this
            // connection for it: that is a sign-out, not an expiry.
            Outcome::SessionExpired if matches!(shared.auth.state(), AuthState::SignedOut) => {
                signed_in = false;
                session = None;
            }
            Outcome::SessionExpired => {
                shared.set_connection(ConnectionState::SessionExpired);
                signed_in = false;
                session = None;
            }
            Outcome::Dropped { reason, reached_online } => {
                if reached_online {
                    attempt = 0;
                }
                attempt = attempt.saturating_add(1);
                let delay = backoff(attempt, shared.config.backoff);
                shared.set_connection(ConnectionState::Reconnecting {
                    retry_in_ms: delay.as_millis() as u64,
                    reason: reason.clone(),
                });
                info!(%reason, delay_ms = delay.as_millis() as u64, "gateway: reconnecting");
                let until = Instant::now() + delay;
                loop {
                    tokio::select! {
                        () = sleep_until(until) => break,
                        cmd = commands.recv() => match cmd {
                            None | Some(Command::Shutdown) => return,
                            Some(Command::SignedOut) => { signed_in = false; session = None; break }
                            Some(Command::ReconnectNow) => break,
                            // The outbox is on disk; it goes out once connected.
                            Some(_) => {}
                        },
                    }
                }
            }
        }
    }
}

/// Exponential backoff with full jitter: a random wait up to
/// `min(max, min · 2^(attempt-1))`, never below `min`.
fn backoff(attempt: u32, (min, max): (Duration, Duration)) -> Duration {
    let cap = min.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)).min(max);
    let ms = rand::rng().random_range(min.as_millis() as u64..=cap.as_millis().max(min.as_millis()) as u64);
    Duration::from_millis(ms)
}

/// One connection's state.
struct Connection<'a> {
    shared: &'a Shared,
    /// Channels being caught up (and how many were planned, for progress).
    filling: HashSet<ChannelId>,
    fill_total: u32,
    fill_done: u32,
    fill_tx: mpsc::Sender<Fill>,
    fill_rx: mpsc::Receiver<Fill>,
    /// Conversations whose call came before the conversation itself: the
    /// list was asked for once for each.
    dms_asked: HashSet<ChannelId>,
    /// At most [`FILLS_AT_ONCE`] channels fetch their history at a time.
    fill_slots: Arc<tokio::sync::Semaphore>,
    /// Outbox delivery: at most one unacknowledged message per channel, so
    /// a channel's messages are stored in the order they were written even
    /// when a send must be repeated.
    in_flight: HashMap<ClientMessageId, OutboxEntry>,
    busy_channels: HashSet<ChannelId>,
    /// Pending entries not in flight, per channel, with their outbox position.
    queues: HashMap<ChannelId, VecDeque<(i64, OutboxEntry)>>,
    /// Outbox position up to which `queues` has been loaded.
    loaded_upto: i64,
    /// Reload the outbox from the start (after a reconnect or a refusal).
    reload: bool,
    outbox_wanted: bool,
    retry_at: Option<Instant>,
    /// Sends paced to half the server's announced frame rate (set by
    /// `hello`; nothing goes before it).
    pacing: Option<governor::DefaultDirectRateLimiter>,
    /// When the pacing allows the next send, after one was held back.
    paced_until: Option<Instant>,
    /// Search indexer has work.
    index_due: bool,
    typing: HashMap<ChannelId, Instant>,
    online: bool,
}

impl<'a> Connection<'a> {
    fn new(shared: &'a Shared) -> Self {
        let (fill_tx, fill_rx) = mpsc::channel(64);
        Self {
            shared,
            filling: HashSet::new(),
            fill_total: 0,
            fill_done: 0,
            fill_tx,
            fill_rx,
            dms_asked: HashSet::new(),
            fill_slots: Arc::new(tokio::sync::Semaphore::new(FILLS_AT_ONCE)),
            in_flight: HashMap::new(),
            busy_channels: HashSet::new(),
            queues: HashMap::new(),
            loaded_upto: 0,
            reload: true,
            outbox_wanted: true,
            retry_at: None,
            pacing: None,
            paced_until: None,
            index_due: true,
            typing: HashMap::new(),
            online: false,
        }
    }

    async fn run(mut self, commands: &mut mpsc::Receiver<Command>, session: &mut Option<(SessionId, u64)>) -> Outcome {
        let shared = self.shared;
        let dropped = |reason: String| Outcome::Dropped { reason, reached_online: false };
        let token = match shared.auth.access_token().await {
            Ok(t) => t,
            Err(e) if e.needs_sign_in() => return Outcome::SessionExpired,
            Err(e) => return dropped(e.to_string()),
        };
        let mut url = shared.config.server.clone();
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        if url.set_scheme(scheme).is_err() {
            return dropped(format!("cannot make a WebSocket URL from {}", shared.config.server));
        }
        url.set_path("/gateway");
        let ws = match timeout(HANDSHAKE, tokio_tungstenite::connect_async(url.as_str())).await {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => return dropped(format!("cannot reach the server: {e}")),
            Err(_) => return dropped("the server did not answer in time".into()),
        };
        let (mut sink, mut stream) = ws.split();

        // hello
        let hello: Hello = match read_frame(&mut stream).await {
            Ok(ServerFrame::Hello(h)) => h,
            Ok(other) => return dropped(format!("unexpected first frame {other:?}")),
            Err(e) => return dropped(e),
        };
        self.pacing = Some(pacing(hello.rate_per_sec * 0.5, f64::from(hello.rate_burst) / 2.0));
        let heartbeat_every = Duration::from_millis(u64::from(hello.heartbeat_interval_ms.max(100)));

        // identify or resume
        let first = match session.take() {
            Some((session_id, last_seq)) => {
                ClientFrame::Resume(Resume { v: PROTOCOL_VERSION, token: token.clone(), session_id, last_seq })
            }
            None => ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token: token.clone(), idle: None }),
        };
        if let Err(e) = send(&mut sink, &first).await {
            return dropped(e);
        }
        let mut catching_up = true;
        loop {
            let frame = match timeout(HANDSHAKE, read_frame(&mut stream)).await {
                Ok(Ok(f)) => f,
                Ok(Err(e)) => return self.closed(e, &token).await,
                Err(_) => return dropped("no answer to identify in time".into()),
            };
            match frame {
                ServerFrame::Ready(ready) => {
                    *session = Some((ready.session_id, 0));
                    if let Err(e) = self.apply_ready(&ready) {
                        warn!(error = %e, "cannot apply ready");
                        shared.emit(Event::Error { message: e.to_string() });
                    }
                    self.plan_catch_up(false);
                    // The server seats nobody from a new session: a call joins again.
                    shared.calls.forward(VoiceWire::NewSession);
                    break;
                }
                ServerFrame::Resumed(r) => {
                    debug!(replayed = r.replayed, "gateway: resumed");
                    self.apply_presences(&r.presences);
                    self.plan_catch_up(true);
                    break;
                }
                ServerFrame::InvalidSession(i) => {
                    debug!(reason = %i.reason, "gateway: session not resumable; identifying");
                    let identify =
                        ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token: token.clone(), idle: None });
                    if let Err(e) = send(&mut sink, &identify).await {
                        return dropped(e);
                    }
                }
                ServerFrame::Dispatch(d) => {
                    // Replayed during resume.
                    if let Some((_, last)) = session.as_mut() {
                        *last = d.s;
                    }
                    self.apply(*d);
                }
                _ => {}
            }
        }
        self.report_progress();

        // online loop
        let mut heartbeat = tokio::time::interval_at(Instant::now() + heartbeat_every, heartbeat_every);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut awaiting_ack = false;
        loop {
            if catching_up && self.filling.is_empty() {
                catching_up = false;
                self.online = true;
                shared.set_connection(ConnectionState::Online);
                self.outbox_wanted = true;
            }
            // Deliver what can go now.
            if !catching_up && let Err(e) = self.deliver(&mut sink).await {
                return Outcome::Dropped { reason: e, reached_online: self.online };
            }
            let next_delivery = self.next_delivery_at(catching_up);
            tokio::select! {
                msg = stream.next() => {
                    let frame = match decode(msg) {
                        Ok(Some(f)) => f,
                        Ok(None) => continue,
                        Err(e) => {
                            let online = self.online;
                            return match self.closed(e, &token).await {
                                Outcome::Dropped { reason, .. } => Outcome::Dropped { reason, reached_online: online },
                                other => other,
                            };
                        }
                    };
                    match frame {
                        ServerFrame::Dispatch(d) => {
                            if let Some((_, last)) = session.as_mut() {
                                *last = d.s;
                            }
                            self.apply(*d);
                        }
                        ServerFrame::HeartbeatAck => awaiting_ack = false,
                        ServerFrame::Ack(ack) => self.acked(&ack),
                        ServerFrame::Error(e) if e.client_id.is_none() && is_voice_refusal(e.error.code) => {
                            shared.calls.forward(VoiceWire::Refused(e.error));
                        }
                        ServerFrame::Error(e) => self.refused(e),
                        ServerFrame::VoiceJoined(j) => shared.calls.forward(VoiceWire::Joined(j)),
                        ServerFrame::VoiceLeft(l) => shared.calls.forward(VoiceWire::Left(l)),
                        ServerFrame::VoiceSignal(s) => shared.calls.forward(VoiceWire::Signal(s)),
                        ServerFrame::InvalidSession(_) => {
                            *session = None;
                            return Outcome::Dropped { reason: "the server ended the session".into(), reached_online: self.online };
                        }
                        _ => {}
                    }
                }
                _ = heartbeat.tick() => {
                    if awaiting_ack {
                        return Outcome::Dropped { reason: "the server stopped answering".into(), reached_online: self.online };
                    }
                    awaiting_ack = true;
                    if let Err(e) = send(&mut sink, &ClientFrame::Heartbeat).await {
                        return Outcome::Dropped { reason: e, reached_online: self.online };
                    }
                }
                cmd = commands.recv() => match cmd {
                    None | Some(Command::Shutdown) => {
                        let _ = sink.send(WsMessage::Close(Some(CloseFrame { code: 1000.into(), reason: "bye".into() }))).await;
                        return Outcome::Shutdown;
                    }
                    Some(Command::SignedOut) => {
                        let _ = sink.send(WsMessage::Close(Some(CloseFrame { code: 1000.into(), reason: "signed out".into() }))).await;
                        return Outcome::SignedOut;
                    }
                    Some(Command::Flush) => self.outbox_wanted = true,
                    Some(Command::Reload) => {
                        self.reload = true;
                        self.outbox_wanted = true;
                    }
                    Some(Command::Fill(c)) => self.start_fill(c, None),
                    Some(Command::Typing(c)) => {
                        let due = self.typing.get(&c).is_none_or(|t| t.elapsed() >= TYPING_EVERY);
                        if due && self.take_token() {
                            self.typing.insert(c, Instant::now());
                            if let Err(e) = send(&mut sink, &ClientFrame::Typing(TypingStart { channel_id: c })).await {
                                return Outcome::Dropped { reason: e, reached_online: self.online };
                            }
                        }
                    }
                    Some(Command::Voice(frame)) => {
                        if let Err(e) = send(&mut sink, &frame).await {
                            return Outcome::Dropped { reason: e, reached_online: self.online };
                        }
                    }
                    Some(Command::Idle(idle)) => {
                        if let Err(e) = send(&mut sink, &ClientFrame::SetIdle(SetIdle { idle })).await {
                            return Outcome::Dropped { reason: e, reached_online: self.online };
                        }
                    }
                    Some(Command::SignedIn | Command::ReconnectNow) => {}
                },
                Some(fill) = self.fill_rx.recv() => self.filled(fill),
                () = sleep_until(next_delivery.unwrap_or_else(far_future)), if next_delivery.is_some() => {
                    self.retry_at = None;
                    self.outbox_wanted = true;
                }
                () = sleep(Duration::from_millis(5)), if self.index_due => self.index_step(),
            }
        }
    }

    /// Turns a read failure into an outcome (refreshing the token when the
    /// server refused it).
    async fn closed(&self, reason: String, token: &str) -> Outcome {
        if reason.starts_with(&format!("closed {}", CloseCode::AuthenticationFailed.code())) {
            return match self.shared.auth.after_unauthorized(token).await {
                Ok(_) => Outcome::Dropped { reason: "renewed the session".into(), reached_online: false },
                Err(e) if e.needs_sign_in() => Outcome::SessionExpired,
                Err(e) => Outcome::Dropped { reason: e.to_string(), reached_online: false },
            };
        }
        Outcome::Dropped { reason, reached_online: false }
    }

    /// Replaces everyone's presence with the server's snapshot (after a
    /// resume: changes made while away were not kept) and tells the UI of
    /// every difference.
    fn apply_presences(&self, now: &[PresenceEntry]) {
        let shared = &self.shared;
        shared.marks.lock().unwrap_or_else(PoisonError::into_inner).everything();
        let changed: Vec<(UserId, Presence)> = {
            let mut p = shared.presence.lock().unwrap_or_else(PoisonError::into_inner);
            let fresh: HashMap<UserId, Presence> = now.iter().map(|e| (e.user_id, e.presence)).collect();
            let mut changed: Vec<(UserId, Presence)> =
                p.keys().filter(|u| !fresh.contains_key(u)).map(|u| (*u, Presence::Offline)).collect();
            changed.extend(fresh.iter().filter(|(u, v)| p.get(u) != Some(v)).map(|(u, v)| (*u, *v)));
            *p = fresh;
            changed
        };
        for (user_id, presence) in changed {
            shared.emit(Event::Presence { user_id, presence });
        }
    }

    fn apply_ready(&mut self, ready: &Ready) -> crate::error::Result<()> {
        self.fetch_plans();
        let shared = self.shared;
        {
            let mut store = shared.store()?;
            store.set_meta("me", &ready.me)?;
            for (i, s) in ready.servers.iter().enumerate() {
                store.apply_server_state(s, i as i64)?;
            }
            // Servers joined over REST moments ago may be missing from a
            // `ready` the server built before the join: keep them (their
            // `server_joined` follows on this session).
            let mut keep: Vec<ServerId> = ready.servers.iter().map(|s| s.server.id).collect();
            {
                let mut recent = shared.joined_recently.lock().unwrap_or_else(PoisonError::into_inner);
                recent.retain(|_, at| at.elapsed() < Duration::from_secs(60));
                keep.extend(recent.keys().copied());
            }
            store.retain_servers(&keep)?;
            for d in &ready.dms {
                store.apply_dm(&d.channel, Some(&d.read_state))?;
            }
            let dms: Vec<ChannelId> = ready.dms.iter().map(|d| d.channel.id).collect();
            store.retain_dms(&dms)?;
        }
        for s in &ready.servers {
            shared.set_events(s.server.id, s.events.clone())?;
        }
        let known: std::collections::HashSet<ServerId> =
            shared.store()?.servers()?.iter().map(|s| s.server.id).collect();
        shared.retain_events(&known)?;
        *shared.me.lock().unwrap_or_else(PoisonError::into_inner) = Some(ready.me.clone());
        shared.set_status(ready.status);
        shared.set_relationships(&ready.relationships)?;
        *shared.invites.lock().unwrap_or_else(PoisonError::into_inner) = ready.invites.clone();
        shared.emit(Event::InvitesChanged);
        {
            let mut p = shared.presence.lock().unwrap_or_else(PoisonError::into_inner);
            p.clear();
            for e in &ready.presences {
                p.insert(e.user_id, e.presence);
            }
        }
        // Member lists may have changed while away: the next read refreshes
        // them, and one on its way now is older than this.
        shared.marks.lock().unwrap_or_else(PoisonError::into_inner).everything();
        shared.members_fetched.lock().unwrap_or_else(PoisonError::into_inner).clear();
        *shared.voice.lock().unwrap_or_else(PoisonError::into_inner) =
            ready.servers.iter().map(|s| (s.server.id, s.voice_states.clone())).collect();
        // Calls going on now, and those that were (they may have ended while away).
        let calls_changed: Vec<ChannelId> = {
            let mut calls = shared.dm_calls.lock().unwrap_or_else(PoisonError::into_inner);
            let fresh: HashMap<ChannelId, Vec<VoiceState>> = ready
                .dms
                .iter()
                .filter(|d| !d.voice_states.is_empty())
                .map(|d| (d.channel.id, d.voice_states.clone()))
                .collect();
            let changed = calls.keys().chain(fresh.keys()).copied().collect::<HashSet<_>>().into_iter().collect();
            *calls = fresh;
            changed
        };
        shared.emit(Event::ServersChanged);
        shared.emit(Event::DmsChanged);
        for channel_id in calls_changed {
            shared.emit(Event::DmCallChanged { channel_id });
        }
        for s in &ready.servers {
            shared.emit(Event::ChannelsChanged { server_id: s.server.id });
            shared.emit(Event::VoiceChanged { server_id: s.server.id });
        }
        Ok(())
    }

    /// Starts catching up every text channel that is behind (`only_holes`:
    /// only those with a hole after their cached range, as after a resume).
    fn plan_catch_up(&mut self, only_holes: bool) {
        let Ok(store) = self.shared.store() else { return };
        // Text channels of servers and DMs alike.
        let Ok(behind) = store.channels_behind() else { return };
        let plan: Vec<(ChannelId, Option<u64>)> = behind
            .into_iter()
            .filter(|(_, synced)| !only_holes || *synced > 0)
            .map(|(c, synced)| (c, (synced > 0).then_some(synced)))
            .collect();
        drop(store);
        self.fill_total = plan.len() as u32;
        self.fill_done = 0;
        for (c, after) in plan {
            self.start_fill(c, after);
        }
    }

    fn report_progress(&self) {
        if !self.filling.is_empty() {
            self.shared.set_connection(ConnectionState::Syncing {
                done: self.fill_done,
                total: self.fill_total.max(self.fill_done + 1),
            });
        }
    }

    /// Fetches a channel's missing history in the background: everything
    /// after `after`, or (never opened) its newest page.
    fn start_fill(&mut self, channel: ChannelId, after: Option<u64>) {
        if !self.filling.insert(channel) {
            return;
        }
        let after = after.or_else(|| {
            self.shared
                .store()
                .ok()
                .and_then(|s| s.sync_state(channel).ok().flatten())
                .and_then(|c| (c.synced_seq > 0).then_some(c.synced_seq))
        });
        let api = self.shared.api.clone();
        let tx = self.fill_tx.clone();
        let slots = self.fill_slots.clone();
        tokio::spawn(async move {
            // A few channels at a time: a client back after a week in 300
            // channels does not open 300 requests at once.
            let Ok(_slot) = slots.acquire_owned().await else { return };
            let result: Result<(), ApiError> = async {
                match after {
                    None => {
                        let page = api.history(channel, HistoryQuery::latest(PAGE)).await?;
                        let _ = tx.send(Fill::Page { channel, messages: page.messages }).await;
                    }
                    Some(mut after) => loop {
                        let page = api.history(channel, HistoryQuery::after(after, PAGE)).await?;
                        let more = page.has_more;
                        if let Some(last) = page.messages.last() {
                            after = last.seq;
                        }
                        let empty = page.messages.is_empty();
                        if tx.send(Fill::Page { channel, messages: page.messages }).await.is_err() || !more || empty {
                            break;
                        }
                    },
                }
                Ok(())
            }
            .await;
            let _ = match result {
                Ok(()) => tx.send(Fill::Done { channel }).await,
                Err(error) => tx.send(Fill::Failed { channel, error }).await,
            };
        });
    }

    fn filled(&mut self, fill: Fill) {
        match fill {
            Fill::Plans(plans) => self.shared.remember_plans(plans),
            Fill::Dms(dms) => {
                let applied: crate::error::Result<()> = (|| {
                    let mut store = self.shared.store()?;
                    for d in &dms {
                        store.apply_dm(&d.channel, Some(&d.read_state))?;
                    }
                    Ok(())
                })();
                if let Err(e) = applied {
                    warn!(error = %e, "cannot cache the direct messages");
                }
                self.shared.emit(Event::DmsChanged);
            }
            Fill::Page { channel, messages } => {
                if messages.is_empty() {
                    return;
                }
                if let Err(e) = self.ingest(&messages, false) {
                    warn!(error = %e, "cannot cache a history page");
                }
                self.shared.emit(Event::TimelineChanged { channel_id: channel });
            }
            Fill::Done { channel } => {
                self.filling.remove(&channel);
                self.fill_done += 1;
                self.report_progress();
            }
            Fill::Failed { channel, error } => {
                self.filling.remove(&channel);
                self.fill_done += 1;
                warn!(%error, %channel, "catching up a channel failed");
                if !error.is_unreachable() {
                    self.shared.emit(Event::Error { message: format!("could not load a channel's history: {error}") });
                }
            }
        }
    }

    /// Caches messages; those of mine still in the outbox leave it.
    fn ingest(&mut self, messages: &[Message], live: bool) -> crate::error::Result<()> {
        let me = self.shared.me().map(|m| m.id);
        let mut acked = Vec::new();
        {
            let mut store = self.shared.store()?;
            for m in messages.iter().filter(|m| Some(m.author_id) == me) {
                if let Some(e) = store.outbox_ack(m)? {
                    acked.push(e);
                }
            }
            store.ingest(messages)?;
        }
        for e in acked {
            if self.in_flight.remove(&e.client_id).is_some() {
                self.busy_channels.remove(&e.channel_id);
            }
            if let Some(q) = self.queues.get_mut(&e.channel_id) {
                q.retain(|(_, q)| q.client_id != e.client_id);
            }
            if !e.files.is_empty()
                && let Some(files) = self.shared.files()
            {
                files.adopt(e.client_id, &e.files, self.shared.file_budget());
            }
            self.shared.emit(Event::OutboxRemoved { client_id: e.client_id, channel_id: e.channel_id });
        }
        if live {
            for m in messages {
                self.shared.emit(self.shared.message_event(m.clone(), true));
            }
        }
        self.index_due = true;
        Ok(())
    }

    fn index_step(&mut self) {
        match self.shared.store().map(|mut s| s.index_pending(INDEX_STEP)) {
            Ok(Ok(n)) => self.index_due = n == INDEX_STEP,
            Ok(Err(e)) => {
                warn!(error = %e, "search indexing failed");
                self.index_due = false;
            }
            Err(_) => self.index_due = false,
        }
    }

    /// Applies one dispatch to the cache and re-broadcasts it.
    fn apply(&mut self, d: Dispatch) {
        if let Err(e) = self.apply_event(d.event) {
            warn!(error = %e, "cannot apply an event");
        }
    }

    fn apply_event(&mut self, event: Wire) -> crate::error::Result<()> {
        let shared = self.shared;
        let me = shared.me().map(|m| m.id);
        match event {
            Wire::MessageCreated { message } => {
                let by_me = Some(message.author_id) == me;
                let (channel, seq) = (message.channel_id, message.seq);
                let (synced, dm) = {
                    let mut store = shared.store()?;
                    store.note_new_message(channel, seq, by_me)?;
                    let dm = store.note_dm_activity(channel, message.created_at)?;
                    (store.sync_state(channel)?.map(|c| c.synced_seq), dm)
                };
                self.ingest(std::slice::from_ref(&message), true)?;
                // A hole before it: catch up.
                if let Some(synced) = synced
                    && synced > 0
                    && seq > synced + 1
                {
                    self.start_fill(channel, Some(synced));
                }
                if let Some(c) = shared.store()?.sync_state(channel)? {
                    shared.emit(Event::ReadState {
                        channel_id: channel,
                        last_read_seq: c.last_read_seq,
                        unread_count: c.unread_count,
                    });
                }
                if dm {
                    shared.emit(Event::DmsChanged);
                }
            }
            Wire::MessageEdited { channel_id, message_id, body, edited_at, .. } => {
                let mut store = shared.store()?;
                store.apply_edit(message_id, &body, edited_at)?;
                let m = store.message(message_id)?;
                drop(store);
                match m {
                    Some(message) => shared.emit(shared.message_event(message, false)),
                    None => shared.emit(Event::TimelineChanged { channel_id }),
                }
                self.index_due = true;
            }
            Wire::MessageDeleted { channel_id, message_id, .. } => {
                let kept = shared.store()?.message(message_id)?.map(|m| m.attachments).unwrap_or_default();
                shared.store()?.apply_delete(message_id)?;
                if let Some(files) = shared.files() {
                    kept.iter().for_each(|a| files.forget(a.id));
                }
                shared.emit(Event::MessageDeleted { channel_id, message_id });
            }
            Wire::ReactionAdded { message_id, user_id, emoji, .. } => {
                self.react(message_id, &emoji, true, Some(user_id) == me)?
            }
            Wire::ReactionRemoved { message_id, user_id, emoji, .. } => {
                self.react(message_id, &emoji, false, Some(user_id) == me)?;
            }
            Wire::ScheduleUpdated { event } => shared.upsert_event(event)?,
            Wire::ScheduleDeleted { server_id, event_id } => shared.remove_event(server_id, event_id)?,
            Wire::MessagePinned { message_id, pinned, .. } => {
                let mut store = shared.store()?;
                store.set_pinned(message_id, pinned)?;
                let m = store.message(message_id)?;
                drop(store);
                if let Some(message) = m {
                    shared.emit(shared.message_event(message, false));
                }
            }
            Wire::ReadMarkerUpdated { channel_id, last_read_seq, unread_count } => {
                shared.store()?.set_read_state(channel_id, last_read_seq, unread_count)?;
                shared.emit(Event::ReadState { channel_id, last_read_seq, unread_count });
            }
            Wire::UnreadByChanged { channel_id, after_seq, through_seq, delta } => {
                shared.store()?.apply_unread_by(channel_id, after_seq, through_seq, delta)?;
                shared.emit(Event::TimelineChanged { channel_id });
            }
            Wire::TypingStarted { channel_id, user_id } => {
                if Some(user_id) != me {
                    shared.emit(Event::Typing { channel_id, user_id });
                }
            }
            Wire::PresenceUpdated { user_id, presence } => {
                shared.marks.lock().unwrap_or_else(PoisonError::into_inner).user(user_id);
                shared.presence.lock().unwrap_or_else(PoisonError::into_inner).insert(user_id, presence);
                shared.emit(Event::Presence { user_id, presence });
            }
            Wire::UserUpdated { user } => shared.remember_user(user)?,
            Wire::MeUpdated { me } => shared.remember_me(&me)?,
            Wire::DmUpdated { channel } => {
                shared.store()?.apply_dm(&channel, None)?;
                shared.emit(Event::DmsChanged);
            }
            Wire::DmRemoved { channel_id } => {
                shared.store()?.remove_channel(channel_id)?;
                shared.emit(Event::DmsChanged);
            }
            Wire::StatusChanged { status } => shared.set_status(status),
            Wire::RelationshipChanged { relationship } => shared.remember_relationship(relationship, true)?,
            Wire::RelationshipRemoved { user_id } => shared.forget_relationship(user_id)?,
            Wire::ServerJoined { state } => {
                {
                    let mut store = shared.store()?;
                    let sort = store.servers()?.len() as i64;
                    store.apply_server_state(&state, sort)?;
                }
                shared.set_events(state.server.id, state.events.clone())?;
                shared.emit(Event::ServersChanged);
                shared.emit(Event::ChannelsChanged { server_id: state.server.id });
                for c in state.channels.iter().filter(|c| c.kind == ChannelKind::Text && c.last_seq > 0) {
                    self.start_fill(c.id, None);
                }
            }
            Wire::ServerUpdated { server } => {
                shared.store()?.update_server(&server)?;
                shared.emit(Event::ServersChanged);
            }
            Wire::ServerRemoved { server_id, .. } => shared.forget_server(server_id)?,
            Wire::MemberJoined { server_id, member } => {
                shared.marks.lock().unwrap_or_else(PoisonError::into_inner).member(server_id, member.user.id, false);
                shared.store()?.upsert_member(server_id, &member)?;
                shared.presence.lock().unwrap_or_else(PoisonError::into_inner).insert(member.user.id, member.presence);
                shared.emit(Event::MembersChanged { server_id });
                if Some(member.user.id) != me {
                    shared.emit(Event::MemberJoined { server_id, user: member.user });
                }
            }
            Wire::MemberLeft { server_id, user_id, .. } => {
                shared.marks.lock().unwrap_or_else(PoisonError::into_inner).member(server_id, user_id, true);
                shared.store()?.remove_member(server_id, user_id)?;
                shared.emit(Event::MembersChanged { server_id });
            }
            Wire::MemberUpdated { server_id, user_id, roles } => {
                shared.marks.lock().unwrap_or_else(PoisonError::into_inner).member(server_id, user_id, false);
                let mut store = shared.store()?;
                store.set_member_roles(server_id, user_id, &roles)?;
                if Some(user_id) == me {
                    store.set_my_roles(server_id, &roles)?;
                }
                drop(store);
                shared.emit(Event::MembersChanged { server_id });
                if Some(user_id) == me {
                    shared.emit(Event::ServersChanged);
                }
            }
            Wire::InviteReceived { invite } => {
                {
                    let mut list = shared.invites.lock().unwrap_or_else(PoisonError::into_inner);
                    list.retain(|i| i.preview.code != invite.preview.code);
                    list.push(invite.clone());
                }
                shared.emit(Event::InvitesChanged);
                shared.emit(Event::InviteReceived { invite });
            }
            Wire::InviteResolved { code } => shared.forget_invite(&code),
            Wire::RolesUpdated { server_id, roles } => {
                shared.store()?.set_server_roles(server_id, &roles)?;
                shared.emit(Event::ServersChanged);
                shared.emit(Event::MembersChanged { server_id });
            }
            Wire::ChannelCreated { channel } | Wire::ChannelUpdated { channel } => {
                shared.store()?.upsert_channel(&channel)?;
                shared.emit(Event::ChannelsChanged { server_id: channel.server_id });
            }
            Wire::ChannelDeleted { server_id, channel_id } => {
                shared.store()?.remove_channel(channel_id)?;
                shared.emit(Event::ChannelsChanged { server_id });
            }
            Wire::ChannelsReordered { server_id, channels } => {
                let mut store = shared.store()?;
                for c in &channels {
                    store.upsert_channel(c)?;
                }
                drop(store);
                shared.emit(Event::ChannelsChanged { server_id });
            }
            Wire::Toast { toast } => shared.emit(Event::Toast { toast }),
            Wire::MembershipChanged { membership } => shared.emit(Event::MembershipChanged { membership }),
            Wire::PaidEventChanged { event } => shared.emit(Event::PaidEventChanged { event }),
            Wire::PlanChanged { plan } => {
                let updated = {
                    let mut me = shared.me.lock().unwrap_or_else(PoisonError::into_inner);
                    me.as_mut().map(|m| {
                        m.plan = plan;
                        m.clone()
                    })
                };
                if let Some(m) = updated {
                    shared.store()?.set_meta("me", &m)?;
                }
                shared.emit(Event::PlanChanged { plan });
            }
            Wire::VoiceStateUpdated { state } => {
                shared.calls.forward(VoiceWire::Updated(state.clone()));
                let Some(server_id) = state.server_id else {
                    return self.dm_call_updated(state);
                };
                {
                    let mut voice = shared.voice.lock().unwrap_or_else(PoisonError::into_inner);
                    let room = voice.entry(server_id).or_default();
                    match room.iter_mut().find(|v| v.user_id == state.user_id) {
                        Some(v) => *v = state,
                        None => room.push(state),
                    }
                    room.sort_by_key(|v| (v.channel_id, v.joined_at));
                }
                shared.emit(Event::VoiceChanged { server_id });
            }
            Wire::VoiceStateRemoved { server_id, channel_id, user_id, voice_session } => {
                shared.calls.forward(VoiceWire::Removed { user_id, voice_session });
                let gone = |v: &VoiceState| v.user_id == user_id && v.voice_session == voice_session;
                match server_id {
                    Some(server_id) => {
                        let mut voice = shared.voice.lock().unwrap_or_else(PoisonError::into_inner);
                        if let Some(room) = voice.get_mut(&server_id) {
                            room.retain(|v| !gone(v));
                        }
                        drop(voice);
                        shared.emit(Event::VoiceChanged { server_id });
                    }
                    None => {
                        let mut calls = shared.dm_calls.lock().unwrap_or_else(PoisonError::into_inner);
                        if let Some(call) = calls.get_mut(&channel_id) {
                            call.retain(|v| !gone(v));
                            if call.is_empty() {
                                calls.remove(&channel_id);
                            }
                        }
                        drop(calls);
                        shared.emit(Event::DmCallChanged { channel_id });
                    }
                }
            }
            Wire::CallDeclined { channel_id, user_id } => shared.emit(Event::CallDeclined { channel_id, user_id }),
        }
        Ok(())
    }

    /// Someone joined (or changed their state in) the call of a
    /// direct-message channel. When someone else starts it, it rings here
    /// (unless I am in it already); a conversation this cache does not know
    /// yet (a direct channel nobody wrote in) is fetched.
    fn dm_call_updated(&mut self, state: VoiceState) -> crate::error::Result<()> {
        let shared = self.shared;
        let channel_id = state.channel_id;
        let me = shared.me().map(|m| m.id);
        let started = {
            let mut calls = shared.dm_calls.lock().unwrap_or_else(PoisonError::into_inner);
            let call = calls.entry(channel_id).or_default();
            let started = call.iter().all(|v| v.user_id == state.user_id);
            let mine = call.iter().any(|v| Some(v.user_id) == me);
            match call.iter_mut().find(|v| v.user_id == state.user_id) {
                Some(v) => *v = state.clone(),
                None => call.push(state.clone()),
            }
            call.sort_by_key(|v| v.joined_at);
            started && !mine && Some(state.user_id) != me
        };
        // Once per channel: its speaking updates must not each ask again.
        if shared.store()?.dm(channel_id)?.is_none() && self.dms_asked.insert(channel_id) {
            self.fetch_dms();
        }
        shared.emit(Event::DmCallChanged { channel_id });
        if started {
            shared.emit(Event::Ringing { channel_id, caller: state.user_id });
        }
        Ok(())
    }

    /// Reads the list of direct-message channels again in the background.
    /// Asks for the plans' limits (once per connection; kept in `meta`).
    fn fetch_plans(&self) {
        let api = self.shared.api.clone();
        let tx = self.fill_tx.clone();
        tokio::spawn(async move {
            if let Ok(plans) = api.plans().await {
                let _ = tx.send(Fill::Plans(plans)).await;
            }
        });
    }

    fn fetch_dms(&self) {
        let api = self.shared.api.clone();
        let tx = self.fill_tx.clone();
        tokio::spawn(async move {
            if let Ok(dms) = api.dms().await {
                let _ = tx.send(Fill::Dms(dms)).await;
            }
        });
    }

    fn react(&self, message: pq_protocol::MessageId, emoji: &str, added: bool, mine: bool) -> crate::error::Result<()> {
        let mut store = self.shared.store()?;
        store.apply_reaction(message, emoji, added, mine)?;
        let m = store.message(message)?;
        drop(store);
        if let Some(message) = m {
            self.shared.emit(self.shared.message_event(message, false));
        }
        Ok(())
    }

    // ----- outbox ---------------------------------------------------------

    fn take_token(&mut self) -> bool {
        use governor::clock::Clock as _;
        let Some(pacing) = &self.pacing else { return false };
        match pacing.check() {
            Ok(()) => {
                self.paced_until = None;
                true
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
                self.paced_until = Some(Instant::now() + wait);
                false
            }
        }
    }

    /// When delivery should be tried again (a retry wait or the next token).
    fn next_delivery_at(&self, catching_up: bool) -> Option<Instant> {
        if catching_up {
            return None;
        }
        if let Some(at) = self.retry_at {
            return Some(at);
        }
        let sendable = self.next_sendable().is_some();
        if sendable && self.in_flight.len() < WINDOW {
            return self.paced_until;
        }
        None
    }

    /// Sends what the window, the pacing and any retry wait allow.
    async fn deliver(&mut self, sink: &mut Sink) -> Result<(), String> {
        if self.retry_at.is_some_and(|t| t > Instant::now()) {
            return Ok(());
        }
        if self.outbox_wanted {
            self.outbox_wanted = false;
            if std::mem::take(&mut self.reload) {
                self.queues.clear();
                self.loaded_upto = 0;
            }
            let fresh = match self.shared.store().and_then(|s| s.outbox_since(self.loaded_upto).map_err(Into::into)) {
                Ok(v) => v,
                Err(e) => {
                    warn!(error = %e, "cannot read the outbox");
                    return Ok(());
                }
            };
            for (pos, e) in fresh {
                self.loaded_upto = self.loaded_upto.max(pos);
                // One with files waits for the uploader (which asks for a
                // reload when they are all up).
                if e.state == OutboxState::Pending && e.uploaded() && !self.in_flight.contains_key(&e.client_id) {
                    self.queues.entry(e.channel_id).or_default().push_back((pos, e));
                }
            }
        }
        // In outbox order, the first waiting message of every channel that
        // has none in flight.
        while self.in_flight.len() < WINDOW {
            let Some(channel) = self.next_sendable() else { break };
            if !self.take_token() {
                break;
            }
            let Some((_, entry)) = self.queues.get_mut(&channel).and_then(VecDeque::pop_front) else { break };
            let frame = ClientFrame::SendMessage(GatewaySend {
                channel_id: entry.channel_id,
                client_id: entry.client_id,
                body: entry.body.clone(),
                reply_to: entry.reply_to,
                attachments: entry.attachments().iter().map(|a| a.id).collect(),
            });
            if let Ok(mut store) = self.shared.store() {
                let _ = store.outbox_attempted(entry.client_id);
            }
            self.busy_channels.insert(entry.channel_id);
            self.in_flight.insert(entry.client_id, entry);
            send(sink, &frame).await?;
        }
        Ok(())
    }

    /// The channel whose next message goes next: not busy, and written
    /// first among those.
    fn next_sendable(&self) -> Option<ChannelId> {
        self.queues
            .iter()
            .filter(|(c, _)| !self.busy_channels.contains(*c))
            .filter_map(|(c, q)| q.front().map(|(pos, _)| (*pos, *c)))
            .min()
            .map(|(_, c)| c)
    }

    fn acked(&mut self, ack: &SendAck) {
        let Some(entry) = self.in_flight.remove(&ack.client_id) else { return };
        self.busy_channels.remove(&entry.channel_id);
        let Some(me) = self.shared.me() else { return };
        let attachments = entry.attachments();
        // The message as the server stored it (its `message_created` usually
        // came first and already did this).
        let message = Message {
            id: ack.message_id,
            channel_id: ack.channel_id,
            seq: ack.seq,
            author_id: me.id,
            client_id: ack.client_id,
            body: entry.body,
            reply_to: entry.reply_to,
            created_at: ack.created_at,
            edited_at: None,
            deleted: false,
            reactions: vec![],
            unread_by: 0,
            pinned: false,
            mentions_everyone: false,
            kind: pq_protocol::models::MessageKind::Default,
            attachments,
        };
        let still_pending =
            self.shared.store().ok().and_then(|s| s.outbox_entry(ack.client_id).ok().flatten()).is_some();
        if still_pending {
            if let Err(e) = self.ingest(std::slice::from_ref(&message), false) {
                warn!(error = %e, "cannot cache an acknowledged message");
            }
            self.shared.emit(self.shared.message_event(message, false));
        }
    }

    fn refused(&mut self, e: GatewayError) {
        let Some(client_id) = e.client_id else {
            debug!(error = %e.error, "request refused");
            return;
        };
        let Some(entry) = self.in_flight.remove(&client_id) else { return };
        self.busy_channels.remove(&entry.channel_id);
        match e.error.code {
            // Worth retrying as is.
            ErrorCode::RateLimited | ErrorCode::Internal => {
                let wait = e.error.retry_after_ms.unwrap_or(1_000).clamp(100, 60_000);
                self.retry_at = Some(Instant::now() + Duration::from_millis(wait));
                self.reload = true;
                self.outbox_wanted = true;
            }
            // Never as it is: mark failed with the reason.
            _ => {
                let reason = e.error.message.clone();
                if let Ok(mut store) = self.shared.store() {
                    let _ = store.outbox_fail(client_id, &reason);
                }
                let entry = OutboxEntry { state: OutboxState::Failed { reason }, ..entry };
                self.shared.emit(Event::Outbox { entry });
            }
        }
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400)
}

async fn send(sink: &mut Sink, frame: &ClientFrame) -> Result<(), String> {
    let text = serde_json::to_string(frame).map_err(|e| e.to_string())?;
    sink.send(WsMessage::Text(text.into())).await.map_err(|e| format!("connection lost: {e}"))
}

async fn read_frame(stream: &mut futures_util::stream::SplitStream<Ws>) -> Result<ServerFrame, String> {
    loop {
        if let Some(f) = decode(stream.next().await)? {
            return Ok(f);
        }
    }
}

/// A server frame, `None` for frames to skip (pings), or why the socket ended.
/// A frame pq cannot read is skipped with a warning, never a crash.
fn decode(
    msg: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>,
) -> Result<Option<ServerFrame>, String> {
    match msg {
        None => Err("connection closed".into()),
        Some(Err(e)) => Err(format!("connection lost: {e}")),
        Some(Ok(WsMessage::Text(t))) => match serde_json::from_str::<ServerFrame>(t.as_str()) {
            Ok(f) => Ok(Some(f)),
            Err(e) => {
                warn!(error = %e, "ignoring a frame pq cannot read");
                Ok(None)
            }
        },
        Some(Ok(WsMessage::Close(c))) => Err(match c {
            Some(c) => format!("closed {} ({})", u16::from(c.code), c.reason),
            None => "closed".into(),
        }),
        Some(Ok(_)) => Ok(None),
    }
}

/// Gateway errors that answer a voice request (they carry no client id).
fn is_voice_refusal(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::RoomFull
            | ErrorCode::NotInRoom
            | ErrorCode::NotFound
            | ErrorCode::BadRequest
            | ErrorCode::Conflict
            | ErrorCode::InvalidField
    )
}

/// A pacing of `per_sec` sends a second (at least one every 2 s) with bursts
/// of `burst` (1 to 16).
fn pacing(per_sec: f64, burst: f64) -> governor::DefaultDirectRateLimiter {
    let every = Duration::from_secs_f64(1.0 / per_sec.clamp(0.5, 1e9));
    let burst = std::num::NonZeroU32::new(burst.clamp(1.0, 16.0) as u32).unwrap_or(std::num::NonZeroU32::MIN);
    let quota =
        governor::Quota::with_period(every).unwrap_or_else(|| governor::Quota::per_second(std::num::NonZeroU32::MIN));
    governor::RateLimiter::direct(quota.allow_burst(burst))
}
