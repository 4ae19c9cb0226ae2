// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { AttachmentId } from "./AttachmentId";

/**
 * A file attached to a message (uploaded first with `POST
 * /api/channels/{id}/attachments`, then named in the send).
 */
export type Attachment = { 
/**
 * Attachment id (`GET /api/attachments/{id}` for the bytes).
 */
id: AttachmentId, 
/**
 * The file's name as uploaded, made safe: no directories, no control
 * characters, at most 200 characters.
 */
filename: string, 
/**
 * What the bytes are, found by the server from the bytes themselves
 * (`application/octet-stream` when it cannot tell).
 */
content_type: string, 
/**
 * Size in bytes.
 */
size: number, 
/**
 * For images: width and height in pixels, upright (EXIF orientation applied).
 */
width: number | null, 
/**
 * See `width`.
 */
height: number | null, 
/**
 * Whether it has a thumbnail (`GET /api/attachments/{id}/thumbnail`,
 * at most 400 pixels a side).
 */
thumbnail: boolean, };
