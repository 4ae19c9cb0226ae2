// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { CustomStatus } from "./CustomStatus";

/**
 * `PATCH /api/users/@me`. Absent fields stay as they are.
 */
export type UpdateProfile = { 
/**
 * New display name (1–64 characters, not only whitespace, no control characters).
 */
display_name?: string, 
/**
 * New avatar: a `/media/` path on this server (upload with `PUT /api/users/@me/avatar`); an empty string removes it.
 */
avatar_url?: string, 
/**
 * New username: 2–32 letters, digits, `_` and `.`, stored lowercase; unique (409 when taken).
 */
username?: string, 
/**
 * New "about me" (up to 190 characters, no control characters but line breaks and tabs); an empty string removes it.
 */
about?: string, 
/**
 * New custom status; an empty `text` removes it.
 */
custom_status?: CustomStatus, 
/**
 * Whether people who share a server with you (but are not friends)
 * may open direct messages with you.
 */
allow_server_dms?: boolean, };
