// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ClientMessageId } from "./ClientMessageId";
import type { ErrorBody } from "./ErrorBody";

/**
 * `error`: a refused request.
 */
export type GatewayError = { 
/**
 * For `send_message`: which message was refused (it will never be
 * accepted as it is; mark it failed).
 */
client_id?: ClientMessageId, 
/**
 * What went wrong.
 */
error: ErrorBody, };
