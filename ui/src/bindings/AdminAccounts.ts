// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { AdminAccount } from "./AdminAccount";
import type { PlanCount } from "./PlanCount";

/**
 * `GET /api/admin/users`: a page of accounts, newest first, and how
 * many each plan has (pq administrators only).
 */
export type AdminAccounts = { 
/**
 * The page (at most `limit`).
 */
accounts: Array<AdminAccount>, 
/**
 * Whether older accounts follow (ask with `before` = the last
 * one's id).
 */
has_more: boolean, 
/**
 * Accounts per plan, every plan listed (also those with none).
 */
plans: Array<PlanCount>, };
