//! Importing the UPR Info export (sessions 1–16, 30,261 rows) into a fresh SQLite database,
//! against a baseline measured in the same run: a plain prepared-statement insert loop of
//! the same rows into one equally shaped table (the recommendations table with its
//! indexes), in one transaction. The import also writes the recommending states and tags
//! (two more tables, about 80,000 more rows), resolves names and computes identities.
//!
//! `cargo run --release -p rightstrack-bench --bin import [-- RUNS]`

use anyhow::Result;
use r2d2_sqlite::rusqlite::{params, Connection};
use rightstrack_bench::{data_files, median, report, time_runs, Figure};
use rightstrack_ingest::Format;
use rightstrack_store::ImportBatch;

fn csv_files() -> Result<Vec<(String, Vec<u8>)>> {
    data_files("upr-info", "csv")?
        .into_iter()
        .map(|p| Ok((p.display().to_string(), std::fs::read(&p)?)))
        .collect()
}

/// The baseline's rows: the raw fields of each CSV row, decoded, nothing else.
fn raw_rows(files: &[(String, Vec<u8>)]) -> Result<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    for (_, bytes) in files {
        let (text, _) = rightstrack_ingest::decode::decode_text(bytes);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for record in reader.records() {
            rows.push(record?.iter().map(str::to_string).collect());
        }
    }
    Ok(rows)
}

const PRAGMAS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

