//! One WebRTC peer connection to one other person in the room.
//!
//! Negotiation follows the "perfect negotiation" pattern: either side may
//! offer when it needs to (a track added, a camera turned on); when two offers
//! cross, the polite side (the one with the smaller [`VoiceSessionId`]) rolls
//! its own back and answers, the impolite side ignores the other's offer.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
    time::Instant,
};

use pq_protocol::{
    UserId, VoiceSessionId,
    voice::{IceCandidate, IceServer, SdpType, Signal},
};
use rtc::{
    ice::mdns::MulticastDnsMode,
    media::Sample,
    peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_RTX, MIME_TYPE_VP8},
    peer_connection::transport::RTCDtlsRole,
    rtp_transceiver::rtp_sender::{
        RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
        RtpCodecKind,
    },
};
use tokio::sync::{broadcast, mpsc};
use tracing::{debug, warn};
use webrtc::{
    media_stream::{
        MediaStreamTrack,
        track_local::{TrackLocal, static_sample::TrackLocalStaticSample},
        track_remote::{TrackRemote, TrackRemoteEvent},
    },
    peer_connection::{
        MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
        RTCIceCandidateInit, RTCIceGatheringState, RTCIceServer, RTCPeerConnectionIceEvent, RTCPeerConnectionState,
        RTCSessionDescription, Registry, SettingEngineBuilder, register_default_interceptors,
    },
    rtp_transceiver::RtpSender,
};

use super::{
    audio::{FRAME, FRAME_DURATION, samples_in_ms},
    jitter::{CONCEAL_STEP, JitterBuffer},
    video::{self, VideoFrame, VideoReceived},
};

/// Who a peer connection is with: a person's current stay in the room.
pub(crate) type PeerKey = (UserId, VoiceSessionId);

/// What a peer connection reports to its call.
#[derive(Debug)]
pub(crate) enum PeerEvent {
    /// A local ICE candidate to send.
    Candidate(PeerKey, IceCandidate),
    /// Gathering finished for now.
    GatheringDone(PeerKey),
    /// Something changed that needs an offer.
    NegotiationNeeded(PeerKey),
    /// The connection's state changed.
    State(PeerKey, RTCPeerConnectionState),
}

/// What arrived from one peer, decoded: the last seconds of their audio
/// (before mixing) and counters; and their decoder, which the player also
/// asks to conceal a gap when their audio runs dry (so a lost packet and a
/// late one are concealed by the same decoder, in the order they are
/// played).
#[derive(Debug, Default)]
pub(crate) struct Received {
    /// Decoded samples not yet played.
    pub(crate) jitter: JitterBuffer,
    /// The last [`HISTORY`] samples decoded (for levels and tests).
    pub(crate) history: VecDeque<i16>,
    /// RTP packets received.
    pub(crate) packets: u64,
    /// Packets concealed (lost).
    pub(crate) concealed: u64,
    /// When the first packet arrived.
    pub(crate) first_at: Option<Instant>,
    /// Their Opus decoder, once their audio track arrived.
    decoder: Option<opus::Decoder>,
    /// The sequence number of the last packet decoded.
    last_seq: Option<u16>,
    /// How long the sender's packets are (pq's 10 ms, a browser's 20 ms): a
    /// lost one is concealed with as much.
    packet_len: usize,
    /// Decoding scratch: the longest an Opus packet plays (120 ms).
    pcm: Vec<i16>,
}

impl Received {
    /// A new audio track from them: decoded afresh.
    fn start(&mut self) -> Result<(), opus::Error> {
        self.decoder = Some(opus::Decoder::new(super::audio::SAMPLE_RATE, opus::Channels::Mono)?);
        self.last_seq = None;
        self.packet_len = FRAME;
        self.pcm.resize(samples_in_ms(120), 0);
        Ok(())
    }

