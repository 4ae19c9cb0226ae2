//! OpenID Connect with a Cognito-shaped provider: discovery, the
//! authorization request (PKCE S256, `state`, `nonce`), code exchange, ID
//! token validation, refresh, revocation and the logout URL.
//!
//! # Flow
//!
//! 1. [`Provider::from_server`] asks the pq server which issuer and client id
//!    to use (`GET /api/auth/config`), then reads the issuer's discovery
//!    document and key set (JWKS).
//! 2. [`Provider::begin`] makes a [`PendingSignIn`]: the authorization URL to
//!    open in the browser, and the secrets kept until the answer comes back
//!    (`state`, `nonce`, PKCE verifier).
//! 3. The browser comes back to the redirect URI with a [`Callback`];
//!    [`Provider::finish`] checks its `state`, redeems the code with the
//!    verifier, and validates the ID token (signature from the JWKS, `iss`,
//!    `aud` = client id, `nonce`, `exp`, `at_hash`).
//! 4. [`Provider::refresh`] renews the access token; [`Provider::revoke`]
//!    ends the session at the provider; [`Provider::logout_url`] ends the
//!    browser's session there.
//!
//! # Cognito
//!
//! - Access tokens have `client_id` and no `aud`: pq treats them as opaque
//!   and checks only the ID token (pq-server checks access tokens).
//! - Refresh responses carry no refresh token: the old one is kept.
//! - The discovery document of a user pool names neither a revocation nor
//!   an end-session endpoint; they live on the hosted UI's domain next to
//!   the token endpoint (`/oauth2/revoke`, `/logout`), which is where pq
//!   looks when discovery does not say.
//! - `/logout` takes `client_id` and `logout_uri` (not the standard
//!   `post_logout_redirect_uri`).
//! - `email_verified` may be the string `"true"` (openidconnect's
//!   `accept-string-booleans` feature is on).

use std::{
    borrow::Cow,
    fmt,
    sync::RwLock,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::Engine as _;
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalProviderMetadata, AuthorizationCode, ClaimsVerificationError, ClientId,
    CsrfToken, DiscoveryError, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, ProviderMetadata, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    SignatureVerificationError, StandardErrorResponse, TokenResponse as _, TokenUrl,
    core::{
        CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
        CoreErrorResponseType, CoreGrantType, CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKey, CoreJsonWebKeySet,
        CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm, CoreResponseMode,
        CoreResponseType, CoreSubjectIdentifierType, CoreTokenResponse,
    },
};
use pq_protocol::models::AuthConfig;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use url::Url;

use super::{
    AuthError,
    http::{HttpError, OidcHttp, read_limited},
    keychain::{Account, Tokens},
};

/// The scopes pq asks for.
pub const SCOPES: [&str; 3] = ["openid", "email", "profile"];

/// The desktop app's redirect URI (a deep link registered with the OS).
pub const APP_REDIRECT_URI: &str = "pq://auth/callback";

/// How far the ID token's `exp` may lie in the past by this computer's
/// clock. Desktop clocks drift; the token was just received over TLS from
/// the provider, so the check guards against replays, not theft.
const CLOCK_LEEWAY: Duration = Duration::from_secs(300);

/// Access token lifetime assumed when the provider states none and the
/// token is not a readable JWT.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// Largest body read from `/api/auth/config` and `/oauth2/revoke`.
const MAX_SMALL_BODY: usize = 64 * 1024;

/// Discovery fields beyond the core set that pq uses.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct ExtraMetadata {
    /// RFC 7009 revocation endpoint (RFC 8414 name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revocation_endpoint: Option<Url>,
    /// OpenID Connect RP-initiated logout endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end_session_endpoint: Option<Url>,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

/// The discovery document with [`ExtraMetadata`].
type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// The openidconnect client with an authorization and a token endpoint.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    openidconnect::EndpointMaybeSet,
>;

/// Token endpoint errors.
type TokenError = RequestTokenError<HttpError, StandardErrorResponse<CoreErrorResponseType>>;

