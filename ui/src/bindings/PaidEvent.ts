// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { PaidEventState } from "./PaidEventState";
import type { Timestamp } from "./Timestamp";
import type { UserId } from "./UserId";

/**
 * A paid event run by pq administrators: members buy entries (each adds
 * its price to the pot) while it is open; after it ends a winner is
 * drawn, weighted by entries. Its commitment (SHA-256 of a secret seed)
 * is published from the start; the seed is revealed at the draw, so
 * anyone can recompute the winner (`pq event verify`).
 */
export type PaidEvent = { 
/**
 * Its id.
 */
id: string, 
/**
 * What it is.
 */
title: string, 
/**
 * The price of one entry, in Korean won.
 */
entry_price_krw: number, 
/**
 * When entries open.
 */
starts_at: Timestamp, 
/**
 * When entries close.
 */
ends_at: Timestamp, 
/**
 * Where it stands now.
 */
state: PaidEventState, 
/**
 * Money in the pot (paid entries less refunds), in won.
 */
pot_krw: number, 
/**
 * Entries bought.
 */
entries: number, 
/**
 * People with at least one entry.
 */
participants: number, 
/**
 * Hex SHA-256 of the seed, published from the start.
 */
commitment: string, 
/**
 * The seed (hex of 32 bytes), revealed at the draw.
 */
seed: string | null, 
/**
 * The winner, once drawn.
 */
winner: UserId | null, 
/**
 * When it was drawn.
 */
drawn_at: Timestamp | null, };
