// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ErrorCode } from "./ErrorCode";

/**
 * The body of every error.
 */
export type ErrorBody = { 
/**
 * What went wrong, for programs.
 */
code: ErrorCode, 
/**
 * What went wrong and what to do, for people.
 */
message: string, 
/**
 * For `message_too_long` and `payload_too_large`: the limit that applies.
 */
limit?: number, 
/**
 * For `rate_limited`: how long to wait before retrying.
 */
retry_after_ms?: number, 
/**
 * For `invalid_field`: the field at fault.
 */
field?: string, };
