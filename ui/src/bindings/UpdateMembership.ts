// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `PATCH /api/users/@me/membership`.
 */
export type UpdateMembership = { 
/**
 * Let the plan end at the end of the period (true) or keep it
 * (false).
 */
cancel_at_period_end: boolean, };
