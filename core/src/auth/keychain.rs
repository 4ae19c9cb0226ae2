//! Tokens in the operating system's keychain, and nowhere else.
//!
//! pq keeps a signed-in session as one JSON blob ([`Tokens`]) in the keychain
//! through [keyring-core]: service `pq`, user `{sub}@{server}`, where
//! `server` is the pq server's URL without a trailing slash and `sub` the
//! identity provider's subject. A second, non-secret entry, user `{server}`,
//! names the account currently signed in on that server, so that pq finds
//! its session at start-up knowing only the server URL.
//!
//! # Choosing the keychain
//!
//! [`TokenStore::open`] takes a [`KeychainBackend`]:
//!
//! - [`Platform`](KeychainBackend::Platform) (the default): Secret Service
//!   (GNOME Keyring, KWallet) on Linux when the session bus offers one,
//!   else the kernel's keyutils; the login Keychain on macOS; Credential
//!   Manager on Windows.
//! - [`Keyutils`](KeychainBackend::Keyutils), [`SecretService`](KeychainBackend::SecretService):
//!   one Linux store explicitly (headless machines, tests under
//!   `keyctl session -`).
//! - [`Mock`](KeychainBackend::Mock): keyring-core's in-memory mock, for unit
//!   tests. Each [`TokenStore::open`] makes a new, empty one; clone the
//!   `TokenStore` to share it.
//! - [`ProcessDefault`](KeychainBackend::ProcessDefault): whatever store the
//!   process installed with [`keyring_core::set_default_store`].
//!
//! pq itself never touches keyring-core's process-global default store:
//! every entry is created in the store a [`TokenStore`] holds
//! ([`keyring_core::Entry::new_in_store`]). A program that wants other code
//! using `keyring_core::Entry::new` to share the store calls
//! [`TokenStore::install_as_process_default`] once, on purpose.
//!
//! # Size
//!
//! Windows' Credential Manager holds at most 2,560 bytes per secret, and a
//! Cognito refresh token alone is near 1,800. When the full blob does not
//! fit, the access token is left out (it lives in memory only, and a
//! restarted pq renews it before its first request).
//!
//! All calls block (a keychain may ask the person to unlock it); async code
//! runs them on `tokio::task::spawn_blocking`, as [`AuthManager`] does.
//!
//! [keyring-core]: https://docs.rs/keyring-core
//! [`AuthManager`]: super::AuthManager

use std::{fmt, str::FromStr, sync::Arc};

use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};
use url::Url;

use super::AuthError;

/// The keychain service name of every pq entry.
pub const SERVICE: &str = "pq";

/// Version of the blob format.
const BLOB_VERSION: u32 = 1;

/// Which keychain holds the tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeychainBackend {
    /// The platform's usual keychain (see the [module docs](self)).
    #[default]
    Platform,
    /// Linux kernel keyutils (in memory; gone after a reboot).
    Keyutils,
    /// The freedesktop Secret Service over D-Bus (GNOME Keyring, KWallet).
    SecretService,
    /// keyring-core's in-memory mock (tests).
    Mock,
    /// The store installed with [`keyring_core::set_default_store`].
    ProcessDefault,
}

impl KeychainBackend {
    /// The stable name, as [`FromStr`] takes it: `platform`, `keyutils`,
    /// `secret-service`, `mock`, `process-default`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            KeychainBackend::Platform => "platform",
            KeychainBackend::Keyutils => "keyutils",
            KeychainBackend::SecretService => "secret-service",
            KeychainBackend::Mock => "mock",
            KeychainBackend::ProcessDefault => "process-default",
        }
    }
}

impl fmt::Display for KeychainBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeychainBackend {
    type Err = AuthError;

    fn from_str(s: &str) -> Result<Self, AuthError> {
        [
            KeychainBackend::Platform,
            KeychainBackend::Keyutils,
            KeychainBackend::SecretService,
            KeychainBackend::Mock,
            KeychainBackend::ProcessDefault,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
        .ok_or_else(|| AuthError::KeychainUnavailable {
            reason: format!(
                "unknown keychain {s:?}; choose platform, keyutils, secret-service, mock or process-default"
            ),
        })
    }
}

/// Who is signed in: the non-secret part of a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The identity provider (`iss`).
    pub issuer: String,
    /// The person's stable id at the provider (`sub`).
    pub sub: String,
    /// Their email, from the ID token.
    pub email: Option<String>,
    /// Their name, from the ID token.
    pub name: Option<String>,
}

