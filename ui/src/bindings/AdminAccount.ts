// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Plan } from "./Plan";
import type { Timestamp } from "./Timestamp";
import type { User } from "./User";

/**
 * An account as pq administrators see it (`GET /api/admin/users`).
 */
export type AdminAccount = { 
/**
 * As others see them.
 */
user: User, 
/**
 * Their email, if the sign-in provider gave one.
 */
email: string | null, 
/**
 * Their plan.
 */
plan: Plan, 
/**
 * Whether they are a pq administrator.
 */
is_admin: boolean, 
/**
 * When the account was made.
 */
created_at: Timestamp, };
