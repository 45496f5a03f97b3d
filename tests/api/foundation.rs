//! The HTTP foundation: envelopes, limits, headers, static files, health, metrics.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{
    error_code, json, post_head, read_raw_response, spawn_app, spawn_app_with, spawn_binary,
    start_raw_request, TestOptions, ADMIN_PASSWORD,
};

#[tokio::test]
async fn health_reports_the_database_healthy() {
    let app = spawn_app().await;
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["data"]["checks"]["database"]["status"], "healthy");
    assert!(body["data"]["version"].is_string());
    assert!(body["data"]["uptimeSeconds"].is_u64());
    let ready = app.get("/api/health/ready").await;
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn health_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    assert!(
        app.dir.path().join("data/cleanspace.db").exists(),
        "file and folder created"
    );
    // Closing the pools makes every query fail, as a lost disk would.
    app.state.db.reader.close().await;
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 503);
    assert_eq!(json(response).await["status"], "unhealthy");
    assert_eq!(app.get("/api/health/ready").await.status(), 503);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/api/health", "/api/nope", "/missing.html"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        assert!(headers.contains_key("x-request-id"), "{path}");
        assert!(!headers.contains_key("strict-transport-security"), "{path}");
    }
}

#[tokio::test]
async fn hsts_is_sent_only_behind_a_trusted_tls_proxy() {
    let app = spawn_app_with(TestOptions::default().var("TRUST_PROXY", "true")).await;
    let response = app
        .client
        .get(app.url("/api/health"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("strict-transport-security"));

    let untrusted = spawn_app().await;
    let response = untrusted
        .client
        .get(untrusted.url("/api/health"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(!response.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn a_request_id_is_echoed_or_generated() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/health"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "abc-123");
    let generated = app.get("/api/health").await;
    assert_eq!(generated.headers()["x-request-id"].len(), 32);
}

#[tokio::test]
async fn the_static_site_is_served_but_never_the_database_or_source() {
    let app = spawn_app().await;
    let index = app.get("/").await;
    assert_eq!(index.status(), 200);
    assert!(index.text().await.unwrap().contains("CleanSpace Pro"));
    std::fs::write(app.dir.path().join("static/.env"), "SECRET=1").unwrap();
    for path in [
        "/data/cleanspace.db",
        "/Cargo.toml",
        "/src/main.rs",
        "/.env",
        "/.git/config",
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/static/../data/cleanspace.db",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path} must not be served");
    }
}

#[tokio::test]
async fn unknown_api_routes_are_404_in_the_envelope() {
    let app = spawn_app().await;
    let response = app.get("/api/does-not-exist").await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(response).await, "not_found");
}

#[tokio::test]
async fn a_wrong_method_is_405_in_the_envelope() {
    let app = spawn_app().await;
    let response = app
        .client
        .delete(app.url("/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(error_code(response).await, "method_not_allowed");
}

#[tokio::test]
async fn malformed_json_is_400_in_the_envelope() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/json")
        .body("{\"password\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(response).await, "malformed_json");
}

#[tokio::test]
async fn a_wrong_content_type_is_415_in_the_envelope() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("content-type", "text/plain")
        .body("password=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert_eq!(error_code(response).await, "unsupported_media_type");
}

#[tokio::test]
async fn a_missing_field_is_422_naming_it() {
    let app = spawn_app().await;
    let response = app
        .post_json("/api/auth/login", &json!({ "pass": "x" }))
        .await;
    assert_eq!(response.status(), 422);
    let body = json(response).await;
    assert_eq!(body["error"]["code"], "validation_failed");
    assert_eq!(body["error"]["field"], "password");
}

#[tokio::test]
async fn a_body_over_64_kib_is_413_in_the_envelope() {
    let app = spawn_app().await;
    let big = "x".repeat(70 * 1024);
    let response = app
        .post_json("/api/auth/login", &json!({ "password": big }))
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(error_code(response).await, "payload_too_large");
}

#[tokio::test]
async fn a_burst_over_the_api_limit_gets_429_with_retry_after() {
    let app = spawn_app_with(TestOptions::default().var("RATE_LIMIT_API_PER_SEC", "5")).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..15 {
        let response = app.get("/api/does-not-exist").await;
        if response.status() == 429 {
            retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(error_code(response).await, "rate_limited");
        } else {
            statuses.push(response.status().as_u16());
        }
    }
    // Burst is twice the rate: 10 pass, then the limiter refuses.
    assert!(
        statuses.len() >= 10 && statuses.len() < 15,
        "passed: {}",
        statuses.len()
    );
    let retry_after: u64 = retry_after.expect("Retry-After header").parse().unwrap();
    assert!(retry_after >= 1);
    // Health probes are never throttled.
    assert_eq!(app.get("/api/health").await.status(), 200);
}

#[tokio::test]
async fn past_max_in_flight_a_request_is_refused_503_and_probes_still_answer() {
    let app = spawn_app_with(TestOptions::default().var("MAX_IN_FLIGHT", "1")).await;
    assert_eq!(app.get("/api/services").await.status(), 200);
    // A request whose body never comes holds the one place while its handler waits.
    let held = start_raw_request(app.port, &post_head("/api/auth/login", 40)).await;
    let mut refused = None;
    for _ in 0..100 {
        let response = app.get("/api/services").await;
        if response.status() == 503 {
            refused = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = refused.expect("a second request is refused while the first is in progress");
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .unwrap()
            .to_str()
            .unwrap(),
        "1"
    );
    assert_eq!(error_code(refused).await, "server_busy");
    // Monitoring still sees the busy server.
    assert_eq!(app.get("/api/health").await.status(), 200);
    assert_eq!(app.get("/api/health/ready").await.status(), 200);
    assert_eq!(app.get("/metrics").await.status(), 200);
    // The place is given back when the held request ends.
    drop(held);
    let mut status = 0;
    for _ in 0..100 {
        status = app.get("/api/services").await.status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, 200);
}

/// Status codes of `count` API requests sent one after another with `x-forwarded-for`
/// set to `forwarded(i)`.
async fn forwarded_statuses(
    app: &crate::helpers::TestApp,
    count: usize,
    forwarded: impl Fn(usize) -> String,
) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..count {
        let response = app
            .client
            .get(app.url("/api/does-not-exist"))
            .header("x-forwarded-for", forwarded(i))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

// One request a second with a burst of two: a refill takes a whole second, far longer
// than a few loopback requests, so the counts below do not depend on timing.
#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_burst() {
    let options = TestOptions::default()
        .var("TRUST_PROXY", "true")
        .var("RATE_LIMIT_API_PER_SEC", "1");
    let app = spawn_app_with(options).await;
    // The proxy appends the client it saw last; earlier entries are the client's own.
    let first = forwarded_statuses(&app, 3, |_| "198.51.100.7, 203.0.113.1".to_owned()).await;
    assert_eq!(&first[..2], [404, 404], "{first:?}");
    assert_eq!(first[2], 429, "the first client spent its burst: {first:?}");
    let second = forwarded_statuses(&app, 3, |_| "198.51.100.7, 203.0.113.2".to_owned()).await;
    assert_eq!(
        &second[..2],
        [404, 404],
        "a second client has its own burst"
    );
    assert_eq!(second[2], 429, "{second:?}");
}

#[tokio::test]
async fn without_trust_proxy_a_rotating_forwarded_for_still_hits_the_limit() {
    let app = spawn_app_with(TestOptions::default().var("RATE_LIMIT_API_PER_SEC", "1")).await;
    let statuses = forwarded_statuses(&app, 4, |i| format!("203.0.113.{}", i + 1)).await;
    assert_eq!(&statuses[..2], [404, 404], "{statuses:?}");
    assert_eq!(
        &statuses[2..],
        [429, 429],
        "the socket address is the client: {statuses:?}"
    );
}

#[tokio::test]
async fn a_request_stalled_past_the_timeout_is_408_in_the_envelope() {
    let app = spawn_app_with(TestOptions::default().var("REQUEST_TIMEOUT_SECS", "1")).await;
    let started = std::time::Instant::now();
    // The body is announced and never sent: the handler waits for it until the timeout.
    let mut stream = start_raw_request(app.port, &post_head("/api/auth/login", 40)).await;
    let response = read_raw_response(&mut stream, Duration::from_secs(10)).await;
    let waited = started.elapsed();
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "answered after {waited:?}"
    );
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["code"], "request_timeout", "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn the_general_limit_applies_to_static_files() {
    let app = spawn_app_with(TestOptions::default().var("RATE_LIMIT_GENERAL_PER_SEC", "2")).await;
    let mut refused = 0;
    for _ in 0..8 {
        if app.get("/").await.status() == 429 {
            refused += 1;
        }
    }
    assert!(refused >= 3, "refused {refused}");
}

#[tokio::test]
async fn metrics_count_requests_by_matched_route() {
    let app = spawn_app().await;
    app.get("/api/health").await;
    app.get("/api/unknown/42").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("http_requests_total{method=\"GET\",route=\"/api/health\",status=\"200\"}"),
        "{text}"
    );
    assert!(
        text.contains("route=\"unmatched\""),
        "unknown paths share one label"
    );
    assert!(
        !text.contains("/api/unknown/42"),
        "raw paths never become labels"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains("http_requests_in_flight"));
}

#[tokio::test]
async fn metrics_need_a_token_in_production_unless_public() {
    let production = TestOptions::default().var("APP_ENV", "production");
    let app = spawn_app_with(production).await;
    assert_eq!(app.get("/metrics").await.status(), 401);
    let token = app.operator_token().await;
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let public = TestOptions::default()
        .var("APP_ENV", "production")
        .var("METRICS_PUBLIC", "true");
    let app = spawn_app_with(public).await;
    assert_eq!(app.get("/metrics").await.status(), 200);
}

#[tokio::test]
async fn cors_allows_only_the_configured_origin() {
    let app =
        spawn_app_with(TestOptions::default().var("CORS_ORIGIN", "https://cleanspace.example"))
            .await;
    let allowed = app
        .client
        .get(app.url("/api/health"))
        .header("origin", "https://cleanspace.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://cleanspace.example"
    );
    let other = app
        .client
        .get(app.url("/api/health"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/metrics"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn production_refuses_to_start_and_names_the_variable() {
    let binary = env!("CARGO_BIN_EXE_cleanspace");
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            vec![("JWT_SECRET", "short"), ("ADMIN_PASSWORD", "pw")],
            "JWT_SECRET",
        ),
        (vec![("ADMIN_PASSWORD", "pw")], "JWT_SECRET"),
        (
            vec![("JWT_SECRET", "0123456789abcdef0123456789abcdef-x")],
            "ADMIN_PASSWORD",
        ),
        (
            vec![
                ("JWT_SECRET", "0123456789abcdef0123456789abcdef-x"),
                ("ADMIN_PASSWORD", "pw"),
                ("CORS_ORIGIN", "*"),
            ],
            "CORS_ORIGIN",
        ),
    ];
    for (vars, expected) in cases {
        let mut command = tokio::process::Command::new(binary);
        command
            .arg("serve")
            .current_dir(dir.path())
            .env_clear()
            .env("APP_ENV", "production")
            .env("PORT", "0");
        for (name, value) in &vars {
            command.env(name, value);
        }
        let output = tokio::time::timeout(Duration::from_secs(20), command.output())
            .await
            .expect("refuses quickly")
            .unwrap();
        assert!(!output.status.success(), "must refuse with {vars:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(expected),
            "stderr names {expected}: {stderr}"
        );
    }
}

#[tokio::test]
async fn check_succeeds_on_a_good_setup_and_fails_with_the_reason() {
    let binary = env!("CARGO_BIN_EXE_cleanspace");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("static")).unwrap();
    let run = |extra: Vec<(&'static str, String)>| {
        let mut command = std::process::Command::new(binary);
        command
            .arg("check")
            .current_dir(dir.path())
            .env_clear()
            .env("PORT", "0")
            .env("ADMIN_PASSWORD", "pw");
        for (name, value) in extra {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    let good = run(vec![]);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(dir.path().join("data/cleanspace.db").exists());

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let taken = run(vec![("PORT", port)]);
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("port"));

    let no_static = run(vec![("STATIC_DIR", "nowhere".to_owned())]);
    assert!(!no_static.status.success());
    assert!(String::from_utf8_lossy(&no_static.stderr).contains("STATIC_DIR"));
}

#[tokio::test]
async fn check_names_database_url_when_the_database_cannot_be_created() {
    let binary = env!("CARGO_BIN_EXE_cleanspace");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("static")).unwrap();
    // A regular file where a folder should be: nothing can be created under it, even as
    // root (where permission bits would not stop us).
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    for url in [
        format!("sqlite://{}/db.sqlite", file.display()),
        format!("sqlite://{}/data/db.sqlite", file.display()),
    ] {
        let output = std::process::Command::new(binary)
            .arg("check")
            .current_dir(dir.path())
            .env_clear()
            .env("PORT", "0")
            .env("ADMIN_PASSWORD", "pw")
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{url}: check must fail");
        assert!(stderr.contains("DATABASE_URL"), "{url}: {stderr}");
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("ok   database"),
            "{url}"
        );
    }
}

#[tokio::test]
async fn development_without_admin_password_prints_one_that_signs_in() {
    let mut server = spawn_binary(&[]);
    let prefix = "operator password for this run is ";
    let printed = server
        .seen
        .iter()
        .find_map(|line| line.split_once(prefix).map(|(_, p)| p.trim().to_owned()))
        .expect("the password is printed before the server listens");
    assert!(printed.len() >= 16, "{printed}");
    let client = reqwest::Client::new();
    let login = |password: String| {
        client
            .post(server.url("/api/auth/login"))
            .json(&json!({ "password": password }))
            .send()
    };
    let signed_in = login(printed.clone()).await.unwrap();
    assert_eq!(signed_in.status(), 200);
    let token = json(signed_in).await["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let guarded = client
        .get(server.url("/api/appointments"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(guarded.status(), 200);
    assert_eq!(
        login(ADMIN_PASSWORD.to_owned()).await.unwrap().status(),
        401,
        "only the printed password works"
    );

    server.send_sigterm();
    assert!(server.wait_for_exit(Duration::from_secs(20)).success());
    let mentions = server
        .seen
        .iter()
        .filter(|line| line.contains(&printed))
        .count();
    assert_eq!(mentions, 1, "printed once, never logged: {:?}", server.seen);
}

#[tokio::test]
async fn a_json_request_log_line_names_id_method_route_status_and_latency() {
    let mut server = spawn_binary(&[("ADMIN_PASSWORD", ADMIN_PASSWORD)]);
    let response = reqwest::Client::new()
        .get(server.url("/api/appointments/CS-ABCDEF?contact=555-201-3344"))
        .header("x-request-id", "log-line-test-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let line = server
        .wait_for_line(
            |line| line.contains("log-line-test-1") && line.contains("request completed"),
            Duration::from_secs(10),
        )
        .expect("one log line for the request");
    let log: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(log["level"], "INFO", "{log}");
    assert_eq!(log["status"], 404, "{log}");
    assert!(
        log["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{log}"
    );
    let span = &log["span"];
    assert_eq!(span["request_id"], "log-line-test-1", "{log}");
    assert_eq!(span["method"], "GET", "{log}");
    assert_eq!(
        span["route"], "/api/appointments/{reference}",
        "the route template, not the path: {log}"
    );
    assert!(
        !line.contains("CS-ABCDEF") && !line.contains("555-201-3344"),
        "{line}"
    );
}

#[tokio::test]
async fn migrate_applies_the_embedded_migrations() {
    let binary = env!("CARGO_BIN_EXE_cleanspace");
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(binary)
        .arg("migrate")
        .current_dir(dir.path())
        .env_clear()
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}/data/cleanspace.db",
        dir.path().display()
    ))
    .await
    .unwrap();
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM services")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(count, 7);
    let (journal,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc = json(response).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/appointments"]["post"].is_object());
}
