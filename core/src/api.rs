//! The REST client: typed calls to the pq server's `/api`.
//!
//! Every call carries the bearer token from the [`AuthManager`]. A 401
//! (`token_expired` or `unauthorized`) renews the session through
//! [`AuthManager::after_unauthorized`] (one renewal shared by every request
//! refused at the same time) and retries the request once.
//!
//! Failures come back as [`ApiError`]:
//!
//! - the server's own error body: [`ApiError::Server`] with its status and
//!   [`ErrorBody`] (a status without a readable body gets a body made from
//!   the status);
//! - the transport: [`ApiError::Network`]; [`ApiError::is_unreachable`] says
//!   whether the server cannot be reached at all, which the engine takes as
//!   "offline";
//! - an answer that is not what the API promises: [`ApiError::Decode`] (never
//!   a panic);
//! - no session, or one that cannot be renewed: [`ApiError::Auth`].
//!
//! The typed helpers ([`Api::get`], [`Api::post`], …) take a path under the
//! server's base URL; the endpoint methods below them are one line each.

use std::{fmt, sync::Arc};

use futures_util::StreamExt as _;
use pq_protocol::{
    AttachmentId, ChannelId, ErrorBody, ErrorCode, InviteCode, MessageId, RoleId, ServerId, UserId,
    gateway::SetStatus,
    limits::Plan,
    models::{
        AdminAccounts, Attachment, AuditPage, AuthConfig, Ban, BanMember, Channel, ChannelAccess, ChannelLayout,
        CreateChannel, CreateInvite, CreateRole, CreateServer, CreateToast, DmChannel, DmState, EditMessage,
        FriendRequest, Invite, InvitePreview, InviteSent, MarkRead, Me, Member, Message, MessagePage, OpenDm, PlanInfo,
        Profile, PurgeWindow, ReadState, Relationship, RelationshipChoice, SendAck, SendInvite, SendMessage, Server,
        ServerRole, ServerState, SetPlan, SetRelationship, StatusChoice, Toast, UpdateDm, UpdateProfile, UpdateRole,
        UpdateServer, User,
    },
};
use reqwest::{Method, StatusCode, header};
use serde::{Serialize, de::DeserializeOwned};
use url::Url;

use crate::auth::{
    AuthError, AuthManager,
    http::{HttpError, read_limited},
};

/// Largest response body read (a history page is a few hundred kilobytes).
const MAX_RESPONSE: usize = 32 * 1024 * 1024;

/// A failed REST call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The server answered with an error. `body.message` says what to do;
    /// `body.code` is for programs.
    #[error("{body} ({status})")]
    Server {
        /// The HTTP status.
        status: StatusCode,
        /// The server's error body.
        body: ErrorBody,
    },
    /// The request did not get an answer: the server cannot be reached, or
    /// the connection broke. See [`ApiError::is_unreachable`].
    #[error("cannot reach the pq server ({source}); pq keeps working offline and tries again later")]
    Network {
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The answer is not what the API promises (garbage, a proxy's page, a
    /// different server version).
    #[error("the pq server's answer could not be read ({detail}); update pq, or try again later")]
    Decode {
        /// The HTTP status of the answer.
        status: StatusCode,
        /// What could not be read (never the body itself).
        detail: String,
    },
    /// Signing in or renewing the session failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl ApiError {
    /// Whether the pq server cannot be reached at all right now (no
    /// connection, DNS failure, connection refused, timed out, or a proxy
    /// saying it is down: 502, 503, 504). The engine goes offline.
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        match self {
            ApiError::Network { source } => source.is_connect() || source.is_timeout(),
            ApiError::Auth(e) => e.is_unreachable(),
            ApiError::Server { status, .. } => matches!(status.as_u16(), 502..=504),
            ApiError::Decode { .. } => false,
        }
    }

    /// Whether the person has to sign in (again).
    #[must_use]
    pub fn needs_sign_in(&self) -> bool {
        match self {
            ApiError::Auth(e) => e.needs_sign_in(),
            ApiError::Server { status, .. } => *status == StatusCode::UNAUTHORIZED,
            _ => false,
        }
    }

    /// The server's error code, when the server answered with one.
    #[must_use]
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Server { body, .. } => Some(body.code),
            _ => None,
        }
    }
}

impl From<reqwest::Error> for ApiError {
    fn from(source: reqwest::Error) -> Self {
        ApiError::Network { source }
    }
}

/// Which page of a channel's history to fetch (`GET
/// /api/channels/{id}/messages`). The default is the newest page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HistoryQuery {
    /// Messages with `seq` below this (the newest of them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<u64>,
    /// Messages with `seq` above this (the oldest of them). Takes precedence
    /// over `before`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    /// At most this many (the server caps it at 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl HistoryQuery {
    /// The newest `limit` messages.
    #[must_use]
    pub fn latest(limit: u32) -> Self {
        Self { limit: Some(limit), ..Self::default() }
    }

    /// Up to `limit` messages just before `seq`.
    #[must_use]
    pub fn before(seq: u64, limit: u32) -> Self {
        Self { before: Some(seq), limit: Some(limit), ..Self::default() }
    }

    /// Up to `limit` messages just after `seq` (catching up).
    #[must_use]
    pub fn after(seq: u64, limit: u32) -> Self {
        Self { after: Some(seq), limit: Some(limit), ..Self::default() }
    }
}

/// The REST client. Cheap to clone.
#[derive(Clone)]
pub struct Api {
    inner: Arc<ApiInner>,
}

struct ApiInner {
    /// The server's base URL, ending in `/`.
    base: Url,
    http: reqwest::Client,
    auth: AuthManager,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api").field("base", &self.inner.base.as_str()).finish_non_exhaustive()
    }
}

/// A request, kept so it can be sent a second time.
struct Call<'a, Q: ?Sized> {
    method: Method,
    path: &'a str,
    query: Option<&'a Q>,
    /// The body (serialised once) and its content type.
    body: Option<(Vec<u8>, &'static str)>,
    /// Whether to send the bearer token.
    authed: bool,
}

