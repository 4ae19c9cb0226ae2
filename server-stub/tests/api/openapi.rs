//! The served API reference: an OpenAPI 3.1 document generated from the code,
//! and a self-contained `/docs` page (nothing loaded from the internet).

use crate::common::TestServer;

#[tokio::test]
async fn openapi_document_and_docs_page_are_served() {
    let ts = TestServer::start().await;
    let health: pq_protocol::models::Health = reqwest::get(ts.at("/healthz")).await.unwrap().json().await.unwrap();
    assert_eq!(health.status, "ok");
    let auth: pq_protocol::models::AuthConfig =
        reqwest::get(ts.at("/api/auth/config")).await.unwrap().json().await.unwrap();
    assert_eq!((auth.issuer.as_str(), auth.client_id.as_str()), (ts.url.as_str(), "pq"));

    let doc: serde_json::Value = reqwest::get(ts.at("/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/users/@me",
        "/api/servers",
        "/api/servers/{server_id}",
        "/api/servers/{server_id}/channels",
        "/api/servers/{server_id}/channels/layout",
        "/api/servers/{server_id}/members",
        "/api/channels/{channel_id}/messages",
        "/api/channels/{channel_id}/read",
        "/api/invites/{code}",
        "/api/invites/{code}/accept",
        "/api/admin/toasts",
    ] {
        assert!(paths.contains_key(p), "{p} missing from the OpenAPI document");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in ["Message", "ServerState", "ErrorBody", "ErrorCode", "Invite", "SendAck"] {
        assert!(schemas.contains_key(s), "schema {s} missing");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let page = reqwest::get(ts.at("/docs/")).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    // Every asset the page loads is served by us.
    for needle in ["src=\"http", "href=\"http", "//cdn", "unpkg.com", "jsdelivr"] {
        assert!(!html.contains(needle), "the docs page loads remote content ({needle})");
    }
    let init = reqwest::get(ts.at("/docs/swagger-initializer.js")).await.unwrap().text().await.unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
}
