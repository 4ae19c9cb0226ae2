//! Paid events run by pq administrators, and their verifiable draw.
//!
//! An event has an entry price; members buy entries through the same
//! checkout as plans while it is open (between `starts_at` and `ends_at`,
//! which administrators can bring forward: start now, end now); every
//! entry adds its price to the pot. Every change (created, opened, closed,
//! drawn, the pot) is pushed to everyone connected.
//!
//! # The draw (commit–reveal)
//! At creation the server draws a secret 32-byte seed and publishes its
//! commitment `SHA-256(seed)` (hex) with the event; the seed is stored with
//! the event, so a restart changes nothing. The participants are published
//! in a fixed order — by their first paid entry (`paid_at`), then by id —
//! each with their entries; entries are final once the event ends (refunds
//! of them are refused from then on). At the draw the seed is revealed and
//! the winner follows from the rule [`winner`]:
//!
//! 1. `h = SHA-256(seed ‖ "pq-draw-v1" ‖ event id (UTF-8))`;
//! 2. `x` = the first 16 bytes of `h` as a big-endian integer;
//! 3. `ticket = x mod T`, `T` = all entries;
//! 4. walking the list, the winner is the first participant whose running
//!    total of entries exceeds `ticket` (so each entry is one ticket).
//!
//! `pq event verify` recomputes this in pq-core, from the published
//! commitment, seed and list, without this code.

use pq_protocol::{
    Timestamp, UserId,
    gateway::Event,
    limits::Plan,
    models::{Checkout, CreatePaidEvent, EventParticipant, EventParticipants, PaidEvent, PaidEventState},
};
use sha2::{Digest as _, Sha256};

use super::{Chat, store::PaidEventRow, writer::Tx};
use crate::{
    error::{ApiError, ApiResult},
    gateway::Audience,
};

/// Most entries bought in one order.
pub const MAX_ENTRIES: u32 = 100;

/// Where an event stands at `now`.
#[must_use]
pub fn state_of(e: &PaidEventRow, now: Timestamp) -> PaidEventState {
    if e.drawn_at.is_some() {
        PaidEventState::Drawn
    } else if now < e.starts_at {
        PaidEventState::Scheduled
    } else if now < e.ends_at {
        PaidEventState::Open
    } else {
        PaidEventState::Closed
    }
}

