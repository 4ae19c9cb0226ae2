//! The uploader: the files of unsent messages go to the server one at a
//! time, in outbox order, before their message. Each upload's result is
//! written to the outbox entry durably before the next starts, so a file
//! is uploaded once however often the network drops or pq restarts after
//! the server answered (one that broke off before the answer is uploaded
//! again; the server forgets the orphan). When an entry's last file is up,
//! the engine is asked to read the outbox again and the message goes with
//! its client id, exactly once, like any other.

use std::{
    sync::{Arc, Mutex, PoisonError, Weak},
    time::{Duration, Instant},
};

use pq_protocol::{ChannelId, ClientMessageId};
use tokio::sync::{Notify, mpsc};
use tracing::{debug, warn};

use super::{Command, ConnectionState, Event, Shared};
use crate::store::{OutboxEntry, OutboxState};

/// How long to wait before trying again after the network failed.
const RETRY: Duration = Duration::from_secs(3);

/// What the uploader shares with the client.
#[derive(Debug, Default)]
pub(crate) struct Uploads {
    wake: Notify,
    /// The upload going on (its entry), to cancel it.
    current: Mutex<Option<(ClientMessageId, tokio::task::AbortHandle)>>,
}

impl Uploads {
    /// Something new to upload (or the network is back).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops the upload of `client_id`'s files, if one is going on.
    pub(crate) fn cancel(&self, client_id: ClientMessageId) {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((id, handle)) = current.as_ref()
            && *id == client_id
        {
            handle.abort();
        }
    }
}

/// Starts the uploader; it ends with the client.
pub(crate) fn spawn(shared: Weak<Shared>, commands: mpsc::Sender<Command>) {
    tokio::spawn(async move {
        let mut online = match shared.upgrade() {
            Some(s) => s.connection.subscribe(),
            None => return,
        };
        loop {
            let Some(s) = shared.upgrade() else { return };
            let wait = match step(&s, &commands).await {
                Step::Again => continue,
                Step::Idle => None,
                Step::Later => Some(RETRY),
            };
            let uploads = s.uploads.clone();
            drop(s);
            tokio::select! {
                () = uploads.wake.notified() => {}
                changed = online.changed() => if changed.is_err() { return },
                () = tokio::time::sleep(wait.unwrap_or(Duration::from_secs(3600))) => {}
            }
        }
    });
}

enum Step {
    /// Did something; look again at once.
    Again,
    /// Nothing to do.
    Idle,
    /// Could not reach the server; try again in a while.
    Later,
}

/// The first pending entry with a file not uploaded yet.
fn next(s: &Shared) -> Option<(OutboxEntry, usize)> {
    let entries = s.store().ok()?.outbox().ok()?;
    entries.into_iter().filter(|e| e.state == OutboxState::Pending).find_map(|e| {
        let n = e.files.iter().position(|f| f.uploaded.is_none())?;
        Some((e, n))
    })
}

async fn step(s: &Arc<Shared>, commands: &mpsc::Sender<Command>) -> Step {
    if !matches!(*s.connection.borrow(), ConnectionState::Online | ConnectionState::Syncing { .. }) {
        return Step::Idle;
    }
    let Some((entry, n)) = next(s) else { return Step::Idle };
    let Some(files) = s.files() else { return Step::Idle };
    let path = files.outbox_file(entry.client_id, n);
    let total = entry.files[n].size;
    let name = entry.files[n].name.clone();
    let progress = progress_reporter(s, entry.client_id, entry.channel_id, n, total);
    let api = s.api.clone();
    let channel = entry.channel_id;
    let task = tokio::spawn(async move { api.upload_attachment(channel, &name, &path, progress).await });
    *s.uploads.current.lock().unwrap_or_else(PoisonError::into_inner) = Some((entry.client_id, task.abort_handle()));
    let result = task.await;
    *s.uploads.current.lock().unwrap_or_else(PoisonError::into_inner) = None;
    match result {
        Err(_) => {
            debug!(client_id = %entry.client_id, "upload cancelled");
            Step::Again
        }
        Ok(Ok(file)) => {
            let updated =
                s.store().ok().and_then(|mut st| st.outbox_uploaded(entry.client_id, n, &file).ok().flatten());
            match updated {
                Some(e) => {
                    let done = e.uploaded();
                    s.emit(Event::Outbox { entry: e });
                    if done {
                        let _ = commands.send(Command::Reload).await;
                    }
                }
                // Discarded meanwhile: the server forgets the orphan.
                None => files.drop_outbox(entry.client_id),
            }
            Step::Again
        }
        Ok(Err(e)) if e.is_unreachable() || e.needs_sign_in() || matches!(e, crate::api::ApiError::Network { .. }) => {
            debug!(error = %e, "upload failed; trying again later");
            Step::Later
        }
        Ok(Err(e)) => {
            let retryable = e
                .code()
                .is_some_and(|c| matches!(c, pq_protocol::ErrorCode::RateLimited | pq_protocol::ErrorCode::Internal));
            if retryable {
                return Step::Later;
            }
            warn!(error = %e, "the server refused an upload");
            let reason = match &e {
                crate::api::ApiError::Server { body, .. } => body.message.clone(),
                other => other.to_string(),
            };
            if let Ok(mut st) = s.store() {
                let _ = st.outbox_fail(entry.client_id, &reason);
            }
            s.emit(Event::Outbox { entry: OutboxEntry { state: OutboxState::Failed { reason }, ..entry } });
            Step::Again
        }
    }
}

/// Reports an upload's progress as events, at most every 100 ms (and at
/// the end).
fn progress_reporter(
    s: &Arc<Shared>,
    client_id: ClientMessageId,
    channel_id: ChannelId,
    file: usize,
    total: u64,
) -> Arc<dyn Fn(u64) + Send + Sync> {
    let shared = Arc::downgrade(s);
    let last = Mutex::new(Instant::now() - Duration::from_secs(1));
    Arc::new(move |sent| {
        let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
        if sent < total && last.elapsed() < Duration::from_millis(100) {
            return;
        }
        *last = Instant::now();
        if let Some(s) = shared.upgrade() {
            s.emit(Event::UploadProgress { client_id, channel_id, file: file as u32, sent, total });
        }
    })
}
