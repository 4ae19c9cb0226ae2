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
    members: HashMap<(ServerId, UserId), u64>,
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

    /// The gateway added, removed or changed this member of this server.
    pub(crate) fn member(&mut self, server: ServerId, user: UserId) {
        self.seq += 1;
        self.members.insert((server, user), self.seq);
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

    /// Whether the gateway added, removed or changed this member after `mark`.
    pub(crate) fn member_since(&self, server: ServerId, user: UserId, mark: u64) -> bool {
        self.all > mark || self.members.get(&(server, user)).is_some_and(|&s| s > mark)
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
        marks.member(club, alice);
        let asked = marks.now();
        assert!(!marks.user_since(alice, asked), "before the question");
        assert!(!marks.member_since(club, alice, asked));
        marks.user(bob);
        marks.member(other, alice);
        assert!(marks.user_since(bob, asked));
        assert!(!marks.user_since(alice, asked));
        assert!(marks.member_since(other, alice, asked));
        assert!(!marks.member_since(club, alice, asked), "another server's member");
        assert!(!marks.member_since(other, bob, asked), "another member");
        marks.everything();
        assert!(marks.user_since(alice, asked), "a ready is newer than everything asked before it");
        assert!(marks.member_since(club, alice, asked));
        let later = marks.now();
        assert!(!marks.user_since(alice, later));
        assert!(!marks.member_since(club, alice, later));
    }
}
