//! After-the-fact checks on the database file: no crew ever holds two active jobs closer
//! than the 30-minute buffer. Read-only; it trusts nothing the server reported.

use std::path::Path;
use std::str::FromStr;

use anyhow::{bail, Result};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

/// What the appointments table holds.
#[derive(Debug, Clone, Copy)]
pub struct BookingCheck {
    /// Appointments that are scheduled or confirmed.
    pub active: i64,
    /// Pairs of active appointments of one crew within 30 minutes of each other.
    pub double_bookings: i64,
}

/// Counts active appointments and overlapping pairs, buffer included, in whole seconds.
pub async fn check_bookings(db_path: &Path) -> Result<BookingCheck> {
    let options =
        SqliteConnectOptions::from_str(&format!("sqlite://{}", db_path.display()))?.read_only(true);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let unparsable: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments
         WHERE strftime('%s', start_at) IS NULL OR strftime('%s', end_at) IS NULL",
    )
    .fetch_one(&mut conn)
    .await?;
    if unparsable > 0 {
        bail!("{unparsable} appointments have start_at/end_at SQLite cannot read; the overlap check would be blind");
    }
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments WHERE status IN ('scheduled', 'confirmed')",
    )
    .fetch_one(&mut conn)
    .await?;
    let double_bookings: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments a JOIN appointments b
           ON a.crew = b.crew AND a.id < b.id
         WHERE a.status IN ('scheduled', 'confirmed') AND b.status IN ('scheduled', 'confirmed')
           AND CAST(strftime('%s', a.start_at) AS INTEGER) < CAST(strftime('%s', b.end_at) AS INTEGER) + 1800
           AND CAST(strftime('%s', b.start_at) AS INTEGER) < CAST(strftime('%s', a.end_at) AS INTEGER) + 1800",
    )
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    Ok(BookingCheck {
        active,
        double_bookings,
    })
}
