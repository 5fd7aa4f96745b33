//! Backup and restore of a whole database, by URL.
//!
//! SQLite uses SQLite's online backup API: the copy is read in one step inside one read
//! transaction, which in WAL mode never blocks the writers, so the server stays usable and
//! the copy is a consistent snapshot. PostgreSQL uses `pg_dump --format=custom` (one
//! snapshot too) and restores with `pg_restore` piped into one `psql` transaction.
//!
//! A backup is written to a temporary file beside the destination and renamed when it is
//! complete and flushed, so a crash never leaves a half backup under the final name. A
//! restore is one transaction on either backend: a crash leaves the database as it was.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use r2d2_sqlite::rusqlite::backup::{Backup, StepResult};
use r2d2_sqlite::rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::migrate::MIGRATIONS;
use crate::{Backend, Location, Result, StoreError};

/// Tables filled by every migration run rather than by people: a database holding only
/// these is empty for a restore.
const REFERENCE_TABLES: [&str; 3] = ["schema_migrations", "states", "terms"];

/// How long a SQLite backup or restore waits for a writer to finish before giving up.
const SQLITE_WAIT: Duration = Duration::from_secs(30);

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    pub backend: Backend,
    pub file: PathBuf,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub backend: Backend,
    pub file: PathBuf,
    /// The target held data that the restore replaced (only with `force`).
    pub replaced: bool,
}

/// Writes a backup of the database at `url` to `dest`.
pub async fn backup(url: &str, dest: &Path) -> Result<BackupReport> {
    let location = Location::of(url)?;
    let dir = match dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(invalid(format!(
            "cannot write the backup {}: the folder {} does not exist",
            dest.display(),
            dir.display()
        )));
    }
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    let partial = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".partial")
        .tempfile_in(&dir)
        .map_err(|e| invalid(format!("cannot create a file in {}: {e}", dir.display())))?;
    let backend = match location {
        Location::Sqlite(path) => {
            let (path, tmp) = (path.to_string(), partial.path().to_path_buf());
            blocking(move || sqlite_backup(&path, &tmp)).await?;
            Backend::Sqlite
        }
        Location::Postgres(url) => {
            let server = server_major(url).await?;
            let (url, tmp) = (url.to_string(), partial.path().to_path_buf());
            blocking(move || pg_dump(&url, server, &tmp)).await?;
            Backend::Postgres
        }
    };
    let written = partial.as_file();
    written
        .sync_all()
        .map_err(|e| invalid(format!("cannot flush the backup to disk: {e}")))?;
    let bytes = written.metadata().map(|m| m.len()).unwrap_or_default();
    partial.persist(dest).map_err(|e| {
        invalid(format!(
            "cannot move the finished backup to {}: {}",
            dest.display(),
            e.error
        ))
    })?;
    // The rename itself must reach the disk too.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(BackupReport {
        backend,
        file: dest.to_path_buf(),
        bytes,
    })
}

/// Replaces the content of the database at `url` with the backup in `src`. A target that
/// holds data is refused unless `force`. The caller opens the store afterwards, which
/// brings an older backup's schema up to date.
pub async fn restore(url: &str, src: &Path, force: bool) -> Result<RestoreReport> {
    let location = Location::of(url)?;
    let head = read_head(src)?;
    let file = src.to_path_buf();
    match location {
        Location::Sqlite(path) => {
            if !head.starts_with(SQLITE_MAGIC) {
                return Err(wrong_kind(src, &head, "a SQLite backup"));
            }
            let (path, src) = (path.to_string(), src.to_path_buf());
            let replaced = blocking(move || sqlite_restore(&path, &src, force)).await?;
            Ok(RestoreReport {
                backend: Backend::Sqlite,
                file,
                replaced,
            })
        }
        Location::Postgres(url) => {
            if !head.starts_with(PG_DUMP_MAGIC) {
                return Err(wrong_kind(src, &head, "a pg_dump custom-format archive"));
            }
            let server = server_major(url).await?;
            let holding = pg_tables_with_rows(url).await?;
            if !holding.is_empty() && !force {
                return Err(not_empty(&holding));
            }
            let (url, src) = (url.to_string(), src.to_path_buf());
            blocking(move || pg_restore(&url, server, &src)).await?;
            Ok(RestoreReport {
                backend: Backend::Postgres,
                file,
                replaced: !holding.is_empty(),
            })
        }
    }
}

fn invalid(message: String) -> StoreError {
    StoreError::Invalid(message)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
}

fn read_head(src: &Path) -> Result<Vec<u8>> {
    let mut head = Vec::with_capacity(16);
    File::open(src)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .map_err(|e| invalid(format!("cannot read the backup {}: {e}", src.display())))?;
    Ok(head)
}

fn wrong_kind(src: &Path, head: &[u8], expected: &str) -> StoreError {
    let found = if head.starts_with(SQLITE_MAGIC) {
        "a SQLite database (restore it into a sqlite:// database)"
    } else if head.starts_with(PG_DUMP_MAGIC) {
        "a PostgreSQL backup (restore it into a postgres:// database)"
    } else {
        "not a rightstrack backup"
    };
    invalid(format!(
        "{}: expected {expected}, but the file is {found}",
        src.display()
    ))
}

