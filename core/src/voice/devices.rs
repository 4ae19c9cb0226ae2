//! Microphones and speakers through cpal (ALSA on Linux, CoreAudio on macOS,
//! WASAPI on Windows).
//!
//! Each open device runs its cpal stream on a thread of its own (streams are
//! not `Send` on every platform), with a 5 ms period where the device
//! allows it (a device's default can be 100 ms, all of it heard as delay).
//! A [`Microphone`] is an [`AudioSource`]: its callback fills a small buffer
//! the call takes 10 ms frames from, never leaving a backlog. [`Speakers`]
//! are an [`AudioSink`] that pulls: the output callback mixes the room from
//! the jitter buffers as the device asks, so the device's clock paces
//! playback and nothing waits in between. Devices are opened at 48 kHz
//! (what the call uses) when they can, else at the rate nearest to it and
//! converted ([`RateConverter`]); any channel count (mixed down to mono on
//! the way in, copied to every channel on the way out), 16-bit or float
//! samples.
//!
//! No device at all (a machine without a sound card) is an ordinary case:
//! [`list`] returns empty lists and opening says so; a call can still join
//! with [`super::SilenceSource`] and [`super::NullSink`].

use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, AtomicUsize, Ordering},
        mpsc,
    },
    time::Duration,
};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use tracing::warn;

use super::{
    audio::{AudioSink, AudioSource, FRAME, SAMPLE_RATE, samples_in_ms},
    resample::RateConverter,
};

/// One audio device.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceInfo {
    /// Stable id to open it with.
    pub id: String,
    /// Name to show.
    pub name: String,
    /// The system's default for its direction.
    pub is_default: bool,
}

/// Every microphone and every speaker.
#[derive(Clone, Debug, Default, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Devices {
    /// Microphones.
    pub inputs: Vec<DeviceInfo>,
    /// Speakers and headphones.
    pub outputs: Vec<DeviceInfo>,
}

/// Why a device cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// No such device (unplugged, or none at all).
    #[error("no {0} found; plug one in or pick another in the settings")]
    NotFound(&'static str),
    /// The device cannot run the way a call needs.
    #[error("{name} cannot be used: {reason}")]
    Unsupported {
        /// The device.
        name: String,
        /// Why.
        reason: String,
    },
    /// The system refused to open it.
    #[error("cannot open {name}: {reason}")]
    Open {
        /// The device.
        name: String,
        /// What the system said.
        reason: String,
    },
}

