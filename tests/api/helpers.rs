//! `spawn_app()`: the real application on 127.0.0.1:0 with a temporary database.

use std::collections::HashMap;
use std::time::Duration;

use cleanspace::clock::Clock;
use cleanspace::config::Config;
use cleanspace::startup::Application;
use serde_json::{json, Value};
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

/// Polls `done` every 10 ms until it holds; fails the test, naming `what`, after `limit`.
/// For waiting on a real signal instead of sleeping a guessed time.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The `http_requests_in_flight` gauge of a `/metrics` text.
pub fn in_flight(metrics: &str) -> i64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("http_requests_in_flight "))
        .and_then(|value| value.trim().parse().ok())
        .expect("an http_requests_in_flight sample")
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

/// The built `cleanspace` binary serving on a loopback port with JSON logs; its stdout
/// lines are collected by a thread. Dropping it kills the process if it still runs.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub address: String,
    pub port: u16,
    /// The working folder (database, static files), removed on drop.
    _dir: TempDir,
    lines: std::sync::mpsc::Receiver<String>,
    /// Every stdout line received so far.
    pub seen: Vec<String>,
}

/// How long the binary may take to start listening (a debug build under load).
const BINARY_START_LIMIT: Duration = Duration::from_secs(30);

/// Starts `cleanspace serve` in a temporary folder (with a `static` folder) with only
/// `vars` plus port 0, loopback, and `LOG_FORMAT=json`, and waits until it listens.
pub fn spawn_binary(vars: &[(&str, &str)]) -> ServerProcess {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("static")).expect("static dir");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cleanspace"));
    command
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PORT", "0")
        .env("HOST", "127.0.0.1")
        .env("LOG_FORMAT", "json")
        .env("LOG_LEVEL", "info")
        .stdout(std::process::Stdio::piped());
    for (name, value) in vars {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("binary starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut server = ServerProcess {
        child,
        address: String::new(),
        port: 0,
        _dir: dir,
        lines,
        seen: Vec::new(),
    };
    let listening = server
        .wait_for_line(
            |line| line.contains("cleanspace listening"),
            BINARY_START_LIMIT,
        )
        .expect("the binary logs its address");
    let log: Value = serde_json::from_str(&listening).expect("a JSON log line");
    let address = log["address"].as_str().expect("address field");
    server.port = address
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("a port");
    server.address = format!("http://{address}");
    server
}

impl ServerProcess {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The first new stdout line matching `wanted`, waiting up to `limit`.
    pub fn wait_for_line(
        &mut self,
        wanted: impl Fn(&str) -> bool,
        limit: Duration,
    ) -> Option<String> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = self.lines.recv_timeout(left).ok()?;
            self.seen.push(line.clone());
            if wanted(&line) {
                return Some(line);
            }
        }
    }

    /// Sends SIGTERM with the `kill` command.
    pub fn send_sigterm(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits up to `limit` for the process to exit, then reads the rest of its stdout.
    pub fn wait_for_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the process did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        status
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends `head` on a fresh loopback connection and leaves the request body unsent, so
/// the request stays in flight until the caller writes the rest.
pub async fn start_raw_request(port: u16, head: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connects");
    stream.write_all(head.as_bytes()).await.expect("head sent");
    stream.flush().await.expect("flushed");
    stream
}

/// Reads a raw HTTP/1.1 response to the end (send `Connection: close`) within `limit`.
pub async fn read_raw_response(stream: &mut tokio::net::TcpStream, limit: Duration) -> String {
    use tokio::io::AsyncReadExt;
    let mut response = String::new();
    tokio::time::timeout(limit, stream.read_to_string(&mut response))
        .await
        .expect("the response arrives in time")
        .expect("the response is readable");
    response
}

/// The head of a `POST` with a JSON body of `length` bytes and `Connection: close`.
pub fn post_head(path: &str, length: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    )
}

/// Starts a chat session with the default variant; its id.
pub async fn start_session(app: &TestApp) -> String {
    let body = json(app.post_json("/api/chat/start", &json!({})).await).await;
    body["data"]["sessionId"].as_str().unwrap().to_owned()
}

/// One chat turn that must succeed; the reply's `data`.
pub async fn say(app: &TestApp, session: &str, message: &str) -> Value {
    let response = app
        .post_json(
            "/api/chat/message",
            &json!({ "sessionId": session, "message": message }),
        )
        .await;
    assert_eq!(response.status(), 200, "{message}");
    json(response).await["data"].clone()
}