fn not_empty(tables: &[String]) -> StoreError {
    invalid(format!(
        "the target database holds data (in {}); restoring would replace it. Pass --force to replace it, or restore into an empty database",
        tables.join(", ")
    ))
}

fn sqlite_error(what: &str, path: &Path, e: impl std::fmt::Display) -> StoreError {
    invalid(format!("{what} {}: {e}", path.display()))
}

/// Copies `from` into `to` page by page in one step: one read transaction on the source,
/// one write transaction on the destination. Retries while another writer holds a lock.
fn copy_database(from: &Connection, to: &mut Connection) -> Result<()> {
    let backup = Backup::new(from, to)?;
    let started = Instant::now();
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked if started.elapsed() < SQLITE_WAIT => {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => {
                return Err(invalid(format!(
                    "the database stayed locked by another writer for {}s; try again",
                    SQLITE_WAIT.as_secs()
                )))
            }
        }
    }
}

fn sqlite_backup(path: &str, dest: &Path) -> Result<()> {
    if path == ":memory:" {
        return Err(invalid(
            "an in-memory database cannot be backed up from another process".into(),
        ));
    }
    let source_path = Path::new(path);
    if !source_path.is_file() {
        return Err(invalid(format!(
            "there is no database at {}: nothing to back up",
            source_path.display()
        )));
    }
    let source = Connection::open_with_flags(source_path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| sqlite_error("cannot open the database", source_path, e))?;
    source.busy_timeout(SQLITE_WAIT)?;
    let mut copy =
        Connection::open(dest).map_err(|e| sqlite_error("cannot create the backup", dest, e))?;
    copy_database(&source, &mut copy)?;
    // A backup is one self-contained file, whatever journal mode the source runs in.
    copy.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    let check: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(invalid(format!(
            "the backup copy failed its integrity check: {check}"
        )));
    }
    copy.close().map_err(|(_, e)| StoreError::Sqlite(e))?;
    Ok(())
}

/// Returns whether the target held data that was replaced.
fn sqlite_restore(path: &str, src: &Path, force: bool) -> Result<bool> {
    let backup = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| sqlite_error("cannot open the backup", src, e))?;
    let check: String = backup
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| sqlite_error("cannot read the backup", src, e))?;
    if check != "ok" {
        return Err(invalid(format!(
            "{} is damaged (SQLite's check says: {check}); nothing was restored",
            src.display()
        )));
    }
    let version: i64 = backup
        .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .map_err(|_| {
            invalid(format!(
                "{} is a SQLite database but not a rightstrack one (it has no schema_migrations table)",
                src.display()
            ))
        })?;
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    if version > known {
        return Err(invalid(format!(
            "{} was made by a newer rightstrack (schema version {version}; this one knows up to {known}): upgrade rightstrack first",
            src.display()
        )));
    }
    let target_path = Path::new(path);
    let mut target = Connection::open(target_path)
        .map_err(|e| sqlite_error("cannot open the database", target_path, e))?;
    target.busy_timeout(SQLITE_WAIT)?;
    let holding = sqlite_tables_with_rows(&target)?;
    if !holding.is_empty() && !force {
        return Err(not_empty(&holding));
    }
    copy_database(&backup, &mut target)?;
    Ok(!holding.is_empty())
}

fn sqlite_tables_with_rows(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let tables = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut holding = Vec::new();
    for table in tables {
        if REFERENCE_TABLES.contains(&table.as_str()) {
            continue;
        }
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM \"{}\")",
            table.replace('"', "\"\"")
        );
        if conn.query_row(&sql, [], |r| r.get::<_, bool>(0))? {
            holding.push(table);
        }
    }
    Ok(holding)
}

async fn pg_client(url: &str) -> Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("backup connection: {e}");
        }
    });
    Ok(client)
}

async fn server_major(url: &str) -> Result<u32> {
    let client = pg_client(url).await?;
    let row = client.query_one("SHOW server_version_num", &[]).await?;
    let number: String = row.get(0);
    number
        .trim()
        .parse::<u32>()
        .map(|n| n / 10_000)
        .map_err(|_| {
            invalid(format!(
                "the server reported a version I cannot read: {number:?}"
            ))
        })
}

async fn pg_tables_with_rows(url: &str) -> Result<Vec<String>> {
    let client = pg_client(url).await?;
    let tables: Vec<String> = client
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut holding = Vec::new();
    for table in tables {
        if REFERENCE_TABLES.contains(&table.as_str()) {
            continue;
        }
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM public.\"{}\")",
            table.replace('"', "\"\"")
        );
        if client.query_one(&sql, &[]).await?.get::<_, bool>(0) {
            holding.push(table);
        }
    }
    Ok(holding)
}