/// Asks the pq server at `server` which issuer and client id to sign in with
/// (`GET /api/auth/config`; no sign-in needed).
///
/// # Errors
/// [`AuthError::Network`] when the server cannot be reached,
/// [`AuthError::Configuration`] when it answers something else than the
/// configuration.
pub async fn fetch_auth_config(http: &reqwest::Client, server: &Url) -> Result<AuthConfig, AuthError> {
    let url = join(server, "api/auth/config")?;
    let response = http.get(url).header(reqwest::header::ACCEPT, "application/json").send().await?;
    let status = response.status();
    let body = read_limited(response, MAX_SMALL_BODY).await?;
    if status.is_server_error() {
        return Err(AuthError::Provider { detail: format!("the pq server answered {status}") });
    }
    if !status.is_success() {
        return Err(AuthError::Configuration {
            detail: format!("the pq server answered {status} when asked for its sign-in configuration"),
        });
    }
    serde_json::from_slice(&body).map_err(|e| AuthError::Configuration {
        detail: format!("the pq server's sign-in configuration is not readable: {e}"),
    })
}

/// `base` joined with a relative `path`, keeping `base`'s own path.
fn join(base: &Url, path: &str) -> Result<Url, AuthError> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(path).map_err(|e| AuthError::Configuration { detail: format!("bad server URL {base}: {e}") })
}

