//! Servers' scheduled events as the app keeps them, and the reminders for
//! those I am interested in: 10 minutes before an occurrence and when it
//! starts. The app keeps the time, so a reminder missed while it was closed
//! comes when it opens (within the occurrence), and each is given once —
//! what was given is kept in the cache (`meta` `reminded`) across restarts.

use std::{
    collections::{HashMap, HashSet},
    sync::{PoisonError, Weak},
    time::Duration,
};

use pq_protocol::{EventId, ServerId, Timestamp, models::ScheduledEvent};

use super::{Event, Shared};
use crate::error::Result;

/// How long before an occurrence the first reminder comes.
pub const SOON_MS: i64 = 10 * 60_000;
/// How often the app looks for reminders due.
const TICK: Duration = Duration::from_secs(15);
/// Reminders remembered (oldest forgotten first).
const REMEMBERED: usize = 500;

/// Every server's events, and the reminders given.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    pub(crate) events: HashMap<ServerId, Vec<ScheduledEvent>>,
    pub(crate) reminded: Vec<String>,
}

impl Shared {
    /// Replaces a server's events (from `ready` or `server_joined`).
    pub(crate) fn set_events(&self, server: ServerId, events: Vec<ScheduledEvent>) -> Result<()> {
        self.change_schedule(|s| {
            s.events.insert(server, events);
        })
    }

    /// Keeps only the events of `servers`.
    pub(crate) fn retain_events(&self, servers: &HashSet<ServerId>) -> Result<()> {
        self.change_schedule(|s| s.events.retain(|k, _| servers.contains(k)))
    }

    /// An event as it is now.
    pub(crate) fn upsert_event(&self, event: ScheduledEvent) -> Result<()> {
        self.change_schedule(|s| {
            let list = s.events.entry(event.server_id).or_default();
            match list.iter_mut().find(|e| e.id == event.id) {
                Some(e) => *e = event,
                None => list.push(event),
            }
            list.sort_by_key(|e| e.starts_at);
        })
    }

    /// An event that was cancelled.
    pub(crate) fn remove_event(&self, server: ServerId, id: EventId) -> Result<()> {
        self.change_schedule(|s| {
            if let Some(list) = s.events.get_mut(&server) {
                list.retain(|e| e.id != id);
            }
        })
    }

    fn change_schedule(&self, change: impl FnOnce(&mut Schedule)) -> Result<()> {
        let events = {
            let mut s = self.schedule.lock().unwrap_or_else(PoisonError::into_inner);
            change(&mut s);
            s.events.clone()
        };
        self.store()?.set_meta("events", &events)?;
        self.emit(Event::ScheduleChanged);
        self.remind()
    }

    /// Gives the reminders due now for the events I am interested in.
    pub(crate) fn remind(&self) -> Result<()> {
        let Some(me) = self.me().map(|m| m.id) else { return Ok(()) };
        let now = Timestamp::now();
        let mut due = Vec::new();
        {
            let mut s = self.schedule.lock().unwrap_or_else(PoisonError::into_inner);
            let candidates: Vec<ScheduledEvent> =
                s.events.values().flatten().filter(|e| e.interested.contains(&me)).cloned().collect();
            for e in candidates {
                let Some((start, end)) = e.occurrence(now) else { continue };
                let key = |kind: &str| format!("{}@{}@{kind}", e.id, start.as_millis());
                let (soon, started) = (key("soon"), key("start"));
                if s.reminded.contains(&started) {
                    continue;
                }
                if now >= start && now < end {
                    // Opened late: one reminder, that it has started.
                    s.reminded.push(started);
                    s.reminded.push(soon);
                    due.push((e, start, 0));
                } else if now.as_millis() >= start.as_millis() - SOON_MS && !s.reminded.contains(&soon) {
                    s.reminded.push(soon);
                    let minutes = ((start.as_millis() - now.as_millis()) as f64 / 60_000.0).ceil() as u32;
                    due.push((e, start, minutes.max(1)));
                }
            }
            if !due.is_empty() {
                let over = s.reminded.len().saturating_sub(REMEMBERED);
                s.reminded.drain(..over);
            }
        }
        if due.is_empty() {
            return Ok(());
        }
        let reminded = self.schedule.lock().unwrap_or_else(PoisonError::into_inner).reminded.clone();
        self.store()?.set_meta("reminded", &reminded)?;
        for (event, starts_at, minutes) in due {
            self.emit(Event::EventReminder { event, starts_at, minutes });
        }
        Ok(())
    }
}

/// Looks for reminders due every few seconds until the client is gone.
pub(crate) fn spawn_ticker(shared: Weak<Shared>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            let Some(shared) = shared.upgrade() else { return };
            if let Err(e) = shared.remind() {
                tracing::debug!(error = %e, "no reminders now");
            }
        }
    });
}
