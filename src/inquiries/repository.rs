//! SQL for inquiries.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::FromRow;

use super::NewInquiry;
use crate::booking::repository::db_time;
use crate::storage::Database;

/// A stored inquiry.
#[derive(Debug, Clone, Serialize, FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Inquiry {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub message: String,
    pub status: String,
    pub created_at: String,
}

/// Stores a new inquiry and returns its id.
pub async fn insert(
    db: &Database,
    inquiry: &NewInquiry,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let result = sqlx::query(
        "INSERT INTO inquiries (name, phone, email, message, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(inquiry.name.as_str())
    .bind(inquiry.phone.as_ref().map(|p| p.as_e164()))
    .bind(inquiry.email.as_ref().map(|e| e.as_str()))
    .bind(&inquiry.message)
    .bind(db_time(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(result.last_insert_rowid())
}

/// Newest first, with the total.
pub async fn list(
    db: &Database,
    limit: u32,
    offset: u32,
) -> Result<(Vec<Inquiry>, i64), sqlx::Error> {
    let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM inquiries")
        .fetch_one(&db.reader)
        .await?;
    let items = sqlx::query_as(
        "SELECT id, name, phone, email, message, status, created_at FROM inquiries
         ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.reader)
    .await?;
    Ok((items, total))
}
