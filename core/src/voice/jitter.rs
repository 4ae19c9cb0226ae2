//! A jitter buffer per peer: decoded audio waits here between the network
//! and whoever plays it, deep enough to ride out how unevenly packets arrive
//! and no deeper, for the whole call.
//!
//! Two clocks meet here: packets arrive on the sender's clock, 10 ms at a
//! time (20 ms from a browser), and are taken on the player's (the sound
//! card's, asking for a period of 5–20 ms at a time; or the call's 10 ms
//! timer). The buffer keeps a small spare — the audio left when a packet
//! arrives, at its lowest, counted as if the packet had come on time (the
//! takes during its lateness added back: the margin is there for those) —
//! and steers it toward a margin:
//!
//! - The margin covers the larger of two allowances: 2 ms plus three times
//!   the interarrival jitter, estimated the way RTP receivers do (RFC 3550
//!   §6.4.1, from arrival times against RTP timestamps); and how late
//!   packets came lately, measured as WebRTC's NetEq does: against the
//!   fastest packet of the two seconds before each. The latest of the last
//!   ten to fifteen seconds counts, and, for a minute, a lateness seen
//!   again (the second-latest of five-second spans: a sender or a network
//!   late now and then — a busy computer — is late again; one late moment,
//!   like a call's setup, is not waited for all minute). The jitter alone is an average
//!   and misses those: a packet 8 ms late every twenty seconds barely moves
//!   it, and would be a gap every time.
//! - The margin is whole takes: a packet due just before a take and late
//!   by a moment finds that take already gone, and the spare had to hold
//!   it; only a spare of k takes rides out k takes' worth of lateness
//!   whatever the phase of the arrivals against the takes.
//! - Every half second the lowest spare of the last two seconds is compared
//!   with the margin — a floor: the spare belongs between it and 1 ms above
//!   it — and the next half second is steered: audio is played
//!   away by taking up to 2 % more than asked and squeezing it into the take
//!   (linear interpolation: a pitch change of at most 2 % for a moment,
//!   which voice hides), or stretched in by taking up to 2 % less. The
//!   steering is half the distance to that band's middle plus the two
//!   clocks' drift, measured from the sender's RTP clock against the
//!   player's takes over the whole stream (±1 % is a lot for sound cards),
//!   so the delay after an hour is the delay after a minute.
//! - It starts playing once it holds a packet plus the margin. When a take
//!   finds less than 98 % of what it asks (up to 2 % short is stretched, as
//!   steering stretches), the rest is made up by the codec's packet-loss
//!   concealment (Opus continues the voice's pitch and fades it; NetEq's
//!   "expand"), up to 40 ms in a row: a moment's stall of the sender, the
//!   network or this computer is not heard as a gap, and the late audio
//!   plays after what was made up (the delay it adds is steered away like
//!   any spare above the margin). Longer than that (the sender stopped:
//!   muted, or let go of push-to-talk) it falls silent and waits to fill
//!   again. (A player that asks faster than real time — a file, an unpaced
//!   null device — would run dry on every take; its gaps are not made up.)
//!   When a burst arrives after a stall and it holds far more than
//!   it needs, the oldest is dropped at once.

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use super::audio::{FRAME, SAMPLE_RATE, samples_in_ms as ms};

/// The most margin it keeps (160 ms).
const MAX_MARGIN: usize = ms(160);
/// How far above what it needs the buffer may hold before dropping at once.
const SLACK: usize = ms(60);
/// How often the spare is compared with the margin (half a second of audio
/// taken).
const WINDOW: usize = ms(500);
/// A spare this far above the margin (1 ms) is left alone.
const TOLERANCE: usize = ms(1);
/// How much of the spare's distance from where it belongs is steered away
/// in the next window.
const KP: f64 = 0.5;
/// How many windows the lowest spare is taken over (two seconds).
const LOWS: usize = 4;
/// How long both rates are measured before the drift is trusted.
const MEASURE: Duration = Duration::from_secs(2);
/// No packet for this long: the sender paused.
const PAUSE: Duration = Duration::from_millis(100);
/// How far back a packet's lateness is measured from: the fastest packet
/// (least transit) of this long before it.
const FASTEST: Duration = Duration::from_secs(2);
/// How long a late packet is remembered: buckets of this long ...
const PEAK_BUCKET: Duration = Duration::from_secs(5);
/// ... this many of them (a minute) when the lateness comes again ...
const PEAKS: usize = 12;
/// ... and this many (the current one and two before it: ten to fifteen
/// seconds) when once.
const RECENT: usize = 3;
/// Lateness is remembered up to this much (60 ms); later than that is a
/// stall, dropped or refilled from, not waited for all minute.
const MAX_LATE: usize = ms(60);
/// How long takes are remembered, to count what a late packet's lateness
/// cost (a little more than the most lateness remembered).
const TAKES: Duration = Duration::from_millis(80);
/// At most one sample in this many is squeezed away or stretched in (2 %).
const STEER: usize = 50;
/// Concealment is made in steps of this many samples (2.5 ms: the shortest
/// that Opus conceals).
pub(crate) const CONCEAL_STEP: usize = SAMPLE_RATE as usize / 400;
/// The most audio made up in a row (40 ms) before the stream is taken to
/// have stopped.
const CONCEAL_AT_MOST: usize = ms(40);

