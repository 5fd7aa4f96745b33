//! Fidelity of the Working Group report importer on the real reports in shared/data:
//! per-file recall, precision, attribution and position accuracy against the UPR Info
//! rows of the same review, extraction and parsing time, and totals.
//!
//! `cargo run --release -p rightstrack-ingest --example wg_fidelity [-- NAME-FILTER]`

#[path = "../tests/common/wg_eval.rs"]
mod wg_eval;

use std::time::Instant;

fn main() {
    let data = wg_eval::data_dir();
    if !data.join("wg-reports").is_dir() {
        println!(
            "{} is absent: nothing to evaluate",
            data.join("wg-reports").display()
        );
        return;
    }
    let truth = match wg_eval::load_truth(&data) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read the UPR Info ground truth: {e}");
            std::process::exit(1);
        }
    };
    let filter = std::env::args().nth(1).unwrap_or_default();
    let started = Instant::now();
    let mut results = Vec::new();
    for path in wg_eval::reports(&data) {
        if !path.to_string_lossy().contains(&filter) {
            continue;
        }
        let r = wg_eval::evaluate(&path, &truth);
        wg_eval::print_row(&r);
        results.push(r);
    }
    wg_eval::print_total(&results, started.elapsed());
}