/// A session's tokens and who they belong to: what the keychain holds.
/// `Debug` shows no token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// Who.
    #[serde(flatten)]
    pub account: Account,
    /// The OAuth client id the tokens were issued to.
    pub client_id: String,
    /// The access token (a JWT pq-server checks), if known. Absent after a
    /// restart when the keychain could not hold it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// When the access token expires, in seconds since the Unix epoch.
    #[serde(default)]
    pub expires_at: u64,
    /// The refresh token (Cognito's do not rotate: the same one renews the
    /// session until it expires or is revoked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |t: &Option<String>| t.as_ref().map(|_| "<redacted>");
        f.debug_struct("Tokens")
            .field("account", &self.account)
            .field("client_id", &self.client_id)
            .field("access_token", &redact(&self.access_token))
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &redact(&self.refresh_token))
            .finish()
    }
}

/// The stored JSON: the tokens with a format version.
#[derive(Serialize, Deserialize)]
struct Blob {
    v: u32,
    #[serde(flatten)]
    tokens: Tokens,
}

/// The non-secret entry naming the account signed in on a server.
#[derive(Serialize, Deserialize)]
struct Pointer {
    v: u32,
    account: String,
}

/// The keychain key of a server: its URL without a trailing slash.
#[must_use]
pub fn server_key(server: &Url) -> String {
    server.as_str().trim_end_matches('/').to_owned()
}

/// Reads and writes pq's tokens in one keychain. Cheap to clone (the clones
/// share the store).
#[derive(Clone)]
pub struct TokenStore {
    store: Arc<CredentialStore>,
    service: String,
}

impl fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStore").field("vendor", &self.store.vendor()).field("service", &self.service).finish()
    }
}

impl TokenStore {
    /// Opens the chosen keychain. Blocking (Secret Service connects over
    /// D-Bus).
    ///
    /// # Errors
    /// [`AuthError::KeychainUnavailable`] when that keychain does not exist
    /// here (e.g. keyutils on macOS, no default store set); [`AuthError::Keychain`]
    /// when it exists but cannot be opened.
    pub fn open(backend: KeychainBackend) -> Result<Self, AuthError> {
        Ok(Self::with_store(open_store(backend)?))
    }

    /// Uses a keyring-core store the caller built.
    #[must_use]
    pub fn with_store(store: Arc<CredentialStore>) -> Self {
        Self { store, service: SERVICE.to_owned() }
    }

    /// Uses another service name than `pq` (to keep test entries apart from
    /// real ones in a shared keychain).
    #[must_use]
    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// Who provides the store (keyring-core's vendor string).
    #[must_use]
    pub fn vendor(&self) -> String {
        self.store.vendor()
    }

    /// Makes this store keyring-core's process-global default, for other
    /// code that calls `keyring_core::Entry::new`. pq does not need it.
    pub fn install_as_process_default(&self) {
        keyring_core::set_default_store(Arc::clone(&self.store));
    }

    fn entry(&self, user: &str) -> Result<Entry, AuthError> {
        Ok(Entry::new_in_store(&self.store, &self.service, user)?)
    }

    /// The session saved for `server`, if any. A blob pq cannot read (a
    /// newer format, damage) counts as none: the person signs in again.
    ///
    /// # Errors
    /// The keychain failed (locked, refused).
    pub fn load(&self, server: &Url) -> Result<Option<Tokens>, AuthError> {
        let server = server_key(server);
        let Some(pointer) = read(&self.entry(&server)?)? else { return Ok(None) };
        let Ok(pointer) = serde_json::from_slice::<Pointer>(&pointer) else {
            tracing::warn!(server = %server, "the keychain entry naming the signed-in account is unreadable; ignoring it");
            return Ok(None);
        };
        let Some(blob) = read(&self.entry(&tokens_user(&pointer.account, &server))?)? else { return Ok(None) };
        match serde_json::from_slice::<Blob>(&blob) {
            Ok(Blob { v: BLOB_VERSION, tokens }) => Ok(Some(tokens)),
            Ok(Blob { v, .. }) => {
                tracing::warn!(server = %server, version = v, "saved session has an unknown format version; ignoring it");
                Ok(None)
            }
            Err(e) => {
                tracing::warn!(server = %server, error = %e, "saved session is unreadable; ignoring it");
                Ok(None)
            }
        }
    }

