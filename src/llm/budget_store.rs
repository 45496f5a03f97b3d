//! The budget in service: the pure `BudgetLedger` behind a lock, seeded from and
//! settled into SQLite, so concurrent calls cannot overspend and a restart resets
//! nothing. Days and months are the business time zone's.

use std::sync::Mutex;

use chrono_tz::Tz;
use serde::Serialize;
use sqlx::SqliteConnection;

use super::budget::{micros_to_usd, BudgetLedger, BudgetLimits, BudgetRefusal, ReservationId};
use crate::clock::Clock;
use crate::storage::batch::{BatchWrite, WriteFuture};
use crate::storage::Database;

/// The budget with its persistence.
pub struct BudgetService {
    db: Database,
    clock: Clock,
    tz: Tz,
    state: Mutex<(BudgetLedger, BudgetLimits)>,
}

/// A settled cost added to its day and month: one write, through the group commit queue.
struct Spend {
    day: String,
    month: String,
    micros: i64,
}

impl BatchWrite for Spend {
    fn write<'c>(&'c self, conn: &'c mut SqliteConnection) -> WriteFuture<'c> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO llm_spend (period, spent_micros) VALUES (?, ?), (?, ?)
                 ON CONFLICT (period) DO UPDATE SET spent_micros = spent_micros + excluded.spent_micros",
            )
            .bind(&self.day)
            .bind(self.micros)
            .bind(&self.month)
            .bind(self.micros)
            .execute(conn)
            .await?;
            Ok(())
        })
    }
}

/// Spend and limits as operators see them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetView {
    pub daily_limit_usd: f64,
    pub monthly_limit_usd: f64,
    pub per_request_limit_usd: f64,
    pub daily_spent_usd: f64,
    pub monthly_spent_usd: f64,
    pub reserved_usd: f64,
    pub daily_fraction: f64,
    pub monthly_fraction: f64,
    pub day: String,
    pub month: String,
    pub alerts: Vec<&'static str>,
}

impl BudgetService {
    /// Loads today's and this month's spend.
    pub async fn load(
        db: Database,
        clock: Clock,
        tz: Tz,
        limits: BudgetLimits,
    ) -> Result<Self, sqlx::Error> {
        let (day, month) = periods(&clock, tz);
        let spent = |period: String| {
            let db = db.clone();
            async move {
                let row: Option<(i64,)> =
                    sqlx::query_as("SELECT spent_micros FROM llm_spend WHERE period = ?")
                        .bind(period)
                        .fetch_optional(&db.reader)
                        .await?;
                Ok::<u64, sqlx::Error>(row.map_or(0, |(n,)| u64::try_from(n).unwrap_or_default()))
            }
        };
        let day_spent = spent(format!("day:{day}")).await?;
        let month_spent = spent(format!("month:{month}")).await?;
        Ok(Self {
            db,
            clock,
            tz,
            state: Mutex::new((
                BudgetLedger::new(day, month, day_spent, month_spent),
                limits,
            )),
        })
    }

    /// Reserves an estimate before a call; refused when a limit would be crossed.
    pub fn reserve(&self, estimate_micros: u64) -> Result<ReservationId, BudgetRefusal> {
        let (day, month) = periods(&self.clock, self.tz);
        let Ok(mut guard) = self.state.lock() else {
            return Err(BudgetRefusal::PerRequest {
                estimate_micros,
                limit_micros: 0,
            });
        };
        let (ledger, limits) = &mut *guard;
        ledger.roll(&day, &month);
        ledger.reserve(estimate_micros, limits)
    }

    /// Releases a reservation whose call failed.
    pub fn release(&self, id: ReservationId) {
        if let Ok(mut guard) = self.state.lock() {
            guard.0.release(id);
        }
    }

    /// Settles a reservation with the real cost and persists the spend.
    pub async fn settle(&self, id: ReservationId, actual_micros: u64) {
        let (day, month) = match self.state.lock() {
            Ok(mut guard) => {
                guard.0.settle(id, actual_micros);
                (guard.0.day().to_owned(), guard.0.month().to_owned())
            }
            Err(_) => return,
        };
        if actual_micros == 0 {
            return;
        }
        let spend = Spend {
            day: format!("day:{day}"),
            month: format!("month:{month}"),
            micros: i64::try_from(actual_micros).unwrap_or(i64::MAX),
        };
        if let Err(error) = self.db.batch.write(spend).await {
            tracing::error!(%error, "could not persist LLM spend");
        }
    }

    /// Current limits.
    pub fn limits(&self) -> BudgetLimits {
        self.state.lock().map(|g| g.1).unwrap_or_default()
    }

    /// Replaces the limits (operator change).
    pub fn set_limits(&self, limits: BudgetLimits) {
        if let Ok(mut guard) = self.state.lock() {
            guard.1 = limits;
        }
    }

    /// Spend, limits and alerts now.
    pub fn view(&self) -> BudgetView {
        let (day, month) = periods(&self.clock, self.tz);
        let Ok(mut guard) = self.state.lock() else {
            return BudgetView {
                daily_limit_usd: 0.0,
                monthly_limit_usd: 0.0,
                per_request_limit_usd: 0.0,
                daily_spent_usd: 0.0,
                monthly_spent_usd: 0.0,
                reserved_usd: 0.0,
                daily_fraction: 0.0,
                monthly_fraction: 0.0,
                day,
                month,
                alerts: Vec::new(),
            };
        };
        let (ledger, limits) = &mut *guard;
        ledger.roll(&day, &month);
        let usage = ledger.usage(limits);
        BudgetView {
            daily_limit_usd: usd(limits.daily_micros),
            monthly_limit_usd: usd(limits.monthly_micros),
            per_request_limit_usd: usd(limits.per_request_micros),
            daily_spent_usd: usd(usage.day_spent_micros),
            monthly_spent_usd: usd(usage.month_spent_micros),
            reserved_usd: usd(usage.reserved_micros),
            daily_fraction: usage.daily_fraction,
            monthly_fraction: usage.monthly_fraction,
            day: ledger.day().to_owned(),
            month: ledger.month().to_owned(),
            alerts: ledger.alerts(limits),
        }
    }
}

/// The business-local day (`YYYY-MM-DD`) and month (`YYYY-MM`) now.
fn periods(clock: &Clock, tz: Tz) -> (String, String) {
    let local = clock.now().with_timezone(&tz);
    (
        local.format("%Y-%m-%d").to_string(),
        local.format("%Y-%m").to_string(),
    )
}

fn usd(micros: u64) -> f64 {
    micros_to_usd(i64::try_from(micros).unwrap_or(i64::MAX))
}
