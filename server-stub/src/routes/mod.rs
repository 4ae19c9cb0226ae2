//! The HTTP surface: the REST API under `/api`, the gateway at `/gateway`, the
//! development provider's routes, `/media/{id}`, `/healthz`, and the API
//! reference (`/openapi.json`, `/docs`).
//!
//! Handlers are adapters: every `/api` route takes an
//! [`AuthUser`](crate::auth::AuthUser), decodes its request, calls one method
//! of the domain layer ([`crate::chat`]), which checks membership and role
//! and makes the change, and encodes the answer. Someone who is not a member
//! of a server gets 404 for anything in it and learns nothing.

pub mod admin;
pub mod attachments;
pub mod channels;
pub mod dms;
pub mod events;
pub mod invites;
pub mod media;
pub mod members;
pub mod messages;
pub mod payments;
pub mod read;
pub mod roles;
pub mod servers;
pub mod users;
pub mod voice;

use std::time::Duration;

use axum::{
    Router,
    extract::{DefaultBodyLimit, FromRequestParts, Request, rejection::PathRejection, rejection::QueryRejection},
    http::request::Parts,
    middleware::{self, Next},
    response::Response,
    routing::get,
};
use pq_protocol::{
    limits::MAX_JSON_BODY_BYTES,
    limits::Plan,
    models::{AuthConfig, Health, PlanInfo},
};
use serde::de::DeserializeOwned;
use tower_http::trace::TraceLayer;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    error::{ApiError, InternalCause},
    state::AppState,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pq API",
        description = "REST API of pq-server. Authenticate with an OAuth 2.0 access token \
            (`Authorization: Bearer …`) from the configured OpenID Connect issuer (by default the \
            built-in development provider at this server's `/.well-known/openid-configuration`). \
            Real-time events come over the WebSocket gateway at `/gateway` (see the pq-protocol crate). \
            Errors carry an `ErrorBody` with a stable `code`."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "users", description = "Accounts, profiles, friends and blocks"),
        (name = "servers", description = "Servers (communities)"),
        (name = "channels", description = "Channels and categories"),
        (name = "members", description = "Members and roles"),
        (name = "dms", description = "Direct messages: channels of two people or small groups (their messages use the channel routes)"),
        (name = "messages", description = "Messages, replies, reactions, read markers"),
        (name = "invites", description = "Invite links"),
        (name = "voice", description = "Voice rooms: ICE servers and moderation (joining and signaling are on the gateway)"),
        (name = "payments", description = "Membership plans bought through Toss Payments: checkout, refunds, the ledger"),
        (name = "admin", description = "pq administrators only"),
        (name = "meta", description = "Health and media"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::builder().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The OpenAPI router holding every documented route.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(auth_config))
        .routes(routes!(plans))
        .routes(routes!(users::me, users::update_me))
        .routes(routes!(users::get_user))
        .routes(routes!(users::get_profile))
        .routes(routes!(users::set_status))
        .routes(routes!(users::relationships, users::request_friend))
        .routes(routes!(users::set_relationship, users::remove_relationship))
        .routes(routes!(dms::list, dms::open))
        .routes(routes!(dms::rename))
        .routes(routes!(dms::add_member, dms::remove_member))
        .routes(routes!(dms::decline_call))
        .routes(routes!(servers::list, servers::create))
        .routes(routes!(servers::get, servers::update, servers::delete))
        .routes(routes!(servers::audit_log))
        .routes(routes!(events::list, events::create))
        .routes(routes!(events::update, events::delete))
        .routes(routes!(events::interested, events::uninterested))
        .routes(routes!(channels::create))
        .routes(routes!(channels::layout))
        .routes(routes!(channels::rename, channels::delete))
        .routes(routes!(channels::access, channels::set_access))
        .routes(routes!(members::list))
        .routes(routes!(members::leave))
        .routes(routes!(members::kick))
        .routes(routes!(roles::list, roles::create))
        .routes(routes!(roles::update, roles::delete))
        .routes(routes!(roles::give, roles::take))
        .routes(routes!(members::bans))
        .routes(routes!(members::ban, members::unban))
        .routes(routes!(messages::history, messages::send_rest))
        .routes(routes!(messages::edit, messages::delete))
        .routes(routes!(messages::react, messages::unreact, messages::reactors))
        .routes(routes!(messages::pins))
        .routes(routes!(messages::pin, messages::unpin))
        .routes(routes!(read::mark_read_rest))
        .routes(routes!(invites::create, invites::list))
        .routes(routes!(invites::preview, invites::revoke))
        .routes(routes!(invites::accept))
        .routes(routes!(invites::send))
        .routes(routes!(invites::pending))
        .routes(routes!(invites::decline))
        .routes(routes!(voice::ice))
        .routes(routes!(voice::moderate, voice::disconnect))
        .routes(routes!(admin::toast))
        .routes(routes!(admin::set_plan))
        .routes(routes!(admin::accounts))
        .routes(routes!(payments::checkout))
        .routes(routes!(payments::membership, payments::update_membership))
        .routes(routes!(payments::refund))
        .routes(routes!(payments::ledger))
        .routes(routes!(payments::admin_payments))
        .routes(routes!(payments::reconcile))
        .routes(routes!(payments::toss_webhook))
        .routes(routes!(payments::paid_events))
        .routes(routes!(payments::participants))
        .routes(routes!(payments::buy_entries))
        .routes(routes!(payments::create_paid_event))
        .routes(routes!(payments::event_action))
        .routes(routes!(media::get))
        .routes(routes!(attachments::upload))
        .routes(routes!(attachments::get))
        .routes(routes!(attachments::thumbnail))
        .merge(uploads())
}

