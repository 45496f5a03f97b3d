//! Chat scenarios: built-in engine turns (c), LLM-mode overhead against the fake provider
//! (d) and cache-hit FAQ turns (e). The fake provider itself lives in `upstream`.

use std::sync::Arc;

use anyhow::{bail, Result};
use serde_json::{json, Value};

use crate::api::{transport_error, Api};
use crate::driver::{self, Job, Outcome};
use crate::procstat::StealMeter;
use crate::report::{duration_us, signed, signed_us, thousands, Report, Row};
use crate::server::{Server, Workspace};
use crate::upstream::{llm_env, start_fake, upstream_job};
use crate::{closed, open, row, row_without_server, warm_up, Ctx};

/// Sessions per chat scenario; a session serialises its turns, so load spreads over many.
const SESSIONS: usize = 2_000;
/// Messages the built-in engine handles.
const BUILT_IN_MESSAGES: [&str; 2] = [
    "what are your hours?",
    "standard cleaning 900 sq ft on December 3 at 10am",
];
/// Open questions that `performance_optimized` sends to a model.
pub const OPEN_QUESTIONS: [&str; 3] = [
    "How do your prices compare with other companies, and why do you charge by the hour?",
    "What is actually included in a deep clean compared with a standard clean, and is it worth it for a rental?",
    "Can you explain how you vet and train your cleaners, and what happens if something gets damaged?",
];
/// The cache-hit question (the cache key is variant + normalised question).
const FAQ: &str = OPEN_QUESTIONS[0];
/// What the fake provider answers.
pub const FAKE_REPLY: &str = "We charge by the hour because homes differ: the rate covers the crew, supplies and \
insurance, so you pay for the work done rather than a flat guess. A standard clean of a two-bedroom home takes \
about two hours. Would you like a quote for your place?";
/// Rates of the open-loop targets.
pub const BUILT_IN_RATE: f64 = 2_000.0;
pub const LLM_RATE: f64 = 1_000.0;

/// What a turn must show to count as a success.
#[derive(Clone, Copy)]
enum Expect {
    /// Answered by the built-in engine.
    BuiltIn,
    /// Answered by a model (tier fast or balanced).
    Model,
    /// Answered from the response cache.
    CacheHit,
}

fn classify(status: u16, data: &Value, expect: Expect) -> Outcome {
    if status != 200 {
        return Outcome::Error(format!("status {status}"));
    }
    let tier = data["metadata"]["tier"].as_str().unwrap_or("none");
    let cached = data["metadata"]["cached"].as_bool().unwrap_or(false);
    match expect {
        Expect::BuiltIn if tier == "local" => Outcome::Ok,
        Expect::Model if tier == "fast" || tier == "balanced" => Outcome::Ok,
        Expect::CacheHit if cached => Outcome::Ok,
        Expect::CacheHit => Outcome::Error(format!("not a cache hit (tier {tier})")),
        _ => Outcome::Error(format!("answered by tier {tier}")),
    }
}

/// Turn `i` goes to session `i mod n` with a message that rotates per session.
fn turn_job(
    api: &Api,
    sessions: &Arc<Vec<String>>,
    messages: &'static [&'static str],
    expect: Expect,
) -> Job {
    let api = api.clone();
    let sessions = Arc::clone(sessions);
    driver::job(move |i| {
        let api = api.clone();
        let sessions = Arc::clone(&sessions);
        async move {
            let n = sessions.len().max(1) as u64;
            let session = sessions
                .get(usize::try_from(i % n).unwrap_or_default())
                .map_or("", String::as_str);
            let message =
                messages[usize::try_from((i + i / n) % messages.len() as u64).unwrap_or_default()];
            match api.turn(session, message).await {
                Ok((status, data)) => classify(status, &data, expect),
                Err(error) => transport_error(&error),
            }
        }
    })
}

