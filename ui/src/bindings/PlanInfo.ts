// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Plan } from "./Plan";

/**
 * A plan as this pq server offers it (`GET /api/plans`).
 */
export type PlanInfo = { 
/**
 * The plan.
 */
plan: Plan, 
/**
 * Its price a month in Korean won (0: free).
 */
price_krw: number, 
/**
 * The longest message, in characters.
 */
max_message_chars: number, 
/**
 * The largest attachment, in bytes.
 */
max_upload_bytes: number, };
