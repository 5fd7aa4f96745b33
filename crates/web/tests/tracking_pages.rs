//! The implementation-tracking pages: institutions and their dashboards, a
//! recommendation's timeline, a cluster's plan, the signals page, the assignment and
//! action forms, and the plan export. What the public sees is published data only.

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::body;
use common::world::{is_denied, World, DRAFT_TEXT};
use rightstrack_core::{ClusterKind, RecommendationId, ReminderKind, StateCode};
use rightstrack_store::{ActionQuery, NewCluster, Reminder};

type TestResult = Result<(), common::Error>;

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

async fn get(
    world: &World,
    uri: &str,
    role: Option<&str>,
) -> Result<(StatusCode, String), common::Error> {
    let response = world
        .send(world.request("GET", uri, role, Body::empty(), None)?)
        .await?;
    let status = response.status();
    Ok((status, body(response).await?))
}

async fn post(
    world: &World,
    uri: &str,
    role: &str,
    content: String,
    content_type: &str,
) -> Result<axum::response::Response, common::Error> {
    world
        .send(world.request(
            "POST",
            uri,
            Some(role),
            Body::from(content),
            Some(content_type),
        )?)
        .await
}

fn location(response: &axum::response::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn institutions_list_their_hierarchy_and_each_has_a_dashboard() -> TestResult {
    let world = World::new().await?;
    let store = world.db.store.clone();
    let (status, page) = get(&world, "/institutions", Some("viewer")).await?;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("focal_point org") && page.contains("Another CSO"),
        "{page}"
    );
    let anonymous = world
        .send(world.request("GET", "/institutions", None, Body::empty(), None)?)
        .await?;
    assert!(
        is_denied(&anonymous),
        "the public does not see institutions"
    );

    // An unread notification for the ministry's focal point, as the reminder job leaves it.
    let focal = *world.user_ids.get("focal_point").ok_or("focal point")?;
    store
        .claim_reminder(&Reminder {
            kind: ReminderKind::Missed,
            item: "progress_report:1".into(),
            due: time::macros::date!(2026 - 01 - 01),
            user_id: focal,
            email: None,
            subject: "Past due since 2026-01-01: Bills tabled".into(),
            body: "The progress report was due.".into(),
        })
        .await?;

    let uri = format!("/institutions/{}", world.ministry);
    let (status, page) = get(&world, &uri, Some("focal_point")).await?;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "Ratify the Optional Protocol",
        "Lead",
        "Ratification bill",
        "Bills tabled",
        "Past due since 2026-01-01: Bills tabled",
        "plan/export?format=csv&amp;institution=",
    ] {
        assert!(page.contains(expected), "{expected:?} missing:\n{page}");
    }
    assert!(
        !page.contains("Abolish the death penalty"),
        "not assigned to it"
    );
    // The first annual due date (2026-01-01) has no report: it is overdue or due.
    assert!(page.contains("2026-01-01"));
    // Someone outside the institution sees its work but not its focal points' messages.
    let (status, page) = get(&world, &uri, Some("cso")).await?;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Ratification bill"));
    assert!(!page.contains("Past due since"));
    let (status, _) = get(&world, "/institutions/999999", Some("viewer")).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn the_timeline_and_the_signals_show_statuses_assessments_and_regressions() -> TestResult {
    let world = World::new().await?;
    let id = world.assigned;
    let status =
        |s: &str, why: &str| serde_json::json!({"status": s, "justification": why}).to_string();
    let uri = format!("/api/v1/recommendations/{id}/status");
    for (s, why) in [
        ("fully_implemented", "Law adopted"),
        ("in_progress", "Law suspended"),
    ] {
        let done = post(&world, &uri, "coordinator", status(s, why), JSON).await?;
        assert_eq!(done.status(), StatusCode::NO_CONTENT);
    }
    let uri = format!("/api/v1/recommendations/{id}/assessments");
    for (role, s) in [
        ("coordinator", "fully_implemented"),
        ("nhri", "not_started"),
    ] {
        let text = serde_json::json!({"status": s, "text": format!("{role} view")}).to_string();
        let done = post(&world, &uri, role, text, JSON).await?;
        assert_eq!(done.status(), StatusCode::CREATED);
    }
    // A report with evidence against the second due date: the first stays overdue.
    let png = base64_png();
    let report = serde_json::json!({
        "due_date": "2027-01-01", "text": "Bill tabled in parliament", "value": 1,
        "evidence": [{"name": "bill.png", "base64": png}]
    })
    .to_string();
    let uri = format!(
        "/api/v1/actions/{}/indicators/{}/progress",
        world.action, world.indicator
    );
    let done = post(&world, &uri, "focal_point", report, JSON).await?;
    assert_eq!(done.status(), StatusCode::CREATED);

    let page_uri = format!("/recommendations/{id}");
    let (status, page) = get(&world, &page_uri, Some("viewer")).await?;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "Status over time",
        "Law adopted",
        "Law suspended",
        "id=\"divergence-flag\"",
        "diverges from",
        "Ratification bill",
        "Bill tabled in parliament",
        "/evidence/",
        "class=\"regression\"",
        "focal_point org",
    ] {
        assert!(page.contains(expected), "{expected:?} missing:\n{page}");
    }
    // The public sees the published record's statuses, but no unpublished action or
    // assessment, no evidence, no regression table, and no names of who did it.
    let (status, public) = get(&world, &page_uri, None).await?;
    assert_eq!(status, StatusCode::OK);
    assert!(public.contains("Law suspended"));
    for hidden in [
        "Ratification bill",
        "/evidence/",
        "divergence-flag",
        "class=\"regression\"",
        "nhri view",
        "<td>coordinator</td>",
    ] {
        assert!(!public.contains(hidden), "{hidden:?} shown to the public");
    }

    let (status, signals) = get(&world, "/states/SVN/signals", Some("viewer")).await?;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "id=\"overdue\"",
        "id=\"stalled\"",
        "id=\"regressions\"",
        "id=\"divergences\"",
        "id=\"repeated\"",
        "Status moved backwards",
        "Fully implemented",
        "In progress",
        "Bills tabled",
        "2026-01-01",
        &format!("href=\"/recommendations/{id}\""),
    ] {
        assert!(
            signals.contains(expected),
            "{expected:?} missing:\n{signals}"
        );
    }
    assert!(
        signals.contains("<td>coordinator</td>"),
        "who reported the regression"
    );
    let anonymous = world
        .send(world.request("GET", "/states/SVN/signals", None, Body::empty(), None)?)
        .await?;
    assert!(is_denied(&anonymous));
    let (status, _) = get(&world, "/states/SVN/signals?months=many", Some("viewer")).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&world, "/states/XXX/signals", Some("viewer")).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