/// The winner of a draw by the rule in the module docs (`None`: no entries).
#[must_use]
pub fn winner(seed: &[u8], event_id: &str, participants: &[(UserId, u32)]) -> Option<UserId> {
    let total: u64 = participants.iter().map(|(_, n)| u64::from(*n)).sum();
    if total == 0 {
        return None;
    }
    let mut h = Sha256::new();
    h.update(seed);
    h.update(b"pq-draw-v1");
    h.update(event_id.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    let ticket = (u128::from_be_bytes(first) % u128::from(total)) as u64;
    let mut running = 0u64;
    participants.iter().find_map(|(who, n)| {
        running += u64::from(*n);
        (running > ticket).then_some(*who)
    })
}

/// The event as everyone sees it (the seed only once drawn).
fn view(store: &dyn super::store::Store, e: &PaidEventRow, now: Timestamp) -> ApiResult<PaidEvent> {
    let list = store.event_participants(&e.id)?;
    let state = state_of(e, now);
    Ok(PaidEvent {
        id: e.id.clone(),
        title: e.title.clone(),
        entry_price_krw: e.entry_price,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        state,
        pot_krw: store.event_pot(&e.id)?,
        entries: list.iter().map(|(_, _, n)| n).sum(),
        participants: u32::try_from(list.len()).unwrap_or(u32::MAX),
        commitment: e.commitment.clone(),
        seed: (state == PaidEventState::Drawn).then(|| e.seed.clone()),
        winner: e.winner,
        drawn_at: e.drawn_at,
    })
}

/// Tells everyone connected where `id` stands now.
pub(super) fn announce_event(tx: &mut Tx<'_>, id: &str) -> ApiResult<()> {
    let now = tx.now();
    let mut e = tx.store().paid_event(id)?.ok_or(ApiError::NotFound("event"))?;
    let event = view(tx.store(), &e, now)?;
    if e.announced != event.state {
        e.announced = event.state;
        tx.store().put_paid_event(&e)?;
    }
    tx.emit(Audience::Everyone, Event::PaidEventChanged { event });
    Ok(())
}

/// Refuses unless `id` takes entries now.
pub(super) fn require_open(tx: &mut Tx<'_>, id: &str) -> ApiResult<PaidEventRow> {
    let now = tx.now();
    let e = tx.store().paid_event(id)?.ok_or(ApiError::NotFound("event"))?;
    match state_of(&e, now) {
        PaidEventState::Open => Ok(e),
        PaidEventState::Scheduled => Err(ApiError::Conflict("this event does not take entries yet".into())),
        _ => Err(ApiError::Conflict("this event has ended: it takes no more entries".into())),
    }
}

fn event_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Chat {
    /// Creates a paid event with a fresh seed and publishes its commitment
    /// (pq administrators; the caller checked).
    ///
    /// # Errors
    /// 422 for a bad title, price or times.
    pub async fn create_paid_event(&self, admin: UserId, req: CreatePaidEvent) -> ApiResult<PaidEvent> {
        let title = super::validate::name("title", &req.title, 100)?;
        if !(100..=1_000_000).contains(&req.entry_price_krw) {
            return Err(ApiError::invalid("entry_price_krw", "between 100 and 1,000,000 won"));
        }
        if req.ends_at <= req.starts_at {
            return Err(ApiError::invalid("ends_at", "an event ends after it starts"));
        }
        let seed: [u8; 32] = rand::random();
        let commitment = hex::encode(Sha256::digest(seed));
        self.writer
            .run(move |tx| {
                let now = tx.now();
                let e = PaidEventRow {
                    id: event_id(),
                    title,
                    entry_price: req.entry_price_krw,
                    starts_at: req.starts_at,
                    ends_at: req.ends_at,
                    seed: hex::encode(seed),
                    commitment,
                    winner: None,
                    drawn_at: None,
                    announced: PaidEventState::Scheduled,
                    created_by: admin,
                    created_at: now,
                };
                tx.store().put_paid_event(&e)?;
                announce_event(tx, &e.id)?;
                view(tx.store(), &e, now)
            })
            .await
    }

    /// Paid events, newest first (the last 50).
    ///
    /// # Errors
    /// Storage failure.
    pub async fn paid_events(&self) -> ApiResult<Vec<PaidEvent>> {
        let now = self.hub.clock().timestamp();
        self.reads
            .read(move |s| s.paid_events(50)?.iter().map(|e| view(s, e, now)).collect::<ApiResult<Vec<_>>>())
            .await
    }

    /// An event and its participants in the draw's order.
    ///
    /// # Errors
    /// 404.
    pub async fn event_participants(&self, id: String) -> ApiResult<EventParticipants> {
        let now = self.hub.clock().timestamp();
        self.reads
            .read(move |s| {
                let e = s.paid_event(&id)?.ok_or(ApiError::NotFound("event"))?;
                let participants = s
                    .event_participants(&id)?
                    .into_iter()
                    .map(|(user_id, display_name, entries)| EventParticipant { user_id, display_name, entries })
                    .collect();
                Ok(EventParticipants { event: view(s, &e, now)?, participants })
            })
            .await
    }

    /// Starts taking entries now, or stops now (pq administrators).
    ///
    /// # Errors
    /// 404; 409 already open (start) or already ended (end).
    pub async fn move_paid_event(&self, id: String, start: bool) -> ApiResult<PaidEvent> {
        self.writer
            .run(move |tx| {
                let now = tx.now();
                let mut e = tx.store().paid_event(&id)?.ok_or(ApiError::NotFound("event"))?;
                match (start, state_of(&e, now)) {
                    (true, PaidEventState::Scheduled) => e.starts_at = now,
                    (true, _) => return Err(ApiError::Conflict("this event has started already".into())),
                    (false, PaidEventState::Open | PaidEventState::Scheduled) => {
                        e.ends_at = now;
                        e.starts_at = e.starts_at.min(now);
                    }
                    (false, _) => return Err(ApiError::Conflict("this event has ended already".into())),
                }
                tx.store().put_paid_event(&e)?;
                announce_event(tx, &id)?;
                view(tx.store(), &e, now)
            })
            .await
    }

    /// Draws the winner of an ended event and reveals the seed (pq
    /// administrators).
    ///
    /// # Errors
    /// 404; 409 still open, drawn already, or nobody entered.
    pub async fn draw_paid_event(&self, id: String) -> ApiResult<PaidEvent> {
        let e = self
            .writer
            .run(move |tx| {
                let now = tx.now();
                let mut e = tx.store().paid_event(&id)?.ok_or(ApiError::NotFound("event"))?;
                match state_of(&e, now) {
                    PaidEventState::Closed => {}
                    PaidEventState::Drawn => return Err(ApiError::Conflict("this event is drawn already".into())),
                    _ => return Err(ApiError::Conflict("draw once the event has ended".into())),
                }
                let list: Vec<(UserId, u32)> =
                    tx.store().event_participants(&id)?.into_iter().map(|(u, _, n)| (u, n)).collect();
                let seed = hex::decode(&e.seed).map_err(|e| ApiError::Internal(format!("a stored seed: {e}")))?;
                let won = winner(&seed, &id, &list).ok_or_else(|| ApiError::Conflict("nobody entered".into()))?;
                e.winner = Some(won);
                e.drawn_at = Some(now);
                tx.store().put_paid_event(&e)?;
                announce_event(tx, &id)?;
                view(tx.store(), &e, now)
            })
            .await?;
        tracing::info!(event = %e.id, winner = ?e.winner, "paid event drawn");
        Ok(e)
    }

    /// Buys `entries` of an open event: an order of `entries` × the price.
    ///
    /// # Errors
    /// 404; 409 not open; 422 entries outside 1–100; 503 no payments.
    pub async fn buy_entries(&self, user: UserId, id: String, entries: u32) -> ApiResult<Checkout> {
        if !(1..=MAX_ENTRIES).contains(&entries) {
            return Err(ApiError::invalid("entries", "between 1 and 100 entries"));
        }
        let key = id.clone();
        let e = self.reads.read(move |s| s.paid_event(&key)?.ok_or(ApiError::NotFound("event"))).await?;
        let amount = e.entry_price.saturating_mul(entries);
        self.new_order(user, Plan::Free, amount, Some((id, entries))).await
    }

    /// Announces the events whose state changed with time (opened or closed
    /// on schedule); returns how many.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn announce_paid_events(&self) -> ApiResult<usize> {
        let now = self.hub.clock().timestamp();
        let due: Vec<String> = self
            .reads
            .read(move |s| {
                Ok::<_, ApiError>(
                    s.paid_events(50)?.into_iter().filter(|e| state_of(e, now) != e.announced).map(|e| e.id).collect(),
                )
            })
            .await?;
        for id in &due {
            let id = id.clone();
            self.writer.run(move |tx| announce_event(tx, &id)).await?;
        }
        Ok(due.len())
    }

    /// The soonest moment an event opens or closes on schedule, if any.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn next_event_boundary(&self) -> ApiResult<Option<Timestamp>> {
        let now = self.hub.clock().timestamp();
        self.reads
            .read(move |s| {
                Ok::<_, ApiError>(
                    s.paid_events(50)?
                        .into_iter()
                        .filter(|e| e.drawn_at.is_none())
                        .flat_map(|e| [e.starts_at, e.ends_at])
                        .filter(|t| *t > now)
                        .min(),
                )
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_entry_is_one_ticket() {
        let (a, b) = (UserId::new(), UserId::new());
        let list = [(a, 1), (b, 3)];
        let mut wins = [0u32; 2];
        for i in 0..4000u32 {
            let w = winner(&i.to_be_bytes(), "ev-test", &list).unwrap();
            wins[usize::from(w == b)] += 1;
        }
        // b holds 3 of 4 tickets: about 3,000 of 4,000 draws.
        assert!((2800..3200).contains(&wins[1]), "{wins:?}");
        assert_eq!(winner(&[1], "ev", &[]), None);
        assert_eq!(winner(&[1], "ev", &[(a, 0)]), None);
        // The same seed, event and list: the same winner.
        assert_eq!(winner(b"seed", "ev-x", &list), winner(b"seed", "ev-x", &list));
    }
}