/// How many of the last gaps heard are remembered (for how many lately).
const GAPS_KEPT: usize = 16;

/// See the module docs.
#[derive(Debug)]
pub(crate) struct JitterBuffer {
    queue: VecDeque<i16>,
    /// Interarrival jitter, in samples.
    jitter: f64,
    last: Option<(Instant, u32)>,
    playing: bool,
    /// Times it ran dry while playing and fell silent (each a gap heard).
    pub(crate) underruns: u64,
    /// Times it ran dry while playing and the gap was concealed.
    pub(crate) concealments: u64,
    /// When the last gaps were heard (the last [`GAPS_KEPT`]).
    gaps: VecDeque<Instant>,
    /// Samples made up since the last packet arrived.
    concealing: usize,
    /// The size of the last take (the player's period) and of the last
    /// packet.
    take: usize,
    packet: usize,
    /// How much was taken in this window, and the lowest spare after a
    /// take in it.
    taken: usize,
    low: usize,
    /// The lowest spares of the last windows, newest last.
    lows: VecDeque<usize>,
    /// Since the stream last paused: when the first packet arrived and its
    /// RTP timestamp, and when the player first asked and the samples it
    /// asked for after that (playing or not). The two rates give the clocks'
    /// drift.
    arrived: Option<(Instant, u32)>,
    asked: Option<(Instant, u64)>,
    /// Samples to squeeze away per sample taken in this window (negative:
    /// stretch in), and the fraction of one owed so far.
    rate: f64,
    owed: f64,
    /// The samples of one take before squeezing or stretching.
    scratch: Vec<i16>,
    /// The RTP clock since the stream's first packet, unwrapped.
    rtp: i64,
    /// The packets of the last two seconds that were the fastest of those
    /// after them: (arrival, transit in samples since the stream started),
    /// fastest first.
    fastest: VecDeque<(Instant, f64)>,
    /// The latest a packet came, in samples, in each bucket of the last
    /// minute: (when the bucket began, lateness).
    peaks: VecDeque<(Instant, usize)>,
    /// The takes of the last moments (when, how much), to count what a late
    /// packet's lateness cost.
    takes: VecDeque<(Instant, usize)>,
}

impl Default for JitterBuffer {
    fn default() -> Self {
        Self {
            queue: VecDeque::with_capacity(MAX_MARGIN + SLACK + ms(40)),
            jitter: 0.0,
            last: None,
            playing: false,
            underruns: 0,
            concealments: 0,
            gaps: VecDeque::new(),
            concealing: 0,
            take: FRAME,
            packet: FRAME,
            taken: 0,
            low: usize::MAX,
            lows: VecDeque::with_capacity(LOWS),
            arrived: None,
            asked: None,
            rate: 0.0,
            owed: 0.0,
            scratch: Vec::with_capacity(ms(40)),
            rtp: 0,
            fastest: VecDeque::new(),
            peaks: VecDeque::with_capacity(PEAKS + 1),
            takes: VecDeque::new(),
        }
    }
}

impl JitterBuffer {
    /// The spare it aims to keep, in samples: enough whole takes to cover
    /// 2 ms plus three times the jitter, and how late packets came lately
    /// ([`Self::late`]).
    pub(crate) fn margin(&self) -> usize {
        let allowance = (2 * TOLERANCE + (3.0 * self.jitter) as usize).max(self.late());
        let take = self.take.max(1);
        (allowance.div_ceil(take) * take).min(MAX_MARGIN)
    }

    /// How late packets came lately, in samples: the latest in the last
    /// ten to fifteen seconds, or the second-latest of the five-second spans
    /// of the last minute (a lateness that came again).
    pub(crate) fn late(&self) -> usize {
        let recent = self.peaks.iter().rev().take(RECENT).map(|p| p.1).max().unwrap_or(0);
        let (mut first, mut second) = (0, 0);
        for &(_, p) in &self.peaks {
            if p > first {
                (first, second) = (p, first);
            } else if p > second {
                second = p;
            }
        }
        recent.max(second)
    }

    /// Notes a packet's transit (arrival against its RTP timestamp, both
    /// since the stream's first packet, in samples) and remembers how late
    /// it came against the fastest of the two seconds before it.
    fn note_transit(&mut self, arrival: Instant, transit: f64) -> usize {
        while self.fastest.back().is_some_and(|&(_, t)| t >= transit) {
            self.fastest.pop_back();
        }
        self.fastest.push_back((arrival, transit));
        while self.fastest.front().is_some_and(|&(at, _)| arrival.duration_since(at) > FASTEST) {
            self.fastest.pop_front();
        }
        let fastest = self.fastest.front().map_or(transit, |f| f.1);
        let late = ((transit - fastest) as usize).min(MAX_LATE);
        if late > self.margin() {
            tracing::debug!(
                late,
                margin = self.margin(),
                held = self.queue.len(),
                "a packet came later than the margin"
            );
        }
        while self.peaks.front().is_some_and(|&(at, _)| arrival.duration_since(at) >= PEAK_BUCKET * PEAKS as u32) {
            self.peaks.pop_front();
        }
        match self.peaks.back_mut() {
            Some((at, peak)) if arrival.duration_since(*at) < PEAK_BUCKET => *peak = (*peak).max(late),
            _ => self.peaks.push_back((arrival, late)),
        }
        late
    }

