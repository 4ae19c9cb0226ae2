// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { AppInfo } from "./AppInfo";
import type { CachedChannel } from "./CachedChannel";
import type { CachedServer } from "./CachedServer";
import type { ChannelId } from "./ChannelId";
import type { ServerId } from "./ServerId";
import type { Timeline } from "./Timeline";

/**
 * The first channel, ready to draw (`startup`).
 */
export type Startup = { 
/**
 * What `app_info` says.
 */
info: AppInfo, 
/**
 * The servers (empty when signed out).
 */
servers: Array<CachedServer>, 
/**
 * The server opened first.
 */
server_id: ServerId | null, 
/**
 * Its channels.
 */
channels: Array<CachedChannel>, 
/**
 * The channel opened first (made the active one).
 */
channel_id: ChannelId | null, 
/**
 * Its newest messages.
 */
timeline: Timeline | null, };
