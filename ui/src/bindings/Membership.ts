// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Payment } from "./Payment";
import type { Plan } from "./Plan";
import type { Timestamp } from "./Timestamp";

/**
 * `GET /api/users/@me/membership`: one's plan, until when it runs, and
 * one's payments.
 */
export type Membership = { 
/**
 * The plan now.
 */
plan: Plan, 
/**
 * When the paid plan ends unless renewed (none for the free plan or
 * one an administrator gave).
 */
period_end: Timestamp | null, 
/**
 * Whether one said not to renew it (no reminders; it ends at
 * `period_end`).
 */
cancel_at_period_end: boolean, 
/**
 * One's payments, newest first (the last 50).
 */
payments: Array<Payment>, };
