// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Plan } from "./Plan";

/**
 * How many accounts each plan has.
 */
export type PlanCount = { 
/**
 * The plan.
 */
plan: Plan, 
/**
 * Accounts on it.
 */
accounts: number, };
