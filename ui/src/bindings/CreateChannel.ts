// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { ChannelKind } from "./ChannelKind";

/**
 * `POST /api/servers/{id}/channels`.
 */
export type CreateChannel = { 
/**
 * Name (1–100 characters, not only whitespace, no control characters).
 */
name: string, 
/**
 * Category, text or voice.
 */
kind: ChannelKind, 
/**
 * Category to put it in (not allowed for categories).
 */
parent_id?: ChannelId, };
