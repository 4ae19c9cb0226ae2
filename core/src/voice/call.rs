//! The call actor: one task owns the room's peer connections, reacts to the
//! room's signaling and roster, sends our audio every 10 ms and mixes what
//! arrives. [`Call`] is its handle.
//!
//! Who connects to whom: the newcomer offers to everyone already in the room
//! (from `voice_joined`'s roster); those already there answer, creating their
//! side when the first signal arrives. Later offers (ICE restarts) may come
//! from either side; [`Peer`] settles crossing offers.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use pq_protocol::{
    ChannelId, ErrorBody, UserId, VoiceSessionId,
    gateway::ClientFrame,
    voice::{
        IceCandidate, Signal, VoiceJoin, VoiceJoined, VoiceLeft, VoiceLeftReason, VoiceSignal, VoiceSignalSend,
        VoiceState, VoiceUpdate,
    },
};
use tokio::sync::{broadcast, mpsc, oneshot};
use tracing::{debug, info, warn};
use webrtc::peer_connection::RTCPeerConnectionState;

use super::{
    audio::{AudioSink, AudioSource, FRAME, rms},
    peer::{Peer, PeerEvent, PeerKey, PeerSetup},
    processing::{Processing, VoiceProcessor},
    video::{EncodedVideo, FrameSource, I420, VideoFrame, VideoQuality, VideoReceived, VideoSender, quality_for},
};

/// What the gateway tells a call (forwarded by the sync task).
#[derive(Debug)]
pub(crate) enum VoiceWire {
    Joined(Box<VoiceJoined>),
    Left(VoiceLeft),
    Signal(VoiceSignal),
    Updated(VoiceState),
    Removed {
        user_id: UserId,
        voice_session: VoiceSessionId,
    },
    Refused(ErrorBody),
    /// A new gateway session (not a resume): the server no longer seats us.
    NewSession,
}

/// Sends a frame on the gateway (the sync task's command queue).
pub(crate) type FrameSender = mpsc::Sender<crate::engine::Command>;

/// Where a call stands.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CallState {
    /// Asking the server for a seat.
    Joining,
    /// In the room.
    InRoom,
    /// Left, with why.
    Left {
        /// Why, in words.
        reason: String,
    },
}

/// One other person in the call and how our connection to them is doing.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Participant {
    /// Their state in the room.
    pub state: VoiceState,
    /// Our peer connection to them: `new`, `connecting`, `connected`,
    /// `disconnected`, `failed` or `closed`.
    pub connection: String,
    /// Audio packets received from them.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub packets: u64,
    /// Packets lost and concealed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub concealed: u64,
    /// Their level over the last 100 ms, 0–1.
    pub level: f32,
    /// How unevenly their audio arrives (interarrival jitter), in ms.
    pub jitter_ms: f32,
    /// How much of their audio waits to be played (the jitter buffer), in ms.
    pub buffer_ms: f32,
    /// Times their audio ran out while playing and fell silent (each heard
    /// as a gap).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub underruns: u64,
    /// Times their audio ran out while playing and the gap was concealed
    /// instead (made-up audio continuing their voice, at most 40 ms, while
    /// the late audio was on its way).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub underruns_concealed: u64,
    /// Gaps heard from them in the last ten seconds (the connection's grade
    /// counts them).
    pub gaps_lately: u32,
    /// Pictures decoded from their camera.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub video_frames: u64,
    /// My volume for them, 0–2 (1: as sent).
    pub volume: f32,
    /// I muted them for myself.
    pub locally_muted: bool,
    /// I hid their video for myself (nothing is decoded).
    pub video_hidden: bool,
}

/// A snapshot of a call.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CallInfo {
    /// The room.
    pub channel_id: ChannelId,
    /// Joining, in the room, or left.
    pub state: CallState,
    /// My state in the room (once seated).
    pub me: Option<VoiceState>,
    /// Everyone else in the room.
    pub participants: Vec<Participant>,
    /// My microphone level over the last frame (10 ms), 0–1.
    pub my_level: f32,
    /// What my camera sends, while it is on.
    pub my_video: Option<VideoQuality>,
    /// Push-to-talk is on: I am heard only while the key is held.
    pub push_to_talk: bool,
    /// The push-to-talk key is held.
    pub talking: bool,
    /// How long my microphone holds a sound before the call has it, as the
    /// system reports it, in ms (none: no device, or one that does not say).
    pub microphone_latency_ms: Option<f32>,
    /// How long my speakers hold a sound before it is heard, likewise.
    pub speakers_latency_ms: Option<f32>,
    /// Times my microphone itself came late and lost what it captured (an
    /// overrun) since it was opened for the call (none: a source that does not
    /// count).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub microphone_xruns: Option<u64>,
    /// Times my speakers themselves came late and played nothing (an
    /// underrun: a gap I heard whatever the call had ready), likewise.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub speakers_xruns: Option<u64>,
}

/// Options for joining a room.
pub struct JoinOptions {
    /// The microphone.
    pub source: Box<dyn AudioSource>,
    /// The speakers.
    pub sink: Box<dyn AudioSink>,
    /// Join muted.
    pub muted: bool,
    /// The camera, to join with it on (`None`: audio only).
    pub camera: Option<Box<dyn FrameSource>>,
    /// Echo cancellation, noise suppression and gain control on the
    /// microphone ([`Processing::ALL`] for real devices).
    pub processing: Processing,
    /// Local addresses for peer connections (`0.0.0.0:0`: every interface;
    /// tests use `127.0.0.1:0`).
    pub udp_addrs: Vec<String>,
}

