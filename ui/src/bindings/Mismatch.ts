// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * An order on which pq's ledger and the payment provider disagree.
 */
export type Mismatch = { 
/**
 * The order.
 */
order_id: string, 
/**
 * What pq's ledger says (status and what is left of the amount).
 */
ours: string, 
/**
 * What the provider says.
 */
theirs: string, };
