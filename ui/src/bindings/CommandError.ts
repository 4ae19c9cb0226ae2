// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * A command failed. `kind` is stable for the UI to match; `message` is
 * for people.
 */
export type CommandError = { 
/**
 * `not_signed_in`, `offline`, `refused`, `invalid`, `cache`, `cancelled`, `internal`.
 */
kind: string, 
/**
 * What went wrong and what to do, in words.
 */
message: string, 
/**
 * For server refusals: the server's error code (`message_too_long`, …).
 */
code: string | null, };
