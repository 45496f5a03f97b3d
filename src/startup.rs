//! Building and running the application: the only place that wires dependencies.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::auth::TokenKeys;
use crate::booking::calendar::CalendarRules;
use crate::booking::BookingService;
use crate::chat::agent::Agent;
use crate::chat::extract::Extractor;
use crate::chat::service::ChatParts;
use crate::chat::ChatService;
use crate::clock::Clock;
use crate::config::{Config, Secret};
use crate::experiments::gate::GateConfig;
use crate::experiments::rollout::RolloutConfig;
use crate::experiments::{CanaryService, ShadowService, VariantCatalogue};
use crate::http;
use crate::http::rate_limit::{spawn_pruner, RateLimits};
use crate::observability::metrics::Metrics;
use crate::safety::incidents::IncidentLog;
use crate::safety::Scanner;
use crate::state::{AppParts, AppState};
use crate::storage::Database;

/// A built application: state plus a bound listener, ready to serve.
pub struct Application {
    state: AppState,
    listener: TcpListener,
    /// Held while serving, so `cleanspace restore` cannot swap the file under us.
    _lock: crate::storage::files::ServerLock,
}

impl Application {
    /// Opens and migrates the database, builds the state and binds the port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let clock = match config.fixed_clock {
            Some(at) => Clock::Fixed(at),
            None => Clock::System,
        };
        Self::build_with_clock(config, clock).await
    }

    /// Like `build` with an explicit clock (tests pass a manual one).
    pub async fn build_with_clock(config: Config, clock: Clock) -> anyhow::Result<Self> {
        let lock = crate::storage::files::ServerLock::acquire(&config.database_url)?;
        let state = build_state(config, clock).await?;
        let address = SocketAddr::new(state.config.host, state.config.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address} (PORT/HOST)"))?;
        Ok(Self {
            state,
            listener,
            _lock: lock,
        })
    }

    /// The bound port (useful with `PORT=0`).
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// The state, for tests and subcommands that need it.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or SIGINT, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight
    /// requests finish, flushes pending writes and closes the database.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application {
            state,
            listener,
            _lock,
        } = self;
        let pruner = spawn_pruner(state.rate_limits.clone());
        let canary_gate = spawn_canary_gate(&state);
        let router = http::router(state.clone());
        tracing::info!(
            address = %listener.local_addr().context("listener address")?,
            "cleanspace listening"
        );
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("server error")?;
        pruner.abort();
        canary_gate.abort();
        tracing::info!("shutting down: closing the database");
        state.db.close().await;
        Ok(())
    }
}

/// Builds the shared state: database (migrated), metrics, auth keys, limiters.
pub async fn build_state(config: Config, clock: Clock) -> anyhow::Result<AppState> {
    // The two pattern compilers take about 100 ms each. The scanner's runs on the blocking
    // pool while this thread opens the database and then builds the extractors (a second
    // pool thread saved no time and kept one more allocator arena, about 0.5 MB).
    let scanner = tokio::task::spawn_blocking(|| {
        Scanner::new().map(|mut scanner| {
            scanner.protect_prompt(crate::chat::llm_agent::PROMPT_RULES);
            scanner
        })
    });
    let db = Database::connect(&config.database_url, config.database_max_connections)
        .await
        .with_context(|| "cannot open the database (DATABASE_URL)".to_owned())?;
    db.migrate().await.context("cannot apply migrations")?;
    let extractor = Arc::new(Extractor::new().context("chat extractors")?);
    let metrics = Arc::new(Metrics::new().context("metrics registry")?);
    let admin_password = match &config.admin_password {
        Some(password) => password.clone(),
        None => {
            let generated = generate_password();
            // Printed once, to the terminal only: it is a secret, so not a log line.
            println!("No ADMIN_PASSWORD set: operator password for this run is {generated}");
            Secret::new(generated)
        }
    };
    let rules = CalendarRules {
        tz: config.business_timezone,
        crews: config.crews,
        ..CalendarRules::default()
    };
    let booking = BookingService::new(db.clone(), clock.clone(), rules);
    let scanner = Arc::new(
        scanner
            .await
            .context("safety scanner task")?
            .context("safety scanner")?,
    );
    let incidents = IncidentLog::new(
        db.clone(),
        clock.clone(),
        metrics.safety_incidents_total.clone(),
        Arc::new(crate::chat::repository::ScannedMessageCounts(db.clone())),
    );
    let agent = Agent::new(extractor.clone(), booking.clone());
    let shadow_agent = Arc::new(Agent::new(extractor, booking.dry_run()));
    let llm = crate::llm::LlmService::build(&config, db.clone(), clock.clone(), metrics.clone())
        .await?
        .map(Arc::new);
    let rollout_config = RolloutConfig {
        min_samples: config.canary.min_samples,
        min_stage_duration: chrono::Duration::minutes(config.canary.min_stage_minutes),
        gate: GateConfig {
            max_latency_increase: config.canary.max_latency_increase,
            max_cost_increase: config.canary.max_cost_increase,
            ..GateConfig::default()
        },
    };
    let variants = Arc::new(
        VariantCatalogue::load(&db)
            .await
            .context("variant catalogue")?,
    );
    let canary = Arc::new(
        CanaryService::load(db.clone(), clock.clone(), rollout_config, variants.clone())
            .await
            .context("canary state")?,
    );
    let shadow = Arc::new(ShadowService::new(
        db.clone(),
        clock.clone(),
        variants,
        llm.as_ref().map(|llm| llm.shadow_budget()),
    ));
    let chat = Arc::new(ChatService::new(ChatParts {
        db: db.clone(),
        clock: clock.clone(),
        agent,
        shadow_agent,
        scanner: scanner.clone(),
        incidents: incidents.clone(),
        llm: llm.clone(),
        canary: canary.clone(),
        shadow: shadow.clone(),
    }));
    Ok(AppState::new(AppParts {
        canary,
        shadow,
        llm,
        booking,
        scanner,
        incidents,
        chat,
        token_keys: Arc::new(TokenKeys::new(config.jwt_secret.expose())),
        admin_password: Arc::new(admin_password),
        rate_limits: Arc::new(RateLimits::new(
            config.rate_limit_api_per_sec,
            config.rate_limit_general_per_sec,
        )),
        config: Arc::new(config),
        db,
        metrics,
        clock,
        traffic: Arc::new(crate::observability::traffic::TrafficRecorder::new()),
        dashboard: Arc::new(crate::dashboard::DashboardCache::default()),
        started_at: Instant::now(),
    }))
}

/// Evaluates the canary gate every `CANARY_EVAL_INTERVAL_SECS`.
fn spawn_canary_gate(state: &AppState) -> tokio::task::JoinHandle<()> {
    let canary = state.canary.clone();
    let every = std::time::Duration::from_secs(state.config.canary.eval_interval_secs.max(1));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            if let Err(error) = canary.evaluate().await {
                tracing::error!(%error, "canary evaluation failed");
            }
        }
    })
}

fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..20)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
