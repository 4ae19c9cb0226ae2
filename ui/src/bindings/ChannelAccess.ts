// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { RoleId } from "./RoleId";
import type { UserId } from "./UserId";

/**
 * `GET`/`PUT /api/channels/{id}/access`: who sees a private channel or
 * category (`manage_channels`). Administrators and the owner always do;
 * whoever makes a channel private is added if they would not.
 */
export type ChannelAccess = { 
/**
 * Whether only those listed see it (`false`: everyone in the
 * server, or as its category says).
 */
private: boolean, 
/**
 * Roles whose members see it (at most 250).
 */
roles: Array<RoleId>, 
/**
 * People who see it, whatever their roles (at most 100).
 */
users: Array<UserId>, };