    /// Decodes an RTP packet that arrived at `now` into the jitter buffer,
    /// concealing the packets lost before it (less what the player already
    /// concealed while waiting for them).
    pub(crate) fn receive(&mut self, seq: u16, timestamp: u32, payload: &[u8], now: Instant) {
        let Some(decoder) = self.decoder.as_mut() else { return };
        let lost = self.last_seq.map_or(0, |l| seq.wrapping_sub(l).wrapping_sub(1));
        if lost > 0x8000 {
            return; // Late or repeated: already concealed.
        }
        self.last_seq = Some(seq);
        let mut out: Vec<i16> = Vec::new();
        // Conceal up to 100 ms of lost packets (longer gaps are silence).
        let concealed = lost.min((CONCEALED_AT_MOST / self.packet_len).max(1) as u16);
        let missing = (usize::from(concealed) * self.packet_len).saturating_sub(self.jitter.concealed_since_packet());
        let missing = missing - missing % CONCEAL_STEP;
        if missing > 0
            && let Ok(n) = decoder.decode(&[], &mut self.pcm[..missing], false)
        {
            out.extend_from_slice(&self.pcm[..n]);
        }
        match decoder.decode(payload, &mut self.pcm, false) {
            Ok(n) => {
                out.extend_from_slice(&self.pcm[..n]);
                self.packet_len = n.max(1);
            }
            Err(e) => debug!(error = %e, "undecodable Opus packet"),
        }
        self.packets += 1;
        self.concealed += u64::from(concealed);
        self.first_at.get_or_insert(now);
        self.jitter.push(&out, now, timestamp);
        self.history.extend(out);
        if self.history.len() > HISTORY {
            let extra = self.history.len() - HISTORY;
            self.history.drain(..extra);
        }
    }

    /// Their next audio for a player asking at `now` (see
    /// [`JitterBuffer::pop_concealing`]); a gap is concealed by their
    /// decoder.
    pub(crate) fn pop(&mut self, out: &mut [i16], now: Instant) -> bool {
        let Self { jitter, decoder, .. } = self;
        jitter.pop_concealing(out, now, &mut |made_up| {
            decoder.as_mut().is_some_and(|d| d.decode(&[], made_up, false).is_ok_and(|n| n == made_up.len()))
        })
    }
}

/// Samples of decoded audio kept per peer (2 s).
const HISTORY: usize = samples_in_ms(2_000);
/// The most lost audio concealed in a row (100 ms); longer gaps are silence.
const CONCEALED_AT_MOST: usize = samples_in_ms(100);

/// A track we send to one peer.
struct Outgoing {
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
    mime: &'static str,
    payload_type: Option<u8>,
}

impl Outgoing {
    async fn new(
        pc: &Arc<dyn PeerConnection>,
        me: VoiceSessionId,
        codec: RTCRtpCodec,
        kind: RtpCodecKind,
    ) -> Result<Self, webrtc::error::Error> {
        let ssrc: u32 = rand::random();
        let (mime, id, label) = match kind {
            RtpCodecKind::Video => (MIME_TYPE_VP8, format!("video-{me}"), "camera"),
            _ => (MIME_TYPE_OPUS, format!("audio-{me}"), "microphone"),
        };
        let track = Arc::new(TrackLocalStaticSample::new(
            Instant::now(),
            MediaStreamTrack::new(
                format!("pq-{me}"),
                id,
                label.to_owned(),
                kind,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters { ssrc: Some(ssrc), ..Default::default() },
                    codec,
                    ..Default::default()
                }],
            ),
        )?);
        let sender = pc.add_track(track.clone() as Arc<dyn TrackLocal>).await?;
        Ok(Self { track, sender, ssrc, mime, payload_type: None })
    }

    async fn send(&mut self, data: &bytes::Bytes, duration: std::time::Duration) {
        if self.payload_type.is_none() {
            self.payload_type = match self.sender.get_parameters().await {
                Ok(p) => p
                    .rtp_parameters
                    .codecs
                    .iter()
                    .find(|c| c.rtp_codec.mime_type.eq_ignore_ascii_case(self.mime))
                    .map(|c| c.payload_type),
                Err(_) => None,
            };
        }
        let Some(pt) = self.payload_type else { return };
        let sample = Sample { data: data.clone(), duration, ..Sample::new(Instant::now()) };
        if let Err(e) = self.track.sample_writer(self.ssrc, pt).write_sample(&sample).await {
            debug!(error = %e, mime = self.mime, "cannot send");
        }
    }
}

