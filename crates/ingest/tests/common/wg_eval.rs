//! Runs the Working Group report importer over the real reports in shared/data and scores
//! it against the UPR Info rows of the same reviews. Shared by the `wg_reports` test and
//! the `wg_fidelity` example.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rightstrack_core::StateCode;
use rightstrack_ingest::fidelity::{self, DocumentText, Score, TruthRow};
use rightstrack_ingest::{upr_info, wg_report, Parsed};

/// shared/data beside the project (../shared/data from the workspace root), or where
/// RIGHTSTRACK_SHARED_DATA says.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("RIGHTSTRACK_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// Ground-truth rows per review (state under review, session).
pub type Truth = HashMap<(StateCode, u16), Vec<TruthRow>>;

pub fn load_truth(data: &Path) -> Result<Truth, String> {
    let mut truth: Truth = HashMap::new();
    let dir = data.join("upr-info");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let parsed =
            upr_info::parse(&path.display().to_string(), &bytes).map_err(|e| e.to_string())?;
        let mut by_review: HashMap<(StateCode, u16), Vec<_>> = HashMap::new();
        for rec in parsed.recommendations {
            let Some(session) = rec.session else { continue };
            by_review
                .entry((rec.state, session.number()))
                .or_default()
                .push(rec);
        }
        for (key, recs) in by_review {
            truth
                .entry(key)
                .or_default()
                .extend(fidelity::truth_rows(&recs));
        }
    }
    Ok(truth)
}

pub struct FileResult {
    pub name: String,
    pub review: Option<(StateCode, u16)>,
    pub score: Score,
    pub extract: Duration,
    pub parse: Duration,
    pub recommendations: usize,
    pub warnings: usize,
    pub error: Option<String>,
    /// Ground-truth rows whose text the document prints as written
    /// ([`PRINTED`] of its four-word runs), and how many of those were found.
    pub printed: usize,
    pub printed_found: usize,
    /// Printed rows missed because the ground truth's editors cut them out of one
    /// recommendation ([`fidelity::cut_by_editors`]).
    pub cut: usize,
}

/// Presence at or above which a ground-truth row counts as printed in the report; below,
/// the row's editor rewrote the text (merged, split or reworded it).
pub const PRINTED: f64 = 0.8;

/// Extracts and parses one report, timing the two apart, and scores it.
pub fn evaluate(path: &Path, truth: &Truth) -> FileResult {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut result = FileResult {
        name: name.clone(),
        review: None,
        score: Score::default(),
        extract: Duration::ZERO,
        parse: Duration::ZERO,
        recommendations: 0,
        warnings: 0,
        error: None,
        printed: 0,
        printed_found: 0,
        cut: 0,
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            result.error = Some(e.to_string());
            return result;
        }
    };
    let started = Instant::now();
    let text = wg_report::extract::extract(&bytes);
    result.extract = started.elapsed();
    let started = Instant::now();
    let parsed: Result<Parsed, String> = text
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|t| wg_report::parse_text(&name, t).map_err(|e| e.to_string()));
    result.parse = started.elapsed();
    let document = text.as_ref().ok().map(|t| DocumentText::new(&t.all()));
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    result.recommendations = parsed.recommendations.len();
    result.warnings = parsed.warnings.len();
    let Some(first) = parsed.recommendations.first() else {
        result.error = Some("no recommendations".into());
        return result;
    };
    let Some(session) = first.session else {
        result.error = Some("no session read".into());
        return result;
    };
    let key = (first.state, session.number());
    result.review = Some(key);
    match truth.get(&key) {
        Some(rows) => {
            result.score = fidelity::score(&parsed.recommendations, rows);
            let (missed, _) = fidelity::misses(&parsed.recommendations, rows);
            let missed: std::collections::HashSet<usize> = missed.iter().map(|m| m.0).collect();
            let mut printed_missed = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                if document
                    .as_ref()
                    .is_some_and(|d| d.presence(&row.text) >= PRINTED)
                {
                    result.printed += 1;
                    if missed.contains(&i) {
                        printed_missed.push(i);
                    } else {
                        result.printed_found += 1;
                    }
                }
            }
            result.cut =
                fidelity::cut_by_editors(&parsed.recommendations, rows, &printed_missed).len();
            if std::env::var_os("WG_DEBUG").is_some() {
                let (missed, extra) = fidelity::misses(&parsed.recommendations, rows);
                for (i, sim) in missed {
                    let row = &rows[i];
                    let printed = document
                        .as_ref()
                        .is_some_and(|d| d.presence(&row.text) >= PRINTED);
                    println!(
                        "  MISSED {sim:.2} {} [{}] {}",
                        if printed { "printed  " } else { "rewritten" },
                        row.state.map(|s| s.to_string()).unwrap_or_default(),
                        row.text
                    );
                }
                for (i, sim) in extra {
                    println!(
                        "  EXTRA  {sim:.2} {}",
                        described(&parsed.recommendations[i])
                    );
                }
                if std::env::var_os("WG_DUMP").is_some() {
                    for rec in &parsed.recommendations {
                        println!("  REC {}", described(rec));
                        if let Some(explanation) = &rec.position_explanation {
                            println!("    EXPLANATION {explanation}");
                        }
                    }
                    for row in rows {
                        let state = row.state.map(|s| s.to_string()).unwrap_or_default();
                        println!("  ROW [{state}] {}", row.text);
                    }
                }
                for w in &parsed.warnings {
                    println!("  WARN {}: {}", w.location, w.message);
                }
            }
        }
        None => result.error = Some(format!("no ground truth for {} session {}", key.0, key.1)),
    }
    result
}

