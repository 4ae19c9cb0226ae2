//! Voice rooms: who sits in which room, from which gateway session, and the
//! relay of WebRTC signaling between people in the same room. See
//! [`pq_protocol::voice`] for the protocol.
//!
//! A seat belongs to one gateway session. When that session's socket drops,
//! the seat stays for the grace period (a `resume` in time keeps the call);
//! when the session is invalidated, reaped, signed out, or the grace passes,
//! the seat goes and the room's server hears `voice_state_removed`.
//!
//! Room changes dispatch while the rooms' lock is held, so everyone sees them
//! in the order they happened. Lock order: rooms, then the published
//! directory, then the hub's state (via [`Hub::dispatch`]), then a session's
//! outbox; nothing takes the rooms' lock while holding another.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use aws_lc_rs::hmac;
use base64::Engine as _;
use pq_protocol::{
    ChannelId, ServerId, Timestamp, UserId, VoiceSessionId,
    gateway::{Event, ServerFrame},
    limits::{MAX_CANDIDATES_PER_SIGNAL, MAX_SDP_BYTES},
    models::{ChannelKind, Permission},
    voice::{
        IceConfig, IceServer, Signal, VoiceJoin, VoiceJoined, VoiceLeft, VoiceLeftReason, VoiceSignal, VoiceSignalSend,
        VoiceState, VoiceUpdate,
    },
};
use rustc_hash::{FxHashMap as HashMap, FxHashSet};
use tracing::debug;

use super::hub::{Audience, Hub, Session};
use crate::{chat::directory::Room, config::VoiceConfig, error::ApiError};

/// Longest ICE candidate line accepted, in bytes.
const MAX_CANDIDATE_BYTES: usize = 1_024;

/// Every occupied voice room.
#[derive(Debug, Default)]
pub struct Rooms {
    rooms: HashMap<ChannelId, Vec<Seat>>,
    where_is: HashMap<UserId, ChannelId>,
    /// Who an admin muted in which room: it sticks through leaving and
    /// re-joining (a reconnect does not lift it) until an admin unmutes.
    server_muted: FxHashSet<(ChannelId, UserId)>,
}

/// One person in a room.
#[derive(Debug)]
struct Seat {
    state: VoiceState,
    session: Arc<Session>,
}

impl Rooms {
    fn take_user(&mut self, user: UserId) -> Option<Seat> {
        let channel = self.where_is.remove(&user)?;
        let room = self.rooms.get_mut(&channel)?;
        let i = room.iter().position(|s| s.state.user_id == user)?;
        let seat = room.remove(i);
        if room.is_empty() {
            self.rooms.remove(&channel);
        }
        Some(seat)
    }

    fn seat_of_session(&mut self, session: &Session) -> Option<&mut Seat> {
        let channel = *self.where_is.get(&session.user_id)?;
        self.rooms.get_mut(&channel)?.iter_mut().find(|s| s.session.id == session.id)
    }

    fn roster(&self, channel: ChannelId) -> Vec<VoiceState> {
        self.rooms.get(&channel).map(|r| r.iter().map(|s| s.state.clone()).collect()).unwrap_or_default()
    }
}

