//! What each command does. Errors here are `anyhow` with context naming the input; they
//! end the process with a message and a failure code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use rightstrack_core::RecommendationId;
use rightstrack_ingest::{Format, ImportOptions, Problem};
use rightstrack_report::export::{ExportFormat, Exporter, Rows};
use rightstrack_search::{Dimension, SearchIndex, SearchQuery, Sort};
use rightstrack_store::{ImportBatch, ImportSummary, PageRequest, RecommendationFilter, Store};
use serde::Serialize;

use crate::args::{Cli, Command};

pub async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Migrate => migrate(&cli.database, cli.json).await,
        Command::Import {
            format,
            state,
            dry_run,
            files,
        } => {
            let store = open(&cli.database).await?;
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
            let store = open(&cli.database).await?;
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
            let store = open(&cli.database).await?;
            search(store, &query, &facets, limit, &sort, cli.json).await
        }
        Command::Train { task, output } => {
            let store = open(&cli.database).await?;
            crate::classify::train(store.as_ref(), &task, &output, cli.json).await
        }
        Command::Classify {
            state,
            cycle,
            model,
        } => {
            let store = open(&cli.database).await?;
            let filter = RecommendationFilter {
                state,
                cycle: cycle.map(u8::from),
                ..Default::default()
            };
            crate::classify::classify(store.as_ref(), &filter, model.as_deref(), cli.json).await
        }
        Command::Eval {
            what:
                crate::args::EvalCommand::Classify {
                    format,
                    model,
                    files,
                },
        } => crate::classify::evaluate(&format, model.as_deref(), &files),
        Command::Eval {
            what: crate::args::EvalCommand::Cluster { format, files },
        } => crate::cluster::evaluate(&format, &files),
        Command::Cluster { state } => {
            let store = open(&cli.database).await?;
            crate::cluster::cluster(store.as_ref(), state, cli.json).await
        }
        Command::Link { state } => {
            let store = open(&cli.database).await?;
            crate::cluster::link(store.as_ref(), state, cli.json).await
        }
        Command::Institution { command } => {
            let store = open(&cli.database).await?;
            crate::tracking::institution(store.as_ref(), command, cli.json).await
        }
        Command::Assign(args) => {
            let store = open(&cli.database).await?;
            crate::tracking::assign(store.as_ref(), args, cli.json).await
        }
        Command::Action { command } => {
            let store = open(&cli.database).await?;
            crate::tracking::action(store.as_ref(), command, cli.json).await
        }
        Command::Status { command } => {
            let store = open(&cli.database).await?;
            crate::tracking::status(store.as_ref(), command, cli.json).await
        }
        Command::Plan { command } => {
            let store = open(&cli.database).await?;
            crate::tracking::plan(store.as_ref(), command, cli.json).await
        }
        Command::Jobs { command } => {
            let store = open(&cli.database).await?;
            crate::tracking::jobs(store.as_ref(), command, cli.json).await
        }
        Command::Serve {
            addr,
            demo,
            secure_cookies,
            trust_proxy,
        } => {
            let config = rightstrack_web::WebConfig {
                secure_cookies,
                trust_proxy,
                reprisals_key: rightstrack_auth::sealed::Key::from_env()
                    .context("cannot read the reprisals key")?
                    .map(Arc::new),
                ..Default::default()
            };
            serve(&cli.database, addr, demo, config).await
        }
        Command::User { what } => {
            let store = open(&cli.database).await?;
            crate::accounts::user(store.as_ref(), what, cli.json).await
        }
        Command::Reprisals { what } => {
            let store = open(&cli.database).await?;
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
            let store = open(&cli.database).await?;
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

/// The `--json` summary of an import.
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    #[serde(flatten)]
    pub summary: ImportSummary,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub files: Vec<FileReport>,
}

