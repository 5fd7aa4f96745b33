//! The OpenAPI document: its snapshot, and that what the API really sends matches it.

mod common;

use axum::http::StatusCode;
use common::{app, get};
use rightstrack_core::{
    ActionCategory, Cycle, DocumentKind, Mechanism, Position, Provenance, Recommendation,
    RecommendationId, Session, SourceDocument, StateCode, Tag, Taxonomy,
};
use serde_json::Value;

type TestResult = Result<(), common::Error>;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/openapi.json");

fn document() -> Result<Value, serde_json::Error> {
    serde_json::to_value(rightstrack_web::api_document())
}

/// The generated document is the committed one, so that every change to the API shows in
/// review. `UPDATE_SNAPSHOTS=1 cargo test -p rightstrack-web --test openapi` rewrites it.
#[test]
fn document_matches_the_snapshot() -> TestResult {
    let generated = serde_json::to_string_pretty(&document()?)? + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &generated)?;
        return Ok(());
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    let line = committed
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(committed.lines().count().min(generated.lines().count()));
    let at = |text: &str| text.lines().nth(line).unwrap_or("(end)").to_string();
    assert!(
        committed == generated,
        "the OpenAPI document differs from tests/openapi.json at line {}:\n  committed: {}\n  generated: {}\n\
         If the API change is meant, rewrite the snapshot with \
         `UPDATE_SNAPSHOTS=1 cargo test -p rightstrack-web --test openapi` and commit it.",
        line + 1,
        at(&committed),
        at(&generated),
    );
    Ok(())
}

#[test]
fn every_route_is_documented() -> TestResult {
    let doc = document()?;
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .ok_or("no paths")?
        .keys()
        .map(String::as_str)
        .collect();
    let api_routes = rightstrack_web::route_table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/") || r.path.ends_with("z"));
    for route in api_routes {
        assert!(
            paths.contains(&route.path),
            "{} {} is not documented: {paths:?}",
            route.method,
            route.path
        );
    }
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    Ok(())
}

/// A recommendation with every field filled, as the core crate serialises it, has exactly
/// the keys and types the `Recommendation` schema describes, nested objects included.
#[test]
fn recommendation_schema_matches_its_serde_output() -> TestResult {
    let now = time::OffsetDateTime::now_utc();
    let rec = Recommendation {
        id: RecommendationId(7),
        mechanism: Mechanism::Upr,
        state: StateCode::parse("SVN")?,
        cycle: Some(Cycle::new(2)?),
        session: Some(Session::new(20)?),
        document: Some(SourceDocument {
            symbol: "A/HRC/28/15".into(),
            kind: DocumentKind::WorkingGroupReport,
            date: Some(time::macros::date!(2014 - 12 - 15)),
            title: Some("Report of the Working Group".into()),
        }),
        paragraph: Some("115.3".into()),
        text: "Ratify OP-CAT".into(),
        language: "en".into(),
        recommending_states: vec![StateCode::parse("FRA")?],
        position: Some(Position::SupportedInPart),
        position_source: Some("A/HRC/28/15/Add.1".into()),
        position_explanation: Some("In part".into()),
        action_category: Some(ActionCategory::new(5)?),
        tags: vec![
            Tag {
                taxonomy: Taxonomy::UprIssue,
                code: "torture".into(),
                label: "Torture".into(),
                provenance: Provenance::Imported,
            },
            Tag {
                taxonomy: Taxonomy::SdgGoal,
                code: "16".into(),
                label: "Peace".into(),
                provenance: Provenance::Model {
                    version: "m1".into(),
                    confidence: 0.5,
                },
            },
            Tag {
                taxonomy: Taxonomy::AffectedPersons,
                code: "x".into(),
                label: "X".into(),
                provenance: Provenance::Person { user: "ana".into() },
            },
        ],
        source_group: Some("g1".into()),
        published: true,
        created_at: now,
        updated_at: now,
    };
    let doc = document()?;
    let schema = serde_json::json!({"$ref": "#/components/schemas/Recommendation"});
    assert_matches(
        &doc,
        &schema,
        &serde_json::to_value(&rec)?,
        "Recommendation",
    )
}

