//! SQL for the catalog, appointments and idempotency keys. It writes what it is given;
//! the rules live in `service`.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use super::appointment::Appointment;
use super::calendar::BusyJob;
use super::pricing::{AddOn, Money, ServiceCode};
use super::status::AppointmentStatus;

pub use crate::storage::db_time;

fn parse_time(text: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn decode<T, E: std::error::Error + Send + Sync + 'static>(
    r: Result<T, E>,
) -> Result<T, sqlx::Error> {
    r.map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A catalog entry as stored.
#[derive(Debug, Clone, FromRow)]
pub struct ServiceRow {
    pub code: String,
    pub name: String,
    pub description: String,
    pub hourly_rate_cents: i64,
    pub duration_rule: String,
    pub active: bool,
    pub updated_at: String,
}

/// The whole catalog, in display order.
pub async fn list_services(db: impl SqliteExecutor<'_>) -> Result<Vec<ServiceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT code, name, description, hourly_rate_cents, duration_rule, active, updated_at
         FROM services ORDER BY sort_order",
    )
    .fetch_all(db)
    .await
}

/// One catalog entry.
pub async fn find_service(
    db: impl SqliteExecutor<'_>,
    code: ServiceCode,
) -> Result<Option<ServiceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT code, name, description, hourly_rate_cents, duration_rule, active, updated_at
         FROM services WHERE code = ?",
    )
    .bind(code.as_str())
    .fetch_optional(db)
    .await
}

/// Changes an entry; `None` keeps the current value.
pub async fn update_service(
    db: impl SqliteExecutor<'_>,
    code: ServiceCode,
    name: Option<&str>,
    description: Option<&str>,
    hourly_rate_cents: Option<i64>,
    active: Option<bool>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE services SET
            name = COALESCE(?, name),
            description = COALESCE(?, description),
            hourly_rate_cents = COALESCE(?, hourly_rate_cents),
            active = COALESCE(?, active),
            updated_at = ?
         WHERE code = ?",
    )
    .bind(name)
    .bind(description)
    .bind(hourly_rate_cents)
    .bind(active)
    .bind(db_time(now))
    .bind(code.as_str())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Longest a job can run (enforced by the overlap triggers of migration 0010): a job
/// ending after `from` starts after `from - MAX_JOB`, which bounds the index range.
const MAX_JOB: chrono::Duration = chrono::Duration::days(1);

/// Active jobs starting in a window (`start_at < ? AND start_at > ?`) and ending after a
/// time. The index is named: without statistics the planner prefers the status index,
/// which reads every active job instead of the window's.
const BUSY_JOBS: &str =
    "SELECT crew, start_at, end_at FROM appointments INDEXED BY appointments_active_start
    WHERE status IN ('scheduled', 'confirmed') AND start_at < ? AND start_at > ? AND end_at > ?
      AND reference <> COALESCE(?, '')";

/// The calendar's version over `[from, to]`: the sum of the per-UTC-date counters that
/// triggers move on every change to a job touching that date (migration 0016). It only
/// grows, and it moves whenever a job overlapping the window is added, changed or removed.
pub async fn calendar_version(
    db: impl SqliteExecutor<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(version), 0) FROM calendar_day_versions WHERE day BETWEEN ? AND ?",
    )
    .bind(from.format("%Y-%m-%d").to_string())
    .bind(to.format("%Y-%m-%d").to_string())
    .fetch_one(db)
    .await
}

/// Active jobs overlapping `[from, to)` (callers widen the window by the buffer).
pub async fn busy_jobs(
    db: impl SqliteExecutor<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    excluding_reference: Option<&str>,
) -> Result<Vec<BusyJob>, sqlx::Error> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(BUSY_JOBS)
        .bind(db_time(to))
        .bind(db_time(from - MAX_JOB))
        .bind(db_time(from))
        .bind(excluding_reference)
        .fetch_all(db)
        .await?;
    rows.into_iter()
        .map(|(crew, start, end)| {
            Ok(BusyJob {
                crew: decode(u32::try_from(crew))?,
                start: parse_time(&start)?,
                end: parse_time(&end)?,
            })
        })
        .collect()
}

