//! The HTTP surface: REST API under `/api`, the gateway at `/gateway`, the
//! development provider's routes, `/healthz`, `/openapi.json` and `/docs`.

use axum::{Json, Router, routing::get};
use pq_protocol::models::Health;

use crate::state::AppState;

/// Builds the whole router.
pub fn app(state: AppState) -> Router {
    let mut router: Router = Router::new().route("/healthz", get(healthz)).with_state(state.clone());
    if let Some(idp) = state.idp() {
        router = router.merge(idp.router());
    }
    router
}

async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() })
}
