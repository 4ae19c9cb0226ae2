// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { AuditEntry } from "./AuditEntry";

/**
 * A page of a server's audit log, newest first.
 */
export type AuditPage = { 
/**
 * The entries.
 */
entries: Array<AuditEntry>, 
/**
 * Whether older entries exist.
 */
has_more: boolean, };
