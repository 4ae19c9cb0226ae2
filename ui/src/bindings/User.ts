// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { CustomStatus } from "./CustomStatus";
import type { UserId } from "./UserId";

/**
 * A person as others see them.
 */
export type User = { 
/**
 * Account id.
 */
id: UserId, 
/**
 * Name shown next to their messages.
 */
display_name: string, 
/**
 * Profile image (absolute URL, or a path on this server such as `/media/…`).
 */
avatar_url: string | null, 
/**
 * A short line they chose ("In a meeting"), shown under their name
 * until it expires. Apps hide it once `expires_at` has passed.
 */
custom_status?: CustomStatus, };
