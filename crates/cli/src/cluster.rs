//! `cluster`, `link` and `eval cluster`: the clustering of `rightstrack_text::cluster` over
//! the database (one state at a time, stored so that people can decide on it) and over
//! OHCHR's thematic lists, whose paragraphs are the truth.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rightstrack_core::{
    ClusterKind, Decision, LinkKind, NewRecommendation, Recommendation, RecommendationId,
    RecommendationLink, StateCode, Taxonomy,
};
use rightstrack_ingest::Format;
use rightstrack_store::{NewCluster, PageRequest, RecommendationFilter, Store};
use rightstrack_text::cluster::{
    cross_cycle_links_in, evaluate_against_groups, near_duplicates, near_duplicates_in,
    thematic_clusters_in, ClusterItem, LinkParams, Params, Space, ThematicParams,
};
use serde::Serialize;
use serde_json::json;

/// The states to work on: the one asked for, or every state with recommendations.
async fn states(store: &dyn Store, state: Option<StateCode>) -> Result<Vec<StateCode>> {
    Ok(match state {
        Some(s) => vec![s],
        None => store
            .reviewed_states(false)
            .await?
            .into_iter()
            .map(|(s, _)| s)
            .collect(),
    })
}

/// Every recommendation made to a state, in id order.
async fn of_state(store: &dyn Store, state: StateCode) -> Result<Vec<Recommendation>> {
    let filter = RecommendationFilter {
        state: Some(state),
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut after = RecommendationId(0);
    loop {
        let page = store
            .recommendations(
                &filter,
                PageRequest {
                    limit: 2000,
                    offset: 0,
                    after_id: Some(after),
                },
            )
            .await?;
        let Some(last) = page.items.last() else { break };
        after = last.id;
        out.extend(page.items);
    }
    Ok(out)
}

/// "Ratify · OP-CAT · NPM" from a group's shared terms.
fn title(terms: &[String]) -> String {
    let mut t = terms
        .iter()
        .take(3)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" · ");
    if t.is_empty() {
        t.push_str("(no shared terms)");
    }
    let mut chars = t.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => t,
    }
}

#[derive(Debug, Default, Serialize)]
pub struct ClusterReport {
    state: String,
    recommendations: usize,
    near_duplicate_groups: usize,
    /// Recommendations in a near-duplicate group.
    near_duplicates: usize,
    thematic_clusters: usize,
    /// Recommendations whose clusters changed (new revisions).
    changed: usize,
}

/// `rightstrack cluster`: near-duplicate groups and thematic clusters of each state, stored.
pub async fn cluster(store: &dyn Store, state: Option<StateCode>, json: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let reports = cluster_states(store, state).await?;
    print_clusters(&reports, started.elapsed().as_secs_f64(), json);
    Ok(ExitCode::SUCCESS)
}

/// Clusters each state (or the one given) and stores the clusters; what was done per state.
pub async fn cluster_states(
    store: &dyn Store,
    state: Option<StateCode>,
) -> Result<Vec<ClusterReport>> {
    let mut reports = Vec::new();
    for state in states(store, state).await? {
        let recs = of_state(store, state).await?;
        let (duplicates, themes) = tokio::task::spawn_blocking({
            let recs = recs.clone();
            move || {
                let items: Vec<ClusterItem> = recs.iter().map(ClusterItem::from_stored).collect();
                let params = Params::default();
                let space = Space::new(&items, &params);
                let ids = |members: &[usize], score: f32| -> Vec<(RecommendationId, f32)> {
                    members.iter().map(|&m| (recs[m].id, score)).collect()
                };
                let duplicates: Vec<NewCluster> = near_duplicates_in(&space, &items, &params)
                    .into_iter()
                    .filter(|g| g.members.len() > 1)
                    .map(|g| NewCluster {
                        title: title(&g.shared_terms),
                        members: ids(&g.members, g.score),
                        shared_terms: g.shared_terms,
                    })
                    .collect();
                let themes: Vec<NewCluster> =
                    thematic_clusters_in(&space, &items, &ThematicParams::default())
                        .into_iter()
                        .map(|c| NewCluster {
                            members: ids(&c.members, c.score),
                            title: c.title,
                            shared_terms: c.shared_terms,
                        })
                        .collect();
                (duplicates, themes)
            }
        })
        .await
        .context("clustering stopped unexpectedly")?;
        let mut report = ClusterReport {
            state: state.to_string(),
            recommendations: recs.len(),
            near_duplicate_groups: duplicates.len(),
            near_duplicates: duplicates.iter().map(|c| c.members.len()).sum(),
            thematic_clusters: themes.len(),
            changed: 0,
        };
        let mut changed = store
            .replace_clusters("system", state, ClusterKind::NearDuplicate, duplicates)
            .await
            .with_context(|| format!("{state}: storing the near-duplicate groups failed"))?;
        changed.extend(
            store
                .replace_clusters("system", state, ClusterKind::Thematic, themes)
                .await
                .with_context(|| format!("{state}: storing the thematic clusters failed"))?,
        );
        changed.sort();
        changed.dedup();
        report.changed = changed.len();
        reports.push(report);
    }
    Ok(reports)
}