impl std::fmt::Debug for JoinOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinOptions")
            .field("muted", &self.muted)
            .field("camera", &self.camera.is_some())
            .field("processing", &self.processing)
            .field("udp_addrs", &self.udp_addrs)
            .finish_non_exhaustive()
    }
}

enum Control {
    Leave(oneshot::Sender<()>),
    Mute(bool),
    Deafen(bool),
    Source(Box<dyn AudioSource>),
    Sink(Box<dyn AudioSink>),
    Camera(Option<Box<dyn FrameSource>>),
}

/// My own settings for one other person (kept while the call lasts, across
/// their re-joins).
#[derive(Clone, Copy, Debug)]
struct PeerPrefs {
    volume: f32,
    muted: bool,
    video_hidden: bool,
}

impl Default for PeerPrefs {
    fn default() -> Self {
        Self { volume: 1.0, muted: false, video_hidden: false }
    }
}

#[derive(Debug, Default)]
struct Shared {
    audio: HashMap<UserId, Arc<Mutex<super::peer::Received>>>,
    video: HashMap<UserId, Arc<Mutex<VideoReceived>>>,
    prefs: HashMap<UserId, PeerPrefs>,
    /// Push-to-talk: my microphone goes out only while `talking`.
    push_to_talk: bool,
    talking: bool,
}

/// The room as I hear it: everyone's audio from their jitter buffers, mixed
/// at my volume for each, taken by whoever plays it when it needs it (a
/// sound card's callback, see [`AudioSink::pull`]; or the call's own 10 ms
/// clock for a sink without one). Each clone mixes on its own scratch.
pub struct RoomAudio {
    shared: Arc<Mutex<Shared>>,
    heard: Arc<Heard>,
    acc: Vec<i32>,
    one: Vec<i16>,
}

/// What a [`RoomAudio`] and the call share.
#[derive(Debug, Default)]
struct Heard {
    /// Deafened: the room is still taken from the jitter buffers (so it does
    /// not pile up), but played as silence.
    deafened: AtomicBool,
    /// What a pulling player played, for the echo canceller (which the call
    /// feeds on its clock); kept only when there is one.
    played: Option<Mutex<VecDeque<i16>>>,
}

/// The most played audio kept for the echo canceller (200 ms).
const PLAYED_KEPT: usize = super::audio::samples_in_ms(200);

impl std::fmt::Debug for RoomAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomAudio").finish_non_exhaustive()
    }
}

impl Clone for RoomAudio {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone(), heard: self.heard.clone(), acc: Vec::new(), one: Vec::new() }
    }
}

impl RoomAudio {
    fn new(shared: Arc<Mutex<Shared>>, echo_cancelled: bool) -> Self {
        let heard = Heard { deafened: AtomicBool::new(false), played: echo_cancelled.then(Mutex::default) };
        Self { shared, heard: Arc::new(heard), acc: Vec::new(), one: Vec::new() }
    }

    /// Fills `out` (48 kHz mono, any length) with the next of the room.
    pub fn fill(&mut self, out: &mut [i16]) {
        let now = Instant::now();
        self.acc.clear();
        self.acc.resize(out.len(), 0);
        self.one.resize(out.len(), 0);
        {
            let shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
            for (user, r) in &shared.audio {
                let prefs = shared.prefs.get(user).copied().unwrap_or_default();
                let gain = if prefs.muted { 0.0 } else { prefs.volume };
                if !r.lock().unwrap_or_else(PoisonError::into_inner).pop(&mut self.one, now) {
                    continue; // Filling up (or nothing from them).
                }
                if (gain - 1.0).abs() < f32::EPSILON {
                    for (a, s) in self.acc.iter_mut().zip(&self.one) {
                        *a += i32::from(*s);
                    }
                } else {
                    for (a, s) in self.acc.iter_mut().zip(&self.one) {
                        *a += (f32::from(*s) * gain) as i32;
                    }
                }
            }
        }
        if self.heard.deafened.load(Ordering::Relaxed) {
            out.fill(0);
        } else {
            for (o, a) in out.iter_mut().zip(&self.acc) {
                *o = (*a).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
            }
        }
    }

    /// [`fill`](Self::fill) for a player with a clock of its own: what it
    /// plays is also kept for the echo canceller.
    pub fn play(&mut self, out: &mut [i16]) {
        self.fill(out);
        if let Some(played) = &self.heard.played {
            let mut played = played.lock().unwrap_or_else(PoisonError::into_inner);
            played.extend(out.iter().copied());
            let extra = played.len().saturating_sub(PLAYED_KEPT);
            played.drain(..extra);
        }
    }

    /// Moves what a pulling player played, in whole 10 ms blocks, to the
    /// echo canceller.
    fn to_echo_canceller(&self, processor: &mut VoiceProcessor, scratch: &mut Vec<i16>) {
        let Some(played) = &self.heard.played else { return };
        {
            let mut played = played.lock().unwrap_or_else(PoisonError::into_inner);
            let whole = played.len() - played.len() % super::processing::BLOCK;
            scratch.clear();
            scratch.extend(played.drain(..whole));
        }
        processor.render(scratch);
    }
}

/// A call in a voice room. Dropping it leaves the room.
#[derive(Debug)]
pub struct Call {
    control: mpsc::UnboundedSender<Control>,
    info: Arc<Mutex<CallInfo>>,
    shared: Arc<Mutex<Shared>>,
    frames: broadcast::Sender<VideoFrame>,
}