    /// The jitter estimate in milliseconds.
    pub(crate) fn jitter_ms(&self) -> f64 {
        self.jitter * 1000.0 / f64::from(SAMPLE_RATE)
    }

    /// Gaps heard within `window` before `now` (at most [`GAPS_KEPT`]).
    pub(crate) fn gaps_within(&self, window: std::time::Duration, now: Instant) -> usize {
        self.gaps.iter().filter(|&&at| now.saturating_duration_since(at) <= window).count()
    }

    /// Audio waiting, in milliseconds.
    pub(crate) fn depth_ms(&self) -> f64 {
        self.queue.len() as f64 * 1000.0 / f64::from(SAMPLE_RATE)
    }

    /// Adds decoded samples from a packet with RTP `timestamp` (48 kHz
    /// clock) that arrived at `arrival`.
    pub(crate) fn push(&mut self, samples: &[i16], arrival: Instant, timestamp: u32) {
        if self.last.is_none_or(|(at, _)| arrival.duration_since(at) > PAUSE) {
            // The first packet, or the first after a pause (muted, stalled,
            // or lost for a while): the drift is measured afresh from here.
            (self.arrived, self.asked) = (Some((arrival, timestamp)), None);
            self.rtp = 0;
            self.fastest.clear();
        } else if let Some((_, ts)) = self.last {
            self.rtp += i64::from(timestamp.wrapping_sub(ts) as i32);
        }
        if let Some((first, _)) = self.arrived {
            let transit = arrival.duration_since(first).as_secs_f64() * f64::from(SAMPLE_RATE) - self.rtp as f64;
            let late = self.note_transit(arrival, transit);
            if self.playing {
                // The spare it would have had, had this packet come on time:
                // what was taken while it was late is added back.
                let due = arrival.checked_sub(Duration::from_secs_f64(late as f64 / f64::from(SAMPLE_RATE)));
                let lost: usize =
                    self.takes.iter().filter(|&&(at, _)| due.is_none_or(|due| at > due)).map(|t| t.1).sum();
                self.low = self.low.min(self.queue.len() + lost);
            }
        }
        if let Some((at, ts)) = self.last {
            let transit_change = arrival.duration_since(at).as_secs_f64() * f64::from(SAMPLE_RATE)
                - f64::from(timestamp.wrapping_sub(ts) as i32);
            self.jitter += (transit_change.abs() - self.jitter) / 16.0;
        }
        self.last = Some((arrival, timestamp));
        self.concealing = 0;
        self.queue.extend(samples);
        self.packet = samples.len().max(1);
        let needed = self.needed();
        // Packets late by up to the margin come in clumps that stand that
        // much above it; beyond that and the slack is a burst after a stall.
        if self.queue.len() > needed + self.margin() + SLACK {
            // Keep the newest and play on from there.
            let extra = self.queue.len() - needed;
            self.queue.drain(..extra);
        }
    }

    /// What it holds to start playing, and at most after a burst: a packet
    /// (or a take, if larger) beyond the margin, so that the takes until the
    /// next packet find audio whatever their phase against the arrivals.
    fn needed(&self) -> usize {
        self.packet.max(self.take) + self.margin()
    }

    /// How much audio was made up since the last packet arrived (a lost
    /// packet needs that much less concealing).
    pub(crate) fn concealed_since_packet(&self) -> usize {
        self.concealing
    }

    /// [`Self::pop_concealing`] with nothing to conceal gaps with.
    #[cfg(test)]
    pub(crate) fn pop(&mut self, out: &mut [i16], now: Instant) -> bool {
        self.pop_concealing(out, now, &mut |_| false)
    }

    /// Fills `out` with the next audio for the player, who asks at `now`;
    /// `false` (and nothing taken) while filling up. When it runs dry,
    /// `conceal` is asked to make up what is missing (in whole
    /// [`CONCEAL_STEP`]s; `false`: it cannot).
    pub(crate) fn pop_concealing(
        &mut self,
        out: &mut [i16],
        now: Instant,
        conceal: &mut dyn FnMut(&mut [i16]) -> bool,
    ) -> bool {
        let n = out.len();
        self.take = n;
        match &mut self.asked {
            Some((_, asked)) => *asked += n as u64,
            None if self.arrived.is_some() => self.asked = Some((now, 0)),
            None => {}
        }
        if !self.playing {
            if self.queue.len() < self.needed() {
                return false;
            }
            self.playing = true;
            self.taken = 0;
            self.low = usize::MAX;
            self.lows.clear();
            // Only the drift until the spare is seen.
            self.rate = self.drift(now).clamp(-1.0 / STEER as f64, 1.0 / STEER as f64);
        }
        // How much to take for these n: a little more or less while steering.
        let owed = self.owed + self.rate * n as f64;
        let change = owed.trunc() as i64;
        let want = (n as i64 + change).max(1) as usize;
        // A take that finds up to 2 % short (a sample or two, after the
        // take before it was squeezed) stretches what there is, as steering
        // does; shorter than that is a gap.
        if self.queue.len() < want.min(n - n / STEER).max(1) && !self.conceal(n, now, conceal) {
            self.playing = false;
            self.underruns += 1;
            if self.gaps.len() == GAPS_KEPT {
                self.gaps.pop_front();
            }
            self.gaps.push_back(now);
            tracing::debug!(
                take = n,
                held = self.queue.len(),
                margin = self.margin(),
                late = self.late(),
                jitter = self.jitter,
                "jitter buffer ran dry"
            );
            return false;
        }
        self.owed = owed - change as f64;
        let m = want.min(self.queue.len());
        if m == n {
            for (o, s) in out.iter_mut().zip(self.queue.drain(..n)) {
                *o = s;
            }
        } else {
            self.scratch.clear();
            self.scratch.extend(self.queue.drain(..m));
            squeeze(&self.scratch, out);
        }
        while self.takes.front().is_some_and(|&(at, _)| now.duration_since(at) > TAKES) {
            self.takes.pop_front();
        }
        self.takes.push_back((now, m));
        self.taken += n;
        if self.taken >= WINDOW {
            self.steer(now);
        }
        true
    }

