// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Presence } from "./Presence";
import type { RoleId } from "./RoleId";
import type { Timestamp } from "./Timestamp";
import type { User } from "./User";

/**
 * A member of a server.
 */
export type Member = { 
/**
 * Who.
 */
user: User, 
/**
 * The roles they hold (besides `@everyone`, which everyone holds).
 */
roles: Array<RoleId>, 
/**
 * Whether they are around now.
 */
presence: Presence, 
/**
 * When they joined.
 */
joined_at: Timestamp, };
