//! Per-client-IP rate limits (governor): one limiter for `/api`, one for everything
//! else, and a strict one for operator login. Memory is bounded by periodic pruning.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;
use crate::http::security::request_client_ip;
use crate::state::AppState;

/// Above this many tracked clients, stale entries are pruned at once.
const MAX_TRACKED_CLIENTS: usize = 100_000;

/// One keyed limiter with its name for metrics.
pub struct KeyedLimiter {
    name: &'static str,
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl KeyedLimiter {
    fn new(name: &'static str, quota: Quota) -> Self {
        Self {
            name,
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one cell for `ip`, or says how many seconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        if self.limiter.len() > MAX_TRACKED_CLIENTS {
            self.prune();
        }
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets clients whose buckets are full again.
    pub fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// How many clients are tracked.
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

/// The service's limiters.
pub struct RateLimits {
    /// `/api/*` except health probes.
    pub api: KeyedLimiter,
    /// Static files and everything else.
    pub general: KeyedLimiter,
    /// `POST /api/auth/login`: 5 attempts a minute.
    pub login: KeyedLimiter,
}

fn per_second_with_double_burst(rate: u32) -> Quota {
    let rate = NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN);
    let burst = rate.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
    Quota::per_second(rate).allow_burst(burst)
}

impl RateLimits {
    /// Limiters for the configured rates.
    pub fn new(api_per_sec: u32, general_per_sec: u32) -> Self {
        let five = NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN);
        Self {
            api: KeyedLimiter::new("api", per_second_with_double_burst(api_per_sec)),
            general: KeyedLimiter::new("general", per_second_with_double_burst(general_per_sec)),
            login: KeyedLimiter::new("login", Quota::per_minute(five)),
        }
    }

    /// Prunes every limiter; run periodically.
    pub fn prune(&self) {
        self.api.prune();
        self.general.prune();
        self.login.prune();
    }
}

/// Spawns the pruning task that keeps limiter memory bounded.
pub fn spawn_pruner(limits: Arc<RateLimits>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(60));
        loop {
            ticker.tick().await;
            limits.prune();
        }
    })
}

/// Applies the API or general limiter to every request by client IP.
pub async fn limit_by_client(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let limiter = if path.starts_with("/api/") || path == "/api" {
        if super::is_health_probe(path) {
            return next.run(request).await;
        }
        &state.rate_limits.api
    } else {
        &state.rate_limits.general
    };
    let Some(ip) = request_client_ip(state.config.trust_proxy, &request) else {
        return next.run(request).await;
    };
    match limiter.check(ip) {
        Ok(()) => next.run(request).await,
        Err(retry_after_secs) => {
            state
                .metrics
                .rate_limited_total
                .with_label_values(&[limiter.name])
                .inc();
            AppError::RateLimited { retry_after_secs }.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_twice_the_rate_passes_then_one_is_refused() {
        let limits = RateLimits::new(10, 100);
        let ip: IpAddr = [192, 0, 2, 1].into();
        for _ in 0..20 {
            assert!(limits.api.check(ip).is_ok());
        }
        let wait = limits.api.check(ip).unwrap_err();
        assert!(wait >= 1);
        // Another client is unaffected.
        assert!(limits.api.check([192, 0, 2, 2].into()).is_ok());
    }

    #[test]
    fn login_allows_five_attempts_a_minute() {
        let limits = RateLimits::new(10, 100);
        let ip: IpAddr = [192, 0, 2, 3].into();
        for _ in 0..5 {
            assert!(limits.login.check(ip).is_ok());
        }
        assert!(limits.login.check(ip).unwrap_err() > 1);
    }

    #[test]
    fn pruning_forgets_clients_with_full_buckets() {
        let limits = RateLimits::new(1000, 100);
        for i in 0..50u8 {
            let _ = limits.general.check([198, 51, 100, i].into());
        }
        assert_eq!(limits.general.tracked(), 50);
        std::thread::sleep(Duration::from_millis(30));
        limits.prune();
        assert_eq!(limits.general.tracked(), 0);
    }
}
