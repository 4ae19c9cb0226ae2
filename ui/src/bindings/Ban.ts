// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Timestamp } from "./Timestamp";
import type { User } from "./User";
import type { UserId } from "./UserId";

/**
 * Someone banned from a server (`GET /api/servers/{id}/bans`).
 */
export type Ban = { 
/**
 * Who.
 */
user: User, 
/**
 * Who banned them.
 */
banned_by: UserId, 
/**
 * When.
 */
created_at: Timestamp, };