/// Image uploads: their own body limit (the rest of the API takes small JSON).
fn uploads() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::upload_avatar))
        .routes(routes!(servers::upload_icon))
        .layer(DefaultBodyLimit::max(pq_protocol::limits::MAX_IMAGE_BYTES + 1))
}

/// The OpenAPI document (also served at `/openapi.json`).
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api_router().split_for_parts().1;
    complete(&mut doc);
    doc
}

/// What the derived document cannot say by itself: the answers of the layers
/// around the handlers, and rules across fields.
fn complete(doc: &mut utoipa::openapi::OpenApi) {
    common_responses(doc);
    rules_across_fields(doc);
}

/// Rules that tie one field to another, which the derived schemas cannot
/// state: a category has no `parent_id`.
fn rules_across_fields(doc: &mut utoipa::openapi::OpenApi) {
    let Some(components) = doc.components.as_mut() else { return };
    use utoipa::openapi::{
        RefOr,
        schema::{AllOfBuilder, ObjectBuilder, OneOfBuilder, Schema, Type},
    };
    if let Some(RefOr::T(schema)) = components.schemas.get_mut("CreateChannel") {
        let kind = |kinds: &[&str]| ObjectBuilder::new().schema_type(Type::String).enum_values(Some(kinds.to_vec()));
        let category = ObjectBuilder::new()
            .property("kind", kind(&["category"]))
            .property("parent_id", ObjectBuilder::new().schema_type(Type::Null));
        let channel = ObjectBuilder::new().property("kind", kind(&["text", "voice"]));
        let either = OneOfBuilder::new().item(category).item(channel);
        let original = std::mem::replace(schema, Schema::Object(ObjectBuilder::new().build()));
        *schema = Schema::AllOf(AllOfBuilder::new().item(original).item(either).build());
    }
}