/// Lists microphones and speakers (empty lists when there are none).
#[must_use]
pub fn list() -> Devices {
    let host = cpal::default_host();
    let id_of = |d: &cpal::Device| d.id().map(|i| i.to_string()).ok();
    let default_in = host.default_input_device().as_ref().and_then(id_of);
    let default_out = host.default_output_device().as_ref().and_then(id_of);
    let describe = |d: cpal::Device, default: &Option<String>| {
        let id = id_of(&d)?;
        let name = d.description().map_or_else(|_| id.clone(), |desc| desc.name().to_owned());
        Some(DeviceInfo { is_default: default.as_ref() == Some(&id), id, name })
    };
    Devices {
        inputs: host
            .input_devices()
            .map(|it| it.filter_map(|d| describe(d, &default_in)).collect())
            .unwrap_or_default(),
        outputs: host
            .output_devices()
            .map(|it| it.filter_map(|d| describe(d, &default_out)).collect())
            .unwrap_or_default(),
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Input,
    Output,
}

fn find(direction: Direction, id: Option<&str>) -> Result<cpal::Device, DeviceError> {
    let host = cpal::default_host();
    let what = match direction {
        Direction::Input => "microphone",
        Direction::Output => "speaker",
    };
    let device = match (id, direction) {
        (None, Direction::Input) => host.default_input_device(),
        (None, Direction::Output) => host.default_output_device(),
        (Some(id), _) => host.devices().ok().and_then(|mut it| it.find(|d| d.id().is_ok_and(|i| i.to_string() == id))),
    };
    device.ok_or(DeviceError::NotFound(what))
}

/// The configuration to open `device` with: 16-bit if it has it, else float;
/// at 48 kHz when the device can, else at the rate nearest to it (the call
/// converts).
fn choose_config(
    device: &cpal::Device,
    direction: Direction,
) -> Result<(cpal::StreamConfig, cpal::SampleFormat), DeviceError> {
    let name = device.to_string();
    let ranges: Vec<cpal::SupportedStreamConfigRange> = match direction {
        Direction::Input => device.supported_input_configs().map(Iterator::collect),
        Direction::Output => device.supported_output_configs().map(Iterator::collect),
    }
    .map_err(|e| DeviceError::Open { name: name.clone(), reason: e.to_string() })?;
    let config = pick(&ranges).ok_or_else(|| DeviceError::Unsupported {
        name: name.clone(),
        reason: "it has neither 16-bit nor float samples".into(),
    })?;
    let mut stream = config.config();
    stream.buffer_size = buffer_size(config.buffer_size(), stream.sample_rate);
    Ok((stream, config.sample_format()))
}

/// The device period to ask for: 5 ms (a device's default can be 100 ms,
/// all of it heard as delay; 10 ms periods cost 8 ms more mouth to ear
/// through PulseAudio, see BENCHMARKS.md), within what the device supports.
fn buffer_size(supported: &cpal::SupportedBufferSize, rate: u32) -> cpal::BufferSize {
    match supported {
        cpal::SupportedBufferSize::Range { min, max } => cpal::BufferSize::Fixed((rate / 200).clamp(*min, *max)),
        cpal::SupportedBufferSize::Unknown => cpal::BufferSize::Default,
    }
}

fn pick(ranges: &[cpal::SupportedStreamConfigRange]) -> Option<cpal::SupportedStreamConfig> {
    let distance = |r: &cpal::SupportedStreamConfigRange| {
        let nearest = SAMPLE_RATE.clamp(r.min_sample_rate(), r.max_sample_rate());
        (nearest.abs_diff(SAMPLE_RATE), nearest)
    };
    let best = |f: cpal::SampleFormat| {
        ranges.iter().filter(|r| r.sample_format() == f).min_by_key(|r| distance(r)).map(|r| (r, distance(r)))
    };
    let (range, (_, rate)) = match (best(cpal::SampleFormat::I16), best(cpal::SampleFormat::F32)) {
        // Float only when it is closer to 48 kHz.
        (Some(i), Some(f)) if f.1.0 < i.1.0 => f,
        (Some(i), _) => i,
        (None, f) => f?,
    };
    Some(range.with_sample_rate(rate))
}

/// A converter between a device running at `rate` and the call's 48 kHz, or
/// none when the device runs at 48 kHz.
fn converter_for(rate: u32, direction: Direction, max: usize) -> Result<Option<RateConverter>, DeviceError> {
    if rate == SAMPLE_RATE {
        return Ok(None);
    }
    let (from, to) = match direction {
        Direction::Input => (rate, SAMPLE_RATE),
        Direction::Output => (SAMPLE_RATE, rate),
    };
    RateConverter::new(from, to, max)
        .map(Some)
        .map_err(|reason| DeviceError::Unsupported { name: format!("a device at {rate} Hz"), reason })
}

/// Keeps a stream alive on its own thread until dropped.
struct StreamThread {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Disconnected when the thread has closed its stream.
    closed: mpsc::Receiver<()>,
}

/// How long closing a device may hold up whoever lets it go (leaving a
/// call, switching devices).
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

impl Drop for StreamThread {
    fn drop(&mut self) {
        drop(self.stop.take());
        // A device gone bad (a sound server that stopped answering) can
        // hang the backend's close: the thread is left to finish it, and
        // the call goes on without waiting.
        let closed = self.closed.recv_timeout(CLOSE_WAIT) == Err(mpsc::RecvTimeoutError::Disconnected);
        match self.thread.take() {
            Some(t) if closed => drop(t.join()),
            Some(_) => tracing::warn!("an audio device did not close within a second; left to close"),
            None => {}
        }
    }
}

/// Builds a stream on a thread of its own and plays it; returns the thread
/// and the sample rate the stream runs at.
fn run_stream(
    build: impl FnOnce() -> Result<(cpal::Stream, u32), DeviceError> + Send + 'static,
) -> Result<(StreamThread, u32), DeviceError> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let (closed_tx, closed_rx) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("pq-audio".into())
        .spawn(move || {
            let (stream, rate) = match build() {
                Ok(s) => s,
                Err(e) => return drop(ready_tx.send(Err(e))),
            };
            if let Err(e) = stream.play() {
                return drop(
                    ready_tx.send(Err(DeviceError::Open { name: "the device".into(), reason: e.to_string() })),
                );
            }
            let _ = ready_tx.send(Ok(rate));
            // Until the owner goes.
            let _ = stop_rx.recv();
            drop(stream);
            drop(closed_tx);
        })
        .map_err(|e| DeviceError::Open { name: "the device".into(), reason: e.to_string() })?;
    match ready_rx.recv() {
        Ok(Ok(rate)) => Ok((StreamThread { stop: Some(stop_tx), thread: Some(thread), closed: closed_rx }, rate)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(DeviceError::Open { name: "the device".into(), reason: "its thread ended".into() }),
    }
}

/// Opens a stream on the device `id` (the default when `None`) on a thread
/// of its own, asking for a 5 ms period and taking the device's own when it
/// refuses; `build` makes the stream for a configuration. Returns the thread
/// and the stream's sample rate.
fn open_stream(
    direction: Direction,
    id: Option<&str>,
    build: impl Fn(&cpal::Device, cpal::StreamConfig, cpal::SampleFormat) -> Result<cpal::Stream, cpal::Error>
    + Send
    + 'static,
) -> Result<(StreamThread, u32), DeviceError> {
    let id = id.map(str::to_owned);
    run_stream(move || {
        let device = find(direction, id.as_deref())?;
        let (mut config, format) = choose_config(&device, direction)?;
        let rate = config.sample_rate;
        let stream = build(&device, config, format).or_else(|e| {
            // A device that refuses the period asked for gets its own.
            if config.buffer_size == cpal::BufferSize::Default {
                return Err(e);
            }
            warn!(device = %device, error = %e, "the device refuses a 5 ms period; using its default");
            config.buffer_size = cpal::BufferSize::Default;
            build(&device, config, format)
        });
        stream.map(|s| (s, rate)).map_err(|e| DeviceError::Open { name: device.to_string(), reason: e.to_string() })
    })
}

/// How long the device holds audio between the callback and the world
/// (capture to callback, or callback to playback), as the system reports
/// it, in microseconds; 0 until known.
type Latency = Arc<AtomicU64>;

fn latency_of(latency: &Latency) -> Option<Duration> {
    match latency.load(Ordering::Relaxed) {
        0 => None,
        us => Some(Duration::from_micros(us)),
    }
}

type Buffer = Arc<Mutex<VecDeque<i16>>>;

/// The most converted audio the speakers' rate converter holds (80 ms).
const CONVERTED_OUT: usize = samples_in_ms(80);

/// The most samples one device callback delivered: what the device hands
/// over at once, so what the buffer must hold beyond one frame.
type Largest = Arc<AtomicUsize>;

/// How many samples `d` holds (at least one frame).
fn samples_in(d: Duration) -> usize {
    (d.as_millis() as usize * SAMPLE_RATE as usize / 1000).max(super::audio::FRAME)
}

/// A microphone: what it captured, mixed down to mono, for the call to take
/// a frame at a time.
pub struct Microphone {
    buffer: Buffer,
    /// The most samples one callback delivered.
    largest: Largest,
    /// Most samples `buffer` holds.
    max: usize,
    /// When the device does not run at 48 kHz.
    converter: Option<RateConverter>,
    /// The device's rate.
    rate: u32,
    latency: Latency,
    /// Frames taken with fewer samples captured than a frame (once the
    /// device had delivered).
    shortfalls: u64,
    /// Woken when a whole frame has been delivered.
    delivered: Arc<tokio::sync::Notify>,
    /// Times the device reported an overrun (it captured with nowhere to
    /// put it: a callback late).
    xruns: Arc<AtomicU64>,
    _stream: StreamThread,
}

impl std::fmt::Debug for Microphone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Microphone").field("max", &self.max).finish_non_exhaustive()
    }
}

