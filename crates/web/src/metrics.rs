//! Prometheus metrics at `/metrics`, in the text exposition format: requests counted by
//! route template, method and status, a latency histogram per route template, and gauges
//! of what the database holds. Imports run in the command-line tool, another process, so
//! their effect is read from the database at scrape time rather than counted here.
//!
//! A small registry of our own rather than the `metrics` crates: three metric families
//! need a map under a mutex and a formatter, where the crates would add a dozen
//! dependencies; recording costs one uncontended lock per request.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// What does not match a route is counted under one label: the paths people and robots
/// try are unbounded, and each label value is a time series.
const UNMATCHED: &str = "unmatched";

#[derive(Default)]
struct Histogram {
    /// Counts per bucket, not cumulative; the +Inf bucket is `count`.
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Registry {
    requests: BTreeMap<(String, &'static str, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);
static STARTED: LazyLock<SystemTime> = LazyLock::new(SystemTime::now);

impl Registry {
    fn record(&mut self, route: &str, method: &'static str, status: u16, took: Duration) {
        *self
            .requests
            .entry((route.to_string(), method, status))
            .or_default() += 1;
        let seconds = took.as_secs_f64();
        let histogram = self.latency.entry(route.to_string()).or_default();
        if let Some(i) = BUCKETS.iter().position(|&bound| seconds <= bound) {
            histogram.buckets[i] += 1;
        }
        histogram.sum += seconds;
        histogram.count += 1;
    }

    fn render(&self, out: &mut String) {
        out.push_str("# HELP rightstrack_http_requests_total HTTP requests answered, by route template, method and status.\n");
        out.push_str("# TYPE rightstrack_http_requests_total counter\n");
        for ((route, method, status), count) in &self.requests {
            let _ = writeln!(
                out,
                "rightstrack_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str("# HELP rightstrack_http_request_duration_seconds Time to answer a request (until the response starts), by route template.\n");
        out.push_str("# TYPE rightstrack_http_request_duration_seconds histogram\n");
        for (route, h) in &self.latency {
            let route = escape(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "rightstrack_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "rightstrack_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "rightstrack_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "rightstrack_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
    }
}

/// A label value as the exposition format wants it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Methods outside the standard set are one label value, for the same reason as paths.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware: counts and times every request.
pub async fn track(request: Request, next: Next) -> Response {
    LazyLock::force(&STARTED);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, |p| p.as_str())
        .to_string();
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let took = started.elapsed();
    // A poisoned lock means a panic elsewhere while recording; losing a sample is better
    // than failing the request.
    if let Ok(mut registry) = REGISTRY.lock() {
        registry.record(&route, method, response.status().as_u16(), took);
    }
    response
}

/// `GET /metrics`.
pub async fn serve(State(app): State<AppState>) -> Response {
    let mut out = String::with_capacity(8 * 1024);
    if let Ok(registry) = REGISTRY.lock() {
        registry.render(&mut out);
    }
    // All records, drafts included: the operators watch imports, which start as drafts.
    match app.store.counts(false).await {
        Ok(counts) => {
            out.push_str("# HELP rightstrack_records Records in the database, by kind (imports from every process, the command line included, show here).\n");
            out.push_str("# TYPE rightstrack_records gauge\n");
            for (kind, n) in [
                ("recommendations", counts.recommendations),
                ("states_under_review", counts.states_under_review),
                ("documents", counts.documents),
                ("institutions", counts.institutions),
                ("actions", counts.actions),
                ("assessments", counts.assessments),
            ] {
                let _ = writeln!(out, "rightstrack_records{{kind=\"{kind}\"}} {n}");
            }
            out.push_str("# HELP rightstrack_database_up Whether the last read of the database succeeded.\n# TYPE rightstrack_database_up gauge\nrightstrack_database_up 1\n");
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot count the records");
            out.push_str("# HELP rightstrack_database_up Whether the last read of the database succeeded.\n# TYPE rightstrack_database_up gauge\nrightstrack_database_up 0\n");
        }
    }
    out.push_str("# HELP rightstrack_search_documents Recommendations in the search index.\n# TYPE rightstrack_search_documents gauge\n");
    let _ = writeln!(out, "rightstrack_search_documents {}", app.search.len());
    out.push_str("# HELP rightstrack_search_revision The last database change the search index has seen.\n# TYPE rightstrack_search_revision gauge\n");
    let _ = writeln!(
        out,
        "rightstrack_search_revision {}",
        app.search.revision().revision
    );
    let started = STARTED
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    out.push_str("# HELP process_start_time_seconds When the server started, in seconds since the Unix epoch.\n# TYPE process_start_time_seconds gauge\n");
    let _ = writeln!(out, "process_start_time_seconds {started}");
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use rightstrack_store::testing::TestDb;
    use tower::ServiceExt;

    use super::*;

    /// `GET uri`, as an administrator when `token` is given.
    async fn get_as(
        app: &axum::Router,
        uri: &str,
        token: Option<&str>,
    ) -> Result<(StatusCode, String), Box<dyn std::error::Error>> {
        let mut request = Request::get(uri);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let response = app.clone().oneshot(request.body(Body::empty())?).await?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        Ok((status, String::from_utf8(bytes.to_vec())?))
    }

    /// The value of the series whose line starts with `series` (name and labels).
    fn value(text: &str, series: &str) -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or(0.0)
    }

    #[tokio::test]
    async fn counts_requests_by_route_template_and_status() -> Result<(), Box<dyn std::error::Error>>
    {
        let db = TestDb::sqlite().await?;
        let admin = db.insert_user("admin", "admin", None, None).await?;
        let (token, hashed) = rightstrack_auth::token::generate_api_token()?;
        db.store
            .create_api_token(
                "test",
                rightstrack_store::accounts::NewApiToken {
                    user_id: admin,
                    name: "prometheus".into(),
                    token_hash: hashed,
                    scope: rightstrack_store::accounts::TokenScope::Read,
                    expires_at: None,
                },
            )
            .await?;
        let app = crate::router(AppState::new(db.store.clone()).await?);
        let (denied, _) = get_as(&app, "/metrics", None).await?;
        assert_ne!(denied, StatusCode::OK, "metrics are for administrators");
        let (_, before) = get_as(&app, "/metrics", Some(&token)).await?;
        let detail = "rightstrack_http_requests_total{route=\"/recommendations/{id}\",method=\"GET\",status=\"404\"}";
        let health =
            "rightstrack_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}";
        let lost =
            "rightstrack_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}";
        for uri in [
            "/recommendations/991",
            "/recommendations/992",
            "/healthz",
            "/no/such/page",
        ] {
            get_as(&app, uri, None).await?;
        }
        let (status, after) = get_as(&app, "/metrics", Some(&token)).await?;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            value(&after, detail) - value(&before, detail),
            2.0,
            "{after}"
        );
        assert_eq!(
            value(&after, health) - value(&before, health),
            1.0,
            "{after}"
        );
        assert_eq!(value(&after, lost) - value(&before, lost), 1.0, "{after}");
        assert!(!after.contains("/no/such/page"), "paths are not labels");
        // The histogram's +Inf bucket counts every request of the route.
        let inf = "rightstrack_http_request_duration_seconds_bucket{route=\"/recommendations/{id}\",le=\"+Inf\"}";
        let count =
            "rightstrack_http_request_duration_seconds_count{route=\"/recommendations/{id}\"}";
        assert!(value(&after, inf) >= 2.0);
        assert_eq!(value(&after, inf), value(&after, count));
        assert_eq!(
            value(&after, "rightstrack_records{kind=\"recommendations\"}"),
            0.0
        );
        assert_eq!(value(&after, "rightstrack_database_up"), 1.0);
        Ok(())
    }

    #[test]
    fn buckets_are_cumulative_and_labels_escaped() {
        let mut registry = Registry::default();
        registry.record("/a\"b", "GET", 200, Duration::from_millis(3));
        registry.record("/a\"b", "GET", 200, Duration::from_millis(300));
        registry.record("/a\"b", "GET", 500, Duration::from_secs(10));
        let mut out = String::new();
        registry.render(&mut out);
        let route = "route=\"/a\\\"b\"";
        assert_eq!(
            value(
                &out,
                &format!(
                    "rightstrack_http_request_duration_seconds_bucket{{{route},le=\"0.005\"}}"
                )
            ),
            1.0
        );
        assert_eq!(
            value(
                &out,
                &format!("rightstrack_http_request_duration_seconds_bucket{{{route},le=\"0.5\"}}")
            ),
            2.0
        );
        assert_eq!(
            value(
                &out,
                &format!("rightstrack_http_request_duration_seconds_bucket{{{route},le=\"+Inf\"}}")
            ),
            3.0
        );
        assert_eq!(
            value(
                &out,
                &format!(
                    "rightstrack_http_requests_total{{{route},method=\"GET\",status=\"500\"}}"
                )
            ),
            1.0
        );
    }

    #[test]
    fn recording_is_cheap() {
        // The figure docs/deployment.md quotes: the cost per request of recording.
        let mut registry = Registry::default();
        let started = Instant::now();
        let n = 200_000u32;
        for i in 0..n {
            let route = if i % 2 == 0 {
                "/recommendations/{id}"
            } else {
                "/api/v1/search"
            };
            registry.record(
                route,
                "GET",
                200,
                Duration::from_micros(u64::from(i % 5000)),
            );
        }
        let per = started.elapsed() / n;
        eprintln!("recording one request: {per:?}");
        assert!(per < Duration::from_micros(20), "{per:?}");
    }
}