/// A small valid PNG header, enough for the evidence check to recognise the type.
fn base64_png() -> String {
    use base64::Engine;
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0, 0, 0, 13]);
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&[0; 17]);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn cluster_of_three(world: &World) -> Result<i64, common::Error> {
    let store = world.db.store.clone();
    let svn = StateCode::parse("SVN")?;
    store
        .replace_clusters(
            "test",
            svn,
            ClusterKind::Thematic,
            vec![NewCluster {
                title: "Torture prevention".into(),
                members: vec![
                    (RecommendationId(world.assigned), 1.0),
                    (RecommendationId(world.unassigned), 0.9),
                    (RecommendationId(world.draft), 0.8),
                ],
                shared_terms: vec!["torture".into()],
            }],
        )
        .await?;
    Ok(store
        .clusters(svn)
        .await?
        .first()
        .map(|c| c.id)
        .ok_or("cluster")?)
}

#[tokio::test]
async fn a_clusters_plan_shows_members_institutions_and_actions() -> TestResult {
    let world = World::new().await?;
    let cluster = cluster_of_three(&world).await?;
    let assign = format!("target=cluster&cluster={cluster}&lead={}", world.other_cso);
    let done = post(&world, "/assignments", "coordinator", assign, FORM).await?;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&done),
        format!("/institutions/{}", world.other_cso)
    );

    let uri = format!("/states/SVN/clusters/{cluster}");
    let (status, public) = get(&world, &uri, None).await?;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "Torture prevention",
        "Ratify the Optional Protocol",
        "Abolish the death penalty",
        "Another CSO",
        "The whole cluster",
    ] {
        assert!(public.contains(expected), "{expected:?} missing:\n{public}");
    }
    assert!(!public.contains(DRAFT_TEXT), "a draft member is hidden");
    assert!(
        !public.contains("Ratification bill"),
        "an unpublished action is hidden"
    );
    let (_, inside) = get(&world, &uri, Some("viewer")).await?;
    assert!(inside.contains(DRAFT_TEXT) && inside.contains("Ratification bill"));
    let (clusters_status, clusters) = get(&world, "/states/SVN/clusters", None).await?;
    assert_eq!(clusters_status, StatusCode::OK);
    assert!(clusters.contains(&format!("href=\"/states/SVN/clusters/{cluster}\"")));
    let (status, _) = get(&world, "/states/SVN/clusters/999999", None).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn coordinators_assign_in_bulk_and_create_actions_from_forms() -> TestResult {
    let world = World::new().await?;
    let store = world.db.store.clone();
    let (status, form) = get(
        &world,
        &format!("/assignments/new?recommendations={}", world.unassigned),
        Some("coordinator"),
    )
    .await?;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains(&format!(
        "name=\"recommendations\" value=\"{}\"",
        world.unassigned
    )));
    assert!(form.contains("<label for=\"lead\">") && form.contains("name=\"support\""));

    let assign = format!(
        "target=recommendations&recommendations={}%2C+%23{}&lead={}&support={}",
        world.unassigned, world.assigned, world.other_cso, world.ministry
    );
    let refused = post(&world, "/assignments", "focal_point", assign.clone(), FORM).await?;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let done = post(&world, "/assignments", "coordinator", assign, FORM).await?;
    assert_eq!(
        done.status(),
        StatusCode::SEE_OTHER,
        "{}",
        body(done).await?
    );
    let assigned = store.assignments(Some(world.other_cso)).await?;
    assert_eq!(assigned.len(), 2, "{assigned:?}");
    let bad = post(
        &world,
        "/assignments",
        "coordinator",
        format!("recommendations=121.12&lead={}", world.other_cso),
        FORM,
    )
    .await?;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(body(bad).await?.contains("121.12"));

    let (status, form) = get(&world, "/actions/new", Some("coordinator")).await?;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("id=\"action-title\"") && form.contains("Awareness raising"));
    let action = format!(
        "title=Train+prison+staff&kind=training&institution={}&recommendations={}+{}&target=2026-12-31&progress=started",
        world.ministry, world.assigned, world.unassigned
    );
    let done = post(&world, "/actions", "coordinator", action, FORM).await?;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&done),
        format!("/recommendations/{}#implementation", world.assigned)
    );
    let created = store
        .actions(&ActionQuery {
            institution_id: Some(world.ministry),
            ..Default::default()
        })
        .await?;
    let training = created
        .iter()
        .find(|a| a.action.title == "Train prison staff")
        .ok_or("the action was not created")?;
    assert_eq!(training.action.recommendation_ids.len(), 2);
    let bad = post(
        &world,
        "/actions",
        "coordinator",
        "title=X&kind=training&recommendations=1&target=31.12.2026".into(),
        FORM,
    )
    .await?;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(body(bad).await?.contains("YYYY-MM-DD"));

    // The focal point now updates the status from the recommendation's page.
    let page = get(
        &world,
        &format!("/recommendations/{}", world.assigned),
        Some("focal_point"),
    )
    .await?
    .1;
    assert!(page.contains("action=\"/recommendations/") && page.contains("name=\"justification\""));
    let update = post(
        &world,
        &format!("/recommendations/{}/status", world.assigned),
        "focal_point",
        "status=in_progress&justification=Training+started".into(),
        FORM,
    )
    .await?;
    assert_eq!(update.status(), StatusCode::SEE_OTHER);
    let page = get(
        &world,
        &format!("/recommendations/{}", world.assigned),
        None,
    )
    .await?
    .1;
    assert!(page.contains("Training started"));
    Ok(())
}

