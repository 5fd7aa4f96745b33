//! `rightstrack report` as a user runs it, on SQLite and PostgreSQL: import the Slovenia
//! dossier's cycle 3 Working Group report and addendum, write the reports, and find in them
//! as many recommendations as `export` gives.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rightstrack_store::testing::TestDb;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn dossier() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/country-dossier/slovenia/cycle-3");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        None
    }
}

fn run(database: &str, args: &[&str]) -> Result<Output, std::io::Error> {
    Command::new(env!("CARGO_BIN_EXE_rightstrack"))
        .arg("--database")
        .arg(database)
        .args(args)
        .output()
}

fn ok(output: Output) -> Result<Output, Box<dyn std::error::Error>> {
    if output.status.success() {
        Ok(output)
    } else {
        Err(format!("failed: {}", String::from_utf8_lossy(&output.stderr)).into())
    }
}

fn csv_rows(bytes: &[u8]) -> Result<usize, csv::Error> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    csv::Reader::from_reader(bytes)
        .records()
        .try_fold(0, |n, r| r.map(|_| n + 1))
}

fn story(database: &str, dir: &Path, scratch: &Path) -> TestResult {
    let file = |suffix: &str| {
        dir.join(format!("A_HRC_43_15{suffix}"))
            .display()
            .to_string()
    };
    ok(run(
        database,
        &[
            "import",
            "--format",
            "wg-report",
            &file("-working-group-report.pdf"),
        ],
    )?)?;
    ok(run(
        database,
        &[
            "import",
            "--format",
            "wg-addendum",
            &file("_Add.1-views-on-recommendations.pdf"),
        ],
    )?)?;
    let export = scratch.join("export.csv");
    let export_arg = export.display().to_string();
    ok(run(
        database,
        &[
            "export",
            "--state",
            "SVN",
            "--cycle",
            "3",
            "-o",
            &export_arg,
        ],
    )?)?;
    let exported = csv_rows(&std::fs::read(&export)?)?;
    assert!(exported > 100, "{exported}");

    let out = scratch.join("mid-term.csv");
    let out_arg = out.display().to_string();
    let done = ok(run(
        database,
        &[
            "report", "mid-term", "--state", "SVN", "--cycle", "3", "--format", "csv", "--bom",
            "-o", &out_arg,
        ],
    )?)?;
    assert!(String::from_utf8_lossy(&done.stderr).contains("Voluntary mid-term report"));
    let bytes = std::fs::read(&out)?;
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    assert_eq!(
        csv_rows(&bytes)?,
        exported,
        "the report lists what export lists"
    );

    for (kind, format) in [
        ("follow-up", "pdf"),
        ("hrc-brief", "docx"),
        ("mid-term", "xlsx"),
    ] {
        let path = scratch.join(format!("{kind}.{format}"));
        let arg = path.display().to_string();
        ok(run(
            database,
            &[
                "report", kind, "--state", "SVN", "--cycle", "3", "--voice", "cso", "--lang", "fr",
                "--format", format, "-o", &arg,
            ],
        )?)?;
        assert!(std::fs::metadata(&path)?.len() > 1000, "{kind}.{format}");
    }

    let refused = run(
        database,
        &[
            "report", "mid-term", "--state", "SVN", "--cycle", "2", "--format", "pdf", "-o",
            &out_arg,
        ],
    )?;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("no UPR recommendations to SVN in cycle 2"));
    Ok(())
}

#[test]
fn reports_on_sqlite() -> TestResult {
    let Some(dir) = dossier() else {
        return Ok(());
    };
    let scratch = tempfile::tempdir()?;
    let database = format!("sqlite://{}", scratch.path().join("db.sqlite").display());
    story(&database, &dir, scratch.path())
}

#[test]
fn reports_on_postgres() -> TestResult {
    let Some(dir) = dossier() else {
        return Ok(());
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let Some(db) = runtime.block_on(TestDb::postgres())? else {
        return Ok(());
    };
    let scratch = tempfile::tempdir()?;
    let result = story(&db.url, &dir, scratch.path());
    runtime.block_on(db.close())?;
    result
}