#[derive(FromRow)]
struct AppointmentRow {
    id: i64,
    reference: String,
    customer_name: String,
    phone: String,
    email: Option<String>,
    address: String,
    service_code: String,
    square_feet: Option<i64>,
    frequency: String,
    add_ons: String,
    local_date: String,
    local_time: String,
    start_at: String,
    end_at: String,
    duration_minutes: i64,
    crew: i64,
    price_cents: i64,
    status: String,
    cancel_reason: Option<String>,
    notes: Option<String>,
    source: String,
    created_at: String,
    updated_at: String,
}

const APPOINTMENT_COLUMNS: &str = "id, reference, customer_name, phone, email, address, service_code, \
    square_feet, frequency, add_ons, local_date, local_time, start_at, end_at, duration_minutes, crew, \
    price_cents, status, cancel_reason, notes, source, created_at, updated_at";

impl AppointmentRow {
    fn into_appointment(self, timezone: &str) -> Result<Appointment, sqlx::Error> {
        let service: ServiceCode = decode(self.service_code.parse())?;
        let add_on_codes: Vec<String> = decode(serde_json::from_str(&self.add_ons))?;
        let add_ons = add_on_codes
            .iter()
            .map(|code| decode(code.parse::<AddOn>()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Appointment {
            id: self.id,
            reference: self.reference,
            status: decode(
                self.status
                    .parse::<AppointmentStatus>()
                    .map_err(std::io::Error::other),
            )?,
            service_type: service,
            service_name: service.display_name(),
            square_feet: self.square_feet.and_then(|v| u32::try_from(v).ok()),
            frequency: decode(self.frequency.parse())?,
            add_ons,
            date: decode(NaiveDate::parse_from_str(&self.local_date, "%Y-%m-%d"))?,
            time: decode(NaiveTime::parse_from_str(&self.local_time, "%H:%M"))?,
            timezone: timezone.to_owned(),
            start_at: parse_time(&self.start_at)?,
            end_at: parse_time(&self.end_at)?,
            duration_minutes: decode(u32::try_from(self.duration_minutes))?,
            crew: decode(u32::try_from(self.crew))?,
            price: Money(self.price_cents),
            name: self.customer_name,
            phone: self.phone,
            email: self.email,
            address: self.address,
            notes: self.notes,
            cancel_reason: self.cancel_reason,
            source: self.source,
            created_at: parse_time(&self.created_at)?,
            updated_at: parse_time(&self.updated_at)?,
        })
    }
}

/// Everything needed to insert a booking.
#[derive(Debug, Clone)]
pub struct NewAppointment<'a> {
    pub reference: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub email: Option<&'a str>,
    pub address: &'a str,
    pub service: ServiceCode,
    pub square_feet: Option<u32>,
    pub frequency: &'a str,
    pub add_ons: &'a [AddOn],
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub duration_minutes: u32,
    pub crew: u32,
    pub price_cents: i64,
    pub notes: Option<&'a str>,
    pub source: &'a str,
    pub now: DateTime<Utc>,
}

/// Inserts a booking with status `scheduled` and returns it as stored.
pub async fn insert_appointment(
    conn: &mut SqliteConnection,
    new: &NewAppointment<'_>,
    timezone: &str,
) -> Result<Appointment, sqlx::Error> {
    let add_ons: Vec<&str> = new.add_ons.iter().map(|a| a.as_str()).collect();
    let add_ons = decode(serde_json::to_string(&add_ons))?;
    let row: AppointmentRow = sqlx::query_as(&format!(
        "INSERT INTO appointments (reference, customer_name, phone, email, address, service_code,
            square_feet, frequency, add_ons, local_date, local_time, start_at, end_at,
            duration_minutes, crew, price_cents, status, notes, source, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?)
         RETURNING {APPOINTMENT_COLUMNS}"
    ))
    .bind(new.reference)
    .bind(new.name)
    .bind(new.phone)
    .bind(new.email)
    .bind(new.address)
    .bind(new.service.as_str())
    .bind(new.square_feet)
    .bind(new.frequency)
    .bind(add_ons)
    .bind(new.date.format("%Y-%m-%d").to_string())
    .bind(new.time.format("%H:%M").to_string())
    .bind(db_time(new.start))
    .bind(db_time(new.end))
    .bind(new.duration_minutes)
    .bind(new.crew)
    .bind(new.price_cents)
    .bind(new.notes)
    .bind(new.source)
    .bind(db_time(new.now))
    .bind(db_time(new.now))
    .fetch_one(&mut *conn)
    .await?;
    row.into_appointment(timezone)
}

