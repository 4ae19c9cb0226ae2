//! Audio in and out of a call, in 10 ms frames of 48 kHz mono 16-bit PCM
//! (what Opus codes in one packet). A frame's length is delay a listener
//! hears in full: its first sample waits for the frame to fill before it is
//! sent, and its last waits for the frame to be played. Ten milliseconds
//! rather than the usual twenty take 10 ms off every call's mouth-to-ear
//! delay (BENCHMARKS.md), for a little more header per second on the wire.
//!
//! A call reads its microphone through [`AudioSource`] and plays the mixed
//! room through [`AudioSink`]. Devices (cpal) implement both; so do the
//! synthetic [`ToneSource`] (a sine at a given frequency: tests, and a
//! "test my microphone" tone) and [`SilenceSource`] (no microphone).

use std::f64::consts::TAU;

/// Samples per second of everything a call handles.
pub const SAMPLE_RATE: u32 = 48_000;
/// Samples in `ms` milliseconds of call audio.
#[must_use]
pub const fn samples_in_ms(ms: usize) -> usize {
    SAMPLE_RATE as usize * ms / 1000
}

/// Samples in one 10 ms frame (mono).
pub const FRAME: usize = 480;
/// One frame's duration.
pub const FRAME_DURATION: std::time::Duration = std::time::Duration::from_millis(10);

/// Where a call's outgoing audio comes from: one frame at a time, asked
/// for every 10 ms.
pub trait AudioSource: Send + 'static {
    /// Fills `frame` ([`FRAME`] samples) with the next 10 ms.
    fn next_frame(&mut self, frame: &mut [i16]);

    /// Whether a whole frame is there to take. A device that delivers
    /// late is waited for (a few milliseconds, see the call) rather than
    /// taken short, which the others would hear as a hole; a source that
    /// makes its audio is always ready.
    fn ready(&self) -> bool {
        true
    }

    /// A device with a clock of its own wakes this whenever it has
    /// delivered a whole frame: the call takes each frame as soon as it is
    /// complete, paced by the device's clock rather than by the call's
    /// tick (whose clock differs a little: now and then a tick would find
    /// one delivery fewer). `None` (the default): taken on the tick.
    fn delivered(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        None
    }

    /// How long a device holds a sample before handing it over, when it
    /// knows (the echo canceller is told).
    fn latency(&self) -> Option<std::time::Duration> {
        None
    }

    /// Times the device itself came late and lost captured audio (an
    /// overrun), when it counts them.
    fn xruns(&self) -> Option<u64> {
        None
    }
}

/// Where the mixed room goes: one frame every 10 ms, or as much as
/// the sink's own clock asks for.
pub trait AudioSink: Send + 'static {
    /// Plays `frame` ([`FRAME`] samples), handed over every 10 ms on the
    /// call's clock; not called on a sink that [pulls](Self::pull).
    fn play(&mut self, frame: &[i16]);

    /// A sink with a clock of its own (a sound card) takes `room` and mixes
    /// from it whenever its device asks, so nothing waits between the
    /// jitter buffers and the device; it returns `true` and is handed no
    /// frames. A sink without a clock returns `false` (the default).
    fn pull(&mut self, room: super::RoomAudio) -> bool {
        drop(room);
        false
    }

    /// How long a device holds a sample before it is heard, when it knows
    /// (the echo canceller is told).
    fn latency(&self) -> Option<std::time::Duration> {
        None
    }

    /// Times the device itself came late and played nothing (an underrun:
    /// a gap heard whatever the call had ready), when it counts them.
    fn xruns(&self) -> Option<u64> {
        None
    }
}

/// A device the call uses while someone else keeps a hand on it too (a
/// benchmark or a test asking it how it is doing): everything is asked of
/// the device inside.
impl<S: AudioSource> AudioSource for std::sync::Arc<std::sync::Mutex<S>> {
    fn next_frame(&mut self, frame: &mut [i16]) {
        lock(self).next_frame(frame);
    }

    fn ready(&self) -> bool {
        lock(self).ready()
    }

    fn delivered(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        lock(self).delivered()
    }

