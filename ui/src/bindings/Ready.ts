// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { DmState } from "./DmState";
import type { Me } from "./Me";
import type { PendingInvite } from "./PendingInvite";
import type { PresenceEntry } from "./PresenceEntry";
import type { Relationship } from "./Relationship";
import type { ServerState } from "./ServerState";
import type { SessionId } from "./SessionId";
import type { StatusChoice } from "./StatusChoice";

/**
 * `ready`.
 */
export type Ready = { 
/**
 * Protocol version in use.
 */
v: number, 
/**
 * Keep it to `resume` after a drop.
 */
session_id: SessionId, 
/**
 * Your account.
 */
me: Me, 
/**
 * Every server you are in.
 */
servers: Array<ServerState>, 
/**
 * Presence of everyone sharing a server with you who is not offline
 * (servers above the server's presence limit, 1,000 members by
 * default, do not count: read their member list for presence).
 */
presences: Array<PresenceEntry>, 
/**
 * Your chosen status.
 */
status: StatusChoice, 
/**
 * Your friends, pending requests and the people you blocked.
 */
relationships: Array<Relationship>, 
/**
 * Your direct-message channels, most recently active first.
 */
dms: Array<DmState>, 
/**
 * Invites sent to me in the app, waiting for my answer.
 */
invites: Array<PendingInvite>, };
