//! The payment tables on SQLite: orders, the append-only ledger, paid
//! periods (migration 0019).

use pq_protocol::{
    Timestamp, UserId,
    limits::Plan,
    models::{LedgerEntry, PaidEventState, PaymentStatus},
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{MembershipRow, NewLedger, OrderRow, PaidEventRow, StoreResult, col_id, exec, opt_id, opt_ts, ts};

fn status_str(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Pending => "pending",
        PaymentStatus::Paid => "paid",
        PaymentStatus::PartiallyRefunded => "partially_refunded",
        PaymentStatus::Refunded => "refunded",
        PaymentStatus::Failed => "failed",
    }
}

fn status_of(s: &str) -> PaymentStatus {
    match s {
        "paid" => PaymentStatus::Paid,
        "partially_refunded" => PaymentStatus::PartiallyRefunded,
        "refunded" => PaymentStatus::Refunded,
        "failed" => PaymentStatus::Failed,
        _ => PaymentStatus::Pending,
    }
}

fn plan_of(s: &str) -> Plan {
    Plan::from_name(s).unwrap_or_default()
}

const ORDER_COLS: &str = "id, user_id, plan, amount, refunded, status, payment_key, failure, added_ms, \
                          prev_plan, prev_end, created_at, paid_at, event_id, entries";

fn order_row(r: &Row<'_>) -> rusqlite::Result<OrderRow> {
    let prev = match (r.get::<_, Option<String>>(9)?, opt_ts(r, 10)?) {
        (Some(p), Some(end)) => Some((plan_of(&p), end)),
        _ => None,
    };
    Ok(OrderRow {
        id: r.get(0)?,
        user: col_id(r, 1)?,
        plan: plan_of(&r.get::<_, String>(2)?),
        amount: r.get(3)?,
        refunded: r.get(4)?,
        status: status_of(&r.get::<_, String>(5)?),
        payment_key: r.get(6)?,
        failure: r.get(7)?,
        added_ms: r.get(8)?,
        prev,
        created_at: ts(r, 11)?,
        paid_at: opt_ts(r, 12)?,
        event_id: r.get(13)?,
        entries: r.get(14)?,
    })
}

pub(super) fn q_order(c: &Connection, id: &str) -> StoreResult<Option<OrderRow>> {
    Ok(c.prepare_cached(&format!("SELECT {ORDER_COLS} FROM orders WHERE id = ?"))?
        .query_row([id], order_row)
        .optional()?)
}

pub(super) fn q_orders_of(c: &Connection, user: UserId, limit: usize) -> StoreResult<Vec<OrderRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {ORDER_COLS} FROM orders WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"
    ))?
    .query_map(params![user.to_string(), limit as i64], order_row)?
    .collect::<Result<_, _>>()?)
}

pub(super) fn q_orders_page(c: &Connection, before: Option<&str>, limit: usize) -> StoreResult<(Vec<OrderRow>, bool)> {
    let mut rows: Vec<OrderRow> = c
        .prepare_cached(&format!(
            "SELECT {ORDER_COLS} FROM orders o
             WHERE ?1 IS NULL OR (o.created_at, o.id) < (SELECT created_at, id FROM orders WHERE id = ?1)
             ORDER BY o.created_at DESC, o.id DESC LIMIT ?2"
        ))?
        .query_map(params![before, (limit + 1) as i64], order_row)?
        .collect::<Result<_, _>>()?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok((rows, more))
}

pub(super) fn q_payment_totals(c: &Connection) -> StoreResult<(u64, u64)> {
    Ok(c.prepare_cached(
        "SELECT COALESCE(SUM(amount), 0), COALESCE(SUM(refunded), 0) FROM orders
         WHERE status IN ('paid', 'partially_refunded', 'refunded')",
    )?
    .query_row([], |r| Ok((r.get::<_, i64>(0)?.max(0) as u64, r.get::<_, i64>(1)?.max(0) as u64)))?)
}

