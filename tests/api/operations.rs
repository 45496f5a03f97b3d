//! Operations: a consistent backup under load, restore refused while serving, rotation,
//! and the restored database serving again.

use std::process::Command;

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

async fn count(url: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM appointments")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
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
    let in_backup = count(&backup_url).await;
    assert!(in_backup <= created as i64);

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
        count(&url).await,
        in_backup,
        "the restored database is the backup"
    );
    let again = spawn_app_with(TestOptions::default().var("DATABASE_URL", url.clone())).await;
    assert_eq!(again.get("/api/health").await.status(), 200);
}

#[tokio::test]
async fn backups_rotate_keeping_the_newest() {
    let app = booking_app(2).await;
    let url = app.state.config.database_url.clone();
    let dir = app.dir.path().to_owned();
    let folder = dir.join("rotation");
    for name in ["a.db", "b.db", "c.db"] {
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
    assert_eq!(left, vec!["b.db", "c.db"]);
}

#[tokio::test]
async fn check_passes_with_the_production_example_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("static")).unwrap();
    let example = include_str!("../../.env.production.example");
    let mut command = Command::new(env!("CARGO_BIN_EXE_cleanspace"));
    command.arg("check").current_dir(dir.path()).env_clear();
    for line in example.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line.split_once('=').unwrap();
        command.env(name, value);
    }
    // What an operator fills in, and paths that exist on this machine.
    command
        .env(
            "JWT_SECRET",
            "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978",
        )
        .env("ADMIN_PASSWORD", "a-long-operator-password")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/var/cleanspace.db", dir.path().display()),
        )
        .env("STATIC_DIR", dir.path().join("static"))
        .env("PORT", "0");
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("ok   config (production mode)"), "{stdout}");
    assert!(stdout.contains("ok   database writable and migrated"));
    assert!(stdout.contains("ok   llm off"));
}
