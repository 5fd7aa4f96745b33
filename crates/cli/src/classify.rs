//! `train`, `classify` and `eval classify`: the classifiers of `rightstrack-text` over the
//! database and over labelled files.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rightstrack_core::{Recommendation, RecommendationId, SdgTarget, Taxonomy};
use rightstrack_ingest::Format;
use rightstrack_store::review::PredictedCategory;
use rightstrack_store::{
    Contribution, PageRequest, RecommendationFilter, Revision, Store, Suggestion,
};
use rightstrack_text::metrics::{multi_label, single_label, LabelScore};
use rightstrack_text::sdg::SdgMatcher;
use rightstrack_text::upr::{self, ACTION_CATEGORY};
use rightstrack_text::{Model, TaskSpec, TrainOptions, TrainingExample};
use serde_json::{json, Value};

/// The model shipped with rightstrack, trained on the UPR Info export by the command in
/// docs/classification.md, so that a fresh install tags at once.
const DEFAULT_MODEL: &[u8] = include_bytes!("../../../models/default.rtm");

/// Multi-label tasks a stored model can learn, by taxonomy, with the `--task` name.
const TAXONOMY_TASKS: [(&str, Taxonomy); 3] = [
    ("issues", Taxonomy::UprIssue),
    ("themes", Taxonomy::UhriTheme),
    ("affected_persons", Taxonomy::AffectedPersons),
];
/// A taxonomy with fewer labelled recommendations than this is not worth a model.
const MIN_EXAMPLES: usize = 200;

/// A model and the version string its suggestions are stored under.
struct LoadedModel {
    model: Model,
    version: String,
}