    /// Saves `tokens` as the session of `server` (replacing any other
    /// account's session there).
    ///
    /// # Errors
    /// The keychain failed, or cannot hold even the tokens without the
    /// access token.
    pub fn save(&self, server: &Url, tokens: &Tokens) -> Result<(), AuthError> {
        let server = server_key(server);
        let entry = self.entry(&tokens_user(&tokens.account.sub, &server))?;
        let blob = |tokens: &Tokens| {
            serde_json::to_vec(&Blob { v: BLOB_VERSION, tokens: tokens.clone() }).expect("tokens serialize")
        };
        match entry.set_secret(&blob(tokens)) {
            Ok(()) => {}
            Err(keyring_core::Error::TooLong(..)) if tokens.access_token.is_some() => {
                tracing::debug!("the keychain cannot hold the access token too; keeping it in memory only");
                let compact = Tokens { access_token: None, expires_at: 0, ..tokens.clone() };
                entry.set_secret(&blob(&compact))?;
            }
            Err(e) => return Err(e.into()),
        }
        let pointer = self.entry(&server)?;
        let previous = read(&pointer)?.and_then(|p| serde_json::from_slice::<Pointer>(&p).ok());
        let body = serde_json::to_vec(&Pointer { v: BLOB_VERSION, account: tokens.account.sub.clone() })
            .expect("pointer serializes");
        pointer.set_secret(&body)?;
        if let Some(previous) = previous.filter(|p| p.account != tokens.account.sub) {
            // Another account was signed in here before: forget its tokens.
            delete(&self.entry(&tokens_user(&previous.account, &server))?)?;
        }
        Ok(())
    }

    /// Deletes the session saved for `server` (nothing saved is fine).
    ///
    /// # Errors
    /// The keychain failed.
    pub fn delete(&self, server: &Url) -> Result<(), AuthError> {
        let server = server_key(server);
        let pointer = self.entry(&server)?;
        if let Some(p) = read(&pointer)?.and_then(|p| serde_json::from_slice::<Pointer>(&p).ok()) {
            delete(&self.entry(&tokens_user(&p.account, &server))?)?;
        }
        delete(&pointer)
    }
}

/// The keychain user of an account's tokens on a server.
fn tokens_user(account: &str, server: &str) -> String {
    format!("{account}@{server}")
}

