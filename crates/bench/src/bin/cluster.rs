//! Clustering recommendations (crates/text/src/cluster): near-duplicate groups scored
//! against OHCHR's hand-made paragraphs in the thematic lists, grouping speed on the UPR
//! Info export (29k, and multiplied towards UHRI's 270k), one state's record clustered and
//! linked, and our MinHash LSH beside `datasketch` (scripts/anchor_cluster.py) in the same
//! run, both scored against exact Jaccard on a sample.
//!
//! `cargo run --release -p rightstrack-bench --bin cluster [-- OPTION]`
//! - no option: the benchmark table;
//! - `--eval`: the evaluation only, with the settings tried (docs/clustering.md);
//! - `--examples N`: N groups OHCHR did not make, for judging precision by hand.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rightstrack_bench::{
    corpus, data_files, median, proc_memory_mib, report, reset_peak_memory, time_runs, Figure,
};
use rightstrack_core::{Cycle, NewRecommendation, Session, Taxonomy};
use rightstrack_ingest::ImportOptions;
use rightstrack_text::cluster::{
    cross_cycle_links_in, evaluate_against_groups, minhash, near_duplicates, near_duplicates_in,
    thematic_clusters_in, Blocking, ClusterItem, Evaluation, Group, LinkKind, LinkParams, Linkage,
    Normalisation, Params, Scope, Space, ThematicParams,
};

const LAST_EARLY_SESSION: u16 = 12;
const NUM_PERM: usize = 128;
const JACCARD: f32 = 0.5;

struct List {
    name: String,
    recs: Vec<NewRecommendation>,
}

fn thematic_lists() -> Result<Vec<List>> {
    let paths = data_files("ohchr-thematic-lists", "docx")?;
    let mut lists = Vec::new();
    for p in paths {
        let bytes = std::fs::read(&p)?;
        let parsed = rightstrack_ingest::thematic_list::parse(
            &p.display().to_string(),
            &bytes,
            &ImportOptions::default(),
        )?;
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        lists.push(List {
            name,
            recs: parsed.recommendations,
        });
    }
    Ok(lists)
}

fn themes(r: &NewRecommendation) -> Vec<String> {
    r.tags
        .iter()
        .filter(|(t, _)| *t == Taxonomy::UhriTheme)
        .map(|(_, c)| c.clone())
        .collect()
}

/// Near-duplicate groups within one list (one review), scored against its paragraphs.
fn evaluate_list(list: &List, params: &Params) -> (Evaluation, Vec<Group>) {
    let items: Vec<ClusterItem> = list.recs.iter().map(ClusterItem::from_new).collect();
    let groups = near_duplicates(&items, params);
    let truth: Vec<Option<&str>> = list
        .recs
        .iter()
        .map(|r| r.source_group.as_deref())
        .collect();
    let theme_sets: Vec<Vec<String>> = list.recs.iter().map(themes).collect();
    let theme_refs: Vec<Vec<&str>> = theme_sets
        .iter()
        .map(|t| t.iter().map(String::as_str).collect())
        .collect();
    (
        evaluate_against_groups(&truth, &theme_refs, &groups),
        groups,
    )
}

/// Every list clustered on its own, scored together.
fn evaluate_all(lists: &[List], params: &Params) -> Evaluation {
    let mut truth: Vec<Option<&str>> = Vec::new();
    let mut theme_refs: Vec<Vec<String>> = Vec::new();
    let mut groups = Vec::new();
    for list in lists {
        let offset = truth.len();
        let (_, gs) = evaluate_list(list, params);
        groups.extend(gs.into_iter().map(|mut g| {
            g.members.iter_mut().for_each(|m| *m += offset);
            g
        }));
        truth.extend(list.recs.iter().map(|r| r.source_group.as_deref()));
        theme_refs.extend(list.recs.iter().map(themes));
    }
    evaluate_against_groups(&truth, &theme_refs, &groups)
}

fn line(name: &str, e: &Evaluation) {
    println!(
        "| {name} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
        e.n_items,
        e.n_true_groups,
        e.n_pred_groups,
        e.pair_recall,
        e.theme_consistency,
        e.pairwise_precision,
        e.pairwise_recall,
        e.pairwise_f1
    );
}

