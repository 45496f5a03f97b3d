//! A fake OpenAI-compatible chat-completions server on 127.0.0.1 for tests and benchmarks:
//! scripted replies, tool calls, error statuses, rate limits, stalls and malformed bodies.
//! It models the wire shape only, not any vendor's quirks, streaming or real tokenisation.
//!
//! Include it with `#[path = "../support/fake_llm.rs"] mod fake_llm;`. It uses neither `unwrap`
//! nor `expect`, so it neither trips nor fulfils the includer's lint expectations.
#![allow(
    dead_code,
    reason = "each including crate uses a different subset; `expect` would be unfulfilled in some"
)]

use std::collections::{HashMap, VecDeque};
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How many request bodies [`FakeLlm::requests`] keeps; older ones are dropped first.
const MAX_RECORDED: usize = 1000;
/// Model named in replies when neither the step nor the request names one.
const DEFAULT_MODEL: &str = "fake-llm";
/// Large enough for any realistic prompt; axum's 2 MB default would reject long contexts.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// A 200 body that is cut off mid-object, so no JSON parser accepts it.
const MALFORMED_BODY: &str = r#"{"id":"chatcmpl-malformed","object":"chat.completion","choices":[{"index":0,"message":{"role":"assi"#;
const MODELS_BODY: &str = r#"{"object":"list","data":[{"id":"fake-llm","object":"model","created":0,"owned_by":"fake-llm"},{"id":"fake-llm-large","object":"model","created":0,"owned_by":"fake-llm"}]}"#;

/// A running fake provider. Dropping it releases stalled requests and stops the server.
pub struct FakeLlm {
    /// `http://127.0.0.1:PORT/v1`, ready to be used as an OpenAI base URL.
    pub base_url: String,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

/// One scripted behaviour, consumed by one chat-completions request.
#[derive(Clone, Debug)]
pub enum Step {
    /// 200 with an assistant message. Empty tool-call ids are filled in by the server.
    Reply {
        content: Option<String>,
        tool_calls: Vec<ToolCall>,
        prompt_tokens: u64,
        completion_tokens: u64,
        /// Model echoed in the reply; `None` echoes the request's `model`.
        model: Option<String>,
        delay_ms: u64,
    },
    /// An OpenAI error body with this status. `body` is the error message (empty: the reason
    /// phrase); `Retry-After` is sent exactly when `retry_after_secs` is set.
    Status {
        code: u16,
        retry_after_secs: Option<u64>,
        body: String,
        delay_ms: u64,
    },
    /// Answers (with a normal `"stalled"` reply) only after `ms`, or when the server is dropped
    /// (with a 503), so a client whose timeout does not fire sees a success, not an error.
    Stall { ms: u64 },
    /// 200 whose body is truncated JSON.
    Malformed,
    /// A 500 with probability `error_rate`, otherwise `then`. The draw is a xorshift seeded from
    /// the request's call number, so a run is reproducible after [`FakeLlm::reset_calls`].
    Flaky { error_rate: f64, then: Box<Step> },
}

/// A tool call in a scripted reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCall {
    /// Empty means "let the server assign `call_<request>_<index>`".
    pub id: String,
    pub name: String,
    /// The arguments as JSON text, as OpenAI sends them.
    pub arguments: String,
}

impl Step {
    /// A plain text reply with usage 10 prompt / 5 completion tokens.
    pub fn text(s: &str) -> Step {
        Step::Reply {
            content: Some(s.to_owned()),
            tool_calls: Vec::new(),
            prompt_tokens: 10,
            completion_tokens: 5,
            model: None,
            delay_ms: 0,
        }
    }

    /// A reply with one tool call and no content, usage 10/5.
    pub fn tool_call(name: &str, arguments: Value) -> Step {
        Step::Reply {
            content: None,
            tool_calls: vec![ToolCall {
                id: String::new(),
                name: name.to_owned(),
                arguments: arguments.to_string(),
            }],
            prompt_tokens: 10,
            completion_tokens: 5,
            model: None,
            delay_ms: 0,
        }
    }

    /// An error status with the standard message and no `Retry-After`.
    pub fn status(code: u16) -> Step {
        Step::Status {
            code,
            retry_after_secs: None,
            body: String::new(),
            delay_ms: 0,
        }
    }

