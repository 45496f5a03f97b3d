//! The HTTP calls the scenarios make (chat, bookings, metrics) and the plan of distinct
//! booking slots. Every call targets the bench server on 127.0.0.1.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use chrono::{Datelike, NaiveDate, Weekday};
use serde_json::{json, Value};

use crate::driver::Outcome;

/// Per-request timeout of the load client; a slower answer is an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A keep-alive HTTP/1.1 client for load, with Nagle off like the server.
pub fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1024)
        .build()?)
}

/// The server's API, shared by load tasks.
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: Arc<str>,
}

/// Classifies a transport error in a word.
pub fn transport_error(error: &reqwest::Error) -> Outcome {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect error"
    } else {
        "transport error"
    };
    Outcome::Error(kind.to_owned())
}

impl Api {
    pub fn new(base: &str) -> Result<Api> {
        Ok(Api {
            client: client()?,
            base: Arc::from(base),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A GET that counts only a 200 as success (the body is read, as a browser would).
    pub async fn get_ok(&self, path: &str) -> Outcome {
        match self.client.get(self.url(path)).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(_) if status == 200 => Outcome::Ok,
                    Ok(_) => Outcome::Error(format!("status {status}")),
                    Err(error) => transport_error(&error),
                }
            }
            Err(error) => transport_error(&error),
        }
    }

    /// `POST /api/chat/start` → the session id.
    pub async fn start_session(&self) -> Result<String> {
        let body: Value = self
            .client
            .post(self.url("/api/chat/start"))
            .json(&json!({}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        body["data"]["sessionId"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("no data.sessionId in {body}"))
    }

    /// `count` sessions, started `parallel` at a time.
    pub async fn start_sessions(&self, count: usize, parallel: usize) -> Result<Arc<Vec<String>>> {
        let mut sessions = Vec::with_capacity(count);
        while sessions.len() < count {
            let batch = parallel.min(count - sessions.len());
            let mut handles = Vec::with_capacity(batch);
            for _ in 0..batch {
                let api = self.clone();
                handles.push(tokio::spawn(async move { api.start_session().await }));
            }
            for handle in handles {
                sessions.push(handle.await??);
            }
        }
        Ok(Arc::new(sessions))
    }

    /// `POST /api/chat/message` → (HTTP status, `data`).
    pub async fn turn(&self, session: &str, message: &str) -> Result<(u16, Value), reqwest::Error> {
        let response = self
            .client
            .post(self.url("/api/chat/message"))
            .json(&json!({ "sessionId": session, "message": message }))
            .send()
            .await?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        Ok((status, body["data"].clone()))
    }

    /// `POST /api/appointments`: 201 is success, a 409 `slot_unavailable` a conflict.
    pub async fn book(&self, body: &Value) -> Outcome {
        let response = match self
            .client
            .post(self.url("/api/appointments"))
            .json(body)
            .send()
            .await
        {
            Ok(response) => response,
            Err(error) => return transport_error(&error),
        };
        let status = response.status().as_u16();
        let body: Value = match response.json().await {
            Ok(body) => body,
            Err(error) => return transport_error(&error),
        };
        match (status, body["error"]["code"].as_str()) {
            (201, _) => Outcome::Ok,
            (409, Some("slot_unavailable")) => Outcome::Conflict,
            (_, Some(code)) => Outcome::Error(format!("status {status} {code}")),
            (_, None) => Outcome::Error(format!("status {status}")),
        }
    }

    /// The Prometheus text of `/metrics`.
    pub async fn metrics(&self) -> Result<String> {
        let response = self.client.get(self.url("/metrics")).send().await?;
        if !response.status().is_success() {
            bail!("/metrics answered {}", response.status());
        }
        Ok(response.text().await?)
    }

    /// Mean of a Prometheus histogram: (sum over labels of `_sum`, of `_count`).
    pub async fn histogram_totals(&self, name: &str) -> Result<(f64, f64)> {
        let text = self.metrics().await.context("reading /metrics")?;
        let total = |suffix: &str| -> f64 {
            let prefix = format!("{name}{suffix}");
            text.lines()
                .filter(|line| {
                    line.strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
                })
                .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
                .sum()
        };
        Ok((total("_sum"), total("_count")))
    }
}

/// The booking body of one request: standard cleaning, 900 sq ft (a 2-hour job).
pub fn booking_body(i: u64, date: &str, time: &str) -> Value {
    json!({
        "name": "Bench Customer",
        "phone": format!("+1 212 555 {:04}", i % 10_000),
        "email": format!("bench{i}@example.com"),
        "address": format!("{} Bench Street, Brooklyn, NY 11201", 1 + i % 999),
        "serviceType": "standard",
        "squareFeet": 900,
        "date": date,
        "time": time,
    })
}

/// Every (date, time) a 2-hour job can take without two jobs of one crew coming within
/// the 30-minute buffer, each repeated once per crew: Mon–Fri 09:00, 11:30, 14:00 and
/// Sat 10:00, 12:30, from 2026-12-02 up to 60 days after 2026-12-01. Consecutive
/// requests fill one start time across all crews before moving on.
pub fn distinct_slots(crews: u32) -> Vec<(String, String)> {
    let mut plan = Vec::new();
    let Some(today) = NaiveDate::from_ymd_opt(2026, 12, 1) else {
        return plan;
    };
    for offset in 1..=60 {
        let Some(date) = today.checked_add_days(chrono::Days::new(offset)) else {
            continue;
        };
        let times: &[&str] = match date.weekday() {
            Weekday::Sun => &[],
            Weekday::Sat => &["10:00", "12:30"],
            _ => &["09:00", "11:30", "14:00"],
        };
        for time in times {
            for _ in 0..crews {
                plan.push((date.format("%Y-%m-%d").to_string(), (*time).to_owned()));
            }
        }
    }
    plan
}
