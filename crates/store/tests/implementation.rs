//! `Store::implementation_of` on both backends: assignments, actions with their institution
//! and the other recommendations they serve, indicators with their progress reports, the
//! status history and assessments, per recommendation in the order asked.

use rightstrack_core::{
    ActionKind, ActionProgress, AssignmentRole, ImplementationStatus, InstitutionKind, Mechanism,
    NewRecommendation, Position, RecommendationId, Session, StakeholderKind, StateCode,
};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{
    ImportBatch, NewAction, NewAssessment, NewInstitution, PageRequest, RecommendationFilter, Store,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn rec(text: &str, paragraph: &str) -> NewRecommendation {
    let mut r = NewRecommendation::new(
        Mechanism::Upr,
        StateCode::parse("SVN").unwrap_or_else(|e| unreachable!("{e}")),
        text,
    )
    .with_session(Session::new(34).unwrap_or_else(|e| unreachable!("{e}")));
    r.paragraph = Some(paragraph.into());
    r.position = Some(Position::Supported);
    r
}

/// Rows no store method writes yet (assignments, indicators, progress reports, action
/// details): plain SQL that both backends accept.
fn tracking_sql(a: i64, ministry: i64, nhri: i64, action: i64) -> String {
    format!(
        "INSERT INTO assignments (recommendation_id, institution_id, role) VALUES ({a}, {nhri}, 'support'), ({a}, {ministry}, 'lead');
         UPDATE actions SET progress = 'started', budget_amount = 1000, currency = 'EUR', funder = 'State budget', published = TRUE WHERE id = {action};
         INSERT INTO indicators (id, action_id, name, unit, baseline, target, schedule, created_at)
             VALUES (70, {action}, 'Cases prosecuted', 'cases', 10, 50, 'quarterly', '2024-01-01T00:00:00Z');
         INSERT INTO progress_reports (indicator_id, due_date, reported_at, text, value, public)
             VALUES (70, '2025-06-30', '2025-07-02T10:00:00Z', 'Second quarter', 20, TRUE),
                    (70, '2025-03-31', '2025-04-01T10:00:00Z', 'First quarter', 12, FALSE);"
    )
}

async fn run_sql(url: &str, sql: &str) -> TestResult {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let conn = r2d2_sqlite::rusqlite::Connection::open(path)?;
        conn.execute_batch(sql)?;
    } else {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        let task = tokio::spawn(connection);
        client.batch_execute(sql).await?;
        drop(client);
        task.await??;
    }
    Ok(())
}

