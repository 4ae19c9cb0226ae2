// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Attachment } from "./Attachment";

/**
 * A file of an unsent message.
 */
export type OutboxFile = { 
/**
 * Its name, as the person's system called it.
 */
name: string, 
/**
 * Bytes.
 */
size: number, 
/**
 * What the server made of it, once uploaded (never uploaded twice).
 */
uploaded: Attachment | null, };
