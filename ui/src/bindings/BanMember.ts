// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { PurgeWindow } from "./PurgeWindow";

/**
 * `PUT /api/servers/{id}/bans/{user_id}`: ban someone (they leave the
 * server and cannot join it again until unbanned).
 */
export type BanMember = { 
/**
 * Also delete their messages in the server from this far back.
 */
purge?: PurgeWindow, };