/// What the API answers, on success and on error, is what the document says it answers;
/// and every search parameter the document lists is one the API accepts.
#[tokio::test]
async fn api_answers_match_the_document() -> TestResult {
    let (app, _db) = app().await?;
    let doc = document()?;
    let (_, list) = get(&app, "/api/v1/recommendations?per_page=1").await?;
    let id = serde_json::from_str::<Value>(&list)?["items"][0]["id"].clone();
    let record = format!("/api/v1/recommendations/{id}");
    for (uri, path, status) in [
        ("/api/v1/recommendations", "/api/v1/recommendations", 200),
        (
            "/api/v1/recommendations?cycle=x",
            "/api/v1/recommendations",
            400,
        ),
        (record.as_str(), "/api/v1/recommendations/{id}", 200),
        (
            "/api/v1/recommendations/0",
            "/api/v1/recommendations/{id}",
            404,
        ),
        // Found by scripts/contract: a 500 (offset overflow), and axum's plain-text 400.
        (
            "/api/v1/recommendations?page=9223372036854775808",
            "/api/v1/recommendations",
            400,
        ),
        (
            "/api/v1/recommendations/9223372036854775808",
            "/api/v1/recommendations/{id}",
            400,
        ),
        ("/api/v1/search?q=ratify&state=SVN", "/api/v1/search", 200),
        ("/api/v1/search?colour=red", "/api/v1/search", 400),
        ("/healthz", "/healthz", 200),
        ("/readyz", "/readyz", 200),
    ] {
        let (got, body) = get(&app, uri).await?;
        assert_eq!(got.as_u16(), status, "{uri}: {body}");
        let schema = response_schema(&doc, path, status)?;
        assert_matches(&doc, &schema, &serde_json::from_str(&body)?, uri)?;
    }
    let (status, served) = get(&app, "/api/v1/openapi.json").await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Value>(&served)?, doc);

    let params = doc["paths"]["/api/v1/search"]["get"]["parameters"]
        .as_array()
        .ok_or("search has no parameters")?;
    for p in params {
        let name = p["name"].as_str().ok_or("unnamed parameter")?;
        let value = p["schema"]["enum"][0].as_str().unwrap_or("1");
        let (status, body) = get(&app, &format!("/api/v1/search?{name}={value}")).await?;
        assert_eq!(
            status,
            StatusCode::OK,
            "documented {name} is refused: {body}"
        );
    }
    Ok(())
}

/// The JSON schema of the answer with `status` on `GET path`.
fn response_schema(doc: &Value, path: &str, status: u16) -> Result<Value, String> {
    let mut response = &doc["paths"][path]["get"]["responses"][status.to_string()];
    if let Some(name) = response["$ref"].as_str() {
        response =
            &doc["components"]["responses"][name.trim_start_matches("#/components/responses/")];
    }
    let schema = &response["content"]["application/json"]["schema"];
    if schema.is_null() {
        return Err(format!("GET {path} documents no JSON answer for {status}"));
    }
    Ok(schema.clone())
}

fn assert_matches(doc: &Value, schema: &Value, value: &Value, what: &str) -> TestResult {
    let mut errors = Vec::new();
    check(doc, schema, value, what, &mut errors);
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n  {}",
        errors.join("\n  ")
    );
    Ok(())
}

/// A small structural validator, enough for this API: `$ref`, `oneOf`/`anyOf`, `type`,
/// `enum`, `items`, and objects having exactly the documented properties (serde writes every
/// field, `null` included, so a documented key that is missing is a difference too).
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        match doc["components"]["schemas"].get(name) {
            Some(target) => check(doc, target, value, at, errors),
            None => errors.push(format!("{at}: {reference} is not in the document")),
        }
        return;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema[key].as_array() {
            let fits = |branch: &Value| {
                let mut e = Vec::new();
                check(doc, branch, value, at, &mut e);
                e.is_empty()
            };
            if !branches.iter().any(fits) {
                errors.push(format!("{at}: {value} fits none of {key}"));
            }
            return;
        }
    }
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let number_ok = actual == "integer" && types.contains(&"number");
    if !types.is_empty() && !types.contains(&actual) && !number_ok {
        errors.push(format!("{at}: {value} is {actual}, documented {types:?}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !value.is_null() && !allowed.contains(value) {
            errors.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    match value {
        Value::Object(fields) => {
            let Some(properties) = schema["properties"].as_object() else {
                return;
            };
            for key in fields.keys().filter(|k| !properties.contains_key(*k)) {
                errors.push(format!("{at}.{key}: sent but not documented"));
            }
            for (key, property) in properties {
                match fields.get(key) {
                    Some(v) => check(doc, property, v, &format!("{at}.{key}"), errors),
                    None => errors.push(format!("{at}.{key}: documented but not sent")),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check(doc, &schema["items"], item, &format!("{at}[{i}]"), errors);
            }
        }
        _ => {}
    }
}
