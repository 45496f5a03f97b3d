//! The command line: `serve` (default), `migrate`, `check`, `eval`, `safety-eval`.
//! Parsing and printing; the work is done by the library functions each command calls.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chrono::Utc;

use crate::chat::eval;
use crate::chat::repository::{insert_evaluations, EvaluationRow};
use crate::config::Config;
use crate::storage::Database;

/// Where `cleanspace eval` finds its dialogues by default (the shared folder beside the checkout).
pub const DEFAULT_DIALOGUES: &str = "../shared/eval/booking/dialogues.jsonl";

/// A parsed subcommand.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the HTTP server.
    Serve,
    /// Apply migrations and exit.
    Migrate,
    /// Pre-flight checks; exit non-zero with the reason on failure.
    Check,
    /// Consistent online copy of the database.
    Backup { path: PathBuf, keep: Option<usize> },
    /// Replace the database with a backup (server stopped).
    Restore { path: PathBuf },
    /// Run the simulated booking dialogues against a variant.
    Eval { dialogues: PathBuf, variant: String },
    /// Measure the safety scanner on a labelled JSONL file.
    SafetyEval { path: PathBuf },
    /// Print usage.
    Help,
}

/// Usage text.
pub const USAGE: &str = "usage: cleanspace [serve | migrate | check | backup PATH [--keep N] | restore PATH | eval [--dialogues PATH] [--variant NAME] | safety-eval PATH.jsonl | help]";

impl Command {
    /// Parses the arguments after the program name.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        match args.first().map(String::as_str) {
            None | Some("serve") => Ok(Command::Serve),
            Some("migrate") => Ok(Command::Migrate),
            Some("check") => Ok(Command::Check),
            Some("eval") => {
                let mut dialogues = PathBuf::from(DEFAULT_DIALOGUES);
                let mut variant = "baseline".to_owned();
                let mut rest = args[1..].iter();
                while let Some(flag) = rest.next() {
                    let value = rest
                        .next()
                        .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
                    match flag.as_str() {
                        "--dialogues" => dialogues = PathBuf::from(value),
                        "--variant" => variant = value.clone(),
                        other => bail!("unknown option `{other}`\n{USAGE}"),
                    }
                }
                Ok(Command::Eval { dialogues, variant })
            }
            Some("backup") => {
                let path = args
                    .get(1)
                    .with_context(|| format!("backup needs a target file\n{USAGE}"))?;
                let keep = match (args.get(2).map(String::as_str), args.get(3)) {
                    (None, _) => None,
                    (Some("--keep"), Some(n)) => {
                        Some(n.parse().with_context(|| "--keep needs a number")?)
                    }
                    _ => bail!("unknown option\n{USAGE}"),
                };
                Ok(Command::Backup {
                    path: PathBuf::from(path),
                    keep,
                })
            }
            Some("restore") => match args.get(1) {
                Some(path) => Ok(Command::Restore {
                    path: PathBuf::from(path),
                }),
                None => bail!("restore needs a backup file\n{USAGE}"),
            },
            Some("safety-eval") => match args.get(1) {
                Some(path) => Ok(Command::SafetyEval {
                    path: PathBuf::from(path),
                }),
                None => bail!("safety-eval needs a JSONL file\n{USAGE}"),
            },
            Some("help" | "--help" | "-h") => Ok(Command::Help),
            Some(other) => bail!("unknown command `{other}`\n{USAGE}"),
        }
    }
}

/// `cleanspace migrate`.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = Database::connect(&config.database_url, 1)
        .await
        .context("cannot open the database (DATABASE_URL)")?;
    db.migrate().await.context("cannot apply migrations")?;
    db.close().await;
    println!("migrations applied");
    Ok(())
}

/// `cleanspace check`: one line per check; the first failure is returned as the error.
pub async fn check(config: &Config) -> anyhow::Result<()> {
    println!(
        "ok   config ({} mode)",
        if config.is_production() {
            "production"
        } else {
            "development"
        }
    );
    let db = Database::connect(&config.database_url, 1)
        .await
        .context("database: cannot open (DATABASE_URL)")?;
    db.migrate()
        .await
        .context("database: cannot apply migrations")?;
    db.check_writable()
        .await
        .context("database: not writable")?;
    db.close().await;
    println!(
        "ok   database writable and migrated ({})",
        config.database_url
    );
    let address = SocketAddr::new(config.host, config.port);
    TcpListener::bind(address)
        .with_context(|| format!("port: {address} is already in use or not allowed (HOST/PORT)"))?;
    println!("ok   port {address} free");
    if !config.static_dir.is_dir() {
        bail!(
            "static: STATIC_DIR {} is not a directory",
            config.static_dir.display()
        );
    }
    println!("ok   static dir {}", config.static_dir.display());
    check_llm(config).await
}

