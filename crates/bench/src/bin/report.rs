//! Time to produce each report format for a state with about 300 recommendations: the
//! (state, cycle) of the UPR Info export closest to 300, with tracking data recorded for
//! every recommendation (statuses, assessments, an action per five). Each figure is the
//! median of several runs of reading the store and writing the file, beside a baseline
//! from the same run: reading the same recommendations and their implementation and
//! writing them as plain CSV.
//!
//! `cargo run --release -p rightstrack-bench --bin report`

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, Result};
use rightstrack_bench::{median, report, Figure};
use rightstrack_core::{
    ActionKind, ImplementationStatus, InstitutionKind, NewRecommendation, RecommendationId,
    StakeholderKind,
};
use rightstrack_report::{assemble, render, Format, RenderOptions, ReportKind, ReportRequest};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{
    ImportBatch, NewAction, NewAssessment, NewInstitution, PageRequest, RecommendationFilter, Store,
};

const RUNS: usize = 7;
const WANTED: usize = 300;

/// The recommendations of the (state, cycle) whose count is closest to 300.
fn corpus() -> Result<Vec<NewRecommendation>> {
    let mut groups: BTreeMap<(String, Option<u8>), Vec<NewRecommendation>> = BTreeMap::new();
    for r in rightstrack_bench::upr_info()? {
        groups
            .entry((r.state.to_string(), r.cycle.map(u8::from)))
            .or_default()
            .push(r);
    }
    groups
        .into_values()
        .filter(|g| g[0].cycle.is_some())
        .min_by_key(|g| g.len().abs_diff(WANTED))
        .context("the UPR Info export holds no recommendations")
}

async fn record_tracking(store: &dyn Store, ids: &[RecommendationId]) -> Result<()> {
    let ministry = store
        .create_institution(
            "bench",
            NewInstitution {
                name: "Ministry".into(),
                kind: InstitutionKind::Ministry,
                parent_id: None,
                contact_name: None,
                contact_email: None,
            },
        )
        .await?;
    for (i, chunk) in ids.chunks(5).enumerate() {
        store
            .create_action(
                "bench",
                NewAction {
                    description: "Measure".into(),
                    institution_id: Some(ministry),
                    ..NewAction::planned(&format!("Action {i}"), ActionKind::Policy, chunk.to_vec())
                },
            )
            .await?;
    }
    let statuses = ImplementationStatus::ALL;
    for (i, id) in ids.iter().enumerate() {
        let status = statuses[i % statuses.len()];
        store.set_status("bench", *id, status, "Reported").await?;
        store
            .add_assessment(
                "bench",
                NewAssessment {
                    recommendation_id: *id,
                    stakeholder: StakeholderKind::Nhri,
                    institution_id: None,
                    status: statuses[(i + 1) % statuses.len()],
                    text: "Assessed".into(),
                    evidence: None,
                    author: "bench".into(),
                },
            )
            .await?;
    }
    Ok(())
}

async fn timed<F, Fut>(mut f: F) -> Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    // One run unmeasured, so that neither side pays for cold caches.
    f().await?;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = std::time::Instant::now();
        f().await?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(median(&times))
}

/// The baseline: the same rows read and written as plain CSV, nothing laid out.
async fn plain_csv(store: &dyn Store, filter: &RecommendationFilter) -> Result<()> {
    let page = store
        .recommendations(
            filter,
            PageRequest {
                limit: 5000,
                ..Default::default()
            },
        )
        .await?;
    let ids: Vec<RecommendationId> = page.items.iter().map(|r| r.id).collect();
    let imps = store.implementation_of(&ids).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    for (r, imp) in page.items.iter().zip(&imps) {
        let status = imp.current_status().map(|s| s.status.code()).unwrap_or("");
        out.write_record([r.id.to_string().as_str(), &r.text, status])?;
    }
    std::hint::black_box(out.into_inner()?);
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let recs = corpus()?;
    let (state, cycle) = (recs[0].state, recs[0].cycle.map(u8::from).unwrap_or(1));
    let db = TestDb::sqlite().await?;
    let store = db.store.as_ref();
    store
        .import(ImportBatch {
            actor: "bench".into(),
            source: "upr-info".into(),
            recommendations: recs,
            ..Default::default()
        })
        .await?;
    let filter = RecommendationFilter {
        state: Some(state),
        cycle: Some(cycle),
        ..Default::default()
    };
    let page = store
        .recommendations(
            &filter,
            PageRequest {
                limit: 5000,
                ..Default::default()
            },
        )
        .await?;
    let ids: Vec<RecommendationId> = page.items.iter().map(|r| r.id).collect();
    record_tracking(store, &ids).await?;
    println!(
        "{} cycle {cycle}: {} recommendations, tracking recorded for each; median of {RUNS} runs",
        state.state().name,
        ids.len()
    );

    let baseline = timed(|| plain_csv(store, &filter)).await?.as_secs_f64() * 1000.0;
    let mut figures = Vec::new();
    for kind in ReportKind::ALL {
        let request = ReportRequest::new(kind, state, cycle);
        let read = timed(|| async {
            assemble(store, &request).await?;
            Ok(())
        })
        .await?;
        figures.push(
            Figure::new(
                &format!("report {}", kind.code()),
                "read and assemble",
                read.as_secs_f64() * 1000.0,
                "ms",
            )
            .against("read + plain CSV", baseline),
        );
        for format in Format::ALL {
            let took = timed(|| async {
                let doc = assemble(store, &request).await?;
                std::hint::black_box(render(&doc, format, RenderOptions::default())?);
                Ok(())
            })
            .await?;
            let target = match format {
                Format::Html => "< 200 ms",
                Format::Pdf | Format::Docx => "< 2000 ms",
                Format::Xlsx | Format::Csv => "",
            };
            figures.push(
                Figure::new(
                    &format!("report {}", kind.code()),
                    format.code(),
                    took.as_secs_f64() * 1000.0,
                    "ms",
                )
                .against("read + plain CSV", baseline)
                .target(target),
            );
        }
    }
    report(&figures)?;
    db.close().await?;
    Ok(())
}
