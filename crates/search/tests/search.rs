//! The index against a real store: what people type finds what they mean, facets count,
//! and the index follows the database.

use rightstrack_core::{Mechanism, NewRecommendation, Position, Session, StateCode, Taxonomy};
use rightstrack_search::{Dimension, SearchIndex, SearchQuery, Sort};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{ImportBatch, RecommendationFilter};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn rec(
    state: &str,
    session: u16,
    text: &str,
    from: &[&str],
    position: Position,
) -> Result<NewRecommendation, Box<dyn std::error::Error>> {
    let mut r = NewRecommendation::new(Mechanism::Upr, StateCode::parse(state)?, text)
        .with_session(Session::new(session)?);
    r.recommending_states = from
        .iter()
        .map(|c| StateCode::parse(c))
        .collect::<Result<_, _>>()?;
    r.position = Some(position);
    r.tags = vec![(Taxonomy::UprIssue, "Torture and other CID treatment".into())];
    Ok(r)
}

fn q(text: &str, filters: &[(Dimension, &str)]) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        filters: filters.iter().map(|(d, v)| (*d, v.to_string())).collect(),
        limit: 20,
        facet_limit: 50,
        ..Default::default()
    }
}

#[tokio::test]
async fn finds_counts_and_follows_the_database() -> TestResult {
    let db = TestDb::sqlite().await?;
    let recs = vec![
        rec(
            "SVN",
            7,
            "Ratify the Optional Protocol to the Convention against Torture",
            &["FRA", "CHL"],
            Position::Supported,
        )?,
        rec(
            "SVN",
            20,
            "Guarantee the rights of persons with disabilities",
            &["BRA"],
            Position::Supported,
        )?,
        rec(
            "HRV",
            9,
            "Protect réfugiés and asylum-seekers from refoulement",
            &["DEU"],
            Position::Noted,
        )?,
        rec(
            "HRV",
            22,
            "Investigate all allegations of torture promptly",
            &["GHA", "FRA"],
            Position::Noted,
        )?,
    ];
    db.store
        .import(ImportBatch {
            actor: "t".into(),
            source: "t".into(),
            recommendations: recs,
            ..Default::default()
        })
        .await?;
    let index = SearchIndex::in_memory()?;
    let stats = index.sync(db.store.as_ref()).await?;
    assert_eq!((stats.indexed, index.len()), (4, 4));

    // Stemming, accent folding, phrases, prefixes.
    assert_eq!(index.search(&q("disability", &[]))?.total, 1);
    assert_eq!(index.search(&q("refugies", &[]))?.total, 1);
    assert_eq!(index.search(&q("TORTURE", &[]))?.total, 2);
    assert_eq!(index.search(&q("\"optional protocol\"", &[]))?.total, 1);
    assert_eq!(index.search(&q("\"protocol optional\"", &[]))?.total, 0);
    assert_eq!(
        index.search(&q("disabilit*", &[]))?.total,
        1,
        "a prefix expands against words as written"
    );
    assert_eq!(index.search(&q("refoul*", &[]))?.total, 1);
    assert_eq!(
        index.search(&q("torture ratify", &[]))?.total,
        1,
        "all words must match"
    );
    assert_eq!(
        index.search(&q("unbalanced \" quote ) (", &[]))?.total,
        0,
        "odd syntax is not an error"
    );

    // Filters narrow across dimensions and widen within one.
    assert_eq!(
        index
            .search(&q("torture", &[(Dimension::Position, "noted")]))?
            .total,
        1
    );
    assert_eq!(
        index
            .search(&q(
                "",
                &[(Dimension::State, "SVN"), (Dimension::State, "HRV")]
            ))?
            .total,
        4
    );
    assert_eq!(
        index
            .search(&q(
                "",
                &[
                    (Dimension::RecommendingGroup, "WEOG"),
                    (Dimension::Position, "supported")
                ]
            ))?
            .total,
        1
    );
    let found = index.search(&q("", &[(Dimension::Cycle, "2")]))?;
    assert_eq!(found.total, 2);

    // Facets count the matching set, with labels.
    let results = index.search(&q("torture", &[]))?;
    let from = results
        .facets
        .iter()
        .find(|f| f.dimension == Dimension::RecommendingState)
        .ok_or("facet")?;
    let france = from
        .values
        .iter()
        .find(|v| v.value == "FRA")
        .ok_or("France")?;
    assert_eq!((france.count, france.label.as_str()), (2, "France"));
    let issue = results
        .facets
        .iter()
        .find(|f| f.dimension == Dimension::Issue)
        .ok_or("issue facet")?;
    assert_eq!(issue.values[0].label, "Torture and other CID treatment");

    // Sorting and paging.
    let newest = index.search(&SearchQuery {
        sort: Sort::Newest,
        ..q("", &[])
    })?;
    let oldest = index.search(&SearchQuery {
        sort: Sort::Oldest,
        ..q("", &[])
    })?;
    assert_eq!(
        newest.hits.first().map(|h| h.id),
        oldest.hits.last().map(|h| h.id)
    );
    let page2 = index.search(&SearchQuery {
        offset: 2,
        limit: 2,
        ..q("", &[])
    })?;
    assert_eq!((page2.total, page2.hits.len()), (4, 2));
    // A page far past the end is empty, in every order, without holding that many places.
    for sort in [Sort::Relevance, Sort::Newest, Sort::Paragraph] {
        let far = index.search(&SearchQuery {
            offset: 801_213 * 499,
            limit: 499,
            sort,
            ..q("", &[])
        })?;
        assert_eq!((far.total, far.hits.len()), (4, 0), "{sort:?}");
    }

    // A change in the database reaches the index at the next sync, once.
    assert_eq!(
        index
            .search(&q("", &[(Dimension::Published, "yes")]))?
            .total,
        0
    );
    let svn = RecommendationFilter {
        state: Some(StateCode::parse("SVN")?),
        ..Default::default()
    };
    db.store.publish("t", &svn, true).await?;
    let stats = index.sync(db.store.as_ref()).await?;
    assert_eq!(stats.indexed, 2);
    assert_eq!(index.len(), 4, "updates replace documents");
    assert_eq!(
        index
            .search(&q("", &[(Dimension::Published, "yes")]))?
            .total,
        2
    );
    assert_eq!(index.sync(db.store.as_ref()).await?.indexed, 0);
    Ok(())
}

