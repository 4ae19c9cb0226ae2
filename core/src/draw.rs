//! Checks a paid event's draw without trusting the server: the revealed
//! seed must hash to the commitment published when the event was created,
//! and the winner must follow from the seed and the published participant
//! list by pq's rule (ARCHITECTURE.md, "Paid events"):
//!
//! 1. `h = SHA-256(seed ‖ "pq-draw-v1" ‖ event id)`;
//! 2. `x` = the first 16 bytes of `h`, big-endian;
//! 3. `ticket = x mod T` (`T` = all entries);
//! 4. the winner is the first participant, in the published order, whose
//!    running total of entries exceeds `ticket`.
//!
//! Written apart from pq-server's code on purpose: a mistake or a cheat
//! there is not repeated here.

use pq_protocol::{UserId, models::EventParticipants};
use sha2::{Digest as _, Sha256};

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The seed hashes to the commitment.
    pub commitment_ok: bool,
    /// The winner by the rule, from the published list.
    pub recomputed: Option<UserId>,
    /// The winner the server announced.
    pub announced: Option<UserId>,
}

impl Verdict {
    /// Whether the draw stands: the commitment holds and the winners agree.
    #[must_use]
    pub fn holds(&self) -> bool {
        self.commitment_ok && self.recomputed.is_some() && self.recomputed == self.announced
    }
}

/// Why a draw cannot be checked (yet).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    /// No seed revealed: not drawn yet.
    #[error("this event is not drawn yet: its seed is still secret (commitment {0})")]
    NotDrawn(String),
    /// The seed is not hex.
    #[error("the revealed seed is not hexadecimal")]
    BadSeed,
}

/// Checks the draw of `p` (the event and its participants as published).
///
/// # Errors
/// [`DrawError`] when there is nothing to check.
pub fn verify(p: &EventParticipants) -> Result<Verdict, DrawError> {
    let e = &p.event;
    let seed_hex = e.seed.as_deref().ok_or_else(|| DrawError::NotDrawn(e.commitment.clone()))?;
    let seed = hex::decode(seed_hex).map_err(|_| DrawError::BadSeed)?;
    let commitment_ok = hex::encode(Sha256::digest(&seed)).eq_ignore_ascii_case(&e.commitment);
    let total: u128 = p.participants.iter().map(|x| u128::from(x.entries)).sum();
    let recomputed = (total > 0).then(|| {
        let h = Sha256::new().chain_update(&seed).chain_update(b"pq-draw-v1").chain_update(e.id.as_bytes()).finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&h[..16]);
        let ticket = u128::from_be_bytes(first) % total;
        let mut running = 0u128;
        p.participants
            .iter()
            .find(|x| {
                running += u128::from(x.entries);
                running > ticket
            })
            .map(|x| x.user_id)
    });
    Ok(Verdict { commitment_ok, recomputed: recomputed.flatten(), announced: e.winner })
}

#[cfg(test)]
mod tests {
    use pq_protocol::{
        Timestamp,
        models::{EventParticipant, PaidEvent, PaidEventState},
    };

    use super::*;

    fn drawn(seed: &[u8], winner: Option<UserId>, list: Vec<EventParticipant>) -> EventParticipants {
        EventParticipants {
            event: PaidEvent {
                id: "0190aaaa-0000-7000-8000-000000000001".into(),
                title: "t".into(),
                entry_price_krw: 1500,
                starts_at: Timestamp::from_millis(0),
                ends_at: Timestamp::from_millis(1),
                state: PaidEventState::Drawn,
                pot_krw: 0,
                entries: 0,
                participants: 0,
                commitment: hex::encode(Sha256::digest(seed)),
                seed: Some(hex::encode(seed)),
                winner,
                drawn_at: Some(Timestamp::from_millis(2)),
            },
            participants: list,
        }
    }

    #[test]
    fn a_lie_about_the_winner_or_the_seed_is_caught() {
        let (a, b) = (UserId::new(), UserId::new());
        let list = vec![
            EventParticipant { user_id: a, display_name: "a".into(), entries: 2 },
            EventParticipant { user_id: b, display_name: "b".into(), entries: 1 },
        ];
        let fair = verify(&drawn(&[7; 32], None, list.clone())).unwrap().recomputed.unwrap();
        let other = if fair == a { b } else { a };
        assert!(verify(&drawn(&[7; 32], Some(fair), list.clone())).unwrap().holds());
        assert!(!verify(&drawn(&[7; 32], Some(other), list.clone())).unwrap().holds());
        let mut swapped = drawn(&[7; 32], Some(fair), list);
        swapped.event.seed = Some(hex::encode([8; 32]));
        let v = verify(&swapped).unwrap();
        assert!(!v.commitment_ok && !v.holds());
        swapped.event.seed = None;
        assert!(matches!(verify(&swapped), Err(DrawError::NotDrawn(_))));
    }
}
