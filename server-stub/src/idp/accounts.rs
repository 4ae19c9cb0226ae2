//! Accounts and linked identities.
//!
//! One account per email (case-insensitive): signing in through Google, Kakao
//! or with a password under the same email lands in the same account, with
//! the same `sub`. Each way in is an identity linked to the account
//! (`idp_identities`); the Google and Kakao ones show up in the ID token's
//! `identities` claim the way Cognito shows federated identities.
//!
//! Email + password accounts are confirmed by a 6-digit code sent by mail;
//! passwords are reset the same way. Codes are stored hashed, expire, and
//! stop working after [`MAX_CODE_ATTEMPTS`] wrong tries.

use std::{sync::OnceLock, time::Duration};

use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use sha2::{Digest as _, Sha256};
use sqlx::Row as _;

use super::{Idp, IdpError, mail::Mail, now_ms, sha256_hex};

/// How long a sign-up confirmation code works.
pub(crate) const SIGNUP_CODE_TTL: Duration = Duration::from_secs(15 * 60);
/// How long a password reset code works.
pub(crate) const RESET_CODE_TTL: Duration = Duration::from_secs(60 * 60);
/// Wrong guesses after which a code stops working.
pub(crate) const MAX_CODE_ATTEMPTS: i64 = 5;
/// Shortest password accepted.
pub(crate) const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (argon2 takes anything, but bound the work).
pub(crate) const MAX_PASSWORD_BYTES: usize = 256;
/// Longest display name accepted.
pub(crate) const MAX_NAME_CHARS: usize = 100;

/// A way into an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Provider {
    /// The local stand-in for Google.
    Google,
    /// The local stand-in for Kakao (an OIDC provider in Cognito terms).
    Kakao,
    /// Email and password, native to the pool.
    Cognito,
}

impl Provider {
    /// As stored, and as Cognito names it (`providerName`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Provider::Google => "Google",
            Provider::Kakao => "Kakao",
            Provider::Cognito => "Cognito",
        }
    }

    /// A federated provider by name (case-insensitive), as in the
    /// `identity_provider` parameter and the sign-in forms.
    pub(crate) fn federated(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("google") {
            Some(Provider::Google)
        } else if name.eq_ignore_ascii_case("kakao") {
            Some(Provider::Kakao)
        } else {
            None
        }
    }

    /// Cognito's `providerType` for this provider.
    pub(crate) fn provider_type(name: &str) -> &'static str {
        match name {
            "Google" => "Google",
            "Cognito" => "Cognito",
            _ => "OIDC",
        }
    }
}

/// An account at the provider.
#[derive(Clone, Debug)]
pub(crate) struct Account {
    /// The `sub`: a UUID.
    pub(crate) id: String,
    /// Lowercase email.
    pub(crate) email: String,
    /// Display name.
    pub(crate) name: String,
    /// Whether the email is proven.
    pub(crate) email_verified: bool,
}

/// A linked identity.
#[derive(Clone, Debug)]
pub(crate) struct LinkedIdentity {
    /// `Google`, `Kakao` or `Cognito`.
    pub(crate) provider: String,
    /// The person's id at that provider.
    pub(crate) provider_user_id: String,
    /// When it was linked (unix ms).
    pub(crate) created_at: i64,
}

/// Result of checking a mailed code.
#[derive(Debug)]
pub(crate) enum CodeCheck<T> {
    /// Right code; the code is used up.
    Ok(T),
    /// Wrong code; tries remain.
    Wrong,
    /// No code outstanding, expired, or out of tries.
    Expired,
}

/// Result of a sign-up.
#[derive(Debug)]
pub(crate) enum SignUp {
    /// A code was mailed.
    CodeSent,
    /// The email already has a password.
    Exists,
}

/// Checks and normalises an email address: trimmed, lowercase, one `@`,
/// something on both sides, a dot in the domain, no spaces or controls.
pub(crate) fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    if email.len() > 254
        || email.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
    {
        return None;
    }
    let (local, domain) = email.split_once('@')?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return None;
    }
    Some(email)
}