impl Api {
    /// A client for the server `auth` signs in to, sharing its HTTP client.
    #[must_use]
    pub fn new(auth: AuthManager) -> Self {
        let http = auth.http().clone();
        Self::with_client(auth, http)
    }

    /// A client using its own `http` client.
    #[must_use]
    pub fn with_client(auth: AuthManager, http: reqwest::Client) -> Self {
        let mut base = auth.server_url().clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Self { inner: Arc::new(ApiInner { base, http, auth }) }
    }

    /// The server's base URL.
    #[must_use]
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The session manager.
    #[must_use]
    pub fn auth(&self) -> &AuthManager {
        &self.inner.auth
    }

    // ------------------------------------------------------ typed helpers

    /// `GET path`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.call(Call::<()> { method: Method::GET, path, query: None, body: None, authed: true }).await
    }

    /// `GET path?query`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn get_query<Q, T>(&self, path: &str, query: &Q) -> Result<T, ApiError>
    where
        Q: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.call(Call { method: Method::GET, path, query: Some(query), body: None, authed: true }).await
    }

    /// `POST path` with a JSON body.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn post<B, T>(&self, path: &str, body: &B) -> Result<T, ApiError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.with_body(Method::POST, path, body).await
    }

    /// `PUT path` with a JSON body.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn put<B, T>(&self, path: &str, body: &B) -> Result<T, ApiError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.with_body(Method::PUT, path, body).await
    }

    /// `PATCH path` with a JSON body.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn patch<B, T>(&self, path: &str, body: &B) -> Result<T, ApiError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.with_body(Method::PATCH, path, body).await
    }

    /// `PUT path` with raw bytes (an image upload; the server checks what
    /// they are).
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn put_bytes<T: DeserializeOwned>(&self, path: &str, bytes: Vec<u8>) -> Result<T, ApiError> {
        self.call(Call::<()> {
            method: Method::PUT,
            path,
            query: None,
            body: Some((bytes, "application/octet-stream")),
            authed: true,
        })
        .await
    }

    /// `DELETE path`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.call(Call::<()> { method: Method::DELETE, path, query: None, body: None, authed: true }).await
    }

    /// `method path` without a body (e.g. `POST …/accept`).
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn send_empty<T: DeserializeOwned>(&self, method: Method, path: &str) -> Result<T, ApiError> {
        self.call(Call::<()> { method, path, query: None, body: None, authed: true }).await
    }

    async fn with_body<B, T>(&self, method: Method, path: &str, body: &B) -> Result<T, ApiError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let body = serde_json::to_vec(body).map_err(|e| ApiError::Decode {
            status: StatusCode::OK,
            detail: format!("the request body cannot be written as JSON: {e}"),
        })?;
        self.call(Call::<()> { method, path, query: None, body: Some((body, "application/json")), authed: true }).await
    }

    /// `GET /media/{id}`: an uploaded picture's bytes (with the invite code
    /// that shows it to someone who is not a member yet).
    ///
    /// # Errors
    /// See [`ApiError`]; 404 for a picture the account may not see.
    pub async fn media(&self, id: &str, invite: Option<&InviteCode>) -> Result<Vec<u8>, ApiError> {
        let path = format!("/media/{id}");
        let query = invite.map(|c| [("invite", c.0.as_str())]);
        let (status, body) = self
            .call_raw(Call { method: Method::GET, path: &path, query: query.as_ref(), body: None, authed: true })
            .await?;
        if status.is_success() {
            return Ok(body);
        }
        decode::<()>(status, &body).map(|()| Vec::new())
    }

    /// Sends `call` with the current access token; after a 401 renews the
    /// session once and sends it again.
    async fn call<Q, T>(&self, call: Call<'_, Q>) -> Result<T, ApiError>
    where
        Q: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let (status, body) = self.call_raw(call).await?;
        decode(status, &body)
    }

    /// [`Api::call`] without decoding the answer.
    async fn call_raw<Q>(&self, call: Call<'_, Q>) -> Result<(StatusCode, Vec<u8>), ApiError>
    where
        Q: Serialize + ?Sized,
    {
        let url = self.url(call.path)?;
        let auth = &self.inner.auth;
        let token = if call.authed { Some(auth.access_token().await?) } else { None };
        let (mut status, mut body) = self.send(&call, &url, token.as_deref()).await?;
        if let Some(token) = token
            && status == StatusCode::UNAUTHORIZED
            && wants_renewal(&body)
        {
            tracing::debug!(path = call.path, "401 from the server: renewing the session and retrying once");
            let token = auth.after_unauthorized(&token).await?;
            (status, body) = self.send(&call, &url, Some(&token)).await?;
        }
        Ok((status, body))
    }

    async fn send<Q>(
        &self,
        call: &Call<'_, Q>,
        url: &Url,
        token: Option<&str>,
    ) -> Result<(StatusCode, Vec<u8>), ApiError>
    where
        Q: Serialize + ?Sized,
    {
        let mut request =
            self.inner.http.request(call.method.clone(), url.clone()).header(header::ACCEPT, "application/json");
        if let Some(query) = call.query {
            request = request.query(query);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some((body, content_type)) = &call.body {
            request = request.header(header::CONTENT_TYPE, *content_type).body(body.clone());
        }
        read_answer(request.send().await?, MAX_RESPONSE).await
    }

    /// The absolute URL of `path` (with or without a leading `/`).
    fn url(&self, path: &str) -> Result<Url, ApiError> {
        self.inner
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| ApiError::Auth(AuthError::Configuration { detail: format!("bad request path {path:?}: {e}") }))
    }

    // --------------------------------------------------------------- files

    /// `POST /api/channels/{id}/attachments?filename=`: uploads the file at
    /// `path` as it is read from disk (never whole in memory), telling
    /// `progress` the bytes sent so far. Dropping the future cancels it.
    ///
    /// # Errors
    /// See [`ApiError`] (413 over the plan's limit, 403/404 not writable);
    /// a file that cannot be read is [`ApiError::Decode`].
    pub async fn upload_attachment(
        &self,
        channel: ChannelId,
        filename: &str,
        path: &std::path::Path,
        progress: Arc<dyn Fn(u64) + Send + Sync>,
    ) -> Result<Attachment, ApiError> {
        let url = self.url(&format!("api/channels/{channel}/attachments"))?;
        let token = self.inner.auth.access_token().await?;
        let (mut status, mut body) = self.upload_once(&url, filename, path, &token, progress.clone()).await?;
        if status == StatusCode::UNAUTHORIZED && wants_renewal(&body) {
            let token = self.inner.auth.after_unauthorized(&token).await?;
            (status, body) = self.upload_once(&url, filename, path, &token, progress).await?;
        }
        decode(status, &body)
    }

    async fn upload_once(
        &self,
        url: &Url,
        filename: &str,
        path: &std::path::Path,
        token: &str,
        progress: Arc<dyn Fn(u64) + Send + Sync>,
    ) -> Result<(StatusCode, Vec<u8>), ApiError> {
        let unreadable = |e: std::io::Error| ApiError::Decode {
            status: StatusCode::OK,
            detail: format!("the file {} cannot be read: {e}", path.display()),
        };
        let file = tokio::fs::File::open(path).await.map_err(unreadable)?;
        let size = file.metadata().await.map_err(unreadable)?.len();
        let mut sent = 0u64;
        let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).map(move |chunk| {
            if let Ok(c) = &chunk {
                sent += c.len() as u64;
                progress(sent);
            }
            chunk
        });
        let response = self
            .inner
            .http
            .post(url.clone())
            .query(&[("filename", filename)])
            .bearer_auth(token)
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, size)
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await?;
        read_answer(response, MAX_RESPONSE).await
    }

    /// `GET /api/attachments/{id}` (or its `/thumbnail`): the bytes, at
    /// most `limit` of them.
    ///
    /// # Errors
    /// See [`ApiError`]; 404 for one the account may not see.
    pub async fn attachment(&self, id: AttachmentId, thumbnail: bool, limit: usize) -> Result<Vec<u8>, ApiError> {
        let (status, body) = read_answer(self.attachment_response(id, thumbnail).await?, limit).await?;
        if status.is_success() {
            return Ok(body);
        }
        decode::<()>(status, &body).map(|()| Vec::new())
    }

    /// Saves an attachment's bytes at `dest` as they arrive (written beside
    /// it, then renamed into place), telling `progress` the bytes so far.
    ///
    /// # Errors
    /// See [`ApiError`]; a disk failure is [`ApiError::Decode`].
    pub async fn download_attachment(
        &self,
        id: AttachmentId,
        dest: &std::path::Path,
        progress: &(dyn Fn(u64, Option<u64>) + Send + Sync),
    ) -> Result<u64, ApiError> {
        use tokio::io::AsyncWriteExt as _;
        let mut response = self.attachment_response(id, false).await?;
        let status = response.status();
        if !status.is_success() {
            let body = read_limited(response, MAX_RESPONSE).await.unwrap_or_default();
            return decode::<()>(status, &body).map(|()| 0);
        }
        let disk =
            |e: std::io::Error| ApiError::Decode { status, detail: format!("cannot write {}: {e}", dest.display()) };
        let total = response.content_length();
        let part = dest.with_extension(format!(
            "{}part",
            dest.extension().map(|e| format!("{}.", e.to_string_lossy())).unwrap_or_default()
        ));
        let mut out = tokio::fs::File::create(&part).await.map_err(disk)?;
        let mut got = 0u64;
        let result = async {
            while let Some(chunk) = response.chunk().await? {
                out.write_all(&chunk).await.map_err(disk)?;
                got += chunk.len() as u64;
                progress(got, total);
            }
            out.flush().await.map_err(disk)?;
            tokio::fs::rename(&part, dest).await.map_err(disk)?;
            Ok(got)
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&part).await;
        }
        result
    }

    async fn attachment_response(&self, id: AttachmentId, thumbnail: bool) -> Result<reqwest::Response, ApiError> {
        let path = if thumbnail { format!("api/attachments/{id}/thumbnail") } else { format!("api/attachments/{id}") };
        let url = self.url(&path)?;
        let token = self.inner.auth.access_token().await?;
        let response = self.inner.http.get(url.clone()).bearer_auth(&token).send().await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let token = self.inner.auth.after_unauthorized(&token).await?;
        Ok(self.inner.http.get(url).bearer_auth(&token).send().await?)
    }

    // ----------------------------------------------------------- endpoints

    /// `GET /api/auth/config` (no sign-in needed).
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn auth_config(&self) -> Result<AuthConfig, ApiError> {
        self.call(Call::<()> { method: Method::GET, path: "api/auth/config", query: None, body: None, authed: false })
            .await
    }

    /// `GET /api/plans`: the plans this server offers (no sign-in needed).
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn plans(&self) -> Result<Vec<PlanInfo>, ApiError> {
        self.call(Call::<()> { method: Method::GET, path: "api/plans", query: None, body: None, authed: false }).await
    }

    /// `GET /healthz`: the server's version (no sign-in needed).
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn health(&self) -> Result<pq_protocol::models::Health, ApiError> {
        self.call(Call::<()> { method: Method::GET, path: "healthz", query: None, body: None, authed: false }).await
    }

    /// `GET /api/users/@me`: the signed-in account.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn me(&self) -> Result<Me, ApiError> {
        self.get("api/users/@me").await
    }

    /// `PUT /api/users/@me/status`: choose your status.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn set_status(&self, status: StatusChoice) -> Result<(), ApiError> {
        self.put("api/users/@me/status", &SetStatus { status }).await
    }

    /// `GET /api/users/{id}/profile`: someone's card (about, mutual servers).
    ///
    /// # Errors
    /// See [`ApiError`] (404 for someone you share no server with).
    pub async fn profile(&self, user: UserId) -> Result<Profile, ApiError> {
        self.get(&format!("api/users/{user}/profile")).await
    }

    /// `GET /api/users/@me/relationships`: friends, requests, blocks.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn relationships(&self) -> Result<Vec<Relationship>, ApiError> {
        self.get("api/users/@me/relationships").await
    }

    /// `POST /api/users/@me/relationships`: ask someone by their username
    /// or email address.
    ///
    /// # Errors
    /// See [`ApiError`] (404 no one has it, 403 they blocked you, 409).
    pub async fn request_friend(&self, to: &str) -> Result<Relationship, ApiError> {
        self.post("api/users/@me/relationships", &FriendRequest { to: to.to_owned() }).await
    }

    /// `PUT /api/users/@me/relationships/{id}`: befriend (ask or accept) or block.
    ///
    /// # Errors
    /// See [`ApiError`] (403 they blocked you, 404, 409).
    pub async fn set_relationship(&self, user: UserId, kind: RelationshipChoice) -> Result<Relationship, ApiError> {
        self.put(&format!("api/users/@me/relationships/{user}"), &SetRelationship { kind }).await
    }

    /// `POST /api/users/@me/dms`: open a direct channel or start a group.
    ///
    /// # Errors
    /// See [`ApiError`] (403/409 when one may not write to them).
    pub async fn open_dm(&self, req: &OpenDm) -> Result<DmChannel, ApiError> {
        self.post("api/users/@me/dms", req).await
    }

    /// `PATCH /api/dms/{id}`: rename a group.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn rename_dm(&self, channel: ChannelId, name: &str) -> Result<DmChannel, ApiError> {
        self.patch(&format!("api/dms/{channel}"), &UpdateDm { name: name.to_owned() }).await
    }

    /// `PUT /api/dms/{id}/members/{user}`: add someone to a group.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn add_dm_member(&self, channel: ChannelId, user: UserId) -> Result<DmChannel, ApiError> {
        self.send_empty(Method::PUT, &format!("api/dms/{channel}/members/{user}")).await
    }

    /// `POST /api/dms/{id}/call/decline`: decline the call ringing there.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn decline_call(&self, channel: ChannelId) -> Result<(), ApiError> {
        self.send_empty(Method::POST, &format!("api/dms/{channel}/call/decline")).await
    }

    /// `GET /api/users/@me/dms`: my direct-message channels.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn dms(&self) -> Result<Vec<DmState>, ApiError> {
        self.get("api/users/@me/dms").await
    }

    /// `DELETE /api/dms/{id}/members/{user}`: leave a group, or remove someone.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn remove_dm_member(&self, channel: ChannelId, user: UserId) -> Result<(), ApiError> {
        self.delete(&format!("api/dms/{channel}/members/{user}")).await
    }

    /// `DELETE /api/users/@me/relationships/{id}`: remove a friend, decline
    /// or cancel a request, unblock.
    ///
    /// # Errors
    /// See [`ApiError`] (404 when there is nothing between you).
    pub async fn remove_relationship(&self, user: UserId) -> Result<(), ApiError> {
        self.delete(&format!("api/users/@me/relationships/{user}")).await
    }

    /// `PATCH /api/users/@me`: change your display name, picture, about text
    /// or custom status.
    ///
    /// # Errors
    /// See [`ApiError`] (422 for a name the server refuses).
    pub async fn update_profile(&self, changes: &UpdateProfile) -> Result<Me, ApiError> {
        self.patch("api/users/@me", changes).await
    }

    /// `PUT /api/users/@me/avatar`: upload your picture (PNG, JPEG, GIF or
    /// WebP, at most 2 MiB).
    ///
    /// # Errors
    /// See [`ApiError`] (413 too large, 415 not a picture).
    pub async fn upload_avatar(&self, image: Vec<u8>) -> Result<Me, ApiError> {
        self.put_bytes("api/users/@me/avatar", image).await
    }

    /// `GET /api/servers`: every server you are a member of.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn servers(&self) -> Result<Vec<ServerState>, ApiError> {
        self.get("api/servers").await
    }

    /// `GET /api/servers/{id}`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn server(&self, server: ServerId) -> Result<ServerState, ApiError> {
        self.get(&format!("api/servers/{server}")).await
    }

    /// `POST /api/servers`: a new server you own.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn create_server(&self, name: &str) -> Result<ServerState, ApiError> {
        self.post("api/servers", &CreateServer { name: name.to_owned() }).await
    }

    /// `POST /api/servers/{id}/channels`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn create_channel(&self, server: ServerId, channel: &CreateChannel) -> Result<Channel, ApiError> {
        self.post(&format!("api/servers/{server}/channels"), channel).await
    }

    /// `GET /api/servers/{id}/members`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn members(&self, server: ServerId) -> Result<Vec<Member>, ApiError> {
        self.get(&format!("api/servers/{server}/members")).await
    }

    /// `GET /api/channels/{id}/messages`: one page of history, oldest first.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn history(&self, channel: ChannelId, query: HistoryQuery) -> Result<MessagePage, ApiError> {
        self.get_query(&format!("api/channels/{channel}/messages"), &query).await
    }

    /// `POST /api/channels/{id}/messages`. Sending the same `client_id` again
    /// returns the first acknowledgement.
    ///
    /// # Errors
    /// See [`ApiError`] (`message_too_long` with the plan's `limit`).
    pub async fn send_message(&self, channel: ChannelId, message: &SendMessage) -> Result<SendAck, ApiError> {
        self.post(&format!("api/channels/{channel}/messages"), message).await
    }

    /// `PATCH /api/channels/{cid}/messages/{mid}`: edit your own message.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn edit_message(&self, channel: ChannelId, message: MessageId, body: &str) -> Result<(), ApiError> {
        self.patch(&format!("api/channels/{channel}/messages/{message}"), &EditMessage { body: body.to_owned() }).await
    }

    /// `DELETE /api/channels/{cid}/messages/{mid}`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn delete_message(&self, channel: ChannelId, message: MessageId) -> Result<(), ApiError> {
        self.delete(&format!("api/channels/{channel}/messages/{message}")).await
    }

    /// `PUT …/messages/{mid}/reactions/{emoji}`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn react(&self, channel: ChannelId, message: MessageId, emoji: &str) -> Result<(), ApiError> {
        self.send_empty(Method::PUT, &reaction_path(channel, message, emoji)).await
    }

    /// `POST /api/admin/toasts`: an announcement shown at once to everyone
    /// connected (pq administrators only).
    ///
    /// # Errors
    /// See [`ApiError`] (403 not an administrator, 422 empty or too long).
    pub async fn send_toast(&self, text: &str) -> Result<Toast, ApiError> {
        self.post("api/admin/toasts", &CreateToast { text: text.to_owned() }).await
    }

    /// `GET /api/admin/users`: accounts newest first (only `plan`'s, older
    /// than `before`), with the count per plan (pq administrators only).
    ///
    /// # Errors
    /// See [`ApiError`] (403 not an administrator).
    pub async fn admin_accounts(
        &self,
        plan: Option<Plan>,
        before: Option<UserId>,
        limit: u32,
    ) -> Result<AdminAccounts, ApiError> {
        let mut q: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(p) = plan {
            q.push(("plan", p.as_str().to_owned()));
        }
        if let Some(b) = before {
            q.push(("before", b.to_string()));
        }
        self.get_query("api/admin/users", &q).await
    }

    /// `PUT /api/admin/users/{id}/plan`: gives someone a plan (pq
    /// administrators only).
    ///
    /// # Errors
    /// See [`ApiError`] (403, 404).
    pub async fn set_plan(&self, user: UserId, plan: Plan) -> Result<(), ApiError> {
        self.put(&format!("api/admin/users/{user}/plan"), &SetPlan { plan }).await
    }

    /// `POST /api/payments/checkout`: an order for a month of `plan` and the
    /// checkout page to open in the system browser.
    ///
    /// # Errors
    /// See [`ApiError`] (422 the free plan, 503 no payments here).
    pub async fn checkout(&self, plan: Plan) -> Result<pq_protocol::models::Checkout, ApiError> {
        self.post("api/payments/checkout", &pq_protocol::models::StartCheckout { plan }).await
    }

    /// `GET /api/users/@me/membership`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn membership(&self) -> Result<pq_protocol::models::Membership, ApiError> {
        self.get("api/users/@me/membership").await
    }

    /// `PATCH /api/users/@me/membership`.
    ///
    /// # Errors
    /// See [`ApiError`] (409 no paid plan running).
    pub async fn set_cancel_at_period_end(&self, cancel: bool) -> Result<pq_protocol::models::Membership, ApiError> {
        self.patch("api/users/@me/membership", &pq_protocol::models::UpdateMembership { cancel_at_period_end: cancel })
            .await
    }

    /// `POST /api/payments/{order}/refund`.
    ///
    /// # Errors
    /// See [`ApiError`] (403 past 3 days, 404, 409, 422, 502 Toss refused).
    pub async fn refund(
        &self,
        order_id: &str,
        amount_krw: Option<u32>,
        reason: &str,
    ) -> Result<pq_protocol::models::Payment, ApiError> {
        let body = pq_protocol::models::RefundRequest { amount_krw, reason: reason.to_owned() };
        self.post(&format!("api/payments/{}/refund", encode_segment(order_id)), &body).await
    }

    /// `GET /api/payments/{order}/ledger`.
    ///
    /// # Errors
    /// See [`ApiError`] (404).
    pub async fn payment_ledger(&self, order_id: &str) -> Result<Vec<pq_protocol::models::LedgerEntry>, ApiError> {
        self.get(&format!("api/payments/{}/ledger", encode_segment(order_id))).await
    }

    /// `GET /api/admin/payments` (pq administrators only).
    ///
    /// # Errors
    /// See [`ApiError`] (403).
    pub async fn admin_payments(
        &self,
        before: Option<&str>,
        limit: u32,
    ) -> Result<pq_protocol::models::AdminPayments, ApiError> {
        let mut q: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(b) = before {
            q.push(("before", b.to_owned()));
        }
        self.get_query("api/admin/payments", &q).await
    }

    /// `POST /api/admin/payments/reconcile` (pq administrators only).
    ///
    /// # Errors
    /// See [`ApiError`] (403, 502 Toss unreachable).
    pub async fn reconcile(&self) -> Result<pq_protocol::models::Reconciliation, ApiError> {
        self.send_empty(Method::POST, "api/admin/payments/reconcile").await
    }

    /// `GET /api/paid-events`: the latest paid events.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn paid_events(&self) -> Result<Vec<pq_protocol::models::PaidEvent>, ApiError> {
        self.get("api/paid-events").await
    }

    /// `GET /api/paid-events/{id}/participants`.
    ///
    /// # Errors
    /// See [`ApiError`] (404).
    pub async fn event_participants(&self, id: &str) -> Result<pq_protocol::models::EventParticipants, ApiError> {
        self.get(&format!("api/paid-events/{}/participants", encode_segment(id))).await
    }

    /// `POST /api/paid-events/{id}/checkout`.
    ///
    /// # Errors
    /// See [`ApiError`] (409 not open, 422, 503).
    pub async fn buy_entries(&self, id: &str, entries: u32) -> Result<pq_protocol::models::Checkout, ApiError> {
        self.post(
            &format!("api/paid-events/{}/checkout", encode_segment(id)),
            &pq_protocol::models::BuyEntries { entries },
        )
        .await
    }

    /// `POST /api/admin/paid-events` (pq administrators only).
    ///
    /// # Errors
    /// See [`ApiError`] (403, 422).
    pub async fn create_paid_event(
        &self,
        spec: &pq_protocol::models::CreatePaidEvent,
    ) -> Result<pq_protocol::models::PaidEvent, ApiError> {
        self.post("api/admin/paid-events", spec).await
    }

    /// `POST /api/admin/paid-events/{id}/{start|end|draw}` (pq
    /// administrators only).
    ///
    /// # Errors
    /// See [`ApiError`] (403, 404, 409).
    pub async fn paid_event_action(&self, id: &str, action: &str) -> Result<pq_protocol::models::PaidEvent, ApiError> {
        self.send_empty(Method::POST, &format!("api/admin/paid-events/{}/{action}", encode_segment(id))).await
    }

    /// `GET …/messages/{mid}/reactions/{emoji}`: who gave it (the first
    /// 100, first first).
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn reactors(&self, channel: ChannelId, message: MessageId, emoji: &str) -> Result<Vec<User>, ApiError> {
        self.get(&reaction_path(channel, message, emoji)).await
    }

    /// `DELETE …/messages/{mid}/reactions/{emoji}`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn unreact(&self, channel: ChannelId, message: MessageId, emoji: &str) -> Result<(), ApiError> {
        self.delete(&reaction_path(channel, message, emoji)).await
    }

    /// `PUT /api/channels/{id}/read`: read up to `seq` (never moves back).
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn mark_read(&self, channel: ChannelId, seq: u64) -> Result<ReadState, ApiError> {
        self.put(&format!("api/channels/{channel}/read"), &MarkRead { seq }).await
    }

    /// `PATCH /api/servers/{id}`: rename a server (owner and admins).
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn update_server(&self, server: ServerId, change: &UpdateServer) -> Result<Server, ApiError> {
        self.patch(&format!("api/servers/{server}"), change).await
    }

    /// `DELETE /api/servers/{id}`: delete a server (owner).
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn delete_server(&self, server: ServerId) -> Result<(), ApiError> {
        self.delete(&format!("api/servers/{server}")).await
    }

    /// `DELETE /api/servers/{id}/members/@me`: leave a server.
    ///
    /// # Errors
    /// See [`ApiError`] (409 for its owner).
    pub async fn leave_server(&self, server: ServerId) -> Result<(), ApiError> {
        self.delete(&format!("api/servers/{server}/members/@me")).await
    }

    /// `DELETE /api/servers/{id}/members/{user}`: remove someone.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn kick(&self, server: ServerId, user: UserId) -> Result<(), ApiError> {
        self.delete(&format!("api/servers/{server}/members/{user}")).await
    }

    /// `GET /api/channels/{id}/pins`: a channel's pinned messages.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn pins(&self, channel: ChannelId) -> Result<Vec<Message>, ApiError> {
        self.get(&format!("api/channels/{channel}/pins")).await
    }

    /// `PUT` (pin) or `DELETE` (unpin) `/api/channels/{id}/pins/{message}`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn pin(&self, channel: ChannelId, message: MessageId, on: bool) -> Result<(), ApiError> {
        let method = if on { Method::PUT } else { Method::DELETE };
        self.send_empty(method, &format!("api/channels/{channel}/pins/{message}")).await
    }

    /// `POST /api/servers/{id}/invites/send`: invite someone by username or email.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn send_invite(&self, server: ServerId, to: &str) -> Result<InviteSent, ApiError> {
        self.post(&format!("api/servers/{server}/invites/send"), &SendInvite { to: to.to_owned() }).await
    }

    /// `DELETE /api/users/@me/invites/{code}`: decline an invite sent to me.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn decline_invite(&self, code: &InviteCode) -> Result<(), ApiError> {
        self.delete(&format!("api/users/@me/invites/{}", code.0)).await
    }

    /// `GET /api/channels/{id}/access`: who sees a channel.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn channel_access(&self, channel: ChannelId) -> Result<ChannelAccess, ApiError> {
        self.get(&format!("api/channels/{channel}/access")).await
    }

    /// `PUT /api/channels/{id}/access`: make a channel private to some, or public.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn set_channel_access(
        &self,
        channel: ChannelId,
        access: &ChannelAccess,
    ) -> Result<ChannelAccess, ApiError> {
        self.put(&format!("api/channels/{channel}/access"), access).await
    }

    /// `GET /api/servers/{id}/roles`: a server's roles, `@everyone` first.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn roles(&self, server: ServerId) -> Result<Vec<ServerRole>, ApiError> {
        self.get(&format!("api/servers/{server}/roles")).await
    }

    /// `POST /api/servers/{id}/roles`: a new role just above `@everyone`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn create_role(&self, server: ServerId, req: &CreateRole) -> Result<ServerRole, ApiError> {
        self.post(&format!("api/servers/{server}/roles"), req).await
    }

    /// `PATCH /api/servers/{id}/roles/{role}`: change a role.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn update_role(&self, server: ServerId, role: RoleId, req: &UpdateRole) -> Result<ServerRole, ApiError> {
        self.patch(&format!("api/servers/{server}/roles/{role}"), req).await
    }

    /// `DELETE /api/servers/{id}/roles/{role}`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn delete_role(&self, server: ServerId, role: RoleId) -> Result<(), ApiError> {
        self.delete(&format!("api/servers/{server}/roles/{role}")).await
    }

    /// `PUT` (give) or `DELETE` (take) `/api/servers/{id}/members/{user}/roles/{role}`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn set_member_role(
        &self,
        server: ServerId,
        user: UserId,
        role: RoleId,
        give: bool,
    ) -> Result<(), ApiError> {
        let method = if give { Method::PUT } else { Method::DELETE };
        self.send_empty(method, &format!("api/servers/{server}/members/{user}/roles/{role}")).await
    }

    /// `PUT /api/servers/{id}/channels/layout`: reorder channels and move
    /// them between categories.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn layout_channels(&self, server: ServerId, layout: &ChannelLayout) -> Result<Vec<Channel>, ApiError> {
        self.put(&format!("api/servers/{server}/channels/layout"), layout).await
    }

    /// `GET /api/servers/{id}/audit-log`: a page of the audit log, newest
    /// first (entries numbered below `before`).
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn audit_log(&self, server: ServerId, before: Option<u64>) -> Result<AuditPage, ApiError> {
        let path = format!("api/servers/{server}/audit-log");
        match before {
            Some(b) => self.get_query(&path, &[("before", b)]).await,
            None => self.get(&path).await,
        }
    }

    /// `PUT /api/servers/{id}/bans/{user}`: ban someone.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn ban(&self, server: ServerId, user: UserId, purge: Option<PurgeWindow>) -> Result<(), ApiError> {
        self.put(&format!("api/servers/{server}/bans/{user}"), &BanMember { purge }).await
    }

    /// `DELETE /api/servers/{id}/bans/{user}`: lift a ban.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn unban(&self, server: ServerId, user: UserId) -> Result<(), ApiError> {
        self.delete(&format!("api/servers/{server}/bans/{user}")).await
    }

    /// `GET /api/servers/{id}/bans`: who is banned.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn bans(&self, server: ServerId) -> Result<Vec<Ban>, ApiError> {
        self.get(&format!("api/servers/{server}/bans")).await
    }

    /// `GET /api/servers/{id}/invites`: the invites still usable.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn invites(&self, server: ServerId) -> Result<Vec<Invite>, ApiError> {
        self.get(&format!("api/servers/{server}/invites")).await
    }

    /// `DELETE /api/invites/{code}`: revoke an invite.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn revoke_invite(&self, code: &InviteCode) -> Result<(), ApiError> {
        self.delete(&format!("api/invites/{}", code.0)).await
    }

    /// `POST /api/servers/{id}/invites`.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn create_invite(&self, server: ServerId, invite: &CreateInvite) -> Result<Invite, ApiError> {
        self.post(&format!("api/servers/{server}/invites"), invite).await
    }

    /// `GET /api/invites/{code}`: where an invite leads, without joining.
    ///
    /// # Errors
    /// See [`ApiError`].
    pub async fn preview_invite(&self, code: &InviteCode) -> Result<InvitePreview, ApiError> {
        self.get(&format!("api/invites/{}", encode_segment(&code.to_string()))).await
    }

    /// `POST /api/invites/{code}/accept`: join the server.
    ///
    /// # Errors
    /// See [`ApiError`] (`invite_expired`, `invite_exhausted`).
    pub async fn accept_invite(&self, code: &InviteCode) -> Result<ServerState, ApiError> {
        self.send_empty(Method::POST, &format!("api/invites/{}/accept", encode_segment(&code.to_string()))).await
    }
}