impl Microphone {
    /// Opens the microphone `id` (the system's default when `None`). At most
    /// `max_buffer` of audio waits for the call; more is dropped (newest
    /// first), so a slow reader never adds delay beyond it.
    ///
    /// # Errors
    /// See [`DeviceError`].
    pub fn open(id: Option<&str>, max_buffer: Duration) -> Result<Self, DeviceError> {
        let buffer: Buffer = Arc::default();
        let largest: Largest = Arc::default();
        let latency: Latency = Arc::default();
        let max = samples_in(max_buffer);
        let delivered = Arc::new(tokio::sync::Notify::new());
        let xruns: Arc<AtomicU64> = Arc::default();
        let (b, l, lat, d, x) = (buffer.clone(), largest.clone(), latency.clone(), delivered.clone(), xruns.clone());
        let build = move |device: &cpal::Device, config: cpal::StreamConfig, format| {
            let channels = usize::from(config.channels.max(1));
            // A whole frame at the device's rate.
            let whole = FRAME * config.sample_rate as usize / SAMPLE_RATE as usize;
            let (b, l, lat, d, x) = (b.clone(), l.clone(), lat.clone(), d.clone(), x.clone());
            let push = move |mono: &mut dyn Iterator<Item = i16>, info: &cpal::InputCallbackInfo| {
                let t = info.timestamp();
                lat.store(t.callback.saturating_duration_since(t.capture).as_micros() as u64, Ordering::Relaxed);
                let mut buf = b.lock().unwrap_or_else(PoisonError::into_inner);
                let before = buf.len();
                for s in mono {
                    if buf.len() >= max {
                        break;
                    }
                    buf.push_back(s);
                }
                l.fetch_max(buf.len() - before, Ordering::Relaxed);
                if buf.len() >= whole {
                    d.notify_one();
                }
            };
            let err = stream_error("microphone", x);
            match format {
                cpal::SampleFormat::I16 => device.build_input_stream(
                    config,
                    move |data: &[i16], info: &cpal::InputCallbackInfo| {
                        push(
                            &mut data
                                .chunks(channels)
                                .map(|c| (c.iter().map(|s| i32::from(*s)).sum::<i32>() / c.len() as i32) as i16),
                            info,
                        );
                    },
                    err,
                    None,
                ),
                _ => device.build_input_stream(
                    config,
                    move |data: &[f32], info: &cpal::InputCallbackInfo| {
                        push(
                            &mut data.chunks(channels).map(|c| {
                                let avg = c.iter().sum::<f32>() / c.len() as f32;
                                (avg.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16
                            }),
                            info,
                        );
                    },
                    err,
                    None,
                ),
            }
        };
        let (stream, rate) = open_stream(Direction::Input, id, build)?;
        let converter = converter_for(rate, Direction::Input, max)?;
        Ok(Self { buffer, largest, max, converter, rate, latency, shortfalls: 0, delivered, xruns, _stream: stream })
    }

    /// Frames the call took with fewer samples captured than a frame (the
    /// rest filled with silence), once the device had delivered: capture
    /// underruns.
    #[must_use]
    pub fn shortfalls(&self) -> u64 {
        self.shortfalls
    }
}

impl AudioSource for Microphone {
    fn next_frame(&mut self, frame: &mut [i16]) {
        let mut buf = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(converter) = &mut self.converter {
            converter.push(buf.drain(..));
            drop(buf);
            let n = converter.pop(frame);
            frame[n..].fill(0);
            return;
        }
        let n = frame.len().min(buf.len());
        for (out, s) in frame.iter_mut().zip(buf.drain(..n)) {
            *out = s;
        }
        // Not enough captured yet: the rest is silence.
        frame[n..].fill(0);
        if n < frame.len() && self.largest.load(Ordering::Relaxed) > 0 {
            self.shortfalls += 1;
            tracing::debug!(
                captured = n,
                largest = self.largest.load(Ordering::Relaxed),
                "microphone frame taken short"
            );
        }
        trim_capture(&mut buf, self.largest.load(Ordering::Relaxed));
    }