impl Hub {
    /// `voice_join`: seats the session's person in a voice room, moving them
    /// out of any room they were in.
    ///
    /// # Errors
    /// Not a voice channel of a server they are in (404 / 400), or the room is full.
    pub fn voice_join(&self, session: &Arc<Session>, join: &VoiceJoin) -> Result<VoiceJoined, ApiError> {
        let user = session.user_id;
        // Checked while holding the rooms: a removal published meanwhile
        // unseats (under the same lock) right after we are done.
        let mut rooms = self.voice.lock().expect("voice lock");
        // A server's voice channel, or the call of a direct-message channel.
        let (server, size, silenced) = {
            let dir = self.directory().read();
            if let Some(dm) = dir.dm(join.channel_id) {
                if !dm.members.contains(&user) {
                    return Err(ApiError::NotFound("channel"));
                }
                if let Some(other) = dm.other(user)
                    && let Some(refusal) = dir.dm_refusal(user, other)
                {
                    return Err(crate::chat::messages::dm_refused(refusal));
                }
                (None, self.voice_config().room_size.min(pq_protocol::limits::MAX_DM_MEMBERS as u32), false)
            } else {
                let ch = dir.channel(join.channel_id).ok_or(ApiError::NotFound("channel"))?;
                let standing = dir.standing(ch.server, user).ok_or(ApiError::NotFound("channel"))?;
                if !dir.can_see(join.channel_id, user) {
                    return Err(ApiError::NotFound("channel"));
                }
                if ch.kind != ChannelKind::Voice {
                    return Err(ApiError::Conflict("only voice channels can be joined".into()));
                }
                if !standing.may(Permission::Connect) {
                    return Err(ApiError::Forbidden("you need the \"connect\" permission to join voice rooms".into()));
                }
                // Without `speak`, one joins muted by the server.
                (Some(ch.server), self.voice_config().room_size, !standing.may(Permission::Speak))
            }
        };
        let others =
            rooms.rooms.get(&join.channel_id).map_or(0, |r| r.iter().filter(|s| s.state.user_id != user).count());
        if others >= size as usize {
            return Err(ApiError::RoomFull { limit: size });
        }
        let old = rooms.take_user(user);
        let (self_mute, self_deaf, camera) = match &old {
            // Moving keeps the person's microphone and sound choices.
            Some(o) => (o.state.self_mute, o.state.self_deaf, o.state.camera),
            None => (false, false, false),
        };
        let state = VoiceState {
            server_id: server,
            channel_id: join.channel_id,
            user_id: user,
            voice_session: VoiceSessionId::new(),
            self_mute: join.self_mute.unwrap_or(self_mute),
            self_deaf: join.self_deaf.unwrap_or(self_deaf),
            server_mute: silenced || rooms.server_muted.contains(&(join.channel_id, user)),
            camera: join.camera.unwrap_or(camera),
            speaking: false,
            joined_at: Timestamp::now(),
        };
        if let Some(old) = old {
            if old.session.id != session.id {
                old.session.send_direct(&ServerFrame::VoiceLeft(VoiceLeft {
                    channel_id: old.state.channel_id,
                    reason: VoiceLeftReason::Moved,
                }));
            }
            self.dispatch_removed(&old.state);
        }
        rooms.rooms.entry(join.channel_id).or_default().push(Seat { state: state.clone(), session: session.clone() });
        rooms.where_is.insert(user, join.channel_id);
        self.dispatch(voice_audience(&state), Event::VoiceStateUpdated { state: state.clone() });
        let roster = rooms.roster(join.channel_id);
        drop(rooms);
        debug!(%user, channel = %join.channel_id, people = roster.len(), "voice join");
        Ok(VoiceJoined {
            me: state,
            roster,
            ice_servers: ice_servers(self.voice_config(), user, SystemTime::now()).ice_servers,
            max_participants: size,
        })
    }

    /// `voice_leave`: the session's person leaves their room. Returns the room
    /// left, if they were in one from this session.
    pub fn voice_leave(&self, session: &Session) -> Option<ChannelId> {
        let mut rooms = self.voice.lock().expect("voice lock");
        let channel = rooms.seat_of_session(session)?.state.channel_id;
        let seat = rooms.take_user(session.user_id)?;
        self.dispatch_removed(&seat.state);
        drop(rooms);
        Some(channel)
    }

    /// `voice_update`: the session's person changes their own state.
    ///
    /// # Errors
    /// [`ApiError::NotInRoom`] when this session is in no room.
    pub fn voice_update(&self, session: &Session, update: &VoiceUpdate) -> Result<(), ApiError> {
        let mut rooms = self.voice.lock().expect("voice lock");
        let seat = rooms.seat_of_session(session).ok_or_else(not_in_room)?;
        let before = seat.state.clone();
        let s = &mut seat.state;
        if let Some(v) = update.self_mute {
            s.self_mute = v;
        }
        if let Some(v) = update.self_deaf {
            s.self_deaf = v;
        }
        if let Some(v) = update.camera {
            s.camera = v;
        }
        if let Some(v) = update.speaking {
            s.speaking = v;
        }
        // Nobody is heard speaking while muted in any way.
        if s.self_mute || s.self_deaf || s.server_mute {
            s.speaking = false;
        }
        if *s != before {
            let state = s.clone();
            self.dispatch(voice_audience(&state), Event::VoiceStateUpdated { state });
        }
        Ok(())
    }

