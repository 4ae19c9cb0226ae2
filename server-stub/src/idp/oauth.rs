//! The OAuth 2.0 / OpenID Connect endpoints: discovery, JWKS, authorize,
//! token, userInfo, revoke, logout; and what they share with the hosted UI
//! (pending authorization requests, issuing a code, the browser session).
//!
//! Errors follow RFC 6749: before the client and redirect URI are known to be
//! good, `/oauth2/authorize` answers with an error page (it never redirects to
//! an unvalidated URI); after, it redirects with `error=…`. The token endpoint
//! answers `400 {"error": …, "error_description": …}`.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Form, Query, State, rejection::FormRejection, rejection::QueryRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use sqlx::Row as _;

use super::{
    CODE_TTL, Idp, IdpError, REFRESH_TTL, REQUEST_TTL, SESSION_TTL,
    accounts::{Account, Provider},
    ms, now_ms,
    pages::{self, Note},
    random_token, sha256_hex,
};

/// The scopes the provider knows.
const SCOPES: [&str; 3] = ["openid", "email", "profile"];
/// The scope when the request names none.
const DEFAULT_SCOPE: &str = "openid email profile";
/// The one custom-scheme redirect URI accepted.
pub(crate) const APP_REDIRECT_URI: &str = "pq://auth/callback";
/// Longest `state` / `nonce` accepted.
const MAX_PARAM_LEN: usize = 1024;
/// Longest redirect URI accepted.
const MAX_REDIRECT_URI_LEN: usize = 2048;
/// The browser session cookie.
const SESSION_COOKIE: &str = "pq_idp_session";

/// Whether `uri` is a redirect URI this provider sends codes to: exactly
/// `pq://auth/callback`, or `http` on a loopback host (`127.0.0.1`,
/// `localhost`, `[::1]`) with any port and path (RFC 8252 §7.3), without
/// credentials or fragment.
pub(crate) fn redirect_uri_allowed(uri: &str) -> bool {
    if uri == APP_REDIRECT_URI {
        return true;
    }
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return false;
    }
    let Ok(url) = url::Url::parse(uri) else { return false };
    // The parser normalises; insist the input was already in normal form so
    // the URI compared at the token endpoint is the one validated here.
    if url.as_str() != uri && url.as_str() != format!("{uri}/") {
        return false;
    }
    url.scheme() == "http"
        && url.username().is_empty()
        && url.password().is_none()
        && url.fragment().is_none()
        && matches!(
            url.host(),
            Some(url::Host::Domain("localhost"))
                | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
                | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
        )
}

/// Whether `c` looks like an S256 challenge: 43 base64url characters.
fn challenge_well_formed(c: &str) -> bool {
    c.len() == 43 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// RFC 7636 §4.6: `BASE64URL(SHA256(verifier)) == challenge`, with the
/// verifier 43–128 unreserved characters.
pub(crate) fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return false;
    }
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Normalises a requested scope: known scopes only, each once, in order.
fn normalize_scope(scope: Option<&str>) -> Result<String, String> {
    let Some(scope) = scope.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(DEFAULT_SCOPE.to_owned());
    };
    let mut out: Vec<&str> = Vec::new();
    for s in scope.split_ascii_whitespace() {
        if !SCOPES.contains(&s) {
            return Err(format!("unknown scope {s:?}; this provider knows {}", SCOPES.join(", ")));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out.join(" "))
}

/// `uri` with query parameters appended.
fn with_params(uri: &str, params: &[(&str, &str)]) -> Option<String> {
    let mut url = url::Url::parse(uri).ok()?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    Some(url.into())
}

/// A `302 Found` to `location`.
pub(crate) fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => {
            let mut resp = StatusCode::FOUND.into_response();
            resp.headers_mut().insert(header::LOCATION, v);
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(_) => error_page(StatusCode::BAD_REQUEST, "Cannot return to the app", "The return address is not usable."),
    }
}

/// An HTML error page.
pub(crate) fn error_page(status: StatusCode, title: &str, text: &str) -> Response {
    pages::html(status, pages::message(title, text))
}

/// The page for a sign-in form whose request has expired or was used.
pub(crate) fn expired_page() -> Response {
    error_page(StatusCode::BAD_REQUEST, "This sign-in page has expired", "Go back to pq and start signing in again.")
}

/// An internal failure while serving a page: logged, shown generically.
#[derive(Debug)]
pub(crate) struct PageError(IdpError);

