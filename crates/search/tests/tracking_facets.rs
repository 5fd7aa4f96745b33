//! Implementation status, responsible institution, repeats and the accountability signals
//! as facets, on both backends: every tracking write reaches the index by revision, and the
//! date-based signals are read against the query's clock.

use std::sync::Arc;

use rightstrack_core::{
    ActionKind, Decision, DocumentKind, ImplementationStatus, InstitutionKind, LinkKind, Mechanism,
    NewRecommendation, RecommendationId, RecommendationLink, Session, SourceDocument,
    StakeholderKind, StateCode,
};
use rightstrack_search::{Clock, Dimension, SearchIndex, SearchQuery, SearchResults, Sort};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{
    Assign, AssignTarget, ImportBatch, NewAction, NewAssessment, NewInstitution,
    RecommendationFilter, Store,
};
use time::macros::{date, datetime};
use time::{OffsetDateTime, UtcOffset};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn rec(session: u16, symbol: &str, paragraph: &str, text: &str) -> TestResult<NewRecommendation> {
    let mut r = NewRecommendation::new(Mechanism::Upr, StateCode::parse("SVN")?, text)
        .with_session(Session::new(session)?);
    r.document = Some(SourceDocument {
        symbol: symbol.into(),
        kind: DocumentKind::WorkingGroupReport,
        date: None,
        title: None,
    });
    r.paragraph = Some(paragraph.into());
    r.recommending_states = vec![StateCode::parse("FRA")?];
    Ok(r)
}

fn at(now: OffsetDateTime, filters: &[(Dimension, &str)]) -> SearchQuery {
    SearchQuery {
        filters: filters.iter().map(|(d, v)| (*d, v.to_string())).collect(),
        limit: 50,
        facet_limit: 50,
        clock: Clock {
            now,
            offset: UtcOffset::UTC,
            stalled_months: 6,
        },
        ..Default::default()
    }
}

fn count(r: &SearchResults, d: Dimension, value: &str) -> u64 {
    r.facets
        .iter()
        .find(|f| f.dimension == d)
        .and_then(|f| f.values.iter().find(|v| v.value == value))
        .map_or(0, |v| v.count)
}

fn ids(r: &SearchResults) -> Vec<RecommendationId> {
    let mut ids: Vec<_> = r.hits.iter().map(|h| h.id).collect();
    ids.sort();
    ids
}

/// Imports four recommendations of Slovenia, two per cycle; returns their ids by paragraph.
async fn seed(store: &dyn Store) -> TestResult<[RecommendationId; 4]> {
    store
        .import(ImportBatch {
            actor: "t".into(),
            source: "t".into(),
            recommendations: vec![
                rec(
                    7,
                    "A/HRC/8/34",
                    "93.10",
                    "Ratify the Optional Protocol against torture",
                )?,
                rec(
                    7,
                    "A/HRC/8/34",
                    "93.2",
                    "Establish a national preventive mechanism",
                )?,
                rec(
                    34,
                    "A/HRC/43/15",
                    "119.1",
                    "Consider ratifying the Optional Protocol against torture",
                )?,
                rec(
                    34,
                    "A/HRC/43/15",
                    "119.2",
                    "Adopt a law on domestic violence",
                )?,
            ],
            ..Default::default()
        })
        .await?;
    let page = store
        .recommendations(&RecommendationFilter::default(), Default::default())
        .await?;
    let by = |p: &str| {
        page.items
            .iter()
            .find(|r| r.paragraph.as_deref() == Some(p))
            .map(|r| r.id)
            .ok_or(format!("paragraph {p}"))
    };
    Ok([by("93.10")?, by("93.2")?, by("119.1")?, by("119.2")?])
}