/// One peer connection and its negotiation state.
pub(crate) struct Peer {
    pub(crate) key: PeerKey,
    me: VoiceSessionId,
    pub(crate) polite: bool,
    pub(crate) pc: Arc<dyn PeerConnection>,
    audio: Outgoing,
    /// Our camera, while it is on.
    video: Option<Outgoing>,
    /// Remote candidates that came before the remote description.
    early: Vec<RTCIceCandidateInit>,
    ignore_offer: bool,
    /// Where gathering local candidates stands.
    gathered: tokio::sync::watch::Receiver<RTCIceGatheringState>,
    pub(crate) received: Arc<Mutex<Received>>,
    pub(crate) video_received: Arc<Mutex<VideoReceived>>,
    pub(crate) state: RTCPeerConnectionState,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("key", &self.key)
            .field("polite", &self.polite)
            .field("state", &self.state)
            .finish()
    }
}

struct Handler {
    key: PeerKey,
    events: mpsc::UnboundedSender<PeerEvent>,
    gathering: tokio::sync::watch::Sender<RTCIceGatheringState>,
    received: Arc<Mutex<Received>>,
    video: Arc<Mutex<VideoReceived>>,
    frames: broadcast::Sender<VideoFrame>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_negotiation_needed(&self) {
        let _ = self.events.send(PeerEvent::NegotiationNeeded(self.key));
    }

    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        match event.candidate.to_json() {
            Ok(c) => {
                let _ = self.events.send(PeerEvent::Candidate(
                    self.key,
                    IceCandidate { candidate: c.candidate, sdp_mid: c.sdp_mid, sdp_mline_index: c.sdp_mline_index },
                ));
            }
            Err(e) => warn!(error = %e, "cannot serialise a local candidate"),
        }
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        self.gathering.send_replace(state);
        if state == RTCIceGatheringState::Complete {
            let _ = self.events.send(PeerEvent::GatheringDone(self.key));
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        let _ = self.events.send(PeerEvent::State(self.key, state));
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        // Callbacks run on the connection's own task: read elsewhere.
        let received = self.received.clone();
        let key = self.key;
        let (video, frames) = (self.video.clone(), self.frames.clone());
        tokio::spawn(async move {
            let kind = track.kind().await;
            if kind == RtpCodecKind::Video {
                return video::receive(track, key.0, video, frames).await;
            }
            if kind != RtpCodecKind::Audio {
                // Nothing else is expected; keep draining so the
                // connection's queue never fills.
                while track.poll().await.is_some() {}
                return;
            }
            if let Err(e) = received.lock().unwrap_or_else(PoisonError::into_inner).start() {
                return warn!(error = %e, "no Opus decoder");
            }
            debug!(user = %key.0, "receiving audio");
            while let Some(event) = track.poll().await {
                let TrackRemoteEvent::OnRtpPacket(packet) = event else { continue };
                // Decoded under the lock the player takes too: a gap it
                // concealed and the packet after it go through the decoder
                // in the order they are heard.
                received.lock().unwrap_or_else(PoisonError::into_inner).receive(
                    packet.header.sequence_number,
                    packet.header.timestamp,
                    &packet.payload,
                    Instant::now(),
                );
            }
        });
    }
}

/// How peer connections are made.
#[derive(Debug, Clone)]
pub(crate) struct PeerSetup {
    /// Local addresses to gather candidates on.
    pub(crate) udp_addrs: Vec<String>,
    /// STUN/TURN servers.
    pub(crate) ice_servers: Vec<IceServer>,
}

