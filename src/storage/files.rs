//! The database as files: the server's lock beside it, consistent online backups
//! (`VACUUM INTO`, verified with `integrity_check`) with rotation, and restore.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// Why a file operation on the database failed, in words for the operator.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("DATABASE_URL does not name a database file")]
    NotAFile,
    #[error("a server is running on this database ({0}); stop it first")]
    ServerRunning(String),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("database: {0}")]
    Sqlite(#[from] sqlx::Error),
    #[error("the copy failed its integrity check: {0}")]
    Corrupt(String),
    #[error("{0} is not a sound database backup ({1}); nothing was changed")]
    BadBackup(String, String),
}

/// The file behind a `sqlite:` URL (`None` for in-memory databases).
pub fn database_file(url: &str) -> Option<PathBuf> {
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    let text = path.to_string_lossy();
    (!text.is_empty() && text != ":memory:").then(|| path.to_path_buf())
}

/// An exclusive lock on `<database>.lock`, held while a server runs.
#[derive(Debug)]
pub struct ServerLock {
    _file: Option<File>,
}

impl ServerLock {
    /// Takes the lock; fails if another process holds it.
    pub fn acquire(url: &str) -> Result<Self, FileError> {
        let Some(db) = database_file(url) else {
            return Ok(Self { _file: None });
        };
        let lock_path = with_suffix(&db, ".lock");
        if let Some(folder) = lock_path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .map_err(|e| FileError::Io(folder.display().to_string(), e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| FileError::Io(lock_path.display().to_string(), e))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: Some(file) }),
            Err(_) => Err(FileError::ServerRunning(db.display().to_string())),
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

async fn integrity(path: &Path) -> Result<(), FileError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await?;
    let result: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    if result == "ok" {
        Ok(())
    } else {
        Err(FileError::Corrupt(result))
    }
}

/// Whether `name` has the target's naming pattern: the same name except for its digits
/// (`cleanspace-2026-03-14.db` and `cleanspace-2026-03-15.db`). Rotation touches only
/// those, so other files in the folder (another database, a hand-made copy) survive.
fn same_backup_pattern(name: &str, target_name: &str) -> bool {
    let shape = |text: &str| -> String {
        text.chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect()
    };
    name.chars().count() == target_name.chars().count() && shape(name) == shape(target_name)
}

/// Copies the live database to `target` (replacing it atomically), verifies the copy,
/// and with `keep` deletes all but the newest `keep` backups in the target's folder:
/// files named like the target except for their digits (see `same_backup_pattern`).
/// Returns the files removed.
pub async fn backup(
    pool: &sqlx::SqlitePool,
    target: &Path,
    keep: Option<usize>,
) -> Result<Vec<PathBuf>, FileError> {
    let folder = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(|e| FileError::Io(folder.display().to_string(), e))?;
    let partial = with_suffix(target, ".partial");
    let _ = std::fs::remove_file(&partial);
    // VACUUM INTO reads one consistent snapshot while the server keeps writing.
    sqlx::query("VACUUM INTO ?")
        .bind(partial.to_string_lossy().into_owned())
        .execute(pool)
        .await?;
    integrity(&partial).await?;
    std::fs::rename(&partial, target)
        .map_err(|e| FileError::Io(target.display().to_string(), e))?;
    let mut removed = Vec::new();
    if let Some(keep) = keep {
        let mut backups: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(folder)
            .map_err(|e| FileError::Io(folder.display().to_string(), e))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.is_file()
                    && path.file_name().zip(target.file_name()).is_some_and(
                        |(name, target_name)| {
                            same_backup_pattern(
                                &name.to_string_lossy(),
                                &target_name.to_string_lossy(),
                            )
                        },
                    )
            })
            .filter_map(|path| Some((path.metadata().ok()?.modified().ok()?, path)))
            .collect();
        backups.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
        for (_, old) in backups.into_iter().skip(keep.max(1)) {
            if old != target && std::fs::remove_file(&old).is_ok() {
                removed.push(old);
            }
        }
    }
    Ok(removed)
}

/// Replaces the database with a verified backup. Refuses while a server holds it.
pub async fn restore(url: &str, source: &Path) -> Result<(), FileError> {
    let db = database_file(url).ok_or(FileError::NotAFile)?;
    let _lock = ServerLock::acquire(url)?;
    integrity(source)
        .await
        .map_err(|e| FileError::BadBackup(source.display().to_string(), e.to_string()))?;
    let staged = with_suffix(&db, ".restoring");
    std::fs::copy(source, &staged).map_err(|e| FileError::Io(source.display().to_string(), e))?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&db, suffix));
    }
    std::fs::rename(&staged, &db).map_err(|e| FileError::Io(db.display().to_string(), e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::same_backup_pattern;

    #[test]
    fn rotation_matches_only_names_that_differ_in_digits() {
        let target = "cleanspace-2026-03-14.db";
        assert!(same_backup_pattern("cleanspace-2026-03-14.db", target));
        assert!(same_backup_pattern("cleanspace-2025-12-31.db", target));
        for foreign in [
            "cleanspace.db",
            "other.db",
            "cleanspace-2026-03-14-0930.db",
            "cleanspace-2026-03-14.db.partial",
            "pre-upgrade-2026-03-14.db",
        ] {
            assert!(!same_backup_pattern(foreign, target), "{foreign}");
        }
    }
}