/// Checks that a PostgreSQL client tool is installed and of the server's major version:
/// an older pg_dump cannot read a newer server, and a newer one writes archives an older
/// pg_restore cannot read.
fn check_tool(tool: &str, server: u32) -> Result<()> {
    let install = format!("install the PostgreSQL {server} client tools (on Debian: apt-get install postgresql-client-{server}) or put them first on PATH");
    let output = Command::new(tool)
        .arg("--version")
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => invalid(format!("{tool} not found: {install}")),
            _ => invalid(format!("cannot run {tool}: {e}")),
        })?;
    let printed = String::from_utf8_lossy(&output.stdout);
    let major = tool_major(&printed).ok_or_else(|| {
        invalid(format!(
            "cannot read the version {tool} printed: {printed:?}"
        ))
    })?;
    if major != server {
        return Err(invalid(format!(
            "{tool} is version {major} but the server is PostgreSQL {server}: {install}"
        )));
    }
    Ok(())
}

/// The major version in `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)`.
fn tool_major(printed: &str) -> Option<u32> {
    let after = printed.split(')').nth(1)?.trim_start();
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn run_tool(tool: &str, command: &mut Command) -> Result<()> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| invalid(format!("cannot run {tool}: {e}")))?;
    if !output.status.success() {
        return Err(invalid(format!(
            "{tool} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}

fn pg_dump(url: &str, server: u32, dest: &Path) -> Result<()> {
    check_tool("pg_dump", server)?;
    run_tool(
        "pg_dump",
        Command::new("pg_dump")
            .arg("--format=custom")
            .arg("--no-owner")
            .arg("--no-privileges")
            .arg("--file")
            .arg(dest)
            .arg("--dbname")
            .arg(url),
    )
}

/// Drops and recreates the public schema and replays the archive in one transaction of
/// one `psql` session that stops at the first error. COMMIT is sent only once pg_restore
/// has written the whole archive: if anything fails, psql's input ends without it and
/// PostgreSQL rolls everything back.
fn pg_restore(url: &str, server: u32, src: &Path) -> Result<()> {
    check_tool("pg_restore", server)?;
    check_tool("psql", server)?;
    // A damaged or foreign archive is refused before anything is touched.
    run_tool(
        "pg_restore",
        Command::new("pg_restore")
            .arg("--list")
            .arg(src)
            .stdout(Stdio::null()),
    )?;
    let error_file = || tempfile::tempfile().map_err(|e| invalid(e.to_string()));
    let (psql_errors, restore_errors) = (error_file()?, error_file()?);
    let spawn_error = |tool: &str, e: std::io::Error| invalid(format!("cannot run {tool}: {e}"));
    let mut psql = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname"])
        .arg(url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(
            psql_errors
                .try_clone()
                .map_err(|e| invalid(e.to_string()))?,
        )
        .spawn()
        .map_err(|e| spawn_error("psql", e))?;
    let mut script = Command::new("pg_restore")
        .args(["--no-owner", "--no-privileges", "--file", "-"])
        .arg(src)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(
            restore_errors
                .try_clone()
                .map_err(|e| invalid(e.to_string()))?,
        )
        .spawn()
        .map_err(|e| spawn_error("pg_restore", e))?;
    let mut input = psql.stdin.take();
    let fed = (|| -> std::io::Result<()> {
        let input = input
            .as_mut()
            .ok_or_else(|| std::io::Error::other("psql has no input"))?;
        input
            .write_all(b"BEGIN;\nDROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")?;
        if let Some(mut output) = script.stdout.take() {
            std::io::copy(&mut output, input)?;
        }
        Ok(())
    })();
    let restore_status = script.wait().map_err(|e| spawn_error("pg_restore", e))?;
    let committed = match (&fed, input.as_mut()) {
        (Ok(()), Some(input)) if restore_status.success() => input.write_all(b"COMMIT;\n").is_ok(),
        _ => false,
    };
    drop(input);
    let psql_status = psql.wait().map_err(|e| spawn_error("psql", e))?;
    let said = |mut file: File| {
        let mut text = String::new();
        let _ = std::io::Seek::rewind(&mut file).and_then(|_| file.read_to_string(&mut text));
        text.trim().to_string()
    };
    if !restore_status.success() {
        return Err(invalid(format!(
            "pg_restore failed ({restore_status}); the database was left as it was: {}",
            said(restore_errors)
        )));
    }
    if !psql_status.success() || !committed {
        return Err(invalid(format!(
            "the restore transaction failed ({psql_status}) and was rolled back: {}",
            said(psql_errors)
        )));
    }
    fed.map_err(|e| invalid(format!("cannot pass the archive to psql: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tool_versions() {
        assert_eq!(
            tool_major("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(tool_major("psql (PostgreSQL) 9.6.24\n"), Some(9));
        assert_eq!(tool_major("something else"), None);
    }

    #[test]
    fn a_missing_tool_says_what_to_install() {
        let message = check_tool("rightstrack-no-such-pg_dump", 15)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("not found") && message.contains("postgresql-client-15"),
            "{message}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_tool_of_another_major_version_is_refused() -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let fake = dir.path().join("pg_dump");
        std::fs::write(&fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 14.11'\n")?;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755))?;
        let tool = fake.display().to_string();
        let message = check_tool(&tool, 16)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("version 14") && message.contains("PostgreSQL 16"),
            "{message}"
        );
        assert!(check_tool(&tool, 14).is_ok());
        Ok(())
    }
}