/// Checks a display name: trimmed, 1 to [`MAX_NAME_CHARS`] characters, no
/// control characters.
pub(crate) fn normalize_name(raw: &str) -> Option<String> {
    let name = raw.trim();
    let len = name.chars().count();
    if len == 0 || len > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return None;
    }
    Some(name.to_owned())
}

/// Why a password is not acceptable, in words for the person.
pub(crate) fn password_problem(password: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Some(format!("Use a password of at least {MIN_PASSWORD_CHARS} characters."))
    } else if password.len() > MAX_PASSWORD_BYTES {
        Some(format!("Use a password of at most {MAX_PASSWORD_BYTES} bytes."))
    } else {
        None
    }
}

/// The stand-in provider's user id for `email`: stable, numeric like Google's
/// and Kakao's, different per provider.
fn provider_user_id(provider: Provider, email: &str) -> String {
    let digest = Sha256::new().chain_update(provider.as_str()).chain_update([0]).chain_update(email).finalize();
    let mut n = [0u8; 8];
    n.copy_from_slice(&digest[..8]);
    // 19 to 20 digits, never starting with 0.
    format!("{}", u64::from_be_bytes(n) | (1 << 63))
}

/// A uniformly random 6-digit code.
fn six_digits() -> String {
    format!("{:06}", rand::random_range(0..1_000_000u32))
}

/// argon2 hashes running at once (each takes ~19 MiB and a core for tens of
/// milliseconds): one per core; more wait their turn.
static ARGON2_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get).min(8))
});

/// argon2 hashes run by this process (tests check that refused tries cost none).
static ARGON2_RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many argon2 hashes this process has run.
#[doc(hidden)]
#[must_use]
pub fn argon2_runs() -> u64 {
    ARGON2_RUNS.load(std::sync::atomic::Ordering::Relaxed)
}

/// A turn to run argon2.
async fn argon2_slot() -> Result<tokio::sync::SemaphorePermit<'static>, IdpError> {
    ARGON2_RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ARGON2_SLOTS.acquire().await.map_err(|e| IdpError::Other(format!("argon2 slots closed: {e}")))
}

/// Hashes a password with argon2id (off the async threads).
pub(crate) async fn hash_password(password: String) -> Result<String, IdpError> {
    let _slot = argon2_slot().await?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| IdpError::Other(format!("cannot hash a password: {e}")))
    })
    .await
    .map_err(|e| IdpError::Other(format!("password hashing task failed: {e}")))?
}

/// Checks a password against an argon2 PHC string (off the async threads).
/// With no hash, checks against a dummy so the time taken does not tell
/// whether the account exists.
async fn verify_password(password: String, phc: Option<String>) -> Result<bool, IdpError> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let _slot = argon2_slot().await?;
    tokio::task::spawn_blocking(move || {
        let argon = Argon2::default();
        match phc {
            Some(phc) => Ok(argon.verify_password(password.as_bytes(), phc.as_str()).is_ok()),
            None => {
                let dummy =
                    DUMMY.get_or_init(|| argon.hash_password(b"not a password anyone has").ok().map(|h| h.to_string()));
                if let Some(d) = dummy {
                    let _ = argon.verify_password(password.as_bytes(), d.as_str());
                }
                Ok(false)
            }
        }
    })
    .await
    .map_err(|e| IdpError::Other(format!("password check task failed: {e}")))?
}

fn account_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        email_verified: row.try_get::<i64, _>("email_verified")? != 0,
    })
}

/// The columns [`account_from_row`] reads (a macro, so queries stay literals).
macro_rules! account_columns {
    () => {
        "id, email, name, email_verified"
    };
}

