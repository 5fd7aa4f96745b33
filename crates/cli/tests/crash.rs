//! Crash safety: an import or a publish killed with SIGKILL part-way leaves the database
//! as it was (one transaction per file, one for a publish), and running it again completes
//! it. SQLite's integrity check must pass after every kill. On SQLite and PostgreSQL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rightstrack_store::testing::TestDb;
use rightstrack_store::{PageRequest, RecommendationFilter};

mod common;
use common::{big_export, STATES};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Rows in the generated export: large enough that writing them takes a good part of a
/// second even on a fast machine, so the kill lands inside the transaction.
const ROWS: usize = 120_000;

fn small_export(path: &Path) -> std::io::Result<()> {
    std::fs::write(
        path,
        "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\
         Slovenia,EEG,,Ratify OP-CAT,France,WEOG,,Accepted,5,Justice,7\r\
         Slovenia,EEG,,Combat discrimination against Roma,Chile,GRULAC,,Accepted,4,Minorities,7\r",
    )
}

fn rightstrack(database: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rightstrack"));
    command
        .arg("--database")
        .arg(database)
        .env("RIGHTSTRACK_LOG", "info");
    command
}

fn succeed(command: &mut Command) -> TestResult {
    let out = command.output()?;
    if !out.status.success() {
        return Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// Starts the command, waits until it logs that it is writing, lets it write for `after`
/// and kills it with SIGKILL. Fails when it had already finished: the test would then
/// prove nothing.
fn kill_while_writing(mut command: Command, after: Duration) -> TestResult {
    let mut child: Child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let started = Instant::now();
    let mut seen = false;
    for line in BufReader::new(stderr).lines() {
        let line = line?;
        if line.contains("writing") {
            seen = true;
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            break;
        }
    }
    if !seen {
        let _ = child.kill();
        return Err("the command never logged that it was writing".into());
    }
    std::thread::sleep(after);
    let finished = child.try_wait()?;
    child.kill()?; // SIGKILL on Unix
    child.wait()?;
    if let Some(status) = finished {
        return Err(format!(
            "the command finished ({status}) before it could be killed; make the input larger"
        )
        .into());
    }
    Ok(())
}

fn integrity(database: &str) -> TestResult {
    if let Some(path) = database.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path)?;
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(check, "ok");
    }
    Ok(())
}

/// (recommendations, published recommendations of Slovenia).
fn counts(
    runtime: &tokio::runtime::Runtime,
    database: &str,
) -> Result<(u64, u64), Box<dyn std::error::Error>> {
    runtime.block_on(async {
        let store = rightstrack_store::open(database).await?;
        let all = store.counts(false).await?.recommendations;
        let published = store
            .recommendations(
                &RecommendationFilter {
                    state: rightstrack_core::StateCode::parse("SVN").ok(),
                    published_only: true,
                    ..Default::default()
                },
                PageRequest {
                    limit: 1,
                    ..Default::default()
                },
            )
            .await?
            .total;
        Ok((all, published))
    })
}

fn story(runtime: &tokio::runtime::Runtime, database: &str, dir: &Path) -> TestResult {
    let (small, big) = (dir.join("small.csv"), dir.join("big.csv"));
    small_export(&small)?;
    big_export(&big, ROWS)?;
    succeed(rightstrack(database).arg("import").arg(&small))?;
    let before = counts(runtime, database)?;
    assert_eq!(before, (2, 0));

    let mut import = rightstrack(database);
    import.arg("import").arg(&big);
    kill_while_writing(import, Duration::from_millis(300))?;
    integrity(database)?;
    assert_eq!(
        counts(runtime, database)?,
        before,
        "a killed import writes nothing"
    );

    succeed(rightstrack(database).arg("import").arg(&big))?;
    integrity(database)?;
    let slovenia = 2 + (ROWS / STATES.len()) as u64;
    assert_eq!(counts(runtime, database)?, (2 + ROWS as u64, 0));

    let mut publish = rightstrack(database);
    publish.args(["publish", "--state", "SVN"]);
    kill_while_writing(publish, Duration::from_millis(5))?;
    integrity(database)?;
    let (_, published) = counts(runtime, database)?;
    assert!(
        published == 0 || published == slovenia,
        "a killed publish is all or nothing, not {published} of {slovenia}"
    );

    succeed(rightstrack(database).args(["publish", "--state", "SVN"]))?;
    integrity(database)?;
    assert_eq!(counts(runtime, database)?, (2 + ROWS as u64, slovenia));
    Ok(())
}

#[test]
fn killed_writes_leave_sqlite_as_it_was() -> TestResult {
    let runtime = tokio::runtime::Runtime::new()?;
    let dir = tempfile::tempdir()?;
    let database = format!("sqlite://{}", dir.path().join("crash.db").display());
    story(&runtime, &database, dir.path())
}

#[test]
fn killed_writes_leave_postgres_as_it_was() -> TestResult {
    let runtime = tokio::runtime::Runtime::new()?;
    let Some(db) = runtime.block_on(TestDb::postgres())? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let result = story(&runtime, &db.url, dir.path());
    runtime.block_on(db.close())?;
    result
}
