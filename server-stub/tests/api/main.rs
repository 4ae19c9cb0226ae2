//! pq-server end to end: the real server on an ephemeral port with a
//! temporary data directory, driven through real HTTP and WebSocket clients.
//!
//! - `common`: `TestServer` (start, restart on the same data directory) and
//!   the sign-in helpers that play the person at the browser.
//! - `client`: typed REST (`Api`) and gateway (`Gw`) clients.
//! - `signin`: the development identity provider (OIDC, PKCE, accounts).
//! - `tokens`: access token verification (forgeries, expiry, external issuer).
//! - `servers`: servers, channels, members, invites, images, permissions.
//! - `messages`: chat, exactly-once sends, plans, history, read markers, restart.
//! - `gateway`: protocol edges, resume, presence, slow readers, toasts.
//! - `races`: concurrent changes that only one may win; requests dropped mid-way.
//! - `people`: statuses, about texts, custom statuses, a person's card.
//! - `friends`: friend requests, friends' presence, blocks and what they refuse.
//! - `dms`: direct messages and groups, who may write to whom.
//! - `openapi`: the served API reference.
//! - `hardening`: what makes the server safe to put on a network (files,
//!   limits, sessions that end).

mod attachments;
mod client;
mod common;
mod dms;
mod events;
mod friends;
mod gateway;
mod hardening;
mod invites;
mod messages;
mod openapi;
mod payments;
mod people;
mod pins;
mod private;
mod races;
mod roles;
mod s3;
mod servers;
mod signin;
mod tokens;
mod voice;
