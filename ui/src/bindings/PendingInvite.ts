// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { InvitePreview } from "./InvitePreview";
import type { Timestamp } from "./Timestamp";

/**
 * An invite someone sent me in the app, waiting for my answer
 * (`GET /api/users/@me/invites`, `ready`, `invite_received`).
 */
export type PendingInvite = { 
/**
 * Where it leads and who sent it.
 */
preview: InvitePreview, 
/**
 * When it was sent.
 */
sent_at: Timestamp, };