pub(super) fn q_ledger_of(c: &Connection, order: &str) -> StoreResult<Vec<LedgerEntry>> {
    Ok(c.prepare_cached(
        "SELECT seq, order_id, user_id, action, amount, status, payment_key, actor_id, note, at
         FROM payment_ledger WHERE order_id = ? ORDER BY seq",
    )?
    .query_map([order], |r| {
        Ok(LedgerEntry {
            seq: r.get(0)?,
            order_id: r.get(1)?,
            user_id: col_id(r, 2)?,
            action: r.get(3)?,
            amount_krw: r.get(4)?,
            status: status_of(&r.get::<_, String>(5)?),
            payment_key: r.get(6)?,
            actor: opt_id(r, 7)?,
            note: r.get(8)?,
            at: ts(r, 9)?,
        })
    })?
    .collect::<Result<_, _>>()?)
}

pub(super) fn q_orders_to_reconcile(c: &Connection, since: Timestamp, limit: usize) -> StoreResult<Vec<OrderRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {ORDER_COLS} FROM orders
         WHERE payment_key IS NOT NULL OR (status = 'pending' AND created_at > ?1)
         ORDER BY created_at DESC LIMIT ?2"
    ))?
    .query_map(params![since.as_millis(), limit as i64], order_row)?
    .collect::<Result<_, _>>()?)
}

pub(super) fn q_membership(c: &Connection, user: UserId) -> StoreResult<Option<MembershipRow>> {
    Ok(c.prepare_cached("SELECT plan, period_end, cancel_at_period_end FROM memberships WHERE user_id = ?")?
        .query_row([user.to_string()], |r| {
            Ok(MembershipRow {
                plan: plan_of(&r.get::<_, String>(0)?),
                period_end: ts(r, 1)?,
                cancel_at_period_end: r.get(2)?,
            })
        })
        .optional()?)
}

pub(super) fn q_memberships_due(c: &Connection, now: Timestamp, limit: usize) -> StoreResult<Vec<UserId>> {
    Ok(c.prepare_cached("SELECT user_id FROM memberships WHERE period_end <= ? ORDER BY period_end LIMIT ?")?
        .query_map(params![now.as_millis(), limit as i64], |r| col_id(r, 0))?
        .collect::<Result<_, _>>()?)
}

pub(super) fn put_order(c: &Connection, o: &OrderRow) -> StoreResult<()> {
    exec(
        c,
        "INSERT INTO orders (id, user_id, plan, amount, refunded, status, payment_key, failure, added_ms,
                             prev_plan, prev_end, created_at, paid_at, event_id, entries)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET refunded = ?5, status = ?6, payment_key = ?7, failure = ?8,
             added_ms = ?9, prev_plan = ?10, prev_end = ?11, paid_at = ?13",
        params![
            o.id,
            o.user.to_string(),
            o.plan.as_str(),
            o.amount,
            o.refunded,
            status_str(o.status),
            o.payment_key,
            o.failure,
            o.added_ms,
            o.prev.map(|(p, _)| p.as_str()),
            o.prev.map(|(_, e)| e.as_millis()),
            o.created_at.as_millis(),
            o.paid_at.map(Timestamp::as_millis),
            o.event_id,
            o.entries,
        ],
    )
    .map(drop)
}

pub(super) fn append_ledger(c: &Connection, e: &NewLedger<'_>) -> StoreResult<()> {
    exec(
        c,
        "INSERT INTO payment_ledger (order_id, user_id, action, amount, status, payment_key, actor_id, note, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            e.order.id,
            e.order.user.to_string(),
            e.action,
            e.amount,
            status_str(e.order.status),
            e.order.payment_key,
            e.actor.map(|a| a.to_string()),
            e.note,
            e.at.as_millis(),
        ],
    )
    .map(drop)
}

pub(super) fn put_membership(c: &Connection, user: UserId, m: Option<&MembershipRow>) -> StoreResult<()> {
    match m {
        Some(m) => exec(
            c,
            "INSERT INTO memberships (user_id, plan, period_end, cancel_at_period_end) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id) DO UPDATE SET plan = ?2, period_end = ?3, cancel_at_period_end = ?4",
            params![user.to_string(), m.plan.as_str(), m.period_end.as_millis(), m.cancel_at_period_end],
        ),
        None => exec(c, "DELETE FROM memberships WHERE user_id = ?", [user.to_string()]),
    }
    .map(drop)
}

