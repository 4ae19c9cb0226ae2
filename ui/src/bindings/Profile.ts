// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ServerId } from "./ServerId";
import type { User } from "./User";

/**
 * `GET /api/users/{id}/profile`: what a person's card shows beyond
 * [`User`] (presence comes from the gateway).
 */
export type Profile = { 
/**
 * Who.
 */
user: User, 
/**
 * Their username.
 */
username: string | null, 
/**
 * Their "about me" (up to 190 characters; lines kept).
 */
about: string | null, 
/**
 * The servers both the caller and they are in (ids, in the caller's order).
 */
mutual_servers: Array<ServerId>, };
