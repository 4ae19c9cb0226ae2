//! The [`Directory`]: which servers exist, who is in each with which role,
//! and which channels they hold. What every permission check and every
//! routing decision needs, kept in memory.
//!
//! There are two copies. The writer owns the authoritative one: a change in
//! a batch is checked against it, and changes it (through [`Effect`]s) for
//! the changes after it in the same batch. Everyone else reads the published
//! copy ([`Published`]), which the writer updates with the same effects right
//! after the commit, just before it dispatches the events of that change. So
//! routing, reads and permission checks never run ahead of the database.

use std::sync::{Arc, RwLock, RwLockReadGuard};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use pq_protocol::{
    ChannelId, ServerId, UserId,
    models::{ChannelKind, RelationshipKind, Role},
};

/// One server.
#[derive(Debug, Clone)]
pub struct ServerEntry {
    /// Its owner.
    pub owner: UserId,
    /// Its members and their roles.
    pub members: HashMap<UserId, Role>,
    /// Its channels and categories.
    pub channels: HashSet<ChannelId>,
}

/// One channel or category.
#[derive(Debug, Clone, Copy)]
pub struct ChannelEntry {
    /// Its server.
    pub server: ServerId,
    /// Its kind.
    pub kind: ChannelKind,
    /// The category holding it.
    pub parent: Option<ChannelId>,
    /// `seq` of its newest message (text channels).
    pub last_seq: u64,
}

/// See the module docs.
#[derive(Debug, Default, Clone)]
pub struct Directory {
    servers: HashMap<ServerId, ServerEntry>,
    channels: HashMap<ChannelId, ChannelEntry>,
    servers_of: HashMap<UserId, HashSet<ServerId>>,
    /// What each person sees of others: `relations[a][b]` is `a`'s row
    /// about `b` (friends and requests have a row on each side, a block
    /// only on the blocker's).
    relations: HashMap<UserId, HashMap<UserId, RelationshipKind>>,
}

/// One change to the directory, made by a committed change.
#[derive(Debug, Clone)]
pub enum Effect {
    /// A server was created (its owner joins with [`Effect::AddMember`]).
    AddServer {
        /// Which.
        server: ServerId,
        /// Its owner.
        owner: UserId,
    },
    /// A server was deleted with everything in it.
    RemoveServer {
        /// Which.
        server: ServerId,
    },
    /// Someone joined a server.
    AddMember {
        /// Where.
        server: ServerId,
        /// Who.
        user: UserId,
        /// As what.
        role: Role,
    },
    /// Someone left or was removed.
    RemoveMember {
        /// Where.
        server: ServerId,
        /// Who.
        user: UserId,
    },
    /// A member's role changed.
    SetRole {
        /// Where.
        server: ServerId,
        /// Who.
        user: UserId,
        /// The new role.
        role: Role,
    },
    /// The server was handed over.
    SetOwner {
        /// Which.
        server: ServerId,
        /// The new owner.
        user: UserId,
    },
    /// A channel or category was created.
    AddChannel {
        /// Which.
        channel: ChannelId,
        /// Where.
        server: ServerId,
        /// What.
        kind: ChannelKind,
        /// Under which category.
        parent: Option<ChannelId>,
    },
    /// A channel was moved under another category (or to the top level).
    MoveChannel {
        /// Which.
        channel: ChannelId,
        /// Where to.
        parent: Option<ChannelId>,
    },
    /// A channel or category was deleted (a category's channels move to the top).
    RemoveChannel {
        /// Which.
        channel: ChannelId,
    },
    /// What `user` sees of `other` changed (`None`: nothing any more).
    SetRelation {
        /// Whose row.
        user: UserId,
        /// About whom.
        other: UserId,
        /// Friend, request, block, or nothing.
        kind: Option<RelationshipKind>,
    },
    /// A message was stored with this `seq`.
    ChannelSeq {
        /// Where.
        channel: ChannelId,
        /// Its `seq`.
        seq: u64,
    },
}

impl Effect {
    /// Whether readers of the published copy need it (a new `seq` matters
    /// only to the writer, which numbers messages).
    #[must_use]
    pub fn is_published(&self) -> bool {
        !matches!(self, Effect::ChannelSeq { .. })
    }
}

impl Directory {
    /// Adds a server (when loading).
    pub fn add_server(&mut self, server: ServerId, owner: UserId) {
        self.servers.insert(server, ServerEntry { owner, members: HashMap::default(), channels: HashSet::default() });
    }

    /// Adds a member (when loading).
    pub fn add_member(&mut self, server: ServerId, user: UserId, role: Role) {
        if let Some(s) = self.servers.get_mut(&server) {
            s.members.insert(user, role);
            self.servers_of.entry(user).or_default().insert(server);
        }
    }

