// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { UserId } from "./UserId";

/**
 * `POST /api/users/@me/dms`: open a direct channel with one person (the
 * one you already have, if any), or start a group with up to 9 others.
 */
export type OpenDm = { 
/**
 * Who: one person for a direct channel; two to nine for a group. Each
 * must be your friend or share a server with you (unless they turned
 * direct messages from server members off), and neither of you may
 * have blocked the other.
 */
recipients: Array<UserId>, 
/**
 * A group's name (1–100 characters, not only whitespace, no control
 * characters); only for groups.
 */
name?: string, };
