// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { InviteCode } from "./InviteCode";
import type { ServerId } from "./ServerId";
import type { Timestamp } from "./Timestamp";
import type { User } from "./User";

/**
 * `GET /api/invites/{code}`: what an invite leads to, without joining.
 */
export type InvitePreview = { 
/**
 * The code.
 */
code: InviteCode, 
/**
 * Server id.
 */
server_id: ServerId, 
/**
 * Server name.
 */
server_name: string, 
/**
 * Server image.
 */
server_icon_url: string | null, 
/**
 * What the server is about.
 */
server_description: string | null, 
/**
 * How many members it has.
 */
member_count: number, 
/**
 * How many of them are online now.
 */
online_count: number, 
/**
 * Who invited.
 */
inviter: User, 
/**
 * When the invite expires.
 */
expires_at: Timestamp | null, 
/**
 * Whether you are already a member.
 */
already_member: boolean, };
