// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Timestamp } from "./Timestamp";

/**
 * A custom status: a short text, until a moment or until changed.
 */
export type CustomStatus = { 
/**
 * Up to 128 characters, no control characters (stored trimmed; in
 * `PATCH /api/users/@me`, an empty text removes the status).
 */
text: string, 
/**
 * When it stops being shown (`null`: until changed). A moment already past removes it.
 */
expires_at: Timestamp | null, };
