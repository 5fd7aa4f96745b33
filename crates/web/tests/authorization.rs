//! The authorization matrix: every route, requested as every role and as an anonymous
//! visitor, answers as `tests/authorization.tsv` says. A route the application serves but
//! the table lacks (or the other way round) fails the test, so no route is added unreviewed.

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use common::world::{is_denied, set_cookie, World, PASSWORD};

type TestResult = Result<(), common::Error>;

const TABLE: &str = include_str!("authorization.tsv");

struct Row {
    method: String,
    path: String,
    /// (role or `anonymous`, allowed)
    expected: Vec<(String, bool)>,
}

fn table() -> Result<Vec<Row>, common::Error> {
    let mut lines = TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header: Vec<&str> = lines.next().ok_or("empty table")?.split('\t').collect();
    let roles = &header[2..];
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            if cells.len() != header.len() {
                return Err(format!(
                    "row {line:?} has {} cells, the header {}",
                    cells.len(),
                    header.len()
                )
                .into());
            }
            let expected = roles
                .iter()
                .zip(&cells[2..])
                .map(|(role, cell)| match *cell {
                    "allow" => Ok((role.to_string(), true)),
                    "deny" => Ok((role.to_string(), false)),
                    other => Err(format!(
                        "cell {other:?} in {line:?}: expected allow or deny"
                    )),
                })
                .collect::<Result<_, _>>()?;
            Ok(Row {
                method: cells[0].to_string(),
                path: cells[1].to_string(),
                expected,
            })
        })
        .collect()
}

#[test]
fn the_table_lists_exactly_the_routes_served() -> TestResult {
    let served: BTreeSet<(String, String)> = rightstrack_web::route_table()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let listed: BTreeSet<(String, String)> =
        table()?.into_iter().map(|r| (r.method, r.path)).collect();
    let missing: Vec<_> = served.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in tests/authorization.tsv: {missing:?}"
    );
    assert!(stale.is_empty(), "rows for routes not served: {stale:?}");
    Ok(())
}

/// A valid body for each state-changing route: the matrix tests permissions, not input
/// checks (a 400 still counts as let through).
fn body_for(world: &World, method: &str, path: &str, role: &str) -> (String, &'static str) {
    let (assigned, ministry) = (world.assigned, world.ministry);
    const FORM: &str = "application/x-www-form-urlencoded";
    const JSON: &str = "application/json";
    if method != "POST" {
        return (String::new(), FORM);
    }
    let case = "date=2025-03-01&kind=intimidation&affected=a+defender&status=open";
    match path {
        p if p.ends_with("/publication") && p.starts_with("/api/") => ("{\"published\": true}".into(), JSON),
        p if p.ends_with("/status") && p.starts_with("/api/") => {
            ("{\"status\": \"in_progress\", \"justification\": \"matrix\"}".into(), JSON)
        }
        p if p.ends_with("/assessments") && p.starts_with("/api/") => {
            ("{\"status\": \"in_progress\", \"text\": \"matrix\"}".into(), JSON)
        }
        p if p.ends_with("/publication") => ("published=yes".into(), FORM),
        p if p.ends_with("/status") => ("status=in_progress&justification=matrix".into(), FORM),
        p if p.ends_with("/assessments") => ("status=in_progress&text=matrix".into(), FORM),
        "/sign-in" => (format!("username=viewer&password={}", PASSWORD.replace(' ', "+")), FORM),
        "/account/password" => ("current=wrong&new=x&confirm=x".into(), FORM),
        "/account/totp/disable" => ("password=wrong".into(), FORM),
        "/account/tokens" => ("name=matrix&scope=read".into(), FORM),
        "/admin/users" => (format!("username=matrix-{role}&display_name=&role=viewer&password=purple+kettle+harbour+91"), FORM),
        "/admin/users/{id}" => ("change=enable".into(), FORM),
        "/reprisals" | "/reprisals/{id}" => (case.into(), FORM),
        "/reprisals/summary" => ("publish=yes".into(), FORM),
        "/import/confirm" => ("upload=matrix".into(), FORM),
        "/review" => (format!("one=reject:{assigned}|upr_issue|justice"), FORM),
        "/api/v1/suggestions/decisions" => (format!("{{\"decisions\": [{{\"recommendation_id\": {assigned}, \"taxonomy\": \"upr_issue\", \"code\": \"justice\", \"decision\": \"reject\"}}]}}"), JSON),
        "/api/v1/clusters/{id}/title" => ("{\"title\": \"Matrix\"}".into(), JSON),
        "/api/v1/clusters/{id}/members" => (format!("{{\"recommendation_id\": {assigned}, \"member\": true}}"), JSON),
        "/api/v1/clusters/{id}/move" => (format!("{{\"recommendation_ids\": [{assigned}]}}"), JSON),
        "/states/{code}/clusters/{id}/title" => ("title=Matrix".into(), FORM),
        "/states/{code}/clusters/{id}/move" => (format!("to=out&members={assigned}"), FORM),
        "/links/decision" => (format!("from={assigned}&to={ministry}&back={assigned}&decision=confirmed"), FORM),
        "/api/v1/links/decision" => (format!("{{\"from\": {assigned}, \"to\": {ministry}, \"decision\": \"confirmed\"}}"), JSON),
        "/api/v1/institutions" => (format!("{{\"name\": \"Matrix office {role}\", \"kind\": \"agency\"}}"), JSON),
        "/api/v1/assignments" => (format!("{{\"recommendation_ids\": [{assigned}], \"support\": [{ministry}]}}"), JSON),
        "/api/v1/actions" => (format!("{{\"title\": \"Matrix\", \"kind\": \"policy\", \"recommendation_ids\": [{assigned}]}}"), JSON),
        "/api/v1/actions/{id}/indicators" => ("{\"name\": \"Cases\", \"unit\": \"cases\", \"schedule\": \"annual\", \"start\": \"2025-01-01\", \"end\": \"2027-01-01\"}".into(), JSON),
        "/api/v1/actions/{id}/indicators/{indicator}/progress" => ("{\"due_date\": \"2026-01-01\", \"text\": \"matrix\", \"value\": 3}".into(), JSON),
        "/assignments" => (format!("target=recommendations&recommendations={assigned}&support={ministry}"), FORM),
        "/actions" => (format!("title=Matrix&kind=policy&recommendations={assigned}"), FORM),
        _ => (String::new(), FORM),
    }
}

