// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { ChannelKind } from "./ChannelKind";
import type { ServerId } from "./ServerId";

/**
 * A channel or category.
 */
export type Channel = { 
/**
 * Channel id.
 */
id: ChannelId, 
/**
 * Server it belongs to.
 */
server_id: ServerId, 
/**
 * Category, text or voice.
 */
kind: ChannelKind, 
/**
 * Name.
 */
name: string, 
/**
 * The category holding it (`null` for categories and top-level channels).
 */
parent_id: ChannelId | null, 
/**
 * Order among its siblings, ascending.
 */
position: number, 
/**
 * `seq` of the newest message (0 when empty). Always 0 for categories and voice.
 */
last_seq: number, 
/**
 * Seen only by the roles and people on its access list (and by
 * administrators). A channel in a private category is private
 * with it unless it has an access list of its own.
 */
private: boolean, 
/**
 * What it is for, shown in its header.
 */
topic: string | null, };
