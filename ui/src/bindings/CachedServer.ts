// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { NotifyLevel } from "./NotifyLevel";
import type { Permission } from "./Permission";
import type { RoleId } from "./RoleId";
import type { Server } from "./Server";
import type { ServerRole } from "./ServerRole";

/**
 * A server as the cache knows it.
 */
export type CachedServer = { 
/**
 * The server.
 */
server: Server, 
/**
 * Its roles, `@everyone` first, then upwards.
 */
roles: Array<ServerRole>, 
/**
 * The roles I hold in it (besides `@everyone`).
 */
my_roles: Array<RoleId>, 
/**
 * What I may do in it (everything when I own it).
 */
permissions: Array<Permission>, 
/**
 * How many members it has.
 */
member_count: number, 
/**
 * What its messages notify of on this device.
 */
notify: NotifyLevel, };
