//! Voice processing on the microphone: echo cancellation (so the others do
//! not hear themselves back from my speakers), noise suppression and gain
//! control. WebRTC's audio processing module (AEC3, NS, AGC2), in the pure
//! Rust port `sonora`: nothing to build or link per platform.
//!
//! The call feeds it what the speakers play ([`VoiceProcessor::render`]) and
//! cleans what the microphone hears ([`VoiceProcessor::capture`]); the echo
//! canceller finds the delay between the two itself.

use sonora::{
    AudioProcessing, Config, StreamConfig,
    config::{EchoCanceller, GainController2, HighPassFilter, NoiseSuppression},
};
use tracing::debug;

use super::audio::SAMPLE_RATE;

/// Samples in the processor's 10 ms block.
pub(crate) const BLOCK: usize = super::audio::samples_in_ms(10);

/// Which processing to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Processing {
    /// Remove the speakers' sound from the microphone.
    pub echo_cancellation: bool,
    /// Turn steady background noise down.
    pub noise_suppression: bool,
    /// Even out my level.
    pub gain_control: bool,
}

impl Processing {
    /// Everything on: what a call on a laptop's speakers needs.
    pub const ALL: Self = Self { echo_cancellation: true, noise_suppression: true, gain_control: true };
    /// Nothing: the microphone as it is (tests with synthetic tones, a
    /// studio microphone).
    pub const NONE: Self = Self { echo_cancellation: false, noise_suppression: false, gain_control: false };

    /// Whether anything is on.
    #[must_use]
    pub fn any(self) -> bool {
        self.echo_cancellation || self.noise_suppression || self.gain_control
    }
}

/// The microphone's processing for one call.
pub struct VoiceProcessor {
    apm: AudioProcessing,
    scratch: Vec<i16>,
}

impl std::fmt::Debug for VoiceProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceProcessor").finish_non_exhaustive()
    }
}

impl VoiceProcessor {
    /// A processor doing `what` on 48 kHz mono.
    #[must_use]
    pub fn new(what: Processing) -> Self {
        let config = Config {
            high_pass_filter: what.any().then_some(HighPassFilter { apply_in_full_band: true }),
            echo_canceller: what.echo_cancellation.then(EchoCanceller::default),
            noise_suppression: what.noise_suppression.then(NoiseSuppression::default),
            gain_controller2: what.gain_control.then(GainController2::default),
            ..Default::default()
        };
        let stream = StreamConfig::new(SAMPLE_RATE, 1);
        let apm = AudioProcessing::builder().config(config).capture_config(stream).render_config(stream).build();
        Self { apm, scratch: vec![0; BLOCK] }
    }

    /// Cleans a frame from the microphone in place (any multiple of 10 ms).
    pub fn capture(&mut self, frame: &mut [i16]) {
        for block in frame.chunks_exact_mut(BLOCK) {
            self.scratch.copy_from_slice(block);
            if let Err(e) = self.apm.process_capture_i16(&self.scratch, block) {
                debug!(error = ?e, "voice processing skipped a block");
                block.copy_from_slice(&self.scratch);
            }
        }
    }

    /// Tells the echo canceller how long my speakers' sound takes to come
    /// back into my microphone beyond the room's own echo path: from when a
    /// block is handed to [`render`](Self::render) to when it is heard, plus
    /// from when the microphone captured a block to when it is handed to
    /// [`capture`](Self::capture). AEC3 starts its search for the echo there
    /// (then follows the echo it finds).
    pub fn set_delay(&mut self, delay: std::time::Duration) {
        let ms = i32::try_from(delay.as_millis()).unwrap_or(i32::MAX);
        if self.apm.set_stream_delay_ms(ms).is_err() {
            debug!(ms, "the echo canceller's delay was clamped to 0–500 ms");
        }
    }

    /// Tells the echo canceller what the speakers play (any multiple of
    /// 10 ms).
    pub fn render(&mut self, frame: &[i16]) {
        for block in frame.chunks_exact(BLOCK) {
            if let Err(e) = self.apm.process_render_i16(block, &mut self.scratch) {
                debug!(error = ?e, "the echo canceller missed a block of the speakers");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voice::audio::{FRAME, goertzel, rms};

    /// Deterministic white-ish noise (a linear congruential generator).
    fn noise(state: &mut u32, amplitude: f64) -> i16 {
        *state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        ((f64::from(*state >> 16) / 32_768.0 - 1.0) * amplitude) as i16
    }

    fn tone(hz: f64, i: usize, amplitude: f64) -> i16 {
        (amplitude * (std::f64::consts::TAU * hz * i as f64 / 48_000.0).sin()) as i16
    }

    /// The far end talks (broadband), the microphone hears it back through
    /// the room 40 ms later at half the level, and I say a 1 kHz tone now
    /// and then. After a few seconds to converge the echo is mostly gone
    /// and my tone is still there.
    #[test]
    fn the_far_end_echo_is_removed_and_my_voice_kept() {
        let mut p =
            VoiceProcessor::new(Processing { echo_cancellation: true, noise_suppression: false, gain_control: false });
        let delay = 48 * 40;
        let mut far = vec![0i16; delay];
        let mut state = 7u32;
        let seconds = 6;
        let (mut echo_in, mut echo_out) = (Vec::new(), Vec::new());
        let (mut talk_in, mut talk_out) = (Vec::new(), Vec::new());
        for f in 0..seconds * 50 {
            let render: Vec<i16> = (0..FRAME).map(|_| noise(&mut state, 6_000.0)).collect();
            far.extend_from_slice(&render);
            p.render(&render);
            let talking = (f / 25) % 4 == 3; // Half a second out of every two.
            let mut mic: Vec<i16> = (0..FRAME)
                .map(|i| {
                    let echo = far[f * FRAME + i] / 2;
                    let me = if talking { tone(1_000.0, f * FRAME + i, 4_000.0) } else { 0 };
                    echo.saturating_add(me)
                })
                .collect();
            let before = mic.clone();
            p.capture(&mut mic);
            if f >= (seconds - 2) * 50 {
                if talking {
                    talk_in.extend(before);
                    talk_out.extend(mic);
                } else {
                    echo_in.extend(before);
                    echo_out.extend(mic);
                }
            }
        }
        let erle_db = 20.0 * (rms(&echo_in) / rms(&echo_out).max(1.0)).log10();
        assert!(erle_db > 15.0, "the echo was only {erle_db:.1} dB quieter");
        let kept_db = 10.0 * (goertzel(&talk_out, 1_000.0) / goertzel(&talk_in, 1_000.0)).log10();
        assert!(kept_db > -10.0, "my voice lost {:.1} dB", -kept_db);
    }

    #[test]
    fn steady_noise_is_turned_down() {
        let mut p =
            VoiceProcessor::new(Processing { echo_cancellation: false, noise_suppression: true, gain_control: false });
        let mut state = 3u32;
        let (mut input, mut output) = (Vec::new(), Vec::new());
        for f in 0..150 {
            let mut mic: Vec<i16> = (0..FRAME).map(|_| noise(&mut state, 1_000.0)).collect();
            let before = mic.clone();
            p.capture(&mut mic);
            if f >= 100 {
                input.extend(before);
                output.extend(mic);
            }
        }
        let reduction_db = 20.0 * (rms(&input) / rms(&output).max(1.0)).log10();
        assert!(reduction_db > 6.0, "noise only {reduction_db:.1} dB quieter");
    }
}