#[derive(Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    pub format: Option<String>,
    pub rows_read: usize,
    #[serde(flatten)]
    pub summary: ImportSummary,
    pub refused: bool,
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
    let mut report = ImportReport::default();
    let mut refused = false;
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
        let file = path.display().to_string();
        bar.set_message(file.clone());
        bar.inc(1);
        let parsed = tokio::task::spawn_blocking({
            let (path, options) = (path.clone(), options.clone());
            move || rightstrack_ingest::parse_file_with(&path, format, &options)
        })
        .await
        .context("the importer stopped unexpectedly")?;
        let (format, parsed) = match parsed {
            Ok(ok) => ok,
            Err(e) => {
                refused = true;
                report.errors.push(Problem {
                    file: file.clone(),
                    location: String::new(),
                    message: e.reason(),
                });
                report.files.push(FileReport {
                    file,
                    format: None,
                    rows_read: 0,
                    summary: ImportSummary::default(),
                    refused: true,
                });
                continue;
            }
        };
        let batch = ImportBatch {
            actor: "system".to_string(),
            source: file.clone(),
            recommendations: parsed.recommendations,
            position_updates: parsed.position_updates,
            dry_run,
        };
        let mut summary = store
            .import(batch)
            .await
            .with_context(|| format!("{file}: the import failed and nothing of it was written"))?;
        summary.skipped += parsed.errors.len();
        report.summary += summary;
        report.errors.extend(parsed.errors);
        report.warnings.extend(parsed.warnings);
        report.files.push(FileReport {
            file,
            format: Some(format.code().to_string()),
            rows_read: parsed.rows_read,
            summary,
            refused: false,
        });
    }
    bar.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_import(&report, dry_run);
    }
    Ok(if refused {
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

async fn serve(
    url: &str,
    addr: std::net::SocketAddr,
    demo: bool,
    mut config: rightstrack_web::WebConfig,
) -> Result<ExitCode> {
    // The demo lives in a folder that is removed when the server stops.
    let demo_dir = if demo {
        Some(tempfile::tempdir().context("cannot create a folder for the demo database")?)
    } else {
        None
    };
    let url = match &demo_dir {
        Some(dir) => format!("sqlite://{}", dir.path().join("demo.db").display()),
        None => url.to_string(),
    };
    let store = open(&url).await?;
    if demo {
        crate::demo::seed(store.as_ref())
            .await
            .context("cannot load the demo data")?;
        if config.reprisals_key.is_none() {
            // A throwaway key for a throwaway database: the demo's register works.
            let key = rightstrack_auth::sealed::Key::generate()?;
            config.reprisals_key =
                Some(Arc::new(rightstrack_auth::sealed::Key::from_base64(&key)?));
        }
    } else if store.users().await?.is_empty() {
        println!(
            "No accounts yet: the public pages work, nothing can be changed. Create the first administrator with\n  \
             rightstrack user add NAME --role admin   (with the same --database)"
        );
    }
    crate::tracking::spawn_reminders_in_server(store.clone())?;
    if config.reprisals_key.is_none() {
        tracing::info!(
            "the reprisals register is closed: no key (set RIGHTSTRACK_REPRISALS_KEY_FILE; see docs/security.md)"
        );
    }
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr}; is another server running there? Use --addr")
    })?;
    let local = listener.local_addr()?;
    if demo {
        println!("rightstrack demo (fictional data) at http://{local}/");
        println!("demo accounts (demo only): {}", crate::demo::ACCOUNTS_HELP);
    } else {
        println!(
            "rightstrack serving {} at http://{local}/",
            store.backend().name()
        );
    }
    let state = rightstrack_web::AppState::with_config(store, config)
        .await
        .context("cannot build the search index")?;
    let follower = rightstrack_web::follow_store(&state, std::time::Duration::from_secs(1));
    let app = rightstrack_web::router(state);
    // Peer addresses reach the handlers, for sign-in limits and the audit log.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    follower.abort();
    drop(demo_dir);
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
    let query = SearchQuery {
        text: text.to_string(),
        filters,
        sort: Sort::parse(sort)?,
        offset: 0,
        limit,
        facet_limit: 10,
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

/// Ctrl-C or SIGTERM: stop accepting, finish in-flight requests, exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
