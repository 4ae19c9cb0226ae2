// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `POST /api/admin/toasts`: a real-time toast to everyone connected
 * (pq administrators only).
 */
export type CreateToast = { 
/**
 * Text (1–300 characters, not only whitespace, no control characters).
 */
text: string, };
