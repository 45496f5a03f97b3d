//! Typed configuration loaded once from the environment and validated at start.
//! Nothing else in the crate reads environment variables.

mod secret;

use std::net::IpAddr;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use secret::Secret;

/// The `JWT_SECRET` used when none is configured; refused in production.
pub const DEFAULT_JWT_SECRET: &str = "development-only-secret-change-me";

/// Where the service runs; production turns on every safety check of the config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A configuration problem, always naming the variable at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self {
            variable,
            message: message.into(),
        }
    }
}

/// Every setting of the service.
#[derive(Clone, Debug)]
pub struct Config {
    /// `APP_ENV`: `development` (default) or `production`.
    pub app_env: AppEnv,
    /// `HOST`: address to bind (default 127.0.0.1).
    pub host: IpAddr,
    /// `PORT`: port to bind (default 3000; 0 picks a free one).
    pub port: u16,
    /// `DATABASE_URL`: SQLite URL (default `sqlite://data/cleanspace.db`).
    pub database_url: String,
    /// `DATABASE_MAX_CONNECTIONS`: reader pool size (default 4: reads are short, and each
    /// connection keeps a thread and its own page cache).
    pub database_max_connections: u32,
    /// `STATIC_DIR`: the only folder served as files (default `static`).
    pub static_dir: PathBuf,
    /// `CORS_ORIGIN`: comma-separated allowed origins; empty means same-origin only.
    pub cors_origins: Vec<String>,
    /// `TRUST_PROXY`: trust `X-Forwarded-For`/`X-Forwarded-Proto` from one proxy hop.
    pub trust_proxy: bool,
    /// `LOG_LEVEL`: a tracing filter such as `info` or `cleanspace=debug`.
    pub log_level: String,
    /// `LOG_FORMAT`: `pretty` (default in development) or `json` (default in production).
    pub log_format: LogFormat,
    /// `JWT_SECRET`: HS256 key for operator tokens.
    pub jwt_secret: Secret,
    /// `ADMIN_PASSWORD`: operator password; in development a random one is generated when unset.
    pub admin_password: Option<Secret>,
    /// `METRICS_PUBLIC`: serve aggregate metrics without a token in production.
    pub metrics_public: bool,
    /// `RATE_LIMIT_API_PER_SEC`: per-client-IP rate for `/api` (burst twice that).
    pub rate_limit_api_per_sec: u32,
    /// `RATE_LIMIT_GENERAL_PER_SEC`: per-client-IP rate for everything else (burst twice that).
    pub rate_limit_general_per_sec: u32,
    /// `REQUEST_TIMEOUT_SECS`: a request taking longer is answered 408.
    pub request_timeout_secs: u64,
    /// `MAX_IN_FLIGHT`: requests handled at once; past it a request is answered 503
    /// `server_busy` at once (health probes and `/metrics` excepted).
    pub max_in_flight: usize,
    /// `BUSINESS_TIMEZONE`: IANA zone of the business (default America/New_York).
    pub business_timezone: Tz,
    /// `CREWS`: crews working in parallel (default 2).
    pub crews: u32,
    /// `CLEANSPACE_CLOCK`: a fixed "now" for evaluations and black-box tests; refused in production.
    pub fixed_clock: Option<DateTime<Utc>>,
    /// Everything about the LLM provider, routing, budgets and the response cache.
    pub llm: LlmConfig,
    /// Canary rollout gates.
    pub canary: CanaryConfig,
}

/// Canary settings.
#[derive(Clone, Debug)]
pub struct CanaryConfig {
    /// `CANARY_MIN_SAMPLES`: conversations per variant before each of the 4 stages is judged (default `50,100,200,400`).
    pub min_samples: [u64; 4],
    /// `CANARY_MIN_STAGE_MINUTES`: minimum duration of a stage (default 10).
    pub min_stage_minutes: i64,
    /// `CANARY_MAX_LATENCY_INCREASE`: p95 latency ratio above stable that fails the gate (default 0.5).
    pub max_latency_increase: f64,
    /// `CANARY_MAX_COST_INCREASE`: cost per conversation ratio above stable that fails the gate (default 0.3).
    pub max_cost_increase: f64,
    /// `CANARY_EVAL_INTERVAL_SECS`: how often the gate runs (default 60).
    pub eval_interval_secs: u64,
}

