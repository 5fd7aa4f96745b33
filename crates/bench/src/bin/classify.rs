//! Tagging recommendations: our classifiers (crates/text) trained on UPR Info sessions
//! 1–12 and scored on sessions 13–16, against scikit-learn TF-IDF + logistic regression
//! (scripts/anchor_classify.py) run on the same split in the same run.
//!
//! `cargo run --release -p rightstrack-bench --bin classify [-- OPTION]`
//! - no option: the benchmark table;
//! - `--experiments`: the alternatives tried (docs/classification.md), without the anchor;
//! - `--write-default PATH`: trains the shipped default model on sessions 1–16 and writes it.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rightstrack_bench::{data_dir, median, report, time_runs, Figure};
use rightstrack_core::{NewRecommendation, Taxonomy};
use rightstrack_ingest::ImportOptions;
use rightstrack_text::metrics::{multi_label, single_label, MultiLabelReport};
use rightstrack_text::sdg::SdgMatcher;
use rightstrack_text::tokenize::TermConfig;
use rightstrack_text::upr::{self, ACTION_CATEGORY, ISSUES};
use rightstrack_text::{train, Loss, Model, TrainOptions};

const LAST_TRAINING_SESSION: u16 = 12;

fn session(r: &NewRecommendation) -> u16 {
    r.session.map(|s| s.number()).unwrap_or(0)
}

struct Scores {
    issues_micro: f64,
    issues_macro: f64,
    issues_samples: f64,
    action_macro: f64,
    action_accuracy: f64,
    train_seconds: f64,
    per_second: f64,
    model_bytes: usize,
    load_ms: f64,
}

fn evaluate(
    train_set: &[&NewRecommendation],
    test: &[&NewRecommendation],
    options: &TrainOptions,
) -> Result<(Model, Scores)> {
    let tasks = upr::examples(train_set);
    let start = Instant::now();
    let model = train(&tasks, options)?;
    let train_seconds = start.elapsed().as_secs_f64();

    let bytes = model.to_bytes();
    let loads = time_runs(5, || Ok(Model::from_bytes(&bytes)?))?;
    let model = Model::from_bytes(&bytes)?;

    let start = Instant::now();
    let predictions: Vec<_> = test.iter().map(|r| model.predict_all(&r.text)).collect();
    let per_second = test.len() as f64 / start.elapsed().as_secs_f64();

    let labels_of = |task: &str, i: usize| -> Vec<String> {
        predictions[i]
            .iter()
            .find(|p| p.task == task)
            .map(|p| p.labels.iter().map(|l| l.0.clone()).collect())
            .unwrap_or_default()
    };
    let (mut truth, mut pred) = (Vec::new(), Vec::new());
    let (mut a_truth, mut a_pred) = (Vec::new(), Vec::new());
    for (i, r) in test.iter().enumerate() {
        let issues: Vec<String> = r
            .tags
            .iter()
            .filter(|t| t.0 == Taxonomy::UprIssue)
            .map(|t| t.1.clone())
            .collect();
        if !issues.is_empty() {
            truth.push(issues);
            pred.push(labels_of(ISSUES, i));
        }
        if let Some(a) = r.action_category {
            a_truth.push(a.number().to_string());
            a_pred.push(
                labels_of(ACTION_CATEGORY, i)
                    .into_iter()
                    .next()
                    .unwrap_or_default(),
            );
        }
    }
    let issues = multi_label(&truth, &pred);
    let action = single_label(&a_truth, &a_pred);
    Ok((
        model,
        Scores {
            issues_micro: issues.micro_f1,
            issues_macro: issues.macro_f1,
            issues_samples: issues.samples_f1,
            action_macro: action.macro_f1,
            action_accuracy: action.accuracy,
            train_seconds,
            per_second,
            model_bytes: bytes.len(),
            load_ms: median(&loads).as_secs_f64() * 1000.0,
        },
    ))
}

#[derive(serde::Deserialize)]
struct Anchor {
    issues_micro_f1: f64,
    issues_macro_f1: f64,
    action_macro_f1: f64,
    action_accuracy: f64,
    train_seconds: f64,
    predictions_per_second: f64,
}

