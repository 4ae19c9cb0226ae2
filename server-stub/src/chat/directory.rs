//! The [`Directory`]: which servers exist, who is in each with which roles,
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
    ChannelId, RoleId, ServerId, UserId,
    models::{ChannelKind, Permission, Permissions, RelationshipKind},
};

/// One server.
#[derive(Debug, Clone)]
pub struct ServerEntry {
    /// Its owner.
    pub owner: UserId,
    /// Its members and the custom roles each holds.
    pub members: HashMap<UserId, Vec<RoleId>>,
    /// Its channels and categories.
    pub channels: HashSet<ChannelId>,
    /// Its roles (`@everyone` under the server's id).
    pub roles: HashMap<RoleId, RoleEntry>,
}

/// One role: its rank and what it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleEntry {
    /// Its rank (0: `@everyone`).
    pub position: u32,
    /// What it allows.
    pub permissions: Permissions,
}

/// Where someone stands in a server: what they may do and how high they rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Whether they own it.
    pub owner: bool,
    /// What they may do (everything for the owner and administrators).
    pub permissions: Permissions,
    /// Their highest role's rank (`u32::MAX` for the owner, 0 with no role).
    pub top: u32,
}

impl Standing {
    /// Whether they may do `p`.
    #[must_use]
    pub const fn may(&self, p: Permission) -> bool {
        self.permissions.allows(p)
    }

    /// Whether they rank above someone standing as `other` (the owner is
    /// above everyone; nobody is above the owner).
    #[must_use]
    pub const fn outranks(&self, other: &Standing) -> bool {
        !other.owner && self.top > other.top
    }
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

/// One direct-message channel.
#[derive(Debug, Clone)]
pub struct DmEntry {
    /// A group (or two people).
    pub group: bool,
    /// A group's owner; who opened a direct channel.
    pub owner: UserId,
    /// Its members, in the order they joined.
    pub members: Vec<UserId>,
    /// `seq` of its newest message.
    pub last_seq: u64,
}

impl DmEntry {
    /// For a direct channel, the one of the two who is not `user`.
    #[must_use]
    pub fn other(&self, user: UserId) -> Option<UserId> {
        if self.group { None } else { self.members.iter().copied().find(|m| *m != user) }
    }
}

/// Who sees a private channel or category besides administrators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// Members holding any of these roles.
    pub roles: Vec<RoleId>,
    /// These people.
    pub users: Vec<UserId>,
}

impl Access {
    /// Whether someone holding `held` is let in.
    #[must_use]
    pub fn admits(&self, user: UserId, held: &[RoleId]) -> bool {
        self.users.contains(&user) || self.roles.iter().any(|r| held.contains(r))
    }
}

/// Where a text channel's messages go: a server's members (those who see the
/// channel, when it is private), or a DM's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// Every member of a server.
    Server(ServerId),
    /// A server's channel: its members who see it.
    Channel(ServerId, ChannelId),
    /// A direct-message channel (its id).
    Dm(ChannelId),
}

