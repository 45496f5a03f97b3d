//! (i) The soak: a realistic mix at a moderate open-loop rate for a long time, with the
//! server's resident memory sampled throughout and compared between start and end.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::api::{self, transport_error, Api};
use crate::driver::{self, Outcome};
use crate::procstat;
use crate::report::{mb, Report};
use crate::server::{Server, Workspace, CREWS};
use crate::upstream::{llm_env, start_fake};
use crate::{open, row, Ctx};

/// Live sessions the chat part of the mix rotates over.
const SESSIONS: usize = 500;
/// Distinct open questions (so the response cache holds a bounded, realistic set).
const QUESTIONS: u64 = 200;
/// Built-in engine messages of the mix.
const MESSAGES: [&str; 3] = [
    "what are your hours?",
    "standard cleaning 900 sq ft on December 3 at 10am",
    "do you bring your own supplies?",
];

/// One request of the mix, chosen by `i mod 20`:
/// 30 % chat turns, 10 % open questions to the model, 20 % health, 20 % services,
/// 10 % availability, 5 % bookings of distinct slots, 5 % a whole short conversation.
async fn mixed(
    api: Api,
    sessions: Arc<Vec<String>>,
    plan: Arc<Vec<(String, String)>>,
    booked: Arc<AtomicU64>,
    i: u64,
) -> Outcome {
    let session = sessions
        .get(usize::try_from(i % sessions.len().max(1) as u64).unwrap_or_default())
        .cloned()
        .unwrap_or_default();
    let turn = |message: String, session: String| {
        let api = api.clone();
        async move {
            match api.turn(&session, &message).await {
                Ok((200, _)) => Outcome::Ok,
                Ok((status, _)) => Outcome::Error(format!("chat status {status}")),
                Err(error) => transport_error(&error),
            }
        }
    };
    match i % 20 {
        0..=5 => turn(MESSAGES[usize::try_from(i % 3).unwrap_or_default()].to_owned(), session).await,
        6..=7 => {
            turn(
                format!(
                    "Question {}: how do your prices compare with other companies, and why do you charge by the hour?",
                    i % QUESTIONS
                ),
                session,
            )
            .await
        }
        8..=11 => api.get_ok("/api/health").await,
        12..=15 => api.get_ok("/api/services").await,
        16..=17 => {
            let day = 2 + i % 20;
            api.get_ok(&format!("/api/availability?date=2026-12-{day:02}&serviceType=standard&squareFeet=900"))
                .await
        }
        18 => {
            let index = booked.fetch_add(1, Ordering::Relaxed);
            match usize::try_from(index).ok().and_then(|n| plan.get(n)) {
                Some((date, time)) => api.book(&api::booking_body(index, date, time)).await,
                None => api.get_ok("/api/health").await,
            }
        }
        _ => {
            // A short conversation: start, one turn, end (sessions must not pile up).
            let Ok(fresh) = api.start_session().await else {
                return Outcome::Error("chat start failed".to_owned());
            };
            if let Outcome::Error(kind) = turn(MESSAGES[0].to_owned(), fresh.clone()).await {
                return Outcome::Error(kind);
            }
            match api
                .client
                .post(api.url("/api/chat/end"))
                .json(&serde_json::json!({ "sessionId": fresh, "satisfaction": 5 }))
                .send()
                .await
            {
                Ok(response) if response.status().is_success() => Outcome::Ok,
                Ok(response) => Outcome::Error(format!("chat end status {}", response.status())),
                Err(error) => transport_error(&error),
            }
        }
    }
}

/// (i): the mix at `--soak-rate` for `--soak-secs`, RSS sampled every 1/20 of the run.
pub async fn soak(ctx: &Ctx) -> Result<Report> {
    let warm = (ctx.soak / 10).clamp(Duration::from_secs(5), Duration::from_secs(60));
    let mut report = Report::new(
        "(i) soak",
        &format!(
            "mixed traffic (chat on the built-in engine and the fake model, FAQ cache, health, services, availability, bookings, whole conversations) open loop at {} req/s for {}s after {}s of warm-up",
            ctx.soak_rate,
            ctx.soak.as_secs(),
            warm.as_secs()
        ),
    );
    let fake = start_fake(ctx).await?;
    let workspace = Workspace::new()?;
    let server = Server::start(ctx, &workspace, &llm_env(&fake, "balanced", true)).await?;
    let api = Api::new(&server.base)?;
    let sessions = api.start_sessions(SESSIONS, 16).await?;
    let plan = Arc::new(api::distinct_slots(CREWS));
    let booked = Arc::new(AtomicU64::new(0));
    let job = {
        let (api, sessions, plan, booked) =
            (api.clone(), sessions.clone(), plan.clone(), booked.clone());
        driver::job(move |i| {
            mixed(
                api.clone(),
                sessions.clone(),
                plan.clone(),
                booked.clone(),
                i,
            )
        })
    };
    let warm_stats = driver::open_loop(&job, ctx.soak_rate, warm).await?;
    if warm_stats.errors > 0 {
        report.note(format!("warm-up errors: {}", warm_stats.error_summary()));
    }
    let start = procstat::read(server.pid)?;
    let start_breakdown = procstat::rss_breakdown(server.pid);
    let timeline = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let (timeline, stop, pid) = (timeline.clone(), stop.clone(), server.pid);
        let every = (ctx.soak / 20).max(Duration::from_secs(1));
        async move {
            let began = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(every).await;
                if let Ok(sample) = procstat::read(pid) {
                    timeline
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((began.elapsed(), sample.rss_kb));
                }
            }
        }
    });
    let (stats, usage) = open(server.pid, &job, ctx.soak_rate, ctx.soak).await?;
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    let end = procstat::read(server.pid)?;
    let end_breakdown = procstat::rss_breakdown(server.pid);
    let threads = procstat::threads(server.pid);
    row(
        &mut report,
        &format!("open loop, {} req/s", ctx.soak_rate),
        &stats,
        Some(usage),
    );
    let growth = (end.rss_kb as f64 - start.rss_kb as f64) / start.rss_kb.max(1) as f64 * 100.0;
    report.target(
        "RSS growth ≤ 5 % over the soak",
        format!("{growth:+.1} %"),
        growth <= 5.0,
    );
    report.target("zero errors", stats.errors.to_string(), stats.errors == 0);
    report.rss_target();
    let points: Vec<String> = timeline
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .map(|(at, kb)| format!("{}s {}", at.as_secs(), mb(*kb)))
        .collect();
    report.note(format!(
        "RSS at start {} ({start_breakdown}) after warm-up, at end {} ({end_breakdown}); {threads} threads",
        mb(start.rss_kb),
        mb(end.rss_kb),
    ));
    report.note(format!("RSS sampled: {}", points.join(", ")));
    report.note(format!(
        "bookings made: {} of {} distinct slots; database file {:.1} MB",
        booked.load(Ordering::Relaxed).min(plan.len() as u64),
        plan.len(),
        std::fs::metadata(workspace.db_path()).map_or(0.0, |m| m.len() as f64 / 1_048_576.0)
    ));
    server.stop().await?;
    drop(fake);
    Ok(report)
}
