//! Calls: one at a time. The microphone, speakers and camera are the ones
//! chosen in the call's device picker (kept in the settings), else the
//! system's defaults. A machine without a microphone joins muted (and says
//! why); without speakers nothing plays; without a camera the camera button
//! says so. `PQ_VOICE_UDP` (comma-separated) picks the local addresses for
//! peer connections (default every interface; the UI tests use loopback).
//! `PQ_FAKE_CAMERA=1` replaces the camera with a moving test pattern (like
//! Chromium's fake capture device: for machines without one, such as CI).
//!
//! Pictures reach the UI over a binary IPC channel ([`encode_picture`]), not
//! as JSON: 16 bytes of user id, width and height (u32, little-endian), then
//! the I420 planes. The UI draws them on canvases.

use std::time::Duration;

use pq_core::{
    protocol::{ChannelId, UserId},
    voice::{
        AudioSink, AudioSource, Call, CallInfo, Camera, DeviceInfo, Devices, FrameSource, JoinOptions, Microphone,
        NullSink, Processing, SilenceSource, Speakers, TestPattern, VideoFrame,
    },
};
use tauri::{Manager, ipc::InvokeResponseBody};
use tokio::sync::broadcast::error::RecvError;
use tracing::warn;

use crate::{CommandError, Desktop, lock};

/// What joining a room gives the UI.
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
pub struct JoinedCall {
    /// The call.
    pub info: CallInfo,
    /// Something to tell the person (no microphone found, …).
    pub notice: Option<String>,
}

/// Microphones, speakers and cameras.
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
pub struct MediaDevices {
    /// Microphones and speakers.
    pub audio: Devices,
    /// Cameras.
    pub cameras: Vec<DeviceInfo>,
}

/// The call and the task that hands its pictures to the UI (stopped when
/// the call goes).
pub(crate) struct ActiveCall {
    call: Call,
    pictures: tauri::async_runtime::JoinHandle<()>,
}

/// A picture for the UI: 16 bytes of user id, width and height (u32 LE),
/// then the I420 planes.
#[must_use]
pub fn encode_picture(frame: &VideoFrame) -> Vec<u8> {
    let p = &frame.picture;
    let mut out = Vec::with_capacity(24 + p.data.len());
    out.extend_from_slice(frame.user_id.0.as_bytes());
    out.extend_from_slice(&p.width.to_le_bytes());
    out.extend_from_slice(&p.height.to_le_bytes());
    out.extend_from_slice(&p.data);
    out
}

fn open_microphone(id: Option<&str>) -> (Box<dyn AudioSource>, Option<String>) {
    match Microphone::open(id, Duration::from_millis(100)) {
        Ok(m) => (Box::new(m), None),
        Err(e) => (
            Box::new(SilenceSource),
            Some(format!("You can listen, but not speak: {}.", e.to_string().trim_end_matches('.'))),
        ),
    }
}

fn open_speakers(id: Option<&str>) -> Box<dyn AudioSink> {
    match Speakers::open(id) {
        Ok(s) => Box::new(s),
        Err(e) => {
            warn!(error = %e, "no speakers: the call plays nothing");
            Box::new(NullSink)
        }
    }
}

impl Desktop {
    /// Joins a voice room (leaving any call first).
    pub(crate) async fn join_voice(&self, channel: ChannelId) -> Result<JoinedCall, CommandError> {
        self.leave_voice().await;
        let client = self.client()?;
        let settings = lock(&self.settings).clone();
        let (source, notice) = open_microphone(settings.microphone.as_deref());
        let sink = open_speakers(settings.speakers.as_deref());
        let udp_addrs = std::env::var("PQ_VOICE_UDP")
            .map(|v| v.split(',').map(str::to_owned).collect())
            .unwrap_or_else(|_| vec!["0.0.0.0:0".to_owned()]);
        let call = client
            .join_voice(
                channel,
                JoinOptions {
                    source,
                    sink,
                    muted: notice.is_some(),
                    camera: None,
                    processing: Processing::ALL,
                    udp_addrs,
                },
            )
            .await?;
        call.set_push_to_talk(settings.push_to_talk);
        let info = call.info();
        let mut frames = call.video_frames();
        let app = self.app.clone();
        let pictures = tauri::async_runtime::spawn(async move {
            loop {
                match frames.recv().await {
                    Ok(frame) => app.state::<Desktop>().send_picture(&frame),
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                }
            }
        });
        *lock(&self.call) = Some(ActiveCall { call, pictures });
        crate::tray::update(&self.app, self);
        Ok(JoinedCall { info, notice })
    }

    fn send_picture(&self, frame: &VideoFrame) {
        let mut subscribers = lock(&self.video_subscribers);
        if subscribers.is_empty() {
            return;
        }
        let bytes = encode_picture(frame);
        subscribers.retain(|c| c.send(InvokeResponseBody::Raw(bytes.clone())).is_ok());
    }

    /// Leaves the call, if any.
    pub(crate) async fn leave_voice(&self) {
        let active = lock(&self.call).take();
        if let Some(active) = active {
            active.pictures.abort();
            active.call.leave().await;
            crate::tray::update(&self.app, self);
        }
    }

