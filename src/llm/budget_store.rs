//! The budget in service: the pure `BudgetLedger` behind a lock, seeded from and
//! settled into SQLite, so concurrent calls cannot overspend and a restart resets
//! nothing. Days and months are the business time zone's. The customer's turns and
//! shadow turns each keep a [`Ledger`] of their own in the same table.

use std::sync::Mutex;

use chrono_tz::Tz;
use serde::Serialize;
use sqlx::SqliteConnection;

use super::budget::{micros_to_usd, BudgetLedger, BudgetLimits, BudgetRefusal, ReservationId};
use crate::clock::Clock;
use crate::storage::batch::{BatchWrite, WriteFuture};
use crate::storage::Database;

/// Whose spend a budget keeps. Both live in `llm_spend`, told apart by the prefix of
/// their period keys, so each persists across restarts and neither ever counts the
/// other's spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ledger {
    /// The customer's turns: `day:YYYY-MM-DD` and `month:YYYY-MM`, the keys used since
    /// before shadow turns had a ledger, so the spend already stored stays valid.
    Customer,
    /// Shadow turns: `shadow:day:YYYY-MM-DD` and `shadow:month:YYYY-MM`.
    Shadow,
}

impl Ledger {
    /// What this ledger puts in front of `day:…` and `month:…`.
    fn prefix(self) -> &'static str {
        match self {
            Ledger::Customer => "",
            Ledger::Shadow => "shadow:",
        }
    }

    /// The `llm_spend` keys of a business day and month.
    fn keys(self, day: &str, month: &str) -> (String, String) {
        let prefix = self.prefix();
        (
            format!("{prefix}day:{day}"),
            format!("{prefix}month:{month}"),
        )
    }
}

/// The budget with its persistence.
pub struct BudgetService {
    db: Database,
    ledger: Ledger,
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

/// An estimate held for one call in flight. [`settle`](Self::settle) it with the call's
/// real cost; dropped unsettled, because the call failed or because the turn's future was
/// dropped (a client that went away, a request timeout), it is released, so a cancelled
/// call cannot keep budget reserved.
#[must_use = "a reservation is released when dropped; settle it once the call has cost something"]
pub struct Reservation<'a> {
    budget: &'a BudgetService,
    /// `None` once settled.
    id: Option<ReservationId>,
}