    /// A 429 carrying `Retry-After: secs`.
    pub fn rate_limited(secs: u64) -> Step {
        Step::Status {
            code: 429,
            retry_after_secs: Some(secs),
            body: "Rate limit reached (fake-llm)".to_owned(),
            delay_ms: 0,
        }
    }

    /// Sets the reported usage of a reply (through `Flaky`); other steps are unchanged.
    pub fn with_usage(self, prompt: u64, completion: u64) -> Step {
        match self {
            Step::Reply {
                content,
                tool_calls,
                model,
                delay_ms,
                ..
            } => Step::Reply {
                content,
                tool_calls,
                prompt_tokens: prompt,
                completion_tokens: completion,
                model,
                delay_ms,
            },
            Step::Flaky { error_rate, then } => Step::Flaky {
                error_rate,
                then: Box::new(then.with_usage(prompt, completion)),
            },
            other => other,
        }
    }

    /// Adds `ms` of latency before answering. `Malformed` has no delay and is unchanged.
    pub fn delayed(self, ms: u64) -> Step {
        match self {
            Step::Reply {
                content,
                tool_calls,
                prompt_tokens,
                completion_tokens,
                model,
                delay_ms,
            } => Step::Reply {
                content,
                tool_calls,
                prompt_tokens,
                completion_tokens,
                model,
                delay_ms: delay_ms.saturating_add(ms),
            },
            Step::Status {
                code,
                retry_after_secs,
                body,
                delay_ms,
            } => Step::Status {
                code,
                retry_after_secs,
                body,
                delay_ms: delay_ms.saturating_add(ms),
            },
            Step::Stall { ms: stall } => Step::Stall {
                ms: stall.saturating_add(ms),
            },
            Step::Flaky { error_rate, then } => Step::Flaky {
                error_rate,
                then: Box::new(then.delayed(ms)),
            },
            Step::Malformed => Step::Malformed,
        }
    }
}

impl FakeLlm {
    /// Binds 127.0.0.1:0 and serves until dropped.
    pub async fn start() -> std::io::Result<FakeLlm> {
        use axum::serve::ListenerExt;

        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let port = listener.local_addr()?.port();
        let (stop, stopped) = watch::channel(false);
        let shared = Arc::new(Shared {
            script: Mutex::new(Script {
                calls: 0,
                queue: VecDeque::new(),
                default: Arc::new(Step::text("OK")),
                model_defaults: HashMap::new(),
                requests: VecDeque::new(),
            }),
            stopped: stopped.clone(),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(create_chat_completion))
            .route("/chat/completions", post(create_chat_completion))
            .route("/v1/models", get(list_models))
            .route("/models", get(list_models))
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(Arc::clone(&shared));
        // Without TCP_NODELAY small keep-alive responses can wait on delayed ACKs.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let mut signal = stopped;
        let server = tokio::spawn(async move {
            let shutdown = async move {
                let _ = signal.wait_for(|stop| *stop).await;
            };
            // The only error is a failed accept loop; a fake has nobody to report it to.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        Ok(FakeLlm {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            shared,
            stop,
            server,
        })
    }

    /// Queues `step` for the next unscripted request (FIFO).
    pub fn push(&self, step: Step) {
        self.shared.script().queue.push_back(Arc::new(step));
    }

    /// The behaviour once the queue is empty (initially `Step::text("OK")`, usage 10/5).
    pub fn set_default(&self, step: Step) {
        self.shared.script().default = Arc::new(step);
    }

    /// The behaviour for requests naming `model` once the queue is empty, in place of
    /// [`set_default`](Self::set_default)'s, e.g. one model failing while another answers.
    pub fn set_model_default(&self, model: &str, step: Step) {
        self.shared
            .script()
            .model_defaults
            .insert(model.to_owned(), Arc::new(step));
    }

    /// Chat-completions requests received, whatever they were answered with.
    pub fn calls(&self) -> usize {
        self.shared.script().calls
    }

    /// How many of the recorded requests (the last 1000) named `model`.
    pub fn calls_for(&self, model: &str) -> usize {
        self.shared
            .script()
            .requests
            .iter()
            .filter(|body| requested_model(body).as_deref() == Some(model))
            .count()
    }

    /// Request bodies received, oldest first (the last 1000); non-JSON bodies appear as strings.
    pub fn requests(&self) -> Vec<Value> {
        let bodies: Vec<Bytes> = self.shared.script().requests.iter().cloned().collect();
        bodies.iter().map(|body| parsed(body)).collect()
    }

    /// Scripted steps not yet consumed.
    pub fn queued(&self) -> usize {
        self.shared.script().queue.len()
    }

    /// Zeroes the call counter (restarting `Flaky` sequences) and forgets recorded requests.
    pub fn reset_calls(&self) {
        let mut script = self.shared.script();
        script.calls = 0;
        script.requests.clear();
    }
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        // Wakes delayed and stalled handlers and starts a graceful close of every connection,
        // so nothing outlives the fake even though connection tasks are spawned separately.
        self.stop.send_replace(true);
        self.server.abort();
    }
}