    fn latency(&self) -> Option<std::time::Duration> {
        lock(self).latency()
    }

    fn xruns(&self) -> Option<u64> {
        lock(self).xruns()
    }
}

/// See the [`AudioSource`] for a shared device.
impl<S: AudioSink> AudioSink for std::sync::Arc<std::sync::Mutex<S>> {
    fn play(&mut self, frame: &[i16]) {
        lock(self).play(frame);
    }

    fn pull(&mut self, room: super::RoomAudio) -> bool {
        lock(self).pull(room)
    }

    fn latency(&self) -> Option<std::time::Duration> {
        lock(self).latency()
    }

    fn xruns(&self) -> Option<u64> {
        lock(self).xruns()
    }
}

fn lock<T>(shared: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A sine tone: the synthetic microphone of tests and of the device check.
#[derive(Debug, Clone)]
pub struct ToneSource {
    hz: f64,
    amplitude: f64,
    phase: f64,
}

impl ToneSource {
    /// A tone at `hz` at a third of full scale.
    #[must_use]
    pub fn new(hz: f64) -> Self {
        Self { hz, amplitude: f64::from(i16::MAX) / 3.0, phase: 0.0 }
    }
}

impl AudioSource for ToneSource {
    fn next_frame(&mut self, frame: &mut [i16]) {
        let step = TAU * self.hz / f64::from(SAMPLE_RATE);
        for s in frame.iter_mut() {
            *s = (self.amplitude * self.phase.sin()) as i16;
            self.phase = (self.phase + step) % TAU;
        }
    }
}

/// No microphone: silence.
#[derive(Debug, Clone, Copy, Default)]
pub struct SilenceSource;

impl AudioSource for SilenceSource {
    fn next_frame(&mut self, frame: &mut [i16]) {
        frame.fill(0);
    }
}

/// Plays nothing (no speakers, or a test that only looks at what arrived).
#[derive(Debug, Clone, Copy, Default)]
pub struct NullSink;

impl AudioSink for NullSink {
    fn play(&mut self, _frame: &[i16]) {}
}

/// Root mean square of `samples`, 0–32767.
#[must_use]
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|s| f64::from(*s) * f64::from(*s)).sum();
    (sum / samples.len() as f64).sqrt()
}

/// The strongest frequency in `samples` between `lo` and `hi` Hz, in steps of
/// `step` Hz (Goertzel at each candidate). For checking which tone arrived.
#[must_use]
pub fn dominant_frequency(samples: &[i16], lo: f64, hi: f64, step: f64) -> Option<f64> {
    if samples.len() < 256 {
        return None;
    }
    let mut best: Option<(f64, f64)> = None;
    let mut f = lo;
    while f <= hi {
        let p = goertzel(samples, f);
        if best.is_none_or(|(_, bp)| p > bp) {
            best = Some((f, p));
        }
        f += step;
    }
    best.map(|(f, _)| f)
}

/// Power of frequency `hz` in 48 kHz `samples` (Goertzel).
#[must_use]
pub fn goertzel(samples: &[i16], hz: f64) -> f64 {
    goertzel_power(samples, SAMPLE_RATE, hz)
}

/// Power of frequency `hz` in `samples` taken at `rate` Hz (Goertzel).
#[must_use]
pub fn goertzel_power(samples: &[i16], rate: u32, hz: f64) -> f64 {
    let w = TAU * hz / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0_f64, 0.0_f64);
    for x in samples {
        let s0 = f64::from(*x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tone_is_found_at_its_frequency_and_silence_has_no_level() {
        let mut tone = ToneSource::new(440.0);
        let mut buf = vec![0i16; FRAME * 5];
        for chunk in buf.chunks_mut(FRAME) {
            tone.next_frame(chunk);
        }
        assert_eq!(dominant_frequency(&buf, 200.0, 2000.0, 10.0), Some(440.0));
        assert!((rms(&buf) - f64::from(i16::MAX) / 3.0 / 2f64.sqrt()).abs() < 100.0);
        let mut quiet = vec![1i16; FRAME];
        SilenceSource.next_frame(&mut quiet);
        assert_eq!(rms(&quiet), 0.0);
    }
}
