//! Messages: send (exactly once per client id), history by `seq`, edit,
//! delete, reactions, typing, and read markers.
//!
//! # Sending
//!
//! A message is stored once per (author, client id): the rule looks for an
//! earlier copy inside the batch's transaction, so two copies racing on two
//! connections (or in one batch) store one and both get the same
//! acknowledgement. Its `seq` is the channel's next, from the writer's
//! directory; the author's plan decides the longest body (the server is the
//! judge). Writing in a channel means having read it: the author's read
//! marker moves to the new message in the same change.

use pq_protocol::{
    AttachmentId, ChannelId, ClientMessageId, MessageId, UserId,
    gateway::Event,
    limits::{
        MAX_ATTACHMENTS_PER_MESSAGE, MAX_HISTORY_PAGE, MAX_PINS_PER_CHANNEL, MAX_REACTIONS_PER_MESSAGE,
        MAX_REACTORS_LISTED, Plan, char_count,
    },
    models::{
        Attachment, AuditAction, Message, MessageKind, MessagePage, Permission, ReadState, SendAck, SendMessage, User,
    },
};

use super::{
    Chat,
    access::{require, standing_in, text_room},
    audit::{self, Target},
    directory::{DmRefusal, Effect, Room},
    store::Page,
    validate,
    writer::Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    gateway::Audience,
};

/// Stores a message (or finds the copy already stored for its client id)
/// and tells the channel's members.
///
/// # Errors
/// 404 (no such channel for the author), 400 (not a text channel), 422
/// (empty, too long for the plan, a reply to a message elsewhere).
pub fn send(tx: &mut Tx<'_>, user: UserId, channel_id: ChannelId, req: SendMessage) -> ApiResult<SendAck> {
    let room = text_room(tx.dir(), channel_id, user)?;
    if let Some(ack) = tx.store().sent(user, req.client_id)? {
        return Ok(ack);
    }
    if let Room::Channel(server, _) = room {
        require(&standing_in(tx.dir(), server, user)?, Permission::SendMessages, "write in this server")?;
    }
    let direct = tx.dir().dm(channel_id).and_then(|d| d.other(user));
    if let Some(other) = direct
        && let Some(refusal) = tx.dir().dm_refusal(user, other)
    {
        return Err(dm_refused(refusal));
    }
    if req.body.trim().is_empty() && req.attachments.is_empty() {
        return Err(ApiError::invalid("body", "a message cannot be empty"));
    }
    check_length(tx, user, &req.body)?;
    if let Some(reply) = req.reply_to
        && tx.store().message_meta(channel_id, reply)?.is_none()
    {
        return Err(ApiError::Conflict("reply_to is not a message of this channel".into()));
    }
    let files = uploads_to_send(tx, user, channel_id, &req.attachments)?;
    let ack =
        store_new(tx, room, channel_id, user, req.client_id, req.body, req.reply_to, MessageKind::Default, files)?;
    Ok(ack)
}

/// The uploads a send names: at most [`MAX_ATTACHMENTS_PER_MESSAGE`], each
/// once, each uploaded by the sender to this channel and not sent yet.
fn uploads_to_send(
    tx: &mut Tx<'_>,
    user: UserId,
    channel: ChannelId,
    ids: &[AttachmentId],
) -> ApiResult<Vec<Attachment>> {
    if ids.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(ApiError::invalid("attachments", format!("at most {MAX_ATTACHMENTS_PER_MESSAGE} files a message")));
    }
    let mut files = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(ApiError::invalid("attachments", format!("{id} is named twice")));
        }
        match tx.store().attachment(*id)? {
            Some((file, place)) if place.uploader == user && place.channel == channel && place.message.is_none() => {
                files.push(file);
            }
            _ => {
                return Err(ApiError::invalid(
                    "attachments",
                    format!("{id} is not a file you uploaded to this channel and have not sent yet"),
                ));
            }
        }
    }
    Ok(files)
}

/// Whether a message by `user` in `room` pings everyone: it says
/// `@everyone` or `@here`, in a server's channel, and they may.
fn pings_everyone(tx: &Tx<'_>, room: Room, user: UserId, body: &str) -> bool {
    let Room::Channel(server, _) = room else { return false };
    (body.contains("@everyone") || body.contains("@here"))
        && tx.dir().standing(server, user).is_some_and(|s| s.may(Permission::MentionEveryone))
}

