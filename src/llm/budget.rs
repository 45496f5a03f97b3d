//! The arithmetic of the spending budget: reserve an estimate before an LLM call, settle
//! the actual cost (or release) after, against daily, monthly and per-request limits in
//! micro-dollars. No storage and no clock: the caller passes the business-local day and
//! month, holds the ledger behind one lock, and persists the spend.

use std::collections::BTreeMap;

use serde::Serialize;

/// Spending limits in micro-dollars (1 USD = 1 000 000 µ$).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetLimits {
    /// Per calendar day in the business time zone (`DAILY_BUDGET_LIMIT`).
    pub daily_micros: u64,
    /// Per calendar month in the business time zone (`MONTHLY_BUDGET_LIMIT`).
    pub monthly_micros: u64,
    /// Per call, on the estimate (`PER_REQUEST_BUDGET_LIMIT`).
    pub per_request_micros: u64,
}

impl Default for BudgetLimits {
    /// The SPEC defaults: 10.00 a day, 300.00 a month, 0.01 a request.
    fn default() -> Self {
        Self {
            daily_micros: 10_000_000,
            monthly_micros: 300_000_000,
            per_request_micros: 10_000,
        }
    }
}

/// Micro-dollars as USD, for display.
pub fn micros_to_usd(micros: i64) -> f64 {
    micros as f64 / 1_000_000.0
}

/// Converts a USD amount from configuration to micro-dollars (see also `micros_to_usd`).
pub fn usd_to_micros(usd: f64) -> Option<u64> {
    // 2^64 is exactly representable; anything at or above it does not fit. NaN and the
    // infinities fall outside the range too.
    const LIMIT: f64 = 18_446_744_073_709_551_616.0;
    let micros = (usd * 1_000_000.0).round();
    (0.0..LIMIT).contains(&micros).then_some(micros as u64)
}

/// A call the budget refused. The turn then goes to the built-in engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BudgetRefusal {
    /// The call alone would cost more than one request may.
    #[error(
        "estimated cost of {estimate_micros} µ$ exceeds the per-request limit of {limit_micros} µ$"
    )]
    PerRequest {
        /// The estimate of the refused call.
        estimate_micros: u64,
        /// The per-request limit.
        limit_micros: u64,
    },
    /// Today's spend plus outstanding reservations leave no room.
    #[error("daily budget of {limit_micros} µ$ has {committed_micros} µ$ committed; {estimate_micros} µ$ more does not fit")]
    Daily {
        /// The estimate of the refused call.
        estimate_micros: u64,
        /// Spent today plus reserved.
        committed_micros: u64,
        /// The daily limit.
        limit_micros: u64,
    },
    /// This month's spend plus outstanding reservations leave no room.
    #[error("monthly budget of {limit_micros} µ$ has {committed_micros} µ$ committed; {estimate_micros} µ$ more does not fit")]
    Monthly {
        /// The estimate of the refused call.
        estimate_micros: u64,
        /// Spent this month plus reserved.
        committed_micros: u64,
        /// The monthly limit.
        limit_micros: u64,
    },
}

impl BudgetRefusal {
    /// A stable snake_case name for logs and metric labels.
    pub fn as_str(&self) -> &'static str {
        match self {
            BudgetRefusal::PerRequest { .. } => "per_request",
            BudgetRefusal::Daily { .. } => "daily",
            BudgetRefusal::Monthly { .. } => "monthly",
        }
    }
}

/// A granted reservation. It is neither `Copy` nor `Clone`: settling or releasing consumes
/// it, so a reservation cannot be settled twice.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a reservation must be settled or released, or its amount stays reserved"]
pub struct ReservationId(u64);

/// Spend and reservations, for the dashboard and the budget endpoints.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetUsage {
    /// Settled spend of the current day.
    pub day_spent_micros: u64,
    /// Settled spend of the current month.
    pub month_spent_micros: u64,
    /// Reserved by calls in flight.
    pub reserved_micros: u64,
    /// Day spend / daily limit (1 when the limit is 0); may exceed 1.
    pub daily_fraction: f64,
    /// Month spend / monthly limit (1 when the limit is 0); may exceed 1.
    pub monthly_fraction: f64,
}

/// The spend of the current day and month plus the reservations of calls in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetLedger {
    day: String,
    month: String,
    day_spent_micros: u64,
    month_spent_micros: u64,
    /// Always the sum of `reservations`.
    reserved_micros: u64,
    reservations: BTreeMap<u64, u64>,
    next_id: u64,
}

impl BudgetLedger {
    /// A ledger restored from storage: `day` is `YYYY-MM-DD` and `month` `YYYY-MM`, both in
    /// the business time zone, with what was already spent in them.
    pub fn new(
        day: impl Into<String>,
        month: impl Into<String>,
        day_spent_micros: u64,
        month_spent_micros: u64,
    ) -> Self {
        Self {
            day: day.into(),
            month: month.into(),
            day_spent_micros,
            month_spent_micros,
            reserved_micros: 0,
            reservations: BTreeMap::new(),
            next_id: 0,
        }
    }

