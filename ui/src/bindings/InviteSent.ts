// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Invite } from "./Invite";
import type { InviteDelivery } from "./InviteDelivery";
import type { User } from "./User";

/**
 * What became of an invite sent with [`SendInvite`].
 */
export type InviteSent = { 
/**
 * The invite made for it (its link works like any other).
 */
invite: Invite, 
/**
 * How it reached them.
 */
delivery: InviteDelivery, 
/**
 * Who got it in their app (for [`InviteDelivery::InApp`]).
 */
to: User | null, };
