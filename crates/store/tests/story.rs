//! One storage story, run unchanged on SQLite and on PostgreSQL.

use rightstrack_core::{
    ActionKind, ActionProgress, ClusterKind, Decision, ImplementationStatus, InstitutionKind,
    LinkKind, Mechanism, NewRecommendation, Position, PositionUpdate, Provenance, RecommendationId,
    RecommendationLink, RegionalGroup, Session, StakeholderKind, StateCode, Taxonomy,
};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{
    ClusterTarget, ImportBatch, ImportSummary, NewAction, NewAssessment, NewCluster,
    NewInstitution, PageRequest, RecommendationFilter, Revision, Store, StoreError,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn code(c: &str) -> StateCode {
    StateCode::parse(c).unwrap_or_else(|e| unreachable!("{e}"))
}

fn rec(text: &str, session: u16, from: &[&str]) -> NewRecommendation {
    let mut r = NewRecommendation::new(Mechanism::Upr, code("SVN"), text)
        .with_session(Session::new(session).unwrap_or_else(|e| unreachable!("{e}")));
    r.recommending_states = from.iter().map(|c| code(c)).collect();
    r.position = Some(Position::Supported);
    r.tags = vec![(Taxonomy::UprIssue, "Justice".to_string())];
    r
}

fn batch(recs: Vec<NewRecommendation>) -> ImportBatch {
    ImportBatch {
        actor: "test".into(),
        source: "fixture".into(),
        recommendations: recs,
        ..Default::default()
    }
}

fn fixture() -> Vec<NewRecommendation> {
    let mut roma = rec("Combat discrimination against Roma", 7, &["FRA", "CHL"]);
    roma.paragraph = Some("93.2".into());
    roma.tags.push((Taxonomy::UprIssue, "Minorities".into()));
    let mut noted = rec("Abolish the death penalty", 20, &["BRA"]);
    noted.position = Some(Position::Noted);
    noted.paragraph = Some("115.4".into());
    vec![rec("Ratify OP-CAT", 7, &["FRA"]), roma, noted]
}

async fn story(store: &dyn Store) -> TestResult {
    assert!(
        store.migrate().await?.is_empty(),
        "a second migration applies nothing"
    );

    let summary = store.import(batch(fixture())).await?;
    assert_eq!(
        summary,
        ImportSummary {
            imported: 3,
            ..Default::default()
        }
    );
    let again = store.import(batch(fixture())).await?;
    assert_eq!(
        again,
        ImportSummary {
            unchanged: 3,
            ..Default::default()
        }
    );

    // The same recommendation from another state, with trailing punctuation: one update.
    let more = store
        .import(batch(vec![rec("Ratify OP-CAT.", 7, &["CHL"])]))
        .await?;
    assert_eq!(
        more,
        ImportSummary {
            updated: 1,
            ..Default::default()
        }
    );

    let dry = ImportBatch {
        dry_run: true,
        ..batch(vec![rec("Something new", 7, &["FRA"])])
    };
    assert_eq!(store.import(dry).await?.imported, 1);
    assert_eq!(
        store.counts(false).await?.recommendations,
        3,
        "a dry run writes nothing"
    );

    let all = store
        .recommendations(&RecommendationFilter::default(), PageRequest::default())
        .await?;
    assert_eq!(all.total, 3);
    let opcat = all
        .items
        .iter()
        .find(|r| r.text == "Ratify OP-CAT")
        .ok_or("OP-CAT missing")?;
    let states: Vec<&str> = opcat
        .recommending_states
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(states, ["CHL", "FRA"]);
    assert_eq!(opcat.tags.len(), 1);
    assert_eq!(opcat.tags[0].provenance, Provenance::Imported);
    assert_eq!(opcat.tags[0].label, "Justice");

    let by = |f: RecommendationFilter| async move {
        store
            .recommendations(&f, PageRequest::default())
            .await
            .map(|p| p.total)
    };
    assert_eq!(
        by(RecommendationFilter {
            cycle: Some(1),
            ..Default::default()
        })
        .await?,
        2
    );
    assert_eq!(
        by(RecommendationFilter {
            session: Some(20),
            ..Default::default()
        })
        .await?,
        1
    );
    assert_eq!(
        by(RecommendationFilter {
            position: Some(Position::Noted),
            ..Default::default()
        })
        .await?,
        1
    );
    assert_eq!(
        by(RecommendationFilter {
            recommending_state: Some(code("CHL")),
            ..Default::default()
        })
        .await?,
        2
    );
    assert_eq!(
        by(RecommendationFilter {
            recommending_group: Some(RegionalGroup::Grulac),
            ..Default::default()
        })
        .await?,
        3
    );
    assert_eq!(
        by(RecommendationFilter {
            mechanism: Some(Mechanism::Upr),
            state: Some(code("SVN")),
            ..Default::default()
        })
        .await?,
        3
    );
    assert_eq!(
        by(RecommendationFilter {
            state: Some(code("FRA")),
            ..Default::default()
        })
        .await?,
        0
    );

    // Pages by offset and by id cover the same rows.
    let first = store
        .recommendations(
            &RecommendationFilter::default(),
            PageRequest {
                limit: 2,
                ..Default::default()
            },
        )
        .await?;
    let second = store
        .recommendations(
            &RecommendationFilter::default(),
            PageRequest {
                limit: 2,
                offset: 2,
                after_id: None,
            },
        )
        .await?;
    assert_eq!((first.items.len(), second.items.len()), (2, 1));
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .recommendations(
                &RecommendationFilter::default(),
                PageRequest {
                    limit: 1,
                    offset: 0,
                    after_id: after,
                },
            )
            .await?;
        let Some(last) = page.items.last() else { break };
        after = Some(last.id);
        walked.push(last.id);
    }
    assert_eq!(walked.len(), 3);

    let ids: Vec<_> = all
        .items
        .iter()
        .rev()
        .map(|r| r.id)
        .chain([rightstrack_core::RecommendationId(999_999)])
        .collect();
    let by_ids = store.recommendations_by_ids(&ids).await?;
    assert_eq!(
        by_ids.iter().map(|r| r.id).collect::<Vec<_>>(),
        ids[..3],
        "in the order asked, unknown ids left out"
    );
    let one = store.recommendation(opcat.id).await?.ok_or("by id")?;
    assert_eq!(one.text, "Ratify OP-CAT");
    assert!(store
        .recommendation(rightstrack_core::RecommendationId(999_999))
        .await?
        .is_none());

    // An addendum states positions by paragraph.
    let positions = ImportBatch {
        position_updates: vec![
            PositionUpdate {
                state: code("SVN"),
                session: Session::new(20).ok(),
                report_symbol: None,
                source_symbol: Some("A/HRC/28/15/Add.1".into()),
                paragraph: "115.4".into(),
                position: Position::SupportedInPart,
                explanation: Some("Supported as regards the first part".into()),
            },
            PositionUpdate {
                state: code("SVN"),
                session: Session::new(7).ok(),
                report_symbol: None,
                source_symbol: Some("A/HRC/14/15/Add.1".into()),
                paragraph: "2".into(),
                position: Position::Noted,
                explanation: None,
            },
            PositionUpdate {
                state: code("SVN"),
                session: Session::new(20).ok(),
                report_symbol: None,
                source_symbol: None,
                paragraph: "115.99".into(),
                position: Position::Noted,
                explanation: None,
            },
        ],
        ..batch(Vec::new())
    };
    let applied = store.import(positions).await?;
    assert_eq!(
        (applied.updated, applied.skipped),
        (2, 1),
        "a bare \"2\" reaches paragraph 93.2"
    );
    let noted = store
        .recommendations(
            &RecommendationFilter {
                session: Some(20),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await?;
    assert_eq!(noted.items[0].position, Some(Position::SupportedInPart));
    assert_eq!(
        noted.items[0].position_source.as_deref(),
        Some("A/HRC/28/15/Add.1")
    );

    // Derived indexes follow the database by revision: every change is seen once, in order.
    let all_changes = store.changed_since(Revision::default(), 100).await?;
    assert_eq!(all_changes.len(), 3);
    let last = all_changes.last().map(|c| c.0).ok_or("no changes")?;
    assert!(store.changed_since(last, 100).await?.is_empty());

    // Tracking.
    let ministry = store
        .create_institution(
            "test",
            NewInstitution {
                name: "Ministry of Justice".into(),
                kind: InstitutionKind::Ministry,
                parent_id: None,
                contact_name: None,
                contact_email: Some("focal@example.org".into()),
            },
        )
        .await?;
    store
        .create_action(
            "test",
            NewAction {
                title: "Draft the OP-CAT ratification bill".into(),
                description: String::new(),
                kind: ActionKind::Ratification,
                institution_id: Some(ministry),
                start_date: None,
                target_date: time::Date::from_calendar_date(2026, time::Month::June, 30).ok(),
                recommendation_ids: vec![opcat.id],
                progress: ActionProgress::Started,
                funding: None,
                legislation: None,
                cluster_ids: Vec::new(),
            },
        )
        .await?;
    store
        .set_status(
            "test",
            opcat.id,
            ImplementationStatus::InProgress,
            "Bill drafted",
        )
        .await?;
    store
        .add_assessment(
            "test",
            NewAssessment {
                recommendation_id: opcat.id,
                stakeholder: StakeholderKind::Nhri,
                institution_id: None,
                status: ImplementationStatus::NotStarted,
                text: "No bill has reached parliament".into(),
                evidence: None,
                author: "nhri".into(),
            },
        )
        .await?;
    let counts = store.counts(false).await?;
    assert_eq!(
        (counts.institutions, counts.actions, counts.assessments),
        (1, 1, 1)
    );

    // Model suggestions: stored with their confidence, never over a source's or a person's tag,
    // replaced wholesale by the next run.
    let suggest = |code: &str, confidence: f32| rightstrack_store::Suggestion {
        recommendation_id: opcat.id,
        taxonomy: Taxonomy::UprIssue,
        code: code.to_string(),
        label: code.to_string(),
        confidence,
        explanation: Vec::new(),
    };
    let stored = store
        .replace_suggestions(
            "test",
            "model v1",
            &[opcat.id],
            vec![
                suggest("justice", 0.9),
                suggest("torture-and-other-cid-treatment", 0.8),
            ],
        )
        .await?;
    assert_eq!(stored, 1, "justice is already imported");
    let tags = store.recommendation(opcat.id).await?.ok_or("opcat")?.tags;
    let model: Vec<_> = tags
        .iter()
        .filter(|t| !t.provenance.is_ground_truth())
        .collect();
    assert_eq!(model.len(), 1);
    assert!(
        matches!(&model[0].provenance, Provenance::Model { version, confidence } if version == "model v1" && (*confidence - 0.8).abs() < 1e-6)
    );
    store
        .replace_suggestions("test", "model v2", &[opcat.id], vec![])
        .await?;
    let tags = store.recommendation(opcat.id).await?.ok_or("opcat")?.tags;
    assert!(
        tags.iter().all(|t| t.provenance.is_ground_truth()),
        "a new run replaces the old suggestions"
    );
    let last = store
        .changed_since(last, 100)
        .await?
        .last()
        .map(|c| c.0)
        .ok_or("suggestions change the record")?;

    // Publication.
    let public = RecommendationFilter {
        published_only: true,
        ..Default::default()
    };
    assert_eq!(by(public.clone()).await?, 0);
    let session7 = RecommendationFilter {
        session: Some(7),
        ..Default::default()
    };
    assert_eq!(store.publish("test", &session7, true).await?, 2);
    assert_eq!(store.publish("test", &session7, true).await?, 0);
    assert_eq!(by(public).await?, 2);
    assert_eq!(
        store.changed_since(last, 100).await?.len(),
        2,
        "publication changes the published ones"
    );

    assert_eq!(store.reviewed_states(false).await?, vec![(code("SVN"), 3)]);
    let summary = store.state_summary(code("SVN"), false).await?;
    assert_eq!(
        summary,
        vec![
            (Some(1), "UPR".to_string(), 2),
            (Some(2), "UPR".to_string(), 1)
        ]
    );

    let find = |text: &str| {
        all.items
            .iter()
            .find(|r| r.text.starts_with(text))
            .map(|r| r.id)
            .ok_or(format!("{text} missing"))
    };
    clusters_and_links(store, opcat.id, find("Combat")?, find("Abolish")?).await
}

/// Machines propose clusters and links, people decide, and a re-run keeps the decisions.
async fn clusters_and_links(
    store: &dyn Store,
    opcat: RecommendationId,
    roma: RecommendationId,
    death: RecommendationId,
) -> TestResult {
    let svn = code("SVN");
    let sorted = |mut ids: Vec<RecommendationId>| {
        ids.sort();
        ids
    };
    let last = |changes: Vec<(Revision, rightstrack_core::Recommendation)>, seen: Revision| {
        changes.last().map_or(seen, |c| c.0)
    };
    let mut seen = last(
        store.changed_since(Revision::default(), 100).await?,
        Revision::default(),
    );

    let run = || {
        vec![NewCluster {
            title: "Ratify · OP-CAT".into(),
            members: vec![(opcat, 0.9), (roma, 0.4)],
            shared_terms: vec!["ratify".into(), "OP-CAT".into()],
        }]
    };
    let touched = store
        .replace_clusters("system", svn, ClusterKind::Thematic, run())
        .await?;
    assert_eq!(touched, sorted(vec![opcat, roma]));
    let changed = store.changed_since(seen, 100).await?;
    assert_eq!(
        changed.len(),
        2,
        "clustered recommendations get a new revision"
    );
    seen = last(changed, seen);
    let clusters = store.clusters(svn).await?;
    assert_eq!(clusters.len(), 1);
    let cluster = &clusters[0];
    assert_eq!(
        (cluster.kind, cluster.title.as_str()),
        (ClusterKind::Thematic, "Ratify · OP-CAT")
    );
    assert_eq!(cluster.members, sorted(vec![opcat, roma]));

    // A person renames it, takes Roma out and puts the death penalty in.
    store
        .rename_cluster("ana", cluster.id, "Torture prevention")
        .await?;
    store
        .set_cluster_member("ana", cluster.id, roma, false)
        .await?;
    store
        .set_cluster_member("ana", cluster.id, death, true)
        .await?;
    assert_eq!(
        store.changed_since(seen, 100).await?.len(),
        3,
        "renaming and membership changes give new revisions"
    );
    assert!(matches!(
        store.rename_cluster("ana", 999_999, "x").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .set_cluster_member("ana", cluster.id, RecommendationId(999_999), true)
            .await,
        Err(StoreError::NotFound(_))
    ));

    // The same run again: the person's title and members stand, nothing changes.
    let touched = store
        .replace_clusters("system", svn, ClusterKind::Thematic, run())
        .await?;
    assert!(touched.is_empty(), "{touched:?}");
    let again = store.clusters(svn).await?;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, cluster.id);
    assert_eq!(again[0].title, "Torture prevention");
    assert_eq!(again[0].members, sorted(vec![opcat, death]));

    // Another kind is replaced on its own.
    store
        .replace_clusters(
            "system",
            svn,
            ClusterKind::NearDuplicate,
            vec![NewCluster {
                title: "Roma".into(),
                members: vec![(roma, 1.0), (death, 0.2)],
                shared_terms: Vec::new(),
            }],
        )
        .await?;
    assert_eq!(store.clusters(svn).await?.len(), 2);

    // A run that no longer makes the cluster: only what the person decided is left.
    let touched = store
        .replace_clusters("system", svn, ClusterKind::Thematic, Vec::new())
        .await?;
    assert_eq!(touched, [opcat]);
    let left = store.clusters(svn).await?;
    let thematic = left
        .iter()
        .find(|c| c.kind == ClusterKind::Thematic)
        .ok_or("the decided cluster is kept")?;
    assert_eq!(thematic.title, "Torture prevention");
    assert_eq!(thematic.members, [death]);
    store
        .replace_clusters("system", svn, ClusterKind::NearDuplicate, Vec::new())
        .await?;
    assert_eq!(store.clusters(svn).await?.len(), 1);
    cluster_moves(store, thematic.id, opcat, roma, death).await?;

    // Links: proposed by a run, decided by a person, kept by the next run.
    let link = |to, kind, score| RecommendationLink {
        from: death,
        to,
        kind,
        score,
        decision: Decision::Proposed,
    };
    seen = last(store.changed_since(seen, 100).await?, seen);
    let touched = store
        .replace_links(
            "system",
            svn,
            vec![
                link(opcat, LinkKind::Repeats, 0.6),
                link(roma, LinkKind::Related, 0.3),
            ],
        )
        .await?;
    assert_eq!(touched, sorted(vec![opcat, roma, death]));
    assert_eq!(store.changed_since(seen, 100).await?.len(), 3);
    assert_eq!(
        store.links_of(opcat).await?,
        [link(opcat, LinkKind::Repeats, 0.6)]
    );
    store
        .decide_link("ana", death, opcat, Decision::Confirmed)
        .await?;
    store
        .decide_link("ana", death, roma, Decision::Rejected)
        .await?;
    assert!(matches!(
        store
            .decide_link("ana", opcat, roma, Decision::Confirmed)
            .await,
        Err(StoreError::NotFound(_))
    ));

    // The next run proposes the rejected link again and not the confirmed one.
    let touched = store
        .replace_links("system", svn, vec![link(roma, LinkKind::FollowsUp, 0.45)])
        .await?;
    assert!(touched.is_empty(), "{touched:?}");
    assert_eq!(store.links(svn).await?.len(), 2);
    assert!(store.links(code("FRA")).await?.is_empty());
    let links = store.links_of(death).await?;
    assert_eq!(
        links,
        [
            RecommendationLink {
                decision: Decision::Confirmed,
                ..link(opcat, LinkKind::Repeats, 0.6)
            },
            RecommendationLink {
                decision: Decision::Rejected,
                ..link(roma, LinkKind::Related, 0.3)
            },
        ]
    );
    Ok(())
}

#[tokio::test]
async fn story_on_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    story(db.store.as_ref()).await
}

