//! The provider's token signing key: RSA-2048, created once, stored in
//! `idp_keys` (PKCS#8 PEM) so tokens survive restarts, published in the JWKS
//! under its RFC 7638 thumbprint as `kid`.

use std::fmt;

use aws_lc_rs::{
    encoding::AsDer,
    rsa::{KeyPair, KeySize},
};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation,
    jwk::{Jwk, PublicKeyUse, ThumbprintHash},
};
use serde::{Serialize, de::DeserializeOwned};

use super::{IdpError, now_ms};
use crate::db::Db;

/// The signing key and its public half.
pub(crate) struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Loads the stored key, or generates and stores one.
    pub(crate) async fn load_or_create(db: &Db) -> Result<Self, IdpError> {
        let stored: Option<(String, String)> =
            sqlx::query_as("SELECT kid, private_pem FROM idp_keys ORDER BY created_at LIMIT 1")
                .fetch_optional(&db.write)
                .await?;
        if let Some((kid, pem)) = stored {
            return Self::from_pem(&pem, Some(kid));
        }
        let pem = tokio::task::spawn_blocking(generate_pem)
            .await
            .map_err(|e| IdpError::Key(format!("key generation task failed: {e}")))??;
        let key = Self::from_pem(&pem, None)?;
        sqlx::query("INSERT INTO idp_keys (kid, private_pem, created_at) VALUES (?, ?, ?)")
            .bind(&key.kid)
            .bind(&pem)
            .bind(now_ms())
            .execute(&db.write)
            .await?;
        tracing::info!(kid = %key.kid, "development provider: created a new signing key");
        Ok(key)
    }

    /// Builds the key from PKCS#8 PEM; `kid` defaults to the thumbprint.
    pub(crate) fn from_pem(pem: &str, kid: Option<String>) -> Result<Self, IdpError> {
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| IdpError::Key(e.to_string()))?;
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256).map_err(|e| IdpError::Key(e.to_string()))?;
        let kid = match kid {
            Some(k) => k,
            None => jwk.thumbprint(ThumbprintHash::SHA256).map_err(|e| IdpError::Key(e.to_string()))?,
        };
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| IdpError::Key(e.to_string()))?;
        Ok(Self { kid, encoding, decoding, jwk })
    }

    /// The public key as a JWK (with `kid`, `alg` RS256 and `use` sig).
    pub(crate) fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid` (and, like
    /// Cognito, no `typ`).
    pub(crate) fn sign<T: Serialize>(&self, claims: &T) -> Result<String, IdpError> {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = None;
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| IdpError::Key(e.to_string()))
    }

    /// Verifies a token this key signed: RS256 only, matching `kid`, `iss`,
    /// `exp` (5 s leeway). No `aud` check (access tokens carry none).
    pub(crate) fn verify<T: DeserializeOwned>(&self, token: &str, issuer: &str) -> Option<T> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::RS256 || header.kid.as_deref() != Some(self.kid.as_str()) {
            return None;
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 5;
        jsonwebtoken::decode::<T>(token, &self.decoding, &validation).ok().map(|d| d.claims)
    }
}

/// A fresh RSA-2048 private key as PKCS#8 PEM.
fn generate_pem() -> Result<String, IdpError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|e| IdpError::Key(format!("cannot generate: {e}")))?;
    let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair)
        .map_err(|e| IdpError::Key(format!("cannot export: {e}")))?;
    let pem = pem::Pem::new("PRIVATE KEY", der.as_ref());
    Ok(pem::encode_config(&pem, pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Claims {
        sub: String,
        iss: String,
        exp: u64,
    }

    #[test]
    fn generated_key_signs_and_verifies() {
        let pem = generate_pem().expect("generate");
        let key = SigningKey::from_pem(&pem, None).expect("load");
        assert_eq!(key.jwk().common.key_id.as_deref(), Some(key.kid.as_str()));
        let claims = Claims { sub: "s".into(), iss: "http://i".into(), exp: 4_000_000_000 };
        let token = key.sign(&claims).expect("sign");
        assert_eq!(key.verify::<Claims>(&token, "http://i"), Some(claims));
        assert_eq!(key.verify::<Claims>(&token, "http://other"), None);
        // Reloading the same PEM gives the same kid and still verifies.
        let again = SigningKey::from_pem(&pem, None).expect("reload");
        assert_eq!(again.kid, key.kid);
        assert!(again.verify::<Claims>(&token, "http://i").is_some());
        // A token signed by another key with the same kid is refused.
        let other = SigningKey::from_pem(&generate_pem().expect("generate"), Some(key.kid.clone())).expect("load");
        let forged = other.sign(&Claims { sub: "s".into(), iss: "http://i".into(), exp: 4_000_000_000 }).expect("sign");
        assert_eq!(key.verify::<Claims>(&forged, "http://i"), None);
    }
}
