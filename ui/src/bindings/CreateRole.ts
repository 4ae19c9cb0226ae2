// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Permission } from "./Permission";

/**
 * `POST /api/servers/{id}/roles`: a new role, placed just above `@everyone`.
 */
export type CreateRole = { 
/**
 * Name (1–100 characters, not only whitespace, no control characters).
 */
name: string, 
/**
 * Colour, `0xRRGGBB` (0: none).
 */
color?: number, 
/**
 * What it allows (only permissions the caller has); none by default.
 */
permissions?: Array<Permission>, };