#[tokio::test]
async fn story_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let result = story(db.store.as_ref()).await;
    db.close().await?;
    result
}

/// People split a cluster, merge it back and take members out; each move is one decision
/// that is checked first and kept by the next run. `thematic` holds `death` alone.
async fn cluster_moves(
    store: &dyn Store,
    thematic: i64,
    opcat: RecommendationId,
    roma: RecommendationId,
    death: RecommendationId,
) -> TestResult {
    let svn = code("SVN");
    let members = |clusters: &[rightstrack_core::Cluster], id: i64| {
        clusters
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.members.clone())
    };
    let invalid = |r: Result<i64, StoreError>| matches!(r, Err(StoreError::Invalid(_)));
    // The machine's near-duplicate run, the same each time it runs.
    let roma_run = || {
        vec![NewCluster {
            title: "Roma".into(),
            members: vec![(roma, 1.0), (opcat, 0.3)],
            shared_terms: Vec::new(),
        }]
    };
    store
        .replace_clusters("system", svn, ClusterKind::NearDuplicate, roma_run())
        .await?;
    let near = store
        .clusters(svn)
        .await?
        .into_iter()
        .find(|c| c.kind == ClusterKind::NearDuplicate)
        .ok_or("the near-duplicate group")?
        .id;
    let out = ClusterTarget::Out;
    assert!(
        invalid(
            store
                .move_cluster_members("ana", near, &[roma], ClusterTarget::Existing(thematic))
                .await
        ),
        "clusters of different kinds do not merge"
    );
    assert!(invalid(
        store
            .move_cluster_members("ana", thematic, &[roma], out.clone())
            .await
    ));
    assert!(invalid(
        store
            .move_cluster_members("ana", thematic, &[], out.clone())
            .await
    ));
    assert!(matches!(
        store
            .move_cluster_members("ana", 999_999, &[death], out.clone())
            .await,
        Err(StoreError::NotFound(_))
    ));

    // Split the death penalty off into a person's cluster, then merge it back.
    let split = store
        .move_cluster_members(
            "ana",
            thematic,
            &[death],
            ClusterTarget::New {
                title: "Death penalty".into(),
            },
        )
        .await?;
    let now = store.clusters(svn).await?;
    let new = now
        .iter()
        .find(|c| c.id == split)
        .ok_or("the split cluster")?;
    assert_eq!(
        (new.title.as_str(), new.kind, new.members.clone()),
        ("Death penalty", ClusterKind::Thematic, vec![death])
    );
    assert_eq!(members(&now, thematic), Some(vec![]));
    assert!(invalid(
        store
            .move_cluster_members("ana", split, &[death], ClusterTarget::Existing(split))
            .await
    ));
    let into = store
        .move_cluster_members("ana", split, &[death], ClusterTarget::Existing(thematic))
        .await?;
    assert_eq!(into, thematic);
    let now = store.clusters(svn).await?;
    assert_eq!(members(&now, thematic), Some(vec![death]));
    assert_eq!(members(&now, split), Some(vec![]));

    // Taking a member out of the near-duplicate group; the next run keeps it out.
    assert_eq!(
        store
            .move_cluster_members("ana", near, &[opcat], out.clone())
            .await?,
        near
    );
    store
        .replace_clusters("system", svn, ClusterKind::NearDuplicate, roma_run())
        .await?;
    assert_eq!(members(&store.clusters(svn).await?, near), Some(vec![roma]));
    Ok(())
}
