// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `POST /api/servers/{id}/invites/send`: invite someone by their
 * username or email address. Someone with an account gets it in their
 * app; an address with no account gets it by mail (when the server can
 * send mail).
 */
export type SendInvite = { 
/**
 * Their username (a leading `@` is fine; case does not matter) or
 * an email address (no spaces or control characters). Spaces and
 * tabs around are ignored.
 */
to: string, };
