//! The tracking story on the real Slovenia dossier, driven through the HTTP API as its users
//! would: a coordinator assigns the third cycle in bulk by theme and creates actions, a
//! ministry's focal point adds an indicator and reports progress (and cannot touch another
//! ministry's action), the government and the NHRI assess one recommendation differently,
//! the status steps back — and the signals show divergence and regression; the reminder job
//! then e-mails the focal point and the coordinator once, however often it runs.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{mailer, Sink};
use rightstrack_core::{RecommendationId, Taxonomy};
use rightstrack_jobs::{run_due, ReminderSettings};
use rightstrack_store::accounts::{NewApiToken, TokenScope};
use rightstrack_store::signals::ReminderPolicy;
use rightstrack_store::testing::TestDb;
use rightstrack_store::{ImportBatch, PageRequest, RecommendationFilter, Store};
use serde_json::{json, Value};
use time::macros::{datetime, offset};
use tower::ServiceExt;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn dossier() -> Option<Vec<PathBuf>> {
    let data = match std::env::var_os("RIGHTSTRACK_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let cycle3 = data.join("country-dossier/slovenia/cycle-3");
    let files = vec![
        cycle3.join("A_HRC_43_15-working-group-report.pdf"),
        cycle3.join("A_HRC_43_15_Add.1-views-on-recommendations.pdf"),
        data.join("ohchr-thematic-lists/slovenia-cycle3-2019.docx"),
    ];
    if files.iter().all(|f| f.is_file()) {
        Some(files)
    } else {
        println!(
            "skipped: the Slovenia dossier is absent from {}",
            data.display()
        );
        None
    }
}

struct Api {
    app: axum::Router,
}

impl Api {
    async fn call(
        &self,
        token: &str,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))?;
        let response = self.app.clone().oneshot(request).await?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await?;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)?
        };
        Ok((status, value))
    }

    /// A call that must succeed with `expected`; returns the answer.
    async fn ok(
        &self,
        token: &str,
        method: &str,
        uri: &str,
        body: Option<Value>,
        expected: StatusCode,
    ) -> Result<Value, Box<dyn std::error::Error>> {
        let (status, value) = self.call(token, method, uri, body).await?;
        if status != expected {
            return Err(format!("{method} {uri}: {status} {value}").into());
        }
        Ok(value)
    }
}

async fn token(store: &dyn Store, user_id: i64) -> Result<String, Box<dyn std::error::Error>> {
    let (plain, hashed) = rightstrack_auth::token::generate_api_token()?;
    store
        .create_api_token(
            "test",
            NewApiToken {
                user_id,
                name: "story".into(),
                token_hash: hashed,
                scope: TokenScope::Write,
                expires_at: None,
            },
        )
        .await?;
    Ok(plain)
}

fn id(v: &Value) -> Result<i64, Box<dyn std::error::Error>> {
    Ok(v["id"].as_i64().ok_or_else(|| format!("no id in {v}"))?)
}