impl Idp {
    /// The account with this `sub`.
    pub(crate) async fn account_by_id(&self, id: &str) -> Result<Option<Account>, IdpError> {
        let row = sqlx::query(concat!("SELECT ", account_columns!(), " FROM idp_accounts WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.db.read)
            .await?;
        Ok(row.as_ref().map(account_from_row).transpose()?)
    }

    /// The identities linked to an account, oldest first.
    pub(crate) async fn identities(&self, account_id: &str) -> Result<Vec<LinkedIdentity>, IdpError> {
        let rows = sqlx::query(
            "SELECT provider, provider_user_id, created_at FROM idp_identities WHERE account_id = ? \
             ORDER BY created_at, provider",
        )
        .bind(account_id)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LinkedIdentity {
                    provider: r.try_get("provider")?,
                    provider_user_id: r.try_get("provider_user_id")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Cognito groups of an account: `admin` for the configured admin emails.
    pub(crate) fn groups_for(&self, email: &str) -> Vec<String> {
        if self.admins.iter().any(|a| a == email) { vec!["admin".to_owned()] } else { vec![] }
    }

    /// Finds or creates the account for `email` (normalised) and links
    /// `provider` to it. A federated provider vouches for the email; a new
    /// account takes `name`.
    async fn find_or_create(
        &self,
        email: &str,
        name: &str,
        provider: Provider,
        email_verified: bool,
        password_hash: Option<&str>,
    ) -> Result<Account, IdpError> {
        let now = now_ms();
        let mut tx = self.db.write.begin().await?;
        sqlx::query(
            "INSERT INTO idp_accounts (id, email, name, email_verified, password_hash, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(email)
        .bind(name)
        .bind(i64::from(email_verified))
        .bind(password_hash)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if email_verified {
            sqlx::query(
                "UPDATE idp_accounts SET email_verified = 1, updated_at = ? WHERE email = ? AND email_verified = 0",
            )
            .bind(now)
            .bind(email)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(hash) = password_hash {
            sqlx::query("UPDATE idp_accounts SET password_hash = ?, updated_at = ? WHERE email = ?")
                .bind(hash)
                .bind(now)
                .bind(email)
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query(concat!("SELECT ", account_columns!(), " FROM idp_accounts WHERE email = ?"))
            .bind(email)
            .fetch_one(&mut *tx)
            .await?;
        let account = account_from_row(&row)?;
        let user_id = match provider {
            Provider::Cognito => account.id.clone(),
            other => provider_user_id(other, email),
        };
        sqlx::query(
            "INSERT INTO idp_identities (account_id, provider, provider_user_id, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&account.id)
        .bind(provider.as_str())
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(account)
    }

    /// Signs in through a federated stand-in: the account for `email`,
    /// created if new, with the provider linked.
    pub(crate) async fn federated_sign_in(
        &self,
        provider: Provider,
        email: &str,
        name: &str,
    ) -> Result<Account, IdpError> {
        let account = self.find_or_create(email, name, provider, true, None).await?;
        tracing::info!(sub = %account.id, provider = provider.as_str(), "development provider: federated sign-in");
        Ok(account)
    }

    /// Checks an email and password. `None` for any failure (unknown email,
    /// no password, wrong password): the caller says only "incorrect".
    pub(crate) async fn password_sign_in(&self, email: &str, password: &str) -> Result<Option<Account>, IdpError> {
        let row =
            sqlx::query(concat!("SELECT ", account_columns!(), ", password_hash FROM idp_accounts WHERE email = ?"))
                .bind(email)
                .fetch_optional(&self.db.read)
                .await?;
        let phc: Option<String> = row.as_ref().map(|r| r.try_get("password_hash")).transpose()?.flatten();
        let ok = verify_password(password.to_owned(), phc).await?;
        match row {
            Some(row) if ok => Ok(Some(account_from_row(&row)?)),
            _ => Ok(None),
        }
    }

    /// Stores a fresh code for (`purpose`, `email`), replacing any earlier
    /// one, and returns it.
    async fn new_code(
        &self,
        purpose: &str,
        email: &str,
        ttl: Duration,
        name: Option<&str>,
        password_hash: Option<&str>,
    ) -> Result<String, IdpError> {
        let code = six_digits();
        let now = now_ms();
        let mut tx = self.db.write.begin().await?;
        sqlx::query("DELETE FROM idp_email_codes WHERE (email = ? AND purpose = ?) OR expires_at < ?")
            .bind(email)
            .bind(purpose)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO idp_email_codes (id, purpose, email, code_hash, name, password_hash, attempts, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(purpose)
        .bind(email)
        .bind(sha256_hex(&code))
        .bind(name)
        .bind(password_hash)
        .bind(now)
        .bind(now + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(code)
    }

    /// Checks a code for (`purpose`, `email`); a right code is used up and
    /// its row returned (for the sign-up payload).
    async fn use_code(
        &self,
        purpose: &str,
        email: &str,
        code: &str,
    ) -> Result<CodeCheck<(Option<String>, Option<String>)>, IdpError> {
        let now = now_ms();
        let mut tx = self.db.write.begin().await?;
        let row = sqlx::query(
            "SELECT id, code_hash, name, password_hash, attempts, expires_at FROM idp_email_codes \
             WHERE email = ? AND purpose = ? ORDER BY created_at DESC LIMIT 1",
        )
        .bind(email)
        .bind(purpose)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(CodeCheck::Expired) };
        let id: String = row.try_get("id")?;
        let attempts: i64 = row.try_get("attempts")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at < now || attempts >= MAX_CODE_ATTEMPTS {
            return Ok(CodeCheck::Expired);
        }
        let code = code.trim();
        let right = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && {
            let stored: String = row.try_get("code_hash")?;
            stored == sha256_hex(code)
        };
        if !right {
            sqlx::query("UPDATE idp_email_codes SET attempts = attempts + 1 WHERE id = ?")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(if attempts + 1 >= MAX_CODE_ATTEMPTS { CodeCheck::Expired } else { CodeCheck::Wrong });
        }
        let payload = (row.try_get("name")?, row.try_get("password_hash")?);
        sqlx::query("DELETE FROM idp_email_codes WHERE id = ?").bind(&id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(CodeCheck::Ok(payload))
    }

    /// Starts an email + password sign-up: mails a confirmation code. Refused
    /// if the email already has a password.
    pub(crate) async fn start_sign_up(&self, email: &str, name: &str, password: &str) -> Result<SignUp, IdpError> {
        let has_password: Option<Option<String>> =
            sqlx::query_scalar("SELECT password_hash FROM idp_accounts WHERE email = ?")
                .bind(email)
                .fetch_optional(&self.db.read)
                .await?;
        if matches!(has_password, Some(Some(_))) {
            return Ok(SignUp::Exists);
        }
        let hash = hash_password(password.to_owned()).await?;
        let code = self.new_code("signup", email, SIGNUP_CODE_TTL, Some(name), Some(&hash)).await?;
        self.mail_code(email, "Your pq confirmation code", "confirmation", &code, SIGNUP_CODE_TTL).await?;
        Ok(SignUp::CodeSent)
    }

    /// Mails a new confirmation code for a pending sign-up. `false` when none
    /// is pending (nothing sent).
    pub(crate) async fn resend_sign_up(&self, email: &str) -> Result<bool, IdpError> {
        let pending = sqlx::query(
            "SELECT name, password_hash FROM idp_email_codes WHERE email = ? AND purpose = 'signup' \
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(email)
        .fetch_optional(&self.db.read)
        .await?;
        let Some(row) = pending else { return Ok(false) };
        let name: Option<String> = row.try_get("name")?;
        let hash: Option<String> = row.try_get("password_hash")?;
        let code = self.new_code("signup", email, SIGNUP_CODE_TTL, name.as_deref(), hash.as_deref()).await?;
        self.mail_code(email, "Your pq confirmation code", "confirmation", &code, SIGNUP_CODE_TTL).await?;
        Ok(true)
    }

    /// Confirms a sign-up with its mailed code: creates the account (or adds
    /// the password to the existing account of that email) and verifies the email.
    pub(crate) async fn confirm_sign_up(&self, email: &str, code: &str) -> Result<CodeCheck<Account>, IdpError> {
        match self.use_code("signup", email, code).await? {
            CodeCheck::Ok((name, Some(hash))) => {
                let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_owned());
                let account = self.find_or_create(email, &name, Provider::Cognito, true, Some(&hash)).await?;
                tracing::info!(sub = %account.id, "development provider: sign-up confirmed");
                Ok(CodeCheck::Ok(account))
            }
            CodeCheck::Ok((_, None)) | CodeCheck::Expired => Ok(CodeCheck::Expired),
            CodeCheck::Wrong => Ok(CodeCheck::Wrong),
        }
    }

    /// Starts a password reset: mails a code if an account has this email.
    /// Says nothing either way (no account enumeration).
    pub(crate) async fn start_reset(&self, email: &str) -> Result<(), IdpError> {
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM idp_accounts WHERE email = ?")
            .bind(email)
            .fetch_optional(&self.db.read)
            .await?;
        if exists.is_none() {
            tracing::debug!("development provider: password reset for an unknown email; nothing sent");
            return Ok(());
        }
        let code = self.new_code("reset", email, RESET_CODE_TTL, None, None).await?;
        self.mail_code(email, "Your pq password reset code", "password reset", &code, RESET_CODE_TTL).await
    }

    /// Sets a new password with a mailed reset code. Also ends the account's
    /// browser sessions and revokes its refresh tokens.
    pub(crate) async fn confirm_reset(
        &self,
        email: &str,
        code: &str,
        password: &str,
    ) -> Result<CodeCheck<()>, IdpError> {
        match self.use_code("reset", email, code).await? {
            CodeCheck::Ok(_) => {}
            CodeCheck::Wrong => return Ok(CodeCheck::Wrong),
            CodeCheck::Expired => return Ok(CodeCheck::Expired),
        }
        let hash = hash_password(password.to_owned()).await?;
        let name = email.split('@').next().unwrap_or(email).to_owned();
        let account = self.find_or_create(email, &name, Provider::Cognito, true, Some(&hash)).await?;
        let now = now_ms();
        let mut tx = self.db.write.begin().await?;
        sqlx::query("DELETE FROM idp_sessions WHERE account_id = ?").bind(&account.id).execute(&mut *tx).await?;
        // Access tokens of those sign-ins are refused too, and their gateway
        // connections close.
        let origins: Vec<Option<String>> = sqlx::query_scalar(
            "UPDATE idp_refresh_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL \
             RETURNING origin_jti",
        )
        .bind(now)
        .bind(&account.id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        for origin in origins.into_iter().flatten() {
            self.revocations.revoke_origin(account.id.clone(), origin);
        }
        tracing::info!(sub = %account.id, "development provider: password reset");
        Ok(CodeCheck::Ok(()))
    }

    async fn mail_code(&self, to: &str, subject: &str, what: &str, code: &str, ttl: Duration) -> Result<(), IdpError> {
        let minutes = ttl.as_secs() / 60;
        let validity = if minutes.is_multiple_of(60) {
            let h = minutes / 60;
            format!("{h} hour{}", if h == 1 { "" } else { "s" })
        } else {
            format!("{minutes} minutes")
        };
        let body = format!(
            "Your pq {what} code is {code}.\n\nIt works for {validity}. If you did not ask for it, ignore this mail.\n"
        );
        self.mailer.send(&Mail { to: to.to_owned(), subject: subject.to_owned(), body }).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalize_email("  Alice@Example.COM ").as_deref(), Some("alice@example.com"));
        for bad in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "alice@example",
            "a b@example.com",
            "a@b@c.com",
            "a@.com",
            "a@x..com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_and_passwords_are_checked() {
        assert_eq!(normalize_name("  Alice  ").as_deref(), Some("Alice"));
        assert_eq!(normalize_name("   "), None);
        assert_eq!(normalize_name("a\u{0}b"), None);
        assert_eq!(normalize_name(&"x".repeat(MAX_NAME_CHARS + 1)), None);
        assert!(password_problem("1234567").is_some());
        assert!(password_problem("12345678").is_none());
        assert!(password_problem(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_some());
    }

    #[test]
    fn stand_in_user_ids_are_stable_and_per_provider() {
        let g = provider_user_id(Provider::Google, "a@example.com");
        assert_eq!(g, provider_user_id(Provider::Google, "a@example.com"));
        assert_ne!(g, provider_user_id(Provider::Kakao, "a@example.com"));
        assert!(g.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn codes_have_six_digits() {
        for _ in 0..100 {
            let c = six_digits();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), Some(hash.clone())).await.expect("verify"));
        assert!(!verify_password("wrong horse".into(), Some(hash)).await.expect("verify"));
        assert!(!verify_password("anything".into(), None).await.expect("verify"));
    }
}