/// LLM mode settings. Without an API key the service runs on the built-in engine only.
#[derive(Clone, Debug)]
pub struct LlmConfig {
    /// `GROQ_API_KEY` or `LLM_API_KEY`; `None` means LLM mode is off.
    pub api_key: Option<Secret>,
    /// `LLM_BASE_URL`: OpenAI-compatible endpoint (default Groq's).
    pub base_url: String,
    /// `LLM_PROVIDER`: name used on metrics and breakers (default `groq`).
    pub provider: String,
    /// `LLM_FAST_MODEL`.
    pub fast_model: String,
    /// `LLM_BALANCED_MODEL`.
    pub balanced_model: String,
    /// `LLM_PRICES`: price overrides, `model=input/output` per million tokens, comma-separated.
    pub prices: Option<String>,
    /// `LLM_TIMEOUT_MS`: one provider call (default 4000).
    pub timeout_ms: u64,
    /// `LLM_TURN_DEADLINE_MS`: everything the LLM may take for one turn, retries included (default 8000).
    pub turn_deadline_ms: u64,
    /// `LLM_MAX_RETRIES`: retries of one call for retryable errors (default 2).
    pub max_retries: u32,
    /// `LLM_SLOW_CALL_MS`: a call slower than this counts as slow for the breaker (default 3000).
    pub slow_call_ms: u64,
    /// `CIRCUIT_BREAKER_WINDOW`: calls in the breaker's sliding window (default 20).
    pub breaker_window: usize,
    /// `CIRCUIT_BREAKER_TIMEOUT`: milliseconds a breaker stays open (default 30000).
    pub breaker_open_ms: u64,
    /// `ROUTING_STRATEGY`: `cost_optimized` (default), `balanced` or `performance_optimized`.
    pub strategy: String,
    /// `DAILY_BUDGET_LIMIT` in USD (default 10.00).
    pub daily_budget_usd: f64,
    /// `MONTHLY_BUDGET_LIMIT` in USD (default 300.00).
    pub monthly_budget_usd: f64,
    /// `PER_REQUEST_BUDGET_LIMIT` in USD (default 0.01); shadow turns' calls too.
    pub per_request_budget_usd: f64,
    /// `SHADOW_DAILY_BUDGET_LIMIT` in USD (default 1.00): shadow turns' own daily ledger,
    /// never the customer's.
    pub shadow_daily_budget_usd: f64,
    /// `SHADOW_MONTHLY_BUDGET_LIMIT` in USD (default 20.00): shadow turns' own monthly ledger.
    pub shadow_monthly_budget_usd: f64,
    /// `MAX_INPUT_TOKENS` per call (default 2000).
    pub max_input_tokens: u32,
    /// `MAX_OUTPUT_TOKENS` per call (default 500).
    pub max_output_tokens: u32,
    /// `ENABLE_RESPONSE_CACHE` (default true).
    pub cache_enabled: bool,
    /// `CACHE_TTL`: seconds a cached answer lives (default 3600).
    pub cache_ttl_secs: u64,
    /// `CACHE_MAX_ENTRIES` (default 10000).
    pub cache_max_entries: u64,
}