    /// `voice_signal`: relays a negotiation message to someone in the same room.
    ///
    /// # Errors
    /// A malformed or oversized signal, or sender and recipient not in one room.
    pub fn voice_signal(&self, session: &Session, send: VoiceSignalSend) -> Result<(), ApiError> {
        check_signal(&send.signal)?;
        let mut rooms = self.voice.lock().expect("voice lock");
        let from = rooms.seat_of_session(session).ok_or_else(not_in_room)?.state.clone();
        let to = rooms
            .rooms
            .get(&from.channel_id)
            .and_then(|r| r.iter().find(|s| s.state.user_id == send.to && s.state.voice_session == send.to_session))
            .ok_or_else(|| ApiError::NotInRoom("that person is not in your voice room (any more)".into()))?;
        to.session.send_direct(&ServerFrame::VoiceSignal(VoiceSignal {
            channel_id: from.channel_id,
            from: from.user_id,
            from_session: from.voice_session,
            signal: send.signal,
        }));
        Ok(())
    }

    /// An admin mutes or unmutes `user` in voice room `channel` for everyone.
    ///
    /// # Errors
    /// [`ApiError::NotInRoom`] when they are not in that room.
    pub fn voice_moderate(&self, channel: ChannelId, user: UserId, server_mute: bool) -> Result<VoiceState, ApiError> {
        let mut rooms = self.voice.lock().expect("voice lock");
        if !rooms.rooms.get(&channel).is_some_and(|r| r.iter().any(|s| s.state.user_id == user)) {
            return Err(ApiError::NotInRoom("they are not in this voice room".into()));
        }
        if server_mute {
            rooms.server_muted.insert((channel, user));
        } else {
            rooms.server_muted.remove(&(channel, user));
        }
        let seat = rooms
            .rooms
            .get_mut(&channel)
            .and_then(|r| r.iter_mut().find(|s| s.state.user_id == user))
            .expect("seated: checked above");
        if seat.state.server_mute != server_mute {
            seat.state.server_mute = server_mute;
            if server_mute {
                seat.state.speaking = false;
            }
            let state = seat.state.clone();
            self.dispatch(voice_audience(&state), Event::VoiceStateUpdated { state });
        }
        Ok(seat.state.clone())
    }

    /// An admin disconnects `user` from voice room `channel`.
    ///
    /// # Errors
    /// [`ApiError::NotInRoom`] when they are not in that room.
    pub fn voice_disconnect(&self, channel: ChannelId, user: UserId) -> Result<(), ApiError> {
        let mut rooms = self.voice.lock().expect("voice lock");
        if rooms.where_is.get(&user) != Some(&channel) {
            return Err(ApiError::NotInRoom("they are not in this voice room".into()));
        }
        if let Some(seat) = rooms.take_user(user) {
            self.dispatch_removed(&seat.state);
            seat.session.send_direct(&ServerFrame::VoiceLeft(VoiceLeft {
                channel_id: channel,
                reason: VoiceLeftReason::Disconnected,
            }));
        }
        Ok(())
    }

    /// Who is in the voice rooms of `server`.
    #[must_use]
    pub fn voice_states_of(&self, server: ServerId) -> Vec<VoiceState> {
        let rooms = self.voice.lock().expect("voice lock");
        let mut out: Vec<VoiceState> = rooms
            .rooms
            .values()
            .flatten()
            .filter(|s| s.state.server_id == Some(server))
            .map(|s| s.state.clone())
            .collect();
        out.sort_by_key(|s| (s.channel_id, s.joined_at));
        out
    }

    /// Who is in the room (or call) of `channel`, by time of joining.
    #[must_use]
    pub fn voice_states_in(&self, channel: ChannelId) -> Vec<VoiceState> {
        let mut out = self.voice.lock().expect("voice lock").roster(channel);
        out.sort_by_key(|s| s.joined_at);
        out
    }