async fn story(store: Arc<dyn Store>) -> TestResult {
    let [old_torture, old_npm, repeat, law] = seed(store.as_ref()).await?;
    let index = SearchIndex::in_memory()?;
    index.sync(store.as_ref()).await?;
    let now = OffsetDateTime::now_utc();

    // Nothing tracked yet: every recommendation is not started (the store's rule without
    // a person's status or any action) and repeats nothing.
    let r = index.search(&at(now, &[]))?;
    assert_eq!(
        count(&r, Dimension::Status, "not_started"),
        4,
        "{:?}",
        r.facets
    );
    assert_eq!(count(&r, Dimension::Repeats, "no"), 4);
    assert!(r
        .facets
        .iter()
        .any(|f| f.dimension == Dimension::Signal && f.values.is_empty()));

    // Document order: symbols and paragraphs compared as numbers.
    let ordered = index.search(&SearchQuery {
        sort: Sort::Paragraph,
        ..at(now, &[])
    })?;
    let order: Vec<_> = ordered.hits.iter().map(|h| h.id).collect();
    assert_eq!(order, [old_npm, old_torture, repeat, law]);

    // Every tracking write gives the recommendations it concerns a new revision, which the
    // next sync picks up.
    let mut seen = index.revision();
    let mut step = |what: &str, index: &SearchIndex| -> TestResult {
        let revision = index.revision();
        assert!(revision > seen, "{what} did not reach the index");
        seen = revision;
        Ok(())
    };
    let ministry = store
        .create_institution(
            "t",
            NewInstitution {
                name: "Ministry of Justice".into(),
                kind: InstitutionKind::Ministry,
                parent_id: None,
                contact_name: None,
                contact_email: None,
            },
        )
        .await?;
    store
        .assign(
            "t",
            Assign {
                target: AssignTarget::Recommendations(vec![repeat, law]),
                lead: Some(ministry),
                support: vec![],
            },
        )
        .await?;
    index.sync(store.as_ref()).await?;
    step("an assignment", &index)?;
    store
        .replace_links(
            "t",
            StateCode::parse("SVN")?,
            vec![RecommendationLink {
                from: repeat,
                to: old_torture,
                kind: LinkKind::Repeats,
                score: 0.9,
                decision: Decision::Proposed,
            }],
        )
        .await?;
    index.sync(store.as_ref()).await?;
    step("a link", &index)?;
    store
        .set_status(
            "t",
            repeat,
            ImplementationStatus::InProgress,
            "bill drafted",
        )
        .await?;
    store
        .set_status(
            "t",
            repeat,
            ImplementationStatus::NotStarted,
            "bill withdrawn",
        )
        .await?;
    store
        .set_status(
            "t",
            law,
            ImplementationStatus::PartiallyImplemented,
            "shelters open",
        )
        .await?;
    index.sync(store.as_ref()).await?;
    step("a status", &index)?;
    let action = store
        .create_action(
            "t",
            NewAction {
                target_date: Some(date!(2030 - 06 - 30)),
                ..NewAction::planned("Domestic violence bill", ActionKind::Legislation, vec![law])
            },
        )
        .await?;
    for (stakeholder, status) in [
        (
            StakeholderKind::Government,
            ImplementationStatus::FullyImplemented,
        ),
        (StakeholderKind::Cso, ImplementationStatus::NotStarted),
    ] {
        store
            .add_assessment(
                "t",
                NewAssessment {
                    recommendation_id: old_npm,
                    stakeholder,
                    institution_id: None,
                    status,
                    text: "assessed".into(),
                    evidence: None,
                    author: "t".into(),
                },
            )
            .await?;
    }
    index.sync(store.as_ref()).await?;
    step("an action and assessments", &index)?;

    let r = index.search(&at(now, &[]))?;
    assert_eq!(count(&r, Dimension::Status, "not_started"), 3);
    assert_eq!(count(&r, Dimension::Status, "partially_implemented"), 1);
    assert_eq!(count(&r, Dimension::Institution, &ministry.to_string()), 2);
    let label = r
        .facets
        .iter()
        .find(|f| f.dimension == Dimension::Institution)
        .and_then(|f| f.values.first())
        .map(|v| v.label.clone());
    assert_eq!(label.as_deref(), Some("Ministry of Justice"));
    assert_eq!(count(&r, Dimension::Repeats, "yes"), 1);
    assert_eq!(count(&r, Dimension::Signal, "regression"), 1);
    assert_eq!(count(&r, Dimension::Signal, "repeated"), 1);
    assert_eq!(count(&r, Dimension::Signal, "divergence"), 1);
    assert_eq!(count(&r, Dimension::Signal, "overdue"), 0);
    assert_eq!(count(&r, Dimension::Signal, "stalled"), 0);

    // Filters combine: values of one facet widen, facets narrow.
    let r = index.search(&at(now, &[(Dimension::Signal, "regression")]))?;
    assert_eq!(ids(&r), [repeat]);
    let r = index.search(&at(
        now,
        &[
            (Dimension::Signal, "regression"),
            (Dimension::Signal, "divergence"),
        ],
    ))?;
    assert_eq!(r.total, 2);
    let r = index.search(&at(
        now,
        &[
            (Dimension::Institution, &ministry.to_string()),
            (Dimension::Repeats, "no"),
        ],
    ))?;
    assert_eq!(ids(&r), [law]);

    // The date-based signals move with the clock, without any write or sync.
    let later = datetime!(2030-07-01 00:00 UTC);
    let r = index.search(&at(later, &[]))?;
    assert_eq!(count(&r, Dimension::Signal, "overdue"), 1);
    // Tracked and not fully implemented, untouched for years: all three tracked ones.
    assert_eq!(count(&r, Dimension::Signal, "stalled"), 3);
    let r = index.search(&at(later, &[(Dimension::Signal, "overdue")]))?;
    assert_eq!(ids(&r), [law]);
    let day_before = datetime!(2030-06-30 23:59 UTC);
    let r = index.search(&at(day_before, &[(Dimension::Signal, "overdue")]))?;
    assert_eq!(r.total, 0);

    // Undoing reaches the index too: a rejected link repeats nothing, a deleted action is
    // no longer overdue.
    store
        .decide_link("t", repeat, old_torture, Decision::Rejected)
        .await?;
    store.delete_action("t", action).await?;
    index.sync(store.as_ref()).await?;
    step("a rejection and a deletion", &index)?;
    let r = index.search(&at(later, &[]))?;
    assert_eq!(count(&r, Dimension::Repeats, "yes"), 0);
    assert_eq!(count(&r, Dimension::Signal, "repeated"), 0);
    assert_eq!(count(&r, Dimension::Signal, "overdue"), 0);
    Ok(())
}

#[tokio::test]
async fn tracking_facets_on_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    story(db.store.clone()).await
}

#[tokio::test]
async fn tracking_facets_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let result = story(db.store.clone()).await;
    db.close().await?;
    result
}
