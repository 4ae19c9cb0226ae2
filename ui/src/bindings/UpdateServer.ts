// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { UserId } from "./UserId";

/**
 * `PATCH /api/servers/{id}`.
 */
export type UpdateServer = { 
/**
 * New name (1–100 characters, not only whitespace, no control characters).
 */
name?: string, 
/**
 * New image: a `/media/` path on this server; an empty string removes it. (Upload with `PUT /api/servers/{id}/icon`.)
 */
icon_url?: string, 
/**
 * New description (up to 300 characters, no control characters but
 * line breaks and tabs); an empty string removes it.
 */
description?: string, 
/**
 * Hand the server over to this member (owner only; they become
 * the owner, you keep your roles).
 */
owner_id?: UserId, };
