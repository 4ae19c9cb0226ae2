// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { NotifyLevel } from "./NotifyLevel";
import type { Role } from "./Role";
import type { Server } from "./Server";

/**
 * A server as the cache knows it.
 */
export type CachedServer = { 
/**
 * The server.
 */
server: Server, 
/**
 * My role in it.
 */
role: Role, 
/**
 * How many members it has.
 */
member_count: number, 
/**
 * What its messages notify of on this device.
 */
notify: NotifyLevel, };