/// The path with its parameters filled in from the world.
fn concrete(world: &World, path: &str, case: i64, foreign_token: i64) -> String {
    let id = if path.starts_with("/admin/users/") {
        world.spare_user
    } else if path.starts_with("/api/v1/actions/") {
        world.action
    } else if path.starts_with("/api/v1/institutions/") || path.starts_with("/institutions/") {
        world.ministry
    } else if path.starts_with("/account/tokens/") {
        foreign_token
    } else if path.starts_with("/reprisals/") {
        case
    } else {
        world.assigned
    };
    path.replace("{id}", &id.to_string())
        .replace("{code}", "SVN")
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_table_says() -> TestResult {
    let world = World::new().await?;
    // A case to read and change, made by the officer.
    let created = world
        .send(world.request(
            "POST",
            "/reprisals",
            Some("reprisals_officer"),
            Body::from("date=2025-01-01&kind=intimidation&affected=a+journalist&status=open"),
            Some("application/x-www-form-urlencoded"),
        )?)
        .await?;
    let case: i64 = created
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .ok_or("the officer could not create a case")?;
    // Some other user's token: revoking it must not work for anyone but its owner.
    let foreign_token = world
        .db
        .store
        .api_tokens(world.spare_user)
        .await?
        .first()
        .map_or(999_999, |t| t.id);
    // Anonymous visitors pass the CSRF check the way a browser would (cookie and field), so
    // that what is tested is the permission.
    let page = world
        .send(world.request("GET", "/sign-in", None, Body::empty(), None)?)
        .await?;
    let csrf = set_cookie(&page, "rt_csrf").ok_or("the sign-in page sets no CSRF cookie")?;

    let mut differences = Vec::new();
    for row in table()? {
        for (role, allowed) in &row.expected {
            let as_role = (role != "anonymous").then_some(role.as_str());
            let uri = concrete(&world, &row.path, case, foreign_token);
            let (mut body, content_type) = body_for(&world, &row.method, &row.path, role);
            let mut request = axum::http::Request::builder()
                .method(row.method.as_str())
                .uri(&uri)
                .header("content-type", content_type);
            match as_role {
                Some(r) => {
                    request =
                        request.header("authorization", format!("Bearer {}", world.token(r)?));
                }
                None => {
                    request = request
                        .header("cookie", format!("rt_csrf={csrf}"))
                        .header("x-csrf-token", &csrf);
                    if content_type.ends_with("urlencoded") && row.method == "POST" {
                        body = if body.is_empty() {
                            format!("csrf={csrf}")
                        } else {
                            format!("{body}&csrf={csrf}")
                        };
                    }
                }
            }
            let response = world.send(request.body(Body::from(body))?).await?;
            let denied = is_denied(&response);
            if denied == *allowed {
                differences.push(format!(
                    "{} {} as {role}: table says {}, got {} {:?}",
                    row.method,
                    row.path,
                    if *allowed { "allow" } else { "deny" },
                    response.status(),
                    response.headers().get("location"),
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    Ok(())
}
