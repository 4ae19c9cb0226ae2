// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Plan } from "./Plan";

/**
 * `PUT /api/admin/users/{id}/plan` (pq administrators only).
 */
export type SetPlan = { 
/**
 * The plan to give.
 */
plan: Plan, };