fn state_str(s: PaidEventState) -> &'static str {
    match s {
        PaidEventState::Scheduled => "scheduled",
        PaidEventState::Open => "open",
        PaidEventState::Closed => "closed",
        PaidEventState::Drawn => "drawn",
    }
}

fn state_of(s: &str) -> PaidEventState {
    match s {
        "open" => PaidEventState::Open,
        "closed" => PaidEventState::Closed,
        "drawn" => PaidEventState::Drawn,
        _ => PaidEventState::Scheduled,
    }
}

const EVENT_COLS: &str = "id, title, entry_price, starts_at, ends_at, seed, commitment, winner_id, drawn_at, \
                          announced, created_by, created_at";

fn paid_event_row(r: &Row<'_>) -> rusqlite::Result<PaidEventRow> {
    Ok(PaidEventRow {
        id: r.get(0)?,
        title: r.get(1)?,
        entry_price: r.get(2)?,
        starts_at: ts(r, 3)?,
        ends_at: ts(r, 4)?,
        seed: r.get(5)?,
        commitment: r.get(6)?,
        winner: opt_id(r, 7)?,
        drawn_at: opt_ts(r, 8)?,
        announced: state_of(&r.get::<_, String>(9)?),
        created_by: col_id(r, 10)?,
        created_at: ts(r, 11)?,
    })
}

pub(super) fn q_paid_event(c: &Connection, id: &str) -> StoreResult<Option<PaidEventRow>> {
    Ok(c.prepare_cached(&format!("SELECT {EVENT_COLS} FROM paid_events WHERE id = ?"))?
        .query_row([id], paid_event_row)
        .optional()?)
}

pub(super) fn q_paid_events(c: &Connection, limit: usize) -> StoreResult<Vec<PaidEventRow>> {
    Ok(c.prepare_cached(&format!("SELECT {EVENT_COLS} FROM paid_events ORDER BY created_at DESC, id DESC LIMIT ?"))?
        .query_map([limit as i64], paid_event_row)?
        .collect::<Result<_, _>>()?)
}

pub(super) fn q_event_participants(c: &Connection, id: &str) -> StoreResult<Vec<(UserId, String, u32)>> {
    Ok(c.prepare_cached(
        "SELECT o.user_id, u.display_name, SUM(o.entries), MIN(o.paid_at) AS first
         FROM orders o JOIN users u ON u.id = o.user_id
         WHERE o.event_id = ? AND o.status IN ('paid', 'partially_refunded')
         GROUP BY o.user_id ORDER BY first, o.user_id",
    )?
    .query_map([id], |r| Ok((col_id(r, 0)?, r.get(1)?, r.get::<_, i64>(2)?.clamp(0, i64::from(u32::MAX)) as u32)))?
    .collect::<Result<_, _>>()?)
}

pub(super) fn q_event_pot(c: &Connection, id: &str) -> StoreResult<u64> {
    Ok(c.prepare_cached(
        "SELECT COALESCE(SUM(amount - refunded), 0) FROM orders
         WHERE event_id = ? AND status IN ('paid', 'partially_refunded', 'refunded')",
    )?
    .query_row([id], |r| Ok(r.get::<_, i64>(0)?.max(0) as u64))?)
}

pub(super) fn put_paid_event(c: &Connection, e: &PaidEventRow) -> StoreResult<()> {
    exec(
        c,
        "INSERT INTO paid_events (id, title, entry_price, starts_at, ends_at, seed, commitment, winner_id, drawn_at,
                                  announced, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET title = ?2, starts_at = ?4, ends_at = ?5, winner_id = ?8, drawn_at = ?9,
             announced = ?10",
        params![
            e.id,
            e.title,
            e.entry_price,
            e.starts_at.as_millis(),
            e.ends_at.as_millis(),
            e.seed,
            e.commitment,
            e.winner.map(|w| w.to_string()),
            e.drawn_at.map(Timestamp::as_millis),
            state_str(e.announced),
            e.created_by.to_string(),
            e.created_at.as_millis(),
        ],
    )
    .map(drop)
}
