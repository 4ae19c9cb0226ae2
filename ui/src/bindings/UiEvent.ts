// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { AttachmentId } from "./AttachmentId";
import type { ChannelId } from "./ChannelId";
import type { EngineEvent } from "./EngineEvent";
import type { ServerId } from "./ServerId";
import type { Settings } from "./Settings";

/**
 * What the UI hears.
 */
export type UiEvent = { "kind": "core", "data": EngineEvent } | { "kind": "resync" } | { "kind": "open_invite", "data": { 
/**
 * The code.
 */
code: string, } } | { "kind": "open_channel", "data": { 
/**
 * Its server.
 */
server_id: ServerId, 
/**
 * The channel.
 */
channel_id: ChannelId, } } | { "kind": "open_friends" } | { "kind": "open_schedule", "data": { 
/**
 * The server.
 */
server_id: ServerId, } } | { "kind": "open_dm", "data": { 
/**
 * The channel.
 */
channel_id: ChannelId, } } | { "kind": "settings", "data": Settings } | { "kind": "update_progress", "data": { 
/**
 * Bytes so far.
 */
received: number, 
/**
 * Bytes in all, when known.
 */
total: number | null, } } | { "kind": "payment_result", "data": { 
/**
 * Whether it was paid.
 */
ok: boolean, 
/**
 * The order.
 */
order_id: string, 
/**
 * Why not.
 */
reason: string | null, } } | { "kind": "download", "data": { 
/**
 * The attachment.
 */
attachment_id: AttachmentId, 
/**
 * Bytes so far.
 */
received: number, 
/**
 * Bytes in all, when known.
 */
total: number | null, 
/**
 * Where it was saved, once done.
 */
done: string | null, 
/**
 * Why it failed.
 */
error: string | null, } };