    /// As the system reports it, once the device has delivered.
    fn latency(&self) -> Option<Duration> {
        latency_of(&self.latency)
    }

    fn delivered(&self) -> Option<Arc<tokio::sync::Notify>> {
        Some(self.delivered.clone())
    }

    /// The overruns the device reported since it was opened.
    fn xruns(&self) -> Option<u64> {
        Some(self.xruns.load(Ordering::Relaxed))
    }

    /// A whole frame captured, or the device not delivering at all yet
    /// (nothing to wait for).
    fn ready(&self) -> bool {
        if self.largest.load(Ordering::Relaxed) == 0 {
            return true;
        }
        let held = self.buffer.lock().unwrap_or_else(PoisonError::into_inner).len();
        match &self.converter {
            None => held >= FRAME,
            Some(c) => c.ready() + held * SAMPLE_RATE as usize / self.rate.max(1) as usize >= FRAME,
        }
    }
}

/// Speakers: they play the room as their device asks for it (they
/// [pull](AudioSink::pull)), copied to every channel, so the only delay
/// between the jitter buffers and the listener is the device's own.
pub struct Speakers {
    player: Arc<Mutex<Option<Player>>>,
    rate: u32,
    latency: Latency,
    /// Times the device reported an underrun (its callback came late: a
    /// gap heard whatever the jitter buffers held).
    xruns: Arc<AtomicU64>,
    _stream: StreamThread,
}

impl std::fmt::Debug for Speakers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Speakers").field("rate", &self.rate).finish_non_exhaustive()
    }
}

