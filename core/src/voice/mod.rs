//! Voice and video calls: a full WebRTC mesh in a voice room.
//!
//! pq-server seats people in rooms and relays signaling (see
//! [`pq_protocol::voice`]); media flows directly between the clients. Each
//! client holds one peer connection per other person ([`peer`]), sends its
//! microphone as Opus (10 ms frames, in-band FEC) and mixes what arrives
//! ([`call`]). Audio devices are behind [`AudioSource`] / [`AudioSink`].
//!
//! Devices ([`devices`]): cpal microphones and speakers, converted to and
//! from 48 kHz ([`resample`]) when they run at another rate; cameras through
//! nokhwa ([`camera`]). Video ([`video`]): VP8 through libvpx (`pq-vpx`), a
//! size that shrinks as the room grows.
//!
//! The microphone goes through echo cancellation, noise suppression and gain
//! control ([`processing`], WebRTC's audio processing in Rust) when asked.

pub mod audio;
pub(crate) mod call;
pub mod camera;
pub mod devices;
mod jitter;
mod peer;
pub mod processing;
pub mod resample;
pub mod video;

pub use audio::{
    AudioSink, AudioSource, NullSink, SilenceSource, ToneSource, dominant_frequency, goertzel, goertzel_power, rms,
};
pub use call::{Call, CallInfo, CallState, JoinOptions, Participant, RoomAudio};
pub use camera::Camera;
pub use devices::{CallbackTiming, DeviceError, DeviceInfo, Devices, Microphone, Speakers};
pub use processing::Processing;
pub use video::{FrameSource, I420, TestPattern, VideoFrame, VideoQuality};
