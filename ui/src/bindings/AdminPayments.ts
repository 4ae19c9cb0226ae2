// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Payment } from "./Payment";

/**
 * `GET /api/admin/payments`: a page of payments, newest first, and the
 * totals (pq administrators only).
 */
export type AdminPayments = { 
/**
 * The page.
 */
payments: Array<Payment>, 
/**
 * Whether older payments follow (ask with `before` = the last one's
 * `order_id`).
 */
has_more: boolean, 
/**
 * Money taken in, in Korean won (all time).
 */
paid_krw: number, 
/**
 * Money given back.
 */
refunded_krw: number, };