impl From<IdpError> for PageError {
    fn from(e: IdpError) -> Self {
        Self(e)
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self.0, "development provider: internal error");
        let (status, text) = match self.0 {
            IdpError::Mail(_) => (StatusCode::BAD_GATEWAY, "We could not send the email. Try again in a moment."),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on the server. Try again in a moment."),
        };
        error_page(status, "Something went wrong", text)
    }
}

/// A pending authorization request (what the sign-in forms carry as `rid`).
#[derive(Clone, Debug)]
pub(crate) struct AuthRequest {
    /// The request id.
    pub(crate) id: String,
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    code_challenge: String,
    scope: String,
    nonce: Option<String>,
}

fn auth_request_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<AuthRequest, sqlx::Error> {
    Ok(AuthRequest {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        redirect_uri: row.try_get("redirect_uri")?,
        state: row.try_get("state")?,
        code_challenge: row.try_get("code_challenge")?,
        scope: row.try_get("scope")?,
        nonce: row.try_get("nonce")?,
    })
}

/// A browser session (the `pq_idp_session` cookie).
#[derive(Clone, Debug)]
pub(crate) struct Session {
    /// When the person authenticated (unix ms).
    pub(crate) auth_time: i64,
    /// Who.
    pub(crate) account: Account,
}

/// How [`Idp::complete`] treats the browser session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SessionMode {
    /// The person just authenticated: start a new session.
    Start,
    /// The person continued an existing session: keep it.
    Keep,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl Idp {
    fn set_cookie(&self, value: &str, max_age_secs: u64) -> Option<HeaderValue> {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}"
        ))
        .ok()
    }

    /// The pending request `rid`, if it exists and has not expired.
    pub(crate) async fn pending(&self, rid: &str) -> Result<Option<AuthRequest>, IdpError> {
        if rid.is_empty() || rid.len() > 64 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT id, client_id, redirect_uri, state, code_challenge, scope, nonce FROM idp_auth_requests \
             WHERE id = ? AND expires_at >= ?",
        )
        .bind(rid)
        .bind(now_ms())
        .fetch_optional(&self.db.read)
        .await?;
        Ok(row.as_ref().map(auth_request_from_row).transpose()?)
    }

    /// The browser's session, if it has a live one.
    pub(crate) async fn session(&self, headers: &HeaderMap) -> Result<Option<Session>, IdpError> {
        let Some(value) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
        let row = sqlx::query("SELECT account_id, auth_time FROM idp_sessions WHERE id_hash = ? AND expires_at >= ?")
            .bind(sha256_hex(value))
            .bind(now_ms())
            .fetch_optional(&self.db.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let account_id: String = row.try_get("account_id")?;
        let auth_time: i64 = row.try_get("auth_time")?;
        Ok(self.account_by_id(&account_id).await?.map(|account| Session { auth_time, account }))
    }

    /// Finishes a sign-in for request `rid`: uses up the request, issues an
    /// authorization code, (re)starts the browser session, and redirects to
    /// the app with `code` and `state`. `None` when the request has expired
    /// or was already used.
    pub(crate) async fn complete(
        &self,
        rid: &str,
        account: &Account,
        auth_time: i64,
        mode: SessionMode,
    ) -> Result<Option<Response>, IdpError> {
        let now = now_ms();
        let mut tx = self.db.write.begin().await?;
        let row = sqlx::query(
            "DELETE FROM idp_auth_requests WHERE id = ? AND expires_at >= ? \
             RETURNING id, client_id, redirect_uri, state, code_challenge, scope, nonce",
        )
        .bind(rid)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let req = auth_request_from_row(&row)?;
        let code = random_token(32);
        sqlx::query(
            "INSERT INTO idp_auth_codes (code_hash, account_id, client_id, redirect_uri, code_challenge, scope, nonce, \
             auth_time, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(sha256_hex(&code))
        .bind(&account.id)
        .bind(&req.client_id)
        .bind(&req.redirect_uri)
        .bind(&req.code_challenge)
        .bind(&req.scope)
        .bind(&req.nonce)
        .bind(auth_time)
        .bind(now)
        .bind(now + ms(CODE_TTL))
        .execute(&mut *tx)
        .await?;
        // Keep used codes a while past expiry so a replay is still recognised.
        sqlx::query("DELETE FROM idp_auth_codes WHERE expires_at < ?")
            .bind(now - ms(REQUEST_TTL))
            .execute(&mut *tx)
            .await?;
        let mut cookie = None;
        if mode == SessionMode::Start {
            let value = random_token(32);
            sqlx::query(
                "INSERT INTO idp_sessions (id_hash, account_id, auth_time, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(sha256_hex(&value))
            .bind(&account.id)
            .bind(auth_time)
            .bind(now)
            .bind(now + ms(SESSION_TTL))
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM idp_sessions WHERE expires_at < ?").bind(now).execute(&mut *tx).await?;
            cookie = self.set_cookie(&value, SESSION_TTL.as_secs());
        }
        tx.commit().await?;
        let mut params = vec![("code", code.as_str())];
        if let Some(state) = &req.state {
            params.push(("state", state));
        }
        let location = with_params(&req.redirect_uri, &params)
            .ok_or_else(|| IdpError::Other("a stored redirect URI no longer parses".into()))?;
        let mut resp = redirect(&location);
        if let Some(c) = cookie {
            resp.headers_mut().insert(header::SET_COOKIE, c);
        }
        Ok(Some(resp))
    }
}

// ---------------------------------------------------------------- discovery

/// `GET /.well-known/openid-configuration`.
pub(crate) async fn discovery(State(idp): State<Arc<Idp>>) -> Response {
    let iss = &idp.issuer;
    let doc = serde_json::json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth2/authorize"),
        "token_endpoint": format!("{iss}/oauth2/token"),
        "userinfo_endpoint": format!("{iss}/oauth2/userInfo"),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "revocation_endpoint": format!("{iss}/oauth2/revoke"),
        "end_session_endpoint": format!("{iss}/logout"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "scopes_supported": SCOPES,
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "email", "email_verified", "name",
            "cognito:username", "cognito:groups", "identities", "token_use"
        ],
    });
    cacheable(Json(doc).into_response())
}

