// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ConnectionState } from "./ConnectionState";
import type { Me } from "./Me";
import type { Settings } from "./Settings";
import type { StatusChoice } from "./StatusChoice";

/**
 * What the UI needs to draw its first frame.
 */
export type AppInfo = { 
/**
 * The pq server.
 */
server_url: string, 
/**
 * pq's version.
 */
version: string, 
/**
 * The commit this build is from.
 */
commit: string, 
/**
 * The gateway protocol version this pq speaks.
 */
protocol: number, 
/**
 * The signed-in account, as cached (works offline).
 */
me: Me | null, 
/**
 * The status I chose (online, idle, do not disturb, invisible).
 */
status: StatusChoice, 
/**
 * The longest message my plan allows, in characters (the server is
 * the judge; the composer shows a counter).
 */
message_limit: number, 
/**
 * The largest file my plan lets me attach, in bytes, as pq-server
 * configures it by default (a server configured otherwise says so when
 * it refuses one).
 */
upload_limit: number, 
/**
 * The connection now.
 */
connection: ConnectionState, 
/**
 * Why pq could not open its cache, if it could not (offer "rebuild").
 */
startup_error: string | null, 
/**
 * The app's settings.
 */
settings: Settings, 
/**
 * An invite link pq was opened with, not handled yet.
 */
pending_invite: string | null, 
/**
 * Whether the machine has a GPU to draw the window with (what
 * `acceleration: auto` follows); null where the setting does not apply
 * (the webview decides: macOS, Windows).
 */
gpu: boolean | null, };
