//! An OpenAI-compatible chat-completions client (Groq by default). One shared reqwest
//! client with connect and request timeouts; it never retries: `llm::gateway` decides.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::Secret;
use crate::llm::retry::{classify_status, parse_retry_after, ErrorClass};

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChatMessage {
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tool_calls: Vec<ToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    /// A message with text only.
    pub fn text(role: &str, content: impl Into<String>) -> Self {
        Self {
            role: role.to_owned(),
            content: Some(content.into()),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }

    /// The result of a tool call.
    pub fn tool_result(call_id: &str, content: impl Into<String>) -> Self {
        Self {
            role: "tool".to_owned(),
            content: Some(content.into()),
            tool_calls: Vec::new(),
            tool_call_id: Some(call_id.to_owned()),
        }
    }
}

/// A tool call requested by the model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ToolCall {
    pub id: String,
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    pub function: FunctionCall,
}

fn function_type() -> String {
    "function".to_owned()
}

/// The function name and its JSON-encoded arguments.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunctionCall {
    pub name: String,
    pub arguments: String,
}

/// What the model is asked.
#[derive(Debug, Clone, Serialize)]
pub struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: &'a [ChatMessage],
    #[serde(skip_serializing_if = "<[Value]>::is_empty")]
    pub tools: &'a [Value],
    pub temperature: f32,
    pub max_tokens: u32,
}

/// Token counts reported by the provider.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
pub struct Usage {
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
}

/// The model's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub model: String,
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
}

/// A failed call, classified. The provider's own text is kept for logs only.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{class:?} from the LLM provider (status {status:?})")]
pub struct ProviderError {
    pub class: ErrorClass,
    pub status: Option<u16>,
    /// `Retry-After`, in milliseconds, when the provider sent one.
    pub retry_after_ms: Option<u64>,
    /// Detail for the log (never shown to customers).
    pub detail: String,
}

#[derive(Deserialize)]
struct WireResponse {
    #[serde(default)]
    model: String,
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Usage,
}

#[derive(Deserialize)]
struct WireChoice {
    message: WireMessage,
}

#[derive(Deserialize)]
struct WireMessage {
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<ToolCall>,
}

/// The client.
#[derive(Clone)]
pub struct OpenAiProvider {
    name: String,
    base_url: String,
    api_key: Secret,
    http: reqwest::Client,
}

impl OpenAiProvider {
    /// A client for `base_url` (e.g. `https://api.groq.com/openai/v1`).
    pub fn new(
        name: &str,
        base_url: &str,
        api_key: Secret,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3).min(timeout))
            .timeout(timeout)
            .pool_max_idle_per_host(32)
            .build()?;
        Ok(Self {
            name: name.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            http,
        })
    }

    /// The provider's name for metrics and breakers.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The endpoint base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// One chat completion, bounded by `timeout` (at most the client's own timeout).
    pub async fn complete(
        &self,
        request: &ChatRequest<'_>,
        timeout: Duration,
    ) -> Result<Completion, ProviderError> {
        let sent = self
            .http
            .post(format!("{}/chat/completions", self.base_url))
            .bearer_auth(self.api_key.expose())
            .timeout(timeout)
            .json(request)
            .send()
            .await
            .map_err(transport_error)?;
        let status = sent.status();
        if !status.is_success() {
            let retry_after_ms = sent
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let detail = sent
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            return Err(ProviderError {
                class: classify_status(status.as_u16()),
                status: Some(status.as_u16()),
                retry_after_ms,
                detail,
            });
        }
        let body = sent.bytes().await.map_err(transport_error)?;
        let wire: WireResponse = serde_json::from_slice(&body).map_err(|e| ProviderError {
            class: ErrorClass::Malformed,
            status: Some(status.as_u16()),
            retry_after_ms: None,
            detail: e.to_string(),
        })?;
        let choice = wire
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| ProviderError {
                class: ErrorClass::Malformed,
                status: Some(status.as_u16()),
                retry_after_ms: None,
                detail: "no choices".to_owned(),
            })?;
        Ok(Completion {
            model: if wire.model.is_empty() {
                request.model.to_owned()
            } else {
                wire.model
            },
            content: choice.message.content,
            tool_calls: choice.message.tool_calls,
            usage: wire.usage,
        })
    }

    /// A cheap reachability probe for `cleanspace check` (lists models).
    pub async fn probe(&self) -> Result<(), ProviderError> {
        let response = self
            .http
            .get(format!("{}/models", self.base_url))
            .bearer_auth(self.api_key.expose())
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(transport_error)?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(ProviderError {
                class: classify_status(response.status().as_u16()),
                status: Some(response.status().as_u16()),
                retry_after_ms: None,
                detail: String::new(),
            })
        }
    }
}

fn transport_error(error: reqwest::Error) -> ProviderError {
    let class = if error.is_timeout() {
        ErrorClass::Timeout
    } else if error.is_connect() {
        ErrorClass::Connect
    } else if error.is_decode() || error.is_body() {
        ErrorClass::Malformed
    } else {
        ErrorClass::Connect
    };
    ProviderError {
        class,
        status: None,
        retry_after_ms: None,
        detail: error.to_string(),
    }
}
