//! HTTP load on loopback, with writes: `rightstrack serve` on the UPR Info export (30,261
//! recommendations, all published), on SQLite (one process) and on one PostgreSQL database
//! (one process, then two with the clients split between them). At each concurrency the
//! clients first ask `/healthz` for the whole time (the baseline: what the server and the
//! loopback cost before any work), then a mix for the same time: API searches, search
//! pages, record pages (HTML and JSON), and writes through the API with write tokens —
//! implementation statuses (a coordinator) and assessments (an NHRI). Every request is
//! checked for its expected status; anything else is an error. Each server's resident
//! memory is read before and after.
//!
//! The load generator runs in this process on the same machine: on a small machine it
//! competes with the servers for the cores, which the ratios to the baseline share.
//!
//! `cargo build --release -p rightstrack -p rightstrack-bench --bins &&
//!  target/release/load [--seconds 15] [--clients 64,256] [--setups sqlite,postgres,postgres-2]`
//!
//! PostgreSQL: `RIGHTSTRACK_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres)
//! names the server a throwaway database is made on; unreachable, those setups are skipped
//! with a message (a failure under CI=true).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rightstrack_bench::{report, Figure};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{ImportBatch, PageRequest, RecommendationFilter};

/// How many record ids the clients pick from (the first ones in id order).
const IDS: u32 = 5_000;

struct Options {
    seconds: u64,
    clients: Vec<usize>,
    setups: Vec<String>,
}

fn options() -> Result<Options> {
    let mut o = Options {
        seconds: 15,
        clients: vec![64, 256],
        setups: vec!["sqlite".into(), "postgres".into(), "postgres-2".into()],
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--seconds" => o.seconds = value.parse()?,
            "--clients" => {
                o.clients = value
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?
            }
            "--setups" => o.setups = value.split(',').map(str::to_string).collect(),
            _ => bail!("unknown option {arg}: --seconds N, --clients 64,256, --setups sqlite,postgres,postgres-2"),
        }
    }
    Ok(o)
}

