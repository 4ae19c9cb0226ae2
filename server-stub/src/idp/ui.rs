//! The hosted UI's form handlers: sign in with a password, continue an
//! existing session, the Google and Kakao stand-ins, sign-up and its
//! confirmation code, and password reset.
//!
//! Every form carries `rid`, the pending authorization request; a form whose
//! request has expired (or was already used) gets a page saying to start
//! again from the app. Success ends in [`Idp::complete`]: a redirect to the
//! app with `code` and `state`.

use std::sync::Arc;

use axum::{
    extract::{Form, Query, State, rejection::FormRejection},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;

use super::{
    Idp,
    accounts::{self, CodeCheck, Provider, SignUp},
    limits::too_many,
    now_ms,
    oauth::{PageError, SessionMode, error_page, expired_page},
    pages::{self, Note},
};

/// The fields any hosted-UI form or link may carry. Missing fields are empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Fields {
    rid: String,
    email: String,
    name: String,
    password: String,
    code: String,
    provider: String,
}

type PageResult = Result<Response, PageError>;

fn ok(body: String) -> PageResult {
    Ok(pages::html(StatusCode::OK, body))
}

fn bad(body: String) -> PageResult {
    Ok(pages::html(StatusCode::BAD_REQUEST, body))
}

/// The page for a form body that cannot be read.
fn malformed() -> Response {
    error_page(StatusCode::BAD_REQUEST, "Cannot read the form", "Go back, reload the page and try again.")
}

/// `Some(v)` gives `v`; `None` returns `Ok(page)` from the handler.
macro_rules! or_page {
    ($e:expr, $page:expr) => {
        match $e {
            Some(v) => v,
            None => return Ok($page),
        }
    };
}

/// The form's fields, or return the "cannot read the form" page.
macro_rules! fields {
    ($form:expr) => {
        or_page!($form.ok().map(|Form(f)| f), malformed())
    };
}

/// The pending request `rid`, or return the "expired" page.
macro_rules! request {
    ($idp:expr, $rid:expr) => {
        or_page!($idp.pending($rid).await?, expired_page())
    };
}

/// Finishes the sign-in of `rid` for `account`.
async fn finish(idp: &Idp, rid: &str, account: &accounts::Account, auth_time: i64, mode: SessionMode) -> PageResult {
    Ok(idp.complete(rid, account, auth_time, mode).await?.unwrap_or_else(expired_page))
}

/// `GET /login?rid=…`: the sign-in page.
pub(crate) async fn login_page(State(idp): State<Arc<Idp>>, headers: HeaderMap, Query(q): Query<Fields>) -> PageResult {
    let req = request!(idp, &q.rid);
    let session = idp.session(&headers).await?;
    let who = session.as_ref().map(|s| (s.account.name.as_str(), s.account.email.as_str()));
    ok(pages::sign_in(&req.id, who, &q.email, Note::None))
}

/// `POST /login`: email + password.
pub(crate) async fn login(State(idp): State<Arc<Idp>>, form: Result<Form<Fields>, FormRejection>) -> PageResult {
    let f = fields!(form);
    let req = request!(idp, &f.rid);
    let Some(email) = accounts::normalize_email(&f.email) else {
        return bad(pages::sign_in(&req.id, None, &f.email, Note::Error("Enter a valid email address.")));
    };
    if f.password.is_empty() || f.password.len() > accounts::MAX_PASSWORD_BYTES {
        return bad(pages::sign_in(&req.id, None, &email, Note::Error("Incorrect email or password.")));
    }
    // Before any argon2 work.
    if let Err(wait) = idp.limits.password_try(&email) {
        tracing::warn!("development provider: too many password tries for one account");
        return Ok(too_many(wait, false, "Too many sign-in attempts for this account"));
    }
    match idp.password_sign_in(&email, &f.password).await? {
        Some(account) => finish(&idp, &req.id, &account, now_ms(), SessionMode::Start).await,
        None => {
            tracing::info!("development provider: a password sign-in failed");
            Ok(pages::html(
                StatusCode::UNAUTHORIZED,
                pages::sign_in(&req.id, None, &email, Note::Error("Incorrect email or password.")),
            ))
        }
    }
}

