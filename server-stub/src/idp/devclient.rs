//! Plays the person at the browser against the development provider: loads
//! the sign-in page an app opened, presses "Continue with Google" (or Kakao),
//! fills in the stand-in's form, and follows the answer up to the redirect
//! back to the app. No real browser, no JavaScript: the pages are plain HTML
//! forms.
//!
//! Used by pq-server's tests, by `pq-loadgen` to sign in thousands of
//! accounts, and by client tests (the engine opens "the browser" with an
//! authorization URL; the test hands that URL to [`complete_federated`]).

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// The OAuth client id pq's own apps use.
pub const CLIENT_ID: &str = "pq";

/// What went wrong while clicking through.
#[derive(Debug, thiserror::Error)]
pub enum DevClientError {
    /// HTTP failure.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// A page did not look as expected.
    #[error("unexpected page: {0}")]
    Page(String),
    /// The provider refused (the OAuth error).
    #[error("the provider refused: {0}")]
    Refused(String),
}

/// `bytes` random bytes, base64url without padding.
#[must_use]
pub fn random_string(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A PKCE verifier and its S256 challenge.
#[derive(Clone, Debug)]
pub struct Pkce {
    /// The secret the client keeps.
    pub verifier: String,
    /// `BASE64URL(SHA256(verifier))`.
    pub challenge: String,
}

impl Pkce {
    /// A fresh pair.
    #[must_use]
    pub fn new() -> Self {
        let verifier = random_string(32);
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce { verifier, challenge }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// A form on a page: where it posts and its hidden fields.
#[derive(Clone, Debug)]
pub struct HtmlForm {
    /// The `action` (a path on the server).
    pub action: String,
    /// Hidden inputs, in order.
    pub hidden: Vec<(String, String)>,
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

/// The forms on a page.
#[must_use]
pub fn html_forms(html: &str) -> Vec<HtmlForm> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let after = &rest[start..];
        let end = after.find("</form>").unwrap_or(after.len());
        let body = &after[..end];
        let tag_end = body.find('>').unwrap_or(body.len());
        let action = attr(&body[..tag_end], "action").unwrap_or_default();
        let mut hidden = Vec::new();
        let mut inner = &body[tag_end..];
        while let Some(i) = inner.find("<input") {
            let tag = &inner[i..];
            let close = tag.find('>').unwrap_or(tag.len());
            let tag = &tag[..close];
            if attr(tag, "type").as_deref() == Some("hidden")
                && let Some(name) = attr(tag, "name")
            {
                hidden.push((name, attr(tag, "value").unwrap_or_default()));
            }
            inner = &inner[i + close..];
        }
        out.push(HtmlForm { action, hidden });
        rest = &after[end..];
    }
    out
}

/// The form on `html` that posts to `action`.
#[must_use]
pub fn html_form(html: &str, action: &str) -> Option<HtmlForm> {
    html_forms(html).into_iter().find(|f| f.action == action)
}

/// The `href` of the link whose text is `text`.
#[must_use]
pub fn html_link(html: &str, text: &str) -> Option<String> {
    let end = html.find(&format!(">{text}</a>"))?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    let len = html[start..].find('"')?;
    Some(unescape(&html[start..start + len]))
}

/// The error note on a page, if any.
#[must_use]
pub fn html_error(html: &str) -> Option<String> {
    let start = html.find("class=\"note err\"")?;
    let text = &html[start..];
    let open = text.find('>')? + 1;
    let close = text.find("</p>")?;
    Some(unescape(&text[open..close]))
}

/// An HTTP client that does not follow redirects (the redirect to the app is
/// the answer).
#[must_use]
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("a reqwest client with static settings builds")
}

fn location(resp: &reqwest::Response) -> Option<String> {
    resp.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn origin(url: &str) -> Result<String, DevClientError> {
    let u = url::Url::parse(url).map_err(|e| DevClientError::Page(format!("{url}: {e}")))?;
    Ok(u.origin().ascii_serialization())
}

/// Given the authorization URL an app opened in the browser, signs in through
/// the `provider` stand-in (`Google` or `Kakao`) as `email`/`name` and returns
/// where the browser is sent next: the app's redirect URI with `code` and
/// `state` (or `error`).
///
/// # Errors
/// HTTP failures, or pages that do not look like the provider's.
pub async fn complete_federated(
    http: &reqwest::Client,
    authorize_url: &str,
    provider: &str,
    email: &str,
    name: &str,
) -> Result<String, DevClientError> {
    let base = origin(authorize_url)?;
    let resp = http.get(authorize_url).send().await?;
    let page = match location(&resp) {
        // Straight to the provider's stand-in (`identity_provider` given).
        Some(to) if to.starts_with('/') => http.get(format!("{base}{to}")).send().await?.text().await?,
        // The provider answered at once (an error, or prompt=none).
        Some(to) => return Ok(to),
        None => {
            let page = resp.text().await?;
            let href = html_link(&page, &format!("Continue with {provider}"))
                .ok_or_else(|| DevClientError::Page(format!("no \"Continue with {provider}\" on the sign-in page")))?;
            http.get(format!("{base}{href}")).send().await?.text().await?
        }
    };
    let form = html_form(&page, "/federated")
        .ok_or_else(|| DevClientError::Page(format!("no stand-in form on the {provider} page")))?;
    let mut fields = form.hidden.clone();
    fields.push(("email".into(), email.into()));
    fields.push(("name".into(), name.into()));
    let resp = http.post(format!("{base}{}", form.action)).form(&fields).send().await?;
    match location(&resp) {
        Some(to) => Ok(to),
        None => {
            let page = resp.text().await?;
            Err(DevClientError::Refused(html_error(&page).unwrap_or(page)))
        }
    }
}

/// Tokens from `/oauth2/token`.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TokenSet {
    /// Access token (what pq-server's API and gateway take).
    pub access_token: String,
    /// ID token.
    #[serde(default)]
    pub id_token: Option<String>,
    /// Refresh token.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Access token lifetime, in seconds.
    pub expires_in: u64,
}

/// Signs in to the development provider at `base_url` as a pq app would,
/// with a loopback redirect URI, PKCE and state, clicking through the Google
/// stand-in. For load generators and demos.
///
/// # Errors
/// HTTP failures, refusals, or a state mismatch.
pub async fn sign_in(
    http: &reqwest::Client,
    base_url: &str,
    email: &str,
    name: &str,
) -> Result<TokenSet, DevClientError> {
    const REDIRECT: &str = "http://127.0.0.1:1/callback";
    let (pkce, state) = (Pkce::new(), random_string(16));
    let mut url = url::Url::parse(&format!("{base_url}/oauth2/authorize"))
        .map_err(|e| DevClientError::Page(format!("{base_url}: {e}")))?;
    url.query_pairs_mut().extend_pairs([
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("state", &state),
        ("code_challenge", &pkce.challenge),
        ("code_challenge_method", "S256"),
        ("scope", "openid email profile"),
    ]);
    let to = complete_federated(http, url.as_str(), "Google", email, name).await?;
    let back = url::Url::parse(&to).map_err(|e| DevClientError::Page(format!("{to}: {e}")))?;
    let get = |k: &str| back.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
    if let Some(err) = get("error") {
        return Err(DevClientError::Refused(err));
    }
    if get("state").as_deref() != Some(state.as_str()) {
        return Err(DevClientError::Refused("state mismatch".into()));
    }
    let code = get("code").ok_or_else(|| DevClientError::Refused("no code".into()))?;
    let resp = http
        .post(format!("{base_url}/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", pkce.verifier.as_str()),
        ])
        .send()
        .await?;
    if !resp.status().is_success() {
        return Err(DevClientError::Refused(resp.text().await?));
    }
    Ok(resp.json().await?)
}
