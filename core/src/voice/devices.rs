//! Microphones and speakers through cpal (ALSA on Linux, CoreAudio on macOS,
//! WASAPI on Windows).
//!
//! Each open device runs its cpal stream on a thread of its own (streams are
//! not `Send` on every platform), with a short period where the device
//! allows it (5 ms for a microphone, 10 ms for speakers; a device's default
//! can be 100 ms, all of it heard as delay), and a longer one once it has
//! fallen behind twice within five minutes.
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
        atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering},
        mpsc,
    },
    time::{Duration, Instant},
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
    period_ms: u32,
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
    stream.buffer_size = buffer_size(config.buffer_size(), stream.sample_rate, period_ms);
    Ok((stream, config.sample_format()))
}

/// The device periods to ask for, in ms: the first, and the next when the
/// device keeps falling behind ([`Falling::behind`]). Short, since a
/// device's default can be 100 ms, all of it heard as delay: 5 ms for
/// microphones; 10 ms for speakers, whose 5 ms periods (a buffer of 10 ms)
/// fell behind once or twice in most ten-minute six-person benchmark runs
/// (their thread waited 11–14 ms for a core; the longest wait with 10 ms
/// periods was 16 ms, within their 20 ms, and none fell behind), for 7 ms
/// more mouth to ear with two people; see BENCHMARKS.md.
fn periods_ms(direction: Direction) -> &'static [u32] {
    match direction {
        Direction::Input => &[5, 10, 20],
        Direction::Output => &[10, 20],
    }
}

/// A device period of `ms` within what the device supports.
fn buffer_size(supported: &cpal::SupportedBufferSize, rate: u32, ms: u32) -> cpal::BufferSize {
    match supported {
        cpal::SupportedBufferSize::Range { min, max } => cpal::BufferSize::Fixed((rate * ms / 1_000).clamp(*min, *max)),
        cpal::SupportedBufferSize::Unknown => cpal::BufferSize::Default,
    }
}

/// Two xruns within this long: the device's period is too short for this
/// computer (one alone is a moment the whole machine stalled; a ten-minute
/// six-person benchmark run saw two 68 s apart, each a click heard).
const XRUN_WINDOW: Duration = Duration::from_secs(300);

/// How often a stream's thread looks at its device's xruns.
const XRUN_CHECK: Duration = Duration::from_millis(250);

/// A stream's first second: an xrun while it starts (the call connecting,
/// the device filling) says nothing of how it keeps up.
const STARTING: Duration = Duration::from_secs(1);

/// Tells, from a device's xrun count looked at now and then, when it has
/// fallen behind twice within [`XRUN_WINDOW`] — time for a longer period,
/// as a sound server lengthens its own buffers after an underrun.
#[derive(Debug)]
struct Falling {
    counted: u64,
    recent: std::collections::VecDeque<Instant>,
    /// Until when the stream is starting.
    starting: Instant,
}

impl Falling {
    /// For a stream started at `now`, with the device's count at `count`.
    fn new(count: u64, now: Instant) -> Self {
        Self { counted: count, recent: std::collections::VecDeque::new(), starting: now + STARTING }
    }

    /// Takes the device's count at `now`; true when it fell behind twice
    /// within the window (and starts counting afresh).
    fn behind(&mut self, count: u64, now: Instant) -> bool {
        if now < self.starting {
            self.counted = count;
            return false;
        }
        for _ in self.counted..count.min(self.counted + 2) {
            self.recent.push_back(now);
        }
        self.counted = count;
        while self.recent.front().is_some_and(|&at| now.duration_since(at) > XRUN_WINDOW) {
            self.recent.pop_front();
        }
        if self.recent.len() < 2 {
            return false;
        }
        self.recent.clear();
        true
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
    /// Times the device reported an xrun (its callback came late: a gap
    /// heard, or captured audio lost).
    xruns: Arc<AtomicU64>,
    /// The device period asked for, in ms.
    period: Arc<AtomicU32>,
}

impl StreamThread {
    /// The xruns the device reported since it was opened.
    fn xruns(&self) -> u64 {
        self.xruns.load(Ordering::Relaxed)
    }