/// A discovered identity provider and pq's client there.
pub struct Provider {
    client: Client,
    client_id: ClientId,
    issuer: IssuerUrl,
    jwks_uri: openidconnect::JsonWebKeySetUrl,
    /// The provider's signing keys; refetched once when an ID token names an
    /// unknown key (the provider rotated its keys).
    jwks: RwLock<CoreJsonWebKeySet>,
    algs: Vec<CoreJwsSigningAlgorithm>,
    revocation_url: Url,
    end_session_url: Url,
    http: OidcHttp,
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id.as_str())
            .field("revocation_url", &self.revocation_url.as_str())
            .field("end_session_url", &self.end_session_url.as_str())
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// Reads the sign-in configuration from the pq server at `server`, then
    /// discovers its issuer. `http` must not follow redirects.
    ///
    /// # Errors
    /// See [`fetch_auth_config`] and [`Provider::discover`].
    pub async fn from_server(http: reqwest::Client, server: &Url) -> Result<Self, AuthError> {
        let config = fetch_auth_config(&http, server).await?;
        Self::discover(http, &config).await
    }

    /// Discovers the issuer of `config` (its
    /// `/.well-known/openid-configuration` and JWKS). `http` must not follow
    /// redirects.
    ///
    /// # Errors
    /// [`AuthError::Network`] when the issuer cannot be reached,
    /// [`AuthError::Configuration`] when its documents are unusable.
    pub async fn discover(http: reqwest::Client, config: &AuthConfig) -> Result<Self, AuthError> {
        let configuration = |detail: String| AuthError::Configuration { detail };
        let issuer = IssuerUrl::new(config.issuer.clone())
            .map_err(|e| configuration(format!("the issuer {:?} is not a URL: {e}", config.issuer)))?;
        let http = OidcHttp(http);
        let metadata = Metadata::discover_async(issuer.clone(), &http).await.map_err(|e| match e {
            DiscoveryError::Request(e) => AuthError::from(e),
            DiscoveryError::Response(status, _, _) if status.is_server_error() => {
                AuthError::Provider { detail: format!("the issuer {} answered {status}", issuer.as_str()) }
            }
            DiscoveryError::Response(status, _, _) => {
                configuration(format!("the issuer {} answered {status} to discovery", issuer.as_str()))
            }
            other => configuration(format!("the issuer {}'s discovery document: {other}", issuer.as_str())),
        })?;
        let token_url: TokenUrl = metadata
            .token_endpoint()
            .cloned()
            .ok_or_else(|| configuration(format!("the issuer {} names no token endpoint", issuer.as_str())))?;
        // Cognito: revoke and logout live next to the token endpoint.
        let origin = token_url.url().origin().ascii_serialization();
        let extra = metadata.additional_metadata().clone();
        let derived = |path: &str| {
            Url::parse(&format!("{origin}{path}")).map_err(|e| configuration(format!("bad token endpoint: {e}")))
        };
        let revocation_url = match extra.revocation_endpoint {
            Some(u) => u,
            None => derived("/oauth2/revoke")?,
        };
        let end_session_url = match extra.end_session_endpoint {
            Some(u) => u,
            None => derived("/logout")?,
        };
        let jwks = metadata.jwks().clone();
        let jwks_uri = metadata.jwks_uri().clone();
        let algs = metadata.id_token_signing_alg_values_supported().clone();
        let client_id = ClientId::new(config.client_id.clone());
        let client = CoreClient::from_provider_metadata(metadata, client_id.clone(), None).set_token_uri(token_url);
        Ok(Self {
            client,
            client_id,
            issuer,
            jwks_uri,
            jwks: RwLock::new(jwks),
            algs,
            revocation_url,
            end_session_url,
            http,
        })
    }

    /// The issuer URL (`iss` of its tokens).
    #[must_use]
    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// pq's OAuth client id at the provider.
    #[must_use]
    pub fn client_id(&self) -> &str {
        self.client_id.as_str()
    }

    /// Starts a sign-in that comes back to `redirect_uri`: a fresh `state`,
    /// `nonce` and PKCE S256 pair, scope `openid email profile`. With
    /// `identity_provider` (Cognito's parameter, e.g. `Google`, `Kakao`) the
    /// provider skips its chooser and goes straight to that one.
    ///
    /// # Errors
    /// [`AuthError::Configuration`] when `redirect_uri` is not a URL.
    pub fn begin(&self, redirect_uri: &str, identity_provider: Option<&str>) -> Result<PendingSignIn, AuthError> {
        let redirect_uri = RedirectUrl::new(redirect_uri.to_owned()).map_err(|e| AuthError::Configuration {
            detail: format!("the redirect URI {redirect_uri:?} is not a URL: {e}"),
        })?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scopes(SCOPES.iter().filter(|s| **s != "openid").map(|s| Scope::new((*s).to_owned())))
            .set_pkce_challenge(challenge)
            .set_redirect_uri(Cow::Owned(redirect_uri.clone()));
        if let Some(idp) = identity_provider {
            request = request.add_extra_param("identity_provider", idp.to_owned());
        }
        let (authorize_url, state, nonce) = request.url();
        Ok(PendingSignIn { authorize_url, redirect_uri, state, nonce, verifier })
    }

    /// Finishes a sign-in: checks the callback against `pending` (state,
    /// provider error), redeems the code with the PKCE verifier, validates
    /// the ID token, and returns the new session.
    ///
    /// # Errors
    /// [`AuthError::StateMismatch`], [`AuthError::ProviderRefused`] (in the
    /// browser or at the token endpoint), [`AuthError::InvalidCallback`],
    /// [`AuthError::InvalidIdToken`], [`AuthError::Network`],
    /// [`AuthError::Provider`].
    pub async fn finish(&self, pending: PendingSignIn, callback: &Callback) -> Result<Tokens, AuthError> {
        let code = pending.check(callback)?.to_owned();
        let PendingSignIn { redirect_uri, nonce, verifier, .. } = pending;
        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(verifier)
            .set_redirect_uri(Cow::Owned(redirect_uri))
            .request_async(&self.http)
            .await
            .map_err(|e| token_error(e, false))?;
        self.tokens_from(&response, Some(&nonce), None).await
    }

    /// Renews the access token of `tokens` with their refresh token. The
    /// refresh token is kept when the provider returns none (Cognito).
    ///
    /// # Errors
    /// [`AuthError::Expired`] when the refresh token is no longer accepted
    /// (or there is none); [`AuthError::Network`]; [`AuthError::Provider`];
    /// [`AuthError::InvalidIdToken`].
    pub async fn refresh(&self, tokens: &Tokens) -> Result<Tokens, AuthError> {
        let Some(refresh_token) = tokens.refresh_token.clone() else { return Err(AuthError::Expired) };
        if tokens.account.issuer != self.issuer() || tokens.client_id != self.client_id() {
            // The server now signs in elsewhere: this session cannot be renewed.
            return Err(AuthError::Expired);
        }
        let refresh_token = RefreshToken::new(refresh_token);
        let response = self
            .client
            .exchange_refresh_token(&refresh_token)
            .request_async(&self.http)
            .await
            .map_err(|e| token_error(e, true))?;
        self.tokens_from(&response, None, Some(tokens)).await
    }

    /// Revokes a refresh token (RFC 7009; Cognito's `/oauth2/revoke` with
    /// `token` and `client_id`). Revoking an unknown token succeeds.
    ///
    /// # Errors
    /// [`AuthError::Network`]; [`AuthError::ProviderRefused`] or
    /// [`AuthError::Provider`] when the provider does not confirm.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), AuthError> {
        let response = self
            .http
            .0
            .post(self.revocation_url.clone())
            .form(&[("token", refresh_token), ("client_id", self.client_id())])
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = read_limited(response, MAX_SMALL_BODY).await.unwrap_or_default();
        match serde_json::from_slice::<OAuthErrorBody>(&body) {
            Ok(e) if status.is_client_error() => {
                Err(AuthError::ProviderRefused { error: e.error, description: e.error_description })
            }
            _ => Err(AuthError::Provider { detail: format!("the revocation endpoint answered {status}") }),
        }
    }

    /// The address that ends the browser's session at the provider (so the
    /// next sign-in asks who you are instead of continuing as the last
    /// person), returning to `logout_uri` when given (it must be registered
    /// with the provider, like redirect URIs).
    #[must_use]
    pub fn logout_url(&self, logout_uri: Option<&str>) -> Url {
        let mut url = self.end_session_url.clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("client_id", self.client_id());
            if let Some(uri) = logout_uri {
                query.append_pair("logout_uri", uri);
            }
        }
        url
    }

    /// Builds the session from a token response.
    async fn tokens_from(
        &self,
        response: &CoreTokenResponse,
        nonce: Option<&Nonce>,
        previous: Option<&Tokens>,
    ) -> Result<Tokens, AuthError> {
        let access_token = response.access_token();
        let account = match (response.id_token(), previous) {
            (Some(id_token), _) => self.verify_id_token(id_token, nonce, access_token).await?,
            (None, Some(previous)) => previous.account.clone(),
            (None, None) => {
                return Err(AuthError::InvalidIdToken { reason: "the provider sent no ID token".into() });
            }
        };
        if let Some(previous) = previous
            && previous.account.sub != account.sub
        {
            return Err(AuthError::InvalidIdToken { reason: "the renewed session is for another account".into() });
        }
        let lifetime = response
            .expires_in()
            .or_else(|| jwt_exp(access_token.secret()).map(|exp| Duration::from_secs(exp.saturating_sub(now_secs()))))
            .unwrap_or(DEFAULT_LIFETIME);
        let refresh_token = response
            .refresh_token()
            .map(|t| t.secret().clone())
            .or_else(|| previous.and_then(|p| p.refresh_token.clone()));
        Ok(Tokens {
            account,
            client_id: self.client_id().to_owned(),
            access_token: Some(access_token.secret().clone()),
            expires_at: now_secs().saturating_add(lifetime.as_secs()),
            refresh_token,
        })
    }

    /// Validates an ID token: signature by one of the provider's keys, `iss`,
    /// `aud` = our client id, `exp` (with [`CLOCK_LEEWAY`]), the `nonce` when
    /// one was sent (refreshed ID tokens carry none), and `at_hash` when
    /// present.
    async fn verify_id_token(
        &self,
        id_token: &CoreIdToken,
        nonce: Option<&Nonce>,
        access_token: &AccessToken,
    ) -> Result<Account, AuthError> {
        match self.verify_with_current_keys(id_token, nonce, access_token) {
            Err(Verification::UnknownKey) => {
                // The provider may have rotated its keys since discovery.
                let jwks = CoreJsonWebKeySet::fetch_async(&self.jwks_uri, &self.http).await.map_err(|e| match e {
                    DiscoveryError::Request(e) => AuthError::from(e),
                    other => AuthError::Provider { detail: format!("the provider's key set: {other}") },
                })?;
                *self.jwks.write().unwrap_or_else(std::sync::PoisonError::into_inner) = jwks;
                self.verify_with_current_keys(id_token, nonce, access_token).map_err(Verification::into_error)
            }
            other => other.map_err(Verification::into_error),
        }
    }

    fn verify_with_current_keys(
        &self,
        id_token: &CoreIdToken,
        nonce: Option<&Nonce>,
        access_token: &AccessToken,
    ) -> Result<Account, Verification> {
        let jwks = self.jwks.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let leeway = chrono::Duration::from_std(CLOCK_LEEWAY).unwrap_or_default();
        let mut verifier = CoreIdTokenVerifier::new_public_client(self.client_id.clone(), self.issuer.clone(), jwks)
            .set_time_fn(move || chrono::Utc::now() - leeway);
        if !self.algs.is_empty() {
            verifier = verifier.set_allowed_algs(self.algs.clone());
        }
        let claims = match nonce {
            Some(nonce) => id_token.claims(&verifier, nonce),
            None => id_token.claims(&verifier, |_: Option<&Nonce>| Ok::<(), String>(())),
        }
        .map_err(|e| match e {
            ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey) => {
                Verification::UnknownKey
            }
            other => Verification::Failed(other.to_string()),
        })?;
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token.signing_alg().map_err(|e| Verification::Failed(e.to_string()))?;
            let key = id_token.signing_key(&verifier).map_err(|e| Verification::Failed(e.to_string()))?;
            let actual = AccessTokenHash::from_token(access_token, alg, key)
                .map_err(|e| Verification::Failed(format!("access token hash: {e}")))?;
            if actual != *expected {
                return Err(Verification::Failed("the access token does not belong to the ID token".into()));
            }
        }
        Ok(Account {
            issuer: claims.issuer().as_str().to_owned(),
            sub: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned()),
        })
    }
}

