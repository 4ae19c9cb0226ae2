// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Permission } from "./Permission";

/**
 * `PATCH /api/servers/{id}/roles/{role_id}`. Absent fields stay as they
 * are. `@everyone` takes only `permissions`.
 */
export type UpdateRole = { 
/**
 * New name (1–100 characters, not only whitespace, no control characters).
 */
name?: string, 
/**
 * New colour, `0xRRGGBB` (0: none).
 */
color?: number, 
/**
 * New rank (1–249, below the caller's highest role; past the top
 * role means the top); the roles between move by one.
 */
position?: number, 
/**
 * What it allows from now on (permissions the caller lacks can be
 * neither given nor taken away).
 */
permissions?: Array<Permission>, };
