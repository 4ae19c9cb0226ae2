//! Access token verification against trusted issuers.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use serde::Deserialize;

use super::AuthUser;
use crate::{
    config::Config,
    idp::{Idp, UserInfo},
};

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Not a JWT.
    #[error("the access token is malformed")]
    Malformed,
    /// `alg` other than RS256 (`none`, HS256, …).
    #[error("the access token uses algorithm {0}; only RS256 is accepted")]
    UnsupportedAlgorithm(String),
    /// `iss` is not a trusted issuer.
    #[error("the access token comes from an issuer this server does not trust")]
    UnknownIssuer,
    /// `kid` not in the issuer's keys.
    #[error("the access token is signed with an unknown key")]
    UnknownKey,
    /// Signature or claims invalid.
    #[error("the access token is invalid: {0}")]
    Invalid(String),
    /// Past `exp`.
    #[error("the access token has expired")]
    Expired,
    /// Not an access token (an ID or refresh token).
    #[error("expected an access token (token_use \"access\")")]
    WrongTokenUse,
    /// Issued to a client this server does not serve.
    #[error("the access token was issued to another application")]
    WrongClient,
    /// Its sign-in was revoked (signed out, password reset).
    #[error("the access token's sign-in was revoked (signed out or password reset): sign in again")]
    Revoked,
    /// The issuer could not be reached to fetch keys or user info.
    #[error("the sign-in provider is unreachable: {0}")]
    IssuerUnreachable(String),
    /// Something broke on our side.
    #[error("{0}")]
    Internal(String),
}

/// A verified access token.
#[derive(Clone, Debug)]
pub struct Identity {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `cognito:groups` contains `admin`. (Never a custom attribute: in
    /// Cognito those can be writable by the user themselves.)
    pub is_admin: bool,
    /// `exp`, seconds since the epoch.
    pub expires_at: u64,
    /// `origin_jti`: the sign-in this token descends from, if the issuer says.
    pub origin: Option<String>,
}

#[derive(Deserialize)]
struct AccessClaims {
    sub: String,
    iss: String,
    exp: u64,
    #[serde(default)]
    token_use: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default, rename = "cognito:groups")]
    groups: Vec<String>,
    #[serde(default)]
    origin_jti: Option<String>,
}

impl AccessClaims {
    /// Admin by group membership only: a custom attribute such as
    /// `custom:role` can be writable by the user in Cognito.
    fn is_admin(&self) -> bool {
        self.groups.iter().any(|g| g == "admin")
    }
}

#[derive(Deserialize)]
struct IssOnly {
    iss: Option<String>,
}

#[derive(Deserialize, Clone, Debug)]
struct Discovery {
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

#[derive(Deserialize)]
struct RemoteUserInfo {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    picture: Option<String>,
}

enum KeySource {
    /// The built-in development provider: keys straight from it.
    Local(Arc<Idp>),
    /// An external issuer: discovery and JWKS over HTTPS.
    Remote { discovery: tokio::sync::Mutex<Option<(Discovery, Instant)>> },
}

struct Issuer {
    iss: String,
    source: KeySource,
    keys: RwLock<HashMap<String, DecodingKey>>,
    /// Serialises key refreshes and rate-limits them.
    refresh: tokio::sync::Mutex<Option<Instant>>,
}

/// Verifies access tokens. Cheap to clone.
#[derive(Clone)]
pub struct Verifier(Arc<Inner>);

struct Inner {
    issuers: Vec<Issuer>,
    client_ids: Vec<String>,
    http: reqwest::Client,
    accounts: Mutex<HashMap<(String, String), AuthUser>>,
    clock: crate::clock::Clock,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("issuers", &self.0.issuers.iter().map(|i| i.iss.as_str()).collect::<Vec<_>>())
            .field("client_ids", &self.0.client_ids)
            .finish_non_exhaustive()
    }
}

/// How long a fetched discovery document is trusted.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);
/// Least time between two JWKS fetches for unknown `kid`s (no hammering).
const KEY_REFRESH_MIN: Duration = Duration::from_secs(30);