/// The path of one reaction.
fn reaction_path(channel: ChannelId, message: MessageId, emoji: &str) -> String {
    format!("api/channels/{channel}/messages/{message}/reactions/{}", encode_segment(emoji))
}

/// Percent-encodes a path segment (everything but RFC 3986 unreserved
/// characters).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether a 401's body asks for a renewed token (`token_expired`,
/// `unauthorized`, or no readable body).
fn wants_renewal(body: &[u8]) -> bool {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => matches!(b.code, ErrorCode::TokenExpired | ErrorCode::Unauthorized),
        Err(_) => true,
    }
}

/// Reads an answer: `T` for a success (an empty body reads as JSON `null`,
/// so `()` fits a 204), [`ApiError::Server`] for an error.
/// An answer's status and body (at most `limit` bytes).
async fn read_answer(response: reqwest::Response, limit: usize) -> Result<(StatusCode, Vec<u8>), ApiError> {
    let status = response.status();
    let body = read_limited(response, limit).await.map_err(|e| match e {
        HttpError::Reqwest(source) => ApiError::Network { source },
        other => ApiError::Decode { status, detail: other.to_string() },
    })?;
    Ok((status, body))
}

fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, ApiError> {
    if status.is_success() {
        let body = if body.iter().all(u8::is_ascii_whitespace) { &b"null"[..] } else { body };
        return serde_json::from_slice(body).map_err(|e| ApiError::Decode { status, detail: e.to_string() });
    }
    let body = serde_json::from_slice::<ErrorBody>(body).unwrap_or_else(|_| {
        let code = match status {
            StatusCode::BAD_REQUEST => ErrorCode::BadRequest,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
            StatusCode::FORBIDDEN => ErrorCode::Forbidden,
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::CONFLICT => ErrorCode::Conflict,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
            _ => ErrorCode::Internal,
        };
        ErrorBody::new(code, format!("the pq server answered {status}; try again later"))
    });
    Err(ApiError::Server { status, body })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use pq_protocol::{
        ClientMessageId,
        models::{ChannelKind, CreateChannel, CreateInvite, SendMessage},
    };
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;
    use crate::auth::{
        AuthOptions, KeychainBackend, TokenStore,
        test_support::{TestServer, signed_in},
    };

    #[tokio::test]
    async fn a_401_renews_once_and_retries() {
        let server = TestServer::start_with(|a| a.dev_access_token_ttl_secs = 1).await;
        let (auth, _) = signed_in(&server, "alice@example.com", |o| o.refresh_margin(Duration::ZERO)).await;
        let api = Api::new(auth.clone());
        // pq believes its token is good for long; the server knows better.
        auth.tamper(|t| t.expires_at = u64::MAX / 2);
        // Whole-second `exp` and the server's 2 s leeway.
        tokio::time::sleep(Duration::from_millis(4_200)).await;
        let all = futures_util::future::join_all((0..4).map(|_| api.me())).await;
        for me in all {
            assert_eq!(me.expect("retried with a renewed token").email.as_deref(), Some("alice@example.com"));
        }
        assert_eq!(auth.refresh_count(), 1, "one renewal for every request refused with the same token");

        // `unauthorized` (a token the server does not take at all) renews too.
        auth.tamper(|t| {
            t.access_token = Some("not-a-token".into());
            t.expires_at = u64::MAX / 2;
        });
        api.me().await.expect("retried");
        assert_eq!(auth.refresh_count(), 2);
    }

    #[tokio::test]
    async fn endpoints_round_trip() {
        let server = TestServer::start().await;
        let (alice, _) = signed_in(&server, "alice@example.com", |o| o).await;
        let (bob, _) = signed_in(&server, "bob@example.com", |o| o).await;
        let (alice, bob) = (Api::new(alice), Api::new(bob));
        assert_eq!(alice.auth_config().await.expect("config").client_id, "pq");

        let state = alice.create_server("Club").await.expect("created");
        let sid = state.server.id;
        assert_eq!(alice.servers().await.expect("servers").len(), 1);
        assert_eq!(alice.server(sid).await.expect("server").server.name, "Club");
        let channel = alice
            .create_channel(sid, &CreateChannel { name: "talk".into(), kind: ChannelKind::Text, parent_id: None })
            .await
            .expect("channel");
        let invite = alice.create_invite(sid, &CreateInvite::default()).await.expect("invite");
        let preview = bob.preview_invite(&invite.code).await.expect("preview");
        assert_eq!((preview.server_name.as_str(), preview.already_member), ("Club", false));
        bob.accept_invite(&invite.code).await.expect("joined");
        assert_eq!(alice.members(sid).await.expect("members").len(), 2);

        let mut seqs = Vec::new();
        for body in ["안녕하세요", "second", "third"] {
            let ack = bob
                .send_message(
                    channel.id,
                    &SendMessage {
                        client_id: ClientMessageId::new(),
                        body: body.into(),
                        reply_to: None,
                        attachments: vec![],
                    },
                )
                .await
                .expect("sent");
            seqs.push((ack.seq, ack.message_id));
        }
        let page = alice.history(channel.id, HistoryQuery::latest(2)).await.expect("history");
        assert_eq!(page.messages.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["second", "third"]);
        assert!(page.has_more);
        let older = alice.history(channel.id, HistoryQuery::before(seqs[1].0, 10)).await.expect("older");
        assert_eq!(older.messages[0].body, "안녕하세요");
        let newer = alice.history(channel.id, HistoryQuery::after(seqs[0].0, 10)).await.expect("newer");
        assert_eq!(newer.messages.len(), 2);

        let (seq, mid) = seqs[0];
        bob.edit_message(channel.id, mid, "edited").await.expect("edited");
        alice.react(channel.id, mid, "👍").await.expect("reacted");
        alice.react(channel.id, mid, "a/b c?").await.expect_err("spaces are not an emoji");
        let page = bob.history(channel.id, HistoryQuery::after(0, 1)).await.expect("history");
        assert_eq!(page.messages[0].body, "edited");
        assert_eq!(page.messages[0].reactions[0].emoji, "👍");
        alice.unreact(channel.id, mid, "👍").await.expect("unreacted");
        let read = alice.mark_read(channel.id, seqs[2].0).await.expect("read");
        assert_eq!(read.unread_count, 0);
        bob.delete_message(channel.id, mid).await.expect("deleted");
        let page = alice.history(channel.id, HistoryQuery::after(seq - 1, 1)).await.expect("history");
        assert!(page.messages[0].deleted);
        assert_eq!(alice.me().await.expect("me").email.as_deref(), Some("alice@example.com"));
    }

    #[tokio::test]
    async fn server_errors_surface_with_their_body() {
        let server = TestServer::start().await;
        let (auth, _) = signed_in(&server, "carol@example.com", |o| o).await;
        let api = Api::new(auth);
        let err = api.server(ServerId::new()).await.expect_err("no such server");
        assert!(
            matches!(&err, ApiError::Server { status, body } if *status == 404 && body.code == ErrorCode::NotFound)
        );
        assert!(!err.is_unreachable());
        let err = api.create_server("").await.expect_err("empty name");
        assert_eq!(err.code(), Some(ErrorCode::InvalidField), "{err:?}");
        // Not signed in at all.
        let store = TokenStore::open(KeychainBackend::Mock).expect("mock");
        let anonymous = Api::new(AuthManager::new(AuthOptions::new(server.url.clone()), store));
        let err = anonymous.me().await.expect_err("not signed in");
        assert!(err.needs_sign_in() && matches!(err, ApiError::Auth(AuthError::NotSignedIn)), "{err:?}");
    }

    /// A server that answers every request with `response`.
    async fn canned(response: &'static str) -> Url {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(response.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        });
        Url::parse(&format!("http://{addr}")).expect("url")
    }

    fn api_for(url: Url) -> Api {
        let store = TokenStore::open(KeychainBackend::Mock).expect("mock");
        Api::new(AuthManager::new(AuthOptions::new(url), store))
    }

    #[tokio::test]
    async fn garbage_and_silence_do_not_crash() {
        let garbage =
            canned("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\nnot json!").await;
        let err = api_for(garbage).auth_config().await.expect_err("garbage");
        assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
        let proxy = canned("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 13\r\n\r\n<h1>oops</h1>").await;
        let err = api_for(proxy).auth_config().await.expect_err("502");
        assert_eq!(err.code(), Some(ErrorCode::Internal));
        assert!(err.is_unreachable(), "a proxy saying the server is down");
        let truncated = canned("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"issuer\":").await;
        let err = api_for(truncated).auth_config().await.expect_err("truncated");
        assert!(matches!(err, ApiError::Network { .. } | ApiError::Decode { .. }), "{err:?}");

        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = Url::parse(&format!("http://{}", closed.local_addr().expect("addr"))).expect("url");
        drop(closed);
        let err = api_for(url).auth_config().await.expect_err("nobody there");
        assert!(matches!(err, ApiError::Network { .. }) && err.is_unreachable(), "{err:?}");
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("👍"), "%F0%9F%91%8D");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(encode_segment("ok-1._~"), "ok-1._~");
    }
}
