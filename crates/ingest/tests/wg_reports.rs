//! The Working Group report and addendum importers on the real documents in shared/data:
//! fidelity against the UPR Info rows of the same reviews, speed, and the Slovenia
//! dossier (three cycles of reports and addenda). Skipped, with a message, where the
//! data is absent.

mod common;

use std::time::Instant;

use common::wg_eval;
use rightstrack_core::Position;
use rightstrack_ingest::{parse_bytes, Format};

/// Floors a little under what the importer reaches (see the example wg_fidelity for the
/// figures); a drop below them is a regression.
const RECALL: f64 = 0.973;
const WHOLE_RECALL: f64 = 0.99;
const PRECISION: f64 = 0.97;
const ATTRIBUTION: f64 = 0.99;
const POSITION: f64 = 0.995;

#[test]
fn reports_match_the_upr_info_ground_truth() -> Result<(), String> {
    let data = wg_eval::data_dir();
    if !data.join("wg-reports").is_dir() || !data.join("upr-info").is_dir() {
        println!("skipped: {} has no wg-reports or upr-info", data.display());
        return Ok(());
    }
    let truth = wg_eval::load_truth(&data)?;
    let started = Instant::now();
    let mut results = Vec::new();
    for path in wg_eval::reports(&data) {
        let r = wg_eval::evaluate(&path, &truth);
        wg_eval::print_row(&r);
        results.push(r);
    }
    let total = wg_eval::print_total(&results, started.elapsed());
    let failed: Vec<String> = results
        .iter()
        .filter_map(|r| r.error.as_ref().map(|e| format!("{}: {e}", r.name)))
        .collect();
    assert!(failed.is_empty(), "reports not read: {failed:?}");
    assert!(results.len() >= 100, "only {} reports found", results.len());
    assert!(total.recall() >= RECALL, "recall {:.4}", total.recall());
    assert!(
        total.precision() >= PRECISION,
        "precision {:.4}",
        total.precision()
    );
    assert!(
        total.attribution() >= ATTRIBUTION,
        "attribution {:.4}",
        total.attribution()
    );
    assert!(
        total.position() >= POSITION,
        "position {:.4}",
        total.position()
    );
    // Rows the report prints whole, as one recommendation: what a faithful reader can find.
    let printed: usize = results.iter().map(|r| r.printed).sum();
    let printed_found: usize = results.iter().map(|r| r.printed_found).sum();
    let cut: usize = results.iter().map(|r| r.cut).sum();
    let whole_recall = printed_found as f64 / (printed - cut).max(1) as f64;
    assert!(
        whole_recall >= WHOLE_RECALL,
        "recall among whole rows {whole_recall:.4}"
    );
    // Speed is measured by the import benchmark (scripts/bench), in release mode beside
    // pdftotext alone: a timed assertion here failed whenever the machine was busy.
    Ok(())
}

#[test]
fn slovenia_dossier_reads_across_three_cycles() -> Result<(), String> {
    let dir = wg_eval::data_dir().join("country-dossier/slovenia");
    if !dir.is_dir() {
        println!("skipped: {} is absent", dir.display());
        return Ok(());
    }
    // (cycle folder, session, report symbol, positions the addendum states at least)
    let cycles = [
        ("cycle-1", 7, "A/HRC/14/15", 90),
        ("cycle-2", 20, "A/HRC/28/15", 163),
        ("cycle-3", 34, "A/HRC/43/15", 157),
    ];
    for (folder, session, symbol, positions) in cycles {
        let files: Vec<_> = std::fs::read_dir(dir.join(folder))
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        let find = |suffix: &str| {
            files
                .iter()
                .find(|p| p.to_string_lossy().ends_with(suffix))
                .cloned()
        };
        let report = find("working-group-report.pdf").ok_or(format!("{folder}: no report"))?;
        let addendum =
            find("views-on-recommendations.pdf").ok_or(format!("{folder}: no addendum"))?;

        let bytes = std::fs::read(&report).map_err(|e| e.to_string())?;
        assert_eq!(
            rightstrack_ingest::format::detect("r.pdf", &bytes).ok(),
            Some(Format::WgReport)
        );
        let parsed = parse_bytes(Format::WgReport, "report", &bytes).map_err(|e| e.to_string())?;
        println!(
            "{folder}: {} recommendations, {} warnings",
            parsed.recommendations.len(),
            parsed.warnings.len()
        );
        assert!(
            parsed.recommendations.len() >= 100,
            "{folder}: {}",
            parsed.recommendations.len()
        );
        for rec in &parsed.recommendations {
            assert_eq!(rec.state.as_str(), "SVN");
            assert_eq!(rec.session.map(|s| s.number()), Some(session), "{folder}");
            assert_eq!(
                rec.document.as_ref().map(|d| d.symbol.as_str()),
                Some(symbol)
            );
        }
        let attributed = parsed
            .recommendations
            .iter()
            .filter(|r| !r.recommending_states.is_empty())
            .count();
        assert!(
            attributed * 100 >= parsed.recommendations.len() * 98,
            "{folder}: {attributed} attributed"
        );

        let bytes = std::fs::read(&addendum).map_err(|e| e.to_string())?;
        assert_eq!(
            rightstrack_ingest::format::detect("a.pdf", &bytes).ok(),
            Some(Format::WgAddendum)
        );
        let views =
            parse_bytes(Format::WgAddendum, "addendum", &bytes).map_err(|e| e.to_string())?;
        let count = |p: Position| {
            views
                .position_updates
                .iter()
                .filter(|u| u.position == p)
                .count()
        };
        println!(
            "{folder}: {} positions ({} supported, {} in part, {} noted)",
            views.position_updates.len(),
            count(Position::Supported),
            count(Position::SupportedInPart),
            count(Position::Noted)
        );
        assert!(
            views.position_updates.len() >= positions,
            "{folder}: {}",
            views.position_updates.len()
        );
        assert!(
            count(Position::Noted) > 0,
            "{folder}: no noted recommendation"
        );
        // Each addendum states its own counts; what was read agrees with them.
        let disagreements: Vec<_> = views
            .warnings
            .iter()
            .filter(|w| w.message.starts_with("the addendum says"))
            .collect();
        assert!(disagreements.is_empty(), "{folder}: {disagreements:?}");
        for update in &views.position_updates {
            assert_eq!(update.state.as_str(), "SVN");
            assert_eq!(update.report_symbol.as_deref(), Some(symbol));
        }
    }
    Ok(())
}