/// Two servers on one database, each with its own index: what one writes, the other finds
/// at its next sync (the servers sync every second).
async fn two_servers(db: &TestDb) -> TestResult {
    let first = db.store.clone();
    let second = rightstrack_store::open(&db.url).await?;
    let (index_a, index_b) = (SearchIndex::in_memory()?, SearchIndex::in_memory()?);
    index_a.sync(first.as_ref()).await?;
    index_b.sync(second.as_ref()).await?;
    let recs = vec![rec(
        "SVN",
        7,
        "Combat discrimination against Roma",
        &["FRA"],
        Position::Supported,
    )?];
    first
        .import(ImportBatch {
            actor: "a".into(),
            source: "a".into(),
            recommendations: recs,
            ..Default::default()
        })
        .await?;
    index_b.sync(second.as_ref()).await?;
    assert_eq!(
        index_b.search(&q("roma", &[]))?.total,
        1,
        "written through one, found through the other"
    );
    second
        .publish("b", &RecommendationFilter::default(), true)
        .await?;
    index_a.sync(first.as_ref()).await?;
    assert_eq!(
        index_a
            .search(&q("roma", &[(Dimension::Published, "yes")]))?
            .total,
        1
    );
    Ok(())
}

#[tokio::test]
async fn two_servers_on_sqlite() -> TestResult {
    two_servers(&TestDb::sqlite().await?).await
}

#[tokio::test]
async fn two_servers_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let result = two_servers(&db).await;
    db.close().await?;
    result
}
