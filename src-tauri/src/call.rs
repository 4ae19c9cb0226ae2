//! Calls: one at a time, with the default microphone and speakers. A machine
//! without a microphone joins muted (and says why); without speakers nothing
//! plays. `PQ_VOICE_UDP` (comma-separated) picks the local addresses for peer
//! connections (default every interface; the UI tests use loopback).

use std::time::Duration;

use pq_core::{
    protocol::ChannelId,
    voice::{AudioSink, AudioSource, Call, CallInfo, JoinOptions, Microphone, NullSink, SilenceSource, Speakers},
};
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

impl Desktop {
    /// Joins a voice room (leaving any call first).
    pub(crate) async fn join_voice(&self, channel: ChannelId) -> Result<JoinedCall, CommandError> {
        self.leave_voice().await;
        let client = self.client()?;
        let (source, notice): (Box<dyn AudioSource>, Option<String>) = match Microphone::open(None, Duration::from_millis(100))
        {
            Ok(m) => (Box::new(m), None),
            Err(e) => (
                Box::new(SilenceSource),
                Some(format!("You can listen, but not speak: {}.", e.to_string().trim_end_matches('.'))),
            ),
        };
        let sink: Box<dyn AudioSink> = match Speakers::open(None, Duration::from_millis(200)) {
            Ok(s) => Box::new(s),
            Err(e) => {
                warn!(error = %e, "no speakers: the call plays nothing");
                Box::new(NullSink)
            }
        };
        let udp_addrs = std::env::var("PQ_VOICE_UDP")
            .map(|v| v.split(',').map(str::to_owned).collect())
            .unwrap_or_else(|_| vec!["0.0.0.0:0".to_owned()]);
        let call = client.join_voice(channel, JoinOptions { source, sink, muted: notice.is_some(), camera: None, udp_addrs }).await?;
        let info = call.info();
        *lock(&self.call) = Some(call);
        Ok(JoinedCall { info, notice })
    }

    /// Leaves the call, if any.
    pub(crate) async fn leave_voice(&self) {
        let call = lock(&self.call).take();
        if let Some(call) = call {
            call.leave().await;
        }
    }

    /// The call now, if any (`None` once it ended).
    pub(crate) fn call_info(&self) -> Option<CallInfo> {
        let mut call = lock(&self.call);
        let info = call.as_ref().map(Call::info);
        if info.as_ref().is_some_and(|i| matches!(i.state, pq_core::voice::CallState::Left { .. })) {
            // Ended from elsewhere (moved, disconnected): say so once, then forget it.
            *call = None;
        }
        info
    }

    /// Mutes or deafens me in the call.
    pub(crate) fn set_voice(&self, muted: Option<bool>, deafened: Option<bool>) -> Result<(), CommandError> {
        let call = lock(&self.call);
        let call = call.as_ref().ok_or_else(|| CommandError::new("voice", "You are not in a call."))?;
        if let Some(m) = muted {
            call.set_muted(m);
        }
        if let Some(d) = deafened {
            call.set_deafened(d);
        }
        Ok(())
    }
}