/// (c): turns answered by the built-in engine (no LLM configured).
pub async fn built_in(ctx: &Ctx) -> Result<Report> {
    let mut report = Report::new(
        "(c) chat",
        &format!(
            "POST /api/chat/message on the built-in engine over {SESSIONS} sessions (\"{}\" / \"{}\"): closed loop, then open loop at {BUILT_IN_RATE} turns/s",
            BUILT_IN_MESSAGES[0], BUILT_IN_MESSAGES[1]
        ),
    );
    let workspace = Workspace::new()?;
    let server = Server::start(ctx, &workspace, &[]).await?;
    let api = Api::new(&server.base)?;
    let sessions = api.start_sessions(SESSIONS, 32).await?;
    let job = turn_job(&api, &sessions, &BUILT_IN_MESSAGES, Expect::BuiltIn);
    warm_up(&job, ctx).await?;
    let (max, usage) = closed(server.pid, &job, ctx.workers, ctx.duration, None).await?;
    row(
        &mut report,
        &format!("closed loop, {} workers", ctx.workers),
        &max,
        Some(usage),
    );
    let (paced, usage) = open(server.pid, &job, BUILT_IN_RATE, ctx.duration).await?;
    row(&mut report, "open loop, 2,000 turns/s", &paced, Some(usage));
    report.target(
        "throughput ≥ 2,000 turns/s (closed loop)",
        format!("{} turns/s", thousands(max.rate().round() as u64)),
        max.rate() >= 2_000.0 && max.errors == 0,
    );
    let p99 = paced.percentile(0.99).unwrap_or(u64::MAX);
    report.target(
        "p99 ≤ 5 ms at 2,000 turns/s (open loop)",
        duration_us(p99),
        p99 <= 5_000 && paced.errors == 0 && paced.rate() >= BUILT_IN_RATE * 0.98,
    );
    report.rss_target();
    server.stop().await?;
    Ok(report)
}

/// (d): LLM-mode turns against the fake with no delay; overhead = turn − upstream.
pub async fn llm_overhead(ctx: &Ctx) -> Result<Report> {
    let mut report = Report::new(
        "(d) llm",
        &format!(
            "POST /api/chat/message in LLM mode (performance_optimized, cache off) against the fake provider (delay {} ms), open loop at {LLM_RATE} turns/s over {SESSIONS} sessions",
            ctx.llm_delay_ms
        ),
    );
    let fake = start_fake(ctx).await?;
    let workspace = Workspace::new()?;
    let server = Server::start(
        ctx,
        &workspace,
        &llm_env(&fake, "performance_optimized", false),
    )
    .await?;
    let api = Api::new(&server.base)?;
    let sessions = api.start_sessions(SESSIONS, 32).await?;
    let job = turn_job(&api, &sessions, &OPEN_QUESTIONS, Expect::Model);
    // Warm up open-loop so every session carries history, as the measured turns will.
    let warm = driver::open_loop(
        &job,
        LLM_RATE,
        ctx.warmup.max(std::time::Duration::from_secs(2)),
    )
    .await?;
    if warm.ok == 0 {
        bail!(
            "no warm-up turn was answered by a model: {}",
            warm.error_summary()
        );
    }
    let body = fake
        .requests()
        .last()
        .map(serde_json::to_vec)
        .transpose()?
        .unwrap_or_else(|| json!({}).to_string().into_bytes());
    let body_len = body.len();
    let before = api
        .histogram_totals("llm_request_duration_seconds")
        .await
        .ok();
    let calls_before = fake.calls();
    let (turns, usage) = open(server.pid, &job, LLM_RATE, ctx.duration).await?;
    let calls = fake.calls().saturating_sub(calls_before);
    let after = api
        .histogram_totals("llm_request_duration_seconds")
        .await
        .ok();
    row(&mut report, "turn, open loop 1,000/s", &turns, Some(usage));
    // The fake alone, same body, same rate, same kind of client: what the app waits for.
    let direct = upstream_job(&fake.base_url, body)?;
    warm_up(&direct, ctx).await?;
    let steal = StealMeter::start();
    let upstream = driver::open_loop(&direct, LLM_RATE, ctx.duration).await?;
    row_without_server(
        &mut report,
        "upstream alone (fake, same body)",
        &upstream,
        steal.share(),
    );
    let diff = |q: f64| -> Option<i64> {
        Some(signed(turns.percentile(q))? - signed(upstream.percentile(q))?)
    };
    report.rows.push(Row {
        label: "overhead = turn − upstream".to_owned(),
        requests: turns.completed(),
        rate: turns.rate(),
        p50_us: diff(0.50),
        p90_us: diff(0.90),
        p99_us: diff(0.99),
        errors: turns.errors,
        ..Row::default()
    });
    let overhead_p99 = diff(0.99).unwrap_or(i64::MAX);
    report.target(
        "overhead p99 ≤ 2 ms at 1,000 turns/s",
        signed_us(overhead_p99),
        overhead_p99 <= 2_000,
    );
    report.target(
        "zero errors, every turn by a model",
        format!("{} errors", thousands(turns.errors)),
        turns.errors == 0 && turns.ok > 0,
    );
    report.target(
        "keeps up with 1,000 turns/s",
        format!("{} turns/s", thousands(turns.rate().round() as u64)),
        turns.rate() >= LLM_RATE * 0.98,
    );
    report.rss_target();
    report.note(format!(
        "overhead per percentile is the turn's percentile minus the upstream's, measured separately at the same rate with the request body the server sent ({body_len} bytes); {} provider calls for {} turns",
        thousands(calls as u64),
        thousands(turns.completed())
    ));
    if let (Some((sum0, n0)), Some((sum1, n1)), Some(mean)) = (before, after, turns.mean_us()) {
        let n = n1 - n0;
        if n > 0.0 {
            let upstream_mean_us = (sum1 - sum0) / n * 1e6;
            report.note(format!(
                "as the server measured it: upstream mean {} over {} calls; turn mean {}, so mean overhead {}",
                duration_us(upstream_mean_us.round() as u64),
                thousands(n.round() as u64),
                duration_us(mean.round() as u64),
                signed_us((mean - upstream_mean_us).round() as i64)
            ));
        }
    }
    server.stop().await?;
    drop(fake);
    Ok(report)
}