#[tokio::test]
async fn plans_export_as_csv_and_xlsx() -> TestResult {
    let world = World::new().await?;
    let response = world
        .send(world.request(
            "GET",
            "/states/SVN/plan/export?format=csv",
            Some("viewer"),
            Body::empty(),
            None,
        )?)
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let csv = body(response).await?;
    let mut lines = csv.lines();
    assert!(lines.next().is_some_and(|h| h.starts_with(
        "\u{feff}id,state_under_review,cycle,document,paragraph,recommendation,status"
    )));
    let ratify = csv
        .lines()
        .find(|l| l.contains("Ratify"))
        .ok_or("no row for the assigned recommendation")?;
    assert!(
        ratify.contains("focal_point org") && ratify.contains("Ratification bill (planned"),
        "{ratify}"
    );
    assert!(
        ratify.ends_with(",2026-01-01"),
        "the next due date closes the row: {ratify}"
    );
    assert_eq!(
        csv.lines().count(),
        4,
        "a header and the three recommendations: {csv}"
    );

    let mine = body(
        world
            .send(world.request(
                "GET",
                &format!(
                    "/states/SVN/plan/export?format=csv&institution={}",
                    world.other_cso
                ),
                Some("viewer"),
                Body::empty(),
                None,
            )?)
            .await?,
    )
    .await?;
    assert_eq!(
        mine.lines().count(),
        1,
        "nothing is the other CSO's: {mine}"
    );

    let xlsx = world
        .send(world.request(
            "GET",
            "/states/SVN/plan/export?format=xlsx",
            Some("viewer"),
            Body::empty(),
            None,
        )?)
        .await?;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(
        xlsx.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let bytes = axum::body::to_bytes(xlsx.into_body(), 1 << 22).await?;
    assert!(bytes.starts_with(b"PK"), "a zip archive");
    let (status, _) = get(&world, "/states/SVN/plan/export?format=pdf", Some("viewer")).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let anonymous = world
        .send(world.request("GET", "/states/SVN/plan/export", None, Body::empty(), None)?)
        .await?;
    assert!(is_denied(&anonymous));
    Ok(())
}
