//! Voice and video calls: a full WebRTC mesh in a voice room.
//!
//! pq-server seats people in rooms and relays signaling (see
//! [`pq_protocol::voice`]); media flows directly between the clients. Each
//! client holds one peer connection per other person ([`peer`]), sends its
//! microphone as Opus (20 ms frames, in-band FEC) and mixes what arrives
//! ([`call`]). Audio devices are behind [`AudioSource`] / [`AudioSink`].
//!
//! Devices ([`devices`]): cpal microphones and speakers at 48 kHz.
//!
//! Not built yet (see the issue): video (VP8), resampling of devices that do
//! not run at 48 kHz, echo cancellation, per-peer volume.

pub mod audio;
pub(crate) mod call;
pub mod devices;
mod peer;

pub use audio::{AudioSink, AudioSource, NullSink, SilenceSource, ToneSource, dominant_frequency, goertzel, rms};
pub use call::{Call, CallInfo, CallState, JoinOptions, Participant};
pub use devices::{DeviceError, DeviceInfo, Devices, Microphone, Speakers};