    /// Where `user` is seated, if anywhere (for tests and metrics).
    #[must_use]
    pub fn voice_state_of(&self, user: UserId) -> Option<VoiceState> {
        let rooms = self.voice.lock().expect("voice lock");
        let channel = rooms.where_is.get(&user)?;
        rooms.rooms.get(channel)?.iter().find(|s| s.state.user_id == user).map(|s| s.state.clone())
    }

    /// Forgets the admins' mutes in a deleted room.
    pub(super) fn voice_forget_room(&self, channel: ChannelId) {
        self.voice.lock().expect("voice lock").server_muted.retain(|(c, _)| *c != channel);
    }

    /// Unseats everyone matching `pred`, telling their sessions `reason`.
    /// Unseats everyone in a server's room they no longer see (a private
    /// room's access list, their roles, or its category changed).
    pub(super) fn voice_unseat_unseen(&self) {
        let seated: Vec<(ChannelId, UserId)> = {
            let rooms = self.voice.lock().expect("voice lock");
            rooms
                .rooms
                .values()
                .flatten()
                .filter(|s| s.state.server_id.is_some())
                .map(|s| (s.state.channel_id, s.state.user_id))
                .collect()
        };
        let gone: Vec<(ChannelId, UserId)> = {
            let dir = self.directory().read();
            seated.into_iter().filter(|(c, u)| !dir.can_see(*c, *u)).collect()
        };
        if !gone.is_empty() {
            self.voice_unseat(VoiceLeftReason::Removed, |v| gone.contains(&(v.channel_id, v.user_id)));
        }
    }

    pub(super) fn voice_unseat(&self, reason: VoiceLeftReason, pred: impl Fn(&VoiceState) -> bool) {
        let mut rooms = self.voice.lock().expect("voice lock");
        let users: Vec<UserId> =
            rooms.rooms.values().flatten().filter(|s| pred(&s.state)).map(|s| s.state.user_id).collect();
        for user in users {
            if let Some(seat) = rooms.take_user(user) {
                self.dispatch_removed(&seat.state);
                seat.session.send_direct(&ServerFrame::VoiceLeft(VoiceLeft {
                    channel_id: seat.state.channel_id,
                    reason: reason.clone(),
                }));
            }
        }
    }

    /// The session's socket dropped: its seat goes once the grace has passed
    /// without a resume (at once when the session cannot resume).
    pub(super) fn voice_session_detached(&self, session: &Arc<Session>) {
        let seated = {
            let mut rooms = self.voice.lock().expect("voice lock");
            rooms.seat_of_session(session).is_some()
        };
        if !seated {
            return;
        }
        let grace = self.voice_config().grace;
        let clock = self.clock().clone();
        if session.detached_for(clock.now()).is_some_and(|d| d >= grace) {
            return self.voice_session_gone(session);
        }
        let Some(hub) = self.me() else { return };
        let session = session.clone();
        let token = self.shutdown_token().clone();
        tokio::spawn(async move {
            tokio::select! {
                () = clock.sleep(grace) => {}
                () = token.cancelled() => return,
            }
            // Still away (not resumed, or away again for the whole grace)?
            if session.detached_for(clock.now()).is_some_and(|d| d >= grace) {
                hub.voice_session_gone(&session);
            }
        });
    }

    /// The session ended for good: its seat (if any) goes.
    pub(super) fn voice_session_gone(&self, session: &Session) {
        let mut rooms = self.voice.lock().expect("voice lock");
        if rooms.seat_of_session(session).is_some()
            && let Some(seat) = rooms.take_user(session.user_id)
        {
            debug!(user = %session.user_id, channel = %seat.state.channel_id, "voice seat of a dropped session removed");
            self.dispatch_removed(&seat.state);
        }
    }

    fn dispatch_removed(&self, state: &VoiceState) {
        self.dispatch(
            voice_audience(state),
            Event::VoiceStateRemoved {
                server_id: state.server_id,
                channel_id: state.channel_id,
                user_id: state.user_id,
                voice_session: state.voice_session,
            },
        );
    }
}

/// Who hears of a seat: the server's members, or the direct-message channel's.
fn voice_audience(state: &VoiceState) -> Audience {
    match state.server_id {
        // Those who see the room (all members, unless it is private).
        Some(server) => Audience::Room(Room::Channel(server, state.channel_id)),
        None => Audience::Room(Room::Dm(state.channel_id)),
    }
}

