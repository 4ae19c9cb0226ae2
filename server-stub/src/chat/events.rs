//! A server's schedule: events with a title, a description, a start, an
//! optional end, an optional voice channel and an optional weekly repeat.
//! Those with `manage_events` create, change and cancel them; any member
//! marks themselves interested (their apps remind them 10 minutes before and
//! at the start — the apps keep the time, so a reminder missed while an app
//! was closed comes when it opens, within the event).

use pq_protocol::{
    EventId, ServerId, UserId,
    gateway::Event,
    limits::{MAX_EVENTS_PER_SERVER, MAX_NAME_CHARS},
    models::{AuditAction, ChannelKind, EventSpec, Permission, ScheduledEvent},
};

use super::{
    Chat,
    access::{require, standing_in},
    audit::{self, Target},
    validate,
    writer::Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    gateway::Audience,
};

/// Longest description, in characters.
pub const MAX_EVENT_DESCRIPTION_CHARS: usize = 1000;

/// An event as asked for, checked: its title and description cleaned, its
/// end after its start, its channel a voice channel of `server` the caller sees.
fn checked(tx: &Tx<'_>, user: UserId, server: ServerId, spec: EventSpec) -> ApiResult<EventSpec> {
    let title = validate::name("title", &spec.title, MAX_NAME_CHARS)?;
    let description = match spec.description.as_deref() {
        Some(d) => validate::optional_text("description", d, MAX_EVENT_DESCRIPTION_CHARS, true)?,
        None => None,
    };
    if let Some(end) = spec.ends_at
        && end <= spec.starts_at
    {
        return Err(ApiError::invalid("ends_at", "an event must end after it starts"));
    }
    if let Some(ch) = spec.channel_id {
        let ok = tx.dir().channel(ch).is_some_and(|c| c.server == server && c.kind == ChannelKind::Voice)
            && tx.dir().can_see(ch, user);
        if !ok {
            return Err(ApiError::Conflict("channel_id is not a voice channel of this server".into()));
        }
    }
    Ok(EventSpec { title, description, ..spec })
}

/// Schedules an event (`manage_events`).
///
/// # Errors
/// 403, 404, 409 (a channel that is not a voice channel here; too many
/// events), 422.
pub fn create(tx: &mut Tx<'_>, user: UserId, server: ServerId, spec: EventSpec) -> ApiResult<ScheduledEvent> {
    require(&standing_in(tx.dir(), server, user)?, Permission::ManageEvents, "schedule events")?;
    let spec = checked(tx, user, server, spec)?;
    if tx.store().events_of(server)?.len() >= MAX_EVENTS_PER_SERVER {
        return Err(ApiError::Conflict(format!("a server can have at most {MAX_EVENTS_PER_SERVER} events")));
    }
    let event = ScheduledEvent {
        id: EventId::new(),
        server_id: server,
        title: spec.title,
        description: spec.description,
        starts_at: spec.starts_at,
        ends_at: spec.ends_at,
        channel_id: spec.channel_id,
        repeat: spec.repeat,
        creator_id: user,
        interested: vec![],
    };
    let now = tx.now();
    tx.store().insert_event(&event, now)?;
    announce(tx, user, AuditAction::EventScheduled, event)
}

/// Records a scheduled or changed event in the audit log and tells the
/// server's members.
fn announce(tx: &mut Tx<'_>, user: UserId, action: AuditAction, event: ScheduledEvent) -> ApiResult<ScheduledEvent> {
    let target = Target { detail: Some(event.title.clone()), ..Target::default() };
    audit::record(tx, event.server_id, action, user, target)?;
    tx.emit(Audience::Server(event.server_id), Event::ScheduleUpdated { event: event.clone() });
    Ok(event)
}

/// The event `id` where `user` is a member.
fn find(tx: &mut Tx<'_>, user: UserId, id: EventId) -> ApiResult<ScheduledEvent> {
    let event = tx.store().event(id)?.ok_or(ApiError::NotFound("event"))?;
    if !tx.dir().is_member(event.server_id, user) {
        return Err(ApiError::NotFound("event"));
    }
    Ok(event)
}

