//! The brief for the HRC President's follow-up or an item 6 statement: slow or unclear
//! implementation, regressions, recommendations repeated from earlier cycles and still not
//! implemented, reprisals counted without naming anyone, and, where the database holds
//! several states, the same figures side by side.

use std::collections::HashSet;

use rightstrack_core::{Decision, ImplementationStatus, RecommendationId};
use rightstrack_store::Store;

use super::facts::{self, Entry, Tally};
use super::mid_term::list_or_nothing;
use super::parts::{self, heading, paragraph};
use super::ReportRequest;
use crate::document::{Bar, Block, Cell, Chart, Document, Table};
use crate::i18n::status_label;
use crate::ReportError;

pub async fn build(
    store: &dyn Store,
    request: &ReportRequest,
    entries: Vec<Entry>,
) -> Result<Document, ReportError> {
    let lang = request.lang;
    let w = lang.words();
    let tally = Tally::of(&entries, request.today);
    let repeated = repeated_ids(store, request, &entries).await?;

    let mut blocks = vec![heading(1, w.executive_summary)];
    blocks.push(paragraph(format!(
        "{} {} {}.",
        tally.total,
        w.summary_sentence,
        tally.status(ImplementationStatus::FullyImplemented)
    )));
    blocks.push(Block::Chart {
        chart: parts::status_chart(lang, &tally),
    });

    let slow: Vec<&Entry> = entries.iter().filter(|e| e.slow_or_unclear()).collect();
    blocks.push(heading(1, w.slow_unclear));
    blocks.push(paragraph(format!("{}: {}", w.total, slow.len())));
    blocks.push(list_or_nothing(request, w.slow_unclear, &slow));

    let regressed: Vec<&Entry> = entries.iter().filter(|e| e.imp.regressed()).collect();
    blocks.push(heading(1, w.regressions));
    blocks.push(paragraph(format!("{}: {}", w.total, regressed.len())));
    blocks.push(list_or_nothing(request, w.regressions, &regressed));

    let unimplemented = repeated_unimplemented(&entries, &repeated);
    blocks.push(heading(1, w.repeated_unimplemented));
    blocks.push(paragraph(format!("{}: {}", w.total, unimplemented.len())));
    blocks.push(list_or_nothing(
        request,
        w.repeated_unimplemented,
        &unimplemented,
    ));

    // Reprisals: counts by status only; no text that could name a person.
    let reprisals = Tally::of(
        entries.iter().filter(|e| e.about_reprisals()),
        request.today,
    );
    blocks.push(heading(1, w.reprisals));
    blocks.push(paragraph(format!(
        "{} {}: {}",
        w.reprisals_text, w.total, reprisals.total
    )));
    blocks.push(Block::Table {
        table: Table {
            caption: w.reprisals.to_string(),
            columns: vec![w.status.to_string(), w.count.to_string()],
            rows: reprisals
                .by_status
                .iter()
                .map(|(s, n)| vec![status_label(lang, *s).into(), (*n).into()])
                .collect(),
        },
    });

    blocks.push(heading(1, w.comparison));
    blocks.extend(comparison(store, request, &tally, unimplemented.len() as u64, &entries).await?);

    Ok(parts::document(
        request,
        w.brief_title,
        blocks,
        parts::data(lang, &entries),
    ))
}

fn repeated_unimplemented<'a>(
    entries: &'a [Entry],
    repeated: &HashSet<RecommendationId>,
) -> Vec<&'a Entry> {
    entries
        .iter()
        .filter(|e| {
            repeated.contains(&e.rec.id) && e.status != ImplementationStatus::FullyImplemented
        })
        .collect()
}

/// The recommendations that repeat an earlier one (a link not rejected).
async fn repeated_ids(
    store: &dyn Store,
    request: &ReportRequest,
    entries: &[Entry],
) -> Result<HashSet<RecommendationId>, ReportError> {
    let ours: HashSet<RecommendationId> = entries.iter().map(|e| e.rec.id).collect();
    Ok(store
        .links(request.state)
        .await?
        .into_iter()
        .filter(|l| l.decision != Decision::Rejected && ours.contains(&l.from))
        .map(|l| l.from)
        .collect())
}

/// One row per state with recommendations in the same cycle: the same figures as above.
async fn comparison(
    store: &dyn Store,
    request: &ReportRequest,
    own: &Tally,
    own_repeated: u64,
    own_entries: &[Entry],
) -> Result<Vec<Block>, ReportError> {
    let w = request.lang.words();
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    for (state, _) in store.reviewed_states(request.published_only).await? {
        let (tally, repeated, reprisals) = if state == request.state {
            let reprisals = own_entries.iter().filter(|e| e.about_reprisals()).count() as u64;
            (own.clone(), own_repeated, reprisals)
        } else {
            let entries = facts::load(store, &request.scope(state)).await?;
            if entries.is_empty() {
                continue;
            }
            let sub = ReportRequest {
                state,
                ..request.clone()
            };
            let ids = repeated_ids(store, &sub, &entries).await?;
            let repeated = repeated_unimplemented(&entries, &ids).len() as u64;
            let reprisals = entries.iter().filter(|e| e.about_reprisals()).count() as u64;
            (Tally::of(&entries, request.today), repeated, reprisals)
        };
        let name = state.state().name.to_string();
        bars.push(Bar {
            label: name.clone(),
            value: tally.slow_or_unclear,
        });
        rows.push(vec![
            Cell::Text(name),
            tally.total.into(),
            tally.status(ImplementationStatus::FullyImplemented).into(),
            tally.slow_or_unclear.into(),
            tally.regressed.into(),
            repeated.into(),
            reprisals.into(),
            tally.overdue_actions.into(),
        ]);
    }
    Ok(vec![
        Block::Table {
            table: Table {
                caption: w.comparison.to_string(),
                columns: [
                    w.state,
                    w.recommendations,
                    w.implemented,
                    w.slow_unclear,
                    w.regressions,
                    w.repeated_unimplemented,
                    w.reprisals,
                    w.overdue_actions,
                ]
                .iter()
                .map(|c| c.to_string())
                .collect(),
                rows,
            },
        },
        Block::Chart {
            chart: Chart {
                title: format!("{} — {}", w.slow_unclear, w.comparison),
                description: format!("{} ({})", w.slow_unclear, w.comparison),
                category: w.state.to_string(),
                bars,
            },
        },
    ])
}
