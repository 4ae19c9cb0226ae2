// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Channel } from "./Channel";
import type { ReadState } from "./ReadState";
import type { RoleId } from "./RoleId";
import type { ScheduledEvent } from "./ScheduledEvent";
import type { Server } from "./Server";
import type { ServerRole } from "./ServerRole";
import type { VoiceState } from "./VoiceState";

/**
 * Everything a client needs to draw one server: sent in `ready`, when
 * joining, and by `GET /api/servers/{id}`.
 */
export type ServerState = { 
/**
 * The server.
 */
server: Server, 
/**
 * Its channels and categories.
 */
channels: Array<Channel>, 
/**
 * Its roles, `@everyone` first, then upwards.
 */
roles: Array<ServerRole>, 
/**
 * The roles you hold in it (besides `@everyone`).
 */
my_roles: Array<RoleId>, 
/**
 * How many members it has.
 */
member_count: number, 
/**
 * Your read state of each text channel.
 */
read_states: Array<ReadState>, 
/**
 * Who is in its voice rooms now.
 */
voice_states: Array<VoiceState>, 
/**
 * Its scheduled events.
 */
events: Array<ScheduledEvent>, };
