// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Plan } from "./Plan";

/**
 * `POST /api/payments/checkout`: what to buy.
 */
export type StartCheckout = { 
/**
 * A paid plan (a month of it).
 */
plan: Plan, };
