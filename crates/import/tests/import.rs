//! One import, on both backends: an upload and a file on disk go through the same steps,
//! a dry run writes nothing, and a file of no known format is refused whole.

use std::sync::Arc;

use rightstrack_import::{import_file, ImportReport, Run, Source};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{RecommendationFilter, Store};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const FIXTURE: &str = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\n\
Norway,WEOG,,Ratify the Optional Protocol to the Convention against Torture,Sweden,WEOG,EU,Accepted,5,Torture and other CID treatment,6\r\n\
Norway,WEOG,,,Chile,GRULAC,,Accepted,4,Women's rights,6\r\n";

async fn count(store: &dyn Store) -> Result<u64, Box<dyn std::error::Error>> {
    Ok(store.counts(false).await?.recommendations)
}

async fn story(store: Arc<dyn Store>) -> TestResult {
    let upload = || Source::Upload {
        name: "norway.csv".into(),
        bytes: FIXTURE.as_bytes().to_vec(),
    };
    let mut run = Run {
        dry_run: true,
        actor: "coordinator".into(),
        ..Run::default()
    };
    let mut report = ImportReport::default();
    import_file(store.as_ref(), upload(), &run, &mut report).await?;
    assert!(!report.refused());
    assert_eq!(report.files[0].format.as_deref(), Some("upr-info-csv"));
    assert_eq!((report.summary.imported, report.summary.skipped), (1, 1));
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].file, "norway.csv");
    assert_eq!(report.files[0].sample.len(), 1);
    assert_eq!(count(store.as_ref()).await?, 0, "a dry run writes nothing");

    run.dry_run = false;
    let mut report = ImportReport::default();
    import_file(store.as_ref(), upload(), &run, &mut report).await?;
    assert_eq!(report.summary.imported, 1);
    assert_eq!(count(store.as_ref()).await?, 1);

    // The same file from disk: the same records, so unchanged.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("norway.csv");
    std::fs::write(&path, FIXTURE)?;
    let mut report = ImportReport::default();
    import_file(store.as_ref(), Source::Path(path), &run, &mut report).await?;
    assert_eq!((report.summary.imported, report.summary.unchanged), (0, 1));

    // Not of any format: refused with its name, nothing written, and the report says so.
    let mut report = ImportReport::default();
    let junk = Source::Upload {
        name: "junk.bin".into(),
        bytes: vec![0, 1, 2, 3],
    };
    import_file(store.as_ref(), junk, &run, &mut report).await?;
    assert!(report.refused());
    assert_eq!(report.errors[0].file, "junk.bin");
    assert_eq!(count(store.as_ref()).await?, 1);
    let all = store
        .recommendations(&RecommendationFilter::default(), Default::default())
        .await?;
    assert_eq!(all.items[0].state.to_string(), "NOR");
    Ok(())
}

#[tokio::test]
async fn imports_the_same_way_on_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    story(db.store.clone()).await
}

#[tokio::test]
async fn imports_the_same_way_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let result = story(db.store.clone()).await;
    db.close().await?;
    result
}

/// Slovenia's third review in `shared/data`: the addendum imported before its report says
/// what to import first; after both, every paragraph has a position and the tally agrees.
async fn reconciles(store: Arc<dyn Store>) -> TestResult {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/country-dossier/slovenia/cycle-3");
    let report_pdf = dir.join("A_HRC_43_15-working-group-report.pdf");
    let addendum_pdf = dir.join("A_HRC_43_15_Add.1-views-on-recommendations.pdf");
    if !report_pdf.is_file() || !addendum_pdf.is_file() {
        println!("skipped: {} is absent", dir.display());
        return Ok(());
    }
    let run = Run {
        actor: "coordinator".into(),
        ..Run::default()
    };
    let mut first = ImportReport::default();
    import_file(
        store.as_ref(),
        Source::Path(addendum_pdf.clone()),
        &run,
        &mut first,
    )
    .await?;
    rightstrack_import::reconcile(store.as_ref(), &mut first).await?;
    assert!(
        first
            .warnings
            .iter()
            .any(|w| w.message.contains("is not imported yet")
                && w.message.contains("A/HRC/43/15")),
        "{:?}",
        first.warnings
    );

    let mut both = ImportReport::default();
    for path in [report_pdf, addendum_pdf] {
        import_file(store.as_ref(), Source::Path(path), &run, &mut both).await?;
    }
    rightstrack_import::reconcile(store.as_ref(), &mut both).await?;
    assert_eq!(both.reviews.len(), 1, "{:?}", both.reviews);
    let review = &both.reviews[0];
    assert!(review.without_position.is_empty(), "{review:?}");
    assert_eq!(review.positions.get("none"), None);
    assert_eq!(
        review.positions.values().sum::<usize>(),
        review.recommendations
    );
    assert!(
        !both
            .warnings
            .iter()
            .any(|w| w.message.contains("without a position")),
        "{:?}",
        both.warnings
    );
    Ok(())
}

#[tokio::test]
async fn reconciles_a_review_on_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    reconciles(db.store.clone()).await
}

#[tokio::test]
async fn reconciles_a_review_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let result = reconciles(db.store.clone()).await;
    db.close().await?;
    result
}