/// An ID token check's outcome, before it becomes an [`AuthError`].
enum Verification {
    /// No key in the JWKS matches the token's `kid`.
    UnknownKey,
    /// Any other failure.
    Failed(String),
}

impl Verification {
    fn into_error(self) -> AuthError {
        let reason = match self {
            Verification::UnknownKey => "signed with a key the provider does not publish".to_owned(),
            Verification::Failed(reason) => reason,
        };
        AuthError::InvalidIdToken { reason }
    }
}

/// An RFC 6749 error body.
#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Maps a token endpoint failure. When `refreshing`, `invalid_grant` means
/// the refresh token is no longer good: [`AuthError::Expired`].
fn token_error(e: TokenError, refreshing: bool) -> AuthError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let error = r.error().as_ref().to_owned();
            if refreshing && error == "invalid_grant" {
                AuthError::Expired
            } else {
                AuthError::ProviderRefused { error, description: r.error_description().cloned() }
            }
        }
        RequestTokenError::Request(e) => e.into(),
        // Never include the body: a half-parsed success holds tokens.
        RequestTokenError::Parse(e, _) => {
            AuthError::Provider { detail: format!("the token endpoint's answer is not the expected JSON ({e})") }
        }
        RequestTokenError::Other(detail) => AuthError::Provider { detail },
    }
}

