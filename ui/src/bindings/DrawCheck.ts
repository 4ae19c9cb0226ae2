// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { UserId } from "./UserId";

/**
 * A paid event's draw as pq-core checked it from what the server
 * published.
 */
export type DrawCheck = { 
/**
 * The revealed seed hashes to the commitment published at creation.
 */
commitment_ok: boolean, 
/**
 * The winner by the rule.
 */
recomputed: UserId | null, 
/**
 * The winner the server announced.
 */
announced: UserId | null, 
/**
 * Both hold.
 */
holds: boolean, };