/// The `rightstrack` binary built beside this one.
fn server_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .context("no folder")?
        .join(format!("rightstrack{}", std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(
        bin.is_file(),
        "{} is missing: cargo build --release -p rightstrack",
        bin.display()
    );
    Ok(bin)
}

/// Runs a CLI command on the database, with `stdin` as its input; returns its output.
fn cli(bin: &Path, url: &str, args: &[&str], stdin: &str) -> Result<String> {
    let mut child = Command::new(bin)
        .arg("--database")
        .arg(url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .context("no stdin")?
        .write_all(stdin.as_bytes())?;
    let out = child.wait_with_output()?;
    anyhow::ensure!(
        out.status.success(),
        "rightstrack {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

/// The accounts and data the clients use.
struct Seeded {
    ids: Vec<i64>,
    status_token: String,
    assessment_token: String,
}

async fn seed(bin: &Path, db: &TestDb) -> Result<Seeded> {
    let recommendations = rightstrack_bench::upr_info()?;
    db.store
        .import(ImportBatch {
            actor: "load".into(),
            source: "UPR Info export".into(),
            recommendations,
            ..Default::default()
        })
        .await?;
    db.store
        .publish("load", &RecommendationFilter::default(), true)
        .await?;
    let ids = db
        .store
        .recommendations(
            &RecommendationFilter::default(),
            PageRequest {
                limit: IDS,
                ..Default::default()
            },
        )
        .await?
        .items
        .into_iter()
        .map(|r| r.id.0)
        .collect();
    let password = "load-test-password-1729\n";
    let nhri = cli(
        bin,
        &db.url,
        &[
            "--json",
            "institution",
            "add",
            "--name",
            "Load NHRI",
            "--kind",
            "nhri",
        ],
        "",
    )?;
    let nhri: serde_json::Value = serde_json::from_str(&nhri)?;
    let nhri = nhri["id"]
        .as_i64()
        .with_context(|| format!("no institution id in {nhri}"))?
        .to_string();
    cli(
        bin,
        &db.url,
        &[
            "user",
            "add",
            "load-coordinator",
            "--role",
            "coordinator",
            "--password-stdin",
        ],
        password,
    )?;
    cli(
        bin,
        &db.url,
        &[
            "user",
            "add",
            "load-nhri",
            "--role",
            "nhri",
            "--institution",
            &nhri,
            "--password-stdin",
        ],
        password,
    )?;
    let token = |user: &str| -> Result<String> {
        Ok(cli(
            bin,
            &db.url,
            &["user", "token", user, "--scope", "write"],
            "",
        )?
        .trim()
        .to_string())
    };
    Ok(Seeded {
        ids,
        status_token: token("load-coordinator")?,
        assessment_token: token("load-nhri")?,
    })
}

/// A running `rightstrack serve`.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(bin: &Path, url: &str) -> Result<Self> {
        let mut child = Command::new(bin)
            .args(["--database", url, "serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().context("no stdout")?;
        // The server says where it listens once it can answer.
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .context("the server stopped before it was ready")??;
            if let Some(at) = line.split("http://").nth(1) {
                break at.trim_end_matches('/').to_string();
            }
        };
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self { child, addr })
    }

    /// Resident memory in MiB, from /proc.
    fn rss_mib(&self) -> f64 {
        rightstrack_bench::proc_memory_mib(self.child.id(), "VmRSS")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small deterministic generator: each client draws its own reproducible sequence.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const QUERIES: &[&str] = &[
    "torture",
    "education",
    "women",
    "children",
    "disabilit*",
    "%22death+penalty%22",
    "trafficking",
    "health",
    "refugees",
    "journalists",
    "domestic+violence",
    "ratify",
];
const FACETS: &[&str] = &[
    "",
    "&position=supported",
    "&group=WEOG",
    "&cycle=1",
    "&position=noted&group=GRULAC",
];
const STATUSES: &[&str] = &[
    "not_started",
    "in_progress",
    "partially_implemented",
    "fully_implemented",
];

/// The kinds of request in the mix, in `next_request`'s order, for the breakdown.
const KINDS: [&str; 6] = [
    "API search",
    "search page",
    "record page",
    "API record",
    "status update",
    "assessment",
];

/// One request of the mix: its kind (into [`KINDS`]), method, path, token, body, and the
/// status it must answer.
fn next_request<'a>(
    rng: &mut Rng,
    seeded: &'a Seeded,
) -> (usize, (Method, String, Option<&'a str>, String, StatusCode)) {
    let id = seeded.ids[rng.below(seeded.ids.len())];
    let q = QUERIES[rng.below(QUERIES.len())];
    let f = FACETS[rng.below(FACETS.len())];
    let status = STATUSES[rng.below(STATUSES.len())];
    match rng.below(100) {
        0..40 => (0, get(format!("/api/v1/search?q={q}{f}&per_page=20"))),
        40..55 => (1, get(format!("/recommendations?q={q}{f}"))),
        55..70 => (2, get(format!("/recommendations/{id}"))),
        70..80 => (3, get(format!("/api/v1/recommendations/{id}"))),
        80..90 => (
            4,
            (
                Method::POST,
                format!("/api/v1/recommendations/{id}/status"),
                Some(&seeded.status_token),
                format!(r#"{{"status":"{status}","justification":"load test"}}"#),
                StatusCode::NO_CONTENT,
            ),
        ),
        _ => (
            5,
            (
                Method::POST,
                format!("/api/v1/recommendations/{id}/assessments"),
                Some(&seeded.assessment_token),
                format!(r#"{{"status":"{status}","text":"load test assessment"}}"#),
                StatusCode::CREATED,
            ),
        ),
    }
}

fn get<'a>(path: String) -> (Method, String, Option<&'a str>, String, StatusCode) {
    (Method::GET, path, None, String::new(), StatusCode::OK)
}

#[derive(Default)]
struct Outcome {
    /// Microseconds, one per answered request, with the request's kind.
    latencies: Vec<(u8, u32)>,
    errors: u64,
    first_error: Option<String>,
}

async fn connect(addr: &str) -> Result<SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

/// One client: a kept-alive connection, requests one after another until `until`.
async fn client(
    addr: String,
    seeded: Arc<Seeded>,
    healthz_only: bool,
    seed: u64,
    until: Instant,
) -> Outcome {
    let mut rng = Rng(seed | 1);
    let mut out = Outcome::default();
    let mut sender = None;
    while Instant::now() < until {
        let (kind, (method, path, token, body, expected)) = if healthz_only {
            (0, get("/healthz".into()))
        } else {
            next_request(&mut rng, &seeded)
        };
        let started = Instant::now();
        let result = async {
            let s = match &mut sender {
                Some(s) => s,
                None => sender.insert(connect(&addr).await?),
            };
            s.ready().await?;
            let mut request = Request::builder()
                .method(method)
                .uri(&path)
                .header("host", &addr);
            if let Some(token) = token {
                request = request
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json");
            }
            let response = s
                .send_request(request.body(Full::new(Bytes::from(body)))?)
                .await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, body))
        }
        .await;
        match result {
            Ok((status, _)) if status == expected => {
                let us = started.elapsed().as_micros().min(u32::MAX as u128) as u32;
                out.latencies.push((kind as u8, us));
            }
            Ok((status, body)) => {
                out.errors += 1;
                out.first_error.get_or_insert_with(|| {
                    format!("{path}: {status} {}", String::from_utf8_lossy(&body))
                });
            }
            Err(e) => {
                out.errors += 1;
                out.first_error
                    .get_or_insert_with(|| format!("{path}: {e}"));
                sender = None;
            }
        }
    }
    out
}

struct Measured {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

async fn run(
    servers: &[Server],
    seeded: &Arc<Seeded>,
    clients: usize,
    seconds: u64,
    healthz_only: bool,
) -> Result<Measured> {
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let addr = servers[i % servers.len()].addr.clone();
            tokio::spawn(client(
                addr,
                seeded.clone(),
                healthz_only,
                0x9E37_79B9_7F4A_7C15 ^ i as u64,
                until,
            ))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for task in tasks {
        let out = task.await?;
        latencies.extend(out.latencies);
        errors += out.errors;
        first_error = first_error.or(out.first_error);
    }
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(e) = first_error {
        eprintln!("first error ({errors} in all): {e}");
    }
    let at = |sorted: &[u32], q: f64| {
        sorted
            .get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1)))
            .map_or(f64::NAN, |&us| f64::from(us) / 1000.0)
    };
    if !healthz_only {
        // Where the time goes: each kind's share of the requests and its latencies.
        for (k, name) in KINDS.iter().enumerate() {
            let mut own: Vec<u32> = latencies
                .iter()
                .filter(|l| usize::from(l.0) == k)
                .map(|l| l.1)
                .collect();
            own.sort_unstable();
            eprintln!(
                "    {name:<14} {:>6} requests  p50 {:>8.2} ms  p99 {:>8.2} ms",
                own.len(),
                at(&own, 0.50),
                at(&own, 0.99)
            );
        }
    }
    let mut all: Vec<u32> = latencies.iter().map(|l| l.1).collect();
    all.sort_unstable();
    Ok(Measured {
        per_second: all.len() as f64 / elapsed,
        p50_ms: at(&all, 0.50),
        p99_ms: at(&all, 0.99),
        errors,
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let options = options()?;
    let bin = server_binary()?;
    let mut figures = Vec::new();
    for setup in &options.setups {
        let (db, processes) = match setup.as_str() {
            "sqlite" => (TestDb::sqlite().await?, 1),
            "postgres" | "postgres-2" => match TestDb::postgres().await? {
                Some(db) => (db, if setup == "postgres" { 1 } else { 2 }),
                None => continue,
            },
            other => bail!("unknown setup {other}: sqlite, postgres or postgres-2"),
        };
        eprintln!("==> {setup}: seeding");
        let seeded = Arc::new(seed(&bin, &db).await?);
        let servers = (0..processes)
            .map(|_| Server::start(&bin, &db.url))
            .collect::<Result<Vec<_>>>()?;
        for &clients in &options.clients {
            let name = format!("{setup}, {clients} clients");
            let rss_before: Vec<f64> = servers.iter().map(Server::rss_mib).collect();
            eprintln!(
                "==> {name}: /healthz, then the mix, {}s each",
                options.seconds
            );
            let base = run(&servers, &seeded, clients, options.seconds, true).await?;
            let mix = run(&servers, &seeded, clients, options.seconds, false).await?;
            let rss_after: Vec<f64> = servers.iter().map(Server::rss_mib).collect();
            let b = "/healthz";
            figures.push(
                Figure::new(
                    "load",
                    &format!("{name}: mix requests/s"),
                    mix.per_second,
                    "req/s",
                )
                .against(b, base.per_second),
            );
            figures.push(
                Figure::new("load", &format!("{name}: mix p50"), mix.p50_ms, "ms")
                    .against(b, base.p50_ms),
            );
            figures.push(
                Figure::new("load", &format!("{name}: mix p99"), mix.p99_ms, "ms")
                    .against(b, base.p99_ms),
            );
            figures.push(
                Figure::new(
                    "load",
                    &format!("{name}: mix errors"),
                    mix.errors as f64,
                    "",
                )
                .against(b, base.errors as f64)
                .target("0"),
            );
            for (i, (before, after)) in rss_before.iter().zip(&rss_after).enumerate() {
                figures.push(
                    Figure::new(
                        "load",
                        &format!("{name}: server {} memory after", i + 1),
                        *after,
                        "MiB",
                    )
                    .against("before", *before),
                );
            }
        }
        drop(servers);
        db.close().await?;
    }
    report(&figures)
}
