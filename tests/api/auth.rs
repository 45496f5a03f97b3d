//! Operator sign-in and guarded routes.

use serde_json::json;

use crate::helpers::{error_code, json, spawn_app, ADMIN_PASSWORD};

#[tokio::test]
async fn the_right_password_gets_a_token_that_opens_operator_routes() {
    let app = spawn_app().await;
    let response = app
        .post_json("/api/auth/login", &json!({ "password": ADMIN_PASSWORD }))
        .await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["data"]["expiresIn"], 12 * 3600);
    let token = body["data"]["token"].as_str().unwrap();
    let me = app
        .client
        .get(app.url("/api/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(json(me).await["data"]["role"], "admin");
}

#[tokio::test]
async fn a_wrong_password_is_401() {
    let app = spawn_app().await;
    let response = app
        .post_json("/api/auth/login", &json!({ "password": "guess" }))
        .await;
    assert_eq!(response.status(), 401);
    assert_eq!(error_code(response).await, "unauthorized");
}

#[tokio::test]
async fn guarded_routes_are_401_without_a_token_or_with_a_forged_one() {
    let app = spawn_app().await;
    assert_eq!(app.get("/api/auth/me").await.status(), 401);
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({ "sub": "x", "role": "admin", "iat": 0, "exp": 4_000_000_000u64 }),
        &jsonwebtoken::EncodingKey::from_secret(b"not-the-server-secret-at-all-1234"),
    )
    .unwrap();
    let response = app
        .client
        .get(app.url("/api/auth/me"))
        .bearer_auth(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_token_without_the_operator_role_is_403() {
    let app = spawn_app().await;
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({ "sub": "x", "role": "viewer", "iat": 0, "exp": 4_000_000_000u64 }),
        &jsonwebtoken::EncodingKey::from_secret(b"integration-test-secret-0123456789abcdef"),
    )
    .unwrap();
    let response = app
        .client
        .get(app.url("/api/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(error_code(response).await, "forbidden");
}

#[tokio::test]
async fn login_is_limited_to_five_attempts_a_minute() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let response = app
            .post_json("/api/auth/login", &json!({ "password": "guess" }))
            .await;
        assert_eq!(response.status(), 401);
    }
    let response = app
        .post_json("/api/auth/login", &json!({ "password": ADMIN_PASSWORD }))
        .await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
}
