//! The `cleanspace` binary: parse the command, load the config, run.

use std::process::ExitCode;

use cleanspace::cli::{self, Command, USAGE};
use cleanspace::config::Config;
use cleanspace::observability::init_tracing;
use cleanspace::startup::Application;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = Command::parse(&args)?;
    match &command {
        Command::Help => {
            println!("{USAGE}");
            return Ok(());
        }
        Command::SafetyEval { path } => return cli::safety_eval(path),
        _ => {}
    }
    // A missing .env is normal; a malformed one is reported.
    if let Err(error) = dotenvy::dotenv() {
        if !error.not_found() {
            anyhow::bail!(".env: {error}");
        }
    }
    let config = Config::from_env()?;
    init_tracing(&config);
    match command {
        Command::Serve => Application::build(config).await?.run_until_stopped().await,
        Command::Migrate => cli::migrate(&config).await,
        Command::Check => cli::check(&config).await,
        Command::Backup { path, keep } => cli::backup(&config, &path, keep).await,
        Command::Restore { path } => cli::restore(&config, &path).await,
        Command::Eval { dialogues, variant } => {
            if !cli::eval(&config, &dialogues, &variant).await? {
                anyhow::bail!("some dialogues failed");
            }
            Ok(())
        }
        Command::SafetyEval { .. } | Command::Help => Ok(()),
    }
}
