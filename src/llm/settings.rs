//! Operator settings changed at run time (budget limits, routing strategy), persisted
//! in the `settings` table so a restart keeps them.

use chrono::Utc;

use crate::storage::{db_time, Database};

/// Reads one setting.
pub async fn get(db: &Database, key: &str) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = ?")
        .bind(key)
        .fetch_optional(&db.reader)
        .await?;
    Ok(row.map(|(value,)| value))
}

/// Writes one setting.
pub async fn put(db: &Database, key: &str, value: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = ?2, updated_at = ?3",
    )
    .bind(key)
    .bind(value)
    .bind(db_time(Utc::now()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