/// `GET /.well-known/jwks.json`.
pub(crate) async fn jwks(State(idp): State<Arc<Idp>>) -> Response {
    cacheable(Json(idp.jwks()).into_response())
}

fn cacheable(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    resp
}

// ---------------------------------------------------------------- authorize

/// `/oauth2/authorize` parameters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    scope: Option<String>,
    nonce: Option<String>,
    identity_provider: Option<String>,
    prompt: Option<String>,
}

/// `GET /oauth2/authorize`: validates the request, stores it, and shows the
/// sign-in page (or, with `identity_provider`, goes straight to that
/// provider's stand-in page).
pub(crate) async fn authorize(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    params: Result<Query<AuthorizeParams>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(p)) = params else {
        return Ok(error_page(
            StatusCode::BAD_REQUEST,
            "Cannot sign in",
            "The sign-in request is malformed. Go back to pq and try again.",
        ));
    };
    // 1. Client and redirect URI: until both are known good, never redirect.
    let client_id = p.client_id.as_deref().unwrap_or_default();
    if !idp.client_ids.iter().any(|c| c == client_id) {
        return Ok(error_page(
            StatusCode::BAD_REQUEST,
            "Cannot sign in",
            "The application asking you to sign in is not known to this server (client_id).",
        ));
    }
    let redirect_uri = p.redirect_uri.as_deref().unwrap_or_default();
    if !redirect_uri_allowed(redirect_uri) {
        return Ok(error_page(
            StatusCode::BAD_REQUEST,
            "Cannot sign in",
            "The application's return address (redirect_uri) is not allowed: use http://127.0.0.1:PORT/…, \
             http://localhost:PORT/… or pq://auth/callback.",
        ));
    }
    // 2. Everything else: redirect back with an OAuth error.
    let state = p.state.as_deref();
    let fail = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = state {
            params.push(("state", s));
        }
        with_params(redirect_uri, &params).map_or_else(expired_page, |l| redirect(&l))
    };
    match p.response_type.as_deref() {
        Some("code") => {}
        None => return Ok(fail("invalid_request", "response_type is required")),
        Some(_) => return Ok(fail("unsupported_response_type", "only response_type=code is supported")),
    }
    if p.code_challenge_method.as_deref() != Some("S256") {
        return Ok(fail("invalid_request", "PKCE is required, with code_challenge_method=S256 (plain is refused)"));
    }
    let Some(challenge) = p.code_challenge.as_deref().filter(|c| challenge_well_formed(c)) else {
        return Ok(fail(
            "invalid_request",
            "code_challenge is required: BASE64URL(SHA256(code_verifier)), 43 characters",
        ));
    };
    if state.is_some_and(|s| s.len() > MAX_PARAM_LEN) || p.nonce.as_deref().is_some_and(|n| n.len() > MAX_PARAM_LEN) {
        return Ok(fail("invalid_request", "state and nonce are limited to 1024 characters"));
    }
    let scope = match normalize_scope(p.scope.as_deref()) {
        Ok(s) => s,
        Err(why) => return Ok(fail("invalid_scope", &why)),
    };
    let provider = match p.identity_provider.as_deref() {
        None => None,
        Some(name) if name.eq_ignore_ascii_case("cognito") => None,
        Some(name) => match Provider::federated(name) {
            Some(p) => Some(p),
            None => return Ok(fail("invalid_request", "identity_provider must be Google, Kakao or COGNITO")),
        },
    };
    let prompt = p.prompt.as_deref().unwrap_or_default();

    let rid = random_token(16);
    let now = now_ms();
    let mut tx = idp.db.write.begin().await?;
    sqlx::query("DELETE FROM idp_auth_requests WHERE expires_at < ?").bind(now).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO idp_auth_requests (id, client_id, redirect_uri, state, code_challenge, scope, nonce, created_at, \
         expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&rid)
    .bind(client_id)
    .bind(redirect_uri)
    .bind(state)
    .bind(challenge)
    .bind(&scope)
    .bind(p.nonce.as_deref())
    .bind(now)
    .bind(now + ms(REQUEST_TTL))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    let session = if prompt == "login" { None } else { idp.session(&headers).await? };
    if prompt == "none" {
        // Silent: only an existing session can answer.
        return Ok(match session {
            Some(s) => {
                idp.complete(&rid, &s.account, s.auth_time, SessionMode::Keep).await?.unwrap_or_else(expired_page)
            }
            None => fail("login_required", "the person is not signed in"),
        });
    }
    if let Some(provider) = provider {
        let rid_q: String = url::form_urlencoded::byte_serialize(rid.as_bytes()).collect();
        return Ok(redirect(&format!("/federated?rid={rid_q}&provider={}", provider.as_str())));
    }
    let who = session.as_ref().map(|s| (s.account.name.as_str(), s.account.email.as_str()));
    Ok(pages::html(StatusCode::OK, pages::sign_in(&rid, who, "", Note::None)))
}