/// Stores a new message in a room (checked already), moves its author's
/// read marker past it, and tells the room.
#[allow(clippy::too_many_arguments)]
fn store_new(
    tx: &mut Tx<'_>,
    room: Room,
    channel_id: ChannelId,
    user: UserId,
    client_id: ClientMessageId,
    body: String,
    reply_to: Option<MessageId>,
    kind: MessageKind,
    attachments: Vec<Attachment>,
) -> ApiResult<SendAck> {
    let direct = tx.dir().dm(channel_id).and_then(|d| d.other(user));
    let seq = tx.dir().last_seq(channel_id) + 1;
    let now = tx.now();
    let members = tx.dir().room_size(room);
    let mentions_everyone = pings_everyone(tx, room, user, &body);
    let message = Message {
        id: MessageId::new(),
        channel_id,
        seq,
        author_id: user,
        client_id,
        body,
        reply_to,
        created_at: now,
        edited_at: None,
        deleted: false,
        reactions: vec![],
        unread_by: members.saturating_sub(1),
        pinned: false,
        mentions_everyone,
        kind,
        attachments,
    };
    let store = tx.store();
    store.insert_message(&message)?;
    let files: Vec<AttachmentId> = message.attachments.iter().map(|a| a.id).collect();
    store.bind_attachments(message.id, &files)?;
    store.set_last_seq(channel_id, seq)?;
    // Writing in a channel means having read it.
    let old_marker = store.read_marker(channel_id, user)?;
    if old_marker < seq {
        store.set_read_marker(channel_id, user, seq)?;
    }
    tx.apply(Effect::ChannelSeq { channel: channel_id, seq });
    let ack = SendAck { client_id, channel_id, message_id: message.id, seq, created_at: now };
    if direct.is_some() && seq == 1 {
        // The other person learns of a direct channel with its first message.
        let channel = tx.store().dm(channel_id)?.ok_or(ApiError::NotFound("channel"))?;
        tx.emit(Audience::Room(room), Event::DmUpdated { channel });
    }
    tx.emit(Audience::Room(room), Event::MessageCreated { message });
    if old_marker + 1 < seq {
        tx.emit(
            Audience::Room(room),
            Event::UnreadByChanged { channel_id, after_seq: old_marker, through_seq: seq - 1, delta: -1 },
        );
    }
    if old_marker < seq {
        tx.emit(Audience::User(user), Event::ReadMarkerUpdated { channel_id, last_read_seq: seq, unread_count: 0 });
    }
    Ok(ack)
}

/// Pins a message to its channel, or unpins it (in a server,
/// `manage_messages`; in a direct-message channel, any member). Pinning
/// adds a line to the channel ("… pinned a message"); doing what is already
/// so changes nothing.
///
/// # Errors
/// 403, 404, 409 (a deleted message, or 50 pinned already).
pub fn pin(tx: &mut Tx<'_>, user: UserId, channel_id: ChannelId, message_id: MessageId, pin: bool) -> ApiResult<()> {
    let room = text_room(tx.dir(), channel_id, user)?;
    if let Room::Channel(server, _) = room {
        require(&standing_in(tx.dir(), server, user)?, Permission::ManageMessages, "pin messages")?;
    }
    let meta = tx.store().message_meta(channel_id, message_id)?.ok_or(ApiError::NotFound("message"))?;
    if meta.pinned == pin {
        return Ok(());
    }
    if pin && meta.deleted {
        return Err(ApiError::Conflict("a deleted message cannot be pinned".into()));
    }
    if pin && tx.store().pins(channel_id)?.len() >= MAX_PINS_PER_CHANNEL {
        return Err(ApiError::Conflict(format!(
            "a channel holds at most {MAX_PINS_PER_CHANNEL} pinned messages: unpin one first"
        )));
    }
    let now = tx.now();
    tx.store().set_pinned(message_id, pin.then_some((user, now)))?;
    tx.emit(Audience::Room(room), Event::MessagePinned { channel_id, message_id, pinned: pin, by: user });
    if pin {
        store_new(
            tx,
            room,
            channel_id,
            user,
            ClientMessageId::new(),
            String::new(),
            Some(message_id),
            MessageKind::Pin,
            vec![],
        )?;
    }
    if let Room::Channel(server, _) = room {
        let action = if pin { AuditAction::MessagePinned } else { AuditAction::MessageUnpinned };
        let target = Target { user: Some(meta.author), channel: Some(channel_id), detail: Some(meta.gist) };
        audit::record(tx, server, action, user, target)?;
    }
    Ok(())
}