/// (e): the same FAQ question on many sessions, answered from the response cache.
pub async fn cache_hit(ctx: &Ctx) -> Result<Report> {
    let mut report = Report::new(
        "(e) cache",
        &format!(
            "POST /api/chat/message \"{FAQ}\" in LLM mode with the response cache: every turn after the first is a hit; open loop at {LLM_RATE} turns/s, then closed loop"
        ),
    );
    let fake = start_fake(ctx).await?;
    let workspace = Workspace::new()?;
    let server = Server::start(
        ctx,
        &workspace,
        &llm_env(&fake, "performance_optimized", true),
    )
    .await?;
    let api = Api::new(&server.base)?;
    let sessions = api.start_sessions(SESSIONS, 32).await?;
    let first = api.turn(&sessions[0], FAQ).await?;
    let second = api.turn(&sessions[1], FAQ).await?;
    if second.1["metadata"]["cached"] != json!(true) {
        bail!(
            "the second identical question was not a cache hit: first {}, second {}",
            first.1["metadata"],
            second.1["metadata"]
        );
    }
    const FAQ_ONLY: [&str; 1] = [FAQ];
    let job = turn_job(&api, &sessions, &FAQ_ONLY, Expect::CacheHit);
    warm_up(&job, ctx).await?;
    let calls_before = fake.calls();
    let (paced, usage) = open(server.pid, &job, LLM_RATE, ctx.duration).await?;
    let calls = fake.calls().saturating_sub(calls_before);
    row(&mut report, "open loop, 1,000 turns/s", &paced, Some(usage));
    let (max, usage) = closed(server.pid, &job, ctx.workers, ctx.duration, None).await?;
    row(
        &mut report,
        &format!("closed loop, {} workers", ctx.workers),
        &max,
        Some(usage),
    );
    let p99 = paced.percentile(0.99).unwrap_or(u64::MAX);
    report.target(
        "p99 ≤ 1 ms at 1,000 req/s",
        duration_us(p99),
        p99 <= 1_000 && paced.errors == 0 && paced.rate() >= LLM_RATE * 0.98,
    );
    report.rss_target();
    report.note(format!(
        "first call: cached={}, tier {}; provider calls during the open-loop run: {calls}",
        first.1["metadata"]["cached"], first.1["metadata"]["tier"]
    ));
    server.stop().await?;
    drop(fake);
    Ok(report)
}
