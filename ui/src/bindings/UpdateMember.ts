// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Role } from "./Role";

/**
 * `PATCH /api/servers/{id}/members/{user_id}` (owner only).
 * Giving `owner` hands the server over; the old owner becomes an admin.
 */
export type UpdateMember = { 
/**
 * The new role.
 */
role: Role, };