fn header() {
    println!("| list | items | OHCHR groups | our groups | pair_recall | theme_consistency | pairwise P | pairwise R | pairwise F1 |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
}

fn settings() -> Vec<(String, Params)> {
    let mut out = Vec::new();
    let base = Params {
        blocking: Blocking::Exhaustive,
        ..Params::default()
    };
    let plain = Normalisation {
        domain: false,
        ..Normalisation::default()
    };
    for t in [0.2, 0.3, 0.4, 0.5] {
        out.push((
            format!("plain words, single {t}"),
            Params {
                threshold: t,
                linkage: Linkage::Single,
                normalisation: plain,
                containment: 0.0,
                bigrams: false,
                ..base.clone()
            },
        ));
    }
    for (linkage, name) in [(Linkage::Single, "single"), (Linkage::Complete, "complete")] {
        for t in [0.2, 0.3, 0.4] {
            out.push((
                format!("domain, {name} {t}"),
                Params {
                    threshold: t,
                    linkage,
                    ..base.clone()
                },
            ));
        }
    }
    for prefix in [0u8, 5] {
        for parent in [false, true] {
            for containment in [0.0f32, 0.5, 0.7] {
                for t in [0.12f32, 0.15, 0.18, 0.2, 0.25, 0.3, 0.4] {
                    out.push((
                        format!("domain, prefix {prefix}, parent {parent}, containment {containment}, average {t}"),
                        Params {
                            threshold: t,
                            containment,
                            normalisation: Normalisation {
                                domain: true,
                                prefix,
                                protocol_parent: parent,
                            },
                            ..base.clone()
                        },
                    ));
                }
            }
        }
    }
    out
}

/// The settings tried, each list and all; then leave-one-list-out: the threshold chosen on
/// two lists (highest pair recall with theme consistency ≥ 0.95) scored on the third.
fn experiments(lists: &[List]) {
    header();
    let all = settings();
    let mut scores: Vec<Vec<Evaluation>> = Vec::new();
    for (name, params) in &all {
        let per: Vec<Evaluation> = lists.iter().map(|l| evaluate_list(l, params).0).collect();
        for (l, e) in lists.iter().zip(&per) {
            line(&format!("{name} · {}", l.name), e);
        }
        line(&format!("**{name} · all**"), &evaluate_all(lists, params));
        scores.push(per);
    }
    println!("\nleave-one-list-out (choose on the other lists: best pair recall at theme consistency >= 0.95):");
    for (held, list) in lists.iter().enumerate() {
        let others: Vec<&List> = lists
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != held)
            .map(|(_, l)| l)
            .collect();
        let pick = all
            .iter()
            .enumerate()
            .filter(|(_, (_, p))| p.normalisation.domain)
            .map(|(k, (_, p))| {
                let owned: Vec<List> = others
                    .iter()
                    .map(|l| List {
                        name: l.name.clone(),
                        recs: l.recs.clone(),
                    })
                    .collect();
                (k, evaluate_all(&owned, p))
            })
            .filter(|(_, e)| e.theme_consistency >= 0.95)
            .max_by(|a, b| a.1.pair_recall.total_cmp(&b.1.pair_recall));
        if let Some((k, _)) = pick {
            let e = &scores[k][held];
            println!("- {}: chose \"{}\" → pair_recall {:.3}, theme_consistency {:.3}, pairwise F1 {:.3}", list.name, all[k].0, e.pair_recall, e.theme_consistency, e.pairwise_f1);
        }
    }
}

fn examples(lists: &[List], n: usize) {
    let params = Params::default();
    let mut shown = 0;
    for list in lists {
        let (_, groups) = evaluate_list(list, &params);
        for g in groups {
            let paragraphs: HashSet<Option<&str>> = g
                .members
                .iter()
                .map(|&m| {
                    list.recs[m]
                        .source_group
                        .as_deref()
                        .or(list.recs[m].paragraph.as_deref())
                })
                .collect();
            if paragraphs.len() < 2 {
                continue;
            }
            println!(
                "\n### {} · score {:.2} · shared: {}",
                list.name,
                g.score,
                g.shared_terms.join(", ")
            );
            for &m in &g.members {
                let r = &list.recs[m];
                let text: String = r.text.chars().take(220).collect();
                println!("- [{}] {text}", r.paragraph.as_deref().unwrap_or("?"));
            }
            shown += 1;
            if shown >= n {
                return;
            }
        }
    }
}

