//! SQL aggregates behind the dashboard. Times are compared as stored RFC 3339 text.

use sqlx::SqlitePool;

/// Booking and conversation counts.
#[derive(Debug, Clone, Default)]
pub struct BookingFigures {
    pub today: i64,
    pub last_24h: i64,
    pub conversations_24h: i64,
    pub chat_bookings_24h: i64,
}

/// Counts of bookings and conversations since the given instants.
pub async fn booking_figures(
    db: &SqlitePool,
    today_start: &str,
    since_24h: &str,
) -> Result<BookingFigures, sqlx::Error> {
    let (today, last_24h): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(created_at >= ?1), 0), COALESCE(SUM(created_at >= ?2), 0)
         FROM appointments WHERE created_at >= MIN(?1, ?2)",
    )
    .bind(today_start)
    .bind(since_24h)
    .fetch_one(db)
    .await?;
    let (conversations_24h, chat_bookings_24h): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(outcome = 'booked'), 0) FROM conversations WHERE started_at >= ?",
    )
    .bind(since_24h)
    .fetch_one(db)
    .await?;
    Ok(BookingFigures {
        today,
        last_24h,
        conversations_24h,
        chat_bookings_24h,
    })
}

/// Model spend and turn mix.
#[derive(Debug, Clone, Default)]
pub struct TurnFigures {
    pub cost_today_micros: i64,
    pub cost_month_micros: i64,
    pub cost_24h_micros: i64,
    pub tier_mix: Vec<(String, i64)>,
    pub turns_last_hour: i64,
    pub fallbacks_last_hour: i64,
}

/// Spend and tiers from assistant messages.
pub async fn turn_figures(
    db: &SqlitePool,
    today_start: &str,
    month_start: &str,
    since_24h: &str,
    since_1h: &str,
) -> Result<TurnFigures, sqlx::Error> {
    let (
        cost_today_micros,
        cost_month_micros,
        cost_24h_micros,
        turns_last_hour,
        fallbacks_last_hour,
    ): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN created_at >= ?1 THEN cost_micros END), 0),
                    COALESCE(SUM(cost_micros), 0),
                    COALESCE(SUM(CASE WHEN created_at >= ?3 THEN cost_micros END), 0),
                    COALESCE(SUM(created_at >= ?4), 0),
                    COALESCE(SUM(created_at >= ?4 AND (action = 'fallback' OR fallback_reason IS NOT NULL)), 0)
             FROM messages WHERE role = 'assistant' AND created_at >= MIN(?2, ?3)",
    )
    .bind(today_start)
    .bind(month_start)
    .bind(since_24h)
    .bind(since_1h)
    .fetch_one(db)
    .await?;
    let tier_mix = sqlx::query_as(
        "SELECT COALESCE(tier, 'local'), COUNT(*) FROM messages
         WHERE role = 'assistant' AND created_at >= ? GROUP BY 1 ORDER BY 1",
    )
    .bind(since_24h)
    .fetch_all(db)
    .await?;
    Ok(TurnFigures {
        cost_today_micros,
        cost_month_micros,
        cost_24h_micros,
        tier_mix,
        turns_last_hour,
        fallbacks_last_hour,
    })
}

/// Per-minute counts since `since` for the charts: (minute "YYYY-MM-DDTHH:MM", value).
#[derive(Debug, Clone, Default)]
pub struct MinuteSeries {
    pub bookings: Vec<(String, i64)>,
    pub cost_micros: Vec<(String, i64)>,
    pub blocks: Vec<(String, i64)>,
    pub fallbacks: Vec<(String, i64)>,
}

/// The per-minute series of the last hour.
pub async fn minute_series(db: &SqlitePool, since: &str) -> Result<MinuteSeries, sqlx::Error> {
    let bookings = sqlx::query_as(
        "SELECT substr(created_at, 1, 16), COUNT(*) FROM appointments WHERE created_at >= ? GROUP BY 1",
    )
    .bind(since)
    .fetch_all(db)
    .await?;
    let cost_micros = sqlx::query_as(
        "SELECT substr(created_at, 1, 16), SUM(cost_micros) FROM messages
         WHERE role = 'assistant' AND created_at >= ? GROUP BY 1",
    )
    .bind(since)
    .fetch_all(db)
    .await?;
    let blocks = sqlx::query_as(
        "SELECT substr(created_at, 1, 16), COUNT(*) FROM messages
         WHERE role = 'user' AND safety_action = 'block' AND created_at >= ? GROUP BY 1",
    )
    .bind(since)
    .fetch_all(db)
    .await?;
    let fallbacks = sqlx::query_as(
        "SELECT substr(created_at, 1, 16), COUNT(*) FROM messages
         WHERE role = 'assistant' AND (action = 'fallback' OR fallback_reason IS NOT NULL) AND created_at >= ?
         GROUP BY 1",
    )
    .bind(since)
    .fetch_all(db)
    .await?;
    Ok(MinuteSeries {
        bookings,
        cost_micros,
        blocks,
        fallbacks,
    })
}
