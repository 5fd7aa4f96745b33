//! The follow-up chapter of the next national report, in the order OHCHR's guidelines for
//! national reports ask: methodology and consultation; implementation of the previous
//! review's recommendations, by theme; achievements; challenges and constraints. The
//! cross-cycle links say where a recommendation was first made and whether it came back.

use std::collections::{HashMap, HashSet};

use rightstrack_core::{Decision, ImplementationStatus, RecommendationId};
use rightstrack_store::Store;

use super::facts::{Entry, Tally};
use super::mid_term::list_or_nothing;
use super::parts::{self, heading, paragraph};
use super::ReportRequest;
use crate::document::Document;
use crate::ReportError;

pub async fn build(
    store: &dyn Store,
    request: &ReportRequest,
    entries: &[Entry],
) -> Result<Document, ReportError> {
    let lang = request.lang;
    let w = lang.words();
    let links = CycleLinks::read(store, request, entries).await?;
    let tally = Tally::of(entries, request.today);

    let mut blocks = vec![heading(1, w.methodology), paragraph(w.methodology_text)];
    blocks.extend(parts::summary(lang, &tally));

    blocks.push(heading(1, w.implementation_previous));
    for (theme, members) in parts::by_theme(lang, entries) {
        blocks.push(heading(2, &theme));
        for e in members {
            let mut extra = Vec::new();
            if let Some(earlier) = links.earlier.get(&e.rec.id) {
                extra.push((w.first_made.to_string(), earlier.join("; ")));
            }
            if let Some(later) = links.later.get(&e.rec.id) {
                extra.push((w.repeated_later.to_string(), later.join("; ")));
            }
            blocks.extend(parts::entry(lang, e, request.voice, extra));
        }
    }

    let done: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.status == ImplementationStatus::FullyImplemented)
        .collect();
    blocks.push(heading(1, w.achievements));
    blocks.push(list_or_nothing(request, w.achievements, &done));

    let hard: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.slow_or_unclear() || e.imp.regressed())
        .collect();
    blocks.push(heading(1, w.challenges));
    blocks.push(list_or_nothing(request, w.challenges, &hard));

    let noted: Vec<&Entry> = entries.iter().filter(|e| e.noted_with_action()).collect();
    blocks.push(heading(1, w.noted_follow_up));
    blocks.push(list_or_nothing(request, w.noted_follow_up, &noted));

    Ok(parts::document(
        request,
        w.follow_up_title,
        blocks,
        parts::data(lang, entries),
    ))
}

/// For each recommendation, the earlier recommendations it repeats and the later ones
/// repeating it, as "Cycle 2, 110.4" (links people rejected are left out).
struct CycleLinks {
    earlier: HashMap<RecommendationId, Vec<String>>,
    later: HashMap<RecommendationId, Vec<String>>,
}

impl CycleLinks {
    async fn read(
        store: &dyn Store,
        request: &ReportRequest,
        entries: &[Entry],
    ) -> Result<Self, ReportError> {
        let ours: HashSet<RecommendationId> = entries.iter().map(|e| e.rec.id).collect();
        let links: Vec<_> = store
            .links(request.state)
            .await?
            .into_iter()
            .filter(|l| l.decision != Decision::Rejected)
            .filter(|l| ours.contains(&l.from) || ours.contains(&l.to))
            .collect();
        let others: Vec<RecommendationId> = links
            .iter()
            .flat_map(|l| [l.from, l.to])
            .filter(|id| !ours.contains(id))
            .collect();
        let described: HashMap<RecommendationId, String> = store
            .recommendations_by_ids(&others)
            .await?
            .into_iter()
            .map(|r| {
                let cycle = r.cycle.map(|c| c.number().to_string()).unwrap_or_default();
                let place = r.paragraph.clone().unwrap_or_else(|| format!("#{}", r.id));
                (
                    r.id,
                    format!("{} {cycle}, {place}", request.lang.words().cycle),
                )
            })
            .collect();
        let mut out = Self {
            earlier: HashMap::new(),
            later: HashMap::new(),
        };
        for l in links {
            if let (true, Some(d)) = (ours.contains(&l.from), described.get(&l.to)) {
                out.earlier.entry(l.from).or_default().push(d.clone());
            }
            if let (true, Some(d)) = (ours.contains(&l.to), described.get(&l.from)) {
                out.later.entry(l.to).or_default().push(d.clone());
            }
        }
        Ok(out)
    }
}
