//! Pieces several reports share: the summary figures, a recommendation's entry, lists and
//! the data table.

use std::collections::BTreeMap;

use rightstrack_core::AssignmentRole;
use rightstrack_core::ImplementationStatus;
use time::OffsetDateTime;

use super::facts::{Entry, Tally};
use super::{ReportRequest, Voice};
use crate::document::{format_number, Bar, Block, Cell, Chart, Document, Table};
use crate::i18n::{position_label, stakeholder_label, status_label, Lang};

/// A document with the common title line: "<title> — <state>, cycle N".
pub fn document(request: &ReportRequest, title: &str, blocks: Vec<Block>, data: Table) -> Document {
    let w = request.lang.words();
    let mut subtitle = format!(
        "{} ({}) — {} {}",
        request.state.state().name,
        request.state,
        w.cycle,
        request.cycle
    );
    if request.voice != Voice::Government {
        subtitle = format!(
            "{subtitle} — {}: {}",
            w.voice,
            stakeholder_label(request.lang, request.voice.stakeholder())
        );
    }
    Document {
        title: title.to_string(),
        subtitle,
        lang: request.lang,
        generated: OffsetDateTime::now_utc().date().to_string(),
        blocks,
        data,
    }
}

pub fn heading(level: u8, text: &str) -> Block {
    Block::Heading {
        level,
        text: text.to_string(),
    }
}

pub fn paragraph(text: impl Into<String>) -> Block {
    Block::Paragraph { text: text.into() }
}

/// The executive summary's figures: a sentence, the counts table and two charts.
pub fn summary(lang: Lang, tally: &Tally) -> Vec<Block> {
    let w = lang.words();
    let mut rows: Vec<Vec<Cell>> = vec![vec![w.total.into(), tally.total.into()]];
    for (position, n) in &tally.by_position {
        rows.push(vec![
            format!("{}: {}", w.position, position_label(lang, *position)).into(),
            (*n).into(),
        ]);
    }
    for (status, n) in &tally.by_status {
        rows.push(vec![
            format!("{}: {}", w.status, status_label(lang, *status)).into(),
            (*n).into(),
        ]);
    }
    rows.push(vec![
        w.supported_not_acted.into(),
        tally.supported_not_acted.into(),
    ]);
    rows.push(vec![
        w.noted_with_action.into(),
        tally.noted_with_action.into(),
    ]);
    rows.push(vec![w.overdue_actions.into(), tally.overdue_actions.into()]);
    vec![
        paragraph(format!(
            "{} {} {}.",
            tally.total,
            w.summary_sentence,
            tally.status(ImplementationStatus::FullyImplemented)
        )),
        Block::Table {
            table: Table {
                caption: w.executive_summary.to_string(),
                columns: vec![String::new(), w.count.to_string()],
                rows,
            },
        },
        Block::Chart {
            chart: status_chart(lang, tally),
        },
        Block::Chart {
            chart: Chart {
                title: w.by_position.to_string(),
                description: w.chart_position_desc.to_string(),
                category: w.position.to_string(),
                bars: tally
                    .by_position
                    .iter()
                    .map(|(p, n)| Bar {
                        label: position_label(lang, *p).to_string(),
                        value: *n,
                    })
                    .collect(),
            },
        },
    ]
}

pub fn status_chart(lang: Lang, tally: &Tally) -> Chart {
    let w = lang.words();
    Chart {
        title: w.by_status.to_string(),
        description: w.chart_status_desc.to_string(),
        category: w.status.to_string(),
        bars: tally
            .by_status
            .iter()
            .map(|(s, n)| Bar {
                label: status_label(lang, *s).to_string(),
                value: *n,
            })
            .collect(),
    }
}

/// Entries grouped by theme, themes in name order and the unclassified last.
pub fn by_theme(lang: Lang, entries: &[Entry]) -> Vec<(String, Vec<&Entry>)> {
    let mut groups: BTreeMap<(bool, String), Vec<&Entry>> = BTreeMap::new();
    let unclassified = lang.words().not_classified;
    for e in entries {
        groups
            .entry((e.theme == unclassified, e.theme.clone()))
            .or_default()
            .push(e);
    }
    groups.into_iter().map(|((_, t), es)| (t, es)).collect()
}