/// The LLM line of `check`: a rejected key fails (the setting is wrong); an unreachable
/// provider only warns, because the service still answers with the built-in engine and
/// a provider outage must not block a restart.
async fn check_llm(config: &Config) -> anyhow::Result<()> {
    let Some(key) = config.llm.api_key.clone() else {
        println!("ok   llm off (no GROQ_API_KEY/LLM_API_KEY): built-in engine only");
        return Ok(());
    };
    let provider = crate::llm::providers::openai::OpenAiProvider::new(
        &config.llm.provider,
        &config.llm.base_url,
        key,
        std::time::Duration::from_secs(5),
    )
    .context("llm: cannot build the HTTP client")?;
    match provider.probe().await {
        Ok(()) => println!("ok   llm reachable at {}", config.llm.base_url),
        Err(e) if matches!(e.class, crate::llm::retry::ErrorClass::Auth) => {
            bail!("llm: the provider refused the API key (GROQ_API_KEY/LLM_API_KEY), status {:?}", e.status)
        }
        Err(e) => println!(
            "warn llm: {} unreachable ({}); the built-in engine will answer until it is (LLM_BASE_URL)",
            config.llm.base_url,
            e.class.as_str()
        ),
    }
    Ok(())
}

/// `cleanspace backup PATH [--keep N]`.
pub async fn backup(config: &Config, path: &Path, keep: Option<usize>) -> anyhow::Result<()> {
    let db = Database::connect(&config.database_url, 1)
        .await
        .context("cannot open the database (DATABASE_URL)")?;
    let removed = crate::storage::files::backup(&db.reader, path, keep).await?;
    db.close().await;
    println!("ok   backup written and verified: {}", path.display());
    for old in removed {
        println!("ok   removed old backup {}", old.display());
    }
    Ok(())
}

/// `cleanspace restore PATH`.
pub async fn restore(config: &Config, path: &Path) -> anyhow::Result<()> {
    crate::storage::files::restore(&config.database_url, path).await?;
    println!("ok   database restored from {}", path.display());
    Ok(())
}

/// `cleanspace eval`: runs the dialogues (see [`eval::run`]), prints the report and the
/// tier mix with the cost per booking, stores one row per dialogue in the configured
/// database. Returns whether every dialogue succeeded.
pub async fn eval(config: &Config, dialogues: &Path, variant: &str) -> anyhow::Result<bool> {
    let dialogues = eval::load_dialogues(dialogues).map_err(anyhow::Error::msg)?;
    let run = eval::run(config, &dialogues, variant).await?;
    println!("{}", eval::report(variant, &run.results));
    println!("{}", run.cost.summary());

    let db = Database::connect(&config.database_url, 1)
        .await
        .context("cannot open the database (DATABASE_URL)")?;
    db.migrate().await.context("cannot apply migrations")?;
    let run_id = format!("eval_{:x}", rand::random::<u64>());
    let rows: Vec<EvaluationRow> = run
        .results
        .iter()
        .map(|r| EvaluationRow {
            dialogue_id: &r.id,
            success: r.success,
            turns: r.turns as i64,
            cost_micros: r.cost_micros,
            failure: r.failure.as_deref(),
        })
        .collect();
    insert_evaluations(&db, &run_id, variant, &rows, Utc::now()).await?;
    db.close().await;
    println!("stored {} rows as run {run_id}", rows.len());
    Ok(run.all_passed())
}

/// `cleanspace safety-eval PATH`: prints the scanner's recall, false positives,
/// PII precision/recall and latency on a labelled file.
pub fn safety_eval(path: &Path) -> anyhow::Result<()> {
    let scanner = crate::safety::Scanner::new().context("safety scanner")?;
    let report =
        crate::safety::eval::run_eval(&scanner, path).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{report}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn no_command_means_serve() {
        assert_eq!(Command::parse(&[]).unwrap(), Command::Serve);
        assert_eq!(Command::parse(&args(&["check"])).unwrap(), Command::Check);
        assert!(Command::parse(&args(&["frobnicate"])).is_err());
    }
}
