// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ServerId } from "./ServerId";
import type { Timestamp } from "./Timestamp";
import type { UserId } from "./UserId";

/**
 * A server (community).
 */
export type Server = { 
/**
 * Server id.
 */
id: ServerId, 
/**
 * Name.
 */
name: string, 
/**
 * Image (a `/media/…` path on this server).
 */
icon_url: string | null, 
/**
 * Current owner.
 */
owner_id: UserId, 
/**
 * When it was created.
 */
created_at: Timestamp, 
/**
 * What it is about (shown in its settings and invites).
 */
description: string | null, };
