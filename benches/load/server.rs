//! The release `cleanspace` binary as a child process on 127.0.0.1: a temporary database
//! folder, a free port, readiness polling and a SIGTERM stop that also runs on drop, so a
//! failed scenario never leaves a server behind.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

use crate::Ctx;
use tempfile::TempDir;

/// "Now" for every server: Tuesday 2026-12-01 09:00 in New York.
pub const CLOCK: &str = "2026-12-01T14:00:00Z";
/// Crews, so distinct-slot bookings have room.
pub const CREWS: u32 = 50;
/// How long a server may take to answer `/api/health/ready` before we give up.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server may take to exit after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the release binary is expected, and a clear error when it is missing.
pub fn release_binary(explicit: Option<&Path>) -> Result<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|dir| {
                if dir.is_relative() {
                    manifest.join(dir)
                } else {
                    dir
                }
            })
            .unwrap_or_else(|| manifest.join("target"))
            .join("release")
            .join("cleanspace"),
    };
    if !path.is_file() {
        bail!(
            "{} not found: the load harness builds nothing itself.\n\
             Run `cargo build --release` first (or `benches/run.sh`, which does both).",
            path.display()
        );
    }
    warn_if_stale(&path, &manifest.join("src"));
    Ok(path)
}

/// Warns when a source file is newer than the binary, which then measures old code.
fn warn_if_stale(binary: &Path, src: &Path) {
    let Ok(built) = binary.metadata().and_then(|m| m.modified()) else {
        return;
    };
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified > built)
            {
                eprintln!(
                    "warning: {} is newer than {}; run `cargo build --release` to measure current code",
                    path.display(),
                    binary.display()
                );
                return;
            }
        }
    }
}

/// A temporary folder holding one database file, shared by successive servers.
pub struct Workspace {
    dir: TempDir,
}

impl Workspace {
    pub fn new() -> Result<Self> {
        Ok(Self {
            dir: tempfile::Builder::new()
                .prefix("cleanspace-bench-")
                .tempdir()
                .context("creating a temporary folder")?,
        })
    }

    /// The SQLite file.
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("bench.db")
    }

    /// `DATABASE_URL` of the file.
    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.db_path().display())
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// A running server.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Process id, for `/proc` readings.
    pub pid: u32,
    /// Spawn to the first successful `/api/health/ready`.
    pub start_to_ready: Duration,
    log: PathBuf,
    stopped: bool,
}

/// A port nobody listens on right now (the tiny window until the server binds is accepted).
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

impl Server {
    /// Spawns the binary on the workspace's database with the bench environment plus
    /// `extra`, and waits until it reports ready. The environment is cleared first, so
    /// neither the caller's shell nor a `.env` file changes what is measured.
    pub async fn start(
        ctx: &Ctx,
        workspace: &Workspace,
        extra: &[(&str, String)],
    ) -> Result<Server> {
        let port = free_port()?;
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let log = workspace.path().join(format!("server-{port}.log"));
        let log_file = File::create(&log).context("creating the server log")?;
        let binary = &ctx.binary;
        let mut command = Command::new(binary);
        command
            .current_dir(workspace.path())
            .env_clear()
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .env("DATABASE_URL", workspace.db_url())
            .env("STATIC_DIR", manifest.join("static"))
            .env("RATE_LIMIT_API_PER_SEC", "1000000")
            .env("RATE_LIMIT_GENERAL_PER_SEC", "1000000")
            .env("LOG_LEVEL", "warn")
            .env("ADMIN_PASSWORD", "bench")
            .env(
                "JWT_SECRET",
                "bench-only-secret-0123456789abcdef-0123456789",
            )
            .env("CREWS", CREWS.to_string())
            .env("CLEANSPACE_CLOCK", CLOCK)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        for (name, value) in extra {
            command.env(name, value);
        }
        for (name, value) in &ctx.server_env {
            command.env(name, value);
        }
        let started = Instant::now();
        let child = command
            .spawn()
            .with_context(|| format!("spawning {}", binary.display()))?;
        let mut server = Server {
            pid: child.id(),
            child,
            base: format!("http://127.0.0.1:{port}"),
            start_to_ready: Duration::ZERO,
            log,
            stopped: false,
        };
        server.start_to_ready = server.wait_ready(started).await?;
        if ctx.verbose {
            eprintln!(
                "[server pid {} at {}, ready in {:.1} ms, log {}]",
                server.pid,
                server.base,
                server.start_to_ready.as_secs_f64() * 1000.0,
                server.log.display()
            );
        }
        Ok(server)
    }

    async fn wait_ready(&mut self, started: Instant) -> Result<Duration> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(500))
            .build()?;
        let url = format!("{}/api/health/ready", self.base);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the server exited ({status}) before it was ready:\n{}",
                    self.log_tail()
                );
            }
            if let Ok(response) = client.get(&url).send().await {
                if response.status().is_success() {
                    return Ok(started.elapsed());
                }
            }
            if started.elapsed() > READY_TIMEOUT {
                bail!(
                    "the server was not ready after {READY_TIMEOUT:?}:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// The last lines of the server's output, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Warnings and errors the server logged (LOG_LEVEL=warn), counted.
    pub fn logged_lines(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .map(|text| text.lines().filter(|l| !l.trim().is_empty()).count())
            .unwrap_or_default()
    }

    /// Sends SIGTERM and waits for a graceful exit (killing after a timeout).
    pub async fn stop(mut self) -> Result<()> {
        terminate(self.pid);
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            // On an error here `drop` still runs and kills the process.
            if let Some(status) = self.child.try_wait()? {
                self.stopped = true;
                if !status.success() {
                    return Err(anyhow!(
                        "the server exited with {status}:\n{}",
                        self.log_tail()
                    ));
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                self.stopped = true;
                bail!("the server ignored SIGTERM for {STOP_TIMEOUT:?} and was killed");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// `kill -TERM pid` (the crate forbids `unsafe`, so no direct libc call).
fn terminate(pid: u32) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        terminate(self.pid);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_)) | Err(_)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
