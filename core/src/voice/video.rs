//! Video in a call: pictures from a [`FrameSource`] (a camera, or the
//! synthetic [`TestPattern`]), scaled to a size that suits the room, VP8 by
//! libvpx ([`pq_vpx`]), sent once to every peer; what arrives is reassembled
//! from RTP, decoded and handed out as [`VideoFrame`]s.
//!
//! The picture shrinks as the room grows: everyone uploads one stream per
//! peer in a mesh ([`quality_for`]). Keyframes go out when someone new starts
//! watching, every few seconds, and when a receiver asks (RTCP PLI, which
//! browsers send; pq's receivers send it until their first picture).

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use pq_protocol::UserId;
pub use pq_vpx::I420;
use rtc::rtp::{codec::vp8::Vp8Packet, packetizer::Depacketizer};
use tokio::sync::{broadcast, mpsc};
use tracing::{debug, warn};

/// Pictures per second sent.
pub const FPS: u32 = 15;
/// How often a keyframe goes out even when nobody asks.
const KEYFRAME_EVERY: Duration = Duration::from_secs(4);

/// Where a call's outgoing video comes from.
pub trait FrameSource: Send + 'static {
    /// The newest picture, if there is a new one since the last call. Any
    /// size; the call scales it.
    fn next_frame(&mut self) -> Option<I420>;
}

/// A moving test pattern (like a browser's fake camera): a flat colour of
/// the sender's choosing with a white square crossing it. Tests tell senders
/// apart by the colour; the square keeps the encoder honest.
#[derive(Debug, Clone)]
pub struct TestPattern {
    width: u32,
    height: u32,
    yuv: (u8, u8, u8),
    n: u32,
}

impl TestPattern {
    /// A `width`×`height` pattern (even numbers) in the colour `yuv`.
    #[must_use]
    pub fn new(width: u32, height: u32, yuv: (u8, u8, u8)) -> Self {
        Self { width: width & !1, height: height & !1, yuv, n: 0 }
    }
}

impl FrameSource for TestPattern {
    fn next_frame(&mut self) -> Option<I420> {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut frame = I420::zeroed(self.width, self.height);
        let (y, u, v) = frame.planes_mut();
        y.fill(self.yuv.0);
        u.fill(self.yuv.1);
        v.fill(self.yuv.2);
        let side = (h / 4).max(2);
        let x0 = (self.n as usize * 4) % w.saturating_sub(side).max(1);
        let y0 = (h - side) / 2;
        for row in y.chunks_mut(w).skip(y0).take(side) {
            row[x0..x0 + side].fill(235);
        }
        self.n = self.n.wrapping_add(1);
        Some(frame)
    }
}

/// Size and bitrate of the picture we send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VideoQuality {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// Target kbit/s (per peer: the mesh sends it to each).
    pub bitrate_kbps: u32,
}

/// What we send when `peers` people watch: every peer costs one more upload.
#[must_use]
pub fn quality_for(peers: usize) -> VideoQuality {
    match peers {
        0..=1 => VideoQuality { width: 640, height: 360, bitrate_kbps: 700 },
        2..=3 => VideoQuality { width: 480, height: 270, bitrate_kbps: 450 },
        _ => VideoQuality { width: 320, height: 180, bitrate_kbps: 250 },
    }
}

/// `src` scaled to `width`×`height` (bilinear, each plane).
#[must_use]
pub fn scale(src: &I420, width: u32, height: u32) -> I420 {
    if src.width == width && src.height == height {
        return src.clone();
    }
    let mut out = I420::zeroed(width, height);
    let (sw, sh) = (src.width as usize, src.height as usize);
    let (dw, dh) = (width as usize, height as usize);
    let (sy, su, sv) = src.planes();
    let (dy, du, dv) = out.planes_mut();
    scale_plane(sy, sw, sh, dy, dw, dh);
    scale_plane(su, sw / 2, sh / 2, du, dw / 2, dh / 2);
    scale_plane(sv, sw / 2, sh / 2, dv, dw / 2, dh / 2);
    out
}