fn baseline(rows: &[Vec<String>]) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut conn = Connection::open(dir.path().join("baseline.db"))?;
    conn.execute_batch(PRAGMAS)?;
    conn.execute_batch(
        "CREATE TABLE recommendations (id INTEGER PRIMARY KEY, identity TEXT NOT NULL, mechanism TEXT NOT NULL,
            state_code TEXT NOT NULL, cycle INTEGER, session INTEGER, document_id INTEGER, paragraph TEXT,
            text TEXT NOT NULL, language TEXT NOT NULL, position TEXT, position_source TEXT,
            position_explanation TEXT, action_category INTEGER, source_group TEXT,
            published INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
         CREATE UNIQUE INDEX recommendations_identity ON recommendations (identity);
         CREATE INDEX recommendations_state_cycle ON recommendations (state_code, cycle, session);
         CREATE INDEX recommendations_session ON recommendations (session);
         CREATE INDEX recommendations_mechanism ON recommendations (mechanism);
         CREATE INDEX recommendations_document ON recommendations (document_id, paragraph);",
    )?;
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO recommendations (identity, mechanism, state_code, session, text, language, position,
                 position_source, action_category, source_group, created_at, updated_at)
             VALUES (?1, 'UPR', ?2, ?3, ?4, 'en', ?5, ?6, ?7, ?8, ?9, ?9)",
        )?;
        for (i, r) in rows.iter().enumerate() {
            let field = |n: usize| r.get(n).map(String::as_str).unwrap_or("");
            insert.execute(params![
                i.to_string(),
                field(0),
                field(10),
                field(3),
                field(7),
                field(4),
                field(8),
                field(9),
                "2026-01-01T00:00:00Z"
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn main() -> Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let files = csv_files()?;
    let rows = raw_rows(&files)?;
    let runtime = tokio::runtime::Runtime::new()?;

    let base = time_runs(runs, || baseline(&rows))?;

    let mut parse_times = Vec::new();
    let mut store_times = Vec::new();
    let mut imported = 0;
    let whole = time_runs(runs, || {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        runtime.block_on(async {
            let store = rightstrack_store::open(&url).await?;
            let started = std::time::Instant::now();
            let mut batches = Vec::new();
            for (name, bytes) in &files {
                let parsed = rightstrack_ingest::parse_bytes(Format::UprInfoCsv, name, bytes)?;
                batches.push((name.clone(), parsed));
            }
            parse_times.push(started.elapsed());
            let stored = std::time::Instant::now();
            imported = 0;
            for (name, parsed) in batches {
                let summary = store
                    .import(ImportBatch {
                        actor: "bench".into(),
                        source: name,
                        recommendations: parsed.recommendations,
                        ..Default::default()
                    })
                    .await?;
                imported += summary.imported;
            }
            store_times.push(stored.elapsed());
            anyhow::Ok(())
        })
    })?;
    parse_times.sort();
    store_times.sort();
    // The store is opened (and migrated) inside each timed run; report the import proper
    // (parse + store) as the headline, and the whole run beside it.
    let import_s = (median(&parse_times) + median(&store_times)).as_secs_f64();
    let base_s = median(&base).as_secs_f64();
    let rows_n = rows.len() as f64;
    let mut figures = wg_reports()?;
    figures.extend([
        Figure::new("import upr-info (SQLite)", "rows", rows_n, "rows"),
        Figure::new(
            "import upr-info (SQLite)",
            "recommendations stored",
            imported as f64,
            "recs",
        ),
        Figure::new(
            "import upr-info (SQLite)",
            "import time (parse + store), median",
            import_s,
            "s",
        )
        .against("insert loop", base_s)
        .target("< 1 s and ≤ 3× baseline"),
        Figure::new(
            "import upr-info (SQLite)",
            "parse time, median",
            median(&parse_times).as_secs_f64(),
            "s",
        ),
        Figure::new(
            "import upr-info (SQLite)",
            "store time, median",
            median(&store_times).as_secs_f64(),
            "s",
        ),
        Figure::new(
            "import upr-info (SQLite)",
            "whole run incl. open+migrate, median",
            median(&whole).as_secs_f64(),
            "s",
        ),
        Figure::new(
            "import upr-info (SQLite)",
            "throughput",
            rows_n / import_s,
            "rows/s",
        )
        .against("insert loop", rows_n / base_s),
    ]);
    report(&figures)
}

/// The Working Group reports of shared/data (PDF): each extracted and parsed as the
/// importer does, beside `pdftotext -layout` alone on the same files in the same run (the
/// extraction the importer starts from, so the difference is the importer's own work).
fn wg_reports() -> Result<Vec<Figure>> {
    use rightstrack_ingest::wg_report;
    use std::time::{Duration, Instant};
    let files = data_files("wg-reports", "pdf")?;
    let mut per_file = Vec::new();
    let (mut extract, mut parse, mut recommendations) = (Duration::ZERO, Duration::ZERO, 0);
    let mut pdftotext = Duration::ZERO;
    for path in &files {
        let bytes = std::fs::read(path)?;
        let name = path.display().to_string();
        let started = Instant::now();
        let text =
            wg_report::extract::extract(&bytes).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let extracted = started.elapsed();
        let parsed = wg_report::parse_text(&name, &text)?;
        let whole = started.elapsed();
        extract += extracted;
        parse += whole - extracted;
        per_file.push(whole);
        recommendations += parsed.recommendations.len();
        let started = Instant::now();
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", "-q"])
            .arg(path)
            .arg("-")
            .output()?;
        anyhow::ensure!(out.status.success(), "pdftotext failed on {name}");
        pdftotext += started.elapsed();
    }
    per_file.sort();
    let total = extract + parse;
    let share = extract.as_secs_f64() / total.as_secs_f64().max(f64::EPSILON);
    println!(
        "{} Working Group reports: {recommendations} recommendations in {:.2} s (extraction {:.0} %, parsing {:.0} %); median {:.0} ms, slowest {:.0} ms; pdftotext -layout alone {:.2} s",
        files.len(),
        total.as_secs_f64(),
        100.0 * share,
        100.0 * (1.0 - share),
        median(&per_file).as_secs_f64() * 1000.0,
        per_file.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        pdftotext.as_secs_f64(),
    );
    let bench = "import wg-report (PDF)";
    Ok(vec![
        Figure::new(
            bench,
            &format!("{} reports, extract + parse", files.len()),
            total.as_secs_f64(),
            "s",
        )
        .against("pdftotext -layout alone", pdftotext.as_secs_f64())
        .target("< 60 s"),
        Figure::new(
            bench,
            "slowest report",
            per_file.last().copied().unwrap_or_default().as_secs_f64(),
            "s",
        )
        .target("< 1 s"),
        Figure::new(bench, "share of the time in text extraction", share, ""),
    ])
}