/// See the module docs.
#[derive(Debug, Default, Clone)]
pub struct Directory {
    servers: HashMap<ServerId, ServerEntry>,
    channels: HashMap<ChannelId, ChannelEntry>,
    dms: HashMap<ChannelId, DmEntry>,
    dms_of: HashMap<UserId, HashSet<ChannelId>>,
    /// The direct channel of each pair (smaller id first).
    pairs: HashMap<(UserId, UserId), ChannelId>,
    /// People who turned direct messages from server members off.
    closed_to_servers: HashSet<UserId>,
    /// Who is banned from which server.
    banned: HashSet<(ServerId, UserId)>,
    servers_of: HashMap<UserId, HashSet<ServerId>>,
    /// The access lists of private channels and categories.
    private: HashMap<ChannelId, Access>,
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
    /// Someone joined a server (with no role but `@everyone`).
    AddMember {
        /// Where.
        server: ServerId,
        /// Who.
        user: UserId,
    },
    /// Someone left or was removed.
    RemoveMember {
        /// Where.
        server: ServerId,
        /// Who.
        user: UserId,
    },
    /// The roles a member holds changed.
    SetMemberRoles {
        /// Where.
        server: ServerId,
        /// Who.
        user: UserId,
        /// The roles they hold now.
        roles: Vec<RoleId>,
    },
    /// A server's roles changed: these are all of them now (a role no longer
    /// listed is gone from its members too).
    SetRoles {
        /// Which.
        server: ServerId,
        /// Every role.
        roles: Vec<(RoleId, RoleEntry)>,
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
    /// A channel or category became private with this access list, or
    /// public again (`None`).
    SetAccess {
        /// Which.
        channel: ChannelId,
        /// Who sees it.
        access: Option<Access>,
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
    /// A direct-message channel was opened (its members join with
    /// [`Effect::AddDmMember`]).
    AddDm {
        /// Which.
        channel: ChannelId,
        /// A group, or two people.
        group: bool,
        /// Its owner (or opener).
        owner: UserId,
    },
    /// Someone joined a direct-message channel.
    AddDmMember {
        /// Where.
        channel: ChannelId,
        /// Who.
        user: UserId,
    },
    /// Someone left a group or was removed.
    RemoveDmMember {
        /// Where.
        channel: ChannelId,
        /// Who.
        user: UserId,
    },
    /// A group has a new owner.
    SetDmOwner {
        /// Which.
        channel: ChannelId,
        /// Who.
        user: UserId,
    },
    /// Someone was banned from a server, or unbanned.
    SetBanned {
        /// Where.
        server: ServerId,
        /// Who.
        user: UserId,
        /// Banned now.
        banned: bool,
    },
    /// Someone allowed or refused direct messages from server members.
    SetServerDms {
        /// Who.
        user: UserId,
        /// Allowed.
        allow: bool,
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
        self.servers.insert(
            server,
            ServerEntry { owner, members: HashMap::default(), channels: HashSet::default(), roles: HashMap::default() },
        );
    }

    /// Adds a member (when loading).
    pub fn add_member(&mut self, server: ServerId, user: UserId) {
        if let Some(s) = self.servers.get_mut(&server) {
            s.members.entry(user).or_default();
            self.servers_of.entry(user).or_default().insert(server);
        }
    }

    /// Adds a role (when loading).
    pub fn add_role(&mut self, server: ServerId, role: RoleId, entry: RoleEntry) {
        if let Some(s) = self.servers.get_mut(&server) {
            s.roles.insert(role, entry);
        }
    }

    /// Gives a member a role (when loading).
    pub fn add_member_role(&mut self, server: ServerId, user: UserId, role: RoleId) {
        if let Some(held) = self.servers.get_mut(&server).and_then(|s| s.members.get_mut(&user))
            && !held.contains(&role)
        {
            held.push(role);
        }
    }

    /// Makes a channel private with `access`, or public (when loading, and
    /// for [`Effect::SetAccess`]).
    pub fn set_access(&mut self, channel: ChannelId, access: Option<Access>) {
        match access {
            Some(a) => self.private.insert(channel, a),
            None => self.private.remove(&channel),
        };
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
                self.banned.retain(|(s, _)| *s != server);
                if let Some(s) = self.servers.remove(&server) {
                    for u in s.members.keys() {
                        self.leave(*u, server);
                    }
                    for c in &s.channels {
                        self.channels.remove(c);
                        self.private.remove(c);
                    }
                }
            }
            Effect::AddMember { server, user } => self.add_member(server, user),
            Effect::RemoveMember { server, user } => {
                if let Some(s) = self.servers.get_mut(&server) {
                    s.members.remove(&user);
                }
                self.leave(user, server);
            }
            Effect::SetMemberRoles { server, user, ref roles } => {
                if let Some(held) = self.servers.get_mut(&server).and_then(|s| s.members.get_mut(&user)) {
                    held.clone_from(roles);
                }
            }
            Effect::SetRoles { server, ref roles } => {
                if let Some(s) = self.servers.get_mut(&server) {
                    s.roles = roles.iter().copied().collect();
                    let known = &s.roles;
                    for held in s.members.values_mut() {
                        held.retain(|r| known.contains_key(r));
                    }
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
            Effect::SetAccess { channel, ref access } => self.set_access(channel, access.clone()),
            Effect::MoveChannel { channel, parent } => {
                if let Some(c) = self.channels.get_mut(&channel) {
                    c.parent = parent;
                }
            }
            Effect::RemoveChannel { channel } => {
                self.private.remove(&channel);
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
            Effect::AddDm { channel, group, owner } => self.add_dm(channel, group, owner, 0),
            Effect::AddDmMember { channel, user } => self.add_dm_member(channel, user),
            Effect::RemoveDmMember { channel, user } => {
                if let Some(d) = self.dms.get_mut(&channel) {
                    d.members.retain(|m| *m != user);
                }
                if let Some(set) = self.dms_of.get_mut(&user) {
                    set.remove(&channel);
                    if set.is_empty() {
                        self.dms_of.remove(&user);
                    }
                }
            }
            Effect::SetDmOwner { channel, user } => {
                if let Some(d) = self.dms.get_mut(&channel) {
                    d.owner = user;
                }
            }
            Effect::SetServerDms { user, allow } => self.set_server_dms(user, allow),
            Effect::SetBanned { server, user, banned } => self.set_banned(server, user, banned),
            Effect::ChannelSeq { channel, seq } => {
                if let Some(c) = self.channels.get_mut(&channel) {
                    c.last_seq = c.last_seq.max(seq);
                }
                if let Some(d) = self.dms.get_mut(&channel) {
                    d.last_seq = d.last_seq.max(seq);
                }
            }
        }
    }

    /// Adds a direct-message channel (when loading; members follow).
    pub fn add_dm(&mut self, channel: ChannelId, group: bool, owner: UserId, last_seq: u64) {
        self.dms.insert(channel, DmEntry { group, owner, members: Vec::new(), last_seq });
    }

    /// Adds a member to a direct-message channel (when loading, in the
    /// order they joined).
    pub fn add_dm_member(&mut self, channel: ChannelId, user: UserId) {
        let Some(d) = self.dms.get_mut(&channel) else { return };
        if d.members.contains(&user) {
            return;
        }
        d.members.push(user);
        self.dms_of.entry(user).or_default().insert(channel);
        if !d.group
            && let [a, b] = d.members[..]
        {
            self.pairs.insert(pair(a, b), channel);
        }
    }

    /// Records a ban (or its end).
    pub fn set_banned(&mut self, server: ServerId, user: UserId, banned: bool) {
        if banned {
            self.banned.insert((server, user));
        } else {
            self.banned.remove(&(server, user));
        }
    }

    /// Whether `user` is banned from `server`.
    #[must_use]
    pub fn is_banned(&self, server: ServerId, user: UserId) -> bool {
        self.banned.contains(&(server, user))
    }

    /// Records whether `user` takes direct messages from server members.
    pub fn set_server_dms(&mut self, user: UserId, allow: bool) {
        if allow {
            self.closed_to_servers.remove(&user);
        } else {
            self.closed_to_servers.insert(user);
        }
    }

    /// A direct-message channel.
    #[must_use]
    pub fn dm(&self, channel: ChannelId) -> Option<&DmEntry> {
        self.dms.get(&channel)
    }

    /// The direct channel between `a` and `b`, if one was opened.
    #[must_use]
    pub fn dm_between(&self, a: UserId, b: UserId) -> Option<ChannelId> {
        self.pairs.get(&pair(a, b)).copied()
    }

    /// The direct-message channels `user` is in.
    pub fn dms_of(&self, user: UserId) -> impl Iterator<Item = ChannelId> + '_ {
        self.dms_of.get(&user).into_iter().flatten().copied()
    }

    /// Whether `a` and `b` are together in some direct-message channel.
    #[must_use]
    pub fn share_a_dm(&self, a: UserId, b: UserId) -> bool {
        self.dms_of(a).any(|c| self.dms.get(&c).is_some_and(|d| d.members.contains(&b)))
    }

    /// Why `user` may not write to `other` in a direct channel (or add them
    /// to a group), or `None` when they may: friends always may; people who
    /// share a server may unless `other` turned that off; a block either way
    /// stops it.
    #[must_use]
    pub fn dm_refusal(&self, user: UserId, other: UserId) -> Option<DmRefusal> {
        if self.blocked(user, other) {
            Some(DmRefusal::YouBlocked)
        } else if self.blocked(other, user) {
            Some(DmRefusal::TheyBlocked)
        } else if self.relation(user, other) == Some(RelationshipKind::Friend) {
            None
        } else if !self.share_a_server(user, other) {
            Some(DmRefusal::Strangers)
        } else if self.closed_to_servers.contains(&other) {
            Some(DmRefusal::FriendsOnly)
        } else {
            None
        }
    }

    /// Where a text channel's messages go, if `user` can see it.
    #[must_use]
    pub fn room(&self, channel: ChannelId, user: UserId) -> Option<Room> {
        if let Some(c) = self.channels.get(&channel) {
            return self.can_see(channel, user).then_some(Room::Channel(c.server, channel));
        }
        self.dms.get(&channel).filter(|d| d.members.contains(&user)).map(|_| Room::Dm(channel))
    }

    /// Calls `f` with everyone in a room (no allocation: this is every
    /// message's fan-out).
    pub fn for_each_in_room(&self, room: Room, mut f: impl FnMut(UserId)) {
        match room {
            Room::Server(s) => self.members(s).for_each(&mut f),
            Room::Channel(s, c) => match self.gate(c) {
                None => self.members(s).for_each(&mut f),
                Some(access) => self.members(s).filter(|u| self.admitted(s, *u, access)).for_each(&mut f),
            },
            Room::Dm(c) => self.dms.get(&c).into_iter().flat_map(|d| d.members.iter().copied()).for_each(&mut f),
        }
    }

    /// How many are in a room.
    #[must_use]
    pub fn room_size(&self, room: Room) -> u32 {
        match room {
            Room::Server(s) => self.member_count(s),
            Room::Channel(s, c) => match self.gate(c) {
                None => self.member_count(s),
                Some(access) => self.members(s).filter(|u| self.admitted(s, *u, access)).count() as u32,
            },
            Room::Dm(c) => self.dms.get(&c).map_or(0, |d| d.members.len() as u32),
        }
    }

    /// `seq` of the newest message of a text or direct-message channel.
    #[must_use]
    pub fn last_seq(&self, channel: ChannelId) -> u64 {
        self.channels
            .get(&channel)
            .map(|c| c.last_seq)
            .or_else(|| self.dms.get(&channel).map(|d| d.last_seq))
            .unwrap_or(0)
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
    /// they share a server or a direct-message channel, have a friendship or a request between them, or
    /// `viewer` blocked `target` (to see whom they blocked).
    #[must_use]
    pub fn knows(&self, viewer: UserId, target: UserId) -> bool {
        self.share_a_server(viewer, target)
            || self.share_a_dm(viewer, target)
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

    /// Where `user` stands in `server`, if they are a member.
    #[must_use]
    pub fn standing(&self, server: ServerId, user: UserId) -> Option<Standing> {
        let s = self.servers.get(&server)?;
        let held = s.members.get(&user)?;
        if s.owner == user {
            return Some(Standing { owner: true, permissions: Permissions::ALL, top: u32::MAX });
        }
        let everyone = s.roles.get(&RoleId(server.0)).map_or(Permissions::NONE, |r| r.permissions);
        let (permissions, top) = held
            .iter()
            .filter_map(|r| s.roles.get(r))
            .fold((everyone, 0), |(p, top), r| (p.with(r.permissions), top.max(r.position)));
        let permissions = if permissions.allows(Permission::Administrator) { Permissions::ALL } else { permissions };
        Some(Standing { owner: false, permissions, top })
    }

    /// The custom roles `user` holds in `server`, if they are a member.
    #[must_use]
    pub fn roles_of(&self, server: ServerId, user: UserId) -> Option<&[RoleId]> {
        self.servers.get(&server)?.members.get(&user).map(Vec::as_slice)
    }

    /// A role of `server`.
    #[must_use]
    pub fn role(&self, server: ServerId, role: RoleId) -> Option<RoleEntry> {
        self.servers.get(&server)?.roles.get(&role).copied()
    }

    /// The access list that decides who sees `channel`: its own, or its
    /// category's (`None`: every member sees it).
    #[must_use]
    pub fn gate(&self, channel: ChannelId) -> Option<&Access> {
        self.private.get(&channel).or_else(|| self.channels.get(&channel)?.parent.and_then(|p| self.private.get(&p)))
    }

    /// The access list of `channel` itself, if it is private.
    #[must_use]
    pub fn access(&self, channel: ChannelId) -> Option<&Access> {
        self.private.get(&channel)
    }

    /// Whether a member of `server` gets past `access` (administrators always do).
    fn admitted(&self, server: ServerId, user: UserId, access: &Access) -> bool {
        let Some(s) = self.servers.get(&server) else { return false };
        let Some(held) = s.members.get(&user) else { return false };
        access.admits(user, held) || self.standing(server, user).is_some_and(|st| st.may(Permission::Administrator))
    }

    /// Whether `user` sees `channel`: a member of its server, and past its
    /// access list if it (or its category) is private.
    #[must_use]
    pub fn can_see(&self, channel: ChannelId, user: UserId) -> bool {
        let Some(c) = self.channels.get(&channel) else { return false };
        match self.gate(channel) {
            None => self.is_member(c.server, user),
            Some(access) => self.admitted(c.server, user, access),
        }
    }

    /// Whether `server` has a private channel or category.
    #[must_use]
    pub fn has_private(&self, server: ServerId) -> bool {
        self.servers.get(&server).is_some_and(|s| s.channels.iter().any(|c| self.private.contains_key(c)))
    }

    /// For each member of `server`, the channels hidden from them (only
    /// servers with private channels hide any): what a change to roles or
    /// access lists is compared against.
    #[must_use]
    pub fn hidden(&self, server: ServerId) -> Vec<(UserId, Vec<ChannelId>)> {
        let Some(s) = self.servers.get(&server) else { return vec![] };
        if !self.has_private(server) {
            return vec![];
        }
        let mut channels: Vec<ChannelId> = s.channels.iter().copied().collect();
        channels.sort_unstable();
        let mut out: Vec<(UserId, Vec<ChannelId>)> = s
            .members
            .keys()
            .map(|u| (*u, channels.iter().copied().filter(|c| !self.can_see(*c, *u)).collect::<Vec<_>>()))
            .filter(|(_, hidden)| !hidden.is_empty())
            .collect();
        out.sort_unstable_by_key(|(u, _)| *u);
        out
    }

    /// Whether `user` is a member of `server`.
    #[must_use]
    pub fn is_member(&self, server: ServerId, user: UserId) -> bool {
        self.servers.get(&server).is_some_and(|s| s.members.contains_key(&user))
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

    /// Everyone sharing at least one server or direct-message channel with
    /// `user`, everyone with a friendship or a request with them, and
    /// `user`: who hears of their profile changes.
    #[must_use]
    pub fn peers_of(&self, user: UserId) -> HashSet<UserId> {
        let mut peers = HashSet::default();
        peers.insert(user);
        for s in self.servers_of(user) {
            peers.extend(self.members(s));
        }
        peers.extend(self.related(user).map(|(u, _)| u));
        for c in self.dms_of(user) {
            peers.extend(self.dms.get(&c).into_iter().flat_map(|d| d.members.iter().copied()));
        }
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

/// Why someone may not write to someone else directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmRefusal {
    /// The writer blocked them.
    YouBlocked,
    /// They blocked the writer.
    TheyBlocked,
    /// Neither friends nor in a server together.
    Strangers,
    /// In a server together, but they take direct messages from friends only.
    FriendsOnly,
}

/// The key of a pair of people in [`Directory::dm_between`].
fn pair(a: UserId, b: UserId) -> (UserId, UserId) {
    if a <= b { (a, b) } else { (b, a) }
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
