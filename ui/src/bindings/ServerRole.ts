// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Permission } from "./Permission";
import type { RoleId } from "./RoleId";

/**
 * A role in a server: a name, a colour, a place in the order and what
 * its members may do. Higher `position` ranks higher; `@everyone` (id:
 * the server's id) is 0 and every member holds it. Members act only on
 * people and roles below their highest role; the owner is above all.
 */
export type ServerRole = { 
/**
 * Role id.
 */
id: RoleId, 
/**
 * Name (`@everyone` for the everyone role).
 */
name: string, 
/**
 * Colour of its members' names, `0xRRGGBB` (0: none).
 */
color: number, 
/**
 * Its rank: 0 for `@everyone`, then 1, 2, … upwards with no gaps.
 */
position: number, 
/**
 * What it allows.
 */
permissions: Array<Permission>, };
