// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { EventId } from "./EventId";
import type { Repeat } from "./Repeat";
import type { ServerId } from "./ServerId";
import type { Timestamp } from "./Timestamp";
import type { UserId } from "./UserId";

/**
 * A server's scheduled event (`GET /api/servers/{id}/events`, each
 * `ServerState`, `schedule_updated`).
 */
export type ScheduledEvent = { 
/**
 * Event id.
 */
id: EventId, 
/**
 * Its server.
 */
server_id: ServerId, 
/**
 * What it is.
 */
title: string, 
/**
 * More about it.
 */
description: string | null, 
/**
 * When it starts (a weekly one: the first time).
 */
starts_at: Timestamp, 
/**
 * When it ends (`null`: no set end; apps count an hour).
 */
ends_at: Timestamp | null, 
/**
 * The voice channel it happens in.
 */
channel_id: ChannelId | null, 
/**
 * Whether it repeats.
 */
repeat: Repeat | null, 
/**
 * Who scheduled it.
 */
creator_id: UserId, 
/**
 * Who is interested (their apps remind them).
 */
interested: Array<UserId>, };