// -------------------------------------------------------------------- token

/// An OAuth error answer from the token, userInfo and revoke endpoints.
#[derive(Debug)]
pub(crate) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, error, description: description.into() }
    }

    fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }
}

impl From<IdpError> for OAuthError {
    fn from(e: IdpError) -> Self {
        tracing::error!(error = %e, "development provider: internal error at a token endpoint");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: "something went wrong on the server; try again".into(),
        }
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        IdpError::from(e).into()
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.error, "error_description": self.description });
        let mut resp = no_store((self.status, Json(body)).into_response());
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer error="invalid_token""#));
        }
        resp
    }
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// `/oauth2/token` form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    client_id: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

/// Tokens issued by `/oauth2/token`.
#[derive(Debug, Serialize)]
struct TokenResponse {
    access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    token_type: &'static str,
    expires_in: u64,
}

/// Access token claims, as Cognito writes them (no `aud`).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AccessClaims {
    sub: String,
    #[serde(rename = "cognito:groups", default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
    iss: String,
    version: u8,
    client_id: String,
    token_use: String,
    scope: String,
    auth_time: i64,
    exp: i64,
    iat: i64,
    jti: String,
    /// The sign-in this token descends from (shared with its refresh token).
    origin_jti: String,
    username: String,
}

/// One entry of the ID token's `identities` claim, as Cognito writes it
/// (`primary` and `dateCreated` are strings there).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct IdentityClaim {
    user_id: String,
    provider_name: String,
    provider_type: &'static str,
    issuer: Option<String>,
    primary: &'static str,
    date_created: String,
}

