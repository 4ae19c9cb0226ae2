// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * What the offline copies of attachments may take, and take.
 */
export type FileCache = { 
/**
 * Bytes at most.
 */
budget: number, 
/**
 * Bytes now.
 */
used: number, };
