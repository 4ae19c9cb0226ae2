// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { SessionId } from "./SessionId";

/**
 * `resume`.
 */
export type Resume = { 
/**
 * Protocol version the client speaks.
 */
v: number, 
/**
 * OAuth access token (must be the same account as the session).
 */
token: string, 
/**
 * The session to continue.
 */
session_id: SessionId, 
/**
 * The last dispatch `s` handled (0 if none).
 */
last_seq: number, };
