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

use crate::impact_oss::{field as impact_field, is_hint_row};
use crate::sheet::{column, csv_header, fold, read_csv};
use crate::Problem;

/// Which kind of plan file a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFormat {
    /// rightstrack's own CSV template (`record`, `lead`, …).
    Template,
    /// IMPACT OSS's action (measure) import file (`Title [database:title]`, …).
    ImpactOssActions,
}

impl PlanFormat {
    /// IMPACT OSS names its columns `Label [database:field]` or `Label [rel:relation]`;
    /// the template never does.
    pub fn detect(bytes: &[u8]) -> Self {
        let header = csv_header(bytes);
        if header
            .iter()
            .any(|h| h.contains("[database:") || h.contains("[rel:"))
        {
            Self::ImpactOssActions
        } else {
            Self::Template
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Template => "rightstrack plan template",
            Self::ImpactOssActions => "IMPACT OSS action import",
        }
    }
}

/// Reads a plan in whichever format the file is, found from its header.
pub fn parse_any(file: &str, bytes: &[u8]) -> Result<(PlanFormat, Vec<PlanRow>), Vec<Problem>> {
    let format = PlanFormat::detect(bytes);
    let rows = match format {
        PlanFormat::Template => parse_plan(file, bytes)?,
        PlanFormat::ImpactOssActions => parse_impact_oss_actions(file, bytes)?,
    };
    Ok((format, rows))
}

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

/// What a column of an IMPACT OSS action import holds, from the field in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImpactColumn {
    Title,
    Description,
    Start,
    Target,
    TargetComment,
    Kind,
    Progress,
    /// A relationship column naming recommendations by reference.
    Recommendations,
    /// A relationship column naming the responsible institution.
    Institution,
}

fn impact_column(header: &str) -> Option<ImpactColumn> {
    let name = fold(&impact_field(header));
    let relation = header.contains("[rel:");
    Some(match name.as_str() {
        "title" => ImpactColumn::Title,
        "description" => ImpactColumn::Description,
        "datestart" | "startdate" | "start" => ImpactColumn::Start,
        "targetdate" | "dateend" | "enddate" | "end" => ImpactColumn::Target,
        "targetdatecomment" => ImpactColumn::TargetComment,
        "kind" | "type" | "measuretype" => ImpactColumn::Kind,
        "progress" | "status" => ImpactColumn::Progress,
        n if relation && n.starts_with("recommendation") => ImpactColumn::Recommendations,
        n if relation
            && ["institution", "responsible", "agency", "lead"]
                .iter()
                .any(|k| n.contains(k)) =>
        {
            ImpactColumn::Institution
        }
        _ => return None,
    })
}