/// The refusal of a message (or a new direct channel, or a group member)
/// that `refusal` stops.
#[must_use]
pub fn dm_refused(refusal: DmRefusal) -> ApiError {
    match refusal {
        DmRefusal::YouBlocked => ApiError::Conflict("you blocked them; unblock them first to write to them".into()),
        DmRefusal::TheyBlocked => ApiError::Forbidden("they are not accepting direct messages from you".into()),
        DmRefusal::Strangers => {
            ApiError::Forbidden("you can write only to friends and to people who share a server with you".into())
        }
        DmRefusal::FriendsOnly => {
            ApiError::Forbidden("they take direct messages from friends only; ask them to be friends".into())
        }
    }
}

fn check_length(tx: &mut Tx<'_>, user: UserId, body: &str) -> ApiResult<()> {
    let plan = tx.store().account(user)?.map_or(Plan::default(), |a| a.plan);
    let limit = tx.hub().message_limits().of(plan) as usize;
    let len = char_count(body);
    if len > limit {
        return Err(ApiError::MessageTooLong { plan, limit, len });
    }
    Ok(())
}

/// Edits one's own message.
///
/// # Errors
/// 404, 403 (someone else's), 422 (empty, too long).
pub fn edit(
    tx: &mut Tx<'_>,
    user: UserId,
    channel_id: ChannelId,
    message_id: MessageId,
    body: String,
) -> ApiResult<()> {
    let room = text_room(tx.dir(), channel_id, user)?;
    let meta = tx.store().message_meta(channel_id, message_id)?.filter(|m| !m.deleted);
    let meta = meta.ok_or(ApiError::NotFound("message"))?;
    if meta.author != user {
        return Err(ApiError::Forbidden("you can only edit your own messages".into()));
    }
    if body.trim().is_empty() {
        return Err(ApiError::invalid("body", "a message cannot be empty; delete it instead"));
    }
    check_length(tx, user, &body)?;
    let now = tx.now();
    if !tx.store().edit_message(message_id, &body, now)? {
        return Err(ApiError::NotFound("message"));
    }
    tx.emit(Audience::Room(room), Event::MessageEdited { channel_id, message_id, seq: meta.seq, body, edited_at: now });
    Ok(())
}

/// Deletes a message (one's own, or anyone's in a server with
/// `manage_messages`); it stays in history as a tombstone.
///
/// # Errors
/// 404, 403.
pub fn delete(
    tx: &mut Tx<'_>,
    user: UserId,
    channel_id: ChannelId,
    message_id: MessageId,
) -> ApiResult<Vec<AttachmentId>> {
    let room = text_room(tx.dir(), channel_id, user)?;
    // In a server, moderators delete anyone's; in a DM, nobody.
    let moderator = match room {
        Room::Channel(server, _) => standing_in(tx.dir(), server, user)?.may(Permission::ManageMessages),
        Room::Server(_) => false,
        Room::Dm(_) => false,
    };
    let meta = tx.store().message_meta(channel_id, message_id)?.ok_or(ApiError::NotFound("message"))?;
    if meta.deleted {
        return Ok(vec![]);
    }
    if meta.author != user && !moderator {
        return Err(ApiError::Forbidden("you can only delete your own messages".into()));
    }
    let now = tx.now();
    tx.store().delete_message(message_id, now)?;
    let files = tx.store().take_attachments(message_id)?;
    tx.emit(Audience::Room(room), Event::MessageDeleted { channel_id, message_id, seq: meta.seq });
    Ok(files)
}

/// Reacts to a message.
///
/// # Errors
/// 404, 422 (bad emoji), 409 (not a text channel; too many different reactions).
pub fn react(
    tx: &mut Tx<'_>,
    user: UserId,
    channel_id: ChannelId,
    message_id: MessageId,
    emoji: String,
) -> ApiResult<()> {
    validate::emoji(&emoji)?;
    let room = text_room(tx.dir(), channel_id, user)?;
    let meta = tx.store().message_meta(channel_id, message_id)?.filter(|m| !m.deleted);
    meta.ok_or(ApiError::NotFound("message"))?;
    let (distinct, given) = tx.store().reaction_stats(message_id, &emoji)?;
    if !given && distinct >= MAX_REACTIONS_PER_MESSAGE {
        return Err(ApiError::Conflict(format!(
            "a message can carry at most {MAX_REACTIONS_PER_MESSAGE} different reactions"
        )));
    }
    let now = tx.now();
    if tx.store().insert_reaction(message_id, user, &emoji, now)? {
        tx.emit(Audience::Room(room), Event::ReactionAdded { channel_id, message_id, user_id: user, emoji });
    }
    Ok(())
}