/// Now, in seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The `exp` of a JWT, read without verifying anything (only to schedule a
/// refresh when the provider states no lifetime).
fn jwt_exp(jwt: &str) -> Option<u64> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes).ok()?.get("exp")?.as_u64()
}

/// A started sign-in: the address to open in the browser, and what pq keeps
/// until the answer arrives. `Debug` shows no secret.
pub struct PendingSignIn {
    authorize_url: Url,
    redirect_uri: RedirectUrl,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn").field("redirect_uri", &self.redirect_uri.as_str()).finish_non_exhaustive()
    }
}

impl PendingSignIn {
    /// The authorization URL to open in the system browser.
    #[must_use]
    pub fn authorize_url(&self) -> &str {
        self.authorize_url.as_str()
    }

    /// Where the provider sends the browser back.
    #[must_use]
    pub fn redirect_uri(&self) -> &str {
        self.redirect_uri.as_str()
    }

    /// The `state` this sign-in expects back (kept to check a deep link
    /// before it is handed over).
    pub(crate) fn state_secret(&self) -> &str {
        self.state.secret()
    }

    /// Checks that `callback` answers this sign-in and returns its code.
    ///
    /// # Errors
    /// [`AuthError::StateMismatch`] for another sign-in's answer (or none
    /// with a code), [`AuthError::ProviderRefused`] for a provider error,
    /// [`AuthError::InvalidCallback`] for neither a code nor an error.
    pub fn check<'c>(&self, callback: &'c Callback) -> Result<&'c str, AuthError> {
        let state_matches = callback.state.as_deref().map(|s| same_secret(s, self.state.secret()));
        if state_matches == Some(false) {
            return Err(AuthError::StateMismatch);
        }
        if let Some(error) = &callback.error {
            return Err(AuthError::ProviderRefused {
                error: error.clone(),
                description: callback.error_description.clone(),
            });
        }
        if state_matches.is_none() {
            return Err(AuthError::StateMismatch);
        }
        callback
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| AuthError::InvalidCallback { reason: "it carries neither a code nor an error".into() })
    }
}

