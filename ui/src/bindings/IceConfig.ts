// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { IceServer } from "./IceServer";
import type { Timestamp } from "./Timestamp";

/**
 * `GET /api/voice/ice-servers`: where to find STUN and TURN.
 */
export type IceConfig = { 
/**
 * The servers.
 */
ice_servers: Array<IceServer>, 
/**
 * When the TURN credentials stop working (fetch new ones before).
 */
expires_at?: Timestamp, };
