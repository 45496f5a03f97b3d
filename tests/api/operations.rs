//! Operations: a consistent backup under load, restore refused while serving, rotation,
//! and the restored database serving again.

use std::process::Command;

use tokio::io::AsyncReadExt;

use crate::booking::{booking, booking_app};
use crate::helpers::{spawn_app_with, TestOptions};

fn cleanspace(dir: &std::path::Path, database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cleanspace"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("DATABASE_URL", database_url)
        .output()
        .unwrap()
}

/// Every table of the database with all its rows, each row as SQL literals, sorted: two
/// databases with equal dumps hold the same data.
async fn dump(url: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut dump = std::collections::BTreeMap::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                .bind(&table)
                .fetch_all(&pool)
                .await
                .unwrap();
        let row = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let mut rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {row} FROM \"{table}\""))
            .fetch_all(&pool)
            .await
            .unwrap();
        rows.sort();
        dump.insert(table, rows);
    }
    pool.close().await;
    dump
}

#[tokio::test]
async fn a_backup_under_load_restores_to_the_same_bookings() {
    let mut app = booking_app(50).await;
    let url = app.state.config.database_url.clone();
    let dir = app.dir.path().to_owned();
    // Bookings keep arriving while the backup runs.
    let client = app.client.clone();
    let base = app.address.clone();
    let load = tokio::spawn(async move {
        let mut created = 0;
        for (day, time) in [
            ("2026-12-02", "09:00"),
            ("2026-12-03", "09:00"),
            ("2026-12-04", "09:00"),
        ]
        .iter()
        .cycle()
        .take(150)
        {
            let response = client
                .post(format!("{base}/api/appointments"))
                .json(&booking(day, time))
                .send()
                .await
                .unwrap();
            if response.status() == 201 {
                created += 1;
            }
        }
        created
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let backup_path = dir.join("backups/first.db");
    let backup = tokio::task::spawn_blocking({
        let dir = dir.clone();
        let url = url.clone();
        let target = backup_path.to_string_lossy().into_owned();
        move || cleanspace(&dir, &url, &["backup", &target])
    })
    .await
    .unwrap();
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    let created = load.await.unwrap();
    assert!(created > 0);
    let backup_url = format!("sqlite://{}", backup_path.display());
    let in_backup = dump(&backup_url).await;
    assert!(in_backup["appointments"].len() <= created);
    assert!(
        in_backup.len() >= 10,
        "every table is in the backup: {:?}",
        in_backup.keys()
    );
    // One consistent snapshot: every appointment it holds is, unchanged, in the source.
    let source = dump(&url).await;
    for row in &in_backup["appointments"] {
        assert!(
            source["appointments"].contains(row),
            "not in the source: {row}"
        );
    }

    let refused = cleanspace(&dir, &url, &["restore", &backup_path.to_string_lossy()]);
    assert!(
        !refused.status.success(),
        "restore must refuse while the server runs"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("a server is running"));

    app.stop().await;
    let restored = cleanspace(&dir, &url, &["restore", &backup_path.to_string_lossy()]);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert_eq!(
        dump(&url).await,
        in_backup,
        "the restored database is the backup, table by table and row by row"
    );
    let again = spawn_app_with(TestOptions::default().var("DATABASE_URL", url.clone())).await;
    assert_eq!(again.get("/api/health").await.status(), 200);
}

#[tokio::test]
async fn a_backup_of_a_quiet_database_restores_to_an_identical_one() {
    let mut app = booking_app(4).await;
    for time in ["09:00", "11:00", "14:00"] {
        let response = app
            .post_json("/api/appointments", &booking("2026-12-03", time))
            .await;
        assert_eq!(response.status(), 201);
    }
    let url = app.state.config.database_url.clone();
    let dir = app.dir.path().to_owned();
    let target = dir.join("backups/quiet.db");
    let backup = tokio::task::spawn_blocking({
        let (dir, url, target) = (dir.clone(), url.clone(), target.clone());
        move || cleanspace(&dir, &url, &["backup", &target.to_string_lossy()])
    })
    .await
    .unwrap();
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    app.stop().await;
    let source = dump(&url).await;
    assert_eq!(source["appointments"].len(), 3);

    let copy_url = format!("sqlite://{}/restored.db", dir.display());
    let restored = cleanspace(&dir, &copy_url, &["restore", &target.to_string_lossy()]);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert_eq!(dump(&copy_url).await, source);
}

#[tokio::test]
async fn restore_refuses_a_corrupt_backup_and_changes_nothing() {
    let mut app = booking_app(2).await;
    assert_eq!(
        app.post_json("/api/appointments", &booking("2026-12-03", "10:00"))
            .await
            .status(),
        201
    );
    let url = app.state.config.database_url.clone();
    let dir = app.dir.path().to_owned();
    app.stop().await;
    let before = dump(&url).await;

    let corrupt = dir.join("corrupt.db");
    std::fs::write(
        &corrupt,
        b"this is not an SQLite database, just some bytes".repeat(100),
    )
    .unwrap();
    let refused = cleanspace(&dir, &url, &["restore", &corrupt.to_string_lossy()]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "a corrupt backup was restored");
    assert!(
        stderr.contains("corrupt.db is not a sound database backup"),
        "{stderr}"
    );
    assert_eq!(dump(&url).await, before, "the database is untouched");
}

#[tokio::test]
async fn backups_rotate_keeping_the_newest_and_leave_other_files_alone() {
    let app = booking_app(2).await;
    let url = app.state.config.database_url.clone();
    let dir = app.dir.path().to_owned();
    let folder = dir.join("rotation");
    std::fs::create_dir_all(&folder).unwrap();
    // Files the backup command did not name: another database, a hand-made copy.
    for foreign in [
        "other.db",
        "cleanspace.db",
        "pre-upgrade-2026-03-01-0930.db",
    ] {
        std::fs::write(folder.join(foreign), b"not a backup").unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    for name in [
        "cleanspace-2026-03-12.db",
        "cleanspace-2026-03-13.db",
        "cleanspace-2026-03-14.db",
    ] {
        let target = folder.join(name).to_string_lossy().into_owned();
        let output = cleanspace(&dir, &url, &["backup", &target, "--keep", "2"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut left: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec![
            "cleanspace-2026-03-13.db",
            "cleanspace-2026-03-14.db",
            "cleanspace.db",
            "other.db",
            "pre-upgrade-2026-03-01-0930.db",
        ]
    );
}

/// The binary with the variables of .env.production.example, as an operator fills them
/// in: secrets set, and the paths and port pointed at this test's folder and loopback.
fn production_command(dir: &std::path::Path, port: u16, subcommand: &str) -> Command {
    let example = include_str!("../../.env.production.example");
    let mut command = Command::new(env!("CARGO_BIN_EXE_cleanspace"));
    command.arg(subcommand).current_dir(dir).env_clear();
    for line in example.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line.split_once('=').unwrap();
        command.env(name, value);
    }
    command
        .env(
            "JWT_SECRET",
            "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978",
        )
        .env("ADMIN_PASSWORD", "a-long-operator-password")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/var/cleanspace.db", dir.display()),
        )
        .env("STATIC_DIR", dir.join("static"))
        .env("PORT", port.to_string());
    command
}

/// A loopback port free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Issue 10's "done when": the example environment passes `check`, then `serve` answers
/// /api/health and stops cleanly on SIGTERM.
#[tokio::test]
async fn the_binary_checks_serves_and_stops_with_the_production_example_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("static")).unwrap();
    std::fs::write(dir.path().join("static/index.html"), "<h1>CleanSpace</h1>").unwrap();
    let port = free_port();

    let output = production_command(dir.path(), port, "check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("ok   config (production mode)"), "{stdout}");
    assert!(stdout.contains("ok   database writable and migrated"));
    assert!(stdout.contains("ok   llm off"));

    let mut server = tokio::process::Command::from(production_command(dir.path(), port, "serve"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/api/health");
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let body = loop {
        if let Ok(response) = client.get(&health).send().await {
            assert_eq!(response.status(), 200);
            break response.text().await.unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not answer /api/health within 20 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(body.contains("\"status\""), "{body}");

    let pid = server.id().unwrap().to_string();
    let kill = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(kill.success());
    let exit = tokio::time::timeout(std::time::Duration::from_secs(30), server.wait())
        .await
        .expect("the server exits within 30 s of SIGTERM")
        .unwrap();
    // The log lines (stdout) and any error (stderr); a few kilobytes, read after the exit.
    let mut printed = String::new();
    if let Some(mut pipe) = server.stdout.take() {
        pipe.read_to_string(&mut printed).await.unwrap();
    }
    if let Some(mut pipe) = server.stderr.take() {
        pipe.read_to_string(&mut printed).await.unwrap();
    }
    assert!(exit.success(), "exit {exit} after SIGTERM: {printed}");
    assert!(printed.contains("SIGTERM received"), "{printed}");
}
