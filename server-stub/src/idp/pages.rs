//! The hosted UI's HTML: small, self-contained pages (inline CSS, no
//! scripts, no remote assets). Everything that came from a request is
//! escaped with [`esc`].
//!
//! Every form carries the pending authorization request in a hidden `rid`
//! field; tests (playing the person at the browser) read it from there.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::accounts::{MIN_PASSWORD_CHARS, Provider};

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query parameter value.
fn q(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An HTML response with the headers every page gets: no caching, no
/// framing, no scripts, no remote anything, no referrer.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    // No form-action: browsers apply it to the redirect that follows a form
    // post, and that goes to the app's (loopback or pq:) URI.
    html_with(
        status,
        body,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'",
        ),
        "no-referrer",
    )
}

/// Like [`html`], with its own content security and referrer policies (the
/// checkout page runs the payment provider's script).
pub(crate) fn html_with(status: StatusCode, body: String, csp: HeaderValue, referrer: &'static str) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static(referrer));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp
}

/// A plain page the browser shows for pq (an invite link, a checkout and
/// its result): a heading, `body` (HTML), and a style for `.button`s.
pub(crate) fn simple_page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><title>{t}</title><style>body{{font:16px system-ui,sans-serif;\
         max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}}.button{{display:inline-block;\
         background:#5865f2;color:#fff;padding:.6rem 1.2rem;border-radius:6px;border:0;font:inherit;\
         text-decoration:none;cursor:pointer}}.price{{font-size:2rem;font-weight:700}}\
         code{{word-break:break-all}}</style></head><body><h1>{t}</h1>{body}</body></html>",
        t = esc(title),
    )
}

/// The warning every page of a provider started with `--dev-idp-on-network` carries.
pub(crate) const EXPOSED_WARNING: &str = "Warning: this is pq's development sign-in, reachable from the network. \
    Anyone who can open this page can sign in as any email through the Google and Kakao stand-ins. \
    It runs here only because the server was started with --dev-idp-on-network.";

/// Puts [`EXPOSED_WARNING`] at the top of every HTML page when `exposed`.
pub(crate) async fn warn_if_exposed(
    axum::extract::State(exposed): axum::extract::State<bool>,
    resp: Response,
) -> Response {
    let is_html = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !exposed || !is_html {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "page too large").into_response();
    };
    let page = String::from_utf8_lossy(&bytes).replacen(
        "<main>",
        &format!(r#"<main><p class="note err" role="alert"><strong>{}</strong></p>"#, esc(EXPOSED_WARNING)),
        1,
    );
    let mut resp = Response::from_parts(parts, axum::body::Body::from(page));
    resp.headers_mut().remove(header::CONTENT_LENGTH);
    resp
}

