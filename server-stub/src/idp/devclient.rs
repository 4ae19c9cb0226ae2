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

/// How the person at Toss's payment window (the stand-in's) answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayOutcome {
    /// Pays.
    Pay,
    /// The card company declines in the window.
    Decline,
    /// The card company refuses later, at approval (confirm).
    RejectAtConfirm,
    /// Gives up.
    Cancel,
}

/// Given the checkout URL an app opened, does what the checkout page's
/// script and Toss's SDK do (reads the order the page hands the SDK, opens
/// the stand-in's payment window with it), answers the window as `outcome`,
/// and follows the redirects up to the one back to the app
/// (`pq://payment/…`), which it returns. `tamper` changes the amount on the
/// way, as someone editing the page's script would.
///
/// # Errors
/// HTTP failures, or pages that do not look like pq's checkout or the
/// stand-in's window.
pub async fn complete_checkout(
    http: &reqwest::Client,
    checkout_url: &str,
    outcome: PayOutcome,
    tamper: Option<u64>,
) -> Result<String, DevClientError> {
    let page = http.get(checkout_url).send().await?;
    if let Some(next) = location(&page) {
        return Ok(next); // paid already
    }
    let html = page.text().await?;
    let json = html
        .split(r#"<script type="application/json" id="checkout">"#)
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .ok_or_else(|| DevClientError::Page("no order on the checkout page".into()))?;
    let mut req: serde_json::Value =
        serde_json::from_str(&json.replace("<\\/", "</")).map_err(|e| DevClientError::Page(e.to_string()))?;
    let sdk = html
        .split(" src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or_else(|| DevClientError::Page("no payment SDK on the checkout page".into()))?
        .replace("&amp;", "&");
    let base = sdk.trim_end_matches("/v2/standard").to_owned();
    if let Some(a) = tamper {
        req["amount"]["value"] = a.into();
    }
    let s = |k: &str| req[k].as_str().unwrap_or_default().to_owned();
    let amount = req["amount"]["value"].as_u64().unwrap_or_default().to_string();
    let fields = [
        ("clientKey", s("clientKey")),
        ("orderId", s("orderId")),
        ("orderName", s("orderName")),
        ("amount", amount),
        ("successUrl", s("successUrl")),
        ("failUrl", s("failUrl")),
    ];
    let window = http.get(format!("{base}/window")).query(&fields).send().await?;
    if !window.status().is_success() {
        return Err(DevClientError::Page(format!("the payment window answered {}", window.status())));
    }
    let button = match outcome {
        PayOutcome::Pay => "pay",
        PayOutcome::Decline => "decline",
        PayOutcome::RejectAtConfirm => "reject_at_confirm",
        PayOutcome::Cancel => "cancel",
    };
    let mut form: Vec<(&str, String)> = fields.to_vec();
    form.push(("outcome", button.to_owned()));
    let back = http.post(format!("{base}/window")).form(&form).send().await?;
    let mut next = location(&back).ok_or_else(|| DevClientError::Page("the window sent nobody back".into()))?;
    // Success or fail URL on pq-server, then the app.
    for _ in 0..3 {
        if next.starts_with("pq:") {
            return Ok(next);
        }
        let r = http.get(&next).send().await?;
        next = location(&r).ok_or_else(|| DevClientError::Page(format!("{next} did not send the browser on")))?;
    }
    Err(DevClientError::Page("too many redirects".into()))
}