    /// Makes up what a take of `n` at `now` finds missing, if the codec
    /// can, it has not already made up [`CONCEAL_AT_MOST`] since the last
    /// packet, and the player takes in real time.
    fn conceal(&mut self, n: usize, now: Instant, conceal: &mut dyn FnMut(&mut [i16]) -> bool) -> bool {
        let missing = (n - self.queue.len()).div_ceil(CONCEAL_STEP) * CONCEAL_STEP;
        if self.concealing + missing > CONCEAL_AT_MOST || !self.in_real_time(now) {
            return false;
        }
        self.scratch.clear();
        self.scratch.resize(missing, 0);
        if !conceal(&mut self.scratch) {
            return false;
        }
        tracing::debug!(
            take = n,
            held = self.queue.len(),
            made_up = missing,
            margin = self.margin(),
            late = self.late(),
            "jitter buffer ran dry: concealed"
        );
        if self.concealing == 0 {
            self.concealments += 1;
        }
        self.concealing += missing;
        self.queue.extend(&self.scratch);
        true
    }

    /// At the end of a window: how fast to squeeze away (or stretch in)
    /// during the next: the two clocks' drift, and half of how far the
    /// lowest spare of the last two seconds is from the margin. (Two seconds:
    /// when the clocks drift, the takes' phase against the arrivals slips,
    /// and now and then three takes fall between two packets; that lowest
    /// is the one to keep above the margin.) No packet in the window: the
    /// drift only.
    fn steer(&mut self, now: Instant) {
        if self.low != usize::MAX {
            if self.lows.len() == LOWS {
                self.lows.pop_front();
            }
            self.lows.push_back(self.low);
        }
        let drift = self.drift(now);
        self.taken = 0;
        self.low = usize::MAX;
        let Some(low) = self.lows.iter().min().copied() else {
            self.rate = drift.clamp(-1.0 / STEER as f64, 1.0 / STEER as f64);
            return;
        };
        let off = low as f64 - self.margin() as f64;
        if off > ms(20) as f64 {
            // Far too much (what was left of a burst): dropped at once, a
            // glitch once rather than delay for seconds.
            self.queue.drain(..(off as usize).min(self.queue.len()));
            self.lows.clear();
            self.rate = drift.clamp(-1.0 / STEER as f64, 1.0 / STEER as f64);
            return;
        }
        // The margin is a floor: a spare below it is steered up, one
        // within a millisecond above it left alone, and either way toward
        // the middle of that band. (A band around the margin left spares up
        // to a millisecond short of one take alone, and a take then found
        // 1–49 samples missing: most underruns of 10 ms ticks against 10 ms
        // packets, whose phases barely move.)
        let band = TOLERANCE as f64;
        let off = if (0.0..=band).contains(&off) { 0.0 } else { off - band / 2.0 };
        self.rate = (drift + KP * off / WINDOW as f64).clamp(-1.0 / STEER as f64, 1.0 / STEER as f64);
    }

    /// Whether the player takes about as fast as audio plays (within 5 %,
    /// over the stream; unknown for its first 200 ms): a player that
    /// asks as fast as it is answered (a file, or an unpaced null device)
    /// runs dry on every take, and concealment would make up most of what
    /// it plays.
    fn in_real_time(&self, now: Instant) -> bool {
        let Some((first_out, asked)) = self.asked else { return true };
        let span = now.duration_since(first_out).as_secs_f64();
        span < 0.2 || asked as f64 / span <= f64::from(SAMPLE_RATE) * 1.05
    }

