//! Booking through the REST API: catalog, quotes, availability, appointments that never
//! double-book, idempotency, the status machine, customer self-service and inquiries.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use cleanspace::booking::calendar::{self, BusyJob, SlotError};
use cleanspace::booking::pricing::{self, ServiceCode};

use crate::helpers::{error_code, json, spawn_app_with, TestApp, TestOptions};

/// 2026-12-01 09:00 in New York, a Tuesday.
pub const CLOCK: &str = "2026-12-01T14:00:00Z";

pub async fn booking_app(crews: u32) -> TestApp {
    spawn_app_with(
        TestOptions::default()
            .var("CLEANSPACE_CLOCK", CLOCK)
            .var("CREWS", crews.to_string()),
    )
    .await
}

pub fn booking(date: &str, time: &str) -> Value {
    json!({
        "name": "Ana Ruiz",
        "phone": "555-201-3344",
        "email": "ana@example.com",
        "address": "12 Oak Street, Albany NY",
        "serviceType": "standard",
        "squareFeet": 900,
        "date": date,
        "time": time,
    })
}

async fn appointment_count(app: &TestApp) -> i64 {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM appointments")
        .fetch_one(app.state.db.settled_reader().await.unwrap())
        .await
        .unwrap();
    count
}

/// The active jobs as the calendar sees them.
async fn active_jobs(app: &TestApp) -> Vec<BusyJob> {
    let rows: Vec<(u32, String, String)> = sqlx::query_as(
        "SELECT crew, start_at, end_at FROM appointments WHERE status IN ('scheduled','confirmed')",
    )
    .fetch_all(app.state.db.settled_reader().await.unwrap())
    .await
    .unwrap();
    let parse = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    rows.iter()
        .map(|(crew, start, end)| BusyJob {
            crew: *crew,
            start: parse(start),
            end: parse(end),
        })
        .collect()
}

/// Pairs of active jobs of one crew less than 30 minutes apart (an independent check:
/// plain interval arithmetic, not the calendar's code).
async fn overlapping_pairs(app: &TestApp) -> Vec<(BusyJob, BusyJob)> {
    let jobs = active_jobs(app).await;
    let buffer = Duration::minutes(30);
    let mut pairs = Vec::new();
    for (i, a) in jobs.iter().enumerate() {
        for b in jobs.iter().skip(i + 1) {
            if a.crew == b.crew && a.start < b.end + buffer && b.start < a.end + buffer {
                pairs.push((*a, *b));
            }
        }
    }
    pairs
}

/// Every pair of active jobs of one crew is at least 30 minutes apart.
async fn assert_no_overlaps(app: &TestApp) {
    let pairs = overlapping_pairs(app).await;
    assert!(pairs.is_empty(), "crews double-booked: {pairs:?}");
}

#[tokio::test]
async fn the_catalog_lists_the_seven_services() {
    let app = booking_app(2).await;
    let body = json(app.get("/api/services").await).await;
    let codes: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "standard",
            "deep",
            "move_in_out",
            "office",
            "carpet",
            "windows",
            "estimate"
        ]
    );
    assert_eq!(body["data"][1]["hourlyRate"], 80);
}

#[tokio::test]
async fn an_operator_rate_change_moves_the_next_quote() {
    let app = booking_app(2).await;
    let before = json(
        app.post_json(
            "/api/quotes",
            &json!({ "serviceType": "standard", "squareFeet": 800 }),
        )
        .await,
    )
    .await;
    assert_ne!(before["data"]["total"], 200, "the seeded rate is not $100");
    let update = json!({ "hourlyRate": 100, "description": "Everything, twice." });
    let anonymous = app
        .client
        .put(app.url("/api/services/standard"))
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let token = app.operator_token().await;
    let response = app
        .client
        .put(app.url("/api/services/standard"))
        .bearer_auth(&token)
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let quote = json(
        app.post_json(
            "/api/quotes",
            &json!({ "serviceType": "standard", "squareFeet": 800 }),
        )
        .await,
    )
    .await;
    assert_eq!(quote["data"]["total"], 200, "2 h at $100");
}

