// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { PaymentStatus } from "./PaymentStatus";
import type { Plan } from "./Plan";
import type { Timestamp } from "./Timestamp";
import type { UserId } from "./UserId";

/**
 * A payment for a plan, as its payer and administrators see it.
 */
export type Payment = { 
/**
 * The order (Toss's `orderId`).
 */
order_id: string, 
/**
 * Who pays.
 */
user_id: UserId, 
/**
 * The plan it buys a month of.
 */
plan: Plan, 
/**
 * The price, in Korean won.
 */
amount_krw: number, 
/**
 * How much of it was given back.
 */
refunded_krw: number, 
/**
 * Where it stands.
 */
status: PaymentStatus, 
/**
 * When the order was made.
 */
created_at: Timestamp, 
/**
 * When Toss confirmed it.
 */
paid_at: Timestamp | null, 
/**
 * Until when its payer may take it back themselves (paid, nothing
 * refunded yet, within 3 days).
 */
refundable_until: Timestamp | null, 
/**
 * Why it failed (Toss's code and message).
 */
failure: string | null, 
/**
 * The paid event it buys entries of (then `plan` is `free`).
 */
event_id?: string, 
/**
 * How many entries it buys (events only).
 */
entries: number, };
