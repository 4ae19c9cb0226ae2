// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { ServerId } from "./ServerId";

/**
 * The main screen as the page showed it.
 */
export type LastScreen = { 
/**
 * The server shown.
 */
server_id: ServerId, 
/**
 * The channel shown (a text channel).
 */
channel_id: ChannelId, 
/**
 * What the screen showed, as HTML.
 */
html: string, };
