//! Opening the authorization URL in a web browser.
//!
//! pq signs in in the person's own browser (RFC 8252: never an embedded web
//! view, which would let the app see the password). [`SystemBrowser`] opens
//! the system's default browser. Anything else that can "open" a URL, a
//! headless bot, a test playing the person at the browser, a command line
//! that prints the address, implements [`Browser`]; closures do already:
//!
//! ```
//! use pq_core::auth::{AuthError, Browser};
//!
//! let print = |url: &str| -> Result<(), AuthError> {
//!     println!("Open this address to sign in: {url}");
//!     Ok(())
//! };
//! print.open("https://example.com/oauth2/authorize?…").unwrap();
//! ```
//!
//! `open` is called from inside the sign-in's async task and must return
//! promptly. A stand-in that needs to do async work (sign in through the
//! development provider's pages, then visit the redirect) spawns it with
//! `tokio::spawn` and returns: the sign-in keeps listening meanwhile, so the
//! spawned task can reach the loopback listener without a deadlock.

use std::fmt;

use super::AuthError;

/// Opens a URL for the person to sign in.
pub trait Browser: Send + Sync {
    /// Shows `url` to the person (normally: opens it in their browser).
    ///
    /// # Errors
    /// [`AuthError::Browser`] (with the URL, so the person can open it by
    /// hand) when it cannot.
    fn open(&self, url: &str) -> Result<(), AuthError>;
}

impl<F> Browser for F
where
    F: Fn(&str) -> Result<(), AuthError> + Send + Sync,
{
    fn open(&self, url: &str) -> Result<(), AuthError> {
        self(url)
    }
}

impl fmt::Debug for dyn Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Browser")
    }
}

/// The system's default web browser (through the `open` crate: `xdg-open`
/// on Linux, `open` on macOS, the shell on Windows).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), AuthError> {
        // Detached: the launcher may stay around as long as the browser does.
        open::that_detached(url).map_err(|e| AuthError::Browser { url: url.to_owned(), reason: e.to_string() })
    }
}
