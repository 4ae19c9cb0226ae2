// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `POST /api/payments/{order_id}/refund`.
 */
export type RefundRequest = { 
/**
 * How much to give back (administrators only; the payer always gets
 * all of it back). Default: what is left.
 */
amount_krw?: number, 
/**
 * Why (shown in the ledger and to Toss).
 */
reason: string, };
