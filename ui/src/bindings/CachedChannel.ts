// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Channel } from "./Channel";

/**
 * A channel with my read state and what of it is cached.
 */
export type CachedChannel = { 
/**
 * The channel (its `last_seq` is the newest the server told us of).
 */
channel: Channel, 
/**
 * Highest `seq` I have read.
 */
last_read_seq: number, 
/**
 * Unread messages by others.
 */
unread_count: number, 
/**
 * Of those, the ones that mention me (`@my name`, `@everyone`, `@here`)
 * among what is cached; filled by `Client::channels`.
 */
mention_count: number, 
/**
 * Messages `low_seq..=synced_seq` are cached without holes (0 and 0: none).
 */
low_seq: number, 
/**
 * See `low_seq`.
 */
synced_seq: number, 
/**
 * Notifications off.
 */
muted: boolean, };
