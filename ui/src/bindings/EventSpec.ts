// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { Repeat } from "./Repeat";
import type { Timestamp } from "./Timestamp";

/**
 * `POST /api/servers/{id}/events`, `PUT /api/events/{id}`: an event,
 * whole.
 */
export type EventSpec = { 
/**
 * What it is (1–100 characters, not only whitespace, no control characters).
 */
title: string, 
/**
 * More about it (up to 1,000 characters, no control characters but
 * line breaks and tabs; empty: none).
 */
description?: string, 
/**
 * When it starts (UTC).
 */
starts_at: Timestamp, 
/**
 * When it ends: after it starts.
 */
ends_at?: Timestamp, 
/**
 * A voice channel of the server it happens in.
 */
channel_id?: ChannelId, 
/**
 * Whether it repeats.
 */
repeat?: Repeat, };