struct Shared {
    script: Mutex<Script>,
    stopped: watch::Receiver<bool>,
}

struct Script {
    calls: usize,
    queue: VecDeque<Arc<Step>>,
    default: Arc<Step>,
    model_defaults: HashMap<String, Arc<Step>>,
    /// Bodies as received: parsed only when a test asks, so that serving stays cheap.
    requests: VecDeque<Bytes>,
}

impl Shared {
    fn script(&self) -> MutexGuard<'_, Script> {
        // A test that panicked mid-update leaves consistent data; keep serving.
        self.script.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts and records one request naming `model` and picks its step (the queue, else the
    /// default of that model, else the default), under a single short lock.
    fn record(&self, body: Bytes, model: Option<&str>) -> (usize, Arc<Step>) {
        let mut guard = self.script();
        let script = &mut *guard;
        script.calls += 1;
        let model_default = model
            .and_then(|model| script.model_defaults.get(model))
            .map(Arc::clone);
        if script.requests.len() >= MAX_RECORDED {
            script.requests.pop_front();
        }
        script.requests.push_back(body);
        let step = script
            .queue
            .pop_front()
            .or(model_default)
            .unwrap_or_else(|| Arc::clone(&script.default));
        (script.calls, step)
    }

    /// Waits `ms`; false when the server is being dropped first.
    async fn pause(&self, ms: u64) -> bool {
        if ms == 0 {
            return true;
        }
        let mut stopped = self.stopped.clone();
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(ms)) => true,
            _ = stopped.wait_for(|stop| *stop) => false,
        }
    }
}

/// A request body as a test reads it: its JSON, or the text itself when it is not JSON.
fn parsed(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// The `model` a request body names, read without building the rest of its JSON.
fn requested_model(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        model: Option<Value>,
    }
    match serde_json::from_slice::<Named>(body).ok()?.model? {
        Value::String(model) => Some(model),
        _ => None,
    }
}

async fn create_chat_completion(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let requested_model = requested_model(&body);
    // A copy: the received `Bytes` may share hyper's read buffer, which a kept slice pins.
    let recorded = Bytes::copy_from_slice(&body);
    let (call, scripted) = shared.record(recorded, requested_model.as_deref());
    let mut rng = XorShift::seeded(call as u64);
    let mut step: &Step = &scripted;
    loop {
        match step {
            Step::Flaky { error_rate, then } => {
                if rng.next_unit() < *error_rate {
                    return error_response(500, None, "flaky upstream error (fake-llm)");
                }
                step = then;
            }
            Step::Reply {
                content,
                tool_calls,
                prompt_tokens,
                completion_tokens,
                model,
                delay_ms,
            } => {
                if !shared.pause(*delay_ms).await {
                    return shutting_down();
                }
                let model = model.as_deref().or(requested_model.as_deref());
                let usage = (*prompt_tokens, *completion_tokens);
                return reply_response(call, model, content.as_deref(), tool_calls, usage);
            }
            Step::Status {
                code,
                retry_after_secs,
                body,
                delay_ms,
            } => {
                if !shared.pause(*delay_ms).await {
                    return shutting_down();
                }
                return error_response(*code, *retry_after_secs, body);
            }
            Step::Stall { ms } => {
                if !shared.pause(*ms).await {
                    return shutting_down();
                }
                let model = requested_model.as_deref();
                return reply_response(call, model, Some("stalled"), &[], (10, 5));
            }
            Step::Malformed => {
                return ([(header::CONTENT_TYPE, "application/json")], MALFORMED_BODY)
                    .into_response();
            }
        }
    }
}

async fn list_models() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], MODELS_BODY).into_response()
}