/// Reads an IMPACT OSS action (measure) import file: one action per row, with its title,
/// description, start and target dates (`YYYY-MM-DD`), a comment on the target date, and
/// relationship columns naming the recommendations it serves (by reference, separated by
/// commas or `;`) and the responsible institution. The template's hint row ("Required:
/// text") is skipped. Columns IMPACT OSS has but rightstrack does not use are ignored.
pub fn parse_impact_oss_actions(file: &str, bytes: &[u8]) -> Result<Vec<PlanRow>, Vec<Problem>> {
    let problem = |location: &str, message: String| Problem {
        file: file.to_string(),
        location: location.to_string(),
        message,
    };
    let sheet = read_csv(bytes).map_err(|e| vec![problem("file", e)])?;
    let Some(header) = sheet.rows.first() else {
        return Err(vec![problem("file", "the file is empty".into())]);
    };
    let at: Vec<Option<ImpactColumn>> = header.iter().map(|h| impact_column(h)).collect();
    let has = |c: ImpactColumn| at.contains(&Some(c));
    let mut missing = Vec::new();
    if !has(ImpactColumn::Title) {
        missing.push("\"Title [database:title]\"");
    }
    if !has(ImpactColumn::Recommendations) {
        missing.push("\"Recommendations [rel:recommendation-reference]\"");
    }
    if !missing.is_empty() {
        return Err(vec![problem(
            "line 1",
            format!(
                "an IMPACT OSS action import needs the column(s) {}",
                missing.join(" and ")
            ),
        )]);
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (cells, location) in sheet.rows.iter().zip(&sheet.locations).skip(1) {
        if cells.iter().all(|c| c.trim().is_empty()) || is_hint_row(cells) {
            continue;
        }
        // Several columns may feed one field (two relationship columns): joined by `;`.
        let get = |wanted: ImpactColumn| -> Option<String> {
            let values: Vec<&str> = at
                .iter()
                .zip(cells)
                .filter(|(c, _)| **c == Some(wanted))
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            (!values.is_empty()).then(|| values.join(";"))
        };
        let mut errors = Vec::new();
        let title = get(ImpactColumn::Title);
        if title.is_none() {
            errors.push("an action needs a title".to_string());
        }
        let references: Vec<String> = get(ImpactColumn::Recommendations)
            .map(|v| {
                v.split([',', ';'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if references.is_empty() {
            errors.push("name the recommendations the action serves, by reference".into());
        }
        let institutions: Vec<String> = list(get(ImpactColumn::Institution).as_deref());
        if institutions.len() > 1 {
            errors.push(format!(
                "an action has one responsible institution, this row names {}: {}",
                institutions.len(),
                institutions.join("; ")
            ));
        }
        let parsed_date = |column: ImpactColumn, name: &str, errors: &mut Vec<String>| {
            get(column).and_then(|v| {
                date(&v)
                    .map_err(|e| errors.push(format!("{name}: {e}")))
                    .ok()
            })
        };
        let start = parsed_date(ImpactColumn::Start, "start date", &mut errors);
        let target = parsed_date(ImpactColumn::Target, "target date", &mut errors);
        if let (Some(s), Some(t)) = (start, target) {
            if t < s {
                errors.push(format!("target date {t} is before start date {s}"));
            }
        }
        let text = |e: rightstrack_core::ParseError| e.to_string();
        let kind = match get(ImpactColumn::Kind) {
            Some(k) => ActionKind::parse(&k)
                .map_err(|e| errors.push(format!("kind: {}", text(e))))
                .ok(),
            None => Some(ActionKind::Other),
        };
        let progress = match get(ImpactColumn::Progress) {
            Some(p) => ActionProgress::parse(&p)
                .map_err(|e| errors.push(format!("progress: {}", text(e))))
                .ok(),
            None => Some(ActionProgress::Planned),
        };
        // The comment on the target date has no field of its own here: it stays with
        // the description, so nothing the file says is lost.
        let description = match (
            get(ImpactColumn::Description),
            get(ImpactColumn::TargetComment),
        ) {
            (Some(d), Some(c)) => format!("{d}\n\nTarget date: {c}"),
            (Some(d), None) => d,
            (None, Some(c)) => format!("Target date: {c}"),
            (None, None) => String::new(),
        };
        match (title, kind, progress) {
            (Some(title), Some(kind), Some(progress)) if errors.is_empty() => rows.push(PlanRow {
                location: location.clone(),
                record: PlanRecord::Action,
                targets: PlanTargets {
                    theme: None,
                    references,
                },
                lead: institutions.into_iter().next(),
                support: Vec::new(),
                action: Some(PlanAction {
                    title,
                    description,
                    kind,
                    start,
                    target,
                    progress,
                    funding: None,
                    legislation: None,
                }),
            }),
            _ => problems.extend(errors.into_iter().map(|m| problem(location, m))),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMPACT_ACTIONS: &str = include_str!("../../../docs/examples/impact-oss-actions.csv");

    #[test]
    fn impact_oss_action_files_are_detected_and_read() -> Result<(), String> {
        let bytes = IMPACT_ACTIONS.as_bytes();
        assert_eq!(PlanFormat::detect(bytes), PlanFormat::ImpactOssActions);
        assert_eq!(PlanFormat::detect(EXAMPLE.as_bytes()), PlanFormat::Template);
        let (format, rows) =
            parse_any("impact-oss-actions.csv", bytes).map_err(|p| format!("{p:?}"))?;
        assert_eq!(format, PlanFormat::ImpactOssActions);
        assert_eq!(rows.len(), 3, "the hint row is skipped: {rows:?}");
        let first = &rows[0];
        assert_eq!(first.record, PlanRecord::Action);
        assert_eq!(first.targets.references, ["121.12", "121.13"]);
        assert_eq!(first.lead.as_deref(), Some("Ministry of Labour"));
        let action = first.action.as_ref().ok_or("an action")?;
        assert_eq!(action.title, "Roma employment programme");
        assert_eq!(action.start, Some(time::macros::date!(2025 - 01 - 01)));
        assert_eq!(action.target, Some(time::macros::date!(2025 - 12 - 31)));
        assert!(action
            .description
            .contains("Target date: end of the budget year"));
        assert_eq!(
            action.kind,
            ActionKind::Other,
            "IMPACT OSS has no kind column"
        );
        assert!(rows[2].lead.is_none(), "no responsible institution named");
        Ok(())
    }

    #[test]
    fn impact_oss_action_problems_name_the_line() -> Result<(), String> {
        let csv = "Title [database:title],Target date [database:target_date],Recommendations [rel:recommendation-reference],Institution [rel:institution]\n\
                   Required: text,Optional: date,Optional: references,Optional: names\n\
                   ,2025-12-31,121.1,Ministry\n\
                   Programme,31/12/2025,,\n\
                   Law,2026-01-01,121.2,Ministry A;Ministry B\n";
        let problems = match parse_impact_oss_actions("actions.csv", csv.as_bytes()) {
            Err(p) => p,
            Ok(rows) => return Err(format!("accepted {rows:?}")),
        };
        let at = |line: &str| -> Vec<String> {
            problems
                .iter()
                .filter(|p| p.location == line)
                .map(|p| p.message.clone())
                .collect()
        };
        assert_eq!(at("line 3"), ["an action needs a title"]);
        let line4 = at("line 4");
        assert!(
            line4.iter().any(|m| m.starts_with("target date:")),
            "{line4:?}"
        );
        assert!(
            line4.iter().any(|m| m.contains("by reference")),
            "{line4:?}"
        );
        assert!(at("line 5")
            .iter()
            .any(|m| m.contains("one responsible institution")));
        let headerless = parse_impact_oss_actions("x.csv", b"Title [database:title]\nA\n");
        assert!(
            matches!(headerless, Err(p) if p[0].message.contains("rel:recommendation-reference"))
        );
        Ok(())
    }

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