fn scale_plane(src: &[u8], sw: usize, sh: usize, dst: &mut [u8], dw: usize, dh: usize) {
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 {
        return;
    }
    // 16.16 fixed point.
    let fx = ((sw << 16) / dw) as u32;
    let fy = ((sh << 16) / dh) as u32;
    for (j, row) in dst.chunks_mut(dw).enumerate().take(dh) {
        let y = (j as u32 * fy) as usize;
        let (y0, wy) = ((y >> 16).min(sh - 1), (y & 0xffff) as u32);
        let y1 = (y0 + 1).min(sh - 1);
        let (r0, r1) = (&src[y0 * sw..y0 * sw + sw], &src[y1 * sw..y1 * sw + sw]);
        for (i, px) in row.iter_mut().enumerate() {
            let x = (i as u32 * fx) as usize;
            let (x0, wx) = ((x >> 16).min(sw - 1), (x & 0xffff) as u32);
            let x1 = (x0 + 1).min(sw - 1);
            let top = u32::from(r0[x0]) * (0x10000 - wx) + u32::from(r0[x1]) * wx;
            let bottom = u32::from(r1[x0]) * (0x10000 - wx) + u32::from(r1[x1]) * wx;
            let v = (u64::from(top >> 8) * u64::from(0x10000 - wy) + u64::from(bottom >> 8) * u64::from(wy)) >> 24;
            *px = v.min(255) as u8;
        }
    }
}

/// One decoded picture from someone in the call.
#[derive(Clone, Debug)]
pub struct VideoFrame {
    /// Whose camera.
    pub user_id: UserId,
    /// The picture.
    pub picture: Arc<I420>,
}

/// What arrived from one peer's camera.
#[derive(Debug, Default)]
pub(crate) struct VideoReceived {
    /// Pictures decoded.
    pub(crate) frames: u64,
    /// The newest picture.
    pub(crate) latest: Option<Arc<I420>>,
    /// Locally hidden: frames are received but not decoded.
    pub(crate) hidden: bool,
}

/// One encoded picture, for every peer.
#[derive(Debug, Clone)]
pub(crate) struct EncodedVideo {
    pub(crate) data: Bytes,
}

/// Controls of the sending thread, shared with the call.
#[derive(Debug, Default)]
pub(crate) struct SenderShared {
    /// Peers watching (sets the size).
    pub(crate) peers: AtomicUsize,
    /// Send a keyframe next.
    pub(crate) keyframe: AtomicBool,
    /// Stop.
    pub(crate) stop: AtomicBool,
}

