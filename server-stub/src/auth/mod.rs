//! Who is calling: access tokens verified against the trusted OpenID Connect
//! issuers, mapped to pq accounts.
//!
//! - [`Verifier`] checks a token: RS256 only (`alg: none` and HS/RS confusion
//!   refused), `kid` looked up in the issuer's JWKS (fetched and cached; for the
//!   built-in development provider, taken directly from it), `exp`, `iss`,
//!   `token_use == "access"`, and `client_id` among the configured ones.
//!   Cognito access tokens carry no `aud`; none is required.
//! - [`AuthUser`] is the axum extractor every authenticated route takes: the
//!   verified identity, mapped to (and on first sight, creating) a pq account.

mod verifier;

pub use verifier::{AuthError, Identity, Verifier};

use axum::{extract::FromRequestParts, http::request::Parts};
use pq_protocol::UserId;

use crate::{chat::store::NewAccount, error::ApiError, state::AppState};

/// The caller of an authenticated route.
#[derive(Clone, Debug)]
pub struct AuthUser {
    /// Their pq account.
    pub id: UserId,
    /// Whether they are a pq administrator (group `admin`).
    pub is_admin: bool,
    /// When the token presented expires (seconds since the epoch): a gateway
    /// connection ends then unless the client renews.
    pub expires_at: u64,
    /// The sign-in the token descends from (`origin_jti`), when the issuer
    /// says: revoking it closes the connections opened with it.
    pub origin: Option<String>,
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Expired => ApiError::TokenExpired,
            AuthError::Internal(m) => ApiError::Internal(m),
            other => ApiError::Unauthorized(other.to_string()),
        }
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("sign in first: no Authorization header".into()))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .ok_or_else(|| ApiError::Unauthorized("expected Authorization: Bearer <access token>".into()))?;
        let user = authenticate(state, token.trim()).await?;
        state.limits().account(user.id)?;
        Ok(user)
    }
}

/// Verifies `token` and returns the pq account it belongs to, creating the
/// account the first time an identity is seen.
///
/// # Errors
/// [`ApiError::Unauthorized`] / [`ApiError::TokenExpired`] for bad tokens.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let identity = state.verifier().verify(token).await?;
    let mut user = account_for(state, &identity, token).await?;
    // The account is cached; these are the token's own.
    user.expires_at = identity.expires_at;
    user.origin.clone_from(&identity.origin);
    Ok(user)
}

async fn account_for(state: &AppState, identity: &Identity, token: &str) -> Result<AuthUser, ApiError> {
    if let Some(hit) = state.verifier().cached_account(identity) {
        return Ok(hit);
    }
    let chat = state.chat();
    let user = if let Some(id) =
        chat.account_of(identity.issuer.clone(), identity.subject.clone(), identity.is_admin).await?
    {
        AuthUser { id, is_admin: identity.is_admin, expires_at: identity.expires_at, origin: None }
    } else {
        // First sight: ask the issuer who this is.
        let info = state.verifier().userinfo(identity, token).await?;
        let is_admin = identity.is_admin || info.groups.iter().any(|g| g == "admin");
        let display_name = info
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| info.email.as_deref().and_then(|e| e.split('@').next()).map(str::to_owned))
            .unwrap_or_else(|| "pq user".to_owned());
        let display_name: String = display_name.chars().take(pq_protocol::limits::MAX_DISPLAY_NAME_CHARS).collect();
        // Two first requests may race: the writer keeps the first account.
        let id = chat
            .create_account(NewAccount {
                id: UserId::new(),
                issuer: identity.issuer.clone(),
                subject: identity.subject.clone(),
                email: info.email.clone(),
                display_name,
                // Pictures come only from this server's /media (see
                // `chat::validate::image_url`); the issuer's is not fetched.
                avatar_url: None,
                is_admin,
                created_at: pq_protocol::Timestamp::now(),
                // Chosen free by the writer, from the email or the name.
                username: None,
            })
            .await?;
        AuthUser { id, is_admin, expires_at: identity.expires_at, origin: None }
    };
    state.verifier().remember_account(identity, &user);
    Ok(user)
}
