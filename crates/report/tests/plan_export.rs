//! The plan export over a real store, on SQLite and on PostgreSQL: one row per
//! recommendation with status, institutions, actions, indicators and next due date, and
//! narrowed to one institution.

use rightstrack_core::{
    ActionKind, ActionProgress, ImplementationStatus, InstitutionKind, Mechanism,
    NewRecommendation, RecommendationId, ReportingSchedule, Session, StateCode,
};
use rightstrack_report::export::{ExportFormat, Exporter};
use rightstrack_report::plan::{plan_rows, PlanQuery, PLAN, PLAN_COLUMNS};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{
    Assign, AssignTarget, ImportBatch, NewAction, NewIndicator, NewInstitution,
    RecommendationFilter, Store,
};
use time::macros::date;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn column(name: &str) -> usize {
    PLAN_COLUMNS
        .iter()
        .position(|c| *c == name)
        .unwrap_or_else(|| unreachable!("no column {name}"))
}

async fn story(db: &TestDb) -> TestResult {
    let store: &dyn Store = db.store.as_ref();
    let svn = StateCode::parse("SVN")?;
    let rec = |text: &str, paragraph: &str| {
        let mut r = NewRecommendation::new(Mechanism::Upr, svn, text)
            .with_session(Session::new(34).unwrap_or_else(|e| unreachable!("{e}")));
        r.paragraph = Some(paragraph.into());
        r
    };
    store
        .import(ImportBatch {
            actor: "test".into(),
            source: "fixture".into(),
            recommendations: vec![
                rec("Ratify OP-CAT", "121.1"),
                rec("Adopt a law against discrimination, in full", "121.2"),
                rec("Train the police", "121.3"),
            ],
            ..Default::default()
        })
        .await?;
    let mut ids: Vec<RecommendationId> = store
        .recommendations(&RecommendationFilter::default(), Default::default())
        .await?
        .items
        .iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    let institution = |name: &str| NewInstitution {
        name: name.into(),
        kind: InstitutionKind::Ministry,
        parent_id: None,
        contact_name: None,
        contact_email: None,
    };
    let justice = store
        .create_institution("test", institution("Ministry of Justice"))
        .await?;
    let interior = store
        .create_institution("test", institution("Ministry of the Interior"))
        .await?;
    store
        .assign(
            "test",
            Assign {
                target: AssignTarget::Recommendations(vec![ids[0], ids[1]]),
                lead: Some(justice),
                support: vec![interior],
            },
        )
        .await?;
    let action = store
        .create_action(
            "test",
            NewAction {
                institution_id: Some(interior),
                target_date: Some(date!(2030 - 06 - 30)),
                progress: ActionProgress::Started,
                ..NewAction::planned(
                    "Police training",
                    ActionKind::Training,
                    vec![ids[1], ids[2]],
                )
            },
        )
        .await?;
    store
        .add_indicator(
            "test",
            NewIndicator {
                action_id: action,
                name: "Officers trained".into(),
                unit: "officers".into(),
                baseline: Some(0.0),
                target: Some(500.0),
                schedule: ReportingSchedule::Annual,
                start: date!(2028 - 03 - 15),
                end: date!(2031 - 03 - 15),
            },
        )
        .await?;
    store
        .set_status(
            "test",
            ids[0],
            ImplementationStatus::PartiallyImplemented,
            "Signed, not ratified",
        )
        .await?;

    let query = |institution| PlanQuery {
        state: svn,
        institution,
        published_only: false,
    };
    let rows = plan_rows(store, &query(None)).await?;
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.len() == PLAN_COLUMNS.len()));
    let first = &rows[0];
    assert_eq!(first[column("paragraph")], "121.1");
    assert_eq!(first[column("status")], "partially_implemented");
    assert_eq!(first[column("status_source")], "person");
    assert!(!first[column("status_date")].is_empty());
    assert_eq!(first[column("lead_institution")], "Ministry of Justice");
    assert_eq!(
        first[column("supporting_institutions")],
        "Ministry of the Interior"
    );
    assert_eq!(first[column("actions")], "");
    assert_eq!(first[column("next_due_date")], "");
    let second = &rows[1];
    assert_eq!(
        second[column("status")],
        "in_progress",
        "derived from the started action"
    );
    assert_eq!(second[column("status_source")], "actions");
    assert_eq!(second[column("status_date")], "");
    assert_eq!(
        second[column("actions")],
        "Police training (started, target 2030-06-30, Ministry of the Interior)"
    );
    assert_eq!(
        second[column("indicators")],
        "Officers trained: –/500 officers"
    );
    assert_eq!(
        second[column("next_due_date")],
        "2029-03-15",
        "the first report is due before the action's target"
    );
    let third = &rows[2];
    assert_eq!(third[column("lead_institution")], "");

    // Justice leads two; the Interior supports two and acts on two: three in all.
    assert_eq!(plan_rows(store, &query(Some(justice))).await?.len(), 2);
    assert_eq!(plan_rows(store, &query(Some(interior))).await?.len(), 3);
    assert!(plan_rows(store, &query(Some(999_999))).await?.is_empty());
    assert!(
        plan_rows(
            store,
            &PlanQuery {
                published_only: true,
                ..query(None)
            }
        )
        .await?
        .is_empty(),
        "nothing is published"
    );

    // Through the one exporter: CSV quotes the comma, the spreadsheet has a plan sheet.
    let mut csv = Vec::new();
    let mut exporter = Exporter::for_table(&PLAN, ExportFormat::Csv, &mut csv, false)?;
    for row in &rows {
        exporter.write_fields(row)?;
    }
    assert_eq!(exporter.finish()?, 3);
    let csv = String::from_utf8(csv)?;
    assert!(csv.starts_with("id,state_under_review,cycle,document,paragraph,recommendation,status"));
    assert!(csv.contains("\"Adopt a law against discrimination, in full\""));
    let mut json = Vec::new();
    let mut exporter = Exporter::for_table(&PLAN, ExportFormat::Json, &mut json, false)?;
    for row in &rows {
        exporter.write_fields(row)?;
    }
    exporter.finish()?;
    let parsed: serde_json::Value = serde_json::from_slice(&json)?;
    assert_eq!(parsed[0]["paragraph"], "121.1");
    assert!(parsed[0]["id"].is_number());
    let mut xlsx = Vec::new();
    let mut exporter = Exporter::for_table(&PLAN, ExportFormat::Xlsx, &mut xlsx, false)?;
    for row in &rows {
        exporter.write_fields(row)?;
    }
    exporter.finish()?;
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx))?;
    let sheet = book.worksheet_range("plan")?;
    assert_eq!(sheet.get_size(), (4, PLAN_COLUMNS.len()));
    Ok(())
}

#[tokio::test]
async fn plan_export_on_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    story(&db).await
}

#[tokio::test]
async fn plan_export_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let outcome = story(&db).await;
    db.close().await?;
    outcome
}
