//! The index is derived: each server process keeps its own, built from the database and
//! kept in step by revision. Here the writes go through one store handle (one process)
//! and the index follows through another handle on the same database (another process):
//! every insert, update and removal is found after the second one's next sync.

use rightstrack_core::{
    ActionKind, ImplementationStatus, Mechanism, NewRecommendation, Position, Session, StateCode,
};
use rightstrack_search::{Dimension, SearchIndex, SearchQuery};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{ImportBatch, NewAction, RecommendationFilter};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn rec(text: &str, position: Position) -> Result<NewRecommendation, Box<dyn std::error::Error>> {
    let mut r = NewRecommendation::new(Mechanism::Upr, StateCode::parse("HRV")?, text)
        .with_session(Session::new(22)?);
    r.position = Some(position);
    Ok(r)
}

fn find(text: &str, filters: &[(Dimension, &str)]) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        filters: filters.iter().map(|(d, v)| (*d, v.to_string())).collect(),
        limit: 10,
        facet_limit: 10,
        ..Default::default()
    }
}

async fn follows(db: &TestDb) -> TestResult {
    let writer = db.store.clone();
    // A second connection pool on the same database, as a second `serve` has.
    let reader = rightstrack_store::open(&db.url).await?;
    let index = SearchIndex::in_memory()?;
    index.sync(reader.as_ref()).await?;
    assert!(index.is_empty());

    let w = &writer;
    let import = |position| async move {
        w.import(ImportBatch {
            actor: "t".into(),
            source: "t".into(),
            recommendations: vec![rec("Criminalise marital rape", position)?],
            ..Default::default()
        })
        .await
        .map_err(Box::<dyn std::error::Error>::from)
    };
    // Insert.
    import(Position::Noted).await?;
    let stats = index.sync(reader.as_ref()).await?;
    assert_eq!(stats.indexed, 1);
    let hits = index.search(&find("marital", &[(Dimension::Position, "noted")]))?;
    assert_eq!(hits.total, 1);
    let id = hits.hits[0].id;

    // Update: the same recommendation, its position changed; replaced, not duplicated.
    import(Position::Supported).await?;
    index.sync(reader.as_ref()).await?;
    assert_eq!(index.len(), 1);
    assert_eq!(
        index
            .search(&find("marital", &[(Dimension::Position, "supported")]))?
            .total,
        1
    );
    assert_eq!(
        index
            .search(&find("marital", &[(Dimension::Position, "noted")]))?
            .total,
        0
    );

    // Tracking written elsewhere, then removed: an action makes a status, deleting it
    // takes the status away again.
    let action = writer
        .create_action(
            "t",
            NewAction::planned("Amend the criminal code", ActionKind::Legislation, vec![id]),
        )
        .await?;
    writer
        .set_status("t", id, ImplementationStatus::InProgress, "drafting")
        .await?;
    index.sync(reader.as_ref()).await?;
    let in_progress = [(Dimension::Status, "in_progress")];
    assert_eq!(index.search(&find("", &in_progress))?.total, 1);
    writer
        .set_status("t", id, ImplementationStatus::NotStarted, "stopped")
        .await?;
    writer.delete_action("t", action).await?;
    index.sync(reader.as_ref()).await?;
    assert_eq!(index.search(&find("", &in_progress))?.total, 0);
    assert_eq!(
        index
            .search(&find("", &[(Dimension::Signal, "regression")]))?
            .total,
        1
    );

    // Withdrawn from publication: the public's filter no longer finds it.
    let published = [(Dimension::Published, "yes")];
    writer
        .publish("t", &RecommendationFilter::default(), true)
        .await?;
    index.sync(reader.as_ref()).await?;
    assert_eq!(index.search(&find("marital", &published))?.total, 1);
    writer
        .publish("t", &RecommendationFilter::default(), false)
        .await?;
    index.sync(reader.as_ref()).await?;
    assert_eq!(index.search(&find("marital", &published))?.total, 0);

    // Nothing more to read: a sync with no change indexes nothing.
    assert_eq!(index.sync(reader.as_ref()).await?.indexed, 0);
    Ok(())
}

#[tokio::test]
async fn a_second_process_follows_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let result = follows(&db).await;
    db.close().await?;
    result
}

#[tokio::test]
async fn a_second_process_follows_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    follows(&db).await
}