    /// How much faster audio arrives than the player takes it (0.01: 1 %),
    /// once both have been seen for two seconds (0 before).
    fn drift(&self, now: Instant) -> f64 {
        let (Some((first_in, first_ts)), Some((last_in, last_ts)), Some((first_out, asked))) =
            (self.arrived, self.last, self.asked)
        else {
            return 0.0;
        };
        let (span_in, span_out) = (last_in.duration_since(first_in), now.duration_since(first_out));
        if span_in < MEASURE || span_out < MEASURE {
            return 0.0;
        }
        // The sender's samples (its RTP clock) per second of ours.
        let rate_in = f64::from(last_ts.wrapping_sub(first_ts)) / span_in.as_secs_f64();
        let rate_out = asked as f64 / span_out.as_secs_f64();
        let drift = rate_in / rate_out - 1.0;
        // How wrong it can be: a packet late by the jitter (three times the
        // estimate), or a take late by a millisecond, over the spans.
        let doubt = 3.0 * self.jitter / f64::from(SAMPLE_RATE) / span_in.as_secs_f64() + 0.001 / span_out.as_secs_f64();
        (drift.signum() * (drift.abs() - doubt).max(0.0)).clamp(-1.0 / STEER as f64, 1.0 / STEER as f64)
    }
}

