// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { MessageId } from "./MessageId";
import type { Timestamp } from "./Timestamp";
import type { User } from "./User";

/**
 * A toast as everyone receives it.
 */
export type Toast = { 
/**
 * Toast id.
 */
id: MessageId, 
/**
 * Text.
 */
text: string, 
/**
 * The administrator who sent it.
 */
from: User, 
/**
 * When.
 */
created_at: Timestamp, };
