// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { AuditAction } from "./AuditAction";
import type { ChannelId } from "./ChannelId";
import type { Timestamp } from "./Timestamp";
import type { User } from "./User";

/**
 * One entry of a server's audit log: who did what to whom, when.
 */
export type AuditEntry = { 
/**
 * Its number in the server's log (rising; page with `before`).
 */
id: number, 
/**
 * What.
 */
action: AuditAction, 
/**
 * Who did it.
 */
actor: User, 
/**
 * Whom it was done to.
 */
target_user: User | null, 
/**
 * Which channel it was done to (it may be gone since).
 */
target_channel: ChannelId | null, 
/**
 * More about it (a new name, a role, a purge).
 */
detail: string | null, 
/**
 * When.
 */
created_at: Timestamp, };