const CSS: &str = r#"
:root { color-scheme: light dark; --bg:#f2f3f5; --card:#fff; --fg:#1e1f22; --muted:#5c5e66; --line:#d4d7dc;
  --accent:#5865f2; --accent-fg:#fff; --err-bg:#fde8e8; --err:#a4161a; --ok-bg:#e6f4ea; --ok:#1e6b34; }
@media (prefers-color-scheme: dark) { :root { --bg:#1e1f22; --card:#2b2d31; --fg:#f2f3f5; --muted:#b5bac1;
  --line:#41434a; --err-bg:#3c1d1f; --err:#ffb4b4; --ok-bg:#1d3324; --ok:#a6e3b5; } }
* { box-sizing: border-box; }
body { margin:0; min-height:100vh; display:flex; align-items:center; justify-content:center; background:var(--bg);
  color:var(--fg); font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans KR", sans-serif; }
main { width:100%; max-width:380px; margin:24px; padding:28px 28px 20px; background:var(--card); border-radius:10px;
  box-shadow:0 2px 12px rgba(0,0,0,.12); }
h1 { margin:0 0 4px; font-size:22px; }
.sub { margin:0 0 18px; color:var(--muted); font-size:13px; }
label { display:block; margin:12px 0 4px; font-size:12px; font-weight:600; text-transform:uppercase; color:var(--muted); }
input[type=email], input[type=text], input[type=password] { width:100%; padding:9px 10px; font:inherit; color:inherit;
  background:transparent; border:1px solid var(--line); border-radius:6px; }
input:focus { outline:2px solid var(--accent); outline-offset:0; border-color:transparent; }
button, .btn { display:block; width:100%; margin-top:14px; padding:10px; font:inherit; font-weight:600; text-align:center;
  text-decoration:none; border:1px solid transparent; border-radius:6px; cursor:pointer; background:var(--accent); color:var(--accent-fg); }
.btn.google { background:#fff; color:#1f1f1f; border-color:#dadce0; }
.btn.kakao { background:#fee500; color:#191600; }
.btn.quiet { background:transparent; color:var(--accent); border-color:var(--line); }
.or { display:flex; align-items:center; gap:10px; margin:18px 0 2px; color:var(--muted); font-size:12px; }
.or::before, .or::after { content:""; flex:1; border-top:1px solid var(--line); }
.note { margin:0 0 12px; padding:9px 11px; border-radius:6px; font-size:14px; }
.note.err { background:var(--err-bg); color:var(--err); }
.note.ok { background:var(--ok-bg); color:var(--ok); }
.links { display:flex; justify-content:space-between; margin-top:16px; font-size:13px; }
.links a, p a { color:var(--accent); }
.hint { margin:4px 0 0; color:var(--muted); font-size:12px; }
.dev { margin-top:18px; color:var(--muted); font-size:11px; text-align:center; }
"#;

/// A message above a form.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Note<'a> {
    /// Nothing to say.
    None,
    /// Something went wrong (what to do next, in words).
    Error(&'a str),
    /// Something went right.
    Info(&'a str),
}

impl Note<'_> {
    fn render(self) -> String {
        match self {
            Note::None => String::new(),
            Note::Error(m) => format!(r#"<p class="note err" role="alert">{}</p>"#, esc(m)),
            Note::Info(m) => format!(r#"<p class="note ok" role="status">{}</p>"#, esc(m)),
        }
    }
}

fn layout(title: &str, content: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{} · pq</title><style>{CSS}</style></head>\
         <body><main>{content}<p class=\"dev\">pq development sign-in (a local stand-in for Amazon Cognito)</p>\
         </main></body></html>\n",
        esc(title)
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(r#"<input type="hidden" name="{}" value="{}">"#, esc(name), esc(value))
}

/// The sign-in page: providers, email + password, links to sign-up and reset.
/// `session` is who is already signed in in this browser (name, email).
pub(crate) fn sign_in(rid: &str, session: Option<(&str, &str)>, email: &str, note: Note<'_>) -> String {
    let r = q(rid);
    let continue_as = match session {
        Some((name, mail)) => format!(
            r#"<form method="post" action="/continue">{}<button type="submit">Continue as {}</button>
<p class="hint">{}</p></form><div class="or">or use another account</div>"#,
            hidden("rid", rid),
            esc(name),
            esc(mail)
        ),
        None => String::new(),
    };
    let content = format!(
        r#"<h1>Sign in to pq</h1><p class="sub">Use Google, Kakao, or your email and password.</p>{note}{continue_as}
<a class="btn google" href="/federated?rid={r}&amp;provider=Google">Continue with Google</a>
<a class="btn kakao" href="/federated?rid={r}&amp;provider=Kakao">Continue with Kakao</a>
<div class="or">or</div>
<form method="post" action="/login">{rid_field}
<label for="email">Email</label><input id="email" type="email" name="email" value="{email}" autocomplete="username" required>
<label for="password">Password</label><input id="password" type="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
<div class="links"><a href="/forgotPassword?rid={r}">Forgot your password?</a><a href="/signup?rid={r}">Create an account</a></div>"#,
        note = note.render(),
        rid_field = hidden("rid", rid),
        email = esc(email),
    );
    layout("Sign in", &content)
}

/// The stand-in for a federated provider's own sign-in page: asks for the
/// email and name the provider would vouch for.
pub(crate) fn federated(rid: &str, provider: Provider, email: &str, name: &str, note: Note<'_>) -> String {
    let p = provider.as_str();
    let content = format!(
        r#"<h1>{p}</h1><p class="sub">This is not {p}: it is pq's local stand-in for {p} sign-in, for development. Enter the account {p} would tell pq about; any email is accepted and nothing is checked.</p>{note}
<form method="post" action="/federated">{rid_field}{provider_field}
<label for="email">Email</label><input id="email" type="email" name="email" value="{email}" autocomplete="email" required>
<label for="name">Name</label><input id="name" type="text" name="name" value="{name}" autocomplete="name" maxlength="100">
<button type="submit" class="btn {class}">Continue with {p}</button></form>
<div class="links"><a href="/login?rid={r}">Back</a></div>"#,
        note = note.render(),
        rid_field = hidden("rid", rid),
        provider_field = hidden("provider", p),
        email = esc(email),
        name = esc(name),
        class = if provider == Provider::Kakao { "kakao" } else { "google" },
        r = q(rid),
    );
    layout(p, &content)
}

/// Sign-up: email, name, password.
pub(crate) fn sign_up(rid: &str, email: &str, name: &str, note: Note<'_>) -> String {
    let content = format!(
        r#"<h1>Create an account</h1><p class="sub">We will mail you a 6-digit code to confirm your email.</p>{note}
<form method="post" action="/signup">{rid_field}
<label for="email">Email</label><input id="email" type="email" name="email" value="{email}" autocomplete="email" required>
<label for="name">Name</label><input id="name" type="text" name="name" value="{name}" autocomplete="name" maxlength="100" required>
<label for="password">Password</label><input id="password" type="password" name="password" autocomplete="new-password" minlength="{MIN_PASSWORD_CHARS}" required>
<p class="hint">At least {MIN_PASSWORD_CHARS} characters.</p>
<button type="submit">Sign up</button></form>
<div class="links"><a href="/login?rid={r}">Already have an account? Sign in</a></div>"#,
        note = note.render(),
        rid_field = hidden("rid", rid),
        email = esc(email),
        name = esc(name),
        r = q(rid),
    );
    layout("Sign up", &content)
}

/// Enter the mailed sign-up code.
pub(crate) fn confirm(rid: &str, email: &str, note: Note<'_>) -> String {
    let content = format!(
        r#"<h1>Confirm your email</h1><p class="sub">We mailed a 6-digit code to {email_text}.</p>{note}
<form method="post" action="/confirmUser">{rid_field}{email_field}
<label for="code">Code</label><input id="code" type="text" name="code" inputmode="numeric" pattern="[0-9]{{6}}" maxlength="6" autocomplete="one-time-code" required>
<button type="submit">Confirm</button></form>
<form method="post" action="/resendCode">{rid_field}{email_field}<button type="submit" class="btn quiet">Send a new code</button></form>"#,
        email_text = esc(email),
        note = note.render(),
        rid_field = hidden("rid", rid),
        email_field = hidden("email", email),
    );
    layout("Confirm your email", &content)
}

/// Forgot password: ask for the email.
pub(crate) fn forgot(rid: &str, email: &str, note: Note<'_>) -> String {
    let content = format!(
        r#"<h1>Reset your password</h1><p class="sub">We will mail you a 6-digit code.</p>{note}
<form method="post" action="/forgotPassword">{rid_field}
<label for="email">Email</label><input id="email" type="email" name="email" value="{email}" autocomplete="username" required>
<button type="submit">Send code</button></form>
<div class="links"><a href="/login?rid={r}">Back to sign in</a></div>"#,
        note = note.render(),
        rid_field = hidden("rid", rid),
        email = esc(email),
        r = q(rid),
    );
    layout("Reset your password", &content)
}

/// Enter the mailed reset code and a new password.
pub(crate) fn reset(rid: &str, email: &str, note: Note<'_>) -> String {
    let content = format!(
        r#"<h1>Set a new password</h1><p class="sub">If an account exists for {email_text}, we mailed it a 6-digit code.</p>{note}
<form method="post" action="/confirmForgotPassword">{rid_field}{email_field}
<label for="code">Code</label><input id="code" type="text" name="code" inputmode="numeric" pattern="[0-9]{{6}}" maxlength="6" autocomplete="one-time-code" required>
<label for="password">New password</label><input id="password" type="password" name="password" autocomplete="new-password" minlength="{MIN_PASSWORD_CHARS}" required>
<p class="hint">At least {MIN_PASSWORD_CHARS} characters.</p>
<button type="submit">Change password</button></form>
<div class="links"><a href="/forgotPassword?rid={r}">Send a new code</a><a href="/login?rid={r}">Back to sign in</a></div>"#,
        email_text = esc(email),
        note = note.render(),
        rid_field = hidden("rid", rid),
        email_field = hidden("email", email),
        r = q(rid),
    );
    layout("Set a new password", &content)
}

/// A page with a heading and a sentence (errors, "signed out", …).
pub(crate) fn message(title: &str, text: &str) -> String {
    layout(title, &format!("<h1>{}</h1><p>{}</p>", esc(title), esc(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn pages_escape_what_they_are_given() {
        let evil = r#""><script>alert(1)</script>"#;
        for page in [
            sign_in(evil, Some((evil, evil)), evil, Note::Error(evil)),
            federated(evil, Provider::Google, evil, evil, Note::Info(evil)),
            sign_up(evil, evil, evil, Note::None),
            confirm(evil, evil, Note::None),
            forgot(evil, evil, Note::None),
            reset(evil, evil, Note::None),
            message(evil, evil),
        ] {
            assert!(!page.contains("<script>"), "{page}");
        }
    }
}