/// OHCHR's paragraphs that the default settings split: each member's canonical words and
/// its cosine with the paragraph's first member.
fn missed(lists: &[List], params: &Params) {
    for list in lists {
        let items: Vec<ClusterItem> = list.recs.iter().map(ClusterItem::from_new).collect();
        let space = Space::new(&items, params);
        let groups = near_duplicates_in(&space, &items, params);
        let mut group_of = vec![usize::MAX; items.len()];
        for (k, g) in groups.iter().enumerate() {
            for &m in &g.members {
                group_of[m] = k;
            }
        }
        let mut by_para: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, r) in list.recs.iter().enumerate() {
            if let Some(g) = r.source_group.as_deref() {
                by_para.entry(g).or_default().push(i);
            }
        }
        for (p, members) in by_para {
            if members.len() < 2
                || members
                    .iter()
                    .all(|&m| group_of[m] == group_of[members[0]] && group_of[m] != usize::MAX)
            {
                continue;
            }
            println!("\n## {} {p}", list.name);
            for &m in &members {
                let g = if group_of[m] == usize::MAX {
                    "-".to_string()
                } else {
                    group_of[m].to_string()
                };
                println!(
                    "- g{g} cos {:.2}: {}",
                    space.cosine(members[0], m),
                    space.canonical(m)
                );
            }
        }
    }
}

