// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { InviteCode } from "./InviteCode";
import type { ServerId } from "./ServerId";
import type { Timestamp } from "./Timestamp";
import type { UserId } from "./UserId";

/**
 * An invite, as its server's admins see it.
 */
export type Invite = { 
/**
 * The code (128 random bits).
 */
code: InviteCode, 
/**
 * The link that opens it in pq: `pq://invite/CODE`.
 */
url: string, 
/**
 * Server it admits to.
 */
server_id: ServerId, 
/**
 * Who made it.
 */
creator_id: UserId, 
/**
 * When.
 */
created_at: Timestamp, 
/**
 * When it stops working (`null`: never).
 */
expires_at: Timestamp | null, 
/**
 * How many may use it (`null`: unlimited).
 */
max_uses: number | null, 
/**
 * How many have.
 */
uses: number, };