/// States on every operation the answers that come from the layers around
/// the handlers, not from the handlers themselves: 401 (no or a bad token)
/// on every operation that needs one; 400 for a malformed path parameter,
/// query or JSON body; 404 where a path names something; 413 for a body over
/// its limit; 429 (with `Retry-After`) everywhere. All carry an `ErrorBody`.
fn common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        Ref, RefOr, ResponseBuilder,
        content::ContentBuilder,
        header::Header,
        path::ParameterIn,
        schema::{Object, Type},
    };
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
    };
    for item in doc.paths.paths.values_mut() {
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in ops.into_iter().flatten() {
            let anonymous = op.security.as_ref().is_some_and(|reqs| {
                reqs.iter().all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
            });
            let params = op.parameters.as_deref().unwrap_or_default();
            let has = |place: ParameterIn| {
                params.iter().any(|p| matches!(p, RefOr::T(p) if std::mem::discriminant(&p.parameter_in) == std::mem::discriminant(&place)))
            };
            let (in_path, in_query, body) =
                (has(ParameterIn::Path), has(ParameterIn::Query), op.request_body.is_some());
            let r = &mut op.responses.responses;
            let mut add = |status: &str, response: utoipa::openapi::Response| {
                r.entry(status.to_owned()).or_insert(RefOr::T(response));
            };
            if !anonymous {
                add(
                    "401",
                    error(
                        "Not signed in: no access token, or one that is invalid, expired (`token_expired`) or revoked",
                    )
                    .build(),
                );
            }
            if in_path || in_query || body {
                add("400", error("A path parameter, query or JSON body that cannot be read (wrong type, missing field, no `Content-Type: application/json`)").build());
            }
            if in_path {
                add("404", error("Nothing there, or nothing the caller may see").build());
            }
            if body {
                add(
                    "413",
                    error("The body is larger than the operation accepts (64 KiB of JSON; 2 MiB for images)").build(),
                );
            }
            add(
                "408",
                ResponseBuilder::new()
                    .description("Not answered within 30 s (an attachment upload: 30 s more per 8 MiB it announces)")
                    .build(),
            );
            add(
                "429",
                error("Too many requests from this address or account (`--http-rate-per-sec`, `--api-rate-per-sec`, sends at `--rate-per-sec`); `retry_after_ms` and `Retry-After` say when to try again")
                    .header("Retry-After", Header::new(Object::with_type(Type::Integer)))
                    .build(),
            );
        }
    }
}

/// Builds the whole router.
pub fn app(state: AppState) -> Router {
    let (api, mut doc) = api_router().split_for_parts();
    complete(&mut doc);
    let api = api
        .route("/gateway", get(crate::gateway::upgrade::handler))
        .route("/invite/{code}", get(invites::page))
        .route("/pay/{order_id}", get(payments::checkout_page))
        .route("/pay/{order_id}/success", get(payments::success))
        .route("/pay/{order_id}/fail", get(payments::fail))
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY_BYTES))
        .with_state(state.clone());
    let mut router: Router = Router::new().merge(api).merge(SwaggerUi::new("/docs").url("/openapi.json", doc));
    if let Some(idp) = state.idp() {
        router = router.merge(idp.router());
    }
    // Desktop updates this server publishes for its people: a Tauri update
    // manifest (`latest.json`) and the signed builds beside it, as files in
    // DATA_DIR/updates. No manifest: 204, which Tauri's updater reads as "no
    // update". The apps trust only builds signed with the key built into them.
    let manifest = state.config().data_dir.join("updates/latest.json");
    router = router
        .route(
            "/updates/latest.json",
            get(move || {
                let manifest = manifest.clone();
                async move {
                    match tokio::fs::read(&manifest).await {
                        Ok(bytes) => axum::response::IntoResponse::into_response((
                            [(axum::http::header::CONTENT_TYPE, "application/json")],
                            bytes,
                        )),
                        Err(_) => axum::response::IntoResponse::into_response(axum::http::StatusCode::NO_CONTENT),
                    }
                }
            }),
        )
        .nest_service("/updates", tower_http::services::ServeDir::new(state.config().data_dir.join("updates")));
    if let Some(toss) = state.chat().toss_standin() {
        router = router.nest(crate::toss::standin::PREFIX, toss.router());
    }
    router
        .fallback(|| async { ApiError::NotFound("route") })
        .layer(middleware::from_fn_with_state(state, per_address))
        .layer(middleware::from_fn(log_errors))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let matched =
                req.extensions().get::<axum::extract::MatchedPath>().map_or("", axum::extract::MatchedPath::as_str);
            tracing::debug_span!("request", method = %req.method(), path = matched)
        }))
        .layer(middleware::from_fn(deadline))
}

