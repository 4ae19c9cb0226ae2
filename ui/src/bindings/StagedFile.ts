// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * A file waiting in the composer.
 */
export type StagedFile = { 
/**
 * Its handle until it is sent or removed.
 */
id: string, 
/**
 * Its name (as the person's system called it).
 */
name: string, 
/**
 * Bytes.
 */
size: number, };