async fn story(store: &dyn Store, url: &str) -> TestResult {
    store
        .import(ImportBatch {
            actor: "test".into(),
            source: "fixture".into(),
            recommendations: vec![
                rec("Prosecute hate crimes", "1.1"),
                rec("Train the police on hate crimes", "1.2"),
                rec("Ratify the Convention", "1.3"),
            ],
            ..Default::default()
        })
        .await?;
    let page = store
        .recommendations(&RecommendationFilter::default(), PageRequest::default())
        .await?;
    let id = |p: &str| {
        page.items
            .iter()
            .find(|r| r.paragraph.as_deref() == Some(p))
            .map(|r| r.id)
            .unwrap_or_else(|| unreachable!("paragraph {p} imported"))
    };
    let (a, b, c) = (id("1.1"), id("1.2"), id("1.3"));

    let institution = |name: &str, kind| NewInstitution {
        name: name.into(),
        kind,
        parent_id: None,
        contact_name: None,
        contact_email: None,
    };
    let ministry = store
        .create_institution(
            "test",
            institution("Ministry of Justice", InstitutionKind::Ministry),
        )
        .await?;
    let nhri = store
        .create_institution("test", institution("Ombudsman", InstitutionKind::Nhri))
        .await?;
    let action = store
        .create_action(
            "test",
            NewAction {
                description: "Guidelines for prosecutors".into(),
                institution_id: Some(ministry),
                target_date: Some(time::macros::date!(2025 - 12 - 31)),
                ..NewAction::planned(
                    "Hate crime prosecution guidelines",
                    ActionKind::Policy,
                    vec![a, b],
                )
            },
        )
        .await?;
    for status in [
        ImplementationStatus::NotStarted,
        ImplementationStatus::InProgress,
        ImplementationStatus::NotStarted,
    ] {
        store
            .set_status("coordinator", a, status, "per ministry")
            .await?;
    }
    store
        .add_assessment(
            "ombudsman",
            NewAssessment {
                recommendation_id: a,
                stakeholder: StakeholderKind::Nhri,
                institution_id: Some(nhri),
                status: ImplementationStatus::PartiallyImplemented,
                text: "Guidelines adopted, not applied".into(),
                evidence: None,
                author: "ombudsman".into(),
            },
        )
        .await?;
    run_sql(url, &tracking_sql(a.0, ministry, nhri, action)).await?;

    let unknown = RecommendationId(987_654);
    let found = store.implementation_of(&[c, a, unknown, b]).await?;
    let ids: Vec<RecommendationId> = found.iter().map(|i| i.recommendation_id).collect();
    assert_eq!(
        ids,
        vec![c, a, unknown, b],
        "one per id, in the order asked"
    );

    let none = &found[0];
    assert!(none.assignments.is_empty() && none.actions.is_empty());
    assert!(none.status_history.is_empty() && none.assessments.is_empty());
    assert!(none.current_status().is_none() && !none.regressed());
    assert!(found[2].actions.is_empty(), "an unknown id has nothing");

    let imp = &found[1];
    let roles: Vec<(&str, AssignmentRole)> = imp
        .assignments
        .iter()
        .map(|x| (x.institution.as_str(), x.role))
        .collect();
    assert_eq!(
        roles,
        vec![
            ("Ministry of Justice", AssignmentRole::Lead),
            ("Ombudsman", AssignmentRole::Support)
        ],
        "the lead first"
    );
    assert_eq!(imp.assignments[1].kind, InstitutionKind::Nhri);

    assert_eq!(imp.actions.len(), 1);
    let act = &imp.actions[0];
    assert_eq!(act.institution.as_deref(), Some("Ministry of Justice"));
    assert!(act.published);
    assert_eq!(act.action.id, action);
    assert_eq!(act.action.progress, ActionProgress::Started);
    assert_eq!(act.action.recommendation_ids, vec![a, b]);
    assert_eq!(
        act.action.target_date,
        Some(time::macros::date!(2025 - 12 - 31))
    );
    let funding = act.action.funding.as_ref().ok_or("funding read")?;
    assert_eq!((funding.amount, funding.currency.as_str()), (1000.0, "EUR"));

    assert_eq!(imp.indicators.len(), 1);
    let indicator = &imp.indicators[0];
    assert_eq!(indicator.indicator.name, "Cases prosecuted");
    assert_eq!(
        (indicator.indicator.baseline, indicator.indicator.target),
        (Some(10.0), Some(50.0))
    );
    let due: Vec<String> = indicator
        .reports
        .iter()
        .map(|r| r.due_date.to_string())
        .collect();
    assert_eq!(due, vec!["2025-03-31", "2025-06-30"], "by due date");
    assert_eq!(
        indicator.latest_value(),
        Some((time::macros::date!(2025 - 06 - 30), 20.0))
    );
    assert!(indicator.reports[1].public && !indicator.reports[0].public);

    let statuses: Vec<ImplementationStatus> = imp.status_history.iter().map(|s| s.status).collect();
    assert_eq!(
        statuses,
        vec![
            ImplementationStatus::NotStarted,
            ImplementationStatus::InProgress,
            ImplementationStatus::NotStarted
        ],
        "oldest first"
    );
    assert_eq!(imp.status_history[0].author, "coordinator");
    assert!(imp.regressed());

    let assessment = imp
        .latest_assessment(StakeholderKind::Nhri)
        .ok_or("NHRI assessment")?;
    assert_eq!(assessment.institution.as_deref(), Some("Ombudsman"));
    assert_eq!(
        assessment.assessment.status,
        ImplementationStatus::PartiallyImplemented
    );
    assert!(imp.latest_assessment(StakeholderKind::Cso).is_none());

    // The second recommendation shares the action and its indicator, nothing else.
    let shared = &found[3];
    assert_eq!(shared.actions.len(), 1);
    assert_eq!(shared.indicators.len(), 1);
    assert!(shared.assignments.is_empty() && shared.status_history.is_empty());

    assert!(store.implementation_of(&[]).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn implementation_on_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    story(db.store.as_ref(), &db.url).await
}

#[tokio::test]
async fn implementation_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let result = story(db.store.as_ref(), &db.url).await;
    db.close().await?;
    result
}
