// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { CustomStatus } from "./CustomStatus";
import type { Plan } from "./Plan";
import type { UserId } from "./UserId";

/**
 * The signed-in account, as its owner sees it.
 */
export type Me = { 
/**
 * Account id.
 */
id: UserId, 
/**
 * Name shown next to their messages.
 */
display_name: string, 
/**
 * Profile image.
 */
avatar_url: string | null, 
/**
 * Verified email from the identity provider.
 */
email: string | null, 
/**
 * Their unique handle (lowercase letters, digits, `_`, `.`): how
 * others find them to ask them to be friends.
 */
username: string | null, 
/**
 * Membership plan; decides the longest message.
 */
plan: Plan, 
/**
 * Whether this account is a pq administrator (group `admin`).
 */
is_admin: boolean, 
/**
 * Their "about me".
 */
about: string | null, 
/**
 * Their custom status (see [`User::custom_status`]).
 */
custom_status: CustomStatus | null, 
/**
 * Whether people who share a server with them (but are not friends)
 * may open direct messages with them.
 */
allow_server_dms: boolean, };