/// ID token claims, as Cognito writes them.
#[derive(Debug, Serialize)]
struct IdClaims<'a> {
    at_hash: String,
    sub: &'a str,
    #[serde(rename = "cognito:groups", skip_serializing_if = "<[String]>::is_empty")]
    groups: &'a [String],
    email_verified: bool,
    iss: &'a str,
    #[serde(rename = "cognito:username")]
    username: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    aud: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    identities: Vec<IdentityClaim>,
    token_use: &'static str,
    auth_time: i64,
    name: &'a str,
    exp: i64,
    iat: i64,
    jti: String,
    origin_jti: &'a str,
    email: &'a str,
}

/// What a grant hands to [`Idp::issue`].
struct Grant<'a> {
    account_id: &'a str,
    client_id: &'a str,
    scope: &'a str,
    /// Unix ms.
    auth_time: i64,
    nonce: Option<&'a str>,
    /// `Some(code hash)`: also issue a refresh token, tied to that code.
    refresh_for_code: Option<&'a str>,
    /// The sign-in the tokens descend from: new for a code, the refresh
    /// token's for a refresh.
    origin_jti: &'a str,
}

impl Idp {
    /// Signs the tokens for a grant.
    async fn issue(&self, g: Grant<'_>) -> Result<TokenResponse, OAuthError> {
        let Some(account) = self.account_by_id(g.account_id).await? else {
            return Err(OAuthError::invalid_grant("the account no longer exists"));
        };
        let groups = self.groups_for(&account.email);
        let now_s = i64::try_from(self.clock.unix_secs()).unwrap_or(i64::MAX);
        let ttl = i64::try_from(self.access_ttl.as_secs()).unwrap_or(3600);
        let auth_time = g.auth_time / 1000;
        let access = AccessClaims {
            sub: account.id.clone(),
            groups: groups.clone(),
            iss: self.issuer.clone(),
            version: 2,
            client_id: g.client_id.to_owned(),
            token_use: "access".into(),
            scope: g.scope.to_owned(),
            auth_time,
            exp: now_s + ttl,
            iat: now_s,
            jti: uuid::Uuid::new_v4().to_string(),
            origin_jti: g.origin_jti.to_owned(),
            username: account.id.clone(),
        };
        let access_token = self.key.sign(&access)?;
        let id_token = if g.scope.split(' ').any(|s| s == "openid") {
            let linked = self.identities(&account.id).await?;
            let identities = linked
                .iter()
                .filter(|i| i.provider != Provider::Cognito.as_str())
                .enumerate()
                .map(|(n, i)| IdentityClaim {
                    user_id: i.provider_user_id.clone(),
                    provider_name: i.provider.clone(),
                    provider_type: Provider::provider_type(&i.provider),
                    issuer: None,
                    primary: if n == 0 { "true" } else { "false" },
                    date_created: i.created_at.to_string(),
                })
                .collect();
            let at_hash = {
                let digest = Sha256::digest(access_token.as_bytes());
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
            };
            let claims = IdClaims {
                at_hash,
                sub: &account.id,
                groups: &groups,
                email_verified: account.email_verified,
                iss: &self.issuer,
                username: &account.id,
                nonce: g.nonce,
                aud: g.client_id,
                identities,
                token_use: "id",
                auth_time,
                name: &account.name,
                exp: now_s + ttl,
                iat: now_s,
                jti: uuid::Uuid::new_v4().to_string(),
                origin_jti: g.origin_jti,
                email: &account.email,
            };
            Some(self.key.sign(&claims)?)
        } else {
            None
        };
        let refresh_token = match g.refresh_for_code {
            Some(code_hash) => {
                let token = random_token(48);
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO idp_refresh_tokens (token_hash, account_id, client_id, scope, auth_time, code_hash, \
                     created_at, expires_at, origin_jti) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(sha256_hex(&token))
                .bind(&account.id)
                .bind(g.client_id)
                .bind(g.scope)
                .bind(g.auth_time)
                .bind(code_hash)
                .bind(now)
                .bind(now + ms(REFRESH_TTL))
                .bind(g.origin_jti)
                .execute(&self.db.write)
                .await?;
                sqlx::query("DELETE FROM idp_refresh_tokens WHERE expires_at < ?")
                    .bind(now)
                    .execute(&self.db.write)
                    .await?;
                Some(token)
            }
            None => None,
        };
        Ok(TokenResponse {
            access_token,
            id_token,
            refresh_token,
            token_type: "Bearer",
            expires_in: self.access_ttl.as_secs(),
        })
    }