    /// Moves to the current day and month, resetting the spend of whichever changed.
    /// Only moves forward (the ISO strings compare in date order), so a clock stepping back
    /// cannot wipe today's spend. Reservations in flight carry over. Returns whether
    /// anything changed, i.e. whether the caller has a new row to persist.
    pub fn roll(&mut self, day: &str, month: &str) -> bool {
        let mut changed = false;
        if month > self.month.as_str() {
            self.month = month.to_owned();
            self.month_spent_micros = 0;
            changed = true;
        }
        if day > self.day.as_str() {
            self.day = day.to_owned();
            self.day_spent_micros = 0;
            changed = true;
        }
        changed
    }

    /// Reserves `estimate_micros` for a call, or refuses when it exceeds the per-request
    /// limit or when spent + reserved + estimate would exceed the daily or monthly limit.
    /// Call [`roll`](Self::roll) first so the limits apply to the right day.
    pub fn reserve(
        &mut self,
        estimate_micros: u64,
        limits: &BudgetLimits,
    ) -> Result<ReservationId, BudgetRefusal> {
        if estimate_micros > limits.per_request_micros {
            return Err(BudgetRefusal::PerRequest {
                estimate_micros,
                limit_micros: limits.per_request_micros,
            });
        }
        let day_committed = self.day_spent_micros.saturating_add(self.reserved_micros);
        if day_committed.saturating_add(estimate_micros) > limits.daily_micros {
            return Err(BudgetRefusal::Daily {
                estimate_micros,
                committed_micros: day_committed,
                limit_micros: limits.daily_micros,
            });
        }
        let month_committed = self.month_spent_micros.saturating_add(self.reserved_micros);
        if month_committed.saturating_add(estimate_micros) > limits.monthly_micros {
            return Err(BudgetRefusal::Monthly {
                estimate_micros,
                committed_micros: month_committed,
                limit_micros: limits.monthly_micros,
            });
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.reservations.insert(id, estimate_micros);
        self.reserved_micros = self.reserved_micros.saturating_add(estimate_micros);
        Ok(ReservationId(id))
    }

    /// Ends a reservation with the call's actual cost, which is added to the current day and
    /// month even when it exceeds the estimate (the money is spent either way).
    pub fn settle(&mut self, id: ReservationId, actual_micros: u64) {
        self.release(id);
        self.day_spent_micros = self.day_spent_micros.saturating_add(actual_micros);
        self.month_spent_micros = self.month_spent_micros.saturating_add(actual_micros);
    }

    /// Ends a reservation without spending: the call failed before costing anything.
    pub fn release(&mut self, id: ReservationId) {
        if let Some(amount) = self.reservations.remove(&id.0) {
            self.reserved_micros = self.reserved_micros.saturating_sub(amount);
        }
    }

    /// The current day, `YYYY-MM-DD`.
    pub fn day(&self) -> &str {
        &self.day
    }

    /// The current month, `YYYY-MM`.
    pub fn month(&self) -> &str {
        &self.month
    }

    /// Settled spend of the current day.
    pub fn day_spent_micros(&self) -> u64 {
        self.day_spent_micros
    }

    /// Settled spend of the current month.
    pub fn month_spent_micros(&self) -> u64 {
        self.month_spent_micros
    }

    /// Reserved by calls in flight.
    pub fn reserved_micros(&self) -> u64 {
        self.reserved_micros
    }

    /// How many reservations are outstanding.
    pub fn open_reservations(&self) -> usize {
        self.reservations.len()
    }

    /// Spend, reservations and how much of each limit is spent.
    pub fn usage(&self, limits: &BudgetLimits) -> BudgetUsage {
        let fraction = |spent: u64, limit: u64| {
            if limit == 0 {
                1.0
            } else {
                spent as f64 / limit as f64
            }
        };
        BudgetUsage {
            day_spent_micros: self.day_spent_micros,
            month_spent_micros: self.month_spent_micros,
            reserved_micros: self.reserved_micros,
            daily_fraction: fraction(self.day_spent_micros, limits.daily_micros),
            monthly_fraction: fraction(self.month_spent_micros, limits.monthly_micros),
        }
    }

    /// `"daily_80_percent"` and/or `"monthly_80_percent"` when at least 80 % of the limit is
    /// spent (settled spend only; reservations are not money yet).
    pub fn alerts(&self, limits: &BudgetLimits) -> Vec<&'static str> {
        // spent / limit ≥ 4/5, in integers.
        let at_80 = |spent: u64, limit: u64| u128::from(spent) * 5 >= u128::from(limit) * 4;
        let mut alerts = Vec::new();
        if at_80(self.day_spent_micros, limits.daily_micros) {
            alerts.push("daily_80_percent");
        }
        if at_80(self.month_spent_micros, limits.monthly_micros) {
            alerts.push("monthly_80_percent");
        }
        alerts
    }
}

#[cfg(test)]
#[path = "budget_tests.rs"]
mod tests;