/// One booking by reference.
pub async fn find_appointment(
    db: impl SqliteExecutor<'_>,
    reference: &str,
    timezone: &str,
) -> Result<Option<Appointment>, sqlx::Error> {
    let row: Option<AppointmentRow> = sqlx::query_as(&format!(
        "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE reference = ?"
    ))
    .bind(reference)
    .fetch_optional(db)
    .await?;
    row.map(|r| r.into_appointment(timezone)).transpose()
}

/// Moves a booking to a new slot, with a new price.
#[expect(clippy::too_many_arguments, reason = "one column each, all required")]
pub async fn update_schedule(
    conn: &mut SqliteConnection,
    reference: &str,
    date: NaiveDate,
    time: NaiveTime,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    crew: u32,
    price_cents: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE appointments SET local_date = ?, local_time = ?, start_at = ?, end_at = ?, crew = ?,
            price_cents = ?, updated_at = ? WHERE reference = ?",
    )
    .bind(date.format("%Y-%m-%d").to_string())
    .bind(time.format("%H:%M").to_string())
    .bind(db_time(start))
    .bind(db_time(end))
    .bind(crew)
    .bind(price_cents)
    .bind(db_time(now))
    .bind(reference)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets the status (and the cancellation reason when given).
pub async fn update_status(
    conn: &mut SqliteConnection,
    reference: &str,
    status: AppointmentStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE appointments SET status = ?, cancel_reason = COALESCE(?, cancel_reason), updated_at = ?
         WHERE reference = ?",
    )
    .bind(status.as_str())
    .bind(reason)
    .bind(db_time(now))
    .bind(reference)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Operator list filters; every field optional.
#[derive(Debug, Clone, Default)]
pub struct AppointmentFilter {
    pub status: Option<AppointmentStatus>,
    pub service: Option<ServiceCode>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Matches the reference or the customer's name.
    pub search: Option<String>,
}

/// A page of appointments and the total matching the filter.
pub async fn list_appointments(
    db: &sqlx::SqlitePool,
    filter: &AppointmentFilter,
    limit: u32,
    offset: u32,
    timezone: &str,
) -> Result<(Vec<Appointment>, i64), sqlx::Error> {
    const WHERE: &str = "WHERE (?1 IS NULL OR status = ?1)
          AND (?2 IS NULL OR service_code = ?2)
          AND (?3 IS NULL OR local_date >= ?3)
          AND (?4 IS NULL OR local_date <= ?4)
          AND (?5 IS NULL OR reference LIKE ?5 OR customer_name LIKE ?5)";
    let search = filter.search.as_ref().map(|s| {
        let escaped = s.replace(['%', '_'], "");
        format!("%{escaped}%")
    });
    let status = filter.status.map(|s| s.as_str());
    let service = filter.service.map(|s| s.as_str());
    let from = filter.from.map(|d| d.format("%Y-%m-%d").to_string());
    let to = filter.to.map(|d| d.format("%Y-%m-%d").to_string());
    let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM appointments {WHERE}"))
        .bind(status)
        .bind(service)
        .bind(&from)
        .bind(&to)
        .bind(&search)
        .fetch_one(db)
        .await?;
    let rows: Vec<AppointmentRow> = sqlx::query_as(&format!(
        "SELECT {APPOINTMENT_COLUMNS} FROM appointments {WHERE}
         ORDER BY local_date, local_time, id LIMIT ?6 OFFSET ?7"
    ))
    .bind(status)
    .bind(service)
    .bind(&from)
    .bind(&to)
    .bind(&search)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    let items = rows
        .into_iter()
        .map(|r| r.into_appointment(timezone))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((items, total))
}

/// The stored outcome of the first request made with an idempotency key.
#[derive(Debug, Clone, FromRow)]
pub struct StoredOutcome {
    pub request_hash: String,
    pub status_code: i64,
    pub reference: Option<String>,
}