/// One recommendation in full: heading, text and what is known about it.
pub fn entry(lang: Lang, e: &Entry, voice: Voice, extra: Vec<(String, String)>) -> Vec<Block> {
    let w = lang.words();
    let mut items = vec![
        (
            w.recommending_states.to_string(),
            join_or(
                e.rec
                    .recommending_states
                    .iter()
                    .map(|s| s.state().name.to_string()),
                w.none,
            ),
        ),
        (
            w.position.to_string(),
            position_label(lang, e.rec.position).to_string(),
        ),
        (w.responsible.to_string(), responsible(lang, e)),
        (w.actions.to_string(), actions(lang, e)),
        (w.indicators.to_string(), indicators(lang, e)),
        (
            w.status.to_string(),
            status_label(lang, e.status).to_string(),
        ),
    ];
    if let Some(evidence) = &e.evidence {
        items.push((w.evidence.to_string(), evidence.clone()));
    }
    items.extend(extra);
    let others: Vec<String> =
        e.imp
            .assessments
            .iter()
            .filter(|a| a.assessment.stakeholder != voice.stakeholder())
            .map(|a| {
                let who = a.institution.clone().unwrap_or_else(|| {
                    stakeholder_label(lang, a.assessment.stakeholder).to_string()
                });
                format!(
                    "{who}: {} — {}",
                    status_label(lang, a.assessment.status),
                    a.assessment.text
                )
            })
            .collect();
    items.push((w.other_assessments.to_string(), join_or(others, w.none)));
    vec![
        heading(3, &format!("{} {}", w.recommendation, e.reference())),
        paragraph(e.rec.text.clone()),
        Block::Facts { items },
    ]
}

fn join_or(values: impl IntoIterator<Item = String>, none: &str) -> String {
    let joined: Vec<String> = values.into_iter().collect();
    if joined.is_empty() {
        none.to_string()
    } else {
        joined.join("; ")
    }
}

pub fn responsible(lang: Lang, e: &Entry) -> String {
    let w = lang.words();
    join_or(
        e.imp.assignments.iter().map(|a| {
            let role = match a.role {
                AssignmentRole::Lead => w.lead,
                AssignmentRole::Support => w.support,
            };
            format!("{} ({role})", a.institution)
        }),
        w.none,
    )
}

fn actions(lang: Lang, e: &Entry) -> String {
    join_or(
        e.imp.actions.iter().map(|a| match &a.institution {
            Some(by) => format!("{} ({by})", a.action.title),
            None => a.action.title.clone(),
        }),
        lang.words().none,
    )
}

fn indicators(lang: Lang, e: &Entry) -> String {
    let w = lang.words();
    join_or(
        e.imp.indicators.iter().map(|i| {
            let mut parts = Vec::new();
            if let Some(b) = i.indicator.baseline {
                parts.push(format!("{} {}", w.baseline, format_number(b)));
            }
            if let Some(t) = i.indicator.target {
                parts.push(format!("{} {}", w.target, format_number(t)));
            }
            if let Some((date, v)) = i.latest_value() {
                parts.push(format!("{} {} ({date})", w.latest, format_number(v)));
            }
            format!(
                "{} [{}]: {}",
                i.indicator.name,
                i.indicator.unit,
                parts.join(", ")
            )
        }),
        w.none,
    )
}

/// A short list of recommendations: reference, theme, text, status.
pub fn list(lang: Lang, caption: &str, entries: &[&Entry]) -> Block {
    let w = lang.words();
    Block::Table {
        table: Table {
            caption: caption.to_string(),
            columns: vec![
                w.paragraph.to_string(),
                w.theme.to_string(),
                w.text.to_string(),
                w.status.to_string(),
                w.action_count.to_string(),
            ],
            rows: entries
                .iter()
                .map(|e| {
                    vec![
                        e.reference().into(),
                        e.theme.clone().into(),
                        e.rec.text.clone().into(),
                        status_label(lang, e.status).into(),
                        (e.imp.actions.len() as u64).into(),
                    ]
                })
                .collect(),
        },
    }
}

/// One row per recommendation: the CSV export and the XLSX data sheet.
pub fn data(lang: Lang, entries: &[Entry]) -> Table {
    let w = lang.words();
    Table {
        caption: w.recommendations.to_string(),
        columns: [
            "id",
            w.paragraph,
            w.theme,
            w.text,
            w.recommending_states,
            w.position,
            w.status,
            w.evidence,
            w.responsible,
            w.action_count,
        ]
        .iter()
        .map(|c| c.to_string())
        .collect(),
        rows: entries
            .iter()
            .map(|e| {
                vec![
                    Cell::Count(u64::try_from(e.rec.id.0).unwrap_or_default()),
                    e.reference().into(),
                    e.theme.clone().into(),
                    e.rec.text.clone().into(),
                    e.rec
                        .recommending_states
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(";")
                        .into(),
                    position_label(lang, e.rec.position).into(),
                    status_label(lang, e.status).into(),
                    e.evidence.clone().unwrap_or_default().into(),
                    responsible(lang, e).into(),
                    (e.imp.actions.len() as u64).into(),
                ]
            })
            .collect(),
    }
}