    /// The device period asked for: the first of [`periods_ms`], longer
    /// once the device kept falling behind.
    fn period(&self) -> Duration {
        Duration::from_millis(self.period.load(Ordering::Relaxed).into())
    }
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

/// Builds a stream with a period of `ms` and plays it.
fn start_stream(
    build: &mut impl FnMut(u32) -> Result<(cpal::Stream, u32), DeviceError>,
    ms: u32,
) -> Result<(cpal::Stream, u32), DeviceError> {
    let (stream, rate) = build(ms)?;
    stream.play().map_err(|e| DeviceError::Open { name: "the device".into(), reason: e.to_string() })?;
    Ok((stream, rate))
}

/// Builds a stream on a thread of its own and plays it; returns the thread
/// and the sample rate the stream runs at. While the owner keeps it, a
/// device that falls behind twice in five minutes (its `xruns`, which the
/// streams `build` makes count) is opened again with the next longer of
/// `periods` (ms).
fn run_stream(
    mut build: impl FnMut(u32) -> Result<(cpal::Stream, u32), DeviceError> + Send + 'static,
    periods: &'static [u32],
    xruns: Arc<AtomicU64>,
) -> Result<(StreamThread, u32), DeviceError> {
    let period = Arc::new(AtomicU32::new(periods[0]));
    let (counted, asked) = (xruns.clone(), period.clone());
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let (closed_tx, closed_rx) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("pq-audio".into())
        .spawn(move || {
            let mut at = 0;
            let (stream, rate) = match start_stream(&mut build, periods[at]) {
                Ok(s) => s,
                Err(e) => return drop(ready_tx.send(Err(e))),
            };
            let mut stream = Some(stream);
            let _ = ready_tx.send(Ok(rate));
            let mut falling = Falling::new(counted.load(Ordering::Relaxed), Instant::now());
            // Until the owner goes.
            while stop_rx.recv_timeout(XRUN_CHECK) == Err(mpsc::RecvTimeoutError::Timeout) {
                if !falling.behind(counted.load(Ordering::Relaxed), Instant::now()) || at + 1 == periods.len() {
                    continue;
                }
                // Closed first: some devices open once at a time.
                drop(stream.take());
                stream = match start_stream(&mut build, periods[at + 1]) {
                    Ok((s, r)) if r == rate => {
                        at += 1;
                        tracing::info!(
                            period_ms = periods[at],
                            "the device fell behind twice in five minutes: a longer period from now"
                        );
                        Some(s)
                    }
                    other => {
                        warn!(error = ?other.err(), "the device cannot take a longer period; kept as it was");
                        let again = start_stream(&mut build, periods[at]);
                        if let Err(e) = &again {
                            warn!(error = %e, "the device could not be opened again");
                        }
                        again.ok().map(|(s, _)| s)
                    }
                };
                asked.store(periods[at], Ordering::Relaxed);
                falling = Falling::new(counted.load(Ordering::Relaxed), Instant::now());
            }
            drop(stream);
            drop(closed_tx);
        })
        .map_err(|e| DeviceError::Open { name: "the device".into(), reason: e.to_string() })?;
    match ready_rx.recv() {
        Ok(Ok(rate)) => {
            Ok((StreamThread { stop: Some(stop_tx), thread: Some(thread), closed: closed_rx, xruns, period }, rate))
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(DeviceError::Open { name: "the device".into(), reason: "its thread ended".into() }),
    }
}

/// Opens a stream on the device `id` (the default when `None`) on a thread
/// of its own, asking for a short period ([`periods_ms`]; longer ones if it
/// keeps falling behind) and taking the device's own when it refuses;
/// `build` makes the stream for a configuration, its error callback
/// counting the device's xruns in the counter it is handed. Returns the
/// thread and the stream's sample rate.
fn open_stream(
    direction: Direction,
    id: Option<&str>,
    build: impl Fn(
        &cpal::Device,
        cpal::StreamConfig,
        cpal::SampleFormat,
        &Arc<AtomicU64>,
    ) -> Result<cpal::Stream, cpal::Error>
    + Send
    + 'static,
) -> Result<(StreamThread, u32), DeviceError> {
    let id = id.map(str::to_owned);
    let xruns: Arc<AtomicU64> = Arc::default();
    let counter = xruns.clone();
    let build = move |device: &cpal::Device, config, format| build(device, config, format, &counter);
    let open = move |ms: u32| {
        let device = find(direction, id.as_deref())?;
        let (mut config, format) = choose_config(&device, direction, ms)?;
        let rate = config.sample_rate;
        let stream = build(&device, config, format).or_else(|e| {
            // A device that refuses the period asked for gets its own.
            if config.buffer_size == cpal::BufferSize::Default {
                return Err(e);
            }
            warn!(device = %device, error = %e, ms, "the device refuses the period; using its default");
            config.buffer_size = cpal::BufferSize::Default;
            build(&device, config, format)
        });
        stream.map(|s| (s, rate)).map_err(|e| DeviceError::Open { name: device.to_string(), reason: e.to_string() })
    };
    run_stream(open, periods_ms(direction), xruns)
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
    capture: Capture,
    latency: Latency,
    /// Woken when a whole frame has been delivered.
    delivered: Arc<tokio::sync::Notify>,
    stream: StreamThread,
}

/// How the call takes frames from what a microphone delivered, at whatever
/// rate it runs: converted to 48 kHz when it is not, and never with a
/// backlog left waiting (see [`trim_capture`]).
struct Capture {
    /// When the device does not run at 48 kHz.
    converter: Option<RateConverter>,
    /// The device's rate.
    rate: u32,
    /// Frames taken with fewer samples captured than a frame (once the
    /// device had delivered).
    shortfalls: u64,
}

impl Capture {
    /// Fills `frame` (48 kHz) from `buf`, what the device delivered at its
    /// rate; `largest` is the most one of its callbacks delivered (in its
    /// samples; 0 before the first). What is left waiting afterwards is at
    /// most one such delivery (at least 10 ms), converted or not.
    fn take(&mut self, buf: &mut VecDeque<i16>, largest: usize, frame: &mut [i16]) {
        let n = match &mut self.converter {
            None => {
                let n = frame.len().min(buf.len());
                for (out, s) in frame.iter_mut().zip(buf.drain(..n)) {
                    *out = s;
                }
                trim_capture(buf, largest);
                n
            }
            Some(converter) => {
                converter.push(buf.drain(..));
                let n = converter.pop(frame);
                let largest = largest * SAMPLE_RATE as usize / self.rate.max(1) as usize;
                converter.keep_newest(capture_kept(largest));
                n
            }
        };
        // Not enough captured yet: the rest is silence.
        frame[n..].fill(0);
        if n < frame.len() && largest > 0 {
            self.shortfalls += 1;
            tracing::debug!(captured = n, largest, rate = self.rate, "microphone frame taken short");
        }
    }
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
        let (b, l, lat, d) = (buffer.clone(), largest.clone(), latency.clone(), delivered.clone());
        let build = move |device: &cpal::Device, config: cpal::StreamConfig, format, xruns: &Arc<AtomicU64>| {
            let channels = usize::from(config.channels.max(1));
            // A whole frame at the device's rate.
            let whole = FRAME * config.sample_rate as usize / SAMPLE_RATE as usize;
            let (b, l, lat, d) = (b.clone(), l.clone(), lat.clone(), d.clone());
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
            let err = stream_error("microphone", xruns.clone());
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
        let capture = Capture { converter: converter_for(rate, Direction::Input, max)?, rate, shortfalls: 0 };
        Ok(Self { buffer, largest, max, capture, latency, delivered, stream })
    }

    /// The device period asked for: 5 ms, longer once the device kept
    /// falling behind.
    #[must_use]
    pub fn period(&self) -> Duration {
        self.stream.period()
    }

    /// Frames the call took with fewer samples captured than a frame (the
    /// rest filled with silence), once the device had delivered: capture
    /// underruns.
    #[must_use]
    pub fn shortfalls(&self) -> u64 {
        self.capture.shortfalls
    }
}

impl AudioSource for Microphone {
    fn next_frame(&mut self, frame: &mut [i16]) {
        let mut buf = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        self.capture.take(&mut buf, self.largest.load(Ordering::Relaxed), frame);
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
        Some(self.stream.xruns())
    }

    /// A whole frame captured, or the device not delivering at all yet
    /// (nothing to wait for).
    fn ready(&self) -> bool {
        if self.largest.load(Ordering::Relaxed) == 0 {
            return true;
        }
        let held = self.buffer.lock().unwrap_or_else(PoisonError::into_inner).len();
        match &self.capture.converter {
            None => held >= FRAME,
            Some(c) => c.ready() + held * SAMPLE_RATE as usize / self.capture.rate.max(1) as usize >= FRAME,
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
    /// How the callbacks kept time, for finding where an xrun came from.
    timing: Arc<CallbackTiming>,
    stream: StreamThread,
}

/// How an output device's callbacks kept time: the longest one took (our
/// mixing, and whatever it waited for), and the longest between the starts
/// of two (the thread not run, or held in the audio system), in µs.
#[derive(Debug, Default)]
pub struct CallbackTiming {
    longest_run: AtomicU64,
    longest_between: AtomicU64,
}

impl CallbackTiming {
    /// The longest a callback took, and the longest from the start of one
    /// to the start of the next, since the last time they were taken (or
    /// the device was opened); both start again from nothing.
    pub fn take(&self) -> (Duration, Duration) {
        let take = |max: &AtomicU64| Duration::from_micros(max.swap(0, Ordering::Relaxed));
        (take(&self.longest_run), take(&self.longest_between))
    }

    /// One callback that started at `started` (the one before at
    /// `previous`), on a device whose buffer holds `buffer_us`.
    fn record(&self, previous: Option<Instant>, started: Instant, buffer_us: u64) {
        let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let run = us(started.elapsed());
        let between = previous.map_or(0, |p| us(started.saturating_duration_since(p)));
        self.longest_run.fetch_max(run, Ordering::Relaxed);
        self.longest_between.fetch_max(between, Ordering::Relaxed);
        if run > 2_000 || between > buffer_us {
            tracing::debug!(run_us = run, between_us = between, buffer_us, "a speakers callback late or slow");
        }
    }
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

/// Records a callback's timing when it ends.
struct Timed<'a> {
    timing: &'a CallbackTiming,
    previous: Option<Instant>,
    started: Instant,
    /// How long the device's buffer lasts (two of its periods, the
    /// callback's size), in µs.
    buffer_us: u64,
}

impl Drop for Timed<'_> {
    fn drop(&mut self) {
        self.timing.record(self.previous, self.started, self.buffer_us);
    }
}

impl Speakers {
    /// The device period asked for: 10 ms, longer once the device kept
    /// falling behind.
    #[must_use]
    pub fn period(&self) -> Duration {
        self.stream.period()
    }

    /// How the device's callbacks have kept time since it was opened.
    #[must_use]
    pub fn timing(&self) -> &CallbackTiming {
        &self.timing
    }

    /// Opens the speakers `id` (the system's default when `None`). They play
    /// silence until a call [pulls](AudioSink::pull) through them.
    ///
    /// # Errors
    /// See [`DeviceError`].
    pub fn open(id: Option<&str>) -> Result<Self, DeviceError> {
        let player: Arc<Mutex<Option<Player>>> = Arc::default();
        let latency: Latency = Arc::default();
        let timing: Arc<CallbackTiming> = Arc::default();
        let (p, lat, tm) = (player.clone(), latency.clone(), timing.clone());
        let build = move |device: &cpal::Device, config: cpal::StreamConfig, format, xruns: &Arc<AtomicU64>| {
            let channels = usize::from(config.channels.max(1));
            let rate = u64::from(config.sample_rate.max(1));
            let (p, lat, tm) = (p.clone(), lat.clone(), tm.clone());
            let mut previous = None;
            // Calls `write` with each sample to play, once per channel frame.
            let mut fill = move |frames: usize, info: &cpal::OutputCallbackInfo, write: &mut dyn FnMut(usize, i16)| {
                let started = Instant::now();
                let buffer_us = 2 * frames as u64 * 1_000_000 / rate;
                let _timed = Timed { timing: &tm, previous, started, buffer_us };
                previous = Some(started);
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
            let err = stream_error("speaker", xruns.clone());
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
        Ok(Self { player, rate, latency, timing, stream })
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
        Some(self.stream.xruns())
    }
}

/// A stream's error callback: counts the device's xruns (its callback came
/// late) in `xruns`, and logs the errors, one a second at most (a stream
/// recovering from an xrun through PulseAudio reports hundreds of I/O errors
/// within a few milliseconds).
fn stream_error(device: &'static str, xruns: Arc<AtomicU64>) -> impl FnMut(cpal::Error) + Send + 'static {
    let (mut quiet_until, mut unlogged) = (None::<Instant>, 0_u64);
    move |e: cpal::Error| {
        if e.kind() == cpal::ErrorKind::Xrun {
            xruns.fetch_add(1, Ordering::Relaxed);
        }
        let now = Instant::now();
        if quiet_until.is_some_and(|until| now < until) {
            unlogged += 1;
            return;
        }
        warn!(error = %e, device, unlogged, "audio stream error (unlogged: the ones in the second before)");
        (quiet_until, unlogged) = (Some(now + Duration::from_secs(1)), 0);
    }
}

/// After the call took a frame of captured audio: never more left waiting
/// than one delivery of the device (`largest`; at least 10 ms: what the
/// device delivers between two of the call's ticks comes unevenly against
/// them). A backlog (the call started late, or stalled) would be heard as
/// delay for the rest of the call: the oldest goes.
fn trim_capture(buf: &mut VecDeque<i16>, largest: usize) {
    let excess = buf.len().saturating_sub(capture_kept(largest));
    buf.drain(..excess);
}

/// What may wait for the call's next frame: one delivery of the device
/// (`largest`), at least 10 ms.
fn capture_kept(largest: usize) -> usize {
    largest.max(samples_in_ms(10))
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

    /// The same at the rates microphones run at besides 48 kHz: a USB
    /// headset's 44.1 kHz, a Bluetooth headset's 16 kHz (converted).
    #[test]
    fn a_capture_backlog_is_gone_by_the_next_frame_at_any_device_rate() {
        for rate in [48_000, 44_100, 16_000] {
            let period = rate as usize / 100; // 10 ms at the device's rate
            let max = samples_in(Duration::from_millis(100));
            let mut capture =
                Capture { converter: converter_for(rate, Direction::Input, max).unwrap(), rate, shortfalls: 0 };
            let waiting = |capture: &Capture, buf: &VecDeque<i16>| {
                capture.converter.as_ref().map_or(0, RateConverter::ready) + buf.len() * 48_000 / rate as usize
            };
            let mut buf: VecDeque<i16> = VecDeque::new();
            let mut frame = vec![0i16; FRAME];
            // Steady at first: two deliveries per frame.
            for _ in 0..10 {
                buf.extend(std::iter::repeat_n(1_000, 2 * period));
                capture.take(&mut buf, period, &mut frame);
            }
            let steady = waiting(&capture, &buf);
            // The call stalled for 300 ms while the device kept delivering.
            buf.extend(std::iter::repeat_n(1_000, 30 * period));
            capture.take(&mut buf, period, &mut frame);
            assert!(
                waiting(&capture, &buf) <= 480,
                "{rate} Hz: {} samples wait after the stall",
                waiting(&capture, &buf)
            );
            // Steady again: every frame whole, nothing more dropped, no
            // more waiting than before the stall.
            for _ in 0..100 {
                buf.extend(std::iter::repeat_n(1_000, 2 * period));
                capture.take(&mut buf, period, &mut frame);
                assert!(frame.iter().all(|&s| s != 0), "{rate} Hz: a frame taken short");
                assert!(waiting(&capture, &buf) <= steady.max(480), "{rate} Hz: the backlog grows");
            }
            assert_eq!(capture.shortfalls, 0, "{rate} Hz");
            // The device stops delivering: the frame is short and counted.
            capture.take(&mut buf, period, &mut frame);
            capture.take(&mut buf, period, &mut frame);
            assert!(capture.shortfalls >= 1, "{rate} Hz: a short frame not counted");
        }
    }

    #[test]
    fn a_device_that_falls_behind_twice_in_five_minutes_gets_a_longer_period_and_once_does_not() {
        let (t0, s) = (Instant::now(), Duration::from_secs);
        let mut falling = Falling::new(0, t0);
        // Twice as the stream starts: not counted.
        assert!(!falling.behind(2, t0 + Duration::from_millis(500)));
        let mut falling = Falling::new(0, t0);
        assert!(!falling.behind(0, t0));
        // Once (the whole computer stalled a moment): kept as it is.
        assert!(!falling.behind(1, t0 + s(1)));
        // Again, more than five minutes later: still kept.
        assert!(!falling.behind(2, t0 + s(302)));
        assert!(!falling.behind(2, t0 + s(310)));
        // Again within five minutes (68 s, as in a benchmark run): time for
        // a longer period.
        assert!(falling.behind(3, t0 + s(370)));
        // Counted afresh after that: once more is not twice.
        assert!(!falling.behind(4, t0 + s(371)));
        // Twice between two looks.
        assert!(falling.behind(6, t0 + s(800)));
    }

    #[test]
    fn periods_are_asked_for_in_the_devices_frames_within_what_it_supports() {
        let range = cpal::SupportedBufferSize::Range { min: 64, max: 4_096 };
        assert_eq!(buffer_size(&range, 48_000, 5), cpal::BufferSize::Fixed(240));
        assert_eq!(buffer_size(&range, 44_100, 10), cpal::BufferSize::Fixed(441));
        let narrow = cpal::SupportedBufferSize::Range { min: 512, max: 4_096 };
        assert_eq!(buffer_size(&narrow, 48_000, 5), cpal::BufferSize::Fixed(512));
        assert_eq!(buffer_size(&cpal::SupportedBufferSize::Unknown, 48_000, 5), cpal::BufferSize::Default);
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
