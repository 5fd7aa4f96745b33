//! What each command does. Errors here are `anyhow` with context naming the input; they
//! end the process with a message and a failure code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use rightstrack_core::RecommendationId;
use rightstrack_import::{Format, ImportOptions, ImportReport, Run, Source};
use rightstrack_report::export::{ExportFormat, Exporter, Rows};
use rightstrack_search::{Clock, Dimension, SearchIndex, SearchQuery, Sort};
use rightstrack_store::{PageRequest, RecommendationFilter, Store};
use serde::Serialize;

use crate::args::{Cli, Command};
use crate::config::Settings;

pub async fn run(cli: Cli, settings: Settings) -> Result<ExitCode> {
    match cli.command {
        Command::Migrate => migrate(&settings.database, cli.json).await,
        Command::Import {
            format,
            state,
            dry_run,
            files,
        } => {
            let store = open(&settings.database).await?;
            let options = ImportOptions { state };
            import(
                store.as_ref(),
                format.as_deref(),
                &options,
                dry_run,
                &files,
                cli.json,
            )
            .await
        }
        Command::Export {
            format,
            state,
            cycle,
            mechanism,
            bom,
            output,
        } => {
            let store = open(&settings.database).await?;
            let filter = RecommendationFilter {
                state,
                cycle: cycle.map(u8::from),
                mechanism,
                ..Default::default()
            };
            let format = ExportFormat::parse(&format).map_err(anyhow::Error::msg)?;
            export(store.as_ref(), &filter, format, bom, output.as_deref()).await
        }
        Command::Search {
            query,
            facets,
            limit,
            sort,
        } => {
            let store = open(&settings.database).await?;
            search(store, &query, &facets, limit, &sort, cli.json).await
        }
        Command::Reindex => {
            let store = open(&settings.database).await?;
            reindex(store.as_ref(), cli.json).await
        }
        Command::Train { task, output } => {
            let store = open(&settings.database).await?;
            crate::classify::train(store.as_ref(), &task, &output, cli.json).await
        }
        Command::Classify {
            state,
            cycle,
            model,
        } => {
            let store = open(&settings.database).await?;
            let filter = RecommendationFilter {
                state,
                cycle: cycle.map(u8::from),
                ..Default::default()
            };
            crate::classify::classify(
                store.as_ref(),
                &filter,
                model.or(settings.model).as_deref(),
                cli.json,
            )
            .await
        }
        Command::Eval {
            what:
                crate::args::EvalCommand::Classify {
                    format,
                    model,
                    files,
                },
        } => crate::classify::evaluate(&format, model.or(settings.model).as_deref(), &files),
        Command::Eval {
            what: crate::args::EvalCommand::Cluster { format, files },
        } => crate::cluster::evaluate(&format, &files),
        Command::Cluster { state } => {
            let store = open(&settings.database).await?;
            crate::cluster::cluster(store.as_ref(), state, cli.json).await
        }
        Command::Link { state } => {
            let store = open(&settings.database).await?;
            crate::cluster::link(store.as_ref(), state, cli.json).await
        }
        Command::Publish {
            state,
            cycle,
            draft,
        } => {
            let store = open(&settings.database).await?;
            let filter = RecommendationFilter {
                state: Some(state),
                cycle: cycle.map(u8::from),
                ..Default::default()
            };
            publish(store.as_ref(), &filter, !draft, cli.json).await
        }
        Command::Backup { file } => {
            crate::backup::backup(&settings.database, &file, cli.json).await
        }
        Command::Restore { file, force } => {
            crate::backup::restore(&settings.database, &file, force, cli.json).await
        }
        Command::Institution { command } => {
            let store = open(&settings.database).await?;
            crate::tracking::institution(store.as_ref(), command, cli.json).await
        }
        Command::Assign(args) => {
            let store = open(&settings.database).await?;
            crate::tracking::assign(store.as_ref(), args, cli.json).await
        }
        Command::Action { command } => {
            let store = open(&settings.database).await?;
            crate::tracking::action(store.as_ref(), command, cli.json).await
        }
        Command::Status { command } => {
            let store = open(&settings.database).await?;
            crate::tracking::status(store.as_ref(), command, cli.json).await
        }
        Command::Plan { command } => {
            let store = open(&settings.database).await?;
            crate::tracking::plan(store.as_ref(), command, cli.json).await
        }
        Command::Jobs { command } => {
            let store = open(&settings.database).await?;
            crate::tracking::jobs(store.as_ref(), command, cli.json).await
        }
        Command::Serve {
            addr,
            shutdown_grace,
            demo,
            secure_cookies,
            trust_proxy,
        } => {
            use rightstrack_auth::sealed::Key;
            // The key's variables win over the configuration file's key file.
            let reprisals_key = match Key::from_env().context("cannot read the reprisals key")? {
                Some(key) => Some(key),
                None => settings
                    .reprisals_key_file
                    .as_deref()
                    .map(Key::from_file)
                    .transpose()
                    .context("cannot read the reprisals key")?,
            };
            let (time_zone_offset, stalled_months) = signal_settings()?;
            let config = rightstrack_web::WebConfig {
                secure_cookies: secure_cookies || settings.secure_cookies,
                trust_proxy: trust_proxy || settings.trust_proxy,
                reprisals_key: reprisals_key.map(Arc::new),
                time_zone_offset,
                stalled_months,
                ..Default::default()
            };
            let grace = shutdown_grace.map_or(settings.shutdown_grace, Duration::from_secs);
            crate::serve::serve(
                &settings.database,
                addr.unwrap_or(settings.addr),
                grace,
                demo,
                config,
            )
            .await
        }
        Command::Demo => {
            let store = open(&settings.database).await?;
            crate::demo::seed_kept(store.as_ref()).await?;
            println!(
                "demo data set loaded; accounts: {}",
                crate::demo::ACCOUNTS_HELP
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User { what } => {
            let store = open(&settings.database).await?;
            crate::accounts::user(store.as_ref(), what, cli.json).await
        }
        Command::Reprisals { what } => {
            let store = open(&settings.database).await?;
            crate::accounts::reprisals(store.as_ref(), what).await
        }
        Command::Report {
            kind,
            state,
            cycle,
            voice,
            lang,
            format,
            published_only,
            bom,
            output,
        } => {
            let store = open(&settings.database).await?;
            let request = rightstrack_report::ReportRequest {
                voice,
                lang,
                published_only,
                ..rightstrack_report::ReportRequest::new(kind, state, u8::from(cycle))
            };
            crate::report::write(store.as_ref(), &request, format, bom, &output).await
        }
    }
}

pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    rightstrack_store::open(url)
        .await
        .with_context(|| format!("cannot open the database {url}"))
}

async fn migrate(url: &str, json: bool) -> Result<ExitCode> {
    let store = rightstrack_store::open(url)
        .await
        .with_context(|| format!("cannot open the database {url}"))?;
    // `open` migrates; a second call reports that nothing is pending.
    let applied = store.migrate().await?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "database": store.backend(), "applied": applied })
        );
    } else {
        println!(
            "database is up to date ({} migration(s) applied now)",
            applied.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn import(
    store: &dyn Store,
    format: Option<&str>,
    options: &ImportOptions,
    dry_run: bool,
    files: &[PathBuf],
    json: bool,
) -> Result<ExitCode> {
    let format = format
        .map(Format::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let run = Run {
        format,
        options: options.clone(),
        dry_run,
        actor: "system".to_string(),
    };
    let mut report = ImportReport::default();
    // A bar over the files on a terminal; indicatif draws nothing when stderr is not one,
    // and --json output stays clean.
    let bar = if json || files.len() < 2 {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
        {
            bar.set_style(style);
        }
        bar
    };
    for path in files {
        bar.set_message(path.display().to_string());
        bar.inc(1);
        rightstrack_import::import_file(store, Source::Path(path.clone()), &run, &mut report)
            .await?;
    }
    bar.finish_and_clear();
    rightstrack_import::reconcile(store, &mut report).await?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_import(&report, dry_run);
    }
    Ok(if report.refused() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_import(report: &ImportReport, dry_run: bool) {
    const SHOWN: usize = 20;
    let verb = if dry_run { "would be" } else { "" };
    for f in &report.files {
        if f.refused {
            continue;
        }
        let s = f.summary;
        println!(
            "{} ({}): {} rows read; {verb} imported {}, updated {}, unchanged {}, skipped {}",
            f.file,
            f.format.as_deref().unwrap_or("?"),
            f.rows_read,
            s.imported,
            s.updated,
            s.unchanged,
            s.skipped
        );
    }
    for review in &report.reviews {
        let positions = review
            .positions
            .iter()
            .map(|(p, n)| format!("{p} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "review {}: {} recommendations ({positions})",
            review.name(),
            review.recommendations
        );
    }
    for (kind, problems) in [("error", &report.errors), ("warning", &report.warnings)] {
        for p in problems.iter().take(SHOWN) {
            let at = if p.location.is_empty() {
                String::new()
            } else {
                format!(":{}", p.location.replace("line ", ""))
            };
            eprintln!("{kind}: {}{at}: {}", p.file, p.message);
        }
        if problems.len() > SHOWN {
            eprintln!(
                "… and {} more {kind}s; --json lists them all",
                problems.len() - SHOWN
            );
        }
    }
    if dry_run {
        println!("dry run: nothing was written");
    }
}

/// Publishes (or takes back to draft) a state's recommendations, in one transaction.
async fn publish(
    store: &dyn Store,
    filter: &RecommendationFilter,
    published: bool,
    json: bool,
) -> Result<ExitCode> {
    tracing::info!(published, "writing");
    let changed = store
        .publish("system", filter, published)
        .await
        .context("publishing failed and nothing was changed")?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "changed": changed, "published": published })
        );
    } else {
        let state = filter.state.map(|s| s.to_string()).unwrap_or_default();
        let now = if published { "published" } else { "draft" };
        println!("{changed} recommendation(s) of {state} are now {now}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Walks the whole filtered set in id order, a page at a time.
pub async fn export(
    store: &dyn Store,
    filter: &RecommendationFilter,
    format: ExportFormat,
    bom: bool,
    output: Option<&Path>,
) -> Result<ExitCode> {
    let out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut exporter = Exporter::new(format, out, bom)?;
    let mut rows_of = Rows::new(store);
    let mut after = RecommendationId(0);
    loop {
        let page = store
            .recommendations(
                filter,
                PageRequest {
                    limit: 2000,
                    offset: 0,
                    after_id: Some(after),
                },
            )
            .await?;
        let Some(last) = page.items.last() else { break };
        after = last.id;
        for rec in &page.items {
            exporter.write_row(&rows_of.row(rec).await?)?;
        }
    }
    let rows = exporter.finish()?;
    if let Some(path) = output {
        eprintln!("{rows} recommendations written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `rightstrack search`: builds the index in memory from the database, then asks it.
async fn search(
    store: Arc<dyn Store>,
    text: &str,
    facets: &[String],
    limit: usize,
    sort: &str,
    json: bool,
) -> Result<ExitCode> {
    let mut filters = Vec::new();
    for facet in facets {
        let (name, value) = facet
            .split_once('=')
            .with_context(|| format!("--facet {facet:?}: expected FACET=VALUE, e.g. state=SVN"))?;
        let dimension = Dimension::parse(name.trim()).with_context(|| {
            let known: Vec<&str> = Dimension::ALL.iter().map(|d| d.code()).collect();
            format!(
                "--facet {facet:?}: unknown facet {name:?}; the facets are {}",
                known.join(", ")
            )
        })?;
        filters.push((dimension, value.trim().to_string()));
    }
    let index = SearchIndex::in_memory()?;
    index.sync(store.as_ref()).await?;
    let (offset, stalled_months) = signal_settings()?;
    let query = SearchQuery {
        text: text.to_string(),
        filters,
        sort: Sort::parse(sort)?,
        offset: 0,
        limit,
        facet_limit: 10,
        clock: Clock {
            now: time::OffsetDateTime::now_utc(),
            offset,
            stalled_months,
        },
    };
    let results = index.search(&query)?;
    let ids: Vec<RecommendationId> = results.hits.iter().map(|h| h.id).collect();
    let items = store.recommendations_by_ids(&ids).await?;
    if json {
        let out =
            serde_json::json!({ "total": results.total, "items": items, "facets": results.facets });
        println!("{out}");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} recommendation(s)", results.total);
    for rec in &items {
        let from: Vec<String> = rec
            .recommending_states
            .iter()
            .map(|s| s.to_string())
            .collect();
        println!(
            "{:>7}  {} {}  {}  [{}] {}",
            rec.id,
            rec.state,
            rec.session.map(|s| format!("s{s}")).unwrap_or_default(),
            rec.position.map(|p| p.code()).unwrap_or("-"),
            from.join(","),
            rec.text
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How the overdue and stalled signals read the date: the state's offset
/// (`RIGHTSTRACK_TIME_ZONE_OFFSET`, as the reminders read it) and
/// `RIGHTSTRACK_STALLED_MONTHS` (default 6; 0 turns the signal off).
fn signal_settings() -> Result<(time::UtcOffset, u32)> {
    let offset = rightstrack_jobs::ReminderSettings::from_env()?.offset;
    let months = match std::env::var("RIGHTSTRACK_STALLED_MONTHS") {
        Ok(v) => v.trim().parse().with_context(|| {
            format!("RIGHTSTRACK_STALLED_MONTHS is {v:?}: expected a whole number of months")
        })?,
        Err(_) => 6,
    };
    Ok((offset, months))
}

/// What `rightstrack reindex` found.
#[derive(Debug, Serialize)]
struct Reindexed {
    /// Recommendations read from the database and indexed.
    indexed: usize,
    /// Documents the finished index holds.
    documents: u64,
    /// Recommendations the database holds.
    recommendations: u64,
    seconds: f64,
}

/// Builds the index from scratch as `serve` does at start, and checks it against the
/// database's own count.
async fn reindex(store: &dyn Store, json: bool) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let index = SearchIndex::in_memory()?;
    let stats = index.sync(store).await?;
    let seconds = started.elapsed().as_secs_f64();
    let recommendations = store.counts(false).await?.recommendations;
    let report = Reindexed {
        indexed: stats.indexed,
        documents: index.len(),
        recommendations,
        seconds,
    };
    let complete = report.documents == recommendations;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "indexed {} recommendation(s) in {:.2} s; the index holds {}, the database {}",
            report.indexed, seconds, report.documents, recommendations
        );
    }
    if !complete {
        eprintln!("the index does not hold every recommendation of the database");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