    /// The authorization code grant.
    async fn redeem_code(&self, f: &TokenForm, client_id: &str) -> Result<TokenResponse, OAuthError> {
        let code = f
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| OAuthError::new("invalid_request", "code is required"))?;
        let redirect_uri =
            f.redirect_uri.as_deref().ok_or_else(|| OAuthError::new("invalid_request", "redirect_uri is required"))?;
        let verifier = f
            .code_verifier
            .as_deref()
            .ok_or_else(|| OAuthError::new("invalid_request", "code_verifier is required (PKCE)"))?;
        let code_hash = sha256_hex(code);
        let now = now_ms();
        let mut tx = self.db.write.begin().await?;
        let row = sqlx::query(
            "SELECT account_id, client_id, redirect_uri, code_challenge, scope, nonce, auth_time, expires_at, used_at \
             FROM idp_auth_codes WHERE code_hash = ?",
        )
        .bind(&code_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(OAuthError::invalid_grant("the authorization code is not valid"));
        };
        if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
            // A replay: revoke what the first redemption issued (RFC 6749 §4.1.2).
            let revoked: Vec<(String, Option<String>)> = sqlx::query_as(
                "UPDATE idp_refresh_tokens SET revoked_at = ? WHERE code_hash = ? AND revoked_at IS NULL \
                 RETURNING account_id, origin_jti",
            )
            .bind(now)
            .bind(&code_hash)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            for (sub, origin) in revoked {
                if let Some(origin) = origin {
                    self.revocations.revoke_origin(sub, origin);
                }
            }
            tracing::warn!("development provider: an authorization code was presented twice; its tokens are revoked");
            return Err(OAuthError::invalid_grant("the authorization code has already been used"));
        }
        // One attempt per code, whatever its outcome.
        sqlx::query("UPDATE idp_auth_codes SET used_at = ? WHERE code_hash = ?")
            .bind(now)
            .bind(&code_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let expires_at: i64 = row.try_get("expires_at")?;
        let code_client: String = row.try_get("client_id")?;
        let code_redirect: String = row.try_get("redirect_uri")?;
        let challenge: String = row.try_get("code_challenge")?;
        if expires_at < now {
            return Err(OAuthError::invalid_grant("the authorization code has expired"));
        }
        if code_client != client_id {
            return Err(OAuthError::invalid_grant("the authorization code was issued to another client"));
        }
        if code_redirect != redirect_uri {
            return Err(OAuthError::invalid_grant("redirect_uri does not match the one in the authorization request"));
        }
        if !pkce_s256_matches(verifier, &challenge) {
            return Err(OAuthError::invalid_grant("code_verifier does not match the code_challenge"));
        }
        let account_id: String = row.try_get("account_id")?;
        let scope: String = row.try_get("scope")?;
        let nonce: Option<String> = row.try_get("nonce")?;
        let auth_time: i64 = row.try_get("auth_time")?;
        self.issue(Grant {
            account_id: &account_id,
            client_id,
            scope: &scope,
            auth_time,
            nonce: nonce.as_deref(),
            refresh_for_code: Some(&code_hash),
            origin_jti: &uuid::Uuid::new_v4().to_string(),
        })
        .await
    }

    /// The refresh token grant (no rotation, like Cognito's default).
    async fn refresh(&self, f: &TokenForm, client_id: &str) -> Result<TokenResponse, OAuthError> {
        let token = f
            .refresh_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::new("invalid_request", "refresh_token is required"))?;
        let row = sqlx::query(
            "SELECT account_id, client_id, scope, auth_time, origin_jti FROM idp_refresh_tokens \
             WHERE token_hash = ? AND revoked_at IS NULL AND expires_at >= ?",
        )
        .bind(sha256_hex(token))
        .bind(now_ms())
        .fetch_optional(&self.db.read)
        .await?;
        let Some(row) = row else {
            return Err(OAuthError::invalid_grant("the refresh token is not valid, has expired, or was revoked"));
        };
        let token_client: String = row.try_get("client_id")?;
        if token_client != client_id {
            return Err(OAuthError::invalid_grant("the refresh token was issued to another client"));
        }
        let account_id: String = row.try_get("account_id")?;
        let scope: String = row.try_get("scope")?;
        let auth_time: i64 = row.try_get("auth_time")?;
        // Refresh tokens from before origins were recorded get one of their own.
        let origin: Option<String> = row.try_get("origin_jti")?;
        let origin = match origin {
            Some(o) => o,
            None => {
                let o = uuid::Uuid::new_v4().to_string();
                sqlx::query("UPDATE idp_refresh_tokens SET origin_jti = ? WHERE token_hash = ? AND origin_jti IS NULL")
                    .bind(&o)
                    .bind(sha256_hex(token))
                    .execute(&self.db.write)
                    .await?;
                o
            }
        };
        self.issue(Grant {
            account_id: &account_id,
            client_id,
            scope: &scope,
            auth_time,
            nonce: None,
            refresh_for_code: None,
            origin_jti: &origin,
        })
        .await
    }

    /// The client id of a token or revoke request, if it is one of ours.
    fn client(&self, client_id: Option<&str>) -> Result<String, OAuthError> {
        match client_id {
            None | Some("") => Err(OAuthError::new("invalid_request", "client_id is required")),
            Some(c) if self.client_ids.iter().any(|x| x == c) => Ok(c.to_owned()),
            Some(_) => Err(OAuthError::new("invalid_client", "unknown client_id")),
        }
    }
}

