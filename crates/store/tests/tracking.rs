//! Implementation tracking, run unchanged on SQLite and on PostgreSQL: institutions,
//! assignments in bulk, actions, indicators and progress, statuses, assessments, the
//! accountability signals and reminder claims.

use rightstrack_core::evidence;
use rightstrack_core::{
    ActionKind, ActionProgress, AssignmentRole, ClusterKind, Decision, Funding,
    ImplementationStatus, InstitutionKind, Legislation, LegislationStage, LinkKind, Mechanism,
    NewRecommendation, RecommendationId, RecommendationLink, RegressionKind, ReminderKind,
    ReportingSchedule, Session, StakeholderKind, StateCode, Taxonomy,
};
use rightstrack_store::signals::{self, ReminderPolicy};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{
    ActionQuery, Assign, AssignTarget, DeadlineKind, ImportBatch, NewAction, NewAssessment,
    NewCluster, NewIndicator, NewInstitution, NewProgress, RecommendationFilter, StatusSource,
    Store, StoreError,
};
use time::macros::{date, datetime, offset};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn svn() -> StateCode {
    StateCode::parse("SVN").unwrap_or_else(|e| unreachable!("{e}"))
}

fn rec(text: &str, issue: &str) -> NewRecommendation {
    let mut r = NewRecommendation::new(Mechanism::Upr, svn(), text)
        .with_session(Session::new(34).unwrap_or_else(|e| unreachable!("{e}")));
    r.tags = vec![(Taxonomy::UprIssue, issue.to_string())];
    r
}

fn institution(name: &str, kind: InstitutionKind, parent: Option<i64>) -> NewInstitution {
    NewInstitution {
        name: name.into(),
        kind,
        parent_id: parent,
        contact_name: None,
        contact_email: None,
    }
}

async fn ids(store: &dyn Store) -> Result<Vec<RecommendationId>, StoreError> {
    let page = store
        .recommendations(&RecommendationFilter::default(), Default::default())
        .await?;
    let mut ids: Vec<_> = page.items.iter().map(|r| r.id).collect();
    ids.sort();
    Ok(ids)
}