/// The camera's thread: takes pictures at [`FPS`], scales and encodes them,
/// hands the packets to the call. Stops when the call drops the handle.
#[derive(Debug)]
pub(crate) struct VideoSender {
    pub(crate) shared: Arc<SenderShared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for VideoSender {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl VideoSender {
    /// Starts the thread. Every picture sent is also shown to `preview`'s
    /// receivers as `me`'s (a self view).
    pub(crate) fn start(
        mut source: Box<dyn FrameSource>,
        peers: usize,
        out: mpsc::Sender<EncodedVideo>,
        preview: (UserId, broadcast::Sender<VideoFrame>),
    ) -> std::io::Result<Self> {
        let shared = Arc::new(SenderShared {
            peers: AtomicUsize::new(peers),
            keyframe: AtomicBool::new(true),
            ..Default::default()
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new().name("pq-video".into()).spawn(move || {
            let period = Duration::from_secs(1) / FPS;
            let mut next = Instant::now();
            let mut encoder: Option<pq_vpx::Encoder> = None;
            let mut last_key = Instant::now();
            let mut pts = 0i64;
            while !s.stop.load(Ordering::Relaxed) {
                next += period;
                let now = Instant::now();
                if next > now {
                    std::thread::sleep(next - now);
                } else {
                    next = now;
                }
                let Some(picture) = source.next_frame() else { continue };
                let want = quality_for(s.peers.load(Ordering::Relaxed));
                let fits = encoder.as_ref().is_some_and(|e| {
                    let c = e.config();
                    c.width == want.width && c.height == want.height
                });
                if !fits {
                    let config = pq_vpx::EncoderConfig {
                        width: want.width,
                        height: want.height,
                        bitrate_kbps: want.bitrate_kbps,
                        fps: FPS,
                    };
                    encoder = match pq_vpx::Encoder::new(config) {
                        Ok(e) => Some(e),
                        Err(e) => {
                            warn!(error = %e, "no VP8 encoder; the camera stays dark");
                            return;
                        }
                    };
                    s.keyframe.store(true, Ordering::Relaxed);
                }
                let Some(enc) = encoder.as_mut() else { continue };
                let key = s.keyframe.swap(false, Ordering::Relaxed) || last_key.elapsed() >= KEYFRAME_EVERY;
                if key {
                    last_key = Instant::now();
                }
                let scaled = scale(&picture, want.width, want.height);
                let encoded = enc.encode(&scaled, pts, key);
                if preview.1.receiver_count() > 0 {
                    let _ = preview.1.send(VideoFrame { user_id: preview.0, picture: Arc::new(scaled) });
                }
                match encoded {
                    Ok(packets) => {
                        for p in packets {
                            // Full: the call is busy; this picture is skipped.
                            let _ = out.try_send(EncodedVideo { data: Bytes::from(p.data) });
                        }
                    }
                    Err(e) => debug!(error = %e, "a picture could not be encoded"),
                }
                pts += 1;
            }
        })?;
        Ok(Self { shared, thread: Some(thread) })
    }
}

/// Reassembles VP8 frames from RTP packets that may come out of order, twice,
/// or late (a retransmission answering our NACK). Frames come out in order;
/// a frame missing a packet is waited for while [`Reassembler::PATIENCE`]
/// later frames arrive whole, then given up (`Err(())`: the decoder needs a
/// keyframe) and reassembly goes on from the next frame's first packet.
#[derive(Debug, Default)]
pub(crate) struct Reassembler {
    depacketizer: Vp8Packet,
    /// Packets not yet handed out, by unwrapped sequence number: (marker, payload).
    pending: std::collections::BTreeMap<u64, (bool, Bytes)>,
    /// Highest unwrapped sequence number seen.
    highest: Option<u64>,
    /// Where the next frame starts (everything before it is done), once known.
    next: Option<u64>,
}

impl Reassembler {
    /// Later frames that arrive whole before a frame with a missing packet is given up.
    pub(crate) const PATIENCE: usize = 3;
    /// Most packets kept waiting (a stream that never completes a frame).
    const MAX_PENDING: usize = 2_000;

    /// Adds one packet; returns the frames it completes (or gives up), in order.
    pub(crate) fn push(&mut self, seq: u16, marker: bool, payload: &Bytes) -> Vec<Result<Vec<u8>, ()>> {
        let seq = match self.highest {
            None => (1 << 32) | u64::from(seq),
            Some(h) => h.wrapping_add_signed(i64::from(seq.wrapping_sub(h as u16) as i16)),
        };
        if self.next.is_some_and(|n| seq.abs_diff(n) > Self::MAX_PENDING as u64) {
            // Far from where we are: the sender started over. So do we.
            *self = Self::default();
            return self.push(seq as u16, marker, payload);
        }
        self.highest = Some(self.highest.map_or(seq, |h| h.max(seq)));
        if self.next.is_some_and(|n| seq < n) || payload.is_empty() {
            return Vec::new(); // Already handed out or given up: late, or a repeat.
        }
        self.pending.entry(seq).or_insert((marker, payload.clone()));
        let mut out = Vec::new();
        loop {
            // Where the next frame starts: known, or the first frame head seen.
            let start = match self.next {
                Some(n) => n,
                None => match self.pending.iter().find(|(_, (_, p))| is_frame_head(p)) {
                    Some((&s, _)) => {
                        self.next = Some(s);
                        self.pending = self.pending.split_off(&s);
                        s
                    }
                    None => break,
                },
            };
            // The frame is whole when every packet from its start to a marker is here.
            let mut end = None;
            for (i, (&s, (m, _))) in self.pending.range(start..).enumerate() {
                if s != start + i as u64 {
                    break;
                }
                if *m {
                    end = Some(s);
                    break;
                }
            }
            if let Some(end) = end {
                let rest = self.pending.split_off(&(end + 1));
                let packets = std::mem::replace(&mut self.pending, rest);
                self.next = Some(end + 1);
                out.push(self.frame(start, packets));
                continue;
            }
            // Missing a packet: give up once later frames have come whole.
            if self.later_whole_frames(start) < Self::PATIENCE && self.pending.len() < Self::MAX_PENDING {
                break;
            }
            let Some(head) = self.pending.range(start + 1..).find(|(_, (_, p))| is_frame_head(p)).map(|(&s, _)| s)
            else {
                break;
            };
            self.pending = self.pending.split_off(&head);
            self.next = Some(head);
            out.push(Err(()));
        }
        out
    }

    /// The frame made of `packets` (which start at `start` and end in a
    /// marker), or `Err(())` when they do not make one.
    fn frame(&mut self, start: u64, packets: std::collections::BTreeMap<u64, (bool, Bytes)>) -> Result<Vec<u8>, ()> {
        if !packets.get(&start).is_some_and(|(_, p)| is_frame_head(p)) {
            return Err(()); // The frame's first packet was never seen.
        }
        let mut frame = Vec::new();
        for (_, (_, p)) in packets {
            frame.extend_from_slice(&self.depacketizer.depacketize(&p).map_err(|_| ())?);
        }
        Ok(frame)
    }

    /// How many whole frames wait after the one starting at `start`.
    fn later_whole_frames(&self, start: u64) -> usize {
        let mut whole = 0;
        let mut run: Option<u64> = None; // Start of a run of consecutive packets from a frame head.
        let mut prev = start;
        for (&s, (m, p)) in self.pending.range(start + 1..) {
            if s != prev + 1 {
                run = None;
            }
            if is_frame_head(p) {
                run = Some(s);
            }
            if *m && run.is_some() {
                whole += 1;
                run = None;
            }
            prev = s;
        }
        whole
    }
}

/// Whether an RTP payload starts a VP8 frame (RFC 7741 §4.2: S set, partition 0).
fn is_frame_head(payload: &[u8]) -> bool {
    payload.first().is_some_and(|b| b & 0x17 == 0x10)
}

/// A VP8 frame that decodes on its own (RFC 6386 §9.1: bit 0 of the first
/// byte is 0 for a keyframe).
pub(crate) fn is_keyframe(frame: &[u8]) -> bool {
    frame.first().is_some_and(|b| b & 1 == 0)
}

/// Decodes what arrives on one peer's video track until it ends.
pub(crate) async fn receive(
    track: Arc<dyn webrtc::media_stream::track_remote::TrackRemote>,
    user: UserId,
    received: Arc<Mutex<VideoReceived>>,
    frames: broadcast::Sender<VideoFrame>,
) {
    use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
    use webrtc::media_stream::track_remote::TrackRemoteEvent;

    let mut decoder = match pq_vpx::Decoder::new() {
        Ok(d) => d,
        Err(e) => return warn!(error = %e, "no VP8 decoder"),
    };
    let mut reassembler = Reassembler::default();
    // Until a keyframe arrives nothing can be decoded.
    let mut need_key = true;
    let mut last_pli: Option<Instant> = None;
    // The SSRC pictures come on, and which SSRCs carry their retransmissions
    // (RTX, RFC 4588: browsers answer our NACKs so).
    let mut media_ssrc = 0;
    let mut repairs: std::collections::HashMap<u32, bool> = std::collections::HashMap::new();
    debug!(%user, "receiving video");
    while let Some(event) = track.poll().await {
        let TrackRemoteEvent::OnRtpPacket(packet) = event else { continue };
        let ssrc = packet.header.ssrc;
        let repair = match repairs.get(&ssrc) {
            Some(&r) => r,
            None => {
                let repair = track
                    .codings()
                    .await
                    .iter()
                    .any(|c| c.rtp_coding_parameters.rtx.as_ref().is_some_and(|r| r.ssrc == ssrc));
                repairs.insert(ssrc, repair);
                repair
            }
        };
        let done = if repair {
            // The original sequence number, then the original payload.
            let Some(osn) = packet.payload.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])) else { continue };
            reassembler.push(osn, packet.header.marker, &packet.payload.slice(2..))
        } else {
            if ssrc != media_ssrc {
                // A new stream (the camera turned off and on again): its
                // numbers start afresh, and so does reassembly.
                reassembler = Reassembler::default();
                need_key = true;
                media_ssrc = ssrc;
            }
            reassembler.push(packet.header.sequence_number, packet.header.marker, &packet.payload)
        };
        for frame in done {
            let hidden = received.lock().unwrap_or_else(PoisonError::into_inner).hidden;
            let decoded = match frame {
                Ok(f) if hidden => {
                    // Hidden: keep track of keyframes only, decode nothing.
                    need_key = need_key && !is_keyframe(&f);
                    None
                }
                Ok(f) if need_key && !is_keyframe(&f) => None,
                Ok(f) => match decoder.decode(&f) {
                    Ok(p) => {
                        need_key = false;
                        p
                    }
                    Err(e) => {
                        debug!(error = %e, "undecodable picture");
                        need_key = true;
                        None
                    }
                },
                Err(()) => {
                    need_key = true;
                    None
                }
            };
            if let Some(picture) = decoded {
                let picture = Arc::new(picture);
                {
                    let mut r = received.lock().unwrap_or_else(PoisonError::into_inner);
                    r.frames += 1;
                    r.latest = Some(picture.clone());
                }
                let _ = frames.send(VideoFrame { user_id: user, picture });
            } else if need_key && !hidden {
                // Ask the sender for a keyframe, at most twice a second.
                if last_pli.is_none_or(|t| t.elapsed() >= Duration::from_millis(500)) {
                    last_pli = Some(Instant::now());
                    let pli = PictureLossIndication { sender_ssrc: 0, media_ssrc };
                    if let Err(e) = track.write_rtcp(vec![Box::new(pli)]).await {
                        debug!(error = %e, "cannot ask for a keyframe");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean(plane: &[u8]) -> f64 {
        plane.iter().map(|&b| f64::from(b)).sum::<f64>() / plane.len() as f64
    }

    #[test]
    fn the_test_pattern_moves_and_keeps_its_colour_through_scaling() {
        let mut p = TestPattern::new(640, 360, (80, 60, 200));
        let a = p.next_frame().unwrap();
        let b = p.next_frame().unwrap();
        assert_ne!(a.data, b.data, "the square moves");
        assert_eq!(a.data.len(), I420::size(640, 360));
        let small = scale(&a, 320, 180);
        assert_eq!((small.width, small.height, small.data.len()), (320, 180, I420::size(320, 180)));
        let (small_y, u, v) = small.planes();
        assert!((mean(u) - 60.0).abs() < 1.0 && (mean(v) - 200.0).abs() < 1.0);
        // Luma: the background and the white square, in proportion.
        assert!((mean(a.planes().0) - mean(small_y)).abs() < 3.0);
    }

    #[test]
    fn the_picture_shrinks_as_the_room_grows() {
        let sizes: Vec<u32> = (1..8).map(|n| quality_for(n).width).collect();
        assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
        // Seven peers: the whole upload stays under 2 Mbit/s.
        assert!(quality_for(7).bitrate_kbps * 7 < 2_000);
    }

    /// One RTP packet: sequence number, marker, payload.
    type Packet = (u16, bool, Bytes);

    /// Six encoded 320×180 frames (the first a keyframe), each as RTP
    /// packets of at most 40 bytes.
    fn packetized(first_seq: u16) -> (Vec<Vec<u8>>, Vec<Vec<Packet>>) {
        use rtc::rtp::{codec::vp8::Vp8Payloader, packetizer::Payloader};
        let mut enc =
            pq_vpx::Encoder::new(pq_vpx::EncoderConfig { width: 320, height: 180, bitrate_kbps: 300, fps: 15 })
                .unwrap();
        let mut pattern = TestPattern::new(320, 180, (100, 90, 160));
        let mut payloader = Vp8Payloader::default();
        let mut seq = first_seq;
        let (mut frames, mut packets) = (Vec::new(), Vec::new());
        for i in 0..6 {
            let frame = enc.encode(&pattern.next_frame().unwrap(), i, i == 0).unwrap().remove(0).data;
            let payloads = payloader.payload(40, &Bytes::copy_from_slice(&frame)).unwrap();
            let n = payloads.len();
            assert!(n > 1, "frame {i} spans packets");
            packets.push(
                payloads
                    .into_iter()
                    .enumerate()
                    .map(|(k, p)| {
                        let s = seq;
                        seq = seq.wrapping_add(1);
                        (s, k == n - 1, p)
                    })
                    .collect(),
            );
            frames.push(frame);
        }
        (frames, packets)
    }

    fn push_all(r: &mut Reassembler, packets: &[Packet]) -> Vec<Result<Vec<u8>, ()>> {
        packets.iter().flat_map(|(seq, marker, p)| r.push(*seq, *marker, p)).collect()
    }

    #[test]
    fn frames_come_back_whole_and_in_order_from_packets_out_of_order() {
        // Across the sequence number's wrap.
        let (frames, packets) = packetized(65_500);
        let mut r = Reassembler::default();
        let mut decoder = pq_vpx::Decoder::new().unwrap();
        let mut out = Vec::new();
        for (i, frame) in packets.iter().enumerate() {
            let mut frame = frame.clone();
            if i % 2 == 1 {
                frame.reverse(); // Every packet of it out of order.
            }
            if i == 2 {
                frame.push(frame[0].clone()); // A repeat.
            }
            out.extend(push_all(&mut r, &frame));
        }
        let out: Vec<Vec<u8>> = out.into_iter().map(|f| f.expect("a whole frame")).collect();
        assert_eq!(out, frames);
        assert!(is_keyframe(&out[0]) && !is_keyframe(&out[1]));
        for f in &out {
            assert!(decoder.decode(f).unwrap().is_some());
        }
    }

    #[test]
    fn a_lost_packet_retransmitted_late_completes_its_frame() {
        let (frames, packets) = packetized(100);
        let mut r = Reassembler::default();
        let mut out = push_all(&mut r, &packets[0]);
        // Frame 1 loses a packet; frames 2 and 3 arrive whole meanwhile, and
        // wait behind it (they depend on it).
        let lost = packets[1][1].clone();
        let mut one = packets[1].clone();
        one.remove(1);
        out.extend(push_all(&mut r, &one));
        out.extend(push_all(&mut r, &packets[2]));
        out.extend(push_all(&mut r, &packets[3]));
        assert_eq!(out.len(), 1, "only frame 0 before the repair");
        // The retransmission: frames 1, 2 and 3 come out.
        out.extend(r.push(lost.0, lost.1, &lost.2));
        let out: Vec<Vec<u8>> = out.into_iter().map(|f| f.expect("a whole frame")).collect();
        assert_eq!(out, frames[..4]);
        // A repeat of a packet already handed out changes nothing.
        assert!(r.push(lost.0, lost.1, &lost.2).is_empty());
    }

    #[test]
    fn a_packet_that_never_comes_gives_its_frame_up_after_three_whole_frames() {
        let (frames, packets) = packetized(7);
        let mut r = Reassembler::default();
        let mut out = push_all(&mut r, &packets[0]);
        let mut one = packets[1].clone();
        one.remove(0); // The frame's first packet.
        out.extend(push_all(&mut r, &one));
        out.extend(push_all(&mut r, &packets[2]));
        out.extend(push_all(&mut r, &packets[3]));
        assert_eq!(out.len(), 1, "waiting for the lost packet");
        out.extend(push_all(&mut r, &packets[4]));
        // Given up: frame 1 broken, then the frames after it (the decoder
        // waits for a keyframe; they cannot be decoded without frame 1).
        assert_eq!(out.len(), 5, "{out:?}");
        assert_eq!(out[0].as_ref().unwrap(), &frames[0]);
        assert!(out[1].is_err());
        for (k, f) in out[2..].iter().enumerate() {
            assert_eq!(f.as_ref().unwrap(), &frames[k + 2]);
        }
        // The lost packet, too late, is ignored; the stream goes on.
        assert!(r.push(packets[1][0].0, packets[1][0].1, &packets[1][0].2).is_empty());
        assert_eq!(push_all(&mut r, &packets[5]), vec![Ok(frames[5].clone())]);
    }

    #[test]
    fn a_sender_that_starts_over_is_followed() {
        let (frames, packets) = packetized(100);
        let (again, packets_again) = packetized(40_000);
        let mut r = Reassembler::default();
        let mut out = push_all(&mut r, &packets[0]);
        out.extend(push_all(&mut r, &packets[1]));
        for p in &packets_again {
            out.extend(push_all(&mut r, p));
        }
        let out: Vec<Vec<u8>> = out.into_iter().map(|f| f.expect("a whole frame")).collect();
        assert_eq!(out[..2], frames[..2]);
        assert_eq!(out[2..], again[..]);
    }
}