impl Reservation<'_> {
    /// Ends the reservation with the call's real cost and queues the spend's persistence.
    pub async fn settle(mut self, actual_micros: u64) {
        if let Some(id) = self.id.take() {
            self.budget.settle(id, actual_micros).await;
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.budget.release(id);
        }
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
    /// Loads today's and this month's spend of `ledger`.
    pub async fn load(
        db: Database,
        ledger: Ledger,
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
                        .fetch_optional(db.settled_reader().await?)
                        .await?;
                Ok::<u64, sqlx::Error>(row.map_or(0, |(n,)| u64::try_from(n).unwrap_or_default()))
            }
        };
        let (day_key, month_key) = ledger.keys(&day, &month);
        let day_spent = spent(day_key).await?;
        let month_spent = spent(month_key).await?;
        Ok(Self {
            db,
            ledger,
            clock,
            tz,
            state: Mutex::new((
                BudgetLedger::new(day, month, day_spent, month_spent),
                limits,
            )),
        })
    }

    /// Reserves an estimate before a call; refused when a limit would be crossed. The
    /// reservation is released when dropped unless it was settled.
    pub fn reserve(&self, estimate_micros: u64) -> Result<Reservation<'_>, BudgetRefusal> {
        let (day, month) = periods(&self.clock, self.tz);
        let Ok(mut guard) = self.state.lock() else {
            return Err(BudgetRefusal::PerRequest {
                estimate_micros,
                limit_micros: 0,
            });
        };
        let (ledger, limits) = &mut *guard;
        ledger.roll(&day, &month);
        let id = ledger.reserve(estimate_micros, limits)?;
        Ok(Reservation {
            budget: self,
            id: Some(id),
        })
    }

    fn release(&self, id: ReservationId) {
        if let Ok(mut guard) = self.state.lock() {
            guard.0.release(id);
        }
    }

    /// Adds the real cost to the ledger at once, then queues its persistence behind the
    /// reply (the ledger in memory is what limits calls; the table is what a restart
    /// reads back, after shutdown has flushed the queue).
    async fn settle(&self, id: ReservationId, actual_micros: u64) {
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
        let (day, month) = self.ledger.keys(&day, &month);
        let spend = Spend {
            day,
            month,
            micros: i64::try_from(actual_micros).unwrap_or(i64::MAX),
        };
        if let Err(error) = self.db.batch.submit(spend).await {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn budget() -> (tempfile::TempDir, BudgetService) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("budget.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        db.migrate().await.unwrap();
        // Room for one 4 000 µ$ reservation at a time.
        let limits = BudgetLimits {
            daily_micros: 5_000,
            monthly_micros: 1_000_000,
            per_request_micros: 5_000,
        };
        let service = BudgetService::load(
            db,
            Ledger::Customer,
            Clock::System,
            chrono_tz::America::New_York,
            limits,
        )
        .await
        .unwrap();
        (dir, service)
    }

    #[tokio::test]
    async fn a_dropped_reservation_is_released() {
        let (_dir, budget) = budget().await;
        let reservation = budget.reserve(4_000).unwrap();
        assert_eq!(budget.view().reserved_usd, 0.004);
        assert!(budget.reserve(4_000).is_err(), "held while in flight");
        drop(reservation);
        assert_eq!(budget.view().reserved_usd, 0.0);
        assert_eq!(budget.view().daily_spent_usd, 0.0);
        assert!(budget.reserve(4_000).is_ok());
    }

    #[tokio::test]
    async fn a_call_cancelled_in_flight_gives_its_reservation_back() {
        let (_dir, budget) = budget().await;
        // What a client disconnect or a request timeout does to a turn: its future is dropped
        // while the provider call is pending.
        let in_flight = async {
            let reservation = budget.reserve(4_000).unwrap();
            std::future::pending::<()>().await;
            reservation.settle(1_000).await;
        };
        let cancelled = tokio::time::timeout(Duration::from_millis(20), in_flight).await;
        assert!(cancelled.is_err());
        assert_eq!(budget.view().reserved_usd, 0.0);
        assert!(budget.reserve(4_000).is_ok(), "the limit has room again");
    }

    #[tokio::test]
    async fn a_settled_reservation_counts_its_cost_and_holds_nothing() {
        let (_dir, budget) = budget().await;
        budget.reserve(4_000).unwrap().settle(1_500).await;
        let view = budget.view();
        assert_eq!(view.reserved_usd, 0.0);
        assert_eq!(view.daily_spent_usd, 0.0015);
        assert_eq!(view.monthly_spent_usd, 0.0015);
    }

    #[tokio::test]
    async fn the_customer_and_shadow_ledgers_persist_apart_across_a_reload() {
        let (_dir, customer) = budget().await;
        let db = customer.db.clone();
        let limits = customer.limits();
        let tz = chrono_tz::America::New_York;
        let load = |ledger| BudgetService::load(db.clone(), ledger, Clock::System, tz, limits);
        let shadow = load(Ledger::Shadow).await.unwrap();
        customer.reserve(4_000).unwrap().settle(1_500).await;
        shadow.reserve(4_000).unwrap().settle(700).await;
        assert_eq!(customer.view().daily_spent_usd, 0.0015);
        assert_eq!(shadow.view().daily_spent_usd, 0.0007);

        let (customer, shadow) = (
            load(Ledger::Customer).await.unwrap(),
            load(Ledger::Shadow).await.unwrap(),
        );
        for (budget, usd) in [(&customer, 0.0015), (&shadow, 0.0007)] {
            let view = budget.view();
            assert_eq!((view.daily_spent_usd, view.monthly_spent_usd), (usd, usd));
        }
        let (day, month) = periods(&Clock::System, tz);
        let mut rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT period, spent_micros FROM llm_spend ORDER BY period")
                .fetch_all(db.settled_reader().await.unwrap())
                .await
                .unwrap();
        rows.sort();
        let mut expected = vec![
            (format!("day:{day}"), 1_500),
            (format!("month:{month}"), 1_500),
            (format!("shadow:day:{day}"), 700),
            (format!("shadow:month:{month}"), 700),
        ];
        expected.sort();
        assert_eq!(rows, expected, "the customer's keys are unchanged");
    }
}