/// "93.4 [FRA,PER] Ratify …": a recommendation as the debug lines show it.
fn described(rec: &rightstrack_core::NewRecommendation) -> String {
    let states: Vec<String> = rec
        .recommending_states
        .iter()
        .map(|s| s.to_string())
        .collect();
    format!(
        "{} [{}] {}",
        rec.paragraph.as_deref().unwrap_or(""),
        states.join(","),
        rec.text
    )
}

/// The reports, sorted by name.
pub fn reports(data: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("wg-reports"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "pdf"));
    files.sort();
    files
}

pub fn print_row(r: &FileResult) {
    let s = &r.score;
    let review = r
        .review
        .map(|(st, se)| format!("{st} s{se}"))
        .unwrap_or_else(|| "?".into());
    println!(
        "{:<45} {:<9} rows {:>4} recs {:>4}  recall {:>6.1}%  precision {:>6.1}%  attribution {:>6.1}%  position {:>6.1}% ({:>3})  extract {:>5.0} ms  parse {:>5.1} ms{}",
        r.name,
        review,
        s.truth_rows,
        r.recommendations,
        100.0 * s.recall(),
        100.0 * s.precision(),
        100.0 * s.attribution(),
        100.0 * s.position(),
        s.position_checked,
        r.extract.as_secs_f64() * 1000.0,
        r.parse.as_secs_f64() * 1000.0,
        r.error.as_deref().map(|e| format!("  ERROR {e}")).unwrap_or_default()
    );
}

pub fn print_total(results: &[FileResult], wall: Duration) -> Score {
    let mut total = Score::default();
    for r in results {
        total.add(&r.score);
    }
    let extract: Duration = results.iter().map(|r| r.extract).sum();
    let parse: Duration = results.iter().map(|r| r.parse).sum();
    let mut per_file: Vec<Duration> = results.iter().map(|r| r.extract + r.parse).collect();
    per_file.sort();
    let median = per_file
        .get(per_file.len() / 2)
        .copied()
        .unwrap_or_default();
    let max = per_file.last().copied().unwrap_or_default();
    println!(
        "TOTAL {} files, {} failed: rows {} found {}  recall {:.2}%  precision {:.2}% ({} of {})  attribution {:.2}%  position {:.2}% ({} checked)",
        results.len(),
        results.iter().filter(|r| r.error.is_some()).count(),
        total.truth_rows,
        total.found,
        100.0 * total.recall(),
        100.0 * total.precision(),
        total.extracted_matched,
        total.extracted,
        100.0 * total.attribution(),
        100.0 * total.position(),
        total.position_checked,
    );
    let printed: usize = results.iter().map(|r| r.printed).sum();
    let printed_found: usize = results.iter().map(|r| r.printed_found).sum();
    println!(
        "PRINTED rows whose text the report prints as written: {printed} of {}; recall among them {:.2}% ({printed_found} found); the other {} rows were rewritten by the ground truth's editors",
        total.truth_rows,
        100.0 * printed_found as f64 / printed.max(1) as f64,
        total.truth_rows - printed,
    );
    let cut: usize = results.iter().map(|r| r.cut).sum();
    println!(
        "WHOLE printed rows the report also prints as one recommendation: {}; recall among them {:.2}%; the other {cut} printed rows, all missed, were cut by the ground truth's editors out of one recommendation that holds another row of the same state",
        printed - cut,
        100.0 * printed_found as f64 / (printed - cut).max(1) as f64,
    );
    let busy = (extract + parse).as_secs_f64().max(f64::EPSILON);
    println!(
        "TIME wall {:.2} s; per file median {:.0} ms, max {:.0} ms; extraction {:.2} s ({:.0}%), parsing {:.2} s ({:.0}%)",
        wall.as_secs_f64(),
        median.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0,
        extract.as_secs_f64(),
        100.0 * extract.as_secs_f64() / busy,
        parse.as_secs_f64(),
        100.0 * parse.as_secs_f64() / busy,
    );
    total
}