impl Peer {
    /// A new connection to `key`, sending our audio (and our camera when
    /// `camera`).
    pub(crate) async fn new(
        key: PeerKey,
        me: VoiceSessionId,
        setup: &PeerSetup,
        camera: bool,
        events: mpsc::UnboundedSender<PeerEvent>,
        frames: broadcast::Sender<VideoFrame>,
    ) -> Result<Peer, webrtc::error::Error> {
        let mut media = MediaEngine::default();
        register_codecs(&mut media)?;
        let registry = register_default_interceptors(Registry::new(), &mut media)?;
        let settings = SettingEngineBuilder::new()
            .with_multicast_dns_mode(MulticastDnsMode::Disabled)
            // Connectivity checks every 50 ms (as browsers pace them), for
            // the same 1.4 s per candidate pair as the default 7 × 200 ms.
            .with_ice_connection_attempts(Some(std::time::Duration::from_millis(50)), Some(28))
            // The answerer waits for the DTLS handshake: the offerer starts it
            // once its checks succeed, which needs the answer, so its first
            // ClientHello always finds the answerer ready. (An answering
            // client could greet an offerer that has not read the answer yet;
            // that hello is lost and DTLS only retries after a second.)
            .with_answering_dtls_role(RTCDtlsRole::Server)
            .build();
        let ice_servers = setup
            .ice_servers
            .iter()
            .map(|s| RTCIceServer {
                urls: s.urls.clone(),
                username: s.username.clone().unwrap_or_default(),
                credential: s.credential.clone().unwrap_or_default(),
            })
            .collect();
        let config = RTCConfigurationBuilder::new().with_ice_servers(ice_servers).build();
        let received = Arc::new(Mutex::new(Received::default()));
        let video_received = Arc::new(Mutex::new(VideoReceived::default()));
        let (gathering, gathered) = tokio::sync::watch::channel(RTCIceGatheringState::New);
        let handler = Arc::new(Handler {
            key,
            events,
            gathering,
            received: received.clone(),
            video: video_received.clone(),
            frames,
        });
        let pc = PeerConnectionBuilder::new()
            .with_configuration(config)
            .with_media_engine(media)
            .with_interceptor_registry(registry)
            .with_setting_engine(settings)
            .with_handler(handler)
            .with_udp_addrs(setup.udp_addrs.clone())
            .build()
            .await?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);
        let audio = Outgoing::new(&pc, me, opus_codec(), RtpCodecKind::Audio).await?;
        let mut peer = Peer {
            key,
            me,
            polite: me < key.1,
            pc,
            audio,
            video: None,
            early: Vec::new(),
            ignore_offer: false,
            gathered,
            received,
            video_received,
            state: RTCPeerConnectionState::New,
        };
        if camera {
            peer.start_video().await?;
        }
        Ok(peer)
    }

    /// Starts sending our camera (renegotiates).
    pub(crate) async fn start_video(&mut self) -> Result<(), webrtc::error::Error> {
        if self.video.is_none() {
            self.video = Some(Outgoing::new(&self.pc, self.me, vp8_codec(), RtpCodecKind::Video).await?);
        }
        Ok(())
    }

    /// Stops sending our camera (renegotiates).
    pub(crate) async fn stop_video(&mut self) {
        if let Some(v) = self.video.take()
            && let Err(e) = self.pc.remove_track(&v.sender).await
        {
            debug!(error = %e, "cannot remove the camera's track");
        }
    }

    /// Makes an offer (when negotiation is needed and nothing is under way).
    /// Returns the signal to send, if any.
    pub(crate) async fn offer(&mut self, ice_restart: bool) -> Result<Option<Signal>, webrtc::error::Error> {
        if self.pc.pending_local_description().await.is_some() || self.pc.pending_remote_description().await.is_some() {
            // Mid-negotiation: it is asked for again once stable.
            return Ok(None);
        }
        if ice_restart {
            self.pc.restart_ice().await?;
        } else if !self.needs_offer().await {
            // The answer just given already carries every track we send
            // (negotiation-needed fired for tracks added before their offer
            // came): another offer would only cost a round trip.
            return Ok(None);
        }
        let offer = self.pc.create_offer(None).await?;
        self.pc.set_local_description(offer.clone()).await?;
        Ok(Some(Signal::Description { sdp_type: SdpType::Offer, sdp: self.with_candidates(offer.sdp).await }))
    }

    /// Whether what we send differs from what was last agreed: one sending
    /// audio section, and a sending video section exactly while the camera
    /// is on.
    async fn needs_offer(&self) -> bool {
        let Some(local) = self.pc.current_local_description().await else { return true };
        sends(&local.sdp) != (1, usize::from(self.video.is_some()))
    }

    /// Handles a description from the peer. Returns an answer to send, if any.
    pub(crate) async fn on_description(
        &mut self,
        sdp_type: SdpType,
        sdp: String,
    ) -> Result<Option<Signal>, webrtc::error::Error> {
        match sdp_type {
            SdpType::Offer => {
                let collision = self.pc.pending_local_description().await.is_some();
                self.ignore_offer = !self.polite && collision;
                if self.ignore_offer {
                    debug!(peer = %self.key.0, "offers crossed; ours stands");
                    return Ok(None);
                }
                if collision {
                    debug!(peer = %self.key.0, "offers crossed; taking theirs");
                    self.pc.set_local_description(RTCSessionDescription::rollback(None)?).await?;
                }
                self.pc.set_remote_description(RTCSessionDescription::offer(sdp)?).await?;
                self.add_early_candidates().await;
                let answer = self.pc.create_answer(None).await?;
                self.pc.set_local_description(answer.clone()).await?;
                Ok(Some(Signal::Description { sdp_type: SdpType::Answer, sdp: self.with_candidates(answer.sdp).await }))
            }
            SdpType::Answer | SdpType::Pranswer => {
                if self.pc.pending_local_description().await.is_none() {
                    debug!(peer = %self.key.0, "an answer to no offer; ignored");
                    return Ok(None);
                }
                let desc = if sdp_type == SdpType::Answer {
                    RTCSessionDescription::answer(sdp)?
                } else {
                    RTCSessionDescription::pranswer(sdp)?
                };
                self.pc.set_remote_description(desc).await?;
                self.add_early_candidates().await;
                Ok(None)
            }
            SdpType::Rollback => {
                if self.pc.pending_remote_description().await.is_some() {
                    self.pc.set_remote_description(RTCSessionDescription::rollback(None)?).await?;
                }
                Ok(None)
            }
        }
    }

    /// The local description to send: with the candidates gathered so far
    /// (waiting a moment for host candidates, which take milliseconds). The
    /// rest trickle. Candidates that come with the description start the
    /// other side's checks at once; candidates trickled in after it wait for
    /// the peer connection's next timer (up to a second in webrtc 0.21).
    async fn with_candidates(&mut self, sdp: String) -> String {
        let _ = tokio::time::timeout(
            std::time::Duration::from_millis(150),
            self.gathered.wait_for(|s| *s == RTCIceGatheringState::Complete),
        )
        .await;
        self.pc.local_description().await.map_or(sdp, |d| d.sdp)
    }

    /// Handles candidates from the peer.
    pub(crate) async fn on_candidates(&mut self, candidates: Vec<IceCandidate>) {
        let mut added = false;
        for c in candidates {
            let init = RTCIceCandidateInit {
                candidate: c.candidate,
                sdp_mid: c.sdp_mid,
                sdp_mline_index: c.sdp_mline_index,
                ..Default::default()
            };
            if self.pc.remote_description().await.is_none() {
                self.early.push(init);
            } else {
                match self.pc.add_ice_candidate(init).await {
                    Ok(()) => added = true,
                    Err(e) if !self.ignore_offer => debug!(error = %e, "a remote candidate was refused"),
                    Err(_) => {}
                }
            }
        }
        if added && self.state != RTCPeerConnectionState::Connected {
            self.wake_ice().await;
        }
    }

    /// Has the connection's ICE agent check a trickled candidate now. webrtc
    /// 0.21 adds a candidate without waking the task that drives the agent,
    /// which then sleeps until the timer it last set (up to a second before
    /// it has a pair to check); setting the configuration in effect again is
    /// a no-op that wakes it, and the agent asks for an immediate check when
    /// it gains a pair.
    async fn wake_ice(&self) {
        let config = self.pc.get_configuration().await;
        if let Err(e) = self.pc.set_configuration(config).await {
            debug!(error = %e, "cannot wake the ICE agent");
        }
    }

    /// Adds the candidates that came before the remote description, and
    /// wakes the ICE agent for them as for any trickled candidate.
    async fn add_early_candidates(&mut self) {
        let mut added = false;
        for init in std::mem::take(&mut self.early) {
            match self.pc.add_ice_candidate(init).await {
                Ok(()) => added = true,
                Err(e) => debug!(error = %e, "an early remote candidate was refused"),
            }
        }
        if added && self.state != RTCPeerConnectionState::Connected {
            self.wake_ice().await;
        }
    }

    /// Sends one Opus packet (a frame) to the peer, once connected.
    pub(crate) async fn send_audio(&mut self, packet: &bytes::Bytes) {
        if self.state == RTCPeerConnectionState::Connected {
            self.audio.send(packet, FRAME_DURATION).await;
        }
    }

    /// Sends one VP8 picture to the peer, once connected, if our camera's
    /// track is negotiated.
    pub(crate) async fn send_video(&mut self, picture: &bytes::Bytes) {
        if self.state == RTCPeerConnectionState::Connected
            && let Some(v) = self.video.as_mut()
        {
            v.send(picture, std::time::Duration::from_secs(1) / video::FPS).await;
        }
    }

    /// Ends the connection.
    pub(crate) async fn close(&self) {
        if let Err(e) = self.pc.close().await {
            debug!(error = %e, "closing a peer connection");
        }
    }
}