/// How long a request may take: 30 s, except an attachment upload, which
/// gets 30 s more for every 8 MiB its `Content-Length` announces (at least
/// 280 KB/s; a 100 MiB file: 6.5 minutes). Past it: 408.
async fn deadline(req: Request, next: Next) -> Response {
    const BASE: Duration = Duration::from_secs(30);
    let upload = req.method() == axum::http::Method::POST
        && req.uri().path().starts_with("/api/channels/")
        && req.uri().path().ends_with("/attachments");
    let length = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let limit =
        if upload { BASE + BASE * u32::try_from(length.div_ceil(8 << 20)).unwrap_or(u32::MAX / 64) } else { BASE };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => axum::response::IntoResponse::into_response(axum::http::StatusCode::REQUEST_TIMEOUT),
    }
}

/// Counts every request against its client address's limit
/// (`--http-rate-per-sec`): 429 with `Retry-After` past it.
async fn per_address(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(axum::extract::ConnectInfo(peer)) =
        req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        && let Err(e) = state.limits().request(peer.ip())
    {
        return axum::response::IntoResponse::into_response(e);
    }
    next.run(req).await
}

/// Logs the cause of every 5xx (handlers attach it; nothing logs inside
/// `into_response`).
async fn log_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    if let Some(cause) = resp.extensions().get::<InternalCause>() {
        tracing::error!(%method, %path, status = %resp.status(), cause = %cause.0, "request failed");
    }
    resp
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "meta", security(()), responses((status = 200, body = Health)))]
async fn healthz() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        protocol: Some(pq_protocol::gateway::PROTOCOL_VERSION),
    })
}

/// The plans this server offers: price, longest message and largest
/// attachment of each (no sign-in needed).
#[utoipa::path(get, path = "/api/plans", tag = "meta", security(()), responses((status = 200, body = Vec<PlanInfo>)))]
async fn plans(axum::extract::State(state): axum::extract::State<AppState>) -> axum::Json<Vec<PlanInfo>> {
    let config = state.config();
    let plans = [Plan::Free, Plan::Basic, Plan::Premium]
        .into_iter()
        .map(|plan| PlanInfo {
            plan,
            price_krw: config.plan_prices.of(plan),
            max_message_chars: config.message_limits.of(plan),
            max_upload_bytes: config.upload_limits.of(plan),
        })
        .collect();
    axum::Json(plans)
}

/// Which issuer and client id to sign in with (no sign-in needed): the
/// external issuer when one is configured, else the development provider.
#[utoipa::path(get, path = "/api/auth/config", tag = "meta", security(()), responses((status = 200, body = AuthConfig)))]
async fn auth_config(axum::extract::State(state): axum::extract::State<AppState>) -> axum::Json<AuthConfig> {
    let config = state.config();
    let issuer = config.external_issuer.as_ref().map_or_else(|| config.dev_issuer(), |e| e.issuer.clone());
    let client_id = config.client_ids.first().cloned().unwrap_or_else(|| "pq".into());
    axum::Json(AuthConfig { issuer, client_id })
}

/// Path extractor whose rejections use pq's error shape.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                Err(ApiError::BadRequest(format!("invalid path: {}", e.body_text())))
            }
            Err(e) => Err(ApiError::Internal(e.body_text())),
        }
    }
}

/// Query extractor whose rejections use pq's error shape.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(ApiError::BadRequest(format!("invalid query: {}", e.body_text())))
            }
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}