/// `POST /continue`: continue as the person signed in in this browser.
pub(crate) async fn continue_session(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let f = fields!(form);
    let req = request!(idp, &f.rid);
    match idp.session(&headers).await? {
        Some(s) => finish(&idp, &req.id, &s.account, s.auth_time, SessionMode::Keep).await,
        None => bad(pages::sign_in(&req.id, None, "", Note::Error("Your session has ended. Sign in again."))),
    }
}

/// `GET /federated?rid=…&provider=Google|Kakao`: the provider's stand-in page.
pub(crate) async fn federated_page(State(idp): State<Arc<Idp>>, Query(q): Query<Fields>) -> PageResult {
    let req = request!(idp, &q.rid);
    let Some(provider) = Provider::federated(&q.provider) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "Unknown provider", "Choose Google or Kakao."));
    };
    ok(pages::federated(&req.id, provider, &q.email, &q.name, Note::None))
}

/// `POST /federated`: the stand-in vouches for the email and name given.
pub(crate) async fn federated(State(idp): State<Arc<Idp>>, form: Result<Form<Fields>, FormRejection>) -> PageResult {
    let f = fields!(form);
    let req = request!(idp, &f.rid);
    let Some(provider) = Provider::federated(&f.provider) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "Unknown provider", "Choose Google or Kakao."));
    };
    let Some(email) = accounts::normalize_email(&f.email) else {
        return bad(pages::federated(
            &req.id,
            provider,
            &f.email,
            &f.name,
            Note::Error("Enter a valid email address."),
        ));
    };
    // A provider always knows a name; default to the email's local part.
    let raw_name = if f.name.trim().is_empty() { email.split('@').next().unwrap_or_default() } else { &f.name };
    let Some(name) = accounts::normalize_name(raw_name) else {
        return bad(pages::federated(
            &req.id,
            provider,
            &email,
            &f.name,
            Note::Error("Enter a name of at most 100 characters."),
        ));
    };
    let account = idp.federated_sign_in(provider, &email, &name).await?;
    finish(&idp, &req.id, &account, now_ms(), SessionMode::Start).await
}

/// `GET /signup?rid=…`.
pub(crate) async fn sign_up_page(State(idp): State<Arc<Idp>>, Query(q): Query<Fields>) -> PageResult {
    let req = request!(idp, &q.rid);
    ok(pages::sign_up(&req.id, &q.email, &q.name, Note::None))
}

/// `POST /signup`: mails a confirmation code and shows the page to enter it.
pub(crate) async fn sign_up(State(idp): State<Arc<Idp>>, form: Result<Form<Fields>, FormRejection>) -> PageResult {
    let f = fields!(form);
    let req = request!(idp, &f.rid);
    let Some(email) = accounts::normalize_email(&f.email) else {
        return bad(pages::sign_up(&req.id, &f.email, &f.name, Note::Error("Enter a valid email address.")));
    };
    let Some(name) = accounts::normalize_name(&f.name) else {
        return bad(pages::sign_up(&req.id, &email, &f.name, Note::Error("Enter your name (at most 100 characters).")));
    };
    if let Some(problem) = accounts::password_problem(&f.password) {
        return bad(pages::sign_up(&req.id, &email, &name, Note::Error(&problem)));
    }
    if let Err(wait) = idp.limits.mail(&email) {
        return Ok(too_many(wait, false, "Too many codes were mailed to this address"));
    }
    match idp.start_sign_up(&email, &name, &f.password).await? {
        SignUp::CodeSent => ok(pages::confirm(&req.id, &email, Note::None)),
        SignUp::Exists => Ok(pages::html(
            StatusCode::CONFLICT,
            pages::sign_up(
                &req.id,
                &email,
                &name,
                Note::Error("An account with this email already exists. Sign in, or reset its password."),
            ),
        )),
    }
}