async fn story(db: &TestDb) -> TestResult {
    let store = db.store.as_ref();
    store
        .import(ImportBatch {
            actor: "test".into(),
            source: "fixture".into(),
            recommendations: vec![
                rec("Ratify OP-CAT", "Torture"),
                rec("Combat discrimination against Roma", "Minorities"),
                rec("Improve conditions for the Roma community", "Minorities"),
                rec("Reduce prison overcrowding", "Detention"),
            ],
            ..Default::default()
        })
        .await?;
    let [opcat, roma, roma2, prison] = ids(store).await?[..] else {
        return Err("four recommendations".into());
    };

    // Institutions: a hierarchy, updated; a loop is refused.
    let government = store
        .create_institution(
            "test",
            institution("Government", InstitutionKind::Other, None),
        )
        .await?;
    let justice = store
        .create_institution(
            "test",
            institution("Ministry of Justice", InstitutionKind::Ministry, None),
        )
        .await?;
    let office = store
        .create_institution(
            "test",
            institution(
                "Office for National Minorities",
                InstitutionKind::Agency,
                Some(justice),
            ),
        )
        .await?;
    let committee = store
        .create_institution(
            "test",
            institution(
                "Justice Committee",
                InstitutionKind::ParliamentCommittee,
                None,
            ),
        )
        .await?;
    let mut moved = institution(
        "Ministry of Justice",
        InstitutionKind::Ministry,
        Some(government),
    );
    moved.contact_email = Some("focal@mp.gov.si".into());
    store.update_institution("test", justice, moved).await?;
    let looping = institution("Government", InstitutionKind::Other, Some(office));
    assert!(matches!(
        store.update_institution("test", government, looping).await,
        Err(StoreError::Invalid(_))
    ));
    let all = store.institutions().await?;
    let ministry = all.iter().find(|i| i.id == justice).ok_or("ministry")?;
    assert_eq!(ministry.parent_id, Some(government));
    assert_eq!(ministry.contact_email.as_deref(), Some("focal@mp.gov.si"));

    // Assignments in bulk: by tag, by cluster; a new lead replaces the old one.
    let by_tag = store
        .assign(
            "test",
            Assign {
                target: AssignTarget::Tag {
                    filter: RecommendationFilter {
                        state: Some(svn()),
                        ..Default::default()
                    },
                    taxonomy: Taxonomy::UprIssue,
                    code: "Minorities".into(),
                },
                lead: Some(justice),
                support: vec![office],
            },
        )
        .await?;
    assert_eq!(by_tag.recommendations, 2);
    store
        .replace_clusters(
            "test",
            svn(),
            ClusterKind::Thematic,
            vec![NewCluster {
                title: "Roma".into(),
                members: vec![(roma, 1.0), (roma2, 0.9)],
                shared_terms: vec!["roma".into()],
            }],
        )
        .await?;
    let cluster = store
        .clusters(svn())
        .await?
        .first()
        .map(|c| c.id)
        .ok_or("cluster")?;
    let by_cluster = store
        .assign(
            "test",
            Assign {
                target: AssignTarget::Cluster(cluster),
                lead: Some(office),
                support: vec![],
            },
        )
        .await?;
    assert_eq!((by_cluster.recommendations, by_cluster.clusters), (2, 1));
    let mine = store.assignments(Some(office)).await?;
    assert_eq!(
        mine.iter()
            .filter(|a| a.role == AssignmentRole::Lead)
            .count(),
        3,
        "two recommendations and the cluster"
    );
    assert!(
        store.assignments(Some(justice)).await?.is_empty(),
        "the office replaced the ministry as lead"
    );
    assert!(matches!(
        store
            .assign(
                "test",
                Assign {
                    target: AssignTarget::Recommendations(vec![RecommendationId(999_999)]),
                    lead: Some(justice),
                    support: vec![],
                },
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    store
        .assign(
            "test",
            Assign {
                target: AssignTarget::Recommendations(vec![opcat, prison]),
                lead: Some(justice),
                support: vec![],
            },
        )
        .await?;

    // An action serving several recommendations and the cluster, with funding and a law.
    let law = NewAction {
        title: "Amend the Criminal Code".into(),
        description: "Define torture; criminalise hate speech against Roma".into(),
        kind: ActionKind::Legislation,
        institution_id: Some(justice),
        start_date: Some(date!(2024 - 01 - 01)),
        target_date: Some(date!(2025 - 06 - 30)),
        progress: ActionProgress::Started,
        funding: Some(Funding {
            amount: 120_000.0,
            currency: "EUR".into(),
            funder: Some("CSO implementation fund".into()),
            disbursed: 40_000.0,
        }),
        legislation: Some(Legislation {
            title: "Criminal Code (KZ-1) amendment".into(),
            stage: LegislationStage::InForce,
            committee_id: Some(committee),
        }),
        recommendation_ids: vec![opcat, roma],
        cluster_ids: vec![cluster],
    };
    let mut bad = law.clone();
    bad.funding = bad.funding.map(|f| Funding {
        currency: "euro".into(),
        ..f
    });
    assert!(matches!(
        store.create_action("test", bad).await,
        Err(StoreError::Invalid(_))
    ));
    let action = store.create_action("test", law.clone()).await?;
    let training = store
        .create_action(
            "test",
            NewAction {
                target_date: Some(date!(2025 - 03 - 31)),
                institution_id: Some(office),
                ..NewAction::planned(
                    "Train prison staff",
                    ActionKind::Training,
                    vec![prison, roma2],
                )
            },
        )
        .await?;
    let found = store
        .actions(&ActionQuery {
            recommendation_id: Some(opcat),
            ..Default::default()
        })
        .await?;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].action.funding, law.funding);
    assert_eq!(found[0].action.legislation, law.legislation);
    assert_eq!(found[0].cluster_ids, vec![cluster]);

    // Statuses derive from the actions (roma2 through the cluster), until a person decides.
    let status = |s: &[rightstrack_store::CurrentStatus], id: RecommendationId| {
        s.iter()
            .find(|c| c.recommendation_id == Some(id))
            .map(|c| (c.status, c.source))
    };
    let now = store.statuses(&[opcat, roma2, prison]).await?;
    assert_eq!(
        status(&now, opcat),
        Some((ImplementationStatus::InProgress, StatusSource::Actions))
    );
    assert_eq!(
        status(&now, roma2),
        Some((ImplementationStatus::InProgress, StatusSource::Actions)),
        "started through the cluster, planned directly"
    );
    assert_eq!(
        status(&now, prison),
        Some((ImplementationStatus::NotStarted, StatusSource::Actions))
    );
    let mut done = law.clone();
    done.progress = ActionProgress::Completed;
    store.update_action("test", action, done.clone()).await?;
    let clusters = store.cluster_statuses(&[cluster]).await?;
    assert_eq!(clusters[0].status, ImplementationStatus::FullyImplemented);

    // The law is repealed: a regression of every recommendation and cluster it served.
    let mut repealed = done.clone();
    repealed.legislation = repealed.legislation.map(|l| Legislation {
        stage: LegislationStage::Repealed,
        ..l
    });
    store.update_action("coordinator", action, repealed).await?;

    // A person's statuses: a step backwards is a regression.
    store
        .set_status(
            "coordinator",
            opcat,
            ImplementationStatus::FullyImplemented,
            "Law in force",
        )
        .await?;
    store
        .set_status(
            "coordinator",
            opcat,
            ImplementationStatus::InProgress,
            "Law repealed in 2025",
        )
        .await?;
    assert!(matches!(
        store
            .set_status("coordinator", opcat, ImplementationStatus::InProgress, " ")
            .await,
        Err(StoreError::Invalid(_))
    ));
    store
        .set_cluster_status(
            "coordinator",
            cluster,
            ImplementationStatus::PartiallyImplemented,
            "Half the measures done",
        )
        .await?;
    assert_eq!(
        store.cluster_statuses(&[cluster]).await?[0].source,
        StatusSource::Person
    );

    // Two stakeholders disagree; a CSO moves backwards.
    let assess = |stakeholder, institution_id, status| NewAssessment {
        recommendation_id: roma,
        stakeholder,
        institution_id,
        status,
        text: "Mid-term assessment".into(),
        evidence: Some("https://example.org/report".into()),
        author: "assessor".into(),
    };
    store
        .add_assessment(
            "gov",
            assess(
                StakeholderKind::Government,
                None,
                ImplementationStatus::FullyImplemented,
            ),
        )
        .await?;
    store
        .add_assessment(
            "cso",
            assess(
                StakeholderKind::Cso,
                Some(office),
                ImplementationStatus::InProgress,
            ),
        )
        .await?;
    store
        .add_assessment(
            "cso",
            assess(
                StakeholderKind::Cso,
                Some(office),
                ImplementationStatus::NotStarted,
            ),
        )
        .await?;
    let divergences = signals::divergences(store, svn()).await?;
    assert_eq!(divergences.len(), 1);
    assert_eq!(divergences[0].steps, 3, "the CSO's latest view counts");

    let regressions = store.regressions(svn()).await?;
    let kinds = |kind: RegressionKind| regressions.iter().filter(|r| r.kind == kind).count();
    assert_eq!(
        kinds(RegressionKind::LawRepealed),
        3,
        "opcat, roma and the cluster"
    );
    assert_eq!(kinds(RegressionKind::Status), 1);
    assert_eq!(kinds(RegressionKind::Assessment), 1);
    let status_step = regressions
        .iter()
        .find(|r| r.kind == RegressionKind::Status)
        .ok_or("status regression")?;
    assert_eq!(
        (
            status_step.before.as_str(),
            status_step.after.as_str(),
            status_step.reported_by.as_str()
        ),
        ("fully_implemented", "in_progress", "coordinator")
    );

    // Indicators: quarterly due dates; progress with evidence; a schedule change.
    let indicator = store
        .add_indicator(
            "test",
            NewIndicator {
                action_id: training,
                name: "Staff trained".into(),
                unit: "people".into(),
                baseline: Some(0.0),
                target: Some(400.0),
                schedule: ReportingSchedule::Quarterly,
                start: date!(2025 - 01 - 01),
                end: date!(2025 - 12 - 31),
            },
        )
        .await?;
    let file = evidence::check(
        "../../minutes.pdf",
        Some("text/html"),
        b"%PDF-1.4 minutes".to_vec(),
    )?;
    let report = store
        .report_progress(
            "focal",
            NewProgress {
                indicator_id: indicator,
                due_date: date!(2025 - 04 - 01),
                text: "120 trained".into(),
                value: Some(120.0),
                public: false,
                evidence: vec![file],
            },
        )
        .await?;
    let plan = store
        .reschedule_indicator(
            "test",
            indicator,
            ReportingSchedule::SemiAnnual,
            date!(2025 - 01 - 01),
            date!(2025 - 12 - 31),
            date!(2025 - 05 - 15),
        )
        .await?;
    assert_eq!(plan.remove, vec![date!(2025 - 10 - 01)]);
    assert!(
        plan.add.is_empty(),
        "July stays, January next year is outside the period"
    );
    let records = store.indicators(training).await?;
    let due: Vec<(time::Date, bool)> = records[0]
        .reports
        .iter()
        .map(|r| (r.report.due_date, r.report.reported_at.is_some()))
        .collect();
    assert_eq!(
        due,
        vec![
            (date!(2025 - 04 - 01), true),
            (date!(2025 - 07 - 01), false)
        ]
    );
    let info = &records[0].reports[0].evidence[0];
    assert_eq!(
        (info.file_name.as_str(), info.content_type.as_str()),
        ("minutes.pdf", "application/pdf")
    );
    let served = store.evidence(info.id).await?.ok_or("evidence")?;
    assert_eq!(served.bytes, b"%PDF-1.4 minutes");
    assert_eq!(
        (
            served.public,
            served.progress_report_id,
            served.institution_id
        ),
        (false, report, Some(office))
    );

    // Overdue on 2 July 2025: the training's target date and the July report.
    let overdue = signals::overdue(store, date!(2025 - 07 - 02)).await?;
    let kinds: Vec<DeadlineKind> = overdue.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        vec![DeadlineKind::ActionTarget, DeadlineKind::ProgressReport]
    );
    assert!(
        signals::overdue(store, date!(2025 - 03 - 31))
            .await?
            .is_empty(),
        "due today is not overdue"
    );
    let dashboard = signals::dashboard(store, office, date!(2025 - 06 - 20), 30).await?;
    assert_eq!((dashboard.overdue.len(), dashboard.due.len()), (1, 1));
    assert_eq!(dashboard.actions.len(), 1);

    // Stalled: nothing for six months, and not fully implemented. Roma is, by the rule
    // (its only actions, direct and through the cluster, are completed): not stalled.
    let later = datetime!(2100-01-01 0:00 UTC);
    let stalled = signals::stalled(store, svn(), later, 6, offset!(+1)).await?;
    let stalled: Vec<RecommendationId> = stalled.iter().map(|a| a.recommendation_id).collect();
    assert_eq!(stalled, vec![opcat, roma2, prison]);
    assert!(signals::stalled(
        store,
        svn(),
        time::OffsetDateTime::now_utc(),
        6,
        offset!(+1)
    )
    .await?
    .is_empty());

    // Repeated and not implemented.
    store
        .replace_links(
            "test",
            svn(),
            vec![RecommendationLink {
                from: roma2,
                to: roma,
                kind: LinkKind::Repeats,
                score: 0.9,
                decision: Decision::Proposed,
            }],
        )
        .await?;
    let repeated = signals::repeated_not_implemented(store, svn()).await?;
    assert_eq!(repeated.len(), 1);
    assert_eq!(repeated[0].repeats, vec![roma]);

    // The law's action is reopened: the statuses derived from it step back, a regression
    // for roma (fully → in progress) and roma2 (partially → in progress, through the
    // cluster); opcat's status is a person's and does not move.
    let mut reopened = done.clone();
    reopened.progress = ActionProgress::Started;
    store.update_action("coordinator", action, reopened).await?;
    let now = store.regressions(svn()).await?;
    // Derived statuses' regressions name the action; a person's do not.
    let mut derived: Vec<(Option<RecommendationId>, &str, &str)> = now
        .iter()
        .filter(|r| r.kind == RegressionKind::Status && r.action_id == Some(action))
        .map(|r| (r.recommendation_id, r.before.as_str(), r.after.as_str()))
        .collect();
    derived.sort();
    assert_eq!(
        derived,
        vec![
            (Some(roma), "fully_implemented", "in_progress"),
            (Some(roma2), "partially_implemented", "in_progress"),
        ]
    );
    let regressions = now;

    // Deleting an action: the statuses derived from it follow; the regressions stay.
    store.delete_action("test", training).await?;
    assert_eq!(
        status(&store.statuses(&[prison]).await?, prison),
        Some((ImplementationStatus::NotStarted, StatusSource::Actions))
    );
    assert!(store.indicators(training).await?.is_empty());
    assert!(store.evidence(info.id).await?.is_none());
    assert_eq!(store.regressions(svn()).await?.len(), regressions.len());
    assert!(matches!(
        store.delete_action("test", training).await,
        Err(StoreError::NotFound(_))
    ));

    // Reminders: claimed once, whatever happens next.
    let focal = db
        .insert_user(
            "focal",
            "focal_point",
            Some(justice),
            Some("focal@mp.gov.si"),
        )
        .await?;
    db.insert_user("coordinator", "coordinator", None, Some("coord@gov.si"))
        .await?;
    let ind = store
        .add_indicator(
            "test",
            NewIndicator {
                action_id: action,
                name: "Cases prosecuted".into(),
                unit: "cases".into(),
                baseline: None,
                target: None,
                schedule: ReportingSchedule::Annual,
                start: date!(2024 - 06 - 30),
                end: date!(2026 - 06 - 30),
            },
        )
        .await?;
    let reminders =
        signals::due_reminders(store, date!(2025 - 06 - 20), ReminderPolicy::default()).await?;
    let upcoming: Vec<_> = reminders
        .iter()
        .filter(|r| r.kind == ReminderKind::Upcoming)
        .collect();
    assert_eq!(upcoming.len(), 1, "{reminders:?}");
    assert_eq!(upcoming[0].user_id, focal);
    assert_eq!(upcoming[0].due, date!(2025 - 06 - 30));
    let first = store
        .claim_reminder(upcoming[0])
        .await?
        .ok_or("first claim")?;
    assert!(
        store.claim_reminder(upcoming[0]).await?.is_none(),
        "claimed once"
    );
    store
        .finish_reminder(first, Err("connection refused".into()))
        .await?;
    let again = store
        .claim_reminder(upcoming[0])
        .await?
        .ok_or("a failed send is retried")?;
    store.finish_reminder(again, Ok(())).await?;
    assert!(
        store.claim_reminder(upcoming[0]).await?.is_none(),
        "sent: never again"
    );
    assert!(store.finish_reminder(again, Ok(())).await.is_err());
    let inbox = store.notifications(focal).await?;
    assert_eq!(
        inbox.len(),
        1,
        "one notification however often it was tried"
    );
    assert!(inbox[0].subject.contains("Cases prosecuted"));
    assert!(!inbox[0].read);
    let other = db
        .insert_user("other", "focal_point", Some(justice), None)
        .await?;
    assert_eq!(
        store.mark_notifications_read(other, &[inbox[0].id]).await?,
        0,
        "not theirs"
    );
    assert_eq!(
        store.mark_notifications_read(focal, &[inbox[0].id]).await?,
        1
    );
    assert!(store.notifications(focal).await?[0].read);
    let _ = ind;
    Ok(())
}

#[tokio::test]
async fn tracking_on_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    story(&db).await
}

#[tokio::test]
async fn tracking_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let outcome = story(&db).await;
    db.close().await?;
    outcome
}