impl Config {
    /// Loads from the process environment (after `.env`, which `main` loads).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Loads from any lookup function, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let app_env = match get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") | Some("test") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError::new(
                    "APP_ENV",
                    format!("must be `development` or `production`, not `{other}`"),
                ))
            }
        };
        let production = app_env == AppEnv::Production;

        let log_format = match get("LOG_FORMAT").as_deref() {
            None if production => LogFormat::Json,
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "LOG_FORMAT",
                    format!("must be `pretty` or `json`, not `{other}`"),
                ))
            }
        };

        let jwt_secret =
            Secret::new(get("JWT_SECRET").unwrap_or_else(|| DEFAULT_JWT_SECRET.to_owned()));
        let admin_password = get("ADMIN_PASSWORD").map(Secret::new);
        let cors_origins: Vec<String> = get("CORS_ORIGIN")
            .map(|value| {
                value
                    .split(',')
                    .map(|origin| origin.trim().trim_end_matches('/').to_owned())
                    .filter(|origin| !origin.is_empty())
                    .collect()
            })
            .unwrap_or_default();

        let business_timezone: Tz = match get("BUSINESS_TIMEZONE") {
            None => chrono_tz::America::New_York,
            Some(name) => name.parse().map_err(|_| {
                ConfigError::new(
                    "BUSINESS_TIMEZONE",
                    format!("`{name}` is not an IANA time zone name"),
                )
            })?,
        };
        let fixed_clock = match get("CLEANSPACE_CLOCK") {
            None => None,
            Some(value) => Some(
                DateTime::parse_from_rfc3339(&value)
                    .map_err(|_| {
                        ConfigError::new("CLEANSPACE_CLOCK", "must be an RFC 3339 date-time")
                    })?
                    .with_timezone(&Utc),
            ),
        };

        let config = Config {
            app_env,
            host: parse_or(
                &get,
                "HOST",
                "127.0.0.1"
                    .parse()
                    .map_err(|_| ConfigError::new("HOST", "invalid default"))?,
            )?,
            port: parse_or(&get, "PORT", 3000)?,
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/cleanspace.db".to_owned()),
            database_max_connections: parse_or(&get, "DATABASE_MAX_CONNECTIONS", 4)?,
            static_dir: PathBuf::from(get("STATIC_DIR").unwrap_or_else(|| "static".to_owned())),
            cors_origins,
            trust_proxy: parse_bool(&get, "TRUST_PROXY")?,
            log_level: get("LOG_LEVEL").unwrap_or_else(|| "info".to_owned()),
            log_format,
            jwt_secret,
            admin_password,
            metrics_public: parse_bool(&get, "METRICS_PUBLIC")?,
            rate_limit_api_per_sec: parse_or(&get, "RATE_LIMIT_API_PER_SEC", 10)?,
            rate_limit_general_per_sec: parse_or(&get, "RATE_LIMIT_GENERAL_PER_SEC", 100)?,
            request_timeout_secs: parse_or(&get, "REQUEST_TIMEOUT_SECS", 30)?,
            max_in_flight: parse_or(&get, "MAX_IN_FLIGHT", DEFAULT_MAX_IN_FLIGHT)?,
            business_timezone,
            crews: parse_or(&get, "CREWS", 2)?,
            fixed_clock,
            canary: CanaryConfig {
                min_samples: match get("CANARY_MIN_SAMPLES") {
                    None => [50, 100, 200, 400],
                    Some(list) => {
                        let values: Vec<u64> = list
                            .split(',')
                            .map(|v| v.trim().parse::<u64>())
                            .collect::<Result<_, _>>()
                            .map_err(|_| {
                                ConfigError::new(
                                    "CANARY_MIN_SAMPLES",
                                    "must be four numbers like 50,100,200,400",
                                )
                            })?;
                        <[u64; 4]>::try_from(values).map_err(|_| {
                            ConfigError::new(
                                "CANARY_MIN_SAMPLES",
                                "must be four numbers like 50,100,200,400",
                            )
                        })?
                    }
                },
                min_stage_minutes: parse_or(&get, "CANARY_MIN_STAGE_MINUTES", 10)?,
                max_latency_increase: parse_or(&get, "CANARY_MAX_LATENCY_INCREASE", 0.5)?,
                max_cost_increase: parse_or(&get, "CANARY_MAX_COST_INCREASE", 0.3)?,
                eval_interval_secs: parse_or(&get, "CANARY_EVAL_INTERVAL_SECS", 60)?,
            },
            llm: LlmConfig {
                api_key: get("GROQ_API_KEY")
                    .or_else(|| get("LLM_API_KEY"))
                    .map(Secret::new),
                base_url: get("LLM_BASE_URL")
                    .unwrap_or_else(|| "https://api.groq.com/openai/v1".to_owned()),
                provider: get("LLM_PROVIDER").unwrap_or_else(|| "groq".to_owned()),
                fast_model: get("LLM_FAST_MODEL")
                    .unwrap_or_else(|| "llama-3.1-8b-instant".to_owned()),
                balanced_model: get("LLM_BALANCED_MODEL")
                    .unwrap_or_else(|| "llama-3.3-70b-versatile".to_owned()),
                prices: get("LLM_PRICES"),
                timeout_ms: parse_or(&get, "LLM_TIMEOUT_MS", 4_000)?,
                turn_deadline_ms: parse_or(&get, "LLM_TURN_DEADLINE_MS", 8_000)?,
                max_retries: parse_or(&get, "LLM_MAX_RETRIES", 2)?,
                slow_call_ms: parse_or(&get, "LLM_SLOW_CALL_MS", 3_000)?,
                breaker_window: parse_or(&get, "CIRCUIT_BREAKER_WINDOW", 20)?,
                breaker_open_ms: parse_or(&get, "CIRCUIT_BREAKER_TIMEOUT", 30_000)?,
                strategy: get("ROUTING_STRATEGY").unwrap_or_else(|| "cost_optimized".to_owned()),
                daily_budget_usd: parse_or(&get, "DAILY_BUDGET_LIMIT", 10.0)?,
                monthly_budget_usd: parse_or(&get, "MONTHLY_BUDGET_LIMIT", 300.0)?,
                per_request_budget_usd: parse_or(&get, "PER_REQUEST_BUDGET_LIMIT", 0.01)?,
                shadow_daily_budget_usd: parse_or(&get, "SHADOW_DAILY_BUDGET_LIMIT", 1.0)?,
                shadow_monthly_budget_usd: parse_or(&get, "SHADOW_MONTHLY_BUDGET_LIMIT", 20.0)?,
                max_input_tokens: parse_or(&get, "MAX_INPUT_TOKENS", 2_000)?,
                max_output_tokens: parse_or(&get, "MAX_OUTPUT_TOKENS", 500)?,
                cache_enabled: match get("ENABLE_RESPONSE_CACHE") {
                    None => true,
                    Some(_) => parse_bool(&get, "ENABLE_RESPONSE_CACHE")?,
                },
                cache_ttl_secs: parse_or(&get, "CACHE_TTL", 3_600)?,
                cache_max_entries: parse_or(&get, "CACHE_MAX_ENTRIES", 10_000)?,
            },
        };
        config.validate()?;
        Ok(config)
    }

    /// Whether LLM mode is on.
    pub fn llm_enabled(&self) -> bool {
        self.llm.api_key.is_some()
    }

    /// Rules that hold in every environment, and the stricter ones of production.
    fn validate(&self) -> Result<(), ConfigError> {
        if self.rate_limit_api_per_sec == 0 {
            return Err(ConfigError::new(
                "RATE_LIMIT_API_PER_SEC",
                "must be at least 1",
            ));
        }
        if self.rate_limit_general_per_sec == 0 {
            return Err(ConfigError::new(
                "RATE_LIMIT_GENERAL_PER_SEC",
                "must be at least 1",
            ));
        }
        if self.request_timeout_secs == 0 {
            return Err(ConfigError::new(
                "REQUEST_TIMEOUT_SECS",
                "must be at least 1",
            ));
        }
        if self.max_in_flight == 0 {
            return Err(ConfigError::new("MAX_IN_FLIGHT", "must be at least 1"));
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::new(
                "DATABASE_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        if !(1..=50).contains(&self.crews) {
            return Err(ConfigError::new("CREWS", "must be between 1 and 50"));
        }
        if !self.database_url.starts_with("sqlite:") {
            return Err(ConfigError::new("DATABASE_URL", "must be a `sqlite:` URL"));
        }
        let llm = &self.llm;
        if !["cost_optimized", "balanced", "performance_optimized"].contains(&llm.strategy.as_str())
        {
            return Err(ConfigError::new(
                "ROUTING_STRATEGY",
                "must be cost_optimized, balanced or performance_optimized",
            ));
        }
        for (name, value) in [
            ("DAILY_BUDGET_LIMIT", llm.daily_budget_usd),
            ("MONTHLY_BUDGET_LIMIT", llm.monthly_budget_usd),
            ("PER_REQUEST_BUDGET_LIMIT", llm.per_request_budget_usd),
            ("SHADOW_DAILY_BUDGET_LIMIT", llm.shadow_daily_budget_usd),
            ("SHADOW_MONTHLY_BUDGET_LIMIT", llm.shadow_monthly_budget_usd),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(ConfigError::new(
                    name,
                    "must be a non-negative amount in USD",
                ));
            }
        }
        if llm.timeout_ms == 0 || llm.turn_deadline_ms == 0 {
            return Err(ConfigError::new(
                "LLM_TIMEOUT_MS",
                "timeouts must be at least 1 ms",
            ));
        }
        if llm.breaker_window < 10 {
            return Err(ConfigError::new(
                "CIRCUIT_BREAKER_WINDOW",
                "must be at least 10 calls",
            ));
        }
        if !(llm.base_url.starts_with("http://") || llm.base_url.starts_with("https://")) {
            return Err(ConfigError::new("LLM_BASE_URL", "must be an http(s) URL"));
        }
        if self.app_env != AppEnv::Production {
            return Ok(());
        }
        if self.jwt_secret.expose() == DEFAULT_JWT_SECRET {
            return Err(ConfigError::new(
                "JWT_SECRET",
                "must be set to a random value in production (the default is refused)",
            ));
        }
        if self.jwt_secret.expose().len() < 32 {
            return Err(ConfigError::new(
                "JWT_SECRET",
                "must be at least 32 bytes in production",
            ));
        }
        if self.admin_password.is_none() {
            return Err(ConfigError::new(
                "ADMIN_PASSWORD",
                "is required in production",
            ));
        }
        if self.cors_origins.iter().any(|origin| origin == "*") {
            return Err(ConfigError::new(
                "CORS_ORIGIN",
                "a wildcard `*` is refused in production; list the site's origins",
            ));
        }
        if self.fixed_clock.is_some() {
            return Err(ConfigError::new(
                "CLEANSPACE_CLOCK",
                "fixes the time for tests and evaluations and is refused in production",
            ));
        }
        Ok(())
    }

    /// Whether `APP_ENV=production`.
    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }

    /// Whether read-only aggregate endpoints are open without a token.
    pub fn aggregates_are_public(&self) -> bool {
        !self.is_production() || self.metrics_public
    }
}