/// Compares two secrets without leaking where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// What the provider sent back to the redirect URI (its query parameters).
/// `Debug` hides the code.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Callback {
    /// The authorization code.
    pub code: Option<String>,
    /// The `state` echoed back.
    pub state: Option<String>,
    /// The OAuth error, e.g. `access_denied`.
    pub error: Option<String>,
    /// The provider's explanation of the error.
    pub error_description: Option<String>,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("state", &self.state.as_ref().map(|_| "<redacted>"))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish()
    }
}

impl Callback {
    /// Reads the parameters from a query string (`code=…&state=…`).
    #[must_use]
    pub fn from_query(query: &str) -> Self {
        let mut cb = Callback::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*k {
                "code" => &mut cb.code,
                "state" => &mut cb.state,
                "error" => &mut cb.error,
                "error_description" => &mut cb.error_description,
                _ => continue,
            };
            // The first occurrence wins; repeats are ignored.
            if slot.is_none() {
                *slot = Some(v.into_owned());
            }
        }
        cb
    }

    /// Reads a full redirect URL, checking that it is addressed to
    /// `redirect_uri` (same scheme, host, port and path, a trailing `/`
    /// aside).
    ///
    /// # Errors
    /// [`AuthError::InvalidCallback`] when `url` is not a URL or goes
    /// elsewhere.
    pub fn from_redirect(url: &str, redirect_uri: &str) -> Result<Self, AuthError> {
        let invalid = |reason: String| AuthError::InvalidCallback { reason };
        let got = Url::parse(url).map_err(|e| invalid(format!("not a URL ({e})")))?;
        let want = Url::parse(redirect_uri).map_err(|e| invalid(format!("bad redirect URI ({e})")))?;
        // A trailing slash some launchers add to the path is tolerated.
        let base = |u: &Url| {
            let path = u.path().trim_end_matches('/').to_owned();
            (u.scheme().to_owned(), u.host_str().map(str::to_owned), u.port(), path)
        };
        if base(&got) != base(&want) {
            return Err(invalid(format!("it is not addressed to {redirect_uri}")));
        }
        Ok(Self::from_query(got.query().unwrap_or_default()))
    }

    /// Whether this is a sign-in answer at all (a code or an error).
    #[must_use]
    pub fn is_answer(&self) -> bool {
        self.code.is_some() || self.error.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_parse() {
        let cb = Callback::from_query("code=a%20b&state=s&x=1&code=other");
        assert_eq!(cb.code.as_deref(), Some("a b"));
        assert_eq!(cb.state.as_deref(), Some("s"));
        assert!(cb.is_answer());
        assert!(!Callback::from_query("").is_answer());
        let cb = Callback::from_redirect("pq://auth/callback?error=access_denied&state=s", APP_REDIRECT_URI)
            .expect("a callback");
        assert_eq!(cb.error.as_deref(), Some("access_denied"));
        assert!(Callback::from_redirect("pq://auth/callback/?code=x&state=s", APP_REDIRECT_URI).is_ok());
        for bad in ["pq://auth/other?code=x", "https://auth/callback?code=x", "pq://evil/callback?code=x", "nonsense"] {
            assert!(
                matches!(Callback::from_redirect(bad, APP_REDIRECT_URI), Err(AuthError::InvalidCallback { .. })),
                "{bad}"
            );
        }
        let text = format!("{:?}", Callback::from_query("code=secret-code&state=secret-state"));
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn joins_keep_the_base_path() {
        let base = Url::parse("https://example.com/pq").expect("url");
        assert_eq!(join(&base, "api/auth/config").expect("join").as_str(), "https://example.com/pq/api/auth/config");
        let base = Url::parse("http://127.0.0.1:8080").expect("url");
        assert_eq!(join(&base, "api/auth/config").expect("join").as_str(), "http://127.0.0.1:8080/api/auth/config");
    }

    #[test]
    fn jwt_exp_is_read_without_verifying() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"exp":1234}"#);
        assert_eq!(jwt_exp(&format!("h.{payload}.s")), Some(1234));
        assert_eq!(jwt_exp("opaque"), None);
    }
}