    /// Adds a channel (when loading).
    pub fn add_channel(
        &mut self,
        channel: ChannelId,
        server: ServerId,
        kind: ChannelKind,
        parent: Option<ChannelId>,
        last_seq: u64,
    ) {
        if let Some(s) = self.servers.get_mut(&server) {
            s.channels.insert(channel);
            self.channels.insert(channel, ChannelEntry { server, kind, parent, last_seq });
        }
    }

    /// Applies a committed change.
    pub fn apply(&mut self, effect: &Effect) {
        match *effect {
            Effect::AddServer { server, owner } => self.add_server(server, owner),
            Effect::RemoveServer { server } => {
                if let Some(s) = self.servers.remove(&server) {
                    for u in s.members.keys() {
                        self.leave(*u, server);
                    }
                    for c in &s.channels {
                        self.channels.remove(c);
                    }
                }
            }
            Effect::AddMember { server, user, role } => self.add_member(server, user, role),
            Effect::RemoveMember { server, user } => {
                if let Some(s) = self.servers.get_mut(&server) {
                    s.members.remove(&user);
                }
                self.leave(user, server);
            }
            Effect::SetRole { server, user, role } => {
                if let Some(r) = self.servers.get_mut(&server).and_then(|s| s.members.get_mut(&user)) {
                    *r = role;
                }
            }
            Effect::SetOwner { server, user } => {
                if let Some(s) = self.servers.get_mut(&server) {
                    s.owner = user;
                }
            }
            Effect::AddChannel { channel, server, kind, parent } => {
                self.add_channel(channel, server, kind, parent, 0);
            }
            Effect::MoveChannel { channel, parent } => {
                if let Some(c) = self.channels.get_mut(&channel) {
                    c.parent = parent;
                }
            }
            Effect::RemoveChannel { channel } => {
                if let Some(c) = self.channels.remove(&channel) {
                    if let Some(s) = self.servers.get_mut(&c.server) {
                        s.channels.remove(&channel);
                    }
                    for other in self.channels.values_mut() {
                        if other.parent == Some(channel) {
                            other.parent = None;
                        }
                    }
                }
            }
            Effect::SetRelation { user, other, kind } => self.set_relation(user, other, kind),
            Effect::ChannelSeq { channel, seq } => {
                if let Some(c) = self.channels.get_mut(&channel) {
                    c.last_seq = c.last_seq.max(seq);
                }
            }
        }
    }

    /// Records what `user` sees of `other` (when loading, and for
    /// [`Effect::SetRelation`]).
    pub fn set_relation(&mut self, user: UserId, other: UserId, kind: Option<RelationshipKind>) {
        match kind {
            Some(kind) => {
                self.relations.entry(user).or_default().insert(other, kind);
            }
            None => {
                if let Some(map) = self.relations.get_mut(&user) {
                    map.remove(&other);
                    if map.is_empty() {
                        self.relations.remove(&user);
                    }
                }
            }
        }
    }

    /// What `user` sees of `other`.
    #[must_use]
    pub fn relation(&self, user: UserId, other: UserId) -> Option<RelationshipKind> {
        self.relations.get(&user)?.get(&other).copied()
    }

    /// Whether `user` blocked `other`.
    #[must_use]
    pub fn blocked(&self, user: UserId, other: UserId) -> bool {
        self.relation(user, other) == Some(RelationshipKind::Blocked)
    }