/// Changes an event (`manage_events`): the whole of it, as in `spec`.
///
/// # Errors
/// 403, 404, 409, 422.
pub fn update(tx: &mut Tx<'_>, user: UserId, id: EventId, spec: EventSpec) -> ApiResult<ScheduledEvent> {
    let old = find(tx, user, id)?;
    let server = old.server_id;
    require(&standing_in(tx.dir(), server, user)?, Permission::ManageEvents, "change events")?;
    let spec = checked(tx, user, server, spec)?;
    let event = ScheduledEvent {
        title: spec.title,
        description: spec.description,
        starts_at: spec.starts_at,
        ends_at: spec.ends_at,
        channel_id: spec.channel_id,
        repeat: spec.repeat,
        ..old
    };
    tx.store().update_event(&event)?;
    announce(tx, user, AuditAction::EventChanged, event)
}

/// Cancels an event (`manage_events`).
///
/// # Errors
/// 403, 404.
pub fn delete(tx: &mut Tx<'_>, user: UserId, id: EventId) -> ApiResult<()> {
    let event = find(tx, user, id)?;
    let server = event.server_id;
    require(&standing_in(tx.dir(), server, user)?, Permission::ManageEvents, "cancel events")?;
    tx.store().delete_event(id)?;
    audit::record(
        tx,
        server,
        AuditAction::EventCancelled,
        user,
        Target { detail: Some(event.title), ..Target::default() },
    )?;
    tx.emit(Audience::Server(server), Event::ScheduleDeleted { server_id: server, event_id: id });
    Ok(())
}

/// Marks `user` interested in an event, or not (any member). Doing what is
/// already so changes nothing.
///
/// # Errors
/// 404.
pub fn interest(tx: &mut Tx<'_>, user: UserId, id: EventId, on: bool) -> ApiResult<ScheduledEvent> {
    let event = find(tx, user, id)?;
    if event.interested.contains(&user) == on {
        return Ok(event);
    }
    tx.store().set_interest(id, user, on)?;
    let event = tx.store().event(id)?.ok_or(ApiError::NotFound("event"))?;
    tx.emit(Audience::Server(event.server_id), Event::ScheduleUpdated { event: event.clone() });
    Ok(event)
}

impl Chat {
    /// A server's events, by first start.
    ///
    /// # Errors
    /// 404 when not a member.
    pub async fn events(&self, user: UserId, server: ServerId) -> ApiResult<Vec<ScheduledEvent>> {
        standing_in(&self.dir.read(), server, user)?;
        Ok(self.reads.read(move |s| s.events_of(server)).await?)
    }

    /// Schedules an event.
    ///
    /// # Errors
    /// See [`create`].
    pub async fn create_event(&self, user: UserId, server: ServerId, spec: EventSpec) -> ApiResult<ScheduledEvent> {
        self.writer.run(move |tx| create(tx, user, server, spec)).await
    }

    /// Changes an event.
    ///
    /// # Errors
    /// See [`update`].
    pub async fn update_event(&self, user: UserId, id: EventId, spec: EventSpec) -> ApiResult<ScheduledEvent> {
        self.writer.run(move |tx| update(tx, user, id, spec)).await
    }

    /// Cancels an event.
    ///
    /// # Errors
    /// See [`delete`].
    pub async fn delete_event(&self, user: UserId, id: EventId) -> ApiResult<()> {
        self.writer.run(move |tx| delete(tx, user, id)).await
    }

    /// Marks interest in an event, or takes it back.
    ///
    /// # Errors
    /// See [`interest`].
    pub async fn event_interest(&self, user: UserId, id: EventId, on: bool) -> ApiResult<ScheduledEvent> {
        self.writer.run(move |tx| interest(tx, user, id, on)).await
    }
}