    /// The call now, if any (`None` once it ended).
    /// The UI reads it twice a second during a call, which also keeps the
    /// tray's call items in step (microphone muted, call over).
    pub(crate) fn call_info(&self) -> Option<CallInfo> {
        let info = {
            let mut call = lock(&self.call);
            let info = call.as_ref().map(|a| a.call.info());
            if info.as_ref().is_some_and(|i| matches!(i.state, pq_core::voice::CallState::Left { .. })) {
                // Ended from elsewhere (moved, disconnected): say so once, then forget it.
                if let Some(active) = call.take() {
                    active.pictures.abort();
                }
            }
            info
        };
        if *lock(&self.tray_call) != self.tray_call_state() {
            crate::tray::update(&self.app, self);
        }
        info
    }

    /// The call as the tray shows it: `Some(microphone muted)` while in one.
    pub(crate) fn tray_call_state(&self) -> Option<bool> {
        lock(&self.call).as_ref().map(|a| a.call.info().me.is_some_and(|m| m.self_mute))
    }

    fn with_call<T>(&self, f: impl FnOnce(&Call) -> T) -> Result<T, CommandError> {
        let call = lock(&self.call);
        let active = call.as_ref().ok_or_else(|| CommandError::new("voice", "You are not in a call."))?;
        Ok(f(&active.call))
    }

    /// Mutes or deafens me in the call.
    pub(crate) fn set_voice(&self, muted: Option<bool>, deafened: Option<bool>) -> Result<(), CommandError> {
        self.with_call(|call| {
            if let Some(m) = muted {
                call.set_muted(m);
            }
            if let Some(d) = deafened {
                call.set_deafened(d);
            }
        })
    }

    /// Turns my camera on (the chosen one, else the first) or off.
    pub(crate) async fn set_camera(&self, on: bool) -> Result<(), CommandError> {
        self.with_call(|_| ())?;
        let source: Option<Box<dyn FrameSource>> = if !on {
            None
        } else if std::env::var_os("PQ_FAKE_CAMERA").is_some() {
            Some(Box::new(TestPattern::new(640, 360, (110, 160, 100))))
        } else {
            let id = lock(&self.settings).camera.clone();
            let camera = tokio::task::spawn_blocking(move || Camera::open(id.as_deref()))
                .await
                .map_err(|e| CommandError::new("camera", e.to_string()))?
                .map_err(|e| CommandError::new("camera", capitalised(&e.to_string())))?;
            Some(Box::new(camera))
        };
        self.with_call(|call| call.set_camera(source))
    }

    /// My own settings for someone in the call.
    pub(crate) fn set_peer(
        &self,
        user: UserId,
        volume: Option<f32>,
        muted: Option<bool>,
        video_hidden: Option<bool>,
    ) -> Result<(), CommandError> {
        self.with_call(|call| {
            if let Some(v) = volume {
                call.set_volume(user, v);
            }
            if let Some(m) = muted {
                call.set_locally_muted(user, m);
            }
            if let Some(h) = video_hidden {
                call.set_video_hidden(user, h);
            }
        })
    }

    /// The push-to-talk key went down or up.
    pub(crate) fn set_talking(&self, talking: bool) -> Result<(), CommandError> {
        self.with_call(|call| call.set_talking(talking))
    }

    /// Switches devices (the call's, at once, and the saved choice). `Some("")`
    /// goes back to the system's default. A camera that is on switches too.
    pub(crate) async fn set_devices(
        &self,
        microphone: Option<String>,
        speakers: Option<String>,
        camera: Option<String>,
    ) -> Result<Option<String>, CommandError> {
        let (notice, switch_camera) = self.switch_devices(microphone, speakers, camera)?;
        if switch_camera {
            self.set_camera(true).await?;
        }
        Ok(notice)
    }

    /// The synchronous part of [`Desktop::set_devices`]: saves the choice,
    /// switches the call's microphone and speakers; returns a notice and
    /// whether a camera that is on must switch.
    fn switch_devices(
        &self,
        microphone: Option<String>,
        speakers: Option<String>,
        camera: Option<String>,
    ) -> Result<(Option<String>, bool), CommandError> {
        let mut settings = lock(&self.settings).clone();
        let pick = |v: String| (!v.is_empty()).then_some(v);
        let mut notice = None;
        let call = lock(&self.call);
        if let Some(m) = microphone {
            settings.microphone = pick(m);
            if let Some(active) = call.as_ref() {
                let (source, n) = open_microphone(settings.microphone.as_deref());
                notice = n;
                active.call.set_source(source);
            }
        }
        if let Some(s) = speakers {
            settings.speakers = pick(s);
            if let Some(active) = call.as_ref() {
                active.call.set_sink(open_speakers(settings.speakers.as_deref()));
            }
        }
        let camera_on = call.as_ref().is_some_and(|a| a.call.info().me.is_some_and(|m| m.camera));
        let switch_camera = camera.is_some() && camera_on;
        if let Some(c) = camera {
            settings.camera = pick(c);
        }
        drop(call);
        self.set_settings(settings)?;
        Ok((notice, switch_camera))
    }

    /// Push-to-talk on or off (saved; applies to the call at once).
    pub(crate) fn set_push_to_talk(&self, enabled: bool) -> Result<(), CommandError> {
        let mut settings = lock(&self.settings).clone();
        settings.push_to_talk = enabled;
        self.set_settings(settings)?;
        if let Some(active) = lock(&self.call).as_ref() {
            active.call.set_push_to_talk(enabled);
        }
        Ok(())
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Every microphone, speaker and camera.
#[must_use]
pub fn media_devices() -> MediaDevices {
    MediaDevices { audio: pq_core::voice::devices::list(), cameras: pq_core::voice::camera::list() }
}