/// `POST /oauth2/token` (form-encoded).
pub(crate) async fn token(
    State(idp): State<Arc<Idp>>,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, OAuthError> {
    let Form(f) = form.map_err(|e| {
        OAuthError::new(
            "invalid_request",
            format!("expected an application/x-www-form-urlencoded body: {}", e.body_text()),
        )
    })?;
    let client_id = idp.client(f.client_id.as_deref())?;
    let tokens = match f.grant_type.as_deref() {
        Some("authorization_code") => idp.redeem_code(&f, &client_id).await?,
        Some("refresh_token") => idp.refresh(&f, &client_id).await?,
        None => return Err(OAuthError::new("invalid_request", "grant_type is required")),
        Some(_) => {
            return Err(OAuthError::new(
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            ));
        }
    };
    Ok(no_store(Json(tokens).into_response()))
}

// ----------------------------------------------------------------- userInfo

/// `GET|POST /oauth2/userInfo` with `Authorization: Bearer ACCESS_TOKEN`.
/// Like Cognito, `email_verified` is the string `"true"` or `"false"`.
pub(crate) async fn userinfo(State(idp): State<Arc<Idp>>, headers: HeaderMap) -> Result<Response, OAuthError> {
    let unauthorized = |description: &str| OAuthError {
        status: StatusCode::UNAUTHORIZED,
        error: "invalid_token",
        description: description.to_owned(),
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .ok_or_else(|| unauthorized("send the access token as Authorization: Bearer …"))?;
    let claims: AccessClaims =
        idp.key.verify(token, &idp.issuer).ok_or_else(|| unauthorized("the access token is invalid or has expired"))?;
    if claims.token_use != "access" || !idp.client_ids.contains(&claims.client_id) {
        return Err(unauthorized("not an access token of this provider"));
    }
    let Some(account) = idp.account_by_id(&claims.sub).await? else {
        return Err(unauthorized("the account no longer exists"));
    };
    let body = serde_json::json!({
        "sub": account.id,
        "email": account.email,
        "email_verified": if account.email_verified { "true" } else { "false" },
        "name": account.name,
        "username": account.id,
    });
    Ok(no_store(Json(body).into_response()))
}

// ------------------------------------------------------------------- revoke

/// `/oauth2/revoke` form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RevokeForm {
    token: Option<String>,
    client_id: Option<String>,
}

/// `POST /oauth2/revoke`: revokes a refresh token (RFC 7009). An unknown
/// token is not an error.
pub(crate) async fn revoke(
    State(idp): State<Arc<Idp>>,
    form: Result<Form<RevokeForm>, FormRejection>,
) -> Result<Response, OAuthError> {
    let Form(f) = form.map_err(|e| {
        OAuthError::new(
            "invalid_request",
            format!("expected an application/x-www-form-urlencoded body: {}", e.body_text()),
        )
    })?;
    let client_id = idp.client(f.client_id.as_deref())?;
    let token = f
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::new("invalid_request", "token is required"))?;
    let hash = sha256_hex(token);
    let owner: Option<String> = sqlx::query_scalar("SELECT client_id FROM idp_refresh_tokens WHERE token_hash = ?")
        .bind(&hash)
        .fetch_optional(&idp.db.write)
        .await?;
    match owner {
        None => {}
        Some(owner) if owner != client_id => {
            return Err(OAuthError::new("unauthorized_client", "the token was issued to another client"));
        }
        Some(_) => {
            // Revoking the refresh token revokes every token of its sign-in
            // (Cognito's behaviour) and closes their gateway connections.
            let revoked: Option<(String, Option<String>)> = sqlx::query_as(
                "UPDATE idp_refresh_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL \
                 RETURNING account_id, origin_jti",
            )
            .bind(now_ms())
            .bind(&hash)
            .fetch_optional(&idp.db.write)
            .await?;
            if let Some((sub, Some(origin))) = revoked {
                idp.revocations.revoke_origin(sub, origin);
            }
        }
    }
    Ok(no_store(StatusCode::OK.into_response()))
}