/// `POST /confirmUser`: the mailed sign-up code; signs the person in.
pub(crate) async fn confirm_sign_up(
    State(idp): State<Arc<Idp>>,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let f = fields!(form);
    let Some(email) = accounts::normalize_email(&f.email) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "Cannot confirm", "Start the sign-up again."));
    };
    // Confirm even if the sign-in request has meanwhile expired: the account
    // is then ready, and the person signs in again from the app.
    let pending = idp.pending(&f.rid).await?;
    if let Err(wait) = idp.limits.code_try("signup", &email) {
        return Ok(too_many(wait, false, "Too many codes were tried for this address"));
    }
    match idp.confirm_sign_up(&email, &f.code).await? {
        CodeCheck::Ok(account) => match pending {
            Some(req) => finish(&idp, &req.id, &account, now_ms(), SessionMode::Start).await,
            None => ok(pages::message("Your account is ready", "Go back to pq and sign in.")),
        },
        CodeCheck::Wrong => {
            bad(pages::confirm(&f.rid, &email, Note::Error("That code is not right. Check the mail and try again.")))
        }
        CodeCheck::Expired => bad(pages::confirm(
            &f.rid,
            &email,
            Note::Error("That code has expired or was tried too often. Send a new code."),
        )),
    }
}

/// `POST /resendCode`: a new sign-up code.
pub(crate) async fn resend_code(State(idp): State<Arc<Idp>>, form: Result<Form<Fields>, FormRejection>) -> PageResult {
    let f = fields!(form);
    let req = request!(idp, &f.rid);
    let Some(email) = accounts::normalize_email(&f.email) else {
        return bad(pages::sign_up(&req.id, &f.email, "", Note::Error("Enter a valid email address.")));
    };
    if let Err(wait) = idp.limits.mail(&email) {
        return Ok(too_many(wait, false, "Too many codes were mailed to this address"));
    }
    if idp.resend_sign_up(&email).await? {
        ok(pages::confirm(&req.id, &email, Note::Info("We mailed you a new code.")))
    } else {
        bad(pages::sign_up(
            &req.id,
            &email,
            "",
            Note::Error("There is no sign-up waiting for this email. Sign up again."),
        ))
    }
}

/// `GET /forgotPassword?rid=…`.
pub(crate) async fn forgot_page(State(idp): State<Arc<Idp>>, Query(q): Query<Fields>) -> PageResult {
    let req = request!(idp, &q.rid);
    ok(pages::forgot(&req.id, &q.email, Note::None))
}

/// `POST /forgotPassword`: mails a reset code (if the account exists; the
/// page does not say) and shows the page to enter it.
pub(crate) async fn forgot(State(idp): State<Arc<Idp>>, form: Result<Form<Fields>, FormRejection>) -> PageResult {
    let f = fields!(form);
    let req = request!(idp, &f.rid);
    let Some(email) = accounts::normalize_email(&f.email) else {
        return bad(pages::forgot(&req.id, &f.email, Note::Error("Enter a valid email address.")));
    };
    if let Err(wait) = idp.limits.mail(&email) {
        return Ok(too_many(wait, false, "Too many codes were mailed to this address"));
    }
    idp.start_reset(&email).await?;
    ok(pages::reset(&req.id, &email, Note::None))
}

/// `POST /confirmForgotPassword`: the mailed code and a new password.
pub(crate) async fn reset(State(idp): State<Arc<Idp>>, form: Result<Form<Fields>, FormRejection>) -> PageResult {
    let f = fields!(form);
    let Some(email) = accounts::normalize_email(&f.email) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "Cannot reset the password", "Start again."));
    };
    if let Some(problem) = accounts::password_problem(&f.password) {
        return bad(pages::reset(&f.rid, &email, Note::Error(&problem)));
    }
    // Tries are counted per account over time, not per code: asking for a
    // new code gives no new tries.
    if let Err(wait) = idp.limits.code_try("reset", &email) {
        return Ok(too_many(wait, false, "Too many codes were tried for this address"));
    }
    match idp.confirm_reset(&email, &f.code, &f.password).await? {
        CodeCheck::Ok(()) => {
            let note = Note::Info("Your password is changed. Sign in with the new one.");
            match idp.pending(&f.rid).await? {
                Some(req) => ok(pages::sign_in(&req.id, None, &email, note)),
                None => ok(pages::message("Your password is changed", "Go back to pq and sign in with the new one.")),
            }
        }
        CodeCheck::Wrong => {
            bad(pages::reset(&f.rid, &email, Note::Error("That code is not right. Check the mail and try again.")))
        }
        CodeCheck::Expired => bad(pages::reset(
            &f.rid,
            &email,
            Note::Error("That code has expired or was tried too often. Send a new code."),
        )),
    }
}
