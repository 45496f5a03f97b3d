//! The command line: `serve` (default), `migrate`, `check`. Parsing only; the work is
//! done by the library functions each command calls.

use std::net::{SocketAddr, TcpListener};

use anyhow::{bail, Context};

use crate::config::Config;
use crate::storage::Database;

/// A parsed subcommand.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the HTTP server.
    Serve,
    /// Apply migrations and exit.
    Migrate,
    /// Pre-flight checks; exit non-zero with the reason on failure.
    Check,
    /// Print usage.
    Help,
}

/// Usage text.
pub const USAGE: &str = "usage: cleanspace [serve|migrate|check|help]";

impl Command {
    /// Parses the arguments after the program name.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        match args.first().map(String::as_str) {
            None | Some("serve") => Ok(Command::Serve),
            Some("migrate") => Ok(Command::Migrate),
            Some("check") => Ok(Command::Check),
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