/// Takes one's reaction back.
///
/// # Errors
/// 404, 409 (not a text channel), 422 (not a reaction).
pub fn unreact(
    tx: &mut Tx<'_>,
    user: UserId,
    channel_id: ChannelId,
    message_id: MessageId,
    emoji: String,
) -> ApiResult<()> {
    validate::emoji(&emoji)?;
    let room = text_room(tx.dir(), channel_id, user)?;
    tx.store().message_meta(channel_id, message_id)?.ok_or(ApiError::NotFound("message"))?;
    if tx.store().delete_reaction(message_id, user, &emoji)? {
        tx.emit(Audience::Room(room), Event::ReactionRemoved { channel_id, message_id, user_id: user, emoji });
    }
    Ok(())
}

/// Moves `user`'s read marker in a text channel up to `seq` (clamped to the
/// newest message; never backwards) and returns the read state.
///
/// # Errors
/// 404 for channels the caller cannot see; 409 for non-text channels.
pub fn mark_read(tx: &mut Tx<'_>, user: UserId, channel_id: ChannelId, seq: u64) -> ApiResult<ReadState> {
    let seq = validate::seq("seq", seq)?;
    let room = text_room(tx.dir(), channel_id, user)?;
    let last_seq = tx.dir().last_seq(channel_id);
    let target = seq.min(last_seq);
    let old = tx.store().read_marker(channel_id, user)?;
    if target > old {
        tx.store().set_read_marker(channel_id, user, target)?;
    }
    let now_at = target.max(old);
    let unread_count = tx.store().unread_count(channel_id, user, now_at)?;
    let state = ReadState { channel_id, last_read_seq: now_at, unread_count };
    if target > old {
        tx.emit(Audience::User(user), Event::ReadMarkerUpdated { channel_id, last_read_seq: now_at, unread_count });
        tx.emit(
            Audience::Room(room),
            Event::UnreadByChanged { channel_id, after_seq: old, through_seq: target, delta: -1 },
        );
    }
    Ok(state)
}

/// Which page of history to read: `after` takes precedence over `before`;
/// neither means the newest.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryQuery {
    /// Messages with `seq` below this.
    pub before: Option<u64>,
    /// Messages with `seq` above this.
    pub after: Option<u64>,
    /// At most this many (1–100, default 100).
    pub limit: Option<u32>,
}

impl Chat {
    /// Sends a message and waits for it to be stored.
    ///
    /// # Errors
    /// See [`send`].
    pub async fn send_message(&self, user: UserId, channel: ChannelId, req: SendMessage) -> ApiResult<SendAck> {
        self.writer.run(move |tx| send(tx, user, channel, req)).await
    }

    /// Queues a message and returns; `then` gets the acknowledgement (or the
    /// refusal) once stored. Messages queued one after the other by one
    /// caller are stored in that order.
    ///
    /// # Errors
    /// Only when the server is shutting down.
    pub async fn queue_message(
        &self,
        user: UserId,
        channel: ChannelId,
        req: SendMessage,
        then: impl FnOnce(ApiResult<SendAck>) + Send + 'static,
    ) -> ApiResult<()> {
        self.writer.submit(move |tx| send(tx, user, channel, req), then).await
    }

    /// Edits one's own message.
    ///
    /// # Errors
    /// See [`edit`].
    pub async fn edit_message(&self, user: UserId, channel: ChannelId, id: MessageId, body: String) -> ApiResult<()> {
        self.writer.run(move |tx| edit(tx, user, channel, id, body)).await
    }

    /// Deletes a message.
    ///
    /// # Errors
    /// See [`delete`].
    pub async fn delete_message(&self, user: UserId, channel: ChannelId, id: MessageId) -> ApiResult<()> {
        let files = self.writer.run(move |tx| delete(tx, user, channel, id)).await?;
        self.forget_files(files).await;
        Ok(())
    }

    /// Reacts to a message.
    ///
    /// # Errors
    /// See [`react`].
    pub async fn react(&self, user: UserId, channel: ChannelId, id: MessageId, emoji: String) -> ApiResult<()> {
        self.writer.run(move |tx| react(tx, user, channel, id, emoji)).await
    }

    /// Takes a reaction back.
    ///
    /// # Errors
    /// See [`unreact`].
    pub async fn unreact(&self, user: UserId, channel: ChannelId, id: MessageId, emoji: String) -> ApiResult<()> {
        self.writer.run(move |tx| unreact(tx, user, channel, id, emoji)).await
    }

