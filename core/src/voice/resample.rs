//! Sample-rate conversion for devices that do not run at 48 kHz (a USB
//! headset at 44.1 kHz, a Bluetooth headset at 16 kHz): rubato's FFT
//! resampler, fed and drained as a stream of mono samples.

use std::collections::VecDeque;

use rubato::{Fft, FixedSync, Resampler, audioadapter_buffers::direct::SequentialSliceOfVecs};

/// Converts a stream of mono 16-bit samples from one rate to another.
///
/// Input goes in any amount at a time ([`RateConverter::push`]); converted
/// samples come out as soon as a 10 ms chunk of input is complete
/// ([`RateConverter::pop`]). The FFT resampler adds about 10 ms of delay.
pub struct RateConverter {
    resampler: Fft<f32>,
    input: Vec<Vec<f32>>,
    output: Vec<Vec<f32>>,
    ready: VecDeque<i16>,
    max_ready: usize,
}

impl std::fmt::Debug for RateConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateConverter").field("ready", &self.ready.len()).finish_non_exhaustive()
    }
}

impl RateConverter {
    /// A converter from `from` Hz to `to` Hz. At most `max_ready` converted
    /// samples wait to be taken; beyond that the oldest are dropped, so a
    /// reader that falls behind never adds delay.
    ///
    /// # Errors
    /// When rubato cannot convert between the rates (zero, or absurd ones).
    pub fn new(from: u32, to: u32, max_ready: usize) -> Result<Self, String> {
        let chunk = (from as usize / 100).max(1);
        let resampler =
            Fft::<f32>::new(from as usize, to as usize, chunk, 1, FixedSync::Input).map_err(|e| e.to_string())?;
        let out_max = resampler.output_frames_max();
        Ok(Self {
            input: vec![Vec::with_capacity(chunk)],
            output: vec![vec![0.0; out_max]],
            resampler,
            ready: VecDeque::with_capacity(max_ready),
            max_ready: max_ready.max(1),
        })
    }

    /// Adds input samples; converts every complete chunk.
    pub fn push(&mut self, samples: impl IntoIterator<Item = i16>) {
        let chunk = self.resampler.input_frames_next();
        for s in samples {
            self.input[0].push(f32::from(s) / 32768.0);
            if self.input[0].len() == chunk {
                self.convert_chunk();
            }
        }
    }

    fn convert_chunk(&mut self) {
        let frames_in = self.input[0].len();
        let frames_out = self.output[0].len();
        let converted = match (
            SequentialSliceOfVecs::new(&self.input, 1, frames_in),
            SequentialSliceOfVecs::new_mut(&mut self.output, 1, frames_out),
        ) {
            (Ok(input), Ok(mut output)) => {
                self.resampler.process_into_buffer(&input, &mut output, None).map(|(_, n)| n)
            }
            _ => Ok(0),
        };
        self.input[0].clear();
        match converted {
            Ok(n) => {
                for &s in &self.output[0][..n] {
                    if self.ready.len() == self.max_ready {
                        self.ready.pop_front();
                    }
                    self.ready.push_back((s * 32768.0).clamp(-32768.0, 32767.0) as i16);
                }
            }
            Err(e) => tracing::warn!(error = %e, "resampling failed; a chunk of audio is lost"),
        }
    }

    /// Fills `out` with converted samples, as many as are ready; returns how
    /// many.
    pub fn pop(&mut self, out: &mut [i16]) -> usize {
        let n = out.len().min(self.ready.len());
        for (o, s) in out.iter_mut().zip(self.ready.drain(..n)) {
            *o = s;
        }
        n
    }

    /// Moves up to `n` converted samples to the end of `out`.
    pub fn pop_into(&mut self, out: &mut VecDeque<i16>, n: usize) {
        let n = n.min(self.ready.len());
        out.extend(self.ready.drain(..n));
    }

    /// Drops the oldest converted samples beyond the newest `n` (a backlog
    /// the reader will not catch up with).
    pub fn keep_newest(&mut self, n: usize) {
        let excess = self.ready.len().saturating_sub(n);
        self.ready.drain(..excess);
    }

    /// Converted samples waiting.
    #[must_use]
    pub fn ready(&self) -> usize {
        self.ready.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voice::audio::goertzel_power;

    fn tone(hz: f64, rate: u32, n: usize) -> Vec<i16> {
        (0..n).map(|i| (10_000.0 * (std::f64::consts::TAU * hz * i as f64 / f64::from(rate)).sin()) as i16).collect()
    }

    /// Power of `hz` relative to the strongest of a few neighbours: a tone
    /// that kept its pitch through the conversion stands far above them.
    fn stands_out(samples: &[i16], rate: u32, hz: f64) -> bool {
        let p = goertzel_power(samples, rate, hz);
        [hz * 0.8, hz * 0.9, hz * 1.1, hz * 1.25].iter().all(|&other| p > 20.0 * goertzel_power(samples, rate, other))
    }

    #[test]
    fn a_tone_keeps_its_pitch_from_44_1_khz_to_48_khz_and_back() {
        let input = tone(1000.0, 44_100, 44_100);
        let mut up = RateConverter::new(44_100, 48_000, 96_000).unwrap();
        // Fed in odd-sized pieces, as a device callback would.
        for piece in input.chunks(317) {
            up.push(piece.iter().copied());
        }
        let mut at48 = vec![0; up.ready()];
        up.pop(&mut at48);
        // One second in, one second (less one chunk still in the resampler) out.
        assert!((47_000..=48_000).contains(&at48.len()), "{} samples", at48.len());
        assert!(stands_out(&at48[4800..], 48_000, 1000.0));

        let mut down = RateConverter::new(48_000, 16_000, 32_000).unwrap();
        down.push(at48.iter().copied());
        let mut at16 = vec![0; down.ready()];
        down.pop(&mut at16);
        assert!((15_000..=16_000).contains(&at16.len()), "{} samples", at16.len());
        assert!(stands_out(&at16[1600..], 16_000, 1000.0));
    }

    #[test]
    fn a_reader_that_falls_behind_loses_the_oldest_audio_not_the_newest() {
        let mut c = RateConverter::new(48_000, 48_000, 960).unwrap();
        c.push(std::iter::repeat_n(1, 4800));
        c.push(std::iter::repeat_n(7, 4800));
        assert_eq!(c.ready(), 960);
        let mut out = vec![0; 960];
        assert_eq!(c.pop(&mut out), 960);
        assert!(out.iter().all(|&s| (6..=8).contains(&s)), "{:?}", &out[..8]);
    }
}