/// How many audio and video sections of `sdp` send (sendrecv or sendonly,
/// and not refused with port 0).
fn sends(sdp: &str) -> (usize, usize) {
    let (mut audio, mut video) = (0, 0);
    for section in sdp.split("\nm=").skip(1) {
        let sending = !section.contains(" 0 UDP")
            && !section.starts_with("audio 0 ")
            && !section.starts_with("video 0 ")
            && section.lines().any(|l| matches!(l.trim_end(), "a=sendrecv" | "a=sendonly"));
        if sending {
            if section.starts_with("audio") {
                audio += 1;
            } else if section.starts_with("video") {
                video += 1;
            }
        }
    }
    (audio, video)
}

/// The codecs pq offers and accepts: exactly those it encodes and decodes.
/// Opus for audio; VP8 for video, with its retransmission stream (RTX, which
/// browsers pair with every video codec) and the feedback pq answers (NACK,
/// PLI, FIR, REMB). An offer with only other video codecs (H264, VP9, AV1) is
/// answered without video rather than with pictures pq could not show.
fn register_codecs(media: &mut MediaEngine) -> Result<(), webrtc::error::Error> {
    media.register_codec(RTCRtpCodecParameters { rtp_codec: opus_codec(), payload_type: 111 }, RtpCodecKind::Audio)?;
    let feedback = |typ: &str, parameter: &str| RTCPFeedback { typ: typ.into(), parameter: parameter.into() };
    let vp8 = RTCRtpCodec {
        rtcp_feedback: vec![
            feedback("goog-remb", ""),
            feedback("ccm", "fir"),
            feedback("nack", ""),
            feedback("nack", "pli"),
        ],
        ..vp8_codec()
    };
    media.register_codec(RTCRtpCodecParameters { rtp_codec: vp8, payload_type: 96 }, RtpCodecKind::Video)?;
    let rtx = RTCRtpCodec {
        mime_type: MIME_TYPE_RTX.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: "apt=96".into(),
        rtcp_feedback: vec![],
    };
    media.register_codec(RTCRtpCodecParameters { rtp_codec: rtx, payload_type: 97 }, RtpCodecKind::Video)?;
    Ok(())
}