/// Copy `k` of a text for the multiplied corpus: every word kept, one in seven replaced by
/// a marked variant, so copies are near (not exact) duplicates of each other.
fn variant(text: &str, k: usize) -> String {
    if k == 0 {
        return text.to_string();
    }
    text.split(' ')
        .enumerate()
        .map(|(i, w)| {
            if (i * 31 + k * 17).is_multiple_of(7) {
                format!("{w}v{k}")
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct Anchor {
    seconds: f64,
    n_pairs: u64,
    bands_rows: (u64, u64),
    pairs: Vec<(u32, u32)>,
    version: String,
}

fn anchor(shingles_file: &Path, sample_every: usize) -> Result<Anchor> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("python3")
        .arg(root.join("scripts/anchor_cluster.py"))
        .arg(shingles_file)
        .arg(NUM_PERM.to_string())
        .arg(JACCARD.to_string())
        .arg(sample_every.to_string())
        .output()
        .context("cannot run python3 scripts/anchor_cluster.py")?;
    if !out.status.success() {
        bail!(
            "the anchor failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or("");
    let v: serde_json::Value =
        serde_json::from_str(line).with_context(|| format!("the anchor printed {line:?}"))?;
    let pairs = v["pairs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p[0].as_u64()? as u32, p[1].as_u64()? as u32)))
                .collect()
        })
        .unwrap_or_default();
    Ok(Anchor {
        seconds: v["seconds"].as_f64().unwrap_or(f64::NAN),
        n_pairs: v["n_pairs"].as_u64().unwrap_or(0),
        bands_rows: (
            v["params"][0].as_u64().unwrap_or(0),
            v["params"][1].as_u64().unwrap_or(0),
        ),
        pairs,
        version: v["datasketch"].as_str().unwrap_or("?").to_string(),
    })
}

/// Our MinHash LSH and datasketch's over the same shingles, permutations and threshold:
/// time, and recall against exact Jaccard among every `sample_every`-th item.
fn lsh_against_datasketch(
    name: &str,
    shingles: &[Vec<u32>],
    sample_every: usize,
) -> Result<Vec<Figure>> {
    let n = shingles.len();
    let mut figures = Vec::new();
    let file =
        std::env::temp_dir().join(format!("rightstrack-shingles-{}.txt", std::process::id()));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&file)?);
        for s in shingles {
            let words: Vec<String> = s.iter().map(u32::to_string).collect();
            writeln!(f, "{}", words.join(" "))?;
        }
    }
    let start = Instant::now();
    let hasher = minhash::MinHasher::new(NUM_PERM, 1);
    let sigs: Vec<Vec<u32>> = shingles.iter().map(|s| hasher.signature(s)).collect();
    let (bands, rows) = minhash::optimal_bands(f64::from(JACCARD), NUM_PERM);
    let ours_pairs = minhash::lsh_candidates(&sigs, bands, rows);
    let ours_s = start.elapsed().as_secs_f64();
    drop(sigs);
    let anchor = anchor(&file, sample_every);
    let _ = std::fs::remove_file(&file);
    let sample: Vec<usize> = (0..n).step_by(sample_every).collect();
    let mut exact: HashSet<(u32, u32)> = HashSet::new();
    for (x, &a) in sample.iter().enumerate() {
        for &b in &sample[x + 1..] {
            if minhash::jaccard(&shingles[a], &shingles[b]) >= JACCARD {
                exact.insert((a as u32, b as u32));
            }
        }
    }
    let recall = |pairs: &[(u32, u32)]| {
        let found = pairs.iter().filter(|p| exact.contains(p)).count();
        if exact.is_empty() {
            1.0
        } else {
            found as f64 / exact.len() as f64
        }
    };
    let ours_recall = recall(&ours_pairs);
    println!(
        "MinHash LSH over {name} (num_perm {NUM_PERM}, Jaccard {JACCARD}, {bands} bands × {rows} rows): ours {ours_s:.2} s, {} candidate pairs, recall {ours_recall:.3} on {} exact pairs of a 1-in-{sample_every} sample",
        ours_pairs.len(),
        exact.len()
    );
    match anchor {
        Ok(a) => {
            let anchor_recall = recall(&a.pairs);
            println!(
                "datasketch {} ({} bands × {} rows): {:.2} s, {} candidate pairs, recall {anchor_recall:.3}",
                a.version, a.bands_rows.0, a.bands_rows.1, a.seconds, a.n_pairs
            );
            figures.push(
                Figure::new("cluster", &format!("MinHash LSH over {name}"), ours_s, "s")
                    .against("datasketch", a.seconds),
            );
            figures.push(
                Figure::new(
                    "cluster",
                    &format!("MinHash LSH over {name}: recall vs exact Jaccard"),
                    ours_recall,
                    "",
                )
                .against("datasketch", anchor_recall),
            );
        }
        Err(e) => println!("the datasketch anchor did not run: {e:#}"),
    }
    Ok(figures)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lists = thematic_lists()?;
    match args.first().map(String::as_str) {
        Some("--eval") => {
            experiments(&lists);
            return Ok(());
        }
        Some("--examples") => {
            let n = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(20);
            examples(&lists, n);
            return Ok(());
        }
        Some("--missed") => {
            missed(&lists, &Params::default());
            return Ok(());
        }
        Some(other) => bail!("unknown option {other}: expected --eval or --examples N"),
        None => {}
    }
    let mut figures = Vec::new();

    // 1. Evaluation against OHCHR's paragraphs, default settings, against the plain baseline.
    let params = Params::default();
    let plain = Params {
        threshold: 0.3,
        linkage: Linkage::Single,
        normalisation: Normalisation {
            domain: false,
            ..Normalisation::default()
        },
        containment: 0.0,
        bigrams: false,
        ..Params::default()
    };
    header();
    for list in &lists {
        line(&list.name, &evaluate_list(list, &params).0);
    }
    let ours = evaluate_all(&lists, &params);
    let base = evaluate_all(&lists, &plain);
    line("**all**", &ours);
    line("plain TF-IDF, single 0.3 (all)", &base);
    figures.push(
        Figure::new(
            "cluster",
            "pair recall vs OHCHR paragraphs",
            ours.pair_recall,
            "",
        )
        .against("plain TF-IDF single 0.3", base.pair_recall)
        .target(">= 0.90"),
    );
    figures.push(
        Figure::new("cluster", "theme consistency", ours.theme_consistency, "")
            .against("plain TF-IDF single 0.3", base.theme_consistency)
            .target(">= 0.95"),
    );
    figures.push(
        Figure::new(
            "cluster",
            "pairwise F1 vs OHCHR paragraphs",
            ours.pairwise_f1,
            "",
        )
        .against("plain TF-IDF single 0.3", base.pairwise_f1),
    );

    // 2. Speed on the UPR Info export.
    let recs = rightstrack_bench::upr_info()?;
    let items: Vec<ClusterItem> = recs.iter().map(ClusterItem::from_new).collect();
    let n = items.len();
    let start = Instant::now();
    let space = Space::new(&items, &params);
    let vectorise = start.elapsed().as_secs_f64();
    let mut n_groups = 0;
    let times = time_runs(2, || {
        let g = near_duplicates_in(&space, &items, &params);
        n_groups = g.len();
        Ok(g)
    })?;
    let group_s = median(&times).as_secs_f64();
    println!("\n{n} recommendations: vectorised in {vectorise:.2} s; near-duplicate groups across all reviews in {group_s:.2} s ({n_groups} groups)");
    let same_state = Params {
        scope: Scope::SameState,
        ..params.clone()
    };
    let times = time_runs(2, || {
        let g = near_duplicates_in(&space, &items, &same_state);
        n_groups = g.len();
        Ok(g)
    })?;
    let state_scope_s = median(&times).as_secs_f64();
    println!("… within each state (across its reviews): {state_scope_s:.2} s ({n_groups} groups)");
    figures.push(Figure::new(
        "cluster",
        "near-duplicate groups, 29k, within each state",
        vectorise + state_scope_s,
        "s",
    ));
    let times = time_runs(2, || {
        Ok(near_duplicates_in(
            &space,
            &items,
            &Params {
                blocking: Blocking::MinHash {
                    num_perm: NUM_PERM,
                    threshold: 0.3,
                },
                ..params.clone()
            },
        ))
    })?;
    let minhash_s = median(&times).as_secs_f64();
    figures.push(
        Figure::new(
            "cluster",
            "near-duplicate groups, 29k (inverted index)",
            vectorise + group_s,
            "s",
        )
        .against("MinHash LSH blocking", vectorise + minhash_s),
    );

    // Scaling towards UHRI's 270k: the shared benchmark corpus (rightstrack_bench::corpus,
    // the export grown by deterministic variation, states rotated).
    for (size, scope, name) in [
        (58_574usize, Scope::Any, "across all reviews"),
        (58_574, Scope::SameState, "within each state"),
        (corpus::CORPUS_SIZE, Scope::SameState, "within each state"),
    ] {
        let (big, _) = corpus::corpus(&recs, size)?;
        let big_items: Vec<ClusterItem> = big.iter().map(ClusterItem::from_new).collect();
        let before = proc_memory_mib(std::process::id(), "VmRSS");
        reset_peak_memory();
        let start = Instant::now();
        let g = near_duplicates(
            &big_items,
            &Params {
                scope,
                ..params.clone()
            },
        );
        let s = start.elapsed().as_secs_f64();
        let peak = proc_memory_mib(std::process::id(), "VmHWM");
        println!(
            "corpus of {}: near-duplicate groups {name} in {s:.1} s ({} groups); memory {before:.0} MiB before (the corpus itself), peak {peak:.0} MiB",
            big.len(),
            g.len()
        );
        let label = format!("near-duplicate groups, {}k, {name}", big.len() / 1000);
        let mut time = Figure::new("cluster", &label, s, "s");
        let mut memory = Figure::new("cluster", &format!("{label}: peak memory"), peak, "MiB")
            .against("resident before grouping", before);
        if big.len() == corpus::CORPUS_SIZE {
            time = time.target("< 60 s");
            memory = memory.target("< 2048 MiB");
        }
        figures.push(time);
        figures.push(memory);
    }

    // 3. One state's record: its real reviews, then near-copies as two later cycles until ≈1,000.
    let mut per_state: HashMap<_, usize> = HashMap::new();
    for r in &recs {
        *per_state.entry(r.state).or_default() += 1;
    }
    let top = per_state
        .iter()
        .max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s)))
        .map(|(s, _)| *s)
        .context("no recommendations")?;
    let own: Vec<&NewRecommendation> = recs.iter().filter(|r| r.state == top).collect();
    let mut record: Vec<NewRecommendation> = own.iter().map(|r| (*r).clone()).collect();
    for (k, cycle) in [(1usize, 3u8), (2, 4)] {
        for r in &own {
            if record.len() >= 1000 {
                break;
            }
            let mut c = (*r).clone();
            c.text = variant(&r.text, k);
            c.cycle = Some(Cycle::new(cycle)?);
            c.session = Some(Session::new(u16::from(cycle) * 14 + 1)?);
            record.push(c);
        }
    }
    let rec_items: Vec<ClusterItem> = record.iter().map(ClusterItem::from_new).collect();
    let mut summary = (0, 0, 0);
    let times = time_runs(5, || {
        let space = Space::new(&rec_items, &params);
        let dups = near_duplicates_in(&space, &rec_items, &params);
        let themes = thematic_clusters_in(&space, &rec_items, &ThematicParams::default());
        let links = cross_cycle_links_in(&space, &rec_items, &LinkParams::default());
        summary = (dups.len(), themes.len(), links.len());
        Ok(())
    })?;
    let state_s = median(&times).as_secs_f64();
    println!(
        "{top}: {} real recommendations, {} with near-copies as cycles 3-4: {} near-duplicate groups, {} thematic units, {} links in {:.3} s",
        own.len(),
        record.len(),
        summary.0,
        summary.1,
        summary.2,
        state_s
    );
    figures.push(
        Figure::new(
            "cluster",
            "one state's record (~1,000) clustered + linked",
            state_s,
            "s",
        )
        .target("< 1 s"),
    );

    // 4. MinHash LSH: ours against datasketch, same shingles, permutations and threshold, on
    // the export and on the 270k corpus.
    let shingles: Vec<Vec<u32>> = (0..n).map(|i| space.shingles(i)).collect();
    figures.extend(lsh_against_datasketch("29k", &shingles, 10)?);
    drop(shingles);
    {
        let (big, _) = corpus::corpus(&recs, corpus::CORPUS_SIZE)?;
        let big_items: Vec<ClusterItem> = big.iter().map(ClusterItem::from_new).collect();
        let big_space = Space::new(&big_items, &params);
        let shingles: Vec<Vec<u32>> = (0..big_space.len())
            .map(|i| big_space.shingles(i))
            .collect();
        drop(big_space);
        figures.extend(lsh_against_datasketch("270k", &shingles, 100)?);
    }

    // 5. How much of sessions 13–16 repeats what the same state received in sessions 1–12.
    let links = cross_cycle_links_in(&space, &items, &LinkParams::default());
    let early = |i: usize| {
        recs[i]
            .session
            .is_some_and(|s| s.number() <= LAST_EARLY_SESSION)
    };
    let repeating: HashSet<usize> = links
        .iter()
        .filter(|l| l.kind == LinkKind::Repeats && early(l.to) && !early(l.from))
        .map(|l| l.from)
        .collect();
    let late: Vec<usize> = (0..n)
        .filter(|&i| recs[i].session.is_some() && !early(i))
        .collect();
    let share = repeating.len() as f64 / late.len().max(1) as f64;
    println!(
        "\nsessions 13-16: {} of {} recommendations ({:.1}%) repeat one the same state received in sessions 1-12",
        repeating.len(),
        late.len(),
        100.0 * share
    );
    let mut by_action: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for &i in &late {
        let key = recs[i].action_category.map_or("none".to_string(), |a| {
            format!("{} {}", a.number(), a.label())
        });
        let e = by_action.entry(key).or_default();
        e.1 += 1;
        if repeating.contains(&i) {
            e.0 += 1;
        }
    }
    for (k, (r, t)) in &by_action {
        println!(
            "- action {k}: {r} of {t} ({:.1}%)",
            100.0 * *r as f64 / (*t).max(1) as f64
        );
    }
    figures.push(Figure::new(
        "cluster",
        "sessions 13-16 repeating 1-12",
        share,
        "",
    ));
    report(&figures)
}