fn anchor(data: &Path) -> Result<Anchor> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("python3")
        .arg(root.join("scripts/anchor_classify.py"))
        .arg(data)
        .output()
        .context("cannot run python3 scripts/anchor_classify.py")?;
    if !out.status.success() {
        bail!(
            "the anchor failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("the anchor printed {line:?}"))
}

/// SDG goals suggested by the matcher against those OHCHR gave the recommendations of a
/// cycle-3 thematic list; `verbose` prints the disagreements.
fn sdg_goals(data: &Path, matcher: &SdgMatcher, verbose: bool) -> Result<MultiLabelReport> {
    let path = data.join("ohchr-thematic-lists/slovenia-cycle3-2019.docx");
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let parsed = rightstrack_ingest::thematic_list::parse(
        &path.display().to_string(),
        &bytes,
        &ImportOptions::default(),
    )?;
    let (mut truth, mut pred) = (Vec::new(), Vec::new());
    for r in &parsed.recommendations {
        let mut t: Vec<u8> = r
            .tags
            .iter()
            .filter(|t| t.0 == Taxonomy::SdgGoal)
            .filter_map(|t| t.1.parse().ok())
            .collect();
        t.sort_unstable();
        let mut p: Vec<u8> = matcher
            .matches(&r.text)
            .goals
            .iter()
            .map(|g| g.0.number())
            .collect();
        p.sort_unstable();
        if verbose && t != p {
            println!("truth {t:?} predicted {p:?}: {}", r.text);
        }
        truth.push(t);
        pred.push(p);
    }
    Ok(multi_label(&truth, &pred))
}

/// The settings we ship; `--experiments` shows why.
fn chosen() -> TrainOptions {
    TrainOptions {
        description: "UPR Info database export (shared/data/upr-info)".into(),
        ..TrainOptions::default()
    }
}

fn experiments(train_set: &[&NewRecommendation], test: &[&NewRecommendation]) -> Result<()> {
    let base = chosen();
    let variants: Vec<(&str, TrainOptions)> = vec![
        ("chosen", base.clone()),
        (
            "with 5 neighbours (max_df 0.05)",
            TrainOptions {
                neighbours: 5,
                ..base.clone()
            },
        ),
        (
            "with 5 neighbours (max_df 0.01)",
            TrainOptions {
                neighbours: 5,
                neighbour_max_df: 0.01,
                ..base.clone()
            },
        ),
        (
            "logistic loss",
            TrainOptions {
                loss: Loss::Logistic,
                c: 4.0,
                ..base.clone()
            },
        ),
        (
            "per-label thresholds",
            TrainOptions {
                per_label_thresholds: true,
                ..base.clone()
            },
        ),
        (
            "C 0.25",
            TrainOptions {
                c: 0.25,
                ..base.clone()
            },
        ),
        (
            "C 1",
            TrainOptions {
                c: 1.0,
                ..base.clone()
            },
        ),
        (
            "no lead words",
            TrainOptions {
                terms: TermConfig {
                    lead_words: 0,
                    ..base.terms
                },
                ..base.clone()
            },
        ),
        (
            "balanced classes",
            TrainOptions {
                balanced: true,
                ..base.clone()
            },
        ),
        (
            "min_df 1",
            TrainOptions {
                min_df: 1,
                ..base.clone()
            },
        ),
        (
            "min_df 3",
            TrainOptions {
                min_df: 3,
                ..base.clone()
            },
        ),
        (
            "char 3-5-grams",
            TrainOptions {
                terms: TermConfig {
                    char_ngrams: (3, 5),
                    ..base.terms
                },
                ..base.clone()
            },
        ),
    ];
    println!("| variant | issues micro-F1 | issues macro-F1 | action macro-F1 | action accuracy | train s | pred/s | model MB |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, options) in variants {
        let (_, s) = evaluate(train_set, test, &options)?;
        println!(
            "| {name} | {:.4} | {:.4} | {:.4} | {:.4} | {:.1} | {:.0} | {:.2} |",
            s.issues_micro,
            s.issues_macro,
            s.action_macro,
            s.action_accuracy,
            s.train_seconds,
            s.per_second,
            s.model_bytes as f64 / 1e6
        );
    }
    Ok(())
}

fn write_default(
    recs: &[NewRecommendation],
    train_set: &[&NewRecommendation],
    test: &[&NewRecommendation],
    path: &Path,
) -> Result<()> {
    // The figures it ships with come from the honest protocol; then it learns from all.
    let (_, s) = evaluate(train_set, test, &chosen())?;
    let all: Vec<&NewRecommendation> = recs.iter().collect();
    let mut options = chosen();
    options.description = format!(
        "UPR Info database export, sessions 1-16 (shared/data/upr-info), {} recommendations; evaluation figures from training on sessions 1-12 and testing on 13-16",
        all.len()
    );
    let mut model = train(&upr::examples(&all), &options)?;
    model.set_evaluation("test.upr_issue.micro_f1", s.issues_micro);
    model.set_evaluation("test.upr_issue.macro_f1", s.issues_macro);
    model.set_evaluation("test.upr_action_category.macro_f1", s.action_macro);
    model.set_evaluation("test.upr_action_category.accuracy", s.action_accuracy);
    let bytes = model.to_bytes();
    std::fs::write(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "wrote {} ({} bytes)\n{}",
        path.display(),
        bytes.len(),
        model.description()
    );
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = data_dir()?;
    let recs = rightstrack_bench::upr_info()?;
    let (train_set, test): (Vec<&NewRecommendation>, Vec<&NewRecommendation>) = recs
        .iter()
        .partition(|r| session(r) <= LAST_TRAINING_SESSION);
    match args.first().map(String::as_str) {
        Some("--experiments") => return experiments(&train_set, &test),
        Some("--sdg") => {
            let r = sdg_goals(&data, &SdgMatcher::new(), true)?;
            println!(
                "SDG goals: n {} micro-F1 {:.3} macro-F1 {:.3}",
                r.n, r.micro_f1, r.macro_f1
            );
            for (lexical, threshold) in [(0.0, 0.5), (2.0, 0.5), (1.0, 0.4), (1.0, 0.6)] {
                let mut matcher = SdgMatcher::new();
                matcher.lexical_weight = lexical;
                matcher.threshold = threshold;
                let r = sdg_goals(&data, &matcher, false)?;
                println!("lexical weight {lexical}, threshold {threshold}: micro-F1 {:.3} macro-F1 {:.3}", r.micro_f1, r.macro_f1);
            }
            return Ok(());
        }
        Some("--write-default") => {
            let path = args.get(1).context("--write-default needs a path")?;
            return write_default(&recs, &train_set, &test, Path::new(path));
        }
        Some(other) => {
            bail!("unknown option {other}: expected --experiments or --write-default PATH")
        }
        None => {}
    }
    println!(
        "{} recommendations: {} for training (sessions 1-12), {} for testing (13-16)",
        recs.len(),
        train_set.len(),
        test.len()
    );
    let (_, ours) = evaluate(&train_set, &test, &chosen())?;
    let sdg = sdg_goals(&data, &SdgMatcher::new(), false)?;
    let base = anchor(&data)?;
    let name = "scikit-learn TF-IDF + LR";
    let b = "classify";
    report(&[
        Figure::new(b, "issues micro-F1", ours.issues_micro, "")
            .against(name, base.issues_micro_f1)
            .target(">= anchor + 0.03"),
        Figure::new(b, "issues macro-F1", ours.issues_macro, "")
            .against(name, base.issues_macro_f1),
        Figure::new(b, "issues samples-F1", ours.issues_samples, ""),
        Figure::new(b, "action category macro-F1", ours.action_macro, "")
            .against(name, base.action_macro_f1)
            .target(">= anchor + 0.03"),
        Figure::new(b, "action category accuracy", ours.action_accuracy, "")
            .against(name, base.action_accuracy),
        Figure::new(b, "training time", ours.train_seconds, "s")
            .against(name, base.train_seconds)
            .target("< 30 s"),
        Figure::new(b, "predictions, one core", ours.per_second, "/s")
            .against(name, base.predictions_per_second)
            .target(">= 50000/s"),
        Figure::new(b, "model size", ours.model_bytes as f64 / 1e6, "MB").target("a few MB"),
        Figure::new(b, "model load", ours.load_ms, "ms").target("< 200 ms"),
        Figure::new(
            b,
            "SDG goals micro-F1 (OHCHR list, Slovenia cycle 3)",
            sdg.micro_f1,
            "",
        )
        .target(">= 0.75"),
        Figure::new(
            b,
            "SDG goals macro-F1 (OHCHR list, Slovenia cycle 3)",
            sdg.macro_f1,
            "",
        ),
    ])
}