impl Verifier {
    /// A verifier trusting the development provider (if given) and the
    /// configured external issuer.
    #[must_use]
    pub fn new(config: &Config, idp: Option<Arc<Idp>>) -> Self {
        let mut issuers = Vec::new();
        if let Some(idp) = idp {
            issuers.push(Issuer {
                iss: config.dev_issuer(),
                source: KeySource::Local(idp),
                keys: RwLock::default(),
                refresh: tokio::sync::Mutex::default(),
            });
        }
        if let Some(ext) = &config.external_issuer {
            issuers.push(Issuer {
                iss: ext.issuer.clone(),
                source: KeySource::Remote { discovery: tokio::sync::Mutex::default() },
                keys: RwLock::default(),
                refresh: tokio::sync::Mutex::default(),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("pq-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client with static settings builds");
        Self(Arc::new(Inner {
            issuers,
            client_ids: config.client_ids.clone(),
            http,
            accounts: Mutex::default(),
            clock: config.clock.clone(),
        }))
    }

    /// Verifies an access token.
    ///
    /// # Errors
    /// See [`AuthError`].
    pub async fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::UnsupportedAlgorithm(format!("{:?}", header.alg)));
        }
        let kid = header.kid.ok_or(AuthError::UnknownKey)?;
        // Which issuer? Read `iss` unverified only to pick the key set; the
        // signature check below binds it.
        let iss = unverified_iss(token)?;
        let issuer = self.0.issuers.iter().find(|i| i.iss == iss).ok_or(AuthError::UnknownIssuer)?;
        let key = self.key_for(issuer, &kid).await?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&issuer.iss]);
        validation.validate_aud = false; // Cognito access tokens have no `aud`.
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // `exp` is checked below, against the server's clock.
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<AccessClaims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                    AuthError::UnsupportedAlgorithm("mismatch".into())
                }
                ErrorKind::InvalidSignature => AuthError::Invalid("bad signature".into()),
                ErrorKind::InvalidIssuer => AuthError::UnknownIssuer,
                other => AuthError::Invalid(format!("{other:?}")),
            }
        })?;
        let claims = data.claims;
        // The same 2 s of clock skew jsonwebtoken allows by default.
        if claims.exp.saturating_add(2) < self.0.clock.unix_secs() {
            return Err(AuthError::Expired);
        }
        if claims.token_use.as_deref() != Some("access") {
            return Err(AuthError::WrongTokenUse);
        }
        match &claims.client_id {
            Some(c) if self.0.client_ids.iter().any(|x| x == c) => {}
            _ => return Err(AuthError::WrongClient),
        }
        // The built-in provider knows its revocations (an external issuer's
        // are not visible here: its tokens live until `exp`).
        if let (KeySource::Local(idp), Some(origin)) = (&issuer.source, &claims.origin_jti)
            && idp.revocations.is_revoked(origin)
        {
            return Err(AuthError::Revoked);
        }
        let is_admin = claims.is_admin();
        Ok(Identity {
            issuer: claims.iss,
            subject: claims.sub,
            is_admin,
            expires_at: claims.exp,
            origin: claims.origin_jti,
        })
    }

    async fn key_for(&self, issuer: &Issuer, kid: &str) -> Result<DecodingKey, AuthError> {
        if let Some(k) = issuer.keys.read().expect("keys lock").get(kid) {
            return Ok(k.clone());
        }
        let mut last = issuer.refresh.lock().await;
        // Someone else may have refreshed while we waited.
        if let Some(k) = issuer.keys.read().expect("keys lock").get(kid) {
            return Ok(k.clone());
        }
        if last.is_some_and(|t| t.elapsed() < KEY_REFRESH_MIN) {
            return Err(AuthError::UnknownKey);
        }
        let set = match &issuer.source {
            KeySource::Local(idp) => idp.jwks(),
            KeySource::Remote { discovery } => {
                let d = self.discovery(&issuer.iss, discovery).await?;
                self.fetch_json::<JwkSet>(&d.jwks_uri).await?
            }
        };
        *last = Some(Instant::now());
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(id) = jwk.common.key_id.clone() else { continue };
            if let Ok(k) = DecodingKey::from_jwk(jwk) {
                keys.insert(id, k);
            }
        }
        let found = keys.get(kid).cloned();
        *issuer.keys.write().expect("keys lock") = keys;
        found.ok_or(AuthError::UnknownKey)
    }

    async fn discovery(
        &self,
        iss: &str,
        cache: &tokio::sync::Mutex<Option<(Discovery, Instant)>>,
    ) -> Result<Discovery, AuthError> {
        let mut c = cache.lock().await;
        if let Some((d, at)) = c.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(d.clone());
        }
        let d: Discovery = self.fetch_json(&format!("{iss}/.well-known/openid-configuration")).await?;
        *c = Some((d.clone(), Instant::now()));
        Ok(d)
    }

    async fn fetch_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, AuthError> {
        let resp = self.0.http.get(url).send().await.map_err(|e| AuthError::IssuerUnreachable(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(AuthError::IssuerUnreachable(format!("{url} answered {}", resp.status())));
        }
        resp.json().await.map_err(|e| AuthError::IssuerUnreachable(format!("{url}: {e}")))
    }

    /// Who `identity` is, according to its issuer (used once per new account).
    ///
    /// # Errors
    /// When the issuer cannot be asked.
    pub async fn userinfo(&self, identity: &Identity, token: &str) -> Result<UserInfo, AuthError> {
        let issuer = self.0.issuers.iter().find(|i| i.iss == identity.issuer).ok_or(AuthError::UnknownIssuer)?;
        match &issuer.source {
            KeySource::Local(idp) => idp
                .userinfo(&identity.subject)
                .await
                .map_err(|e| AuthError::Internal(e.to_string()))?
                .ok_or_else(|| AuthError::Invalid("the account no longer exists".into())),
            KeySource::Remote { discovery } => {
                let d = self.discovery(&issuer.iss, discovery).await?;
                let Some(url) = d.userinfo_endpoint else {
                    return Ok(UserInfo {
                        sub: identity.subject.clone(),
                        email: None,
                        email_verified: false,
                        name: None,
                        picture: None,
                        groups: vec![],
                    });
                };
                let resp = self
                    .0
                    .http
                    .get(&url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .map_err(|e| AuthError::IssuerUnreachable(e.to_string()))?;
                if !resp.status().is_success() {
                    return Err(AuthError::IssuerUnreachable(format!("userInfo answered {}", resp.status())));
                }
                let u: RemoteUserInfo =
                    resp.json().await.map_err(|e| AuthError::IssuerUnreachable(format!("userInfo: {e}")))?;
                let email_verified = matches!(u.email_verified, Some(serde_json::Value::Bool(true)))
                    || matches!(u.email_verified.as_ref().and_then(|v| v.as_str()), Some("true"));
                Ok(UserInfo {
                    sub: identity.subject.clone(),
                    email: u.email,
                    email_verified,
                    name: u.name,
                    picture: u.picture,
                    // Groups come from the verified token only.
                    groups: vec![],
                })
            }
        }
    }

    /// A previously resolved account for this identity, if its admin flag still matches.
    #[must_use]
    pub fn cached_account(&self, identity: &Identity) -> Option<AuthUser> {
        let cache = self.0.accounts.lock().expect("accounts lock");
        cache
            .get(&(identity.issuer.clone(), identity.subject.clone()))
            .filter(|u| u.is_admin == identity.is_admin)
            .cloned()
    }

    /// Remembers the account resolved for an identity.
    pub fn remember_account(&self, identity: &Identity, user: &AuthUser) {
        let mut cache = self.0.accounts.lock().expect("accounts lock");
        if cache.len() > 100_000 {
            cache.clear();
        }
        cache.insert((identity.issuer.clone(), identity.subject.clone()), user.clone());
    }
}

fn unverified_iss(token: &str) -> Result<String, AuthError> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).ok_or(AuthError::Malformed)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).map_err(|_| AuthError::Malformed)?;
    let v: IssOnly = serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)?;
    v.iss.ok_or(AuthError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::AccessClaims;

    fn claims(extra: serde_json::Value) -> AccessClaims {
        let mut v =
            serde_json::json!({"sub": "s", "iss": "https://i", "exp": 1, "token_use": "access", "client_id": "pq"});
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn only_the_admin_group_makes_an_admin_not_a_custom_attribute() {
        assert!(!claims(serde_json::json!({"custom:role": "admin"})).is_admin());
        assert!(!claims(serde_json::json!({"cognito:groups": ["members"], "custom:role": "admin"})).is_admin());
        assert!(claims(serde_json::json!({"cognito:groups": ["members", "admin"]})).is_admin());
    }
}
