//! `spawn_app()`: the real application on 127.0.0.1:0 with a temporary database.

use std::collections::HashMap;
use std::time::Duration;

use cleanspace::clock::Clock;
use cleanspace::config::Config;
use cleanspace::startup::Application;
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;

/// The operator password every test app uses.
pub const ADMIN_PASSWORD: &str = "test-operator-password";

/// A running app and a client for it. Dropping it stops the server.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub dir: TempDir,
    pub state: cleanspace::state::AppState,
    shutdown: Option<oneshot::Sender<()>>,
    pub server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Settings for one test app; every field has a test-friendly default.
pub struct TestOptions {
    pub vars: HashMap<&'static str, String>,
    pub clock: Option<Clock>,
}

impl Default for TestOptions {
    fn default() -> Self {
        let mut vars = HashMap::new();
        vars.insert("ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned());
        vars.insert(
            "JWT_SECRET",
            "integration-test-secret-0123456789abcdef".to_owned(),
        );
        // High limits so tests exercising other things are never throttled.
        vars.insert("RATE_LIMIT_API_PER_SEC", "100000".to_owned());
        vars.insert("RATE_LIMIT_GENERAL_PER_SEC", "100000".to_owned());
        vars.insert("LOG_LEVEL", "warn".to_owned());
        Self { vars, clock: None }
    }
}

impl TestOptions {
    pub fn var(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.vars.insert(name, value.into());
        self
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(TestOptions::default()).await
}

pub async fn spawn_app_with(options: TestOptions) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let static_dir = dir.path().join("static");
    std::fs::create_dir_all(&static_dir).expect("static dir");
    std::fs::write(
        static_dir.join("index.html"),
        "<!doctype html><title>CleanSpace Pro</title>",
    )
    .expect("index");
    let mut vars = options.vars;
    vars.entry("DATABASE_URL")
        .or_insert_with(|| format!("sqlite://{}/data/cleanspace.db", dir.path().display()));
    vars.entry("STATIC_DIR")
        .or_insert_with(|| static_dir.display().to_string());
    vars.insert("PORT", "0".to_owned());
    vars.insert("HOST", "127.0.0.1".to_owned());
    let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("test config");
    let clock = options.clock.unwrap_or(match config.fixed_clock {
        Some(at) => Clock::Fixed(at),
        None => Clock::System,
    });
    let app = Application::build_with_clock(config, clock.clone())
        .await
        .expect("app builds");
    let port = app.port();
    let state = app.state().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        dir,
        state,
        shutdown: Some(tx),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// Signs in as operator and returns the token.
    pub async fn operator_token(&self) -> String {
        let response = self
            .post_json(
                "/api/auth/login",
                &serde_json::json!({ "password": ADMIN_PASSWORD }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        body["data"]["token"].as_str().expect("token").to_owned()
    }

    /// Asks the server to stop (graceful) and waits for it.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        }
    }

    /// Triggers shutdown without waiting.
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Reads a JSON body.
pub async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("JSON body")
}

/// Asserts the error envelope and returns the error code.
pub async fn error_code(response: reqwest::Response) -> String {
    let body = json(response).await;
    assert_eq!(body["success"], false, "error envelope: {body}");
    assert!(
        body["error"]["message"].is_string(),
        "message present: {body}"
    );
    body["error"]["code"].as_str().expect("code").to_owned()
}
