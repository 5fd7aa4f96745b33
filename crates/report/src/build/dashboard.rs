//! A state's dashboard: every recommendation to it, of every mechanism and cycle, with
//! implementation status by theme, SDG goal, responsible institution and mechanism, the
//! trend over time, and the overdue and regressed counts. The public dashboard shows only
//! what is published; the coordinator's shows everything. Rendered like any report (the
//! HTML renderer's SVG charts; every other format too).

use std::collections::BTreeMap;

use rightstrack_core::{ImplementationStatus, StateCode, Taxonomy};
use rightstrack_store::Store;
use time::{Date, Month, OffsetDateTime};

use super::facts::{self, Entry, Tally};
use super::parts::{self, heading, paragraph};
use super::Voice;
use crate::document::{Bar, Block, Cell, Chart, Document, Table};
use crate::i18n::{status_label, Lang};
use crate::ReportError;

/// At most this many months in the trend, the latest ones.
const TREND_MONTHS: usize = 36;

pub struct DashboardRequest {
    pub state: StateCode,
    pub lang: Lang,
    /// The public's dashboard: published recommendations, actions and assessments only.
    pub published_only: bool,
    pub today: Date,
}

impl DashboardRequest {
    pub fn new(state: StateCode, lang: Lang, published_only: bool) -> Self {
        Self {
            state,
            lang,
            published_only,
            today: OffsetDateTime::now_utc().date(),
        }
    }
}

pub async fn build(store: &dyn Store, request: &DashboardRequest) -> Result<Document, ReportError> {
    let lang = request.lang;
    let w = lang.words();
    let entries = facts::load(
        store,
        &facts::Scope {
            state: request.state,
            cycle: None,
            voice: Voice::Government,
            lang,
            published_only: request.published_only,
        },
    )
    .await?;
    let tally = Tally::of(&entries, request.today);
    let mut blocks = vec![
        heading(1, w.executive_summary),
        paragraph(format!(
            "{} {} {}.",
            tally.total,
            w.summary_all,
            tally.status(ImplementationStatus::FullyImplemented)
        )),
        Block::Table {
            table: Table {
                caption: w.executive_summary.to_string(),
                columns: vec![String::new(), w.count.to_string()],
                rows: vec![
                    vec![w.total.into(), tally.total.into()],
                    vec![w.overdue_actions.into(), tally.overdue_actions.into()],
                    vec![w.regressions.into(), tally.regressed.into()],
                    vec![
                        w.supported_not_acted.into(),
                        tally.supported_not_acted.into(),
                    ],
                ],
            },
        },
        Block::Chart {
            chart: parts::status_chart(lang, &tally),
        },
    ];

    let group = |key: &dyn Fn(&Entry) -> Vec<String>| {
        let mut groups: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
        for e in &entries {
            for k in key(e) {
                groups.entry(k).or_default().push(e);
            }
        }
        groups
    };
    let breakdowns: [(&str, BTreeMap<String, Vec<&Entry>>); 4] = [
        (w.by_theme, group(&|e| vec![e.theme.clone()])),
        (
            w.by_sdg,
            group(&|e| {
                e.rec
                    .tags
                    .iter()
                    .filter(|t| t.taxonomy == Taxonomy::SdgGoal)
                    .map(|t| format!("{} {}", t.code, t.label))
                    .collect()
            }),
        ),
        (
            w.by_institution,
            group(&|e| {
                e.imp
                    .assignments
                    .iter()
                    .map(|a| a.institution.clone())
                    .collect()
            }),
        ),
        (w.by_mechanism, group(&|e| vec![e.rec.mechanism.code()])),
    ];
    for (title, groups) in breakdowns {
        blocks.push(heading(1, title));
        blocks.extend(breakdown(lang, title, &groups, request.today));
    }

    blocks.push(heading(1, w.trend));
    blocks.extend(trend(lang, &entries, request.today));

    let regressed: Vec<&Entry> = entries.iter().filter(|e| e.imp.regressed()).collect();
    blocks.push(heading(1, w.regressions));
    blocks.push(if regressed.is_empty() {
        paragraph(w.nothing)
    } else {
        parts::list(lang, w.regressions, &regressed)
    });

    Ok(Document {
        title: if request.published_only {
            w.dashboard_public
        } else {
            w.dashboard_internal
        }
        .to_string(),
        subtitle: format!(
            "{} ({}) — {}",
            request.state.state().name,
            request.state,
            w.all_recommendations
        ),
        lang,
        generated: OffsetDateTime::now_utc().date().to_string(),
        blocks,
        data: parts::data(lang, &entries),
    })
}

