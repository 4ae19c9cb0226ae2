//! When the gateway last changed each person and each member list, so that
//! an answer fetched over REST while it did is not laid over anything newer.
//!
//! A member list asked for at t0 and answered at t2 describes the server at
//! some moment in between; a `user_updated` or `presence_updated` applied at
//! t1 is newer than that answer for its person, and a `member_joined`,
//! `member_left` or `member_updated` for that member. Taking a mark before
//! asking and comparing after tells the two apart.

use std::collections::HashMap;

use pq_protocol::{ServerId, UserId};

/// A count of the gateway's changes, and the count at each one's last.
#[derive(Debug, Default)]
pub(crate) struct Marks {
    seq: u64,
    /// Everything at once (a `ready`: every presence replaced).
    all: u64,
    users: HashMap<UserId, u64>,
    /// The count at each member's last change, and whether it took them out.
    members: HashMap<(ServerId, UserId), (u64, bool)>,
}

/// What the gateway did to a member after a mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberChange {
    /// Joined, or got other roles: the cache has them as they are.
    In,
    /// Left, or was removed.
    Out,
}

impl Marks {
    /// The mark to compare with later.
    pub(crate) fn now(&self) -> u64 {
        self.seq
    }

    /// The gateway changed this person's profile or presence.
    pub(crate) fn user(&mut self, id: UserId) {
        self.seq += 1;
        self.users.insert(id, self.seq);
    }

    /// The gateway added or changed (`out`: removed) this member of this
    /// server.
    pub(crate) fn member(&mut self, server: ServerId, user: UserId, out: bool) {
        self.seq += 1;
        self.members.insert((server, user), (self.seq, out));
    }

    /// The gateway replaced what is known of everyone (a `ready`).
    pub(crate) fn everything(&mut self) {
        self.seq += 1;
        self.all = self.seq;
        // Older marks are all below `all` now.
        self.users.clear();
        self.members.clear();
    }

    /// Whether the gateway changed this person after `mark`.
    pub(crate) fn user_since(&self, id: UserId, mark: u64) -> bool {
        self.all > mark || self.users.get(&id).is_some_and(|&s| s > mark)
    }

    /// Whether the gateway replaced everything after `mark`.
    pub(crate) fn everything_since(&self, mark: u64) -> bool {
        self.all > mark
    }

    /// Whether the gateway changed any member of this server after `mark`.
    pub(crate) fn any_member_since(&self, server: ServerId, mark: u64) -> bool {
        self.members.iter().any(|(&(s, _), &(seq, _))| s == server && seq > mark)
    }

    /// What the gateway last did to this member after `mark`, if anything
    /// (see [`Self::everything_since`] for a `ready`).
    pub(crate) fn member_since(&self, server: ServerId, user: UserId, mark: u64) -> Option<MemberChange> {
        match self.members.get(&(server, user)) {
            Some(&(s, out)) if s > mark => Some(if out { MemberChange::Out } else { MemberChange::In }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_after_the_mark_count() {
        let (alice, bob) = (UserId::new(), UserId::new());
        let (club, other) = (ServerId::new(), ServerId::new());
        let mut marks = Marks::default();
        marks.user(alice);
        marks.member(club, alice, false);
        let asked = marks.now();
        assert!(!marks.user_since(alice, asked), "before the question");
        assert_eq!(marks.member_since(club, alice, asked), None);
        assert!(!marks.any_member_since(club, asked));
        marks.user(bob);
        marks.member(other, alice, false);
        assert!(marks.user_since(bob, asked));
        assert!(!marks.user_since(alice, asked));
        assert_eq!(marks.member_since(other, alice, asked), Some(MemberChange::In));
        assert_eq!(marks.member_since(club, alice, asked), None, "another server's member");
        assert_eq!(marks.member_since(other, bob, asked), None, "another member");
        assert!(marks.any_member_since(other, asked));
        assert!(!marks.any_member_since(club, asked), "another server");
        marks.member(other, alice, true);
        assert_eq!(marks.member_since(other, alice, asked), Some(MemberChange::Out), "the last change counts");
        assert!(!marks.everything_since(asked));
        marks.everything();
        assert!(marks.user_since(alice, asked), "a ready is newer than everything asked before it");
        assert!(marks.everything_since(asked));
        let later = marks.now();
        assert!(!marks.user_since(alice, later));
        assert!(!marks.everything_since(later));
    }
}