fn not_in_room() -> ApiError {
    ApiError::NotInRoom("join a voice room first".into())
}

fn check_signal(signal: &Signal) -> Result<(), ApiError> {
    match signal {
        Signal::Description { sdp, .. } => {
            if sdp.len() > MAX_SDP_BYTES {
                return Err(ApiError::invalid(
                    "sdp",
                    format!("session descriptions are limited to {MAX_SDP_BYTES} bytes"),
                ));
            }
        }
        Signal::Candidates { candidates, .. } => {
            if candidates.len() > MAX_CANDIDATES_PER_SIGNAL {
                return Err(ApiError::invalid(
                    "candidates",
                    format!("at most {MAX_CANDIDATES_PER_SIGNAL} candidates per signal"),
                ));
            }
            if candidates
                .iter()
                .any(|c| c.candidate.len() > MAX_CANDIDATE_BYTES || c.sdp_mid.as_ref().is_some_and(|m| m.len() > 64))
            {
                return Err(ApiError::invalid("candidates", "an ICE candidate is too long"));
            }
        }
    }
    Ok(())
}

/// The ICE servers for `user` at `now`: the STUN servers as they are, the TURN
/// servers with credentials in the form coturn's `use-auth-secret` expects
/// ("TURN REST API"): user name `EXPIRY:USER`, password
/// `base64(HMAC-SHA1(secret, username))`.
#[must_use]
pub fn ice_servers(config: &VoiceConfig, user: UserId, now: SystemTime) -> IceConfig {
    let mut ice_servers = Vec::new();
    if !config.stun_urls.is_empty() {
        ice_servers.push(IceServer { urls: config.stun_urls.clone(), username: None, credential: None });
    }
    let mut expires_at = None;
    if let (false, Some(secret)) = (config.turn_urls.is_empty(), &config.turn_secret) {
        let expiry = now.checked_add(config.turn_ttl).unwrap_or(now);
        let secs = expiry.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
        let username = format!("{secs}:{user}");
        let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret.expose().as_bytes());
        let tag = hmac::sign(&key, username.as_bytes());
        let credential = base64::engine::general_purpose::STANDARD.encode(tag.as_ref());
        ice_servers.push(IceServer {
            urls: config.turn_urls.clone(),
            username: Some(username),
            credential: Some(credential),
        });
        expires_at = Some(Timestamp::from_millis(secs as i64 * 1000));
    }
    IceConfig { ice_servers, expires_at }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_credentials_follow_the_turn_rest_api() {
        let config = VoiceConfig {
            room_size: 8,
            grace: Duration::from_secs(15),
            stun_urls: vec!["stun:stun.example.com:3478".into()],
            turn_urls: vec!["turn:turn.example.com:3478?transport=udp".into()],
            turn_secret: Some("north".into()),
            turn_ttl: Duration::from_secs(3600),
        };
        let user: UserId = "01900000-0000-7000-8000-000000000001".parse().unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let ice = ice_servers(&config, user, now);
        assert_eq!(ice.ice_servers.len(), 2);
        assert_eq!(ice.ice_servers[0].urls, ["stun:stun.example.com:3478"]);
        assert_eq!(ice.ice_servers[0].username, None);
        let turn = &ice.ice_servers[1];
        assert_eq!(turn.username.as_deref(), Some("1800003600:01900000-0000-7000-8000-000000000001"));
        // The value coturn computes for this secret and user name
        // (`echo -n USER | openssl dgst -sha1 -hmac north -binary | base64`).
        assert_eq!(turn.credential.as_deref(), Some(OPENSSL_SAYS));
        assert_eq!(ice.expires_at, Some(Timestamp::from_millis(1_800_003_600_000)));
        // No TURN configured: STUN only, nothing expires.
        let stun_only = ice_servers(&VoiceConfig { turn_urls: vec![], ..config }, user, now);
        assert_eq!(stun_only.ice_servers.len(), 1);
        assert_eq!(stun_only.expires_at, None);
    }

    const OPENSSL_SAYS: &str = "g5us2JoxRBIpB8NToeiWytIWxuc=";
}
