// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { PaymentStatus } from "./PaymentStatus";
import type { Timestamp } from "./Timestamp";
import type { UserId } from "./UserId";

/**
 * One change of a payment in the append-only ledger.
 */
export type LedgerEntry = { 
/**
 * Its place in the ledger (ascending).
 */
seq: number, 
/**
 * The order.
 */
order_id: string, 
/**
 * Whose order.
 */
user_id: UserId, 
/**
 * What happened: created, paid, failed, refunded, expired.
 */
action: string, 
/**
 * The money it moved (the price, or what was given back).
 */
amount_krw: number, 
/**
 * The order's status after it.
 */
status: PaymentStatus, 
/**
 * Toss's payment key, once there is one.
 */
payment_key: string | null, 
/**
 * Who did it (none: the payment provider or the schedule).
 */
actor: UserId | null, 
/**
 * A reason or a failure.
 */
note: string | null, 
/**
 * When.
 */
at: Timestamp, };
