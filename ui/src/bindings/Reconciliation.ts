// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Mismatch } from "./Mismatch";

/**
 * `POST /api/admin/payments/reconcile`: the ledger against the
 * provider's view of the same orders.
 */
export type Reconciliation = { 
/**
 * Orders compared.
 */
checked: number, 
/**
 * Where they differ (empty: all agree).
 */
mismatches: Array<Mismatch>, };