impl Call {
    /// The call now.
    #[must_use]
    pub fn info(&self) -> CallInfo {
        self.info.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The last `ms` milliseconds of audio decoded from `user` (before
    /// mixing): for levels, and for checking what arrived.
    #[must_use]
    pub fn heard_from(&self, user: UserId, ms: u32) -> Vec<i16> {
        let shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(r) = shared.audio.get(&user) else { return Vec::new() };
        let r = r.lock().unwrap_or_else(PoisonError::into_inner);
        let n = (ms as usize * 48).min(r.history.len());
        r.history.iter().skip(r.history.len() - n).copied().collect()
    }

    /// When the first audio from `user` arrived, if it has.
    #[must_use]
    pub fn first_heard(&self, user: UserId) -> Option<Instant> {
        let shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        shared.audio.get(&user).and_then(|r| r.lock().unwrap_or_else(PoisonError::into_inner).first_at)
    }

    /// Every picture decoded from anyone's camera, as it is decoded, and my
    /// own camera's pictures as sent (a self view, under my id). A slow
    /// reader misses pictures (it is told how many), never delays the call.
    #[must_use]
    pub fn video_frames(&self) -> broadcast::Receiver<VideoFrame> {
        self.frames.subscribe()
    }

    /// The newest picture from `user`'s camera, if any.
    #[must_use]
    pub fn latest_picture(&self, user: UserId) -> Option<Arc<I420>> {
        let shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        shared.video.get(&user).and_then(|r| r.lock().unwrap_or_else(PoisonError::into_inner).latest.clone())
    }

    /// Turns my camera on with `source`, or off with `None`.
    pub fn set_camera(&self, source: Option<Box<dyn FrameSource>>) {
        let _ = self.control.send(Control::Camera(source));
    }

    /// My volume for `user`: 0 (silent) to 2 (twice as loud); 1 is as sent.
    pub fn set_volume(&self, user: UserId, volume: f32) {
        self.prefs(user, |p| p.volume = volume.clamp(0.0, 2.0));
    }

    /// Mutes `user` for me alone (the others still hear them).
    pub fn set_locally_muted(&self, user: UserId, muted: bool) {
        self.prefs(user, |p| p.muted = muted);
    }

    /// Hides `user`'s video for me alone: their pictures are no longer
    /// decoded (saving the work), the others still see them.
    pub fn set_video_hidden(&self, user: UserId, hidden: bool) {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        shared.prefs.entry(user).or_default().video_hidden = hidden;
        if let Some(v) = shared.video.get(&user) {
            let mut v = v.lock().unwrap_or_else(PoisonError::into_inner);
            v.hidden = hidden;
            if hidden {
                v.latest = None;
            }
        }
    }

    /// Push-to-talk on or off: while on, my microphone is heard only between
    /// [`Call::set_talking`]`(true)` and `(false)`. The room does not see me
    /// as muted; it sees me speak while I hold the key.
    pub fn set_push_to_talk(&self, enabled: bool) {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        shared.push_to_talk = enabled;
        shared.talking = false;
    }

    /// The push-to-talk key went down (`true`) or up.
    pub fn set_talking(&self, talking: bool) {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner).talking = talking;
    }

    fn prefs(&self, user: UserId, change: impl FnOnce(&mut PeerPrefs)) {
        change(self.shared.lock().unwrap_or_else(PoisonError::into_inner).prefs.entry(user).or_default());
    }

    /// Mutes or unmutes my microphone.
    pub fn set_muted(&self, muted: bool) {
        let _ = self.control.send(Control::Mute(muted));
    }

    /// Turns all sound off (and my microphone) or back on.
    pub fn set_deafened(&self, deafened: bool) {
        let _ = self.control.send(Control::Deafen(deafened));
    }

    /// Switches the microphone during the call (the next frame comes from
    /// `source`; the old one is closed).
    pub fn set_source(&self, source: Box<dyn AudioSource>) {
        let _ = self.control.send(Control::Source(source));
    }

    /// Switches the speakers during the call.
    pub fn set_sink(&self, sink: Box<dyn AudioSink>) {
        let _ = self.control.send(Control::Sink(sink));
    }

    /// Leaves the room and closes every connection.
    pub async fn leave(self) {
        let (tx, rx) = oneshot::channel();
        if self.control.send(Control::Leave(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

/// The voice part of the engine: which call is active, for the sync task to
/// forward the gateway's voice frames to.
#[derive(Debug, Default)]
pub(crate) struct VoiceHub {
    pub(crate) active: Mutex<Option<mpsc::UnboundedSender<VoiceWire>>>,
}

impl VoiceHub {
    /// Forwards a frame to the active call, if any.
    pub(crate) fn forward(&self, wire: VoiceWire) {
        if let Some(tx) = self.active.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            let _ = tx.send(wire);
        }
    }
}

/// Starts a call: asks for a seat and returns once seated (or refused).
pub(crate) async fn join(
    hub: &Arc<VoiceHub>,
    frames: FrameSender,
    me_id: UserId,
    channel: ChannelId,
    options: JoinOptions,
) -> Result<Call, String> {
    let (wire_tx, wire_rx) = mpsc::unbounded_channel();
    let own = wire_tx.downgrade();
    let previous = hub.active.lock().unwrap_or_else(PoisonError::into_inner).replace(wire_tx);
    drop(previous);
    let (control, control_rx) = mpsc::unbounded_channel();
    let info = Arc::new(Mutex::new(CallInfo {
        channel_id: channel,
        state: CallState::Joining,
        me: None,
        participants: vec![],
        my_level: 0.0,
        my_video: None,
        push_to_talk: false,
        talking: false,
        microphone_latency_ms: None,
        speakers_latency_ms: None,
        microphone_xruns: None,
        speakers_xruns: None,
    }));
    let shared = Arc::new(Mutex::new(Shared::default()));
    let (pictures, _) = broadcast::channel(16);
    let (video_tx, video_rx) = mpsc::channel(4);
    let (seated_tx, seated_rx) = oneshot::channel();
    let actor = Actor {
        hub: hub.clone(),
        own,
        frames,
        me_id,
        channel,
        muted: options.muted,
        deafened: false,
        speaking: false,
        loud_until: None,
        last_speaking_sent: Instant::now() - Duration::from_secs(1),
        me: None,
        roster: HashMap::new(),
        peers: HashMap::new(),
        outgoing: HashMap::new(),
        setup: PeerSetup { udp_addrs: options.udp_addrs, ice_servers: vec![] },
        info: info.clone(),
        shared: shared.clone(),
        pictures: pictures.clone(),
        seated: Some(seated_tx),
        opus: Mutex::new(encoder()?),
        camera: None,
        camera_source: Mutex::new(options.camera),
        video_tx,
        device_latency: (None, None),
        device_xruns: (None, None),
    };
    let processor = options.processing.any().then(|| VoiceProcessor::new(options.processing));
    tokio::spawn(actor.run(wire_rx, control_rx, video_rx, options.source, options.sink, processor));
    match tokio::time::timeout(Duration::from_secs(15), seated_rx).await {
        Ok(Ok(Ok(()))) => Ok(Call { control, info, shared, frames: pictures }),
        Ok(Ok(Err(reason))) => Err(reason),
        Ok(Err(_)) => Err("the call ended before it was seated".into()),
        Err(_) => {
            let _ = control.send(Control::Leave(oneshot::channel().0));
            Err("the server did not answer in time; check your connection".into())
        }
    }
}

struct Actor {
    hub: Arc<VoiceHub>,
    /// Our entry in `hub.active` (weak: a newer call replacing it ends this one).
    own: mpsc::WeakUnboundedSender<VoiceWire>,
    frames: FrameSender,
    me_id: UserId,
    channel: ChannelId,
    muted: bool,
    deafened: bool,
    speaking: bool,
    loud_until: Option<Instant>,
    last_speaking_sent: Instant,
    me: Option<VoiceState>,
    roster: HashMap<UserId, VoiceState>,
    peers: HashMap<PeerKey, Peer>,
    /// Local candidates waiting to go out, per peer (sent in batches).
    outgoing: HashMap<PeerKey, Vec<IceCandidate>>,
    setup: PeerSetup,
    info: Arc<Mutex<CallInfo>>,
    shared: Arc<Mutex<Shared>>,
    pictures: broadcast::Sender<VideoFrame>,
    seated: Option<oneshot::Sender<Result<(), String>>>,
    /// In a mutex only to be `Sync` (the actor alone uses it).
    opus: Mutex<opus::Encoder>,
    /// The camera's thread, while the camera is on.
    camera: Option<VideoSender>,
    /// A camera to turn on once seated (in a mutex only to be `Sync`).
    camera_source: Mutex<Option<Box<dyn FrameSource>>>,
    video_tx: mpsc::Sender<EncodedVideo>,
    /// My microphone's and speakers' latency, as they last reported it.
    device_latency: (Option<Duration>, Option<Duration>),
    /// What the microphone and the speakers count of their own xruns.
    device_xruns: (Option<u64>, Option<u64>),
}

/// Loud enough to count as speaking (about −40 dBFS).
const SPEAKING_RMS: f64 = 330.0;
/// Speaking lasts this long after the last loud frame.
const SPEAKING_HANGOVER: Duration = Duration::from_millis(400);
/// How long after its tick a frame of capture from a source without a
/// clock of its own, not yet ready, is waited for; then it goes short, the
/// rest silence.
const CAPTURE_WAIT: Duration = Duration::from_millis(4);

/// What "lately" is for [`Participant::gaps_lately`].
const GAPS_LATELY: Duration = Duration::from_secs(10);

/// The call's scratch for capturing: a frame, its packet, and what a
/// pulling player played on its way to the echo canceller.
struct Capturing {
    frame: Vec<i16>,
    packet: Vec<u8>,
    played: Vec<i16>,
}

impl Actor {
    async fn run(
        mut self,
        mut wire: mpsc::UnboundedReceiver<VoiceWire>,
        mut control: mpsc::UnboundedReceiver<Control>,
        mut video: mpsc::Receiver<EncodedVideo>,
        mut source: Box<dyn AudioSource>,
        mut sink: Box<dyn AudioSink>,
        mut processor: Option<VoiceProcessor>,
    ) {
        let (peer_tx, mut peer_rx) = mpsc::unbounded_channel();
        let mut room = RoomAudio::new(self.shared.clone(), processor.is_some());
        // A sink with a clock of its own takes the room itself; the others
        // are handed a frame on every tick.
        let mut pulled = sink.pull(room.clone());
        self.send_join().await;
        let mut tick = tokio::time::interval(super::audio::FRAME_DURATION);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut flush = tokio::time::interval(Duration::from_millis(40));
        let mut capturing = Capturing { frame: vec![0i16; FRAME], packet: vec![0u8; 1500], played: Vec::new() };
        let mut mixed = vec![0i16; FRAME];
        // A frame of capture due, and until when a device late with it is
        // waited for.
        let mut capture_due: Option<tokio::time::Instant> = None;
        // A device that says when it has delivered a frame paces capture.
        let mut delivered = source.delivered();
        let reason = loop {
            tokio::select! {
                w = wire.recv() => match w {
                    Some(w) => if let Some(reason) = self.on_wire(w, &peer_tx).await { break reason },
                    None => break "another call started".to_owned(),
                },
                c = control.recv() => match c {
                    None => {
                        self.send(ClientFrame::VoiceLeave).await;
                        break "left".to_owned();
                    }
                    Some(Control::Leave(done)) => {
                        self.send(ClientFrame::VoiceLeave).await;
                        self.close_all().await;
                        let _ = done.send(());
                        break "left".to_owned();
                    }
                    Some(Control::Mute(m)) => {
                        self.muted = m;
                        self.send(ClientFrame::VoiceUpdate(VoiceUpdate { self_mute: Some(m), ..Default::default() })).await;
                    }
                    Some(Control::Source(s)) => {
                        source = s;
                        delivered = source.delivered();
                        capture_due = None;
                    }
                    Some(Control::Sink(s)) => {
                        sink = s;
                        pulled = sink.pull(room.clone());
                    }
                    Some(Control::Deafen(d)) => {
                        self.deafened = d;
                        room.heard.deafened.store(d, Ordering::Relaxed);
                        self.send(ClientFrame::VoiceUpdate(VoiceUpdate { self_deaf: Some(d), ..Default::default() })).await;
                    }
                    Some(Control::Camera(c)) => self.set_camera(c).await,
                },
                Some(e) = peer_rx.recv() => self.on_peer(e).await,
                Some(picture) = video.recv() => {
                    for peer in self.peers.values_mut() {
                        peer.send_video(&picture.data).await;
                    }
                }
                now = tick.tick() => {
                    // One still waited for (ticks bursting after a stall)
                    // goes as it is.
                    if capture_due.take().is_some() {
                        debug!("a frame of capture taken short as the next tick came");
                        self.capture(&mut *source, &mut capturing, processor.as_mut(), &room, pulled).await;
                    }
                    if delivered.is_none() {
                        capture_due = Some(now + CAPTURE_WAIT);
                    }
                    self.device_latency = (source.latency(), sink.latency());
                    self.device_xruns = (source.xruns(), sink.xruns());
                    if !pulled {
                        room.fill(&mut mixed);
                        if !self.deafened {
                            if let Some(p) = processor.as_mut() {
                                p.render(&mixed);
                            }
                            sink.play(&mixed);
                        }
                    }
                }
                _ = flush.tick() => {
                    self.flush_candidates(false).await;
                    self.publish();
                }
                () = tokio::time::sleep(Duration::from_millis(1)), if capture_due.is_some() => {}
                () = async { delivered.as_ref().unwrap_or_else(|| unreachable!()).notified().await }, if delivered.is_some() => {
                    // Each whole frame as soon as the device has delivered
                    // it (a few at most after a stall; the microphone drops
                    // an older backlog).
                    for _ in 0..4 {
                        if !source.ready() {
                            break;
                        }
                        self.capture(&mut *source, &mut capturing, processor.as_mut(), &room, pulled).await;
                    }
                }
            }
            if capture_due.is_some_and(|until| source.ready() || tokio::time::Instant::now() >= until) {
                if !source.ready() {
                    debug!("a frame of capture taken after waiting for it in vain");
                }
                capture_due = None;
                self.capture(&mut *source, &mut capturing, processor.as_mut(), &room, pulled).await;
            }
        };
        self.close_all().await;
        self.camera = None;
        {
            let mut active = self.hub.active.lock().unwrap_or_else(PoisonError::into_inner);
            if let (Some(tx), Some(own)) = (active.as_ref(), self.own.upgrade())
                && tx.same_channel(&own)
            {
                *active = None;
            }
        }
        if let Some(s) = self.seated.take() {
            let _ = s.send(Err(reason.clone()));
        }
        self.info.lock().unwrap_or_else(PoisonError::into_inner).state = CallState::Left { reason };
        self.publish();
    }

    async fn send(&self, frame: ClientFrame) {
        let _ = self.frames.send(crate::engine::Command::Voice(frame)).await;
    }

    async fn send_join(&self) {
        self.send(ClientFrame::VoiceJoin(VoiceJoin {
            channel_id: self.channel,
            self_mute: Some(self.muted),
            self_deaf: Some(self.deafened),
            camera: Some(
                self.camera.is_some() || self.camera_source.lock().unwrap_or_else(PoisonError::into_inner).is_some(),
            ),
        }))
        .await;
    }

    /// Turns the camera on (a new source) or off: every peer connection adds
    /// or removes its video track and renegotiates; the room is told.
    async fn set_camera(&mut self, source: Option<Box<dyn FrameSource>>) {
        let on = source.is_some();
        self.camera = None;
        if let Some(source) = source {
            let preview = (self.me_id, self.pictures.clone());
            match VideoSender::start(source, self.peers.len(), self.video_tx.clone(), preview) {
                Ok(sender) => self.camera = Some(sender),
                Err(e) => warn!(error = %e, "cannot start the camera's thread"),
            }
        }
        for peer in self.peers.values_mut() {
            if on {
                if let Err(e) = peer.start_video().await {
                    warn!(error = %e, "cannot add the camera to a connection");
                }
            } else {
                peer.stop_video().await;
            }
        }
        if self.me.is_some() {
            self.send(ClientFrame::VoiceUpdate(VoiceUpdate { camera: Some(on), ..Default::default() })).await;
        }
    }

    /// Returns why the call ended, if it did.
    async fn on_wire(&mut self, w: VoiceWire, peer_tx: &mpsc::UnboundedSender<PeerEvent>) -> Option<String> {
        match w {
            VoiceWire::Joined(j) => {
                if j.me.channel_id != self.channel {
                    return None;
                }
                info!(channel = %self.channel, people = j.roster.len(), "in the voice room");
                self.setup.ice_servers = j.ice_servers.clone();
                // A re-join (new gateway session): start afresh.
                self.close_all().await;
                self.me = Some(j.me.clone());
                self.roster =
                    j.roster.iter().filter(|v| v.user_id != self.me_id).map(|v| (v.user_id, v.clone())).collect();
                // The camera first: the first offer to each person then
                // carries every track I send (an audio-only offer followed at
                // once by one with video invites offers to cross).
                let camera = self.camera_source.lock().unwrap_or_else(PoisonError::into_inner).take();
                if let Some(camera) = camera {
                    self.set_camera(Some(camera)).await;
                }
                let others: Vec<VoiceState> = self.roster.values().cloned().collect();
                for other in others {
                    // As the newcomer we offer: the track we add asks for negotiation.
                    self.connect(other.user_id, other.voice_session, true, peer_tx).await;
                }
                self.info.lock().unwrap_or_else(PoisonError::into_inner).state = CallState::InRoom;
                if let Some(s) = self.seated.take() {
                    let _ = s.send(Ok(()));
                }
            }
            VoiceWire::Refused(e) => {
                if self.seated.is_some() {
                    return Some(e.message);
                }
                debug!(error = %e.message, "a voice request was refused");
            }
            VoiceWire::Left(l) => {
                // Before we are seated, a `voice_left` is the answer to the
                // previous call's goodbye (leaving and joining again at once).
                if l.channel_id == self.channel && self.me.is_some() {
                    return Some(match l.reason {
                        VoiceLeftReason::Left => "left".into(),
                        VoiceLeftReason::Moved => "you joined the call somewhere else".into(),
                        VoiceLeftReason::Disconnected => "an admin disconnected you".into(),
                        VoiceLeftReason::Removed => "you are no longer a member of this server".into(),
                        VoiceLeftReason::ChannelDeleted => "the channel was deleted".into(),
                    });
                }
            }
            VoiceWire::Updated(state) => {
                if state.channel_id != self.channel {
                    // Someone left our room for another one.
                    if self.roster.remove(&state.user_id).is_some() {
                        self.drop_peers_of(state.user_id, None).await;
                    }
                    return None;
                }
                if state.user_id == self.me_id {
                    if self.me.as_ref().is_some_and(|m| m.voice_session == state.voice_session) {
                        self.me = Some(state);
                    }
                    return None;
                }
                if let Some(old) = self.roster.get(&state.user_id)
                    && old.voice_session != state.voice_session
                {
                    // A new stay: the old connection is gone.
                    self.drop_peers_of(state.user_id, Some(state.voice_session)).await;
                }
                self.roster.insert(state.user_id, state);
            }
            VoiceWire::Removed { user_id, voice_session } => {
                if user_id == self.me_id {
                    // Unseated while our connection was away (the grace ran
                    // out): take the seat again. When we were told to go,
                    // `voice_left` ends the call instead.
                    if self.me.as_ref().is_some_and(|m| m.voice_session == voice_session) {
                        info!("the server let our seat go while we were away: joining again");
                        self.send_join().await;
                    }
                    return None;
                }
                if self.roster.get(&user_id).is_some_and(|v| v.voice_session == voice_session) {
                    self.roster.remove(&user_id);
                }
                self.drop_peer((user_id, voice_session)).await;
            }
            VoiceWire::Signal(s) => {
                if s.channel_id != self.channel || self.me.is_none() {
                    return None;
                }
                let key = (s.from, s.from_session);
                if !self.peers.contains_key(&key) {
                    // Someone who joined after us is calling.
                    self.drop_peers_of(s.from, Some(s.from_session)).await;
                    self.connect(s.from, s.from_session, false, peer_tx).await;
                }
                self.on_signal(key, s.signal).await;
            }
            VoiceWire::NewSession => {
                if self.me.is_some() {
                    info!("new gateway session: joining the voice room again");
                    self.send_join().await;
                }
            }
        }
        None
    }

    async fn connect(
        &mut self,
        user: UserId,
        session: VoiceSessionId,
        offer: bool,
        peer_tx: &mpsc::UnboundedSender<PeerEvent>,
    ) {
        let Some(me) = self.me.as_ref().map(|m| m.voice_session) else { return };
        match Peer::new((user, session), me, &self.setup, self.camera.is_some(), peer_tx.clone(), self.pictures.clone())
            .await
        {
            Ok(peer) => {
                {
                    let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
                    shared.audio.insert(user, peer.received.clone());
                    peer.video_received.lock().unwrap_or_else(PoisonError::into_inner).hidden =
                        shared.prefs.get(&user).is_some_and(|p| p.video_hidden);
                    shared.video.insert(user, peer.video_received.clone());
                }
                self.peers.insert((user, session), peer);
                if let Some(c) = &self.camera {
                    c.shared.peers.store(self.peers.len(), std::sync::atomic::Ordering::Relaxed);
                }
                if offer {
                    // Negotiation-needed will also fire; an offer already
                    // under way makes that one a no-op.
                    self.negotiate((user, session), false).await;
                }
            }
            Err(e) => warn!(error = %e, %user, "cannot create a peer connection"),
        }
    }

    async fn negotiate(&mut self, key: PeerKey, restart: bool) {
        let Some(peer) = self.peers.get_mut(&key) else { return };
        match peer.offer(restart).await {
            Ok(Some(signal)) => self.signal(key, signal).await,
            Ok(None) => {}
            Err(e) => warn!(error = %e, "cannot make an offer"),
        }
    }

    async fn on_signal(&mut self, key: PeerKey, signal: Signal) {
        let Some(peer) = self.peers.get_mut(&key) else { return };
        match signal {
            Signal::Description { sdp_type, sdp } => match peer.on_description(sdp_type, sdp).await {
                Ok(Some(answer)) => self.signal(key, answer).await,
                Ok(None) => {}
                Err(e) => warn!(error = %e, "cannot apply a session description"),
            },
            Signal::Candidates { candidates, .. } => peer.on_candidates(candidates).await,
        }
    }

    async fn signal(&self, key: PeerKey, signal: Signal) {
        self.send(ClientFrame::VoiceSignal(VoiceSignalSend { to: key.0, to_session: key.1, signal })).await;
    }

    async fn on_peer(&mut self, e: PeerEvent) {
        match e {
            PeerEvent::Candidate(key, c) => {
                let batch = self.outgoing.entry(key).or_default();
                batch.push(c);
                if batch.len() >= 16 {
                    self.flush_candidates(false).await;
                }
            }
            PeerEvent::GatheringDone(key) => {
                let candidates = self.outgoing.remove(&key).unwrap_or_default();
                self.signal(key, Signal::Candidates { candidates, done: true }).await;
            }
            PeerEvent::NegotiationNeeded(key) => self.negotiate(key, false).await,
            PeerEvent::State(key, state) => {
                let Some(peer) = self.peers.get_mut(&key) else { return };
                debug!(peer = %key.0, %state, "peer connection");
                peer.state = state;
                if state == RTCPeerConnectionState::Connected
                    && let Some(c) = &self.camera
                {
                    // Someone new sees us: start them on a keyframe.
                    c.shared.keyframe.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                if state == RTCPeerConnectionState::Failed && !peer.polite {
                    // Try again on fresh candidates (the polite side waits for our offer).
                    self.negotiate(key, true).await;
                }
            }
        }
    }

    async fn flush_candidates(&mut self, done: bool) {
        let batches: Vec<(PeerKey, Vec<IceCandidate>)> = self.outgoing.drain().collect();
        for (key, candidates) in batches {
            for chunk in candidates.chunks(pq_protocol::limits::MAX_CANDIDATES_PER_SIGNAL) {
                self.signal(key, Signal::Candidates { candidates: chunk.to_vec(), done }).await;
            }
        }
    }

    /// Takes the frame of capture due, processes it and sends it (what a
    /// pulling player played goes to the echo canceller after it).
    async fn capture(
        &mut self,
        source: &mut dyn AudioSource,
        c: &mut Capturing,
        processor: Option<&mut VoiceProcessor>,
        room: &RoomAudio,
        pulled: bool,
    ) {
        source.next_frame(&mut c.frame);
        if let Some(p) = processor {
            p.set_delay(echo_delay(self.device_latency.0, self.device_latency.1, pulled));
            p.capture(&mut c.frame);
            if pulled {
                room.to_echo_canceller(p, &mut c.played);
            }
        }
        self.audio_out(&c.frame, &mut c.packet).await;
    }

    /// Encodes this frame of microphone once and sends it to everyone.
    async fn audio_out(&mut self, frame: &[i16], packet: &mut [u8]) {
        let level = rms(frame);
        self.info.lock().unwrap_or_else(PoisonError::into_inner).my_level = (level / 32767.0) as f32;
        let held_back = {
            let shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
            shared.push_to_talk && !shared.talking
        };
        let silent = held_back || self.muted || self.deafened || self.me.as_ref().is_some_and(|m| m.server_mute);
        self.update_speaking(!silent && level > SPEAKING_RMS).await;
        if silent || self.peers.is_empty() {
            return;
        }
        let n = match self.opus.lock().unwrap_or_else(PoisonError::into_inner).encode(frame, packet) {
            Ok(n) => n,
            Err(e) => return warn!(error = %e, "Opus encoding failed"),
        };
        let bytes = bytes::Bytes::copy_from_slice(&packet[..n]);
        for peer in self.peers.values_mut() {
            peer.send_audio(&bytes).await;
        }
    }

    async fn update_speaking(&mut self, loud: bool) {
        let now = Instant::now();
        if loud {
            self.loud_until = Some(now + SPEAKING_HANGOVER);
        }
        let speaking = self.loud_until.is_some_and(|t| now < t);
        // At most four changes a second go to the server.
        if speaking != self.speaking && now.duration_since(self.last_speaking_sent) >= Duration::from_millis(250) {
            self.speaking = speaking;
            self.last_speaking_sent = now;
            if self.me.is_some() {
                self.send(ClientFrame::VoiceUpdate(VoiceUpdate { speaking: Some(speaking), ..Default::default() }))
                    .await;
            }
        }
    }

    async fn drop_peer(&mut self, key: PeerKey) {
        if let Some(peer) = self.peers.remove(&key) {
            debug!(peer = %key.0, "peer connection closed");
            peer.close().await;
            let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
            if shared.audio.get(&key.0).is_some_and(|r| Arc::ptr_eq(r, &peer.received)) {
                shared.audio.remove(&key.0);
            }
            if shared.video.get(&key.0).is_some_and(|r| Arc::ptr_eq(r, &peer.video_received)) {
                shared.video.remove(&key.0);
            }
        }
        self.outgoing.remove(&key);
        if let Some(c) = &self.camera {
            c.shared.peers.store(self.peers.len(), std::sync::atomic::Ordering::Relaxed);
        }
    }

    async fn drop_peers_of(&mut self, user: UserId, except: Option<VoiceSessionId>) {
        let keys: Vec<PeerKey> = self.peers.keys().filter(|k| k.0 == user && Some(k.1) != except).copied().collect();
        for k in keys {
            self.drop_peer(k).await;
        }
    }

    async fn close_all(&mut self) {
        let keys: Vec<PeerKey> = self.peers.keys().copied().collect();
        for k in keys {
            self.drop_peer(k).await;
        }
    }

    fn publish(&self) {
        let shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        let mut info = self.info.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        info.me = self.me.clone();
        // The camera's thread sends the size for this many peers.
        info.my_video = self.camera.as_ref().map(|_| quality_for(self.peers.len()));
        info.push_to_talk = shared.push_to_talk;
        info.talking = shared.talking;
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f32() * 1_000.0);
        (info.microphone_latency_ms, info.speakers_latency_ms) = (ms(self.device_latency.0), ms(self.device_latency.1));
        (info.microphone_xruns, info.speakers_xruns) = self.device_xruns;
        info.participants = self
            .roster
            .values()
            .map(|state| {
                let peer =
                    self.peers.iter().find(|(k, _)| k.0 == state.user_id && k.1 == state.voice_session).map(|(_, p)| p);
                let (packets, concealed, level, jitter_ms, buffer_ms, (underruns, underruns_concealed, gaps_lately)) =
                    peer.map_or((0, 0, 0.0, 0.0, 0.0, (0, 0, 0)), |p| {
                        let r = p.received.lock().unwrap_or_else(PoisonError::into_inner);
                        let recent: Vec<i16> = r.history.iter().rev().take(4_800).copied().collect();
                        (
                            r.packets,
                            r.concealed,
                            (rms(&recent) / 32767.0) as f32,
                            r.jitter.jitter_ms() as f32,
                            r.jitter.depth_ms() as f32,
                            (r.jitter.underruns, r.jitter.concealments, r.jitter.gaps_within(GAPS_LATELY, now) as u32),
                        )
                    });
                let video_frames =
                    peer.map_or(0, |p| p.video_received.lock().unwrap_or_else(PoisonError::into_inner).frames);
                let prefs = shared.prefs.get(&state.user_id).copied().unwrap_or_default();
                Participant {
                    state: state.clone(),
                    connection: peer.map_or_else(|| "new".to_owned(), |p| p.state.to_string().to_lowercase()),
                    packets,
                    concealed,
                    level,
                    jitter_ms,
                    buffer_ms,
                    underruns,
                    underruns_concealed,
                    gaps_lately,
                    video_frames,
                    volume: prefs.volume,
                    locally_muted: prefs.muted,
                    video_hidden: prefs.video_hidden,
                }
            })
            .collect();
        info.participants.sort_by_key(|p| p.state.joined_at);
    }
}

/// The delay the echo canceller is told (see [`VoiceProcessor::set_delay`]):
/// the microphone's latency plus the frame its first sample waited for,
/// and the speakers' latency, less the half tick that audio a pulling
/// player played waits on average before it reaches the echo canceller.
fn echo_delay(microphone: Option<Duration>, speakers: Option<Duration>, pulled: bool) -> Duration {
    let capture = microphone.unwrap_or_default() + super::audio::FRAME_DURATION;
    let render = speakers.unwrap_or_default();
    let waited = if pulled { super::audio::FRAME_DURATION / 2 } else { Duration::ZERO };
    (capture + render).saturating_sub(waited)
}

/// An Opus encoder for voice: 10 ms frames, in-band FEC for up to 10 % loss.
pub(crate) fn encoder() -> Result<opus::Encoder, String> {
    let mut e = opus::Encoder::new(super::audio::SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip)
        .map_err(|e| format!("no Opus encoder: {e}"))?;
    let _ = e.set_bitrate(opus::Bitrate::Bits(32_000));
    let _ = e.set_inband_fec(true);
    let _ = e.set_packet_loss_perc(10);
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_echo_canceller_is_told_both_devices_latency_and_the_waits_in_between() {
        let ms = Duration::from_millis;
        // Through PulseAudio with 5 ms periods (BENCHMARKS.md): 6 + 10 + 8 − 5.
        assert_eq!(echo_delay(Some(ms(6)), Some(ms(8)), true), ms(19));
        // A pushed sink plays the frame the echo canceller has just seen.
        assert_eq!(echo_delay(Some(ms(6)), None, false), ms(16));
        // Devices that have not said yet.
        assert_eq!(echo_delay(None, None, true), ms(5));
    }
}
