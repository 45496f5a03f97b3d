//! Booking scenarios: distinct slots as fast as possible (f) and one slot hammered by
//! every worker at once (g), each followed by a double-booking check on the database file.

use std::sync::Arc;

use anyhow::Result;

use crate::api::{self, Api};
use crate::driver::{self, Outcome, Stats};
use crate::report::{thousands, Report};
use crate::server::{Server, Workspace, CREWS};
use crate::verify::check_bookings;
use crate::{closed, row, warm_up, Ctx};

/// A job booking `plan[offset + i]`; a 409 on a slot that should be free is an error here.
fn distinct_job(api: &Api, plan: &Arc<Vec<(String, String)>>, offset: u64) -> driver::Job {
    let api = api.clone();
    let plan = Arc::clone(plan);
    driver::job(move |i| {
        let api = api.clone();
        let plan = Arc::clone(&plan);
        async move {
            let index = offset + i;
            let Some((date, time)) = usize::try_from(index).ok().and_then(|i| plan.get(i)) else {
                return Outcome::Error("plan exhausted".to_owned());
            };
            match api.book(&api::booking_body(index, date, time)).await {
                Outcome::Conflict => Outcome::Error("409 on a free slot".to_owned()),
                other => other,
            }
        }
    })
}

/// Warms connections on a read-only route, so no booking capacity is spent on warm-up.
async fn warm_connections(api: &Api, ctx: &Ctx) -> Result<()> {
    let api = api.clone();
    let job = driver::job(move |_| {
        let api = api.clone();
        async move { api.get_ok("/api/services").await }
    });
    warm_up(&job, ctx).await
}

/// (f): bookings of distinct free slots, first and second half of the capacity.
pub async fn distinct_slots(ctx: &Ctx) -> Result<Report> {
    let plan = Arc::new(api::distinct_slots(CREWS));
    let capacity = plan.len() as u64;
    let mut report = Report::new(
        "(f) book",
        &format!(
            "POST /api/appointments for distinct free slots (standard, 900 sq ft, {CREWS} crews, {} bookings of capacity), closed loop with {} workers; first half, then second half",
            thousands(capacity),
            ctx.workers
        ),
    );
    let workspace = Workspace::new()?;
    let server = Server::start(ctx, &workspace, &[]).await?;
    let api = Api::new(&server.base)?;
    warm_connections(&api, ctx).await?;
    let half = capacity / 2;
    let (first, usage) = closed(
        server.pid,
        &distinct_job(&api, &plan, 0),
        ctx.workers,
        ctx.duration,
        Some(half),
    )
    .await?;
    row(
        &mut report,
        &format!("bookings 1–{}", thousands(first.completed())),
        &first,
        Some(usage),
    );
    let offset = first.completed();
    let (second, usage) = closed(
        server.pid,
        &distinct_job(&api, &plan, offset),
        ctx.workers,
        ctx.duration,
        Some(capacity - offset),
    )
    .await?;
    row(
        &mut report,
        &format!(
            "bookings {}–{}",
            thousands(offset + 1),
            thousands(offset + second.completed())
        ),
        &second,
        Some(usage),
    );
    let booked = first.ok + second.ok;
    let secs = (first.elapsed + second.elapsed).as_secs_f64();
    let overall = booked as f64 / secs.max(f64::EPSILON);
    let check = check_bookings(&workspace.db_path()).await?;
    report.target(
        "≥ 1,000 bookings/s (both halves)",
        format!("{} /s", thousands(overall.round() as u64)),
        overall >= 1_000.0,
    );
    report.target(
        "zero double bookings (SQL on the file)",
        format!("{} pairs", check.double_bookings),
        check.double_bookings == 0,
    );
    report.target(
        "every 201 is a row, no row without a 201",
        format!(
            "{} / {}",
            thousands(booked),
            thousands(u64::try_from(check.active).unwrap_or_default())
        ),
        i64::try_from(booked).is_ok_and(|b| b == check.active),
    );
    report.target(
        "zero errors",
        thousands(first.errors + second.errors),
        first.errors + second.errors == 0,
    );
    report.rss_target();
    server.stop().await?;
    Ok(report)
}

/// (g): every worker books the same start time; exactly one booking per crew may win.
pub async fn same_slot(ctx: &Ctx) -> Result<Report> {
    const DATE: &str = "2026-12-02";
    const TIME: &str = "09:00";
    let mut report = Report::new(
        "(g) conflict",
        &format!(
            "POST /api/appointments for one start ({DATE} {TIME}) from {} workers for {}s: {CREWS} crews can take it, every later request must be a 409",
            ctx.workers,
            ctx.duration.as_secs()
        ),
    );
    let workspace = Workspace::new()?;
    let server = Server::start(ctx, &workspace, &[]).await?;
    let api = Api::new(&server.base)?;
    warm_connections(&api, ctx).await?;
    let job = {
        let api = api.clone();
        driver::job(move |i| {
            let api = api.clone();
            async move { api.book(&api::booking_body(i, DATE, TIME)).await }
        })
    };
    let (stats, usage): (Stats, _) =
        closed(server.pid, &job, ctx.workers, ctx.duration, None).await?;
    row(
        &mut report,
        &format!("closed loop, {} workers", ctx.workers),
        &stats,
        Some(usage),
    );
    let check = check_bookings(&workspace.db_path()).await?;
    report.target(
        format!("exactly {CREWS} bookings succeed (one per crew)"),
        format!("{} × 201", stats.ok),
        stats.ok == u64::from(CREWS) && check.active == i64::from(CREWS),
    );
    report.target(
        "zero double bookings (SQL on the file)",
        format!("{} pairs", check.double_bookings),
        check.double_bookings == 0,
    );
    report.target(
        "zero errors (409s counted apart)",
        thousands(stats.errors),
        stats.errors == 0,
    );
    report.rss_target();
    server.stop().await?;
    Ok(report)
}