async fn not_found() -> Response {
    error_response(404, None, "unknown route (fake-llm)")
}

fn shutting_down() -> Response {
    error_response(503, None, "fake-llm is shutting down")
}

#[derive(Serialize)]
struct Completion<'a> {
    id: String,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: [Choice<'a>; 1],
    usage: Usage,
}

#[derive(Serialize)]
struct Choice<'a> {
    index: u32,
    message: Message<'a>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<WireToolCall<'a>>,
}

#[derive(Serialize)]
struct WireToolCall<'a> {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireFunction<'a>,
}

#[derive(Serialize)]
struct WireFunction<'a> {
    name: &'a str,
    arguments: &'a str,
}

#[derive(Serialize)]
struct Usage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
}

fn reply_response(
    call: usize,
    model: Option<&str>,
    content: Option<&str>,
    tool_calls: &[ToolCall],
    (prompt_tokens, completion_tokens): (u64, u64),
) -> Response {
    let tool_calls: Vec<WireToolCall<'_>> = tool_calls
        .iter()
        .enumerate()
        .map(|(index, call_spec)| WireToolCall {
            id: if call_spec.id.is_empty() {
                format!("call_{call}_{index}")
            } else {
                call_spec.id.clone()
            },
            kind: "function",
            function: WireFunction {
                name: &call_spec.name,
                arguments: &call_spec.arguments,
            },
        })
        .collect();
    let finish_reason = if tool_calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    let completion = Completion {
        id: format!("chatcmpl-{call}"),
        object: "chat.completion",
        created: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs()),
        model: model.unwrap_or(DEFAULT_MODEL),
        choices: [Choice {
            index: 0,
            message: Message {
                role: "assistant",
                content,
                tool_calls,
            },
            finish_reason,
        }],
        usage: Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens.saturating_add(completion_tokens),
        },
    };
    Json(completion).into_response()
}

