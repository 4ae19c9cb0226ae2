// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";

/**
 * One entry of a channel layout.
 */
export type ChannelPlacement = { 
/**
 * The channel to place.
 */
id: ChannelId, 
/**
 * Its category (`null`: top level; must be `null` for categories).
 */
parent_id: ChannelId | null, 
/**
 * Its order among siblings.
 */
position: number, };