fn print_clusters(reports: &[ClusterReport], seconds: f64, json: bool) {
    let total = |f: fn(&ClusterReport) -> usize| reports.iter().map(f).sum::<usize>();
    if json {
        println!(
            "{}",
            json!({
                "states": reports.len(),
                "recommendations": total(|r| r.recommendations),
                "near_duplicate_groups": total(|r| r.near_duplicate_groups),
                "near_duplicates": total(|r| r.near_duplicates),
                "thematic_clusters": total(|r| r.thematic_clusters),
                "changed": total(|r| r.changed),
                "seconds": seconds,
                "per_state": reports,
            })
        );
    } else {
        for r in reports {
            println!(
                "{}: {} recommendations, {} near-duplicate groups ({} recommendations), {} thematic clusters; {} changed",
                r.state, r.recommendations, r.near_duplicate_groups, r.near_duplicates, r.thematic_clusters, r.changed
            );
        }
        println!(
            "{} state(s): {} near-duplicate groups, {} thematic clusters stored in {seconds:.1} s",
            reports.len(),
            total(|r| r.near_duplicate_groups),
            total(|r| r.thematic_clusters)
        );
    }
}

#[derive(Debug, Default, Serialize)]
pub struct LinkReport {
    state: String,
    recommendations: usize,
    links: usize,
    /// Links by kind (repeats, follows_up, related).
    kinds: BTreeMap<String, usize>,
    /// Recommendations that repeat an earlier one made to the same state.
    repeating: usize,
    /// Links found through an explicit reference ("as previously recommended", "186.136").
    explicit: usize,
    /// Recommendations at either end of a changed link (new revisions).
    changed: usize,
}

/// `rightstrack link`: links of each state's recommendations to earlier ones, stored.
pub async fn link(store: &dyn Store, state: Option<StateCode>, json: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let reports = link_states(store, state).await?;
    print_links(&reports, started.elapsed().as_secs_f64(), json);
    Ok(ExitCode::SUCCESS)
}

/// Links each state's recommendations (or the one state's) to earlier ones and stores the
/// links; what was done per state.
pub async fn link_states(store: &dyn Store, state: Option<StateCode>) -> Result<Vec<LinkReport>> {
    let mut reports = Vec::new();
    for state in states(store, state).await? {
        let recs = of_state(store, state).await?;
        let found = tokio::task::spawn_blocking({
            let recs = recs.clone();
            move || {
                let items: Vec<ClusterItem> = recs.iter().map(ClusterItem::from_stored).collect();
                let space = Space::new(&items, &Params::default());
                cross_cycle_links_in(&space, &items, &LinkParams::default())
            }
        })
        .await
        .context("linking stopped unexpectedly")?;
        let mut report = LinkReport {
            state: state.to_string(),
            recommendations: recs.len(),
            links: found.len(),
            explicit: found.iter().filter(|l| l.explicit).count(),
            ..Default::default()
        };
        let mut repeating = std::collections::BTreeSet::new();
        for l in &found {
            *report.kinds.entry(l.kind.code().to_string()).or_default() += 1;
            if l.kind == LinkKind::Repeats {
                repeating.insert(l.from);
            }
        }
        report.repeating = repeating.len();
        let links: Vec<RecommendationLink> = found
            .into_iter()
            .map(|l| RecommendationLink {
                from: recs[l.from].id,
                to: recs[l.to].id,
                kind: l.kind,
                score: l.score,
                decision: Decision::Proposed,
            })
            .collect();
        report.changed = store
            .replace_links("system", state, links)
            .await
            .with_context(|| format!("{state}: storing the links failed"))?
            .len();
        reports.push(report);
    }
    Ok(reports)
}

