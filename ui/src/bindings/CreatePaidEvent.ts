// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Timestamp } from "./Timestamp";

/**
 * `POST /api/admin/paid-events`.
 */
export type CreatePaidEvent = { 
/**
 * What it is (1–100 characters).
 */
title: string, 
/**
 * The price of one entry (100 to 1,000,000 won).
 */
entry_price_krw: number, 
/**
 * When entries open.
 */
starts_at: Timestamp, 
/**
 * When entries close (after `starts_at`).
 */
ends_at: Timestamp, };