#[tokio::test]
async fn a_coordinator_tracks_slovenias_third_cycle_through_the_api() -> TestResult {
    let Some(files) = dossier() else {
        return Ok(());
    };
    let db = TestDb::sqlite().await?;
    let store = db.store.as_ref();
    for file in &files {
        let (_, parsed) = rightstrack_ingest::parse_file(file, None)?;
        store
            .import(ImportBatch {
                actor: "coordinator".into(),
                source: file.display().to_string(),
                recommendations: parsed.recommendations,
                position_updates: parsed.position_updates,
                dry_run: false,
            })
            .await?;
    }
    let cycle3 = RecommendationFilter {
        state: Some(rightstrack_core::StateCode::parse("SVN")?),
        cycle: Some(3),
        ..Default::default()
    };
    let all = store
        .recommendations(
            &cycle3,
            PageRequest {
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    let mut by_theme: BTreeMap<String, Vec<RecommendationId>> = BTreeMap::new();
    for r in &all.items {
        for t in r
            .tags
            .iter()
            .filter(|t| t.taxonomy == Taxonomy::UhriTheme && t.provenance.is_ground_truth())
        {
            by_theme.entry(t.code.clone()).or_default().push(r.id);
        }
    }
    let racial = by_theme
        .get("B32")
        .cloned()
        .ok_or("no recommendation on racial discrimination (B32)")?;

    let coordinator_id = db
        .insert_user(
            "coordinator",
            "coordinator",
            None,
            Some("coordinator@gov.si"),
        )
        .await?;
    let coordinator = token(store, coordinator_id).await?;
    let api = Api {
        app: rightstrack_web::router(rightstrack_web::AppState::new(db.store.clone()).await?),
    };

    // Institutions, then bulk assignment by theme.
    let institution = |name: &str, kind: &str| {
        let body = json!({"name": name, "kind": kind});
        let (api, coordinator) = (&api, &coordinator);
        async move {
            id(&api
                .ok(
                    coordinator,
                    "POST",
                    "/api/v1/institutions",
                    Some(body),
                    StatusCode::CREATED,
                )
                .await?)
        }
    };
    let justice = institution("Ministry of Justice", "ministry").await?;
    let office = institution("Government Office for National Minorities", "agency").await?;
    let ombudsman = institution("Human Rights Ombudsman", "nhri").await?;
    let assigned = api
        .ok(&coordinator, "POST", "/api/v1/assignments", Some(json!({"taxonomy": "uhri_theme", "code": "B32", "state": "SVN", "cycle": 3, "lead": office, "support": [justice]})), StatusCode::OK)
        .await?;
    assert_eq!(
        assigned["recommendations"].as_u64(),
        Some(racial.len() as u64)
    );
    let office_assignments = api
        .ok(
            &coordinator,
            "GET",
            &format!("/api/v1/assignments?institution={office}"),
            None,
            StatusCode::OK,
        )
        .await?;
    assert_eq!(
        office_assignments.as_array().map(Vec::len),
        Some(racial.len())
    );

    // Actions serving several recommendations each.
    let ids = |range: &[RecommendationId]| range.iter().map(|r| r.0).collect::<Vec<_>>();
    let programme = id(&api
        .ok(&coordinator, "POST", "/api/v1/actions", Some(json!({
            "title": "Roma employment programme", "kind": "policy", "institution_id": office,
            "target_date": "2025-05-31", "recommendation_ids": ids(&racial[1..5]),
            "funding": {"amount": 80000.0, "currency": "EUR", "funder": "CSO implementation fund", "disbursed": 20000.0}
        })), StatusCode::CREATED)
        .await?)?;
    let law = id(&api
        .ok(&coordinator, "POST", "/api/v1/actions", Some(json!({
            "title": "Amend the Protection against Discrimination Act", "kind": "legislation", "institution_id": justice,
            "start_date": "2024-01-15", "target_date": "2025-12-31", "recommendation_ids": ids(&racial[..3]),
            "legislation": {"title": "ZVarD amendment", "stage": "in_force", "committee_id": null}
        })), StatusCode::CREATED)
        .await?)?;
    let actions = api
        .ok(
            &coordinator,
            "GET",
            &format!("/api/v1/actions?recommendation={}", racial[1].0),
            None,
            StatusCode::OK,
        )
        .await?;
    assert_eq!(actions.as_array().map(Vec::len), Some(2), "{actions}");

    // The Office's focal point works on the Office's action, and only on it.
    let focal_id = db
        .insert_user("focal", "focal_point", Some(office), Some("focal@gov.si"))
        .await?;
    let focal = token(store, focal_id).await?;
    let indicator = id(&api
        .ok(
            &focal,
            "POST",
            &format!("/api/v1/actions/{programme}/indicators"),
            Some(json!({
                "name": "Roma in public works", "unit": "people", "baseline": 40, "target": 200,
                "schedule": "quarterly", "start": "2025-01-01", "end": "2025-12-31"
            })),
            StatusCode::CREATED,
        )
        .await?)?;
    api.ok(&focal, "POST", &format!("/api/v1/actions/{programme}/indicators/{indicator}/progress"), Some(json!({
        "due_date": "2025-04-01", "text": "75 people employed in two municipalities", "value": 75, "public": true
    })), StatusCode::CREATED)
        .await?;
    let (status, _) = api
        .call(&focal, "POST", &format!("/api/v1/actions/{law}/indicators"), Some(json!({
            "name": "x", "unit": "x", "schedule": "annual", "start": "2025-01-01", "end": "2026-01-01"
        })))
        .await?;
    assert_eq!(status, StatusCode::FORBIDDEN, "another ministry's action");
    let (status, _) = api
        .call(
            &focal,
            "POST",
            "/api/v1/actions",
            Some(json!({"title": "x", "kind": "policy"})),
        )
        .await?;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "focal points do not create actions"
    );

    // Two assessments that disagree, a status that steps back: the signals show both.
    let first = racial[0].0;
    let nhri_id = db
        .insert_user("ombudsman", "nhri", Some(ombudsman), None)
        .await?;
    let nhri = token(store, nhri_id).await?;
    api.ok(
        &coordinator,
        "POST",
        &format!("/api/v1/recommendations/{first}/assessments"),
        Some(json!({"status": "fully_implemented", "text": "The act is in force"})),
        StatusCode::CREATED,
    )
    .await?;
    api.ok(
        &nhri,
        "POST",
        &format!("/api/v1/recommendations/{first}/assessments"),
        Some(json!({"status": "not_started", "text": "No case has been decided under it"})),
        StatusCode::CREATED,
    )
    .await?;
    api.ok(
        &coordinator,
        "POST",
        &format!("/api/v1/recommendations/{first}/status"),
        Some(json!({"status": "fully_implemented", "justification": "Act in force"})),
        StatusCode::NO_CONTENT,
    )
    .await?;
    api.ok(&coordinator, "POST", &format!("/api/v1/recommendations/{first}/status"), Some(json!({"status": "partially_implemented", "justification": "Act repealed by referendum"})), StatusCode::NO_CONTENT).await?;
    let signals = api
        .ok(
            &coordinator,
            "GET",
            "/api/v1/states/SVN/signals",
            None,
            StatusCode::OK,
        )
        .await?;
    let divergences = signals["divergences"].as_array().ok_or("divergences")?;
    assert_eq!(divergences.len(), 1, "{signals}");
    assert_eq!(divergences[0]["steps"], 3);
    let regressions = signals["regressions"].as_array().ok_or("regressions")?;
    assert!(
        regressions
            .iter()
            .any(|r| r["recommendation_id"] == first && r["reported_by"] == "coordinator"),
        "{signals}"
    );
    let implementation = api
        .ok(
            &nhri,
            "GET",
            &format!("/api/v1/recommendations/{first}/implementation"),
            None,
            StatusCode::OK,
        )
        .await?;
    assert_eq!(
        implementation["assessments"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(implementation["status"]["status"], "partially_implemented");

    // The reminders of 20 June 2025 in Ljubljana: the programme (due 31 May) is overdue for
    // the coordinator, the July report ahead for the focal point — each e-mailed once.
    let sink = Sink::start().await?;
    let mailer = mailer(&sink)?;
    let settings = ReminderSettings {
        policy: ReminderPolicy { days_before: 14 },
        offset: offset!(+2),
    };
    let now = datetime!(2025-06-20 08:00 UTC);
    let first_run = run_due(store, Some(&mailer), now, settings).await?;
    let second_run = run_due(store, Some(&mailer), now, settings).await?;
    assert_eq!((first_run.emailed, second_run.emailed), (2, 0));
    let to: Vec<Vec<String>> = sink.messages().into_iter().map(|m| m.to).collect();
    assert!(
        to.contains(&vec!["focal@gov.si".to_string()])
            && to.contains(&vec!["coordinator@gov.si".to_string()]),
        "{to:?}"
    );

    let dashboard = api
        .ok(
            &focal,
            "GET",
            &format!("/api/v1/institutions/{office}/dashboard"),
            None,
            StatusCode::OK,
        )
        .await?;
    assert_eq!(
        dashboard["assignments"].as_array().map(Vec::len),
        Some(racial.len())
    );
    assert_eq!(dashboard["actions"].as_array().map(Vec::len), Some(1));
    Ok(())
}
