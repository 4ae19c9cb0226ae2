// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { DmKind } from "./DmKind";
import type { Timestamp } from "./Timestamp";
import type { User } from "./User";
import type { UserId } from "./UserId";

/**
 * A direct-message channel: messages outside any server, between its
 * members only. Its messages, history, reactions, read markers and typing
 * use the same `/api/channels/{id}/...` routes and gateway ops as a
 * server's text channel.
 */
export type DmChannel = { 
/**
 * Channel id.
 */
id: ChannelId, 
/**
 * With one person, or a group.
 */
kind: DmKind, 
/**
 * A group's name (`null`: unnamed; apps name it after its members).
 */
name: string | null, 
/**
 * A group's owner (who may remove people); for a direct channel, who opened it.
 */
owner_id: UserId, 
/**
 * Everyone in it, you included, in the order they joined.
 */
members: Array<User>, 
/**
 * `seq` of the newest message (0 when empty).
 */
last_seq: number, 
/**
 * When the newest message was sent (or the channel opened): DM lists are ordered by it, newest first.
 */
last_activity_at: Timestamp, };
