//! A jitter buffer per peer: decoded audio waits here between the network
//! and the mixer, deep enough to ride out how unevenly packets arrive and no
//! deeper.
//!
//! The depth adapts: the buffer estimates the interarrival jitter the way
//! RTP receivers do (RFC 3550 §6.4.1, from arrival times against RTP
//! timestamps) and aims for one frame plus three times that jitter (in
//! whole frames). It
//! starts playing once it holds its target; when it runs dry it waits to
//! fill again (a short gap rather than a stutter); when it holds far more
//! than its target (after a stall, a burst arrives) the oldest audio is
//! dropped so delay never piles up.

use std::{collections::VecDeque, time::Instant};

use super::audio::{FRAME, SAMPLE_RATE};

/// The deepest the buffer aims for (160 ms).
const MAX_TARGET: usize = 8 * FRAME;
/// How far above its target the buffer may hold before dropping.
const SLACK: usize = 3 * FRAME;

/// See the module docs.
#[derive(Debug)]
pub(crate) struct JitterBuffer {
    queue: VecDeque<i16>,
    /// Interarrival jitter, in samples.
    jitter: f64,
    last: Option<(Instant, u32)>,
    playing: bool,
    /// Times it ran dry while playing.
    pub(crate) underruns: u64,
}

impl Default for JitterBuffer {
    fn default() -> Self {
        Self {
            queue: VecDeque::with_capacity(MAX_TARGET + SLACK),
            jitter: 0.0,
            last: None,
            playing: false,
            underruns: 0,
        }
    }
}

impl JitterBuffer {
    /// How much audio it aims to hold, in samples: whole frames (the mixer
    /// takes whole frames, so a part of one would cost a whole one), one
    /// plus three times the jitter rounded to the nearest frame. A
    /// millisecond or two of timer jitter costs nothing: the mixer's tick
    /// already leaves that much room.
    pub(crate) fn target(&self) -> usize {
        let extra = (3.0 * self.jitter / FRAME as f64).round() as usize;
        ((1 + extra) * FRAME).min(MAX_TARGET)
    }

    /// The jitter estimate in milliseconds.
    pub(crate) fn jitter_ms(&self) -> f64 {
        self.jitter * 1000.0 / f64::from(SAMPLE_RATE)
    }

    /// Audio waiting, in milliseconds.
    pub(crate) fn depth_ms(&self) -> f64 {
        self.queue.len() as f64 * 1000.0 / f64::from(SAMPLE_RATE)
    }

    /// Adds decoded samples from a packet with RTP `timestamp` (48 kHz
    /// clock) that arrived at `arrival`.
    pub(crate) fn push(&mut self, samples: &[i16], arrival: Instant, timestamp: u32) {
        if let Some((at, ts)) = self.last {
            let transit_change = arrival.duration_since(at).as_secs_f64() * f64::from(SAMPLE_RATE)
                - f64::from(timestamp.wrapping_sub(ts) as i32);
            self.jitter += (transit_change.abs() - self.jitter) / 16.0;
        }
        self.last = Some((arrival, timestamp));
        self.queue.extend(samples);
        let limit = self.target() + SLACK;
        if self.queue.len() > limit {
            // A burst after a stall: keep the newest, play on from the target.
            let extra = self.queue.len() - self.target();
            self.queue.drain(..extra);
        }
    }

    /// Takes the next `out.len()` samples for the mixer; `false` (and
    /// nothing taken) while filling up.
    pub(crate) fn pop(&mut self, out: &mut [i16]) -> bool {
        if !self.playing {
            if self.queue.len() < self.target().max(out.len()) {
                return false;
            }
            self.playing = true;
        }
        if self.queue.len() < out.len() {
            self.playing = false;
            self.underruns += 1;
            return false;
        }
        let n = out.len();
        for (o, s) in out.iter_mut().zip(self.queue.drain(..n)) {
            *o = s;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Plays `seconds` of 20 ms packets whose arrival is delayed by
    /// `delay(i)` ms; the mixer takes a frame every 20 ms. Returns the
    /// buffer, the frames played, and the mean and largest depth while
    /// playing (ms).
    fn simulate(seconds: usize, delay: impl Fn(usize) -> u64) -> (JitterBuffer, usize, f64, f64) {
        let start = Instant::now();
        let mut jb = JitterBuffer::default();
        let frames = seconds * 50;
        let mut arrivals: Vec<(u64, usize)> = (0..frames).map(|i| (i as u64 * 20 + delay(i), i)).collect();
        arrivals.sort_unstable();
        let (mut next, mut played, mut depth, mut deepest) = (0, 0, 0.0, 0.0_f64);
        let mut out = vec![0i16; FRAME];
        // The mixer ticks every 20 ms, 1 ms after a packet would be due.
        for tick in 0..frames + 20 {
            let now = tick as u64 * 20 + 1;
            while next < arrivals.len() && arrivals[next].0 <= now {
                let (at, i) = arrivals[next];
                jb.push(&[1; FRAME], start + Duration::from_millis(at), (i * FRAME) as u32);
                next += 1;
            }
            if next == arrivals.len() && jb.queue.len() < FRAME {
                break; // The stream ended: running dry now is no underrun.
            }
            if jb.pop(&mut out) {
                played += 1;
                depth += jb.depth_ms();
                deepest = deepest.max(jb.depth_ms());
            }
        }
        (jb, played, depth / played.max(1) as f64, deepest)
    }

    #[test]
    fn a_steady_network_gets_a_shallow_buffer() {
        let (jb, played, depth, _) = simulate(10, |_| 5);
        assert_eq!(jb.target(), FRAME, "jitter {} ms", jb.jitter_ms());
        assert_eq!(jb.underruns, 0);
        assert!(played >= 498, "{played}");
        assert!(depth < 20.0, "{depth} ms queued");
    }

    #[test]
    fn a_jittery_network_gets_a_deeper_buffer_and_plays_on() {
        // Each packet 0–60 ms late, pseudo-randomly.
        let late = |i: usize| ((i * 7_919) % 61) as u64;
        let (jb, played, _, _) = simulate(20, late);
        assert!(jb.target() >= 3 * FRAME, "target {} ms for {} ms of jitter", jb.target() / 48, jb.jitter_ms());
        // Once adapted it rarely runs dry: a few underruns while learning.
        assert!(jb.underruns <= 6, "{} underruns", jb.underruns);
        assert!(played >= 960, "{played} of 1000 frames played");
    }

    #[test]
    fn a_burst_after_a_stall_does_not_add_lasting_delay() {
        // One second of nothing, then it all arrives at once.
        let (_, played, _, deepest) = simulate(5, |i| if (50..100).contains(&i) { 2_000 - i as u64 * 20 } else { 0 });
        // A second of audio arrived at once; at most the deepest target and
        // its slack (220 ms) is kept, not the whole second.
        assert!(deepest <= ((MAX_TARGET + SLACK) / 48) as f64, "{deepest} ms queued");
        assert!(played < 250 - 30, "{played}: the stale second was played late instead of dropped");
    }
}
