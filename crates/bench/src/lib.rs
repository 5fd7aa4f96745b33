//! Shared pieces of the benchmarks: where the real data is, timing with medians, and the
//! report every benchmark prints (a table for people, a JSON line for `scripts/bench`).

pub mod corpus;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

/// `../shared/data` beside the project, or `RIGHTSTRACK_DATA`.
pub fn data_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::var_os("RIGHTSTRACK_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    anyhow::ensure!(
        dir.is_dir(),
        "the benchmark data folder {} is absent: set RIGHTSTRACK_DATA",
        dir.display()
    );
    Ok(dir)
}

/// The files of `<data>/<folder>` whose name ends in `.ext`, sorted by name.
pub fn data_files(folder: &str, ext: &str) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context;
    let dir = data_dir()?.join(folder);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    paths.sort();
    Ok(paths)
}

/// The UPR Info export (sessions 1–16) as the importer parses it, file by file in name order.
pub fn upr_info() -> anyhow::Result<Vec<rightstrack_core::NewRecommendation>> {
    use anyhow::Context;
    let mut all = Vec::new();
    for path in data_files("upr-info", "csv")? {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        all.extend(
            rightstrack_ingest::upr_info::parse(&path.display().to_string(), &bytes)?
                .recommendations,
        );
    }
    Ok(all)
}

/// Runs `f` `runs` times and returns the durations, sorted.
pub fn time_runs<T>(
    runs: usize,
    mut f: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(f()?);
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times)
}

/// A memory figure of a process from /proc (`VmRSS`: resident now, `VmHWM`: the peak), in
/// MiB; NaN where /proc does not say (not Linux).
pub fn proc_memory_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Starts measuring this process's peak memory afresh (Linux: writing 5 to clear_refs
/// resets `VmHWM` to the current resident size), so that [`proc_memory_mib`]`(…, "VmHWM")`
/// afterwards is the peak of what ran in between.
pub fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn median(sorted: &[Duration]) -> Duration {
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// One measured figure, beside its baseline where it has one.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub benchmark: String,
    pub metric: String,
    pub value: f64,
    pub unit: String,
    pub baseline_name: Option<String>,
    pub baseline: Option<f64>,
    /// value / baseline.
    pub ratio: Option<f64>,
    pub target: Option<String>,
}

impl Figure {
    pub fn new(benchmark: &str, metric: &str, value: f64, unit: &str) -> Self {
        Self {
            benchmark: benchmark.into(),
            metric: metric.into(),
            value,
            unit: unit.into(),
            baseline_name: None,
            baseline: None,
            ratio: None,
            target: None,
        }
    }

    pub fn against(mut self, name: &str, baseline: f64) -> Self {
        self.baseline_name = Some(name.into());
        self.baseline = Some(baseline);
        self.ratio = (baseline != 0.0).then(|| self.value / baseline);
        self
    }

    pub fn target(mut self, target: &str) -> Self {
        self.target = Some(target.into());
        self
    }
}

/// Prints figures as a table and, last, one `BENCH-JSON` line that `scripts/bench` collects.
pub fn report(figures: &[Figure]) -> anyhow::Result<()> {
    println!("| benchmark | metric | value | baseline | ratio | target |");
    println!("| --- | --- | ---: | ---: | ---: | --- |");
    for f in figures {
        let baseline = match (&f.baseline_name, f.baseline) {
            (Some(n), Some(b)) => format!("{b:.3} {} ({n})", f.unit),
            _ => "–".into(),
        };
        let ratio = f
            .ratio
            .map(|r| format!("{r:.2}×"))
            .unwrap_or_else(|| "–".into());
        println!(
            "| {} | {} | {:.3} {} | {baseline} | {ratio} | {} |",
            f.benchmark,
            f.metric,
            f.value,
            f.unit,
            f.target.as_deref().unwrap_or("")
        );
    }
    println!("BENCH-JSON {}", serde_json::to_string(figures)?);
    Ok(())
}