/// What the output callback plays from: the room, converted to the
/// device's rate when it is not 48 kHz.
struct Player {
    room: super::RoomAudio,
    converter: Option<RateConverter>,
    /// The room at 48 kHz before converting, and what goes to the device.
    at_48k: Vec<i16>,
    out: Vec<i16>,
}

impl Player {
    /// The next `n` samples at the device's rate.
    fn next(&mut self, n: usize) -> &[i16] {
        self.out.resize(n, 0);
        let Some(converter) = &mut self.converter else {
            self.room.play(&mut self.out);
            return &self.out;
        };
        // A few rounds at most: the converter hands out what it has once it
        // has a block.
        for _ in 0..8 {
            if converter.ready() >= n {
                break;
            }
            self.at_48k.resize((n - converter.ready()).max(samples_in_ms(5)), 0);
            self.room.play(&mut self.at_48k);
            converter.push(self.at_48k.iter().copied());
        }
        let got = converter.pop(&mut self.out);
        self.out[got..].fill(0);
        &self.out
    }
}

impl Speakers {
    /// Opens the speakers `id` (the system's default when `None`). They play
    /// silence until a call [pulls](AudioSink::pull) through them.
    ///
    /// # Errors
    /// See [`DeviceError`].
    pub fn open(id: Option<&str>) -> Result<Self, DeviceError> {
        let player: Arc<Mutex<Option<Player>>> = Arc::default();
        let latency: Latency = Arc::default();
        let xruns: Arc<AtomicU64> = Arc::default();
        let (p, lat, x) = (player.clone(), latency.clone(), xruns.clone());
        let build = move |device: &cpal::Device, config: cpal::StreamConfig, format| {
            let channels = usize::from(config.channels.max(1));
            let (p, lat, x) = (p.clone(), lat.clone(), x.clone());
            // Calls `write` with each sample to play, once per channel frame.
            let fill = move |frames: usize, info: &cpal::OutputCallbackInfo, write: &mut dyn FnMut(usize, i16)| {
                let t = info.timestamp();
                lat.store(t.playback.saturating_duration_since(t.callback).as_micros() as u64, Ordering::Relaxed);
                let mut player = p.lock().unwrap_or_else(PoisonError::into_inner);
                match player.as_mut() {
                    Some(player) => {
                        for (i, s) in player.next(frames).iter().enumerate() {
                            write(i, *s);
                        }
                    }
                    None => (0..frames).for_each(|i| write(i, 0)),
                }
            };
            let err = stream_error("speaker", x);
            match format {
                cpal::SampleFormat::I16 => device.build_output_stream(
                    config,
                    move |data: &mut [i16], info: &cpal::OutputCallbackInfo| {
                        fill(data.len() / channels, info, &mut |i, s| data[i * channels..][..channels].fill(s));
                    },
                    err,
                    None,
                ),
                _ => device.build_output_stream(
                    config,
                    move |data: &mut [f32], info: &cpal::OutputCallbackInfo| {
                        fill(data.len() / channels, info, &mut |i, s| {
                            data[i * channels..][..channels].fill(f32::from(s) / f32::from(i16::MAX));
                        });
                    },
                    err,
                    None,
                ),
            }
        };
        let (stream, rate) = open_stream(Direction::Output, id, build)?;
        // Fail now, not in the callback, on a rate that cannot be converted.
        converter_for(rate, Direction::Output, CONVERTED_OUT)?;
        Ok(Self { player, rate, latency, xruns, _stream: stream })
    }
}