/// The outcome first given for `key`, if any.
pub async fn find_idempotent_outcome(
    conn: &mut SqliteConnection,
    key: &str,
) -> Result<Option<StoredOutcome>, sqlx::Error> {
    sqlx::query_as(
        "SELECT request_hash, status_code, reference FROM idempotency_keys WHERE key = ?",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await
}

/// Remembers the outcome given for `key`.
pub async fn store_idempotent_outcome(
    conn: &mut SqliteConnection,
    key: &str,
    request_hash: &str,
    status_code: u16,
    reference: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO idempotency_keys (key, request_hash, status_code, reference, created_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(key)
    .bind(request_hash)
    .bind(status_code)
    .bind(reference)
    .bind(db_time(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// True when a database error is the overlap trigger or a uniqueness violation on the
/// reference, i.e. a conflict rather than a failure.
pub fn is_slot_conflict(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.message().contains("slot_unavailable"))
}

/// True when a database error is a duplicate reference.
pub fn is_duplicate_reference(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db)
        if db.is_unique_violation() && db.message().contains("reference"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::storage::Database;

    async fn database() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("b.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        db.migrate().await.unwrap();
        (dir, db)
    }

    fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, minute, 0)
            .unwrap()
    }

    async fn insert(
        db: &Database,
        reference: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Appointment, sqlx::Error> {
        let new = NewAppointment {
            reference,
            name: "Test Customer",
            phone: "+15555550100",
            email: None,
            address: "1 Main St",
            service: ServiceCode::Standard,
            square_feet: Some(900),
            frequency: "one_time",
            add_ons: &[],
            date: start.date_naive(),
            time: start.time(),
            start,
            end,
            duration_minutes: 120,
            crew: 1,
            price_cents: 10_000,
            notes: None,
            source: "api",
            now: at(1, 0, 0),
        };
        let mut conn = db.writer.acquire().await.unwrap();
        insert_appointment(&mut conn, &new, "UTC").await
    }

    #[tokio::test]
    async fn the_overlap_trigger_holds_at_the_buffer_edges_and_across_midnight() {
        let (_dir, db) = database().await;
        // A late job crossing midnight, as a far-east zone's morning job would in UTC.
        insert(&db, "CS-A", at(3, 22, 0), at(4, 2, 0))
            .await
            .unwrap();
        // Ends 29 minutes before it starts: inside the 30-minute buffer.
        let before = insert(&db, "CS-B", at(3, 19, 0), at(3, 21, 31)).await;
        assert!(before.is_err_and(|e| is_slot_conflict(&e)));
        // Starts 29 minutes after it ends, on the next day.
        let after = insert(&db, "CS-C", at(4, 2, 29), at(4, 4, 0)).await;
        assert!(after.is_err_and(|e| is_slot_conflict(&e)));
        // Exactly at the buffer's end on either side: allowed.
        insert(&db, "CS-D", at(4, 2, 30), at(4, 4, 0))
            .await
            .unwrap();
        insert(&db, "CS-E", at(3, 19, 0), at(3, 21, 30))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_day_long_job_still_blocks_the_next_start_within_its_buffer() {
        let (_dir, db) = database().await;
        // The longest job allowed: the overlap check's index range must reach back to it.
        insert(&db, "CS-A", at(3, 8, 0), at(4, 8, 0)).await.unwrap();
        let next = insert(&db, "CS-B", at(4, 8, 29), at(4, 10, 0)).await;
        assert!(next.is_err_and(|e| is_slot_conflict(&e)));
        let (from, to) = (at(4, 7, 59), at(4, 12, 0));
        let busy = busy_jobs(&db.reader, from, to, None).await.unwrap();
        assert_eq!(
            busy.len(),
            1,
            "the calendar read reaches back a whole day too"
        );
    }

    #[tokio::test]
    async fn a_windows_version_moves_with_the_jobs_touching_it_and_only_with_them() {
        let (_dir, db) = database().await;
        let version = |from, to| {
            let reader = db.reader.clone();
            async move { calendar_version(&reader, from, to).await.unwrap() }
        };
        let (from, to) = (at(9, 4, 30), at(10, 5, 30));
        assert_eq!(version(from, to).await, 0);
        // A job two days away leaves the window's version alone.
        insert(&db, "CS-A", at(12, 14, 0), at(12, 16, 0))
            .await
            .unwrap();
        assert_eq!(version(from, to).await, 0);
        // A job crossing into the window from the day before moves it.
        insert(&db, "CS-B", at(8, 22, 0), at(9, 1, 0))
            .await
            .unwrap();
        let with_b = version(from, to).await;
        assert!(with_b > 0);
        // So does cancelling it, and deleting it.
        sqlx::query("UPDATE appointments SET status = 'cancelled' WHERE reference = 'CS-B'")
            .execute(&db.writer)
            .await
            .unwrap();
        let cancelled = version(from, to).await;
        assert!(cancelled > with_b);
        sqlx::query("DELETE FROM appointments WHERE reference = 'CS-B'")
            .execute(&db.writer)
            .await
            .unwrap();
        assert!(version(from, to).await > cancelled);
        // And the far job's day has its own count.
        assert!(version(at(12, 0, 0), at(12, 23, 0)).await > 0);
    }

    #[tokio::test]
    async fn migration_0010_refuses_a_database_holding_a_job_longer_than_a_day() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("m.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        for migration in crate::storage::MIGRATOR.iter().filter(|m| m.version < 10) {
            sqlx::raw_sql(&migration.sql)
                .execute(&db.writer)
                .await
                .unwrap();
        }
        sqlx::raw_sql(
            "INSERT INTO appointments (reference, customer_name, phone, address, service_code, frequency,
                local_date, local_time, start_at, end_at, duration_minutes, crew, price_cents, status,
                created_at, updated_at)
             VALUES ('CS-X', 'n', '+15555550100', 'a', 'standard', 'one_time', '2026-12-03', '08:00',
                '2026-12-03T08:00:00Z', '2026-12-04T09:00:00Z', 1500, 1, 0, 'scheduled', 'x', 'x')",
        )
        .execute(&db.writer)
        .await
        .unwrap();
        let migration = crate::storage::MIGRATOR
            .iter()
            .find(|m| m.version == 10)
            .unwrap();
        let error = sqlx::raw_sql(&migration.sql)
            .execute(&db.writer)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("active_jobs_longer_than_a_day"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_job_longer_than_a_day_is_refused_so_the_index_range_stays_exact() {
        let (_dir, db) = database().await;
        let error = insert(&db, "CS-L", at(3, 8, 0), at(4, 8, 1))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("job_too_long"), "{error}");
    }

    #[tokio::test]
    async fn the_calendar_read_and_the_overlap_check_use_range_scans_on_their_indexes() {
        let (_dir, db) = database().await;
        insert(&db, "CS-A", at(3, 14, 0), at(3, 16, 0))
            .await
            .unwrap();
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {BUSY_JOBS}"))
                .bind("2026-12-05T00:00:00Z")
                .bind("2026-12-01T00:00:00Z")
                .bind("2026-12-02T00:00:00Z")
                .bind(None::<String>)
                .fetch_all(&db.reader)
                .await
                .unwrap();
        let detail: Vec<_> = plan.into_iter().map(|row| row.3).collect();
        assert!(
            detail
                .iter()
                .any(|d| d.contains("appointments_active_start (start_at>? AND start_at<?)")),
            "{detail:?}"
        );
        let trigger: String = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE name = 'appointments_no_overlap_insert'",
        )
        .fetch_one(&db.reader)
        .await
        .unwrap();
        let subquery = trigger
            .split("WHERE EXISTS (")
            .nth(1)
            .and_then(|rest| rest.rsplit_once(')'))
            .map(|(inner, _)| {
                inner
                    .replace("NEW.crew", "1")
                    .replace("NEW.start_at", "'2026-12-03T18:00:00Z'")
                    .replace("NEW.end_at", "'2026-12-03T20:00:00Z'")
            })
            .unwrap();
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {subquery}"))
                .fetch_all(&db.reader)
                .await
                .unwrap();
        assert!(
            plan.iter().any(|row| row
                .3
                .contains("appointments_active_crew_start (crew=? AND start_at>? AND start_at<?)")),
            "{plan:?}"
        );
    }
}
