// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { DmChannel } from "./DmChannel";

/**
 * A direct-message channel with my read state.
 */
export type CachedDm = { 
/**
 * The channel (its members with their names as last heard; its
 * `last_seq` the newest the server told us of).
 */
channel: DmChannel, 
/**
 * Highest `seq` I have read.
 */
last_read_seq: number, 
/**
 * Unread messages by others.
 */
unread_count: number, 
/**
 * Of those, the ones that mention me (filled by `Client::dms`).
 */
mention_count: number, 
/**
 * Notifications off.
 */
muted: boolean, };
