//! The reminder job against an in-process SMTP sink, on both backends: each reminder is
//! e-mailed once however often the job runs; a refused send is retried by the next run.

mod common;

use common::{mailer, Sink};
use rightstrack_core::{
    ActionKind, InstitutionKind, Mechanism, NewRecommendation, ReportingSchedule, StateCode,
};
use rightstrack_jobs::{run_due, ReminderSettings, RunSummary};
use rightstrack_store::signals::ReminderPolicy;
use rightstrack_store::testing::TestDb;
use rightstrack_store::{
    ImportBatch, NewAction, NewIndicator, NewInstitution, RecommendationFilter,
};
use time::macros::{date, datetime, offset};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn story(db: &TestDb) -> TestResult {
    let store = db.store.as_ref();
    let svn = StateCode::parse("SVN")?;
    store
        .import(ImportBatch {
            actor: "test".into(),
            source: "fixture".into(),
            recommendations: vec![NewRecommendation::new(Mechanism::Upr, svn, "Ratify OP-CAT")],
            ..Default::default()
        })
        .await?;
    let rec = store
        .recommendations(&RecommendationFilter::default(), Default::default())
        .await?
        .items[0]
        .id;
    let ministry = store
        .create_institution(
            "test",
            NewInstitution {
                name: "Ministry of Justice".into(),
                kind: InstitutionKind::Ministry,
                parent_id: None,
                contact_name: None,
                contact_email: None,
            },
        )
        .await?;
    let action = store
        .create_action(
            "test",
            NewAction {
                institution_id: Some(ministry),
                target_date: Some(date!(2025 - 06 - 20)),
                ..NewAction::planned(
                    "Table the ratification bill",
                    ActionKind::Ratification,
                    vec![rec],
                )
            },
        )
        .await?;
    store
        .add_indicator(
            "test",
            NewIndicator {
                action_id: action,
                name: "Bill tabled".into(),
                unit: "yes/no".into(),
                baseline: None,
                target: Some(1.0),
                schedule: ReportingSchedule::Quarterly,
                start: date!(2025 - 03 - 30),
                end: date!(2025 - 12 - 31),
            },
        )
        .await?;
    db.insert_user("focal", "focal_point", Some(ministry), Some("focal@gov.si"))
        .await?;
    db.insert_user("away", "focal_point", Some(ministry), Some("away@gov.si"))
        .await?;
    db.insert_user(
        "coordinator",
        "coordinator",
        None,
        Some("coordinator@gov.si"),
    )
    .await?;
    db.insert_user("viewer", "viewer", Some(ministry), Some("viewer@gov.si"))
        .await?;

    let sink = Sink::start().await?;
    sink.refuse("away@gov.si");
    let mailer = mailer(&sink)?;
    // 22:30 UTC on 20 June is 21 June in Ljubljana: the action (target 20 June) is overdue
    // there, and the report due on 30 June is nine days ahead.
    let now = datetime!(2025-06-20 22:30 UTC);
    let settings = ReminderSettings {
        policy: ReminderPolicy { days_before: 14 },
        offset: offset!(+2),
    };
    let first = run_due(store, Some(&mailer), now, settings).await?;
    assert_eq!(
        first,
        RunSummary {
            due: 3,
            claimed: 3,
            emailed: 2,
            failed: 1
        },
        "upcoming for two focal points, overdue for the coordinator"
    );
    let second = run_due(store, Some(&mailer), now, settings).await?;
    assert_eq!(
        second,
        RunSummary {
            due: 3,
            claimed: 1,
            emailed: 0,
            failed: 1
        },
        "only the refused one is tried again"
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    let to_focal: Vec<_> = messages
        .iter()
        .filter(|m| m.to == ["focal@gov.si"])
        .collect();
    assert_eq!(to_focal.len(), 1);
    assert!(
        to_focal[0]
            .data
            .contains("Subject: Due on 2025-06-30: Bill tabled"),
        "{}",
        to_focal[0].data
    );
    let to_coordinator: Vec<_> = messages
        .iter()
        .filter(|m| m.to == ["coordinator@gov.si"])
        .collect();
    assert_eq!(to_coordinator.len(), 1);
    assert!(to_coordinator[0].data.contains("Overdue since 2025-06-20"));

    // The same instant seen from UTC: still 20 June, nothing overdue yet.
    let utc = ReminderSettings {
        offset: offset!(UTC),
        ..settings
    };
    let summary = run_due(store, None, now, utc).await?;
    assert_eq!(summary.due, 2, "no overdue reminder on 20 June UTC");
    Ok(())
}

#[tokio::test]
async fn reminders_on_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    story(&db).await
}

#[tokio::test]
async fn reminders_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let outcome = story(&db).await;
    db.close().await?;
    outcome
}
