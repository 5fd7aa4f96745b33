//! The tracking story on the real Slovenia dossier, on both backends: import the third
//! cycle, assign it in bulk by theme, act, report, assess, see divergence and regression,
//! and e-mail the reminders once however often the job runs. Skipped, with a message, when
//! the shared data is absent.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{mailer, Sink};
use rightstrack_core::evidence;
use rightstrack_core::{
    ActionKind, ActionProgress, Funding, ImplementationStatus, InstitutionKind, Legislation,
    LegislationStage, RecommendationId, RegressionKind, ReportingSchedule, StakeholderKind,
    StateCode, Taxonomy,
};
use rightstrack_jobs::{run_due, ReminderSettings};
use rightstrack_store::signals::{self, ReminderPolicy};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{
    Assign, AssignTarget, ImportBatch, NewAction, NewAssessment, NewIndicator, NewInstitution,
    NewProgress, PageRequest, RecommendationFilter, Store,
};
use time::macros::{date, datetime, offset};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn data_dir() -> PathBuf {
    match std::env::var_os("RIGHTSTRACK_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// The cycle-3 files: the Working Group report, its addendum and OHCHR's thematic list
/// (which carries the UHRI themes).
fn cycle3_files() -> Option<Vec<PathBuf>> {
    let data = data_dir();
    let dossier = data.join("country-dossier/slovenia/cycle-3");
    let files = vec![
        dossier.join("A_HRC_43_15-working-group-report.pdf"),
        dossier.join("A_HRC_43_15_Add.1-views-on-recommendations.pdf"),
        data.join("ohchr-thematic-lists/slovenia-cycle3-2019.docx"),
    ];
    files.iter().all(|f| f.is_file()).then_some(files)
}

async fn import(store: &dyn Store, files: &[PathBuf]) -> TestResult {
    for file in files {
        let (_, parsed) = rightstrack_ingest::parse_file(file, None)?;
        let summary = store
            .import(ImportBatch {
                actor: "coordinator".into(),
                source: file.display().to_string(),
                recommendations: parsed.recommendations,
                position_updates: parsed.position_updates,
                dry_run: false,
            })
            .await?;
        println!("{}: {summary:?}", file.display());
    }
    Ok(())
}

fn institution(name: &str, kind: InstitutionKind, parent_id: Option<i64>) -> NewInstitution {
    NewInstitution {
        name: name.into(),
        kind,
        parent_id,
        contact_name: None,
        contact_email: None,
    }
}

async fn story(db: &TestDb, files: &[PathBuf]) -> TestResult {
    let store = db.store.as_ref();
    import(store, files).await?;
    let svn = StateCode::parse("SVN")?;
    let cycle3 = RecommendationFilter {
        state: Some(svn),
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
    assert!(all.total >= 200, "{} cycle-3 recommendations", all.total);
    // The themes as the source gives them, counted here independently of the store's query.
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
    let framework = by_theme
        .get("A41")
        .cloned()
        .ok_or("no recommendation on the legal framework (A41)")?;

    // The institutions.
    let add = |name: &'static str, kind, parent| async move {
        store
            .create_institution("coordinator", institution(name, kind, parent))
            .await
    };
    let government = add(
        "Government of the Republic of Slovenia",
        InstitutionKind::Other,
        None,
    )
    .await?;
    let justice = add(
        "Ministry of Justice",
        InstitutionKind::Ministry,
        Some(government),
    )
    .await?;
    let minorities = add(
        "Government Office for National Minorities",
        InstitutionKind::Agency,
        Some(government),
    )
    .await?;
    let ombudsman = add("Human Rights Ombudsman", InstitutionKind::Nhri, None).await?;
    let committee = add(
        "Committee on Justice",
        InstitutionKind::ParliamentCommittee,
        None,
    )
    .await?;

    // Bulk assignment by theme: the legal framework to Justice, then racial discrimination
    // to the Office (leading) with Justice supporting. A recommendation under both themes
    // ends up led by the Office.
    let by_theme_of = |code: &str, lead, support: Vec<i64>| Assign {
        target: AssignTarget::Tag {
            filter: cycle3.clone(),
            taxonomy: Taxonomy::UhriTheme,
            code: code.into(),
        },
        lead: Some(lead),
        support,
    };
    let summary = store
        .assign("coordinator", by_theme_of("A41", justice, vec![]))
        .await?;
    assert_eq!(summary.recommendations, framework.len());
    let summary = store
        .assign("coordinator", by_theme_of("B32", minorities, vec![justice]))
        .await?;
    assert_eq!(summary.recommendations, racial.len());
    let office = store.assignments(Some(minorities)).await?;
    assert_eq!(office.len(), racial.len());
    let justice_leads = store
        .assignments(Some(justice))
        .await?
        .into_iter()
        .filter(|a| a.role == rightstrack_core::AssignmentRole::Lead)
        .count();
    let both = framework.iter().filter(|id| racial.contains(id)).count();
    assert_eq!(justice_leads, framework.len() - both);

    // Actions serving several recommendations.
    let law = NewAction {
        title: "Amend the Protection against Discrimination Act".into(),
        description: "Extend the Advocate of the Principle of Equality's powers".into(),
        kind: ActionKind::Legislation,
        institution_id: Some(justice),
        start_date: Some(date!(2024 - 01 - 15)),
        target_date: Some(date!(2025 - 12 - 31)),
        progress: ActionProgress::Started,
        funding: Some(Funding {
            amount: 250_000.0,
            currency: "EUR".into(),
            funder: Some("State budget".into()),
            disbursed: 100_000.0,
        }),
        legislation: Some(Legislation {
            title: "ZVarD amendment".into(),
            stage: LegislationStage::InForce,
            committee_id: Some(committee),
        }),
        recommendation_ids: racial[..3].to_vec(),
        cluster_ids: vec![],
    };
    let law_id = store.create_action("coordinator", law.clone()).await?;
    let programme = store
        .create_action(
            "coordinator",
            NewAction {
                institution_id: Some(minorities),
                target_date: Some(date!(2025 - 05 - 31)),
                funding: Some(Funding {
                    amount: 80_000.0,
                    currency: "EUR".into(),
                    funder: Some("CSO implementation fund".into()),
                    disbursed: 20_000.0,
                }),
                ..NewAction::planned(
                    "Roma employment programme",
                    ActionKind::Policy,
                    racial[1..5].to_vec(),
                )
            },
        )
        .await?;
    let indicator = store
        .add_indicator(
            "coordinator",
            NewIndicator {
                action_id: programme,
                name: "Roma in public works".into(),
                unit: "people".into(),
                baseline: Some(40.0),
                target: Some(200.0),
                schedule: ReportingSchedule::Quarterly,
                start: date!(2025 - 01 - 01),
                end: date!(2025 - 12 - 31),
            },
        )
        .await?;
    store
        .report_progress(
            "focal",
            NewProgress {
                indicator_id: indicator,
                due_date: date!(2025 - 04 - 01),
                text: "75 people employed in two municipalities".into(),
                value: Some(75.0),
                public: true,
                evidence: vec![evidence::check(
                    "report Q1.pdf",
                    None,
                    b"%PDF-1.5 ...".to_vec(),
                )?],
            },
        )
        .await?;

    // Two assessments that disagree, and a regression.
    let first = racial[0];
    let assess = |stakeholder, institution_id, status, text: &str| NewAssessment {
        recommendation_id: first,
        stakeholder,
        institution_id,
        status,
        text: text.into(),
        evidence: None,
        author: "assessor".into(),
    };
    store
        .add_assessment(
            "government",
            assess(
                StakeholderKind::Government,
                Some(justice),
                ImplementationStatus::FullyImplemented,
                "The act is in force",
            ),
        )
        .await?;
    store
        .add_assessment(
            "ombudsman",
            assess(
                StakeholderKind::Nhri,
                Some(ombudsman),
                ImplementationStatus::NotStarted,
                "No case has been decided under it",
            ),
        )
        .await?;
    let divergences = signals::divergences(store, svn).await?;
    assert_eq!(divergences.len(), 1);
    assert_eq!(
        (divergences[0].recommendation_id, divergences[0].steps),
        (first, 3)
    );

    store
        .set_status(
            "coordinator",
            first,
            ImplementationStatus::FullyImplemented,
            "Act in force",
        )
        .await?;
    let mut repealed = law.clone();
    repealed.legislation = repealed.legislation.map(|l| Legislation {
        stage: LegislationStage::Repealed,
        ..l
    });
    store.update_action("coordinator", law_id, repealed).await?;
    store
        .set_status(
            "coordinator",
            first,
            ImplementationStatus::PartiallyImplemented,
            "Act repealed by referendum",
        )
        .await?;
    let regressions = store.regressions(svn).await?;
    let of_first: Vec<RegressionKind> = regressions
        .iter()
        .filter(|r| r.recommendation_id == Some(first))
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        of_first,
        vec![RegressionKind::Status, RegressionKind::LawRepealed],
        "newest first"
    );

    // Reminders: on 20 June 2025 in Ljubljana the programme (target 31 May) is overdue and
    // the July report is eleven days ahead.
    let focal = db
        .insert_user(
            "focal",
            "focal_point",
            Some(minorities),
            Some("focal@gov.si"),
        )
        .await?;
    db.insert_user(
        "coordinator",
        "coordinator",
        None,
        Some("coordinator@gov.si"),
    )
    .await?;
    let sink = Sink::start().await?;
    let mailer = mailer(&sink)?;
    let settings = ReminderSettings {
        policy: ReminderPolicy { days_before: 14 },
        offset: offset!(+2),
    };
    let now = datetime!(2025-06-20 08:00 UTC);
    let first_run = run_due(store, Some(&mailer), now, settings).await?;
    let second_run = run_due(store, Some(&mailer), now, settings).await?;
    assert_eq!(
        (first_run.emailed, second_run.claimed, second_run.emailed),
        (2, 0, 0)
    );
    let messages = sink.messages();
    let to = |address: &str| messages.iter().filter(|m| m.to == [address]).count();
    assert_eq!(
        (to("focal@gov.si"), to("coordinator@gov.si"), messages.len()),
        (1, 1, 2)
    );
    assert_eq!(store.notifications(focal).await?.len(), 1);

    // The Office's dashboard: what is its, what is due.
    let dashboard = signals::dashboard(store, minorities, date!(2025 - 06 - 20), 30).await?;
    assert_eq!(dashboard.assignments.len(), racial.len());
    assert_eq!(dashboard.actions.len(), 1);
    assert_eq!(
        dashboard.due.iter().map(|d| d.due).collect::<Vec<_>>(),
        vec![date!(2025 - 07 - 01)]
    );
    assert_eq!(dashboard.overdue.len(), 1);
    Ok(())
}

#[tokio::test]
async fn slovenia_on_sqlite() -> TestResult {
    let Some(files) = cycle3_files() else {
        println!(
            "skipped: the Slovenia dossier is absent from {}",
            data_dir().display()
        );
        return Ok(());
    };
    let db = TestDb::sqlite().await?;
    story(&db, &files).await
}

#[tokio::test]
async fn slovenia_on_postgres() -> TestResult {
    let Some(files) = cycle3_files() else {
        println!(
            "skipped: the Slovenia dossier is absent from {}",
            data_dir().display()
        );
        return Ok(());
    };
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let outcome = story(&db, &files).await;
    db.close().await?;
    outcome
}