#[tokio::test]
async fn a_quote_returns_the_total_and_every_line() {
    let app = booking_app(2).await;
    let response = app
        .post_json(
            "/api/quotes",
            &json!({ "serviceType": "deep", "squareFeet": 2000, "frequency": "weekly",
                     "addOns": ["inside_oven"], "urgency": "next_day" }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let quote = json(response).await["data"].clone();
    // 80 × 4.5 h × 1.2 = 432; + 35 = 467; − 10 % = 420.30; + 50 = 470.30 → 470
    assert_eq!(quote["total"], 470);
    assert_eq!(quote["lines"].as_array().unwrap().len(), 4);
    let too_big = app
        .post_json(
            "/api/quotes",
            &json!({ "serviceType": "standard", "squareFeet": 12000 }),
        )
        .await;
    assert_eq!(too_big.status(), 422);
    assert_eq!(json(too_big).await["error"]["field"], "squareFeet");
}

#[tokio::test]
async fn availability_lists_free_local_times_and_drops_booked_ones() {
    let app = booking_app(1).await;
    let path = "/api/availability?date=2026-12-02&serviceType=standard&squareFeet=900";
    let before = json(app.get(path).await).await["data"].clone();
    let times: Vec<&str> = before["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(times.first(), Some(&"09:00"));
    assert_eq!(times.last(), Some(&"15:00"), "a 2 h job must end by 17:00");
    assert_eq!(times.len(), 13);
    assert_eq!(
        app.post_json("/api/appointments", &booking("2026-12-02", "12:00"))
            .await
            .status(),
        201
    );
    let after = json(app.get(path).await).await["data"].clone();
    let times: HashSet<&str> = after["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    // One crew: the job 12:00–14:00 plus 30 min buffer either side blocks 10:00…14:00 starts.
    for blocked in ["10:00", "10:30", "12:00", "14:00"] {
        assert!(!times.contains(blocked), "{blocked} should be taken");
    }
    assert!(times.contains("09:00") && times.contains("14:30"));
    let sunday = json(
        app.get("/api/availability?date=2026-12-06&serviceType=standard")
            .await,
    )
    .await;
    assert_eq!(sunday["data"]["open"], false);
    assert_eq!(sunday["data"]["times"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn availability_sees_a_change_made_outside_the_service_despite_its_day_cache() {
    let app = booking_app(1).await;
    let path = "/api/availability?date=2026-12-02&serviceType=standard&squareFeet=900";
    let free = |body: Value| -> HashSet<String> {
        body["data"]["times"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        app.post_json("/api/appointments", &booking("2026-12-02", "12:00"))
            .await
            .status(),
        201
    );
    // Read twice: the second read is served from the day cache.
    let booked = free(json(app.get(path).await).await);
    assert_eq!(booked, free(json(app.get(path).await).await));
    assert!(!booked.contains("12:00"));
    // An operator's SQL, not the service, cancels the job: the trigger moves the
    // calendar version, so the cached day is not served again.
    sqlx::query("UPDATE appointments SET status = 'cancelled'")
        .execute(&app.state.db.writer)
        .await
        .unwrap();
    let after = free(json(app.get(path).await).await);
    assert!(after.contains("12:00"), "{after:?}");
    assert_eq!(after.len(), 13);
}

#[tokio::test]
async fn a_booking_is_created_with_a_reference_and_the_quoted_price() {
    let app = booking_app(2).await;
    let response = app
        .post_json("/api/appointments", &booking("2026-12-03", "10:00"))
        .await;
    assert_eq!(response.status(), 201);
    let appointment = json(response).await["data"].clone();
    let reference = appointment["reference"].as_str().unwrap();
    assert!(
        regex::Regex::new("^CS-[2-9A-HJ-NP-Z]{6}$")
            .unwrap()
            .is_match(reference),
        "{reference}"
    );
    assert_eq!(appointment["status"], "scheduled");
    assert_eq!(appointment["time"], "10:00");
    assert_eq!(appointment["date"], "2026-12-03");
    assert_eq!(appointment["price"], 120);
    assert_eq!(appointment["phone"], "+15552013344");
    assert_eq!(appointment["startAt"], "2026-12-03T15:00:00Z");
    assert_eq!(appointment["crew"], 1);
}

#[tokio::test]
async fn every_invalid_field_is_422_naming_it_and_nothing_is_written() {
    let app = booking_app(2).await;
    let cases = [
        ("name", json!("")),
        ("phone", json!("12")),
        ("email", json!("ana@")),
        ("address", json!("")),
        ("serviceType", json!("gardening")),
        ("squareFeet", json!(50)),
        ("frequency", json!("daily")),
        ("addOns", json!(["gold_taps"])),
        ("date", json!("03/12/2026")),
        ("time", json!("10am")),
        ("notes", json!("x".repeat(1001))),
    ];
    for (field, value) in cases {
        let mut body = booking("2026-12-03", "10:00");
        body[field] = value;
        let response = app.post_json("/api/appointments", &body).await;
        assert_eq!(response.status(), 422, "{field}");
        let body = json(response).await;
        assert_eq!(body["error"]["code"], "validation_failed", "{field}");
        assert_eq!(body["error"]["field"], field, "{field}");
    }
    // Calendar refusals name the field too.
    for (date, time, field) in [
        ("2026-12-06", "10:00", "date"), // Sunday
        ("2026-12-03", "10:15", "time"), // off grid
        ("2026-12-03", "16:00", "time"), // ends after closing
        ("2026-12-01", "10:00", "time"), // less than 2 h ahead
        ("2027-03-01", "10:00", "date"), // beyond 60 days
        ("2026-11-30", "10:00", "time"), // past
    ] {
        let response = app
            .post_json("/api/appointments", &booking(date, time))
            .await;
        assert_eq!(response.status(), 422, "{date} {time}");
        assert_eq!(
            json(response).await["error"]["field"],
            field,
            "{date} {time}"
        );
    }
    assert_eq!(appointment_count(&app).await, 0);
}

#[tokio::test]
async fn two_hundred_concurrent_bookings_of_one_slot_with_two_crews_make_exactly_two() {
    for (round, (date, time)) in [
        ("2026-12-02", "10:00"),
        ("2026-12-04", "13:00"),
        ("2026-12-05", "11:00"),
    ]
    .into_iter()
    .enumerate()
    {
        let app = booking_app(2).await;
        let body = booking(date, time);
        let requests = (0..200).map(|_| app.post_json("/api/appointments", &body));
        let statuses: Vec<u16> = join_all(requests)
            .await
            .iter()
            .map(|r| r.status().as_u16())
            .collect();
        let created = statuses.iter().filter(|s| **s == 201).count();
        let conflicts = statuses.iter().filter(|s| **s == 409).count();
        println!("round {round}: {created} × 201, {conflicts} × 409");
        assert_eq!(created, 2, "round {round}: {statuses:?}");
        assert_eq!(conflicts, 198, "round {round}");
        assert_eq!(appointment_count(&app).await, 2);
        assert_no_overlaps(&app).await;
    }
}

/// Whether the calendar refuses `body`'s slot as taken against `jobs`, with the app's
/// rules and clock.
fn is_taken_against(app: &TestApp, body: &Value, jobs: &[BusyJob]) -> bool {
    let service: ServiceCode = body["serviceType"].as_str().unwrap().parse().unwrap();
    let size = u32::try_from(body["squareFeet"].as_u64().unwrap()).unwrap();
    let duration = pricing::job_minutes(service, Some(size)).unwrap();
    let date = body["date"].as_str().unwrap().parse().unwrap();
    let time = chrono::NaiveTime::parse_from_str(body["time"].as_str().unwrap(), "%H:%M").unwrap();
    let rules = app.state.booking.rules();
    let now = app.state.clock.now();
    calendar::check_slot(rules, date, time, duration, now, jobs) == Err(SlotError::Taken)
}

#[tokio::test]
async fn concurrent_bookings_with_mixed_overlapping_durations_never_overlap() {
    const REQUESTS: usize = 200;
    let services = [
        ("standard", 900),
        ("deep", 2000),
        ("carpet", 900),
        ("windows", 3000),
        ("estimate", 500),
    ];
    let times = [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30",
    ];
    for seed in [1_u64, 7, 42, 2026] {
        let app = booking_app(2).await;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let bodies: Vec<Value> = (0..REQUESTS)
            .map(|_| {
                let (service, size) = services[rng.random_range(0..services.len())];
                let mut body = booking("2026-12-03", times[rng.random_range(0..times.len())]);
                body["serviceType"] = json!(service);
                body["squareFeet"] = json!(size);
                body
            })
            .collect();
        let responses =
            join_all(bodies.iter().map(|b| app.post_json("/api/appointments", b))).await;
        let mut booked = 0;
        let mut refused = Vec::new();
        for (body, response) in bodies.iter().zip(responses) {
            match response.status().as_u16() {
                201 => booked += 1,
                409 => {
                    assert_eq!(
                        error_code(response).await,
                        "slot_unavailable",
                        "seed {seed}"
                    );
                    refused.push(body);
                }
                other => panic!("seed {seed}: unexpected {other} for {body}"),
            }
        }
        assert!(booked >= 2, "seed {seed}: some bookings succeed");
        assert_eq!(
            appointment_count(&app).await as usize,
            booked,
            "seed {seed}"
        );
        // Jobs are only ever added, so a refusal that was right when it was made is
        // still right against the final calendar: each one must really be taken.
        let jobs = active_jobs(&app).await;
        for body in &refused {
            assert!(
                is_taken_against(&app, body, &jobs),
                "seed {seed}: refused a bookable slot {body}"
            );
        }
        let overlaps = overlapping_pairs(&app).await;
        println!(
            "seed {seed}: {REQUESTS} requests, {booked} booked, {} refused, {} overlaps",
            refused.len(),
            overlaps.len()
        );
        assert!(overlaps.is_empty(), "seed {seed}: {overlaps:?}");
    }
}

#[tokio::test]
async fn fifty_concurrent_uses_of_one_idempotency_key_make_one_booking() {
    let app = booking_app(2).await;
    let body = booking("2026-12-02", "09:00");
    let requests = (0..50).map(|_| {
        app.client
            .post(app.url("/api/appointments"))
            .header("idempotency-key", "order-7")
            .json(&body)
            .send()
    });
    let responses = join_all(requests).await;
    let mut bodies = HashSet::new();
    for response in responses {
        let response = response.unwrap();
        assert_eq!(response.status(), 201);
        bodies.insert(response.text().await.unwrap());
    }
    assert_eq!(bodies.len(), 1, "identical responses");
    assert_eq!(appointment_count(&app).await, 1);

    let mut other = body.clone();
    other["time"] = json!("13:00");
    let reused = app
        .client
        .post(app.url("/api/appointments"))
        .header("idempotency-key", "order-7")
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), 422);
    assert_eq!(json(reused).await["error"]["field"], "Idempotency-Key");
    assert_eq!(appointment_count(&app).await, 1);
}

#[tokio::test]
async fn a_key_whose_first_outcome_was_409_replays_409_after_the_slot_frees() {
    let app = booking_app(1).await;
    let taken = book(&app, "2026-12-03", "10:00").await;
    let body = booking("2026-12-03", "10:00");
    let send = |key: &'static str| {
        app.client
            .post(app.url("/api/appointments"))
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let refused = send("retry-9").await.unwrap();
    assert_eq!(refused.status(), 409);
    assert_eq!(error_code(refused).await, "slot_unavailable");
    let cancelled = app
        .post_json(
            &format!("/api/appointments/{taken}/cancel"),
            &json!({ "contact": "555-201-3344", "reason": "plans changed" }),
        )
        .await;
    assert_eq!(cancelled.status(), 200);

    let replayed = send("retry-9").await.unwrap();
    assert_eq!(
        replayed.status(),
        409,
        "the first outcome, not a new attempt"
    );
    assert_eq!(error_code(replayed).await, "slot_unavailable");
    assert_eq!(
        appointment_count(&app).await,
        1,
        "no booking made by the replay"
    );
    // The slot really is free: a new key books it.
    assert_eq!(send("retry-10").await.unwrap().status(), 201);
}

async fn book(app: &TestApp, date: &str, time: &str) -> String {
    let response = app
        .post_json("/api/appointments", &booking(date, time))
        .await;
    assert_eq!(response.status(), 201);
    json(response).await["data"]["reference"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn rescheduling_onto_a_taken_slot_is_409_and_leaves_the_booking_untouched() {
    let app = booking_app(1).await;
    book(&app, "2026-12-03", "13:00").await;
    let mine = book(&app, "2026-12-03", "09:00").await;
    let path = format!("/api/appointments/{mine}/reschedule");
    let response = app
        .post_json(
            &path,
            &json!({ "contact": "555-201-3344", "date": "2026-12-03", "time": "13:30" }),
        )
        .await;
    assert_eq!(response.status(), 409);
    assert_eq!(error_code(response).await, "slot_unavailable");
    let unchanged = json(
        app.get(&format!("/api/appointments/{mine}?contact=ana@example.com"))
            .await,
    )
    .await;
    assert_eq!(unchanged["data"]["time"], "09:00");
    assert_eq!(unchanged["data"]["date"], "2026-12-03");

    let moved = app
        .post_json(
            &path,
            &json!({ "contact": "(555) 201-3344", "date": "2026-12-04", "time": "14:00" }),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let moved = json(moved).await;
    assert_eq!(moved["data"]["date"], "2026-12-04");
    assert_eq!(moved["data"]["time"], "14:00");
    assert_no_overlaps(&app).await;
}

#[tokio::test]
async fn a_reschedule_is_validated_like_a_new_booking_and_a_wrong_contact_is_404() {
    let app = booking_app(2).await;
    let mine = book(&app, "2026-12-03", "09:00").await;
    let path = format!("/api/appointments/{mine}/reschedule");
    for (date, time, field) in [
        ("2026-12-06", "10:00", "date"), // Sunday
        ("2026-12-04", "10:15", "time"), // off grid
        ("2026-12-04", "16:00", "time"), // ends after closing
        ("2027-03-01", "10:00", "date"), // beyond 60 days
        ("04/12/2026", "10:00", "date"), // not YYYY-MM-DD
        ("2026-12-04", "10am", "time"),  // not HH:MM
    ] {
        let response = app
            .post_json(
                &path,
                &json!({ "contact": "555-201-3344", "date": date, "time": time }),
            )
            .await;
        assert_eq!(response.status(), 422, "{date} {time}");
        let body = json(response).await;
        assert_eq!(body["error"]["code"], "validation_failed", "{date} {time}");
        assert_eq!(body["error"]["field"], field, "{date} {time}");
    }
    let wrong = app
        .post_json(
            &path,
            &json!({ "contact": "555-000-0000", "date": "2026-12-04", "time": "10:00" }),
        )
        .await;
    assert_eq!(wrong.status(), 404);
    let unknown = app
        .post_json(
            "/api/appointments/CS-ZZZZZZ/reschedule",
            &json!({ "contact": "555-201-3344", "date": "2026-12-04", "time": "10:00" }),
        )
        .await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(json(wrong).await, json(unknown).await, "indistinguishable");
    let unchanged = json(
        app.get(&format!("/api/appointments/{mine}?contact=555-201-3344"))
            .await,
    )
    .await;
    assert_eq!(unchanged["data"]["date"], "2026-12-03");
    assert_eq!(unchanged["data"]["time"], "09:00");
}

#[tokio::test]
async fn a_cancel_committed_while_a_reschedule_waits_for_the_write_lock_is_seen() {
    let app = booking_app(2).await;
    let mine = book(&app, "2026-12-03", "09:00").await;
    // Hold the write lock, so the reschedule waits for it with whatever it read before.
    let mut held = app.state.db.begin_write().await.unwrap();
    let reschedule = tokio::spawn(
        app.client
            .post(app.url(&format!("/api/appointments/{mine}/reschedule")))
            .json(&json!({ "contact": "555-201-3344", "date": "2026-12-04", "time": "10:00" }))
            .send(),
    );
    // The reschedule is being served: nothing but its small JSON body stands between the
    // gauge and its wait for the write lock, which the short pause then lets it reach.
    let metrics = app.state.metrics.clone();
    crate::helpers::wait_until(
        "the reschedule is in flight",
        std::time::Duration::from_secs(10),
        || {
            let metrics = metrics.clone();
            async move { metrics.http_requests_in_flight.get() >= 1 }
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    // A cancel (by another request, say) commits first.
    sqlx::query(
        "UPDATE appointments SET status = 'cancelled', cancel_reason = 'by phone' WHERE reference = ?",
    )
    .bind(&mine)
    .execute(&mut *held)
    .await
    .unwrap();
    held.commit().await.unwrap();

    let response = reschedule.await.unwrap().unwrap();
    assert_eq!(response.status(), 409);
    assert_eq!(error_code(response).await, "invalid_transition");
    let (status, date, time): (String, String, String) = sqlx::query_as(
        "SELECT status, local_date, local_time FROM appointments WHERE reference = ?",
    )
    .bind(&mine)
    .fetch_one(app.state.db.settled_reader().await.unwrap())
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), date.as_str(), time.as_str()),
        ("cancelled", "2026-12-03", "09:00"),
        "the cancelled booking was not moved"
    );
}

#[tokio::test]
async fn the_operator_list_filters_by_service_type() {
    let app = booking_app(2).await;
    let token = app.operator_token().await;
    for (service, size, date) in [
        ("standard", 900, "2026-12-02"),
        ("deep", 2000, "2026-12-03"),
        ("standard", 900, "2026-12-04"),
    ] {
        let mut body = booking(date, "09:00");
        body["serviceType"] = json!(service);
        body["squareFeet"] = json!(size);
        let response = app.post_json("/api/appointments", &body).await;
        assert_eq!(response.status(), 201, "{service} {date}");
    }
    let list = |query: &'static str| {
        app.client
            .get(app.url(&format!("/api/appointments{query}")))
            .bearer_auth(&token)
            .send()
    };
    let deep = json(list("?serviceType=deep").await.unwrap()).await;
    assert_eq!(deep["data"]["total"], 1);
    assert_eq!(deep["data"]["items"][0]["serviceType"], "deep");
    assert_eq!(deep["data"]["items"][0]["date"], "2026-12-03");
    let standard = json(list("?serviceType=standard").await.unwrap()).await;
    assert_eq!(standard["data"]["total"], 2);
    let items = standard["data"]["items"].as_array().unwrap();
    assert!(items.iter().all(|item| item["serviceType"] == "standard"));
    let none = json(list("?serviceType=carpet").await.unwrap()).await;
    assert_eq!(none["data"]["total"], 0);
    let unknown = list("?serviceType=gardening").await.unwrap();
    assert_eq!(unknown.status(), 422);
    assert_eq!(json(unknown).await["error"]["field"], "serviceType");
}

#[tokio::test]
async fn a_customer_needs_the_matching_contact_and_a_wrong_one_reveals_nothing() {
    let app = booking_app(2).await;
    let reference = book(&app, "2026-12-03", "10:00").await;
    let ok = app
        .get(&format!(
            "/api/appointments/{reference}?contact=ANA@example.com"
        ))
        .await;
    assert_eq!(ok.status(), 200);
    let wrong = app
        .get(&format!(
            "/api/appointments/{reference}?contact=555-000-0000"
        ))
        .await;
    assert_eq!(wrong.status(), 404);
    let unknown = app
        .get("/api/appointments/CS-ZZZZZZ?contact=555-201-3344")
        .await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(json(wrong).await, json(unknown).await, "indistinguishable");
    let cancel_wrong = app
        .post_json(
            &format!("/api/appointments/{reference}/cancel"),
            &json!({ "contact": "bob@example.com" }),
        )
        .await;
    assert_eq!(cancel_wrong.status(), 404);
}

#[tokio::test]
async fn cancelling_frees_the_slot_and_a_second_cancel_is_an_invalid_transition() {
    let app = booking_app(1).await;
    let reference = book(&app, "2026-12-03", "10:00").await;
    let path = format!("/api/appointments/{reference}/cancel");
    let response = app
        .post_json(
            &path,
            &json!({ "contact": "5552013344", "reason": "moving away" }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["data"]["status"], "cancelled");
    assert_eq!(body["data"]["cancelReason"], "moving away");
    let again = app
        .post_json(&path, &json!({ "contact": "5552013344" }))
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(error_code(again).await, "invalid_transition");
    // The slot is free again.
    assert_eq!(
        app.post_json("/api/appointments", &booking("2026-12-03", "10:00"))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn operators_move_bookings_along_the_status_machine_only() {
    let app = booking_app(2).await;
    let token = app.operator_token().await;
    let reference = book(&app, "2026-12-03", "10:00").await;
    let patch = |status: &'static str, reason: Option<&'static str>| {
        app.client
            .patch(app.url(&format!("/api/appointments/{reference}")))
            .bearer_auth(&token)
            .json(&json!({ "status": status, "reason": reason }))
            .send()
    };
    let anonymous = app
        .client
        .patch(app.url(&format!("/api/appointments/{reference}")))
        .json(&json!({ "status": "confirmed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        patch("completed", None).await.unwrap().status(),
        409,
        "scheduled cannot complete"
    );
    assert_eq!(patch("confirmed", None).await.unwrap().status(), 200);
    assert_eq!(
        patch("cancelled", None).await.unwrap().status(),
        422,
        "a cancellation needs a reason"
    );
    assert_eq!(patch("completed", None).await.unwrap().status(), 200);
    assert_eq!(
        patch("cancelled", Some("oops")).await.unwrap().status(),
        409,
        "completed is final"
    );
    assert_eq!(patch("archived", None).await.unwrap().status(), 422);
    let full = app
        .client
        .get(app.url(&format!("/api/appointments/{reference}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(json(full).await["data"]["status"], "completed");
}

#[tokio::test]
async fn the_operator_list_filters_and_pages_with_a_real_total() {
    let app = booking_app(2).await;
    let token = app.operator_token().await;
    for (date, time) in [
        ("2026-12-02", "09:00"),
        ("2026-12-02", "12:00"),
        ("2026-12-03", "09:00"),
        ("2026-12-03", "12:00"),
        ("2026-12-04", "09:00"),
    ] {
        book(&app, date, time).await;
    }
    let list = |query: &'static str| {
        app.client
            .get(app.url(&format!("/api/appointments{query}")))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(app.get("/api/appointments").await.status(), 401);
    let page = json(list("?pageSize=2&page=2").await.unwrap()).await;
    assert_eq!(page["data"]["total"], 5);
    assert_eq!(page["data"]["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["data"]["items"][0]["date"], "2026-12-03");
    let ranged = json(list("?from=2026-12-03&to=2026-12-03").await.unwrap()).await;
    assert_eq!(ranged["data"]["total"], 2);
    let none = json(list("?status=cancelled").await.unwrap()).await;
    assert_eq!(none["data"]["total"], 0);
    assert_eq!(list("?status=bogus").await.unwrap().status(), 422);
}

#[tokio::test]
async fn inquiries_are_validated_stored_and_listed_for_operators() {
    let app = booking_app(2).await;
    let missing_contact = app
        .post_json(
            "/api/inquiries",
            &json!({ "name": "Bo Li", "message": "Hi" }),
        )
        .await;
    assert_eq!(missing_contact.status(), 422);
    let created = app
        .post_json(
            "/api/inquiries",
            &json!({ "name": "Bo Li", "email": "bo@example.com", "message": "Do you clean boats?" }),
        )
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(app.get("/api/inquiries").await.status(), 401);
    let token = app.operator_token().await;
    let list = app
        .client
        .get(app.url("/api/inquiries"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let body = json(list).await;
    assert_eq!(body["data"]["total"], 1);
    assert_eq!(body["data"]["items"][0]["message"], "Do you clean boats?");
}

#[tokio::test]
async fn the_database_itself_refuses_an_overlapping_job_for_one_crew() {
    let app = booking_app(2).await;
    let reference = book(&app, "2026-12-03", "10:00").await;
    // Bypass the service: copy the 10:00–12:00 booking to 12:15 on the same crew, inside
    // the 30-minute travel buffer.
    let result = sqlx::query(
        "INSERT INTO appointments (reference, customer_name, phone, address, service_code, frequency,
            local_date, local_time, start_at, end_at, duration_minutes, crew, price_cents, status,
            created_at, updated_at)
         SELECT 'CS-TEST22', customer_name, phone, address, service_code, frequency, local_date, '12:15',
            '2026-12-03T17:15:00Z', '2026-12-03T19:15:00Z', 120, crew, price_cents, 'scheduled',
            created_at, updated_at
         FROM appointments WHERE reference = ?",
    )
    .bind(&reference)
    .execute(&app.state.db.writer)
    .await;
    let error = result.expect_err("overlap trigger fires");
    assert!(error.to_string().contains("slot_unavailable"), "{error}");
}

#[tokio::test]
async fn a_crew_can_start_exactly_when_its_travel_buffer_ends() {
    let app = booking_app(1).await;
    book(&app, "2026-12-03", "09:00").await; // 09:00–11:00
    let inside = app
        .post_json("/api/appointments", &booking("2026-12-03", "11:00"))
        .await;
    assert_eq!(inside.status(), 409, "11:00 is inside the 30-minute buffer");
    book(&app, "2026-12-03", "11:30").await; // exactly at the buffer's end
    assert_no_overlaps(&app).await;
}

#[tokio::test]
async fn a_start_inside_one_crews_buffer_goes_to_the_other_crew() {
    // The booking reads only the jobs near its own slot; reading too few would hand 11:00
    // to crew 1 and the overlap trigger would then refuse it (a 409 with crew 2 free).
    let app = booking_app(2).await;
    book(&app, "2026-12-03", "09:00").await; // 09:00–11:00 on crew 1
    let near = book(&app, "2026-12-03", "11:00").await;
    let crews: Vec<(String, i64)> =
        sqlx::query_as("SELECT reference, crew FROM appointments ORDER BY start_at")
            .fetch_all(&app.state.db.reader)
            .await
            .unwrap();
    assert_eq!(crews[1], (near, 2), "{crews:?}");
    let refused = app
        .post_json("/api/appointments", &booking("2026-12-03", "10:00"))
        .await;
    assert_eq!(
        refused.status(),
        409,
        "both crews are within their buffers at 10:00"
    );
    assert_no_overlaps(&app).await;
}
