//! rightstrack's CSV template for existing implementation plans: one row per assignment
//! or action (docs/tracking.md documents it, docs/examples/tracking-plan.csv is an
//! example). Institutions and recommendations are named as people know them (institution
//! names, report paragraphs such as `121.12`, UHRI themes); the command line resolves
//! them against the database.
//!
//! A file is read whole before anything is written: every row with a problem is reported,
//! and a file with any problem is refused.

use rightstrack_core::{ActionKind, ActionProgress, Funding, LegislationStage};
use time::Date;

use crate::sheet::{column, read_csv};
use crate::Problem;

/// What a row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanRecord {
    /// The recommendations go to `lead` (and `support`).
    Assignment,
    /// A measure serving the recommendations, led by `lead`.
    Action,
}

/// Which recommendations a row is about: those with a UHRI theme, and those named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanTargets {
    pub theme: Option<String>,
    /// Report paragraphs (`121.12`) or, with `#`, rightstrack ids (`#812`).
    pub references: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanAction {
    pub title: String,
    pub description: String,
    pub kind: ActionKind,
    pub start: Option<Date>,
    pub target: Option<Date>,
    pub progress: ActionProgress,
    pub funding: Option<Funding>,
    /// (title, stage, committee's name).
    pub legislation: Option<(String, LegislationStage, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    /// "line 3", for messages.
    pub location: String,
    pub record: PlanRecord,
    pub targets: PlanTargets,
    pub lead: Option<String>,
    pub support: Vec<String>,
    pub action: Option<PlanAction>,
}

const COLUMNS: &[&str] = &[
    "record",
    "theme",
    "recommendations",
    "lead",
    "support",
    "title",
    "description",
    "kind",
    "start",
    "target",
    "progress",
    "budget",
    "currency",
    "funder",
    "disbursed",
    "law_title",
    "law_stage",
    "committee",
];

/// Reads a plan; on any problem, every problem found.
pub fn parse_plan(file: &str, bytes: &[u8]) -> Result<Vec<PlanRow>, Vec<Problem>> {
    let problem = |location: &str, message: String| Problem {
        file: file.to_string(),
        location: location.to_string(),
        message,
    };
    let sheet = read_csv(bytes).map_err(|e| vec![problem("file", e)])?;
    let Some(header) = sheet.rows.first() else {
        return Err(vec![problem("file", "the file is empty".into())]);
    };
    let at: Vec<Option<usize>> = COLUMNS.iter().map(|c| column(header, &[c])).collect();
    for required in ["record", "lead"] {
        if at[index(required)].is_none() {
            return Err(vec![problem(
                "line 1",
                format!(
                    "no {required:?} column; the columns are: {}",
                    COLUMNS.join(", ")
                ),
            )]);
        }
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (cells, location) in sheet.rows.iter().zip(&sheet.locations).skip(1) {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |name: &str| {
            at[index(name)]
                .and_then(|i| cells.get(i))
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
        };
        match row(&get, location) {
            Ok(r) => rows.push(r),
            Err(messages) => problems.extend(messages.into_iter().map(|m| problem(location, m))),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

fn index(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).unwrap_or_default()
}

fn list(value: Option<&str>) -> Vec<String> {
    value
        .map(|v| {
            v.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn row<'a>(get: &dyn Fn(&str) -> Option<&'a str>, location: &str) -> Result<PlanRow, Vec<String>> {
    let mut errors = Vec::new();
    let record = match get("record").map(str::to_lowercase).as_deref() {
        Some("assignment") => Some(PlanRecord::Assignment),
        Some("action") => Some(PlanRecord::Action),
        other => {
            errors.push(format!(
                "record is {other:?}: expected assignment or action"
            ));
            None
        }
    };
    let targets = PlanTargets {
        theme: get("theme").map(str::to_string),
        references: list(get("recommendations")),
    };
    if targets.theme.is_none() && targets.references.is_empty() {
        errors.push("name the recommendations: a theme, or paragraphs in recommendations".into());
    }
    let lead = get("lead").map(str::to_string);
    let support = list(get("support"));
    let action = match record {
        Some(PlanRecord::Action) => action(get, &mut errors),
        Some(PlanRecord::Assignment) if lead.is_none() && support.is_empty() => {
            errors.push("an assignment needs a lead or supporting institutions".into());
            None
        }
        _ => None,
    };
    match record {
        Some(record) if errors.is_empty() => Ok(PlanRow {
            location: location.to_string(),
            record,
            targets,
            lead,
            support,
            action,
        }),
        _ => Err(errors),
    }
}

/// A column's value parsed, or `None` with the problem noted when it does not parse.
fn field<'a, T>(
    get: &dyn Fn(&str) -> Option<&'a str>,
    errors: &mut Vec<String>,
    name: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    let value = get(name)?;
    parse(value)
        .map_err(|e| errors.push(format!("{name}: {e}")))
        .ok()
}

fn date(v: &str) -> Result<Date, String> {
    Date::parse(v, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{v:?} is not a date such as 2025-06-30"))
}

fn amount(v: &str) -> Result<f64, String> {
    v.replace([' ', '\u{a0}'], "")
        .parse::<f64>()
        .ok()
        .filter(|a| a.is_finite() && *a >= 0.0)
        .ok_or_else(|| format!("{v:?} is not an amount such as 120000.50"))
}

fn action<'a>(
    get: &dyn Fn(&str) -> Option<&'a str>,
    errors: &mut Vec<String>,
) -> Option<PlanAction> {
    let text = |e: rightstrack_core::ParseError| e.to_string();
    let kind = field(get, errors, "kind", |v| ActionKind::parse(v).map_err(text));
    let start = field(get, errors, "start", date);
    let target = field(get, errors, "target", date);
    let progress = field(get, errors, "progress", |v| {
        ActionProgress::parse(v).map_err(text)
    });
    let budget = field(get, errors, "budget", amount);
    let disbursed = field(get, errors, "disbursed", amount);
    let stage = field(get, errors, "law_stage", |v| {
        LegislationStage::parse(v).map_err(text)
    });
    let title = get("title");
    if title.is_none() {
        errors.push("an action needs a title".into());
    }
    if get("kind").is_none() {
        let kinds: Vec<&str> = ActionKind::ALL.iter().map(|k| k.code()).collect();
        errors.push(format!(
            "kind is missing: expected one of {}",
            kinds.join(", ")
        ));
    }
    if let (Some(s), Some(t)) = (start, target) {
        if t < s {
            errors.push(format!("target {t} is before start {s}"));
        }
    }
    let currency = get("currency").map(str::to_uppercase);
    let funding = match (budget, currency) {
        (Some(amount), Some(currency)) => Some(Funding {
            amount,
            currency,
            funder: get("funder").map(str::to_string),
            disbursed: disbursed.unwrap_or(0.0),
        }),
        (None, None)
            if get("budget").is_none() && disbursed.is_none() && get("funder").is_none() =>
        {
            None
        }
        (None, _) if get("budget").is_some() => None,
        _ => {
            errors.push("funding needs both budget and currency".into());
            None
        }
    };
    let legislation = match (get("law_title"), stage) {
        (Some(t), Some(stage)) => {
            Some((t.to_string(), stage, get("committee").map(str::to_string)))
        }
        (None, None) if get("law_stage").is_none() && get("committee").is_none() => None,
        (_, None) if get("law_stage").is_some() => None,
        _ => {
            errors.push("legislation needs both law_title and law_stage".into());
            None
        }
    };
    Some(PlanAction {
        title: title?.to_string(),
        description: get("description").unwrap_or_default().to_string(),
        kind: kind?,
        start,
        target,
        progress: progress.unwrap_or(ActionProgress::Planned),
        funding,
        legislation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../docs/examples/tracking-plan.csv");

    #[test]
    fn the_documented_example_reads() -> Result<(), String> {
        let rows =
            parse_plan("tracking-plan.csv", EXAMPLE.as_bytes()).map_err(|p| format!("{p:?}"))?;
        assert!(rows.len() >= 3);
        assert!(rows
            .iter()
            .any(|r| r.record == PlanRecord::Assignment && r.targets.theme.is_some()));
        let law = rows
            .iter()
            .filter_map(|r| r.action.as_ref())
            .find(|a| a.legislation.is_some())
            .ok_or("an action with a law")?;
        assert!(law.funding.is_some());
        Ok(())
    }

    #[test]
    fn every_problem_is_reported_with_its_line() -> Result<(), String> {
        let csv = "record,theme,recommendations,lead,title,kind,start,target,budget,currency\n\
                   assignment,,,Ministry of Justice,,,,,,\n\
                   action,B32,,Office,Programme,policy,2025-06-01,2025-01-01,100,EUR\n\
                   action,B32,,Office,Programme,dance,2025-13-01,,lots,\n\
                   plan,B32,,Office,,,,,,\n";
        let problems = match parse_plan("plan.csv", csv.as_bytes()) {
            Err(p) => p,
            Ok(rows) => return Err(format!("accepted {rows:?}")),
        };
        let at = |line: &str| {
            problems
                .iter()
                .filter(|p| p.location == line)
                .map(|p| p.message.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            at("line 2"),
            ["name the recommendations: a theme, or paragraphs in recommendations"]
        );
        assert_eq!(
            at("line 3"),
            ["target 2025-01-01 is before start 2025-06-01"]
        );
        let line4 = at("line 4");
        assert!(line4.iter().any(|m| m.starts_with("kind:")), "{line4:?}");
        assert!(line4.iter().any(|m| m.starts_with("start:")), "{line4:?}");
        assert!(line4.iter().any(|m| m.starts_with("budget:")), "{line4:?}");
        assert_eq!(
            at("line 5"),
            ["record is Some(\"plan\"): expected assignment or action"]
        );
        assert!(
            parse_plan("x.csv", b"title\nfoo\n").is_err(),
            "no record column"
        );
        Ok(())
    }
}
