// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { RelationshipKind } from "./RelationshipKind";
import type { Timestamp } from "./Timestamp";
import type { User } from "./User";

/**
 * Someone on your friends list, pending, or blocked
 * (`GET /api/users/@me/relationships`, `ready`, `relationship_changed`).
 */
export type Relationship = { 
/**
 * Who.
 */
user: User, 
/**
 * Where they stand with you.
 */
kind: RelationshipKind, 
/**
 * Since when (the request, the friendship, or the block).
 */
since: Timestamp, };