/// An entry's secret; `None` when there is none.
fn read(entry: &Entry) -> Result<Option<Vec<u8>>, AuthError> {
    match entry.get_secret() {
        Ok(s) => Ok(Some(s)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Deletes an entry; a missing one is fine.
fn delete(entry: &Entry) -> Result<(), AuthError> {
    match entry.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn unavailable(reason: impl Into<String>) -> AuthError {
    AuthError::KeychainUnavailable { reason: reason.into() }
}

fn open_store(backend: KeychainBackend) -> Result<Arc<CredentialStore>, AuthError> {
    match backend {
        KeychainBackend::Platform => platform_store(),
        KeychainBackend::Mock => Ok(keyring_core::mock::Store::new()?),
        KeychainBackend::ProcessDefault => keyring_core::get_default_store()
            .ok_or_else(|| unavailable("no process-wide keychain was set (keyring_core::set_default_store)")),
        KeychainBackend::Keyutils => keyutils_store(),
        KeychainBackend::SecretService => secret_service_store(),
    }
}

#[cfg(target_os = "linux")]
fn keyutils_store() -> Result<Arc<CredentialStore>, AuthError> {
    Ok(linux_keyutils_keyring_store::Store::new()?)
}

#[cfg(not(target_os = "linux"))]
fn keyutils_store() -> Result<Arc<CredentialStore>, AuthError> {
    Err(unavailable("the kernel keyutils keychain exists on Linux only"))
}

#[cfg(target_os = "linux")]
fn secret_service_store() -> Result<Arc<CredentialStore>, AuthError> {
    zbus_secret_service_keyring_store::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| unavailable(format!("no Secret Service on the session bus: {e}")))
}

#[cfg(not(target_os = "linux"))]
fn secret_service_store() -> Result<Arc<CredentialStore>, AuthError> {
    Err(unavailable("the Secret Service keychain exists on Linux only"))
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<Arc<CredentialStore>, AuthError> {
    match secret_service_store() {
        Ok(store) => Ok(store),
        Err(e) => {
            tracing::info!(reason = %e, "no Secret Service; keeping tokens in the kernel keyutils keychain");
            keyutils_store()
        }
    }
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<CredentialStore>, AuthError> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Arc<CredentialStore>, AuthError> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> Result<Arc<CredentialStore>, AuthError> {
    Err(unavailable("pq knows no keychain on this operating system"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(sub: &str) -> Tokens {
        Tokens {
            account: Account {
                issuer: "http://127.0.0.1:1".into(),
                sub: sub.into(),
                email: Some("a@example.com".into()),
                name: Some("A".into()),
            },
            client_id: "pq".into(),
            access_token: Some("access-secret".into()),
            expires_at: 1_900_000_000,
            refresh_token: Some("refresh-secret".into()),
        }
    }

    fn server() -> Url {
        Url::parse("http://127.0.0.1:8080/").expect("url")
    }

    #[test]
    fn save_load_delete_round_trip() {
        let store = TokenStore::open(KeychainBackend::Mock).expect("mock");
        assert_eq!(store.load(&server()).expect("load"), None);
        store.save(&server(), &tokens("alice")).expect("save");
        assert_eq!(store.load(&server()).expect("load"), Some(tokens("alice")));
        // Another account on the same server replaces the first.
        store.save(&server(), &tokens("bob")).expect("save");
        assert_eq!(store.load(&server()).expect("load").map(|t| t.account.sub), Some("bob".into()));
        let old = Entry::new_in_store(&store.store, SERVICE, "alice@http://127.0.0.1:8080").expect("entry");
        assert!(matches!(old.get_secret(), Err(keyring_core::Error::NoEntry)), "alice's tokens are gone");
        store.delete(&server()).expect("delete");
        assert_eq!(store.load(&server()).expect("load"), None);
        store.delete(&server()).expect("deleting nothing is fine");
    }

    #[test]
    fn a_keychain_too_small_for_the_access_token_keeps_the_rest() {
        let store = TokenStore::open(KeychainBackend::Mock).expect("mock");
        let entry = Entry::new_in_store(&store.store, SERVICE, "alice@http://127.0.0.1:8080").expect("entry");
        let mock: &keyring_core::mock::Cred = entry.as_any().downcast_ref().expect("a mock credential");
        mock.set_error(keyring_core::Error::TooLong("secret".into(), 2560));
        store.save(&server(), &tokens("alice")).expect("save");
        let loaded = store.load(&server()).expect("load").expect("saved");
        assert_eq!(loaded.access_token, None);
        assert_eq!(loaded.refresh_token.as_deref(), Some("refresh-secret"));
    }

    #[test]
    fn unreadable_blobs_count_as_signed_out() {
        let store = TokenStore::open(KeychainBackend::Mock).expect("mock");
        store.save(&server(), &tokens("alice")).expect("save");
        let entry = Entry::new_in_store(&store.store, SERVICE, "alice@http://127.0.0.1:8080").expect("entry");
        entry.set_secret(b"{not json").expect("set");
        assert_eq!(store.load(&server()).expect("load"), None);
        entry.set_secret(br#"{"v":99,"issuer":"x","sub":"alice","client_id":"pq"}"#).expect("set");
        assert_eq!(store.load(&server()).expect("load"), None);
    }

    /// The real kernel keychain (Linux). Run in a private session keyring:
    /// `keyctl session - cargo nextest run -p pq-core keyutils --run-ignored all`.
    #[cfg(target_os = "linux")]
    #[test]
    #[ignore = "uses the kernel keyring of the session; run under `keyctl session -`"]
    fn keyutils_round_trip() {
        let store = TokenStore::open(KeychainBackend::Keyutils).expect("keyutils").with_service("pq-test");
        let server = Url::parse(&format!("http://127.0.0.1:{}", std::process::id())).expect("url");
        store.save(&server, &tokens("alice")).expect("save");
        let again = TokenStore::open(KeychainBackend::Keyutils).expect("keyutils").with_service("pq-test");
        assert_eq!(again.load(&server).expect("load"), Some(tokens("alice")));
        again.delete(&server).expect("delete");
        assert_eq!(store.load(&server).expect("load"), None);
    }

    /// The platform's keychain opens (without a session bus on Linux: falls
    /// back to keyutils at once).
    #[test]
    #[ignore = "touches the real keychain of this machine"]
    fn platform_store_opens() {
        let started = std::time::Instant::now();
        let store = TokenStore::open(KeychainBackend::Platform).expect("a platform keychain");
        eprintln!("platform keychain: {} (opened in {:?})", store.vendor(), started.elapsed());
    }

    #[test]
    fn debug_shows_no_token() {
        let text = format!("{:?}", tokens("alice"));
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("alice"));
    }

    #[test]
    fn backend_names_round_trip() {
        for b in [
            KeychainBackend::Platform,
            KeychainBackend::Keyutils,
            KeychainBackend::SecretService,
            KeychainBackend::Mock,
            KeychainBackend::ProcessDefault,
        ] {
            assert_eq!(b.as_str().parse::<KeychainBackend>().expect("parses"), b);
        }
        assert!("gnome".parse::<KeychainBackend>().is_err());
    }
}