/// A table of groups × statuses, and a chart of the groups' sizes.
fn breakdown(
    lang: Lang,
    title: &str,
    groups: &BTreeMap<String, Vec<&Entry>>,
    today: Date,
) -> Vec<Block> {
    let w = lang.words();
    if groups.is_empty() {
        return vec![paragraph(w.nothing)];
    }
    let mut columns = vec![w.group.to_string(), w.total.to_string()];
    columns.extend(
        ImplementationStatus::ALL
            .iter()
            .map(|s| status_label(lang, *s).to_string()),
    );
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    for (name, members) in groups {
        let t = Tally::of(members.iter().copied(), today);
        let mut row: Vec<Cell> = vec![name.clone().into(), t.total.into()];
        row.extend(t.by_status.iter().map(|(_, n)| Cell::Count(*n)));
        rows.push(row);
        bars.push(Bar {
            label: name.clone(),
            value: t.total,
        });
    }
    vec![
        Block::Table {
            table: Table {
                caption: title.to_string(),
                columns,
                rows,
            },
        },
        Block::Chart {
            chart: Chart {
                title: title.to_string(),
                description: w.breakdown_desc.to_string(),
                category: w.group.to_string(),
                bars,
            },
        },
    ]
}

/// The last day of the month `date` is in.
fn month_end(date: Date) -> Date {
    let (year, month) = (date.year(), date.month());
    Date::from_calendar_date(year, month, month.length(year)).unwrap_or(date)
}

fn next_month(date: Date) -> Option<Date> {
    let (year, month) = match date.month() {
        Month::December => (date.year() + 1, Month::January),
        m => (date.year(), m.next()),
    };
    Date::from_calendar_date(year, month, 1).ok().map(month_end)
}

/// For each month from the first recorded status to today, how many recommendations were
/// at each status at its end (the government's statuses).
fn trend(lang: Lang, entries: &[Entry], today: Date) -> Vec<Block> {
    let w = lang.words();
    let Some(first) = entries
        .iter()
        .filter_map(|e| e.imp.status_history.first())
        .map(|s| s.at.date())
        .min()
    else {
        return vec![paragraph(w.nothing)];
    };
    let mut months = vec![month_end(first)];
    while let Some(next) = months.last().and_then(|m| next_month(*m)) {
        if next > month_end(today) {
            break;
        }
        months.push(next);
    }
    let months = &months[months.len().saturating_sub(TREND_MONTHS)..];
    let scale = [
        ImplementationStatus::FullyImplemented,
        ImplementationStatus::PartiallyImplemented,
        ImplementationStatus::InProgress,
        ImplementationStatus::NotStarted,
    ];
    let mut columns = vec![w.month.to_string()];
    columns.extend(scale.iter().map(|s| status_label(lang, *s).to_string()));
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    for end in months {
        let at_end: Vec<ImplementationStatus> = entries
            .iter()
            .filter_map(|e| {
                e.imp
                    .status_history
                    .iter()
                    .rev()
                    .find(|s| s.at.date() <= *end)
                    .map(|s| s.status)
            })
            .collect();
        let label = format!("{}-{:02}", end.year(), u8::from(end.month()));
        let mut row: Vec<Cell> = vec![label.clone().into()];
        row.extend(
            scale
                .iter()
                .map(|s| Cell::Count(at_end.iter().filter(|x| *x == s).count() as u64)),
        );
        bars.push(Bar {
            label,
            value: at_end
                .iter()
                .filter(|x| **x == ImplementationStatus::FullyImplemented)
                .count() as u64,
        });
        rows.push(row);
    }
    vec![
        Block::Table {
            table: Table {
                caption: w.trend.to_string(),
                columns,
                rows,
            },
        },
        Block::Chart {
            chart: Chart {
                title: w.trend.to_string(),
                description: w.trend_desc.to_string(),
                category: w.month.to_string(),
                bars,
            },
        },
    ]
}
