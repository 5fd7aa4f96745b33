//! The mid-term report: a cycle's recommendations by theme, with what was done about each,
//! the executive summary and the two lists a reader looks for first (supported but not
//! acted on; noted but acted on anyway). In the government's voice it is the voluntary
//! mid-term report; in the NHRI's or civil society's, the shadow report.

use super::facts::{Entry, Tally};
use super::parts::{self, heading, paragraph};
use super::{ReportRequest, Voice};
use crate::document::{Block, Document};
use crate::i18n::status_label;

pub fn build(request: &ReportRequest, entries: &[Entry]) -> Document {
    let lang = request.lang;
    let w = lang.words();
    let tally = Tally::of(entries, request.today);
    let mut blocks = vec![heading(1, w.executive_summary)];
    blocks.extend(parts::summary(lang, &tally));

    blocks.push(heading(1, w.by_theme));
    for (theme, members) in parts::by_theme(lang, entries) {
        blocks.push(heading(2, &theme));
        let t = Tally::of(members.iter().copied(), request.today);
        blocks.push(paragraph(theme_line(request, &t)));
        for e in members {
            blocks.extend(parts::entry(lang, e, request.voice, Vec::new()));
        }
    }

    let not_acted: Vec<&Entry> = entries.iter().filter(|e| e.supported_not_acted()).collect();
    blocks.push(heading(1, w.supported_not_acted));
    blocks.push(paragraph(format!(
        "{} ({})",
        w.supported_not_acted_intro,
        not_acted.len()
    )));
    blocks.push(list_or_nothing(request, w.supported_not_acted, &not_acted));

    let noted: Vec<&Entry> = entries.iter().filter(|e| e.noted_with_action()).collect();
    blocks.push(heading(1, w.noted_with_action));
    blocks.push(paragraph(format!(
        "{} ({})",
        w.noted_with_action_intro,
        noted.len()
    )));
    blocks.push(list_or_nothing(request, w.noted_with_action, &noted));

    let title = if request.voice == Voice::Government {
        w.mid_term_title
    } else {
        w.shadow_title
    };
    parts::document(request, title, blocks, parts::data(lang, entries))
}

/// "12 — Fully implemented: 3, In progress: 4, …" for a theme.
fn theme_line(request: &ReportRequest, t: &Tally) -> String {
    let statuses: Vec<String> = t
        .by_status
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{}: {n}", status_label(request.lang, *s)))
        .collect();
    format!(
        "{}: {} — {}",
        request.lang.words().recommendations,
        t.total,
        statuses.join(", ")
    )
}

pub fn list_or_nothing(request: &ReportRequest, caption: &str, entries: &[&Entry]) -> Block {
    if entries.is_empty() {
        paragraph(request.lang.words().nothing)
    } else {
        parts::list(request.lang, caption, entries)
    }
}