/// Default of `MAX_IN_FLIGHT`. Offered 5,000 requests/s of the soak's mix (about three times
/// what the 2-core benchmark machine serves), the server peaked at 672-748 MB with no
/// limit, 92-94 MB with 512, 76.7 MB with 256 and 65.5 MB with 128. 256 keeps room for
/// bursts of quick requests (200 concurrent bookings in the API tests) and for turns
/// waiting on a slow model.
const DEFAULT_MAX_IN_FLIGHT: usize = 256;

fn parse_or<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(value) => value
            .parse()
            .map_err(|_| ConfigError::new(name, format!("`{value}` is not a valid value"))),
    }
}

fn parse_bool(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<bool, ConfigError> {
    match get(name).map(|value| value.to_ascii_lowercase()).as_deref() {
        None | Some("false") | Some("0") | Some("no") | Some("off") => Ok(false),
        Some("true") | Some("1") | Some("yes") | Some("on") => Ok(true),
        Some(other) => Err(ConfigError::new(
            name,
            format!("must be true or false, not `{other}`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    const GOOD_SECRET: &str = "0123456789abcdef0123456789abcdef-long";

    #[test]
    fn defaults_describe_a_local_development_server() {
        let config = load(&[]).unwrap();
        assert_eq!(config.port, 3000);
        assert_eq!(config.host.to_string(), "127.0.0.1");
        assert_eq!(config.database_url, "sqlite://data/cleanspace.db");
        assert_eq!(config.crews, 2);
        assert_eq!(config.rate_limit_api_per_sec, 10);
        assert_eq!(config.business_timezone, chrono_tz::America::New_York);
        assert!(!config.is_production());
    }

    #[test]
    fn production_refuses_the_default_jwt_secret() {
        let err = load(&[("APP_ENV", "production"), ("ADMIN_PASSWORD", "pw")]).unwrap_err();
        assert_eq!(err.variable, "JWT_SECRET");
    }

    #[test]
    fn production_refuses_a_short_jwt_secret() {
        let err = load(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", "short-secret"),
            ("ADMIN_PASSWORD", "pw"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "JWT_SECRET");
        assert!(err.to_string().contains("32 bytes"));
    }

    #[test]
    fn production_requires_an_admin_password() {
        let err = load(&[("APP_ENV", "production"), ("JWT_SECRET", GOOD_SECRET)]).unwrap_err();
        assert_eq!(err.variable, "ADMIN_PASSWORD");
    }

    #[test]
    fn production_refuses_wildcard_cors() {
        let err = load(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", GOOD_SECRET),
            ("ADMIN_PASSWORD", "pw"),
            ("CORS_ORIGIN", "*"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "CORS_ORIGIN");
    }

    #[test]
    fn production_refuses_a_fixed_clock() {
        let err = load(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", GOOD_SECRET),
            ("ADMIN_PASSWORD", "pw"),
            ("CLEANSPACE_CLOCK", "2026-12-01T14:00:00Z"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "CLEANSPACE_CLOCK");
    }

    #[test]
    fn a_safe_production_config_is_accepted() {
        let config = load(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", GOOD_SECRET),
            ("ADMIN_PASSWORD", "pw"),
            (
                "CORS_ORIGIN",
                "https://cleanspace.example, https://www.cleanspace.example/",
            ),
        ])
        .unwrap();
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(
            config.cors_origins,
            vec![
                "https://cleanspace.example",
                "https://www.cleanspace.example"
            ]
        );
    }

    /// Every variable the code reads, found in this file's source.
    fn variables_read_by_the_code() -> std::collections::BTreeSet<String> {
        let source = include_str!("mod.rs");
        let pattern = regex::Regex::new(
            r#"(?:get|parse_or|parse_bool)\(\s*(?:&get,\s*)?"([A-Z][A-Z0-9_]+)""#,
        )
        .unwrap();
        pattern
            .captures_iter(source)
            .map(|c| c[1].to_owned())
            .collect()
    }

    #[test]
    fn the_production_example_lists_exactly_the_variables_the_code_reads() {
        let example = include_str!("../../.env.production.example");
        let pattern = regex::Regex::new(r"(?m)^#?\s*([A-Z][A-Z0-9_]+)=").unwrap();
        let listed: std::collections::BTreeSet<String> = pattern
            .captures_iter(example)
            .map(|c| c[1].to_owned())
            .collect();
        let read = variables_read_by_the_code();
        assert!(read.len() > 30, "the scan found the variables: {read:?}");
        let missing: Vec<_> = read.difference(&listed).collect();
        let unused: Vec<_> = listed.difference(&read).collect();
        assert!(
            missing.is_empty(),
            "read but not in .env.production.example: {missing:?}"
        );
        assert!(
            unused.is_empty(),
            "in .env.production.example but never read: {unused:?}"
        );
    }

    #[test]
    fn every_example_variable_has_a_comment_naming_its_default() {
        let example = include_str!("../../.env.production.example");
        let variable = regex::Regex::new(r"^#?\s*([A-Z][A-Z0-9_]+)=").unwrap();
        let mut comment: Vec<&str> = Vec::new();
        let mut checked = 0;
        for line in example.lines() {
            if let Some(found) = variable.captures(line) {
                let name = &found[1];
                assert!(
                    !comment.is_empty(),
                    "{name} has no comment line directly above it"
                );
                assert!(
                    comment.iter().any(|c| c.contains("Default:")),
                    "the comment above {name} does not say `Default: …` (or `Default: none`): {comment:?}"
                );
                checked += 1;
                comment.clear();
            } else if line.starts_with('#') && !line.starts_with("# ---") {
                comment.push(line);
            } else {
                comment.clear();
            }
        }
        assert!(checked > 30, "only {checked} variables were checked");
    }

    #[test]
    fn a_bad_number_names_its_variable() {
        assert_eq!(load(&[("PORT", "eighty")]).unwrap_err().variable, "PORT");
        assert_eq!(load(&[("CREWS", "0")]).unwrap_err().variable, "CREWS");
        for value in ["0", "many"] {
            assert_eq!(
                load(&[("MAX_IN_FLIGHT", value)]).unwrap_err().variable,
                "MAX_IN_FLIGHT"
            );
        }
        assert_eq!(
            load(&[("BUSINESS_TIMEZONE", "Mars/Olympus")])
                .unwrap_err()
                .variable,
            "BUSINESS_TIMEZONE"
        );
        assert_eq!(
            load(&[("TRUST_PROXY", "maybe")]).unwrap_err().variable,
            "TRUST_PROXY"
        );
    }
}