// ------------------------------------------------------------------- logout

/// `/logout` parameters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogoutParams {
    client_id: Option<String>,
    logout_uri: Option<String>,
}

/// `GET /logout`: ends the browser session, then returns to `logout_uri` if
/// it is an allowed address for a known client, else shows a signed-out page.
pub(crate) async fn logout(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    params: Result<Query<LogoutParams>, QueryRejection>,
) -> Result<Response, PageError> {
    let p = params.map(|Query(p)| p).unwrap_or_default();
    if let Some(value) = cookie(&headers, SESSION_COOKIE) {
        sqlx::query("DELETE FROM idp_sessions WHERE id_hash = ?")
            .bind(sha256_hex(value))
            .execute(&idp.db.write)
            .await?;
    }
    let known_client = p.client_id.as_deref().is_some_and(|c| idp.client_ids.iter().any(|x| x == c));
    let mut resp = match p.logout_uri.as_deref() {
        Some(uri) if known_client && redirect_uri_allowed(uri) => redirect(uri),
        Some(_) => error_page(
            StatusCode::BAD_REQUEST,
            "You are signed out",
            "The application's return address (logout_uri) is not allowed, so you stay here. You can close this page.",
        ),
        None => pages::html(StatusCode::OK, pages::message("You are signed out", "You can close this page.")),
    };
    if let Some(c) = idp.set_cookie("", 0) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris() {
        for ok in [
            "pq://auth/callback",
            "http://127.0.0.1:53682/callback",
            "http://127.0.0.1/callback",
            "http://localhost:8000/cb?x=1",
            "http://[::1]:9000/callback",
            "http://127.0.0.1:1/",
        ] {
            assert!(redirect_uri_allowed(ok), "{ok}");
        }
        for bad in [
            "",
            "pq://auth/callback/",
            "pq://auth/other",
            "PQ://auth/callback",
            "https://127.0.0.1:53682/callback",
            "http://127.0.0.2:53682/callback",
            "http://example.com/callback",
            "http://localhost.example.com/callback",
            "http://127.0.0.1.nip.io/callback",
            "http://user:pw@127.0.0.1:5/callback",
            "http://127.0.0.1:5/callback#frag",
            "http://LOCALHOST:5/callback",
            "http://127.1:5/callback",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "//127.0.0.1/callback",
        ] {
            assert!(!redirect_uri_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn pkce_s256() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(challenge_well_formed(challenge));
        assert!(pkce_s256_matches(verifier, challenge));
        assert!(!pkce_s256_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", challenge));
        // plain (verifier == challenge) never matches.
        assert!(!pkce_s256_matches(challenge, challenge));
        // Too short, or characters outside the unreserved set.
        assert!(!pkce_s256_matches("short", challenge));
        assert!(!pkce_s256_matches(&format!("{verifier} "), challenge));
    }

    #[test]
    fn scopes() {
        assert_eq!(normalize_scope(None).as_deref(), Ok(DEFAULT_SCOPE));
        assert_eq!(normalize_scope(Some("openid  email openid")).as_deref(), Ok("openid email"));
        assert!(normalize_scope(Some("openid admin")).is_err());
    }

    #[test]
    fn params_are_appended() {
        assert_eq!(
            with_params("pq://auth/callback", &[("code", "a b"), ("state", "s&t")]).as_deref(),
            Some("pq://auth/callback?code=a+b&state=s%26t")
        );
        assert_eq!(
            with_params("http://127.0.0.1:5/cb?x=1", &[("code", "c")]).as_deref(),
            Some("http://127.0.0.1:5/cb?x=1&code=c")
        );
    }

    #[test]
    fn cookies_are_found() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; pq_idp_session=xyz; b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