fn load_model(path: Option<&Path>) -> Result<LoadedModel> {
    let (bytes, name) = match path {
        Some(p) => (
            std::fs::read(p).with_context(|| format!("cannot read the model {}", p.display()))?,
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
        None => (DEFAULT_MODEL.to_vec(), "default".to_string()),
    };
    let model =
        Model::from_bytes(&bytes).with_context(|| format!("the model {name} cannot be read"))?;
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&bytes)[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(LoadedModel {
        model,
        version: format!("model {name} {digest}"),
    })
}

/// Every recommendation of the database, a batch at a time.
async fn all_recommendations(store: &dyn Store) -> Result<Vec<Recommendation>> {
    let mut out = Vec::new();
    let mut after = Revision::default();
    loop {
        let batch = store.changed_since(after, 5000).await?;
        let Some(last) = batch.last().map(|c| c.0) else {
            break;
        };
        after = last;
        out.extend(batch.into_iter().map(|(_, r)| r));
    }
    Ok(out)
}

fn ground_truth(rec: &Recommendation, taxonomy: Taxonomy) -> Vec<String> {
    rec.tags
        .iter()
        .filter(|t| t.taxonomy == taxonomy && t.provenance.is_ground_truth())
        .map(|t| t.code.clone())
        .collect()
}

fn group(rec: &Recommendation) -> u32 {
    rec.session.map(|s| u32::from(s.number())).unwrap_or(0)
}

pub async fn train(store: &dyn Store, task: &str, output: &Path, json: bool) -> Result<ExitCode> {
    let known: Vec<&str> = TAXONOMY_TASKS
        .iter()
        .map(|t| t.0)
        .chain(["action_category", "all"])
        .collect();
    if !known.contains(&task) {
        bail!("--task {task:?} is not known: use {}", known.join(", "));
    }
    let recs = all_recommendations(store).await?;
    let mut tasks: Vec<(TaskSpec, Vec<TrainingExample>)> = Vec::new();
    for (name, taxonomy) in TAXONOMY_TASKS {
        if task != "all" && task != name {
            continue;
        }
        let examples: Vec<TrainingExample> = recs
            .iter()
            .filter_map(|r| {
                let labels = ground_truth(r, taxonomy);
                (!labels.is_empty()).then(|| TrainingExample {
                    text: r.text.clone(),
                    labels,
                    group: group(r),
                })
            })
            .collect();
        if examples.len() >= MIN_EXAMPLES || task == name {
            tasks.push((upr::taxonomy_task(taxonomy), examples));
        }
    }
    if task == "all" || task == "action_category" {
        let examples: Vec<TrainingExample> = recs
            .iter()
            .filter_map(|r| {
                Some(TrainingExample {
                    text: r.text.clone(),
                    labels: vec![r.action_category?.number().to_string()],
                    group: group(r),
                })
            })
            .collect();
        if examples.len() >= MIN_EXAMPLES || task == "action_category" {
            tasks.push((upr::action_category_task(), examples));
        }
    }
    if tasks.iter().all(|(_, e)| e.is_empty()) {
        bail!("the database has no labelled recommendations for {task}: import labelled data first (UPR Info export, thematic lists)");
    }
    let counts: Vec<(String, usize)> = tasks
        .iter()
        .map(|(t, e)| (t.name.clone(), e.len()))
        .collect();
    let options = TrainOptions {
        description: format!(
            "trained by rightstrack train from a database of {} recommendations: {}",
            recs.len(),
            counts
                .iter()
                .map(|(t, n)| format!("{t} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ..TrainOptions::default()
    };
    let started = Instant::now();
    let model = tokio::task::spawn_blocking(move || rightstrack_text::train(&tasks, &options))
        .await
        .context("training stopped unexpectedly")??;
    let bytes = model.to_bytes();
    std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    if json {
        println!(
            "{}",
            json!({"model": output.display().to_string(), "bytes": bytes.len(), "seconds": seconds, "examples": counts})
        );
    } else {
        for (t, n) in &counts {
            println!("{t}: {n} labelled recommendations");
        }
        println!(
            "wrote {} ({} bytes) in {seconds:.1} s",
            output.display(),
            bytes.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How many terms a suggestion keeps as its explanation.
const EXPLANATION_TERMS: usize = 8;

/// The suggestions of one recommendation: the model's tasks and SDG goals and targets,
/// each with the terms that drove it.
fn suggestions(model: &Model, sdg: &SdgMatcher, rec: &Recommendation) -> Vec<Suggestion> {
    let mut out = Vec::new();
    let mut push = |taxonomy: Taxonomy, code: String, confidence: f32, explanation| {
        if let Ok(term) = taxonomy.term(&code) {
            out.push(Suggestion {
                recommendation_id: rec.id,
                taxonomy,
                code: term.code,
                label: term.label,
                confidence,
                explanation,
            });
        }
    };
    for (_, taxonomy) in TAXONOMY_TASKS {
        for (label, confidence) in model.predict(taxonomy.code(), &rec.text) {
            let explanation = explanation(model, taxonomy.code(), &rec.text, &label);
            push(taxonomy, label, confidence, explanation);
        }
    }
    let found = sdg.matches(&rec.text);
    let sdg_explanation = |code: &str| -> Vec<Contribution> {
        sdg.explain(&rec.text, code, EXPLANATION_TERMS)
            .into_iter()
            .map(|(term, weight)| Contribution { term, weight })
            .collect()
    };
    for (goal, confidence) in found.goals {
        let code = goal.to_string();
        push(
            Taxonomy::SdgGoal,
            code.clone(),
            confidence,
            sdg_explanation(&code),
        );
    }
    for (target, confidence) in found.targets {
        push(
            Taxonomy::SdgTarget,
            target.to_string(),
            confidence,
            sdg_explanation(target),
        );
    }
    out
}

/// The terms of `text` that drove `label` of `task`, as the review queue shows them.
fn explanation(model: &Model, task: &str, text: &str, label: &str) -> Vec<Contribution> {
    model
        .explain(task, text, label, EXPLANATION_TERMS)
        .into_iter()
        .map(|(term, weight)| Contribution { term, weight })
        .collect()
}

/// The action category the model predicts for a recommendation, with its specificity.
fn predicted_category(model: &Model, rec: &Recommendation) -> Option<PredictedCategory> {
    let (category, confidence) = upr::action_category(model, &rec.text)?;
    Some(PredictedCategory {
        recommendation_id: rec.id,
        category,
        confidence,
        specificity: category.specificity(),
        model_version: String::new(),
        explanation: explanation(
            model,
            ACTION_CATEGORY,
            &rec.text,
            &category.number().to_string(),
        ),
    })
}

pub async fn classify(
    store: &dyn Store,
    filter: &RecommendationFilter,
    model: Option<&Path>,
    json: bool,
) -> Result<ExitCode> {
    let loaded = load_model(model)?;
    let sdg = SdgMatcher::new();
    let started = Instant::now();
    let (mut recommendations, mut stored, mut categories) = (0, 0, 0);
    let mut after = RecommendationId(0);
    loop {
        let page = store
            .recommendations(
                filter,
                PageRequest {
                    limit: 1000,
                    offset: 0,
                    after_id: Some(after),
                },
            )
            .await?;
        let Some(last) = page.items.last() else { break };
        after = last.id;
        let ids: Vec<RecommendationId> = page.items.iter().map(|r| r.id).collect();
        let proposed: Vec<Suggestion> = page
            .items
            .iter()
            .flat_map(|r| suggestions(&loaded.model, &sdg, r))
            .collect();
        let predicted: Vec<PredictedCategory> = page
            .items
            .iter()
            .filter_map(|r| predicted_category(&loaded.model, r))
            .collect();
        recommendations += ids.len();
        stored += store
            .replace_suggestions("system", &loaded.version, &ids, proposed)
            .await?;
        categories += store
            .replace_predicted_categories("system", &loaded.version, &ids, predicted)
            .await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    if json {
        println!(
            "{}",
            json!({"model": loaded.version, "recommendations": recommendations, "suggestions": stored, "action_categories": categories, "seconds": seconds})
        );
    } else {
        println!("{recommendations} recommendations classified by {}: {stored} suggestions and {categories} action categories stored in {seconds:.1} s", loaded.version);
    }
    Ok(ExitCode::SUCCESS)
}

fn labels_json(per_label: &[LabelScore]) -> Value {
    let map: serde_json::Map<String, Value> = per_label
        .iter()
        .map(|l| (l.label.clone(), json!({"precision": l.precision, "recall": l.recall, "f1": l.f1, "support": l.support})))
        .collect();
    Value::Object(map)
}

fn multi_json(truth: &[Vec<String>], predicted: &[Vec<String>]) -> Value {
    let r = multi_label(truth, predicted);
    json!({"n": r.n, "micro_f1": r.micro_f1, "macro_f1": r.macro_f1, "samples_f1": r.samples_f1, "exact_match": r.exact_match, "labels": labels_json(&r.per_label)})
}

pub fn evaluate(
    format: &str,
    model: Option<&Path>,
    files: &[std::path::PathBuf],
) -> Result<ExitCode> {
    let format = Format::parse(format).map_err(anyhow::Error::msg)?;
    if !matches!(format, Format::UprInfoCsv | Format::ThematicList) {
        bail!("--format {format}: evaluation reads labelled files: upr-info-csv or thematic-list");
    }
    let loaded = load_model(model)?;
    let sdg = SdgMatcher::new();
    let mut recs = Vec::new();
    for path in files {
        let (_, parsed) = rightstrack_ingest::parse_file(path, Some(format))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        recs.extend(parsed.recommendations);
    }
    let labels_of = |r: &rightstrack_core::NewRecommendation, taxonomy: Taxonomy| -> Vec<String> {
        let mut codes: Vec<String> = r
            .tags
            .iter()
            .filter(|(t, _)| *t == taxonomy)
            .filter_map(|(t, v)| t.term(v).ok().map(|term| term.code))
            .collect();
        codes.sort();
        codes.dedup();
        codes
    };
    let mut tasks = BTreeMap::new();
    // Model tasks, on the recommendations that carry labels for them.
    for (name, taxonomy) in TAXONOMY_TASKS {
        if loaded.model.labels(taxonomy.code()).is_none() {
            continue;
        }
        let (truth, predicted): (Vec<_>, Vec<_>) = recs
            .iter()
            .map(|r| (labels_of(r, taxonomy), r))
            .filter(|(t, _)| !t.is_empty())
            .map(|(t, r)| {
                let mut p: Vec<String> = loaded
                    .model
                    .predict(taxonomy.code(), &r.text)
                    .into_iter()
                    .map(|l| l.0)
                    .collect();
                p.sort();
                (t, p)
            })
            .unzip();
        if !truth.is_empty() {
            tasks.insert(name.to_string(), multi_json(&truth, &predicted));
        }
    }
    let (truth, predicted): (Vec<String>, Vec<String>) = recs
        .iter()
        .filter_map(|r| {
            let t = r.action_category?.number().to_string();
            let p = loaded
                .model
                .predict(ACTION_CATEGORY, &r.text)
                .into_iter()
                .next()?
                .0;
            Some((t, p))
        })
        .unzip();
    if !truth.is_empty() {
        let r = single_label(&truth, &predicted);
        tasks.insert(
            "action_category".to_string(),
            json!({"n": r.n, "accuracy": r.accuracy, "macro_f1": r.macro_f1, "labels": labels_json(&r.per_label)}),
        );
    }
    // SDG goals and targets from the matcher, on the recommendations the file labels.
    for (name, taxonomy) in [
        ("sdg_goals", Taxonomy::SdgGoal),
        ("sdg_targets", Taxonomy::SdgTarget),
    ] {
        let (truth, predicted): (Vec<_>, Vec<_>) = recs
            .iter()
            .map(|r| (labels_of(r, taxonomy), r))
            .filter(|(t, _)| !t.is_empty())
            .map(|(t, r)| {
                let found = sdg.matches(&r.text);
                let mut p: Vec<String> = match taxonomy {
                    Taxonomy::SdgGoal => found.goals.iter().map(|g| g.0.to_string()).collect(),
                    _ => found
                        .targets
                        .iter()
                        .filter_map(|t| SdgTarget::parse(t.0).ok())
                        .map(|t| t.code.to_string())
                        .collect(),
                };
                p.sort();
                (t, p)
            })
            .unzip();
        if !truth.is_empty() {
            tasks.insert(name.to_string(), multi_json(&truth, &predicted));
        }
    }
    println!("{}", Value::Object(tasks.into_iter().collect()));
    Ok(ExitCode::SUCCESS)
}