/// Resamples `from` onto `to` by linear interpolation (their first and last
/// samples line up).
fn squeeze(from: &[i16], to: &mut [i16]) {
    if to.len() < 2 || from.len() < 2 {
        to.fill(from.first().copied().unwrap_or(0));
        return;
    }
    let step = (from.len() - 1) as f64 / (to.len() - 1) as f64;
    for (i, o) in to.iter_mut().enumerate() {
        let pos = i as f64 * step;
        let at = (pos as usize).min(from.len() - 2);
        let frac = pos - at as f64;
        *o = (f64::from(from[at]) * (1.0 - frac) + f64::from(from[at + 1]) * frac).round() as i16;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// What a simulated call did: the buffer, the takes that found audio,
    /// and the spare left after each take (ms) with the take's time (s).
    struct Run {
        jb: JitterBuffer,
        played: usize,
        /// Underruns after the first three seconds.
        late_underruns: u64,
        spare: Vec<(f64, f64)>,
        /// Samples made up by concealment after the first second.
        made_up: usize,
    }

    impl Run {
        /// The mean spare between `from` and `to` seconds, in ms.
        fn spare_between(&self, from: f64, to: f64) -> f64 {
            let s: Vec<f64> = self.spare.iter().filter(|(t, _)| (from..to).contains(t)).map(|(_, d)| *d).collect();
            s.iter().sum::<f64>() / s.len().max(1) as f64
        }
    }

    /// A browser's packets: 20 ms (pq's are 10 ms, [`FRAME`]).
    const PACKET: usize = 960;

    /// Plays `seconds` of 20 ms packets sent on time and arriving `delay(i)`
    /// µs late, taken `period` samples at a time by a player whose clock runs
    /// `drift` fast (0.01: 1 % fast).
    fn simulate(seconds: u64, period: usize, drift: f64, delay: impl Fn(usize) -> u64) -> Run {
        simulate_packets::<PACKET>(seconds, period, drift, delay)
    }

    /// [`simulate`] with packets of `P` samples.
    fn simulate_packets<const P: usize>(seconds: u64, period: usize, drift: f64, delay: impl Fn(usize) -> u64) -> Run {
        simulate_with::<P>(seconds, period, drift, delay, false)
    }

    /// [`simulate_packets`], gaps concealed when `conceal` (with samples of
    /// 2; the packets' are 1).
    fn simulate_with<const P: usize>(
        seconds: u64,
        period: usize,
        drift: f64,
        delay: impl Fn(usize) -> u64,
        conceal: bool,
    ) -> Run {
        let start = Instant::now();
        let mut jb = JitterBuffer::default();
        let every_packet = (P * 1_000_000 / SAMPLE_RATE as usize) as u64;
        let frames = seconds as usize * SAMPLE_RATE as usize / P;
        let mut arrivals: Vec<(u64, usize)> = (0..frames).map(|i| (i as u64 * every_packet + delay(i), i)).collect();
        arrivals.sort_unstable();
        let every = period as f64 * 1e6 / f64::from(SAMPLE_RATE) / (1.0 + drift);
        let mut out = vec![0i16; period];
        let (mut next, mut played, mut spare, mut late_underruns, mut made_up) = (0, 0, Vec::new(), 0, 0);
        // The player's first take comes 1 ms after the first packet is due.
        let mut take = 0;
        loop {
            let now = (1_000.0 + take as f64 * every) as u64;
            while next < arrivals.len() && arrivals[next].0 <= now {
                let (at, i) = arrivals[next];
                jb.push(&[1; P], start + Duration::from_micros(at), (i * P) as u32);
                next += 1;
            }
            if next == arrivals.len() && jb.queue.len() < period {
                break; // The stream ended: running dry now is no underrun.
            }
            let before = jb.underruns;
            let mut concealer = |buf: &mut [i16]| {
                buf.fill(2);
                if now > 1_000_000 {
                    made_up += buf.len();
                }
                conceal
            };
            if jb.pop_concealing(&mut out, start + Duration::from_micros(now), &mut concealer) {
                played += 1;
                spare.push((now as f64 / 1e6, jb.depth_ms()));
            }
            if now > 3_000_000 {
                late_underruns += jb.underruns - before;
            }
            take += 1;
        }
        Run { jb, played, late_underruns, spare, made_up }
    }

    #[test]
    fn a_steady_network_gets_a_shallow_buffer_whatever_the_player_takes() {
        for period in [160, 240, 441, 480, 960] {
            let run = simulate(10, period, 0.0, |_| 5_000);
            // 2 ms, in whole takes: one.
            assert_eq!(run.jb.margin(), period, "jitter {} ms", run.jb.jitter_ms());
            assert_eq!(run.jb.underruns, 0, "period {period}");
            // Once steered, the spare after a take averages half a packet
            // plus the margin (what is left between two arrivals).
            let spare = run.spare_between(3.0, 10.0);
            let margin = period as f64 / 48.0;
            assert!(spare < 10.0 + margin + 1.5, "period {period}: {spare:.1} ms waiting on average");
        }
    }

    /// pq's own 10 ms packets: the spare averages half of one (5 ms) plus
    /// the margin, 5 ms less than a browser's 20 ms packets need.
    #[test]
    fn ten_ms_packets_wait_half_as_long_as_twenty() {
        for period in [160, 240, 480] {
            let (ten, twenty) = (
                simulate_packets::<FRAME>(10, period, 0.0, |_| 5_000),
                simulate_packets::<PACKET>(10, period, 0.0, |_| 5_000),
            );
            assert_eq!(ten.jb.underruns, 0, "period {period}");
            let margin = period as f64 / 48.0;
            let (ten, twenty) = (ten.spare_between(3.0, 10.0), twenty.spare_between(3.0, 10.0));
            assert!(ten < 5.0 + margin + 1.5, "period {period}: {ten:.1} ms waiting on average");
            assert!(twenty - ten > 4.0, "period {period}: {ten:.1} ms against {twenty:.1} ms for 20 ms packets");
        }
    }

    /// pq's 10 ms packets taken on a 10 ms tick (a receiver without a sound
    /// card), up to 4.5 ms late at random, the player's clock 0.1 % slow:
    /// the spare is kept at or above its margin of one take, not up to a
    /// millisecond below it, where a take after a late packet's due time
    /// finds a few samples missing (4 times a minute when it was).
    #[test]
    fn ten_ms_ticks_against_ten_ms_packets_never_come_up_a_few_samples_short() {
        let run = simulate_packets::<FRAME>(60, 480, -0.001, |i| ((i * 7_919) % 16) as u64 * 300);
        assert_eq!(run.jb.margin(), 480);
        assert_eq!(run.late_underruns, 0);
    }

    /// A take that finds a sample or two short of what it asks (the take
    /// before it squeezed one more away) plays them stretched; a quarter
    /// short is a gap.
    #[test]
    fn a_take_a_sample_short_is_stretched_not_a_gap() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut jb = JitterBuffer::default();
        let mut out = vec![0i16; FRAME];
        jb.push(&[1; FRAME], at(0), 0);
        jb.push(&[1; FRAME], at(10), FRAME as u32);
        assert!(jb.pop(&mut out, at(11)));
        jb.queue.truncate(FRAME - 1);
        out.fill(0);
        assert!(jb.pop(&mut out, at(21)), "a sample short: stretched");
        assert_eq!(jb.underruns, 0);
        assert!(out.iter().all(|&s| s == 1), "all of the take is sound");
        jb.push(&[1; FRAME], at(22), 2 * FRAME as u32);
        jb.queue.truncate(FRAME * 3 / 4);
        assert!(!jb.pop(&mut out, at(31)), "a quarter short: a gap");
        assert_eq!(jb.underruns, 1);
        // Heard lately for ten seconds, then no more.
        let lately = Duration::from_secs(10);
        assert_eq!((jb.gaps_within(lately, at(31)), jb.gaps_within(lately, at(10_031))), (1, 1));
        assert_eq!(jb.gaps_within(lately, at(10_032)), 0);
    }

    /// The whole computer stalls for a moment (six clients and a server on
    /// two cores): three packets come together, the first 22 ms late, far
    /// more than the margin of one 3.3 ms take. The takes that find too little are made
    /// up to the full by concealment — no gap — and no more is made up than
    /// the lateness left missing; the late audio plays after it, and the
    /// delay it added is steered away.
    #[test]
    fn a_stall_is_concealed_not_heard_as_a_gap() {
        let stall = |i: usize| if (500..503).contains(&i) { (502 - i as u64) * 10_000 + 2_000 } else { 0 };
        let run = simulate_with::<FRAME>(40, 160, 0.0, stall, true);
        assert_eq!(run.jb.underruns, 0, "no gap heard");
        assert_eq!(run.jb.concealments, 1, "one stall, concealed once");
        // At most the lateness made up (less the spare it found).
        assert!(run.made_up > 0 && run.made_up <= ms(22), "{} samples made up", run.made_up);
        // The same stall without concealment is a gap.
        let silent = simulate_with::<FRAME>(40, 160, 0.0, stall, false);
        assert_eq!(silent.jb.underruns, 1);
        // The delay the made-up audio and the remembered lateness added is
        // gone once the lateness is forgotten.
        let (before, after) = (run.spare_between(3.0, 5.0), run.spare_between(30.0, 40.0));
        assert!(after <= before + 1.0, "{before:.1} ms waiting before the stall, {after:.1} ms 25 s after it");
    }

    /// A player that asks as fast as it is answered (a file, an unpaced
    /// null device; here ten times real time) runs dry on every take: its
    /// gaps are not made up once that is seen (they would be most of what
    /// it plays).
    #[test]
    fn a_player_faster_than_real_time_gets_nothing_made_up() {
        let run = simulate_with::<FRAME>(10, 160, 9.0, |_| 0, true);
        assert_eq!(run.made_up, 0, "made up after its first second");
        assert!(run.jb.underruns > 50, "{} underruns", run.jb.underruns);
        // In real time the same stream has nothing to make up.
        let run = simulate_with::<FRAME>(10, 160, 0.0, |_| 0, true);
        assert_eq!(run.made_up, 0);
    }

    /// A sender who stops (muted, or let go of push-to-talk) is concealed
    /// for at most 40 ms, then silent: a gap, counted once.
    #[test]
    fn a_sender_who_stops_is_concealed_for_40_ms_at_most() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut jb = JitterBuffer::default();
        for i in 0..10u64 {
            jb.push(&[1; FRAME], at(i * 10), (i as usize * FRAME) as u32);
        }
        let (mut out, mut made_up, mut played) = (vec![0i16; 160], 0, 0);
        for t in 0..100u64 {
            let mut concealer = |buf: &mut [i16]| {
                made_up += buf.len();
                true
            };
            if jb.pop_concealing(&mut out, at(91 + t * 10 / 3), &mut concealer) {
                played += 1;
            }
        }
        assert_eq!(made_up, ms(40));
        assert_eq!((jb.underruns, jb.concealments), (1, 1));
        // What arrived, the 40 ms made up, and nothing more.
        assert!(played <= (10 * FRAME + ms(40)) / 160, "{played} takes played");
    }

    #[test]
    fn a_jittery_network_gets_a_deeper_buffer_and_plays_on() {
        // Each packet 0–60 ms late, pseudo-randomly.
        let late = |i: usize| ((i * 7_919) % 61) as u64 * 1_000;
        let run = simulate(20, 960, 0.0, late);
        assert!(
            run.jb.margin() >= ms(40),
            "margin {} ms for {} ms of jitter",
            run.jb.margin() / 48,
            run.jb.jitter_ms()
        );
        // Once adapted it rarely runs dry: a few underruns while learning.
        assert!(run.jb.underruns <= 6, "{} underruns", run.jb.underruns);
        assert!(run.played >= 950, "{} of 1000 frames played", run.played);
    }

    #[test]
    fn a_burst_after_a_stall_does_not_add_lasting_delay() {
        // One second of nothing, then it all arrives at once.
        let run = simulate(5, 480, 0.0, |i| if (50..100).contains(&i) { (2_000 - i as u64 * 20) * 1_000 } else { 0 });
        let deepest = run.spare.iter().map(|(_, d)| *d).fold(0.0, f64::max);
        // A second of audio arrived at once; at most a packet, the margin and
        // the slack is kept, not the whole second.
        assert!(deepest <= ((PACKET + MAX_MARGIN + SLACK) / 48) as f64, "{deepest} ms queued");
        assert!(run.played < 500 - 60, "{}: the stale second was played late instead of dropped", run.played);
        // And a second later the spare is back to what it was before.
        let (before, after) = (run.spare_between(0.5, 1.0), run.spare_between(3.5, 5.0));
        assert!(after <= before + 2.0, "{before:.1} ms waiting before the stall, {after:.1} ms after");
    }

    /// Sound cards' clocks differ from the sender's: the delay after a minute
    /// is the delay after ten seconds, and the player does not run dry.
    #[test]
    fn a_player_clock_1_percent_off_keeps_the_same_delay() {
        for drift in [0.01, -0.01] {
            let run = simulate(60, 480, drift, |_| 3_000);
            assert!(run.jb.underruns <= 1, "drift {drift}: {} underruns", run.jb.underruns);
            assert_eq!(run.late_underruns, 0, "drift {drift}: underruns once the drift was learnt");
            let (early, late) = (run.spare_between(5.0, 10.0), run.spare_between(50.0, 60.0));
            assert!(
                (late - early).abs() <= 2.0,
                "drift {drift}: {early:.1} ms waiting at 5–10 s, {late:.1} at 50–60 s"
            );
            // Half a packet and the margin (one 10 ms take).
            assert!(late < 10.0 + 10.0 + 1.5, "drift {drift}: {late:.1} ms waiting");
        }
    }

    /// A sender whose packets leave two at a time (a device that delivers
    /// 40 ms at once) gets a buffer that holds one more packet, no more.
    #[test]
    fn packets_in_pairs_are_played_without_gaps() {
        let run = simulate(20, 480, 0.0, |i| if i % 2 == 0 { 20_000 } else { 0 });
        assert!(run.jb.underruns <= 2, "{} underruns", run.jb.underruns);
        let spare = run.spare_between(5.0, 20.0);
        assert!(spare < 20.0 + run.jb.margin() as f64 / 48.0 + 2.0, "{spare:.1} ms waiting");
    }

    /// A player taking little at a time (PulseAudio asks for 3.3 ms) and
    /// a packet now and then a little late, by less than one take: with a
    /// spare of 2 ms (less than a take) each such packet, due just before a
    /// take, left that take short; a spare of whole takes never runs dry.
    #[test]
    fn a_packet_late_by_less_than_a_take_never_runs_a_small_taker_dry() {
        // Every 400th packet (every 8 s) 3 ms late.
        let run = simulate(60, 160, 0.0, |i| if i % 400 == 399 { 3_000 } else { 0 });
        assert_eq!(run.jb.underruns, 0, "{} underruns in a minute", run.jb.underruns);
        assert_eq!(run.jb.margin(), 160, "one take covers 3 ms");
    }

    /// A busy sender (or network) now and then late by 8 ms, with takes of
    /// 3.3 ms: the first such packet finds the margin of one take short
    /// (an underrun), and is remembered: the margin grows to cover it, and
    /// the same lateness again, for the next minute, is no gap. A minute
    /// after the last one the margin is back to one take.
    #[test]
    fn a_packet_late_now_and_then_is_remembered_for_a_minute() {
        // Every 400th packet (every 8 s) 8 ms late, for the first 40 s;
        // on time after that.
        let run = simulate(120, 160, 0.0, |i| if i % 400 == 399 && i < 2_000 { 8_000 } else { 0 });
        assert!(run.jb.underruns <= 1, "{} underruns: only the first late packet may find it short", run.jb.underruns);
        let (during, after) = (run.spare_between(20.0, 40.0), run.spare_between(110.0, 120.0));
        // 8 ms in whole takes of 3.3 ms: 10 ms, a packet late by 8 ms
        // leaves at least 2 ms.
        assert!(during >= 10.0 + 8.0, "{during:.1} ms waiting while packets come late");
        assert!(after < 10.0 + 160.0 / 48.0 + 1.5, "{after:.1} ms waiting a minute after the last late packet");
        assert_eq!(run.jb.margin(), 160);
        // Without the memory the jitter estimate alone would not have
        // covered it: a single late packet barely moves it.
        assert!(run.jb.jitter_ms() < 0.5, "{} ms jitter", run.jb.jitter_ms());
    }

    /// Packets late by 5 ms twice a second: the margin covers them (two
    /// takes of 3.3 ms) and no more — their lateness is not counted twice
    /// (once in the margin and again in a spare that dips when they come).
    #[test]
    fn frequent_late_packets_are_covered_once() {
        let run = simulate(30, 160, 0.0, |i| if i % 25 == 0 { 5_000 } else { 0 });
        assert_eq!(run.late_underruns, 0);
        assert_eq!(run.jb.margin(), 320);
        let spare = run.spare_between(10.0, 30.0);
        assert!(spare < 10.0 + 320.0 / 48.0 + 1.5, "{spare:.1} ms waiting on average");
    }

    /// One late moment (a call's setup, a moment's stall) is waited for
    /// ten to fifteen seconds, not a minute.
    #[test]
    fn a_packet_late_once_is_forgotten_after_ten_seconds() {
        let run = simulate(40, 160, 0.0, |i| if i == 250 { 30_000 } else { 0 });
        let (after, later) = (run.spare_between(6.0, 10.0), run.spare_between(25.0, 40.0));
        assert!(after >= 10.0 + 25.0, "{after:.1} ms waiting just after a packet 30 ms late");
        assert!(later < 10.0 + 160.0 / 48.0 + 1.5, "{later:.1} ms waiting 20 s after it");
        assert_eq!(run.jb.margin(), 160);
    }

    /// A stall longer than the memory keeps (60 ms) is not waited for in
    /// full: 75 ms without a packet (short of a pause, 100 ms), then four
    /// at once; the spare afterwards holds a 60 ms margin, not 75.
    #[test]
    fn a_stall_raises_the_margin_at_most_to_60_ms() {
        let run =
            simulate(30, 480, 0.0, |i| if (300..304).contains(&i) { (75 - (i as u64 - 300) * 20) * 1_000 } else { 0 });
        let after = run.spare_between(8.0, 12.0);
        assert!(after >= 10.0 + 50.0, "{after:.1} ms waiting after the stall: its lateness was remembered");
        assert!(after < 10.0 + 60.0 + 5.0, "{after:.1} ms waiting after the stall");
    }

    #[test]
    fn squeezing_keeps_the_ends_and_the_shape() {
        let ramp: Vec<i16> = (0..490).map(|i| i as i16 * 10).collect();
        let mut out = vec![0i16; 480];
        squeeze(&ramp, &mut out);
        assert_eq!((out[0], out[479]), (0, 4_890));
        assert!(out.windows(2).all(|w| w[1] > w[0]), "a ramp stays a ramp");
        // A 1 kHz tone squeezed 2 % plays at 1.02 kHz for that moment.
        let tone: Vec<i16> = (0..4_896)
            .map(|i| (8_000.0 * (std::f64::consts::TAU * 1_000.0 * i as f64 / 48_000.0).sin()) as i16)
            .collect();
        let mut out = vec![0i16; 4_800];
        squeeze(&tone, &mut out);
        let hz = crate::voice::dominant_frequency(&out, 900.0, 1_100.0, 5.0).unwrap();
        assert!((1_015.0..=1_025.0).contains(&hz), "{hz} Hz");
    }
}