fn error_response(code: u16, retry_after_secs: Option<u64>, message: &str) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (kind, error_code) = match status.as_u16() {
        401 => ("invalid_request_error", Some("invalid_api_key")),
        403 => ("permission_error", None),
        404 => ("invalid_request_error", Some("not_found")),
        429 => ("requests", Some("rate_limit_exceeded")),
        400..=499 => ("invalid_request_error", None),
        _ => ("server_error", None),
    };
    let message = if message.is_empty() {
        status.canonical_reason().unwrap_or("error")
    } else {
        message
    };
    let body = json!({
        "error": { "message": message, "type": kind, "param": null, "code": error_code }
    });
    let mut response = (status, Json(body)).into_response();
    if let Some(secs) = retry_after_secs {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// xorshift64 over a Weyl-scrambled seed, so consecutive call numbers give unrelated draws.
struct XorShift(u64);

impl XorShift {
    fn seeded(call: u64) -> Self {
        Self(call.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [0, 1).
    fn next_unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::{json, Value};

    use super::{requested_model, Bytes, FakeLlm, Step, MAX_RECORDED};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    async fn post_chat(
        fake: &FakeLlm,
        client: &reqwest::Client,
    ) -> reqwest::Result<reqwest::Response> {
        client
            .post(format!("{}/chat/completions", fake.base_url))
            .json(
                &json!({ "model": "gpt-test", "messages": [{ "role": "user", "content": "hi" }] }),
            )
            .send()
            .await
    }

    #[tokio::test]
    async fn a_scripted_reply_has_the_openai_shape_and_is_recorded() -> TestResult {
        let fake = FakeLlm::start().await?;
        fake.push(Step::text("Hello there").with_usage(42, 7));
        let response = post_chat(&fake, &reqwest::Client::new()).await?;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await?;
        assert_eq!(body["id"], "chatcmpl-1");
        assert_eq!(body["object"], "chat.completion");
        assert!(body["created"].as_u64().is_some_and(|t| t > 1_600_000_000));
        assert_eq!(body["model"], "gpt-test");
        assert_eq!(body["choices"][0]["message"]["role"], "assistant");
        assert_eq!(body["choices"][0]["message"]["content"], "Hello there");
        assert!(body["choices"][0]["message"].get("tool_calls").is_none());
        assert_eq!(body["choices"][0]["finish_reason"], "stop");
        assert_eq!(
            body["usage"],
            json!({ "prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49 })
        );
        assert_eq!(fake.calls(), 1);
        assert_eq!(fake.requests()[0]["messages"][0]["content"], "hi");
        Ok(())
    }

    #[tokio::test]
    async fn scripted_steps_run_in_order_then_the_default_answers() -> TestResult {
        let fake = FakeLlm::start().await?;
        let client = reqwest::Client::new();
        fake.push(Step::text("first"));
        fake.push(Step::status(500));
        let mut named = Step::text("second");
        if let Step::Reply { model, .. } = &mut named {
            *model = Some("scripted-model".to_owned());
        }
        fake.push(named);
        assert_eq!(fake.queued(), 3);

        let first: Value = post_chat(&fake, &client).await?.json().await?;
        assert_eq!(first["choices"][0]["message"]["content"], "first");
        let failed = post_chat(&fake, &client).await?;
        assert_eq!(failed.status(), 500);
        assert_eq!(
            failed.json::<Value>().await?["error"]["type"],
            "server_error"
        );
        let second: Value = post_chat(&fake, &client).await?.json().await?;
        assert_eq!(second["model"], "scripted-model");
        let default: Value = post_chat(&fake, &client).await?.json().await?;
        assert_eq!(default["choices"][0]["message"]["content"], "OK");
        assert_eq!(default["usage"]["total_tokens"], 15);

        fake.set_default(Step::status(401));
        assert_eq!(post_chat(&fake, &client).await?.status(), 401);
        assert_eq!(fake.calls(), 5);
        fake.reset_calls();
        assert_eq!((fake.calls(), fake.requests().len()), (0, 0));
        Ok(())
    }

    #[tokio::test]
    async fn a_tool_call_reply_carries_json_arguments_and_finish_reason() -> TestResult {
        let fake = FakeLlm::start().await?;
        fake.push(Step::tool_call(
            "check_availability",
            json!({ "date": "2030-01-02" }),
        ));
        let body: Value = post_chat(&fake, &reqwest::Client::new())
            .await?
            .json()
            .await?;
        let choice = &body["choices"][0];
        assert_eq!(choice["finish_reason"], "tool_calls");
        assert_eq!(choice["message"]["content"], Value::Null);
        let call = &choice["message"]["tool_calls"][0];
        assert_eq!(call["id"], "call_1_0");
        assert_eq!(call["type"], "function");
        assert_eq!(call["function"]["name"], "check_availability");
        let arguments: Value =
            serde_json::from_str(call["function"]["arguments"].as_str().unwrap_or(""))?;
        assert_eq!(arguments, json!({ "date": "2030-01-02" }));
        Ok(())
    }

    #[tokio::test]
    async fn a_rate_limit_carries_retry_after_and_an_openai_error_body() -> TestResult {
        let fake = FakeLlm::start().await?;
        fake.push(Step::rate_limited(7));
        let response = post_chat(&fake, &reqwest::Client::new()).await?;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
        let body: Value = response.json().await?;
        assert_eq!(body["error"]["code"], "rate_limit_exceeded");
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        Ok(())
    }

    #[tokio::test]
    async fn a_malformed_reply_is_a_200_that_does_not_parse() -> TestResult {
        let fake = FakeLlm::start().await?;
        fake.push(Step::Malformed);
        let response = post_chat(&fake, &reqwest::Client::new()).await?;
        assert_eq!(response.status(), 200);
        assert!(serde_json::from_slice::<Value>(&response.bytes().await?).is_err());
        Ok(())
    }

    #[tokio::test]
    async fn models_are_listed_and_the_unversioned_route_answers() -> TestResult {
        let fake = FakeLlm::start().await?;
        let client = reqwest::Client::new();
        let models: Value = client
            .get(format!("{}/models", fake.base_url))
            .send()
            .await?
            .json()
            .await?;
        assert!(models["data"]
            .as_array()
            .is_some_and(|data| data.len() >= 2));
        let root = fake.base_url.trim_end_matches("/v1");
        let response = client
            .post(format!("{root}/chat/completions"))
            .body("not json")
            .send()
            .await?;
        assert_eq!(response.status(), 200);
        assert_eq!(fake.requests(), vec![json!("not json")]);
        Ok(())
    }

    #[tokio::test]
    async fn a_delayed_reply_waits_before_answering() -> TestResult {
        let fake = FakeLlm::start().await?;
        fake.push(Step::text("slow").delayed(150));
        let started = Instant::now();
        assert_eq!(
            post_chat(&fake, &reqwest::Client::new()).await?.status(),
            200
        );
        assert!(started.elapsed() >= Duration::from_millis(150));
        Ok(())
    }

    #[tokio::test]
    async fn a_stall_outlasts_a_client_timeout() -> TestResult {
        let fake = FakeLlm::start().await?;
        fake.push(Step::Stall { ms: 60_000 });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(100))
            .build()?;
        let started = Instant::now();
        let outcome = post_chat(&fake, &client).await;
        assert!(outcome.is_err_and(|error| error.is_timeout()));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(fake.calls(), 1);
        Ok(())
    }

    #[tokio::test]
    async fn dropping_the_server_releases_a_stalled_request() -> TestResult {
        let fake = FakeLlm::start().await?;
        fake.push(Step::Stall { ms: u64::MAX });
        let client = reqwest::Client::new();
        let url = format!("{}/chat/completions", fake.base_url);
        let pending =
            tokio::spawn(
                async move { client.post(url).body("{}").send().await.map(|r| r.status()) },
            );
        tokio::time::timeout(Duration::from_secs(5), async {
            while fake.calls() == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await?;
        drop(fake);
        let status = tokio::time::timeout(Duration::from_secs(5), pending).await???;
        assert_eq!(status, 503);
        Ok(())
    }

    #[tokio::test]
    async fn flaky_failures_follow_the_rate_and_repeat_after_reset() -> TestResult {
        let fake = FakeLlm::start().await?;
        let client = reqwest::Client::new();
        fake.set_default(Step::Flaky {
            error_rate: 0.3,
            then: Box::new(Step::text("fine")),
        });
        let mut runs = Vec::new();
        for _ in 0..2 {
            let mut statuses = Vec::new();
            for _ in 0..200 {
                statuses.push(post_chat(&fake, &client).await?.status().as_u16());
            }
            fake.reset_calls();
            runs.push(statuses);
        }
        let failures = runs[0].iter().filter(|&&status| status == 500).count();
        assert!(
            (40..=80).contains(&failures),
            "{failures} failures in 200 at rate 0.3"
        );
        assert!(runs[0].iter().all(|&status| status == 200 || status == 500));
        assert_eq!(runs[0], runs[1]);
        Ok(())
    }

    #[tokio::test]
    async fn a_model_default_answers_that_model_after_the_queue() -> TestResult {
        let fake = FakeLlm::start().await?;
        let client = reqwest::Client::new();
        fake.set_model_default("gpt-test", Step::status(500));
        fake.push(Step::text("queued"));
        let post = |model: &'static str| {
            client
                .post(format!("{}/chat/completions", fake.base_url))
                .json(&json!({ "model": model, "messages": [] }))
                .send()
        };
        assert_eq!(
            post("gpt-test").await?.status(),
            200,
            "the queue comes first"
        );
        assert_eq!(post("gpt-test").await?.status(), 500);
        let other: Value = post("gpt-other").await?.json().await?;
        assert_eq!(other["choices"][0]["message"]["content"], "OK");
        assert_eq!(
            (fake.calls_for("gpt-test"), fake.calls_for("gpt-other")),
            (2, 1)
        );
        Ok(())
    }

    #[test]
    fn the_model_is_read_from_the_body_without_the_rest() {
        let body = br#"{"messages":[{"role":"user","content":"hi"}],"model":"gpt-test","n":1}"#;
        assert_eq!(requested_model(body).as_deref(), Some("gpt-test"));
        assert_eq!(requested_model(br#"{"model":7}"#), None);
        assert_eq!(requested_model(br#"{"messages":[]}"#), None);
        assert_eq!(requested_model(b"not json"), None);
    }

    #[tokio::test]
    async fn the_request_log_keeps_only_the_most_recent_bodies() -> TestResult {
        let fake = FakeLlm::start().await?;
        for index in 0..=MAX_RECORDED {
            fake.shared.record(Bytes::from(index.to_string()), None);
        }
        let requests = fake.requests();
        assert_eq!(requests.len(), MAX_RECORDED);
        assert_eq!(
            (requests[0].clone(), fake.calls()),
            (json!(1), MAX_RECORDED + 1)
        );
        Ok(())
    }
}