impl AudioSink for Speakers {
    /// Speakers pull (see [`AudioSink::pull`]); a frame handed over is not
    /// played.
    fn play(&mut self, _frame: &[i16]) {}

    fn pull(&mut self, room: super::RoomAudio) -> bool {
        let converter = match converter_for(self.rate, Direction::Output, CONVERTED_OUT) {
            Ok(c) => c,
            Err(e) => {
                warn!(error = %e, "the speakers cannot play the call");
                return false;
            }
        };
        let player = Player { room, converter, at_48k: Vec::new(), out: Vec::new() };
        *self.player.lock().unwrap_or_else(PoisonError::into_inner) = Some(player);
        true
    }

    /// As the system reports it, once the device has asked.
    fn latency(&self) -> Option<Duration> {
        latency_of(&self.latency)
    }

    /// The underruns the device reported since it was opened.
    fn xruns(&self) -> Option<u64> {
        Some(self.xruns.load(Ordering::Relaxed))
    }
}

/// A stream's error callback: logs the error and counts the device's xruns
/// (its callback came late) in `xruns`.
fn stream_error(device: &'static str, xruns: Arc<AtomicU64>) -> impl FnMut(cpal::Error) + Send + 'static {
    move |e: cpal::Error| {
        if e.kind() == cpal::ErrorKind::Xrun {
            xruns.fetch_add(1, Ordering::Relaxed);
        }
        warn!(error = %e, device, "audio stream error");
    }
}

/// After the call took a frame of captured audio: never more left waiting
/// than one delivery of the device (`largest`; at least 10 ms: what the
/// device delivers between two of the call's ticks comes unevenly against
/// them). A backlog (the call started late, or stalled) would be heard as
/// delay for the rest of the call: the oldest goes.
fn trim_capture(buf: &mut VecDeque<i16>, largest: usize) {
    let keep = largest.max(samples_in_ms(10));
    let excess = buf.len().saturating_sub(keep);
    buf.drain(..excess);
}

#[cfg(test)]
mod tests {
    use cpal::{SampleFormat, SupportedBufferSize, SupportedStreamConfigRange};

    use super::*;

    fn range(min: u32, max: u32, format: SampleFormat) -> SupportedStreamConfigRange {
        SupportedStreamConfigRange::new(2, min, max, SupportedBufferSize::Unknown, format)
    }

    #[test]
    fn a_device_runs_at_48_khz_when_it_can_and_else_at_the_nearest_rate() {
        let picked = |ranges: &[SupportedStreamConfigRange]| pick(ranges).map(|c| (c.sample_rate(), c.sample_format()));
        // A sound card that does anything: 48 kHz, 16-bit.
        assert_eq!(
            picked(&[range(8_000, 192_000, SampleFormat::F32), range(8_000, 192_000, SampleFormat::I16)]),
            Some((48_000, SampleFormat::I16))
        );
        // A USB headset at 44.1 kHz only.
        assert_eq!(picked(&[range(44_100, 44_100, SampleFormat::I16)]), Some((44_100, SampleFormat::I16)));
        // A Bluetooth headset's microphone at 16 kHz, and a 96 kHz-only DAC.
        assert_eq!(picked(&[range(8_000, 16_000, SampleFormat::I16)]), Some((16_000, SampleFormat::I16)));
        assert_eq!(picked(&[range(96_000, 192_000, SampleFormat::I16)]), Some((96_000, SampleFormat::I16)));
        // Float is taken when it reaches 48 kHz and 16-bit does not.
        assert_eq!(
            picked(&[range(44_100, 44_100, SampleFormat::I16), range(48_000, 48_000, SampleFormat::F32)]),
            Some((48_000, SampleFormat::F32))
        );
        // Neither 16-bit nor float: refused.
        assert_eq!(picked(&[range(48_000, 48_000, SampleFormat::U8)]), None);
    }

    /// A device delivering 10 ms at a time and a call taking 20 ms frames
    /// (twice pq's).
    #[test]
    fn a_capture_backlog_from_a_stall_is_gone_by_the_next_frame() {
        let (frame, period) = (960, 480);
        let mut buf: VecDeque<i16> = VecDeque::new();
        // The call stalled for 300 ms while the device kept delivering.
        buf.extend((0..30 * period).map(|i| i as i16));
        let newest = *buf.back().unwrap();
        buf.drain(..frame); // The call takes one frame...
        trim_capture(&mut buf, period); // ...and the backlog goes.
        assert_eq!(buf.len(), period, "one delivery waits, not 280 ms");
        assert_eq!(*buf.back().unwrap(), newest, "the newest audio is kept");
        // Steady state: two deliveries per frame, nothing is dropped.
        for _ in 0..100 {
            buf.extend(std::iter::repeat_n(1, 2 * period));
            let before = buf.len();
            buf.drain(..frame);
            trim_capture(&mut buf, period);
            assert_eq!(buf.len(), before - frame);
        }
    }

    #[test]
    fn a_44_1_khz_device_gets_a_converter_and_a_48_khz_one_does_not() {
        assert!(converter_for(48_000, Direction::Input, 9600).unwrap().is_none());
        let mut c = converter_for(44_100, Direction::Output, 9600).unwrap().unwrap();
        // 20 ms at 48 kHz become 20 ms at 44.1 kHz (less what the resampler holds).
        for _ in 0..10 {
            c.push(std::iter::repeat_n(100, 960));
        }
        assert!((8_000..=8_820).contains(&c.ready()), "{}", c.ready());
    }
}