fn print_links(reports: &[LinkReport], seconds: f64, json: bool) {
    let total = |f: fn(&LinkReport) -> usize| reports.iter().map(f).sum::<usize>();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for r in reports {
        for (k, n) in &r.kinds {
            *kinds.entry(k.clone()).or_default() += n;
        }
    }
    if json {
        println!(
            "{}",
            json!({
                "states": reports.len(),
                "recommendations": total(|r| r.recommendations),
                "links": total(|r| r.links),
                "kinds": kinds,
                "repeating": total(|r| r.repeating),
                "explicit": total(|r| r.explicit),
                "changed": total(|r| r.changed),
                "seconds": seconds,
                "per_state": reports,
            })
        );
    } else {
        for r in reports {
            let kinds: Vec<String> = r.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
            println!(
                "{}: {} recommendations, {} links to earlier ones ({}); {} repeat an earlier recommendation; {} changed",
                r.state,
                r.recommendations,
                r.links,
                if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") },
                r.repeating,
                r.changed
            );
        }
        println!(
            "{} state(s): {} links stored in {seconds:.1} s",
            reports.len(),
            total(|r| r.links)
        );
    }
}

fn themes(r: &NewRecommendation) -> Vec<String> {
    r.tags
        .iter()
        .filter(|(t, _)| *t == Taxonomy::UhriTheme)
        .map(|(_, c)| c.clone())
        .collect()
}

/// `rightstrack eval cluster`: each file clustered on its own (one review), scored together
/// against the paragraphs the source groups recommendations in and their UHRI themes.
pub fn evaluate(format: &str, files: &[PathBuf]) -> Result<ExitCode> {
    let format = Format::parse(format).map_err(anyhow::Error::msg)?;
    if format != Format::ThematicList {
        bail!("--format {format}: evaluating clusters needs the source's grouping: thematic-list");
    }
    let params = Params::default();
    let mut truth: Vec<Option<String>> = Vec::new();
    let mut theme_sets: Vec<Vec<String>> = Vec::new();
    let mut groups = Vec::new();
    for path in files {
        let (_, parsed) = rightstrack_ingest::parse_file(path, Some(format))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let recs = parsed.recommendations;
        let items: Vec<ClusterItem> = recs.iter().map(ClusterItem::from_new).collect();
        let offset = truth.len();
        groups.extend(near_duplicates(&items, &params).into_iter().map(|mut g| {
            g.members.iter_mut().for_each(|m| *m += offset);
            g
        }));
        truth.extend(recs.iter().map(|r| r.source_group.clone()));
        theme_sets.extend(recs.iter().map(themes));
    }
    let e = evaluate_against_groups(&truth, &theme_sets, &groups);
    println!(
        "{}",
        json!({
            "pair_recall": e.pair_recall,
            "theme_consistency": e.theme_consistency,
            "pairwise_precision": e.pairwise_precision,
            "pairwise_recall": e.pairwise_recall,
            "pairwise_f1": e.pairwise_f1,
            "n_items": e.n_items,
            "n_true_groups": e.n_true_groups,
            "n_pred_groups": e.n_pred_groups,
        })
    );
    Ok(ExitCode::SUCCESS)
}