fn opus_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".into(),
        rtcp_feedback: vec![],
    }
}

fn vp8_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_VP8.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![],
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::voice::audio::rms;

    /// pq's packets of a 220 Hz tone (10 ms each), coded as a call codes
    /// them.
    fn tone_packets(n: usize) -> Vec<Vec<u8>> {
        let mut encoder = crate::voice::call::encoder().unwrap();
        (0..n)
            .map(|i| {
                let pcm: Vec<i16> = (0..FRAME)
                    .map(|j| {
                        let t = (i * FRAME + j) as f64 / 48_000.0;
                        (8_000.0 * (std::f64::consts::TAU * 220.0 * t).sin()) as i16
                    })
                    .collect();
                encoder.encode_vec(&pcm, 1_500).unwrap()
            })
            .collect()
    }

    /// Plays `packets` arriving at `arrival(i)` (ms), seq `seq(i)`, taken
    /// 160 samples (3.3 ms) at a time from 1 ms on: the level of each take
    /// (`None`: nothing played) with its time (ms).
    fn play(r: &mut Received, packets: &[(u16, Vec<u8>)], arrival: impl Fn(usize) -> f64) -> Vec<(f64, Option<f64>)> {
        let start = Instant::now();
        let at = |ms: f64| start + Duration::from_secs_f64(ms / 1e3);
        let (mut next, mut takes, mut out) = (0, Vec::new(), vec![0i16; 160]);
        let end = arrival(packets.len() - 1);
        let mut now = 1.0;
        while now < end {
            while next < packets.len() && arrival(next) <= now {
                let (seq, payload) = &packets[next];
                r.receive(*seq, u32::from(*seq) * FRAME as u32, payload, at(arrival(next)));
                next += 1;
            }
            let played = r.pop(&mut out, at(now));
            takes.push((now, played.then(|| rms(&out))));
            now += 10.0 / 3.0;
        }
        takes
    }

    /// Someone's voice and a moment's stall (their computer, the network,
    /// or mine): three packets arrive together, the first 22 ms late. What
    /// I hear through it is their voice continued by Opus's concealment,
    /// not silence, and the late audio after it.
    #[test]
    fn a_late_packet_is_concealed_with_their_voice_not_silence() {
        let packets: Vec<(u16, Vec<u8>)> =
            tone_packets(200).into_iter().enumerate().map(|(i, p)| (i as u16, p)).collect();
        let arrival = |i: usize| if (100..103).contains(&i) { 1_022.0 } else { i as f64 * 10.0 };
        let mut r = Received::default();
        r.start().unwrap();
        let takes = play(&mut r, &packets, arrival);
        assert_eq!(r.jitter.underruns, 0, "no gap");
        assert_eq!(r.jitter.concealments, 1);
        // Every take from when it started playing until the end is sound:
        // a 220 Hz tone of amplitude 8000 has an RMS of 5700; silence 0.
        let playing: Vec<(f64, f64)> =
            takes.iter().skip_while(|t| t.1.is_none()).map(|&(at, level)| (at, level.unwrap_or(0.0))).collect();
        let quietest =
            playing.iter().filter(|t| t.0 > 50.0).fold((0.0, f64::MAX), |q, &t| if t.1 < q.1 { t } else { q });
        // (Opus fades what it makes up: to about a third of the tone's
        // level after 10 ms of it, here.)
        assert!(quietest.1 > 1_000.0, "a take at {:.0} ms has an RMS of {:.0}", quietest.0, quietest.1);
    }

    /// A packet that never comes, after the player had already made up
    /// part of its gap while waiting for it: only the rest of it is
    /// concealed when the next packet shows it lost (not made up twice,
    /// which would add delay).
    #[test]
    fn a_lost_packet_is_not_concealed_twice() {
        let packets: Vec<(u16, Vec<u8>)> =
            tone_packets(40).into_iter().enumerate().map(|(i, p)| (i as u16, p)).collect();
        let mut r = Received::default();
        r.start().unwrap();
        // Packets 0–19 on time; 20 lost; 21 on.
        let sent: Vec<(u16, Vec<u8>)> = packets.iter().filter(|p| p.0 != 20).cloned().collect();
        let start = Instant::now();
        let at = |ms: f64| start + Duration::from_secs_f64(ms / 1e3);
        let mut out = vec![0i16; 160];
        for (seq, payload) in &sent[..20] {
            r.receive(*seq, u32::from(*seq) * FRAME as u32, payload, at(f64::from(*seq) * 10.0));
        }
        // The player takes until packet 20 would have been needed and a
        // little after.
        let mut now = 191.0;
        while r.jitter.concealed_since_packet() == 0 {
            assert!(r.pop(&mut out, at(now)));
            now += 10.0 / 3.0;
        }
        let made_up = r.jitter.concealed_since_packet();
        assert!(made_up < FRAME, "{made_up} samples made up");
        let before = r.history.len();
        let (seq, payload) = &sent[20];
        assert_eq!(*seq, 21);
        r.receive(*seq, u32::from(*seq) * FRAME as u32, payload, at(now));
        assert_eq!(r.history.len() - before, FRAME - made_up + FRAME, "the lost packet's rest, then packet 21");
        assert_eq!(r.concealed, 1);
    }

    /// A browser's offer: Opus, and for video only `video` (`pt name/rate`
    /// and its fmtp).
    fn offer(video: &str) -> String {
        let fingerprint = (0..32).map(|i| format!("{i:02X}")).collect::<Vec<_>>().join(":");
        let common = |mid: u8| {
            format!(
                "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n\
                 a=ice-options:trickle\r\na=fingerprint:sha-256 {fingerprint}\r\na=setup:actpass\r\na=mid:{mid}\r\n\
                 a=sendrecv\r\na=rtcp-mux\r\n"
            )
        };
        let (pt, rest) = video.split_once(' ').unwrap();
        format!(
            "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n\
             m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n{}a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n\
             m=video 9 UDP/TLS/RTP/SAVPF {pt}\r\n{}a=rtpmap:{pt} {rest}\r\n",
            common(0),
            common(1)
        )
    }

    async fn answer_to(offer: String) -> String {
        let setup = PeerSetup { udp_addrs: vec!["127.0.0.1:0".into()], ice_servers: vec![] };
        let (events, _) = mpsc::unbounded_channel();
        let (frames, _) = broadcast::channel(1);
        let key = (UserId::new(), VoiceSessionId::new());
        let mut peer = Peer::new(key, VoiceSessionId::new(), &setup, false, events, frames).await.unwrap();
        let answer = peer.on_description(SdpType::Offer, offer).await.unwrap();
        peer.close().await;
        match answer {
            Some(Signal::Description { sdp_type: SdpType::Answer, sdp }) => sdp,
            other => panic!("no answer: {other:?}"),
        }
    }

    /// The video part of an SDP: from its `m=video` line on.
    fn video_part(sdp: &str) -> &str {
        &sdp[sdp.find("m=video").expect("a video section")..]
    }

    async fn peer(camera: bool) -> Peer {
        let setup = PeerSetup { udp_addrs: vec!["127.0.0.1:0".into()], ice_servers: vec![] };
        let (events, _) = mpsc::unbounded_channel();
        let (frames, _) = broadcast::channel(1);
        Peer::new((UserId::new(), VoiceSessionId::new()), VoiceSessionId::new(), &setup, camera, events, frames)
            .await
            .unwrap()
    }

    /// Negotiates `a`'s offer with `b`; returns whether `b` then offers.
    async fn answer_then_offer(a: &mut Peer, b: &mut Peer) -> bool {
        let Some(Signal::Description { sdp, .. }) = a.offer(false).await.unwrap() else { panic!("no offer") };
        let Some(Signal::Description { sdp: answer, .. }) = b.on_description(SdpType::Offer, sdp).await.unwrap() else {
            panic!("no answer")
        };
        a.on_description(SdpType::Answer, answer).await.unwrap();
        // `b`'s tracks, added before the offer came, asked for negotiation.
        b.offer(false).await.unwrap().is_some()
    }

    #[tokio::test]
    async fn an_answer_that_carries_every_track_is_not_followed_by_an_offer() {
        // Both with cameras: the offer had a video section for b's camera.
        let (mut a, mut b) = (peer(true).await, peer(true).await);
        assert!(!answer_then_offer(&mut a, &mut b).await, "b offered again after answering");
        // a without a camera offered no video: b's camera needs its own offer.
        let (mut a, mut b) = (peer(false).await, peer(true).await);
        assert!(answer_then_offer(&mut a, &mut b).await, "b's camera was never offered");
        // Turning the camera off later is a change.
        let (mut a, mut b) = (peer(true).await, peer(true).await);
        assert!(!answer_then_offer(&mut a, &mut b).await);
        b.stop_video().await;
        assert!(b.offer(false).await.unwrap().is_some(), "the camera going off was not offered");
        for p in [a, b] {
            p.close().await;
        }
    }

    #[test]
    fn sending_sections_are_counted() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=recvonly\r\n\
                   m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=sendrecv\r\n";
        assert_eq!(sends(sdp), (1, 0));
    }

    #[tokio::test]
    async fn an_offer_with_only_h264_video_is_answered_without_video() {
        let answer = answer_to(offer("102 H264/90000")).await;
        let video = video_part(&answer);
        assert!(video.starts_with("m=video 0 "), "video should be refused:\n{answer}");
        assert!(!answer.contains("H264") && !answer.contains("VP9"), "{answer}");
        // VP8, which pq decodes, is taken.
        let answer = answer_to(offer("96 VP8/90000")).await;
        assert!(video_part(&answer).contains("a=rtpmap:96 VP8/90000"), "{answer}");
        assert!(!video_part(&answer).starts_with("m=video 0 "), "{answer}");
    }
}
