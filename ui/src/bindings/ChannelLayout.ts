// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelPlacement } from "./ChannelPlacement";

/**
 * `PUT /api/servers/{id}/channels/layout`: reorder channels and move them
 * between categories in one step. Channels not listed keep their place.
 */
export type ChannelLayout = { 
/**
 * New placements.
 */
channels: Array<ChannelPlacement>, };
