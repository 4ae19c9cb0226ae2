//! pq end to end: real pq-servers on ephemeral ports, real pq-core clients
//! with their own caches, real sockets (through a proxy the tests can cut).
//!
//! - `common`: the harness (clients, a cuttable TCP proxy, waits).
//! - `server_process`: the pq-server binary as a process (SIGTERM, SIGKILL).
//! - `signin`: the client signs in through the browser stand-in, tokens in
//!   the kernel keyring, refresh, sign-out.
//! - `chat`: three clients; one offline writes, the server restarts, it comes
//!   back: everything once, in order, everywhere; the cache answers offline.
//! - `faults`: thousands of messages while sockets drop and the server
//!   restarts at random (fixed seed): identical histories.
//! - `bad_input`: damaged caches, a server that talks garbage.
//! - `friends`: friend requests, friends' presence, blocks between two clients.
//! - `dms`: direct messages and groups between clients, offline and blocked.
//! - `cli`: the `pq` command line, one process per command.
//! - `browser`: headless Chromium as one participant of a call.
//! - `desktop`: the desktop app in a real window (Xvfb, WebDriver), with
//!   its session bus, notification daemon and the browser played by the test.

mod bad_input;
mod browser;
mod chat;
mod cli;
mod common;
mod desktop;
mod dms;
mod faults;
mod files;
mod friends;
mod members;
mod private;
mod schedule;
mod server_process;
mod signin;
mod voice;