    /// Everyone `user` has a friendship or a request with (both sides have
    /// the row), with what it is.
    pub fn related(&self, user: UserId) -> impl Iterator<Item = (UserId, RelationshipKind)> + '_ {
        self.relations
            .get(&user)
            .into_iter()
            .flatten()
            .filter(|(_, k)| **k != RelationshipKind::Blocked)
            .map(|(u, k)| (*u, *k))
    }

    /// How many requests `user` has sent that are not answered yet.
    #[must_use]
    pub fn outgoing_requests(&self, user: UserId) -> usize {
        self.related(user).filter(|(_, k)| *k == RelationshipKind::Outgoing).count()
    }

    /// How many rows `user` has (friends, requests, blocks).
    #[must_use]
    pub fn relation_count(&self, user: UserId) -> usize {
        self.relations.get(&user).map_or(0, HashMap::len)
    }

    /// Whether `viewer` may look `target` up (their profile, their card):
    /// they share a server, have a friendship or a request between them, or
    /// `viewer` blocked `target` (to see whom they blocked).
    #[must_use]
    pub fn knows(&self, viewer: UserId, target: UserId) -> bool {
        self.share_a_server(viewer, target)
            || self.relation(viewer, target).is_some_and(|k| k != RelationshipKind::Blocked)
            || self.blocked(viewer, target)
    }

    /// Whether `viewer` sees `user`'s presence at all (pushed or read):
    /// they share a server or are friends, and `user` did not block them.
    #[must_use]
    pub fn sees_presence(&self, viewer: UserId, user: UserId) -> bool {
        viewer == user
            || (!self.blocked(user, viewer)
                && (self.relation(user, viewer) == Some(RelationshipKind::Friend) || self.share_a_server(viewer, user)))
    }

    fn leave(&mut self, user: UserId, server: ServerId) {
        if let Some(set) = self.servers_of.get_mut(&user) {
            set.remove(&server);
            if set.is_empty() {
                self.servers_of.remove(&user);
            }
        }
    }

    /// A server.
    #[must_use]
    pub fn server(&self, server: ServerId) -> Option<&ServerEntry> {
        self.servers.get(&server)
    }

    /// A channel.
    #[must_use]
    pub fn channel(&self, channel: ChannelId) -> Option<&ChannelEntry> {
        self.channels.get(&channel)
    }

    /// `user`'s role in `server`, if they are a member.
    #[must_use]
    pub fn role(&self, server: ServerId, user: UserId) -> Option<Role> {
        self.servers.get(&server)?.members.get(&user).copied()
    }

    /// Whether `user` is a member of `server`.
    #[must_use]
    pub fn is_member(&self, server: ServerId, user: UserId) -> bool {
        self.role(server, user).is_some()
    }

    /// How many members `server` has.
    #[must_use]
    pub fn member_count(&self, server: ServerId) -> u32 {
        self.servers.get(&server).map_or(0, |s| s.members.len() as u32)
    }

    /// The members of `server`.
    pub fn members(&self, server: ServerId) -> impl Iterator<Item = UserId> + '_ {
        self.servers.get(&server).into_iter().flat_map(|s| s.members.keys().copied())
    }

    /// The servers `user` is in.
    pub fn servers_of(&self, user: UserId) -> impl Iterator<Item = ServerId> + '_ {
        self.servers_of.get(&user).into_iter().flatten().copied()
    }

    /// Everyone sharing at least one server with `user`, everyone with a
    /// friendship or a request with them, and `user`: who hears of their
    /// profile changes.
    #[must_use]
    pub fn peers_of(&self, user: UserId) -> HashSet<UserId> {
        let mut peers = HashSet::default();
        peers.insert(user);
        for s in self.servers_of(user) {
            peers.extend(self.members(s));
        }
        peers.extend(self.related(user).map(|(u, _)| u));
        peers
    }

    /// Who sees `user`'s presence pushed live: everyone sharing with them a
    /// server of at most `limit` members, their friends, and `user` — but
    /// not those `user` blocked.
    #[must_use]
    pub fn presence_peers(&self, user: UserId, limit: u32) -> HashSet<UserId> {
        let mut peers = HashSet::default();
        peers.insert(user);
        for s in self.servers_of(user) {
            if self.member_count(s) <= limit {
                peers.extend(self.members(s));
            }
        }
        peers.extend(self.related(user).filter(|(_, k)| *k == RelationshipKind::Friend).map(|(u, _)| u));
        if let Some(rel) = self.relations.get(&user) {
            peers.retain(|p| rel.get(p) != Some(&RelationshipKind::Blocked));
        }
        peers
    }

    /// Whether `a` and `b` share a server (or are the same person).
    #[must_use]
    pub fn share_a_server(&self, a: UserId, b: UserId) -> bool {
        a == b || self.servers_of(a).any(|s| self.is_member(s, b))
    }

    /// The channels of `server` under category `parent`.
    pub fn children(&self, parent: ChannelId) -> impl Iterator<Item = ChannelId> + '_ {
        self.channels.iter().filter(move |(_, c)| c.parent == Some(parent)).map(|(id, _)| *id)
    }
}

/// The published copy of the directory, shared by readers (the hub's routing,
/// permission checks of reads). Only the writer changes it.
#[derive(Debug, Clone, Default)]
pub struct Published(Arc<RwLock<Directory>>);

impl Published {
    /// Starts from a loaded directory.
    #[must_use]
    pub fn new(dir: Directory) -> Self {
        Self(Arc::new(RwLock::new(dir)))
    }

    /// Reads it. Do not call again (or take another lock that a writer of
    /// this one might hold) while holding the guard.
    ///
    /// # Panics
    /// If a writer panicked while holding it.
    pub fn read(&self) -> RwLockReadGuard<'_, Directory> {
        self.0.read().expect("directory lock")
    }

    /// Applies committed effects (the writer, after the commit).
    pub(crate) fn apply(&self, effects: &[Effect]) {
        let mut dir = self.0.write().expect("directory lock");
        for e in effects.iter().filter(|e| e.is_published()) {
            dir.apply(e);
        }
    }
}