    /// Marks a channel read up to `seq` and waits for it to be stored.
    ///
    /// # Errors
    /// See [`mark_read`].
    pub async fn mark_read(&self, user: UserId, channel: ChannelId, seq: u64) -> ApiResult<ReadState> {
        self.writer.run(move |tx| mark_read(tx, user, channel, seq)).await
    }

    /// Queues a read marker move and returns; `then` gets the result.
    ///
    /// # Errors
    /// Only when the server is shutting down.
    pub async fn queue_mark_read(
        &self,
        user: UserId,
        channel: ChannelId,
        seq: u64,
        then: impl FnOnce(ApiResult<ReadState>) + Send + 'static,
    ) -> ApiResult<()> {
        self.writer.submit(move |tx| mark_read(tx, user, channel, seq), then).await
    }

    /// A channel's pinned messages, the most recently pinned first.
    ///
    /// # Errors
    /// 404 for channels the caller cannot see; 409 for non-text channels.
    pub async fn pins(&self, user: UserId, channel: ChannelId) -> ApiResult<Vec<Message>> {
        text_room(&self.dir.read(), channel, user)?;
        Ok(self.reads.read(move |s| s.pins(channel)).await?)
    }

    /// Who gave `emoji` to a message (the first
    /// [`MAX_REACTORS_LISTED`] to react, first first).
    ///
    /// # Errors
    /// 404 for channels the caller cannot see and for a message not there
    /// (or deleted); 409 for non-text channels; 422 for a bad emoji.
    pub async fn reactors(
        &self,
        user: UserId,
        channel: ChannelId,
        message: MessageId,
        emoji: String,
    ) -> ApiResult<Vec<User>> {
        validate::emoji(&emoji)?;
        text_room(&self.dir.read(), channel, user)?;
        self.reads
            .read(move |s| {
                let meta = s.message_meta(channel, message)?.filter(|m| !m.deleted);
                meta.map(|_| s.reactors(message, &emoji, MAX_REACTORS_LISTED)).transpose()
            })
            .await?
            .ok_or(ApiError::NotFound("message"))
    }

    /// Pins a message or unpins it.
    ///
    /// # Errors
    /// See [`pin`].
    pub async fn pin_message(&self, user: UserId, channel: ChannelId, message: MessageId, on: bool) -> ApiResult<()> {
        self.writer.run(move |tx| pin(tx, user, channel, message, on)).await
    }

    /// A page of a channel's history, oldest first; deleted messages appear
    /// as tombstones.
    ///
    /// # Errors
    /// 404 for channels the caller cannot see; 409 for non-text channels;
    /// 422 for a `seq` above [`pq_protocol::limits::MAX_SEQ`] or a `limit`
    /// outside 1 to 100.
    pub async fn history(&self, user: UserId, channel: ChannelId, q: HistoryQuery) -> ApiResult<MessagePage> {
        let room = text_room(&self.dir.read(), channel, user)?;
        let server = match room {
            Room::Channel(s, _) | Room::Server(s) => Some(s),
            Room::Dm(_) => None,
        };
        q.after.map(|a| validate::seq("after", a)).transpose()?;
        q.before.map(|b| validate::seq("before", b)).transpose()?;
        let limit = q.limit.unwrap_or(MAX_HISTORY_PAGE);
        if !(1..=MAX_HISTORY_PAGE).contains(&limit) {
            return Err(ApiError::invalid("limit", format!("limit must be between 1 and {MAX_HISTORY_PAGE}")));
        }
        let page = match (q.after, q.before) {
            (Some(a), _) => Page::After(a),
            (None, Some(b)) => Page::Before(b),
            (None, None) => Page::Newest,
        };
        self.reads.read(move |s| Ok(s.history(server, channel, user, page, limit)?)).await
    }

    /// Someone is typing: tells the channel's members (nothing is stored;
    /// nothing at all while they are invisible).
    ///
    /// # Errors
    /// 404 for channels the caller cannot see; 409 for non-text channels.
    pub fn typing(&self, user: UserId, channel: ChannelId) -> ApiResult<()> {
        let room = text_room(&self.dir.read(), channel, user)?;
        // Invisible means offline to others: typing would say otherwise.
        if self.hub.status_choice(user) == pq_protocol::models::StatusChoice::Invisible {
            return Ok(());
        }
        // Not to those they blocked: typing would tell them they are around.
        self.hub
            .dispatch(Audience::RoomSeeing(room, user), Event::TypingStarted { channel_id: channel, user_id: user });
        Ok(())
    }
}
