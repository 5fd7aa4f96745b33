//! The UPR Info database export: one row per (recommendation text, recommending state),
//! columns `To, To-Rgrp, To-Org, Text, From, From-Rgrp, From-Org, Response, Action, Issue,
//! Session`. Real exports have old Mac line endings, a legacy single-byte encoding, HTML
//! character references, duplicate rows and states spelled several ways.
//!
//! Rows with the same state under review, session and text are one recommendation made by
//! several states, as the UN documents print it: they become one [`NewRecommendation`] with
//! several recommending states. Where such rows disagree, the issues are the union of all
//! rows, and for the position and the action category the first row in the file wins; each
//! disagreement is reported as a warning.

use std::collections::HashMap;

use rightstrack_core::{
    ActionCategory, Mechanism, NewRecommendation, Position, Session, State, StateCode, Taxonomy,
};

use crate::decode::{decode_html_entities, decode_text};
use crate::{IngestError, Parsed, Problem};

const REQUIRED: [&str; 7] = [
    "To", "Text", "From", "Response", "Action", "Issue", "Session",
];

/// The name the export gives a recommending state it does not know.
const UNKNOWN_STATE: &str = "(Unknown)";

/// True when the first line is a UPR Info header.
pub fn looks_like_upr_info(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let head = String::from_utf8_lossy(head);
    let first_line = head.split(['\r', '\n']).next().unwrap_or("");
    let columns: Vec<&str> = first_line
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    ["To", "Text", "From", "Session"]
        .iter()
        .all(|c| columns.contains(c))
}

struct Columns {
    to: usize,
    text: usize,
    from: usize,
    response: usize,
    action: usize,
    issue: usize,
    session: usize,
}

fn columns(file: &str, header: &csv::StringRecord) -> Result<Columns, IngestError> {
    let find = |name: &str| header.iter().position(|h| h.trim() == name);
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| find(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(IngestError::refused(
            file,
            format!(
                "line 1: the header lacks the column(s) {}; a UPR Info export has the columns {}",
                missing.join(", "),
                "To, To-Rgrp, To-Org, Text, From, From-Rgrp, From-Org, Response, Action, Issue, Session"
            ),
        ));
    }
    let at = |name: &str| find(name).unwrap_or_default();
    Ok(Columns {
        to: at("To"),
        text: at("Text"),
        from: at("From"),
        response: at("Response"),
        action: at("Action"),
        issue: at("Issue"),
        session: at("Session"),
    })
}

pub fn parse(file: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let (text, _encoding) = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| IngestError::refused(file, format!("line 1: cannot read the header: {e}")))?
        .clone();
    let cols = columns(file, &header)?;

    let mut parsed = Parsed::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut lookups = Lookups::default();
    for (i, record) in reader.records().enumerate() {
        // Line numbers count the header; exports have no line breaks inside fields, and
        // the reader's own count does not see old Mac (CR-only) line ends.
        let location = format!("line {}", i + 2);
        parsed.rows_read += 1;
        let problem = |message: String| Problem {
            file: file.to_string(),
            location: location.clone(),
            message,
        };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                parsed
                    .errors
                    .push(problem(format!("cannot read the row: {e}")));
                continue;
            }
        };
        if record.len() < header.len() {
            parsed.errors.push(problem(format!(
                "the row has {} fields where the header has {}",
                record.len(),
                header.len()
            )));
            continue;
        }
        let field = |i: usize| decode_html_entities(record.get(i).unwrap_or("").trim());
        let row = match read_row(&field, &cols, &mut lookups) {
            Ok(row) => row,
            Err(message) => {
                parsed.errors.push(problem(message));
                continue;
            }
        };
        for warning in &row.warnings {
            parsed.warnings.push(problem(warning.clone()));
        }
        let key = row.recommendation.identity_key();
        match index.get(&key) {
            None => {
                index.insert(key, parsed.recommendations.len());
                parsed.recommendations.push(row.recommendation);
            }
            Some(&at) => {
                let existing = &mut parsed.recommendations[at];
                for message in merge(existing, row.recommendation) {
                    parsed.warnings.push(problem(message));
                }
            }
        }
    }
    Ok(parsed)
}

struct Row {
    recommendation: NewRecommendation,
    warnings: Vec<String>,
}

/// Names and labels repeat on every row of an export (a few hundred distinct values in tens
/// of thousands of rows): each is resolved once.
#[derive(Default)]
struct Lookups {
    states: HashMap<String, Option<StateCode>>,
    issues: HashMap<String, Result<String, String>>,
}

impl Lookups {
    fn state(&mut self, name: &str) -> Option<StateCode> {
        *self
            .states
            .entry(name.to_string())
            .or_insert_with(|| State::by_name(name).map(|s| s.code))
    }

    fn issue(&mut self, label: &str) -> Result<String, String> {
        self.issues
            .entry(label.to_string())
            .or_insert_with(|| {
                Taxonomy::UprIssue
                    .term(label)
                    .map(|t| t.code)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
}

fn read_row(
    field: &dyn Fn(usize) -> String,
    cols: &Columns,
    lookups: &mut Lookups,
) -> Result<Row, String> {
    let mut warnings = Vec::new();
    let to = field(cols.to);
    let state = lookups
        .state(&to)
        .ok_or_else(|| format!("unknown state under review {to:?} in column To: expected a UN member or observer state"))?;
    let text = field(cols.text);
    if text.is_empty() {
        return Err("the Text column is empty".to_string());
    }
    let session =
        Session::parse(&field(cols.session)).map_err(|e| format!("column Session: {e}"))?;
    let mut rec = NewRecommendation::new(Mechanism::Upr, state, &text).with_session(session);
    rec.position_source = Some("UPR Info database".to_string());

    let from = field(cols.from);
    match recommending_state(&from, lookups) {
        Ok(Some(code)) => rec.recommending_states.push(code),
        Ok(None) => warnings.push(format!(
            "the recommending state is given as {from:?}; the recommendation is imported without one"
        )),
        Err(message) => warnings.push(message),
    }
    let response = field(cols.response);
    if !response.is_empty() {
        match Position::parse(&response) {
            Ok(p) => rec.position = Some(p),
            Err(e) => warnings.push(format!("column Response: {e}; imported without a position")),
        }
    }
    let action = field(cols.action);
    if !action.is_empty() {
        match ActionCategory::parse(&action) {
            Ok(a) => rec.action_category = Some(a),
            Err(e) => warnings.push(format!(
                "column Action: {e}; imported without an action category"
            )),
        }
    }
    for label in field(cols.issue)
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match lookups.issue(label) {
            Ok(code) => rec.tags.push((Taxonomy::UprIssue, code)),
            Err(e) => warnings.push(format!("column Issue: {e}; that label is skipped")),
        }
    }
    Ok(Row {
        recommendation: rec,
        warnings,
    })
}

fn recommending_state(from: &str, lookups: &mut Lookups) -> Result<Option<StateCode>, String> {
    if from.is_empty() || from.eq_ignore_ascii_case(UNKNOWN_STATE) {
        return Ok(None);
    }
    lookups.state(from).map(Some).ok_or_else(|| {
        format!("unknown recommending state {from:?} in column From; the recommendation is imported without it")
    })
}

/// Folds a later row of the same recommendation into the first. Returns the
/// disagreements, for warnings.
fn merge(into: &mut NewRecommendation, row: NewRecommendation) -> Vec<String> {
    let mut notes = Vec::new();
    for state in row.recommending_states {
        if !into.recommending_states.contains(&state) {
            into.recommending_states.push(state);
        }
    }
    if row.position.is_some() && into.position.is_some() && row.position != into.position {
        notes.push(format!(
            "same recommendation as an earlier row but with position {:?}; the earlier {:?} is kept",
            row.position.map(Position::code).unwrap_or_default(),
            into.position.map(Position::code).unwrap_or_default()
        ));
    }
    into.position = into.position.or(row.position);
    if row.action_category.is_some()
        && into.action_category.is_some()
        && row.action_category != into.action_category
    {
        notes.push(format!(
            "same recommendation as an earlier row but with action category {}; the earlier {} is kept",
            row.action_category.map(ActionCategory::number).unwrap_or_default(),
            into.action_category.map(ActionCategory::number).unwrap_or_default()
        ));
    }
    into.action_category = into.action_category.or(row.action_category);
    for tag in row.tags {
        if !into.tags.contains(&tag) {
            into.tags.push(tag);
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session";

    fn csv(rows: &[&str]) -> Vec<u8> {
        let mut text = HEADER.to_string();
        for row in rows {
            text.push('\r');
            text.push_str(row);
        }
        text.into_bytes()
    }

    #[test]
    fn reads_mac_export_and_groups_states() -> Result<(), IngestError> {
        let mut bytes = csv(&[
            r#"Chad,Africa,AU,"Bring Mr. Hiss"#,
            r#"Slovenia,EEG,EU,Ratify OP-CAT,France,WEOG,EU,Accepted,5,"Torture and other CID treatment,International instruments",7"#,
            r#"Slovenia,EEG,EU,Ratify OP-CAT ,Chile,GRULAC,,Accepted,4,Torture and other CID treatment,7"#,
            r#"Slovenia,EEG,EU,Ratify OP-CAT,&#40;Unknown&#41;,&#40;Unknown&#41;,,Accepted,5,Torture and other CID treatment,7"#,
        ]);
        // Turn the first data row into "Hissène Habré" in Mac Roman, closed properly.
        let first = b"Chad,Africa,AU,\"Bring Mr. Hiss\x8Fne Habr\x8E to justice\",Senegal,Africa,AU,Noted,5,Impunity,4";
        let start = HEADER.len() + 1;
        let end = start + r#"Chad,Africa,AU,"Bring Mr. Hiss"#.len();
        bytes.splice(start..end, first.iter().copied());

        let parsed = parse("t.csv", &bytes)?;
        assert_eq!(parsed.rows_read, 4);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.recommendations.len(), 2);
        assert_eq!(
            parsed.recommendations[0].text,
            "Bring Mr. Hissène Habré to justice"
        );
        let opcat = &parsed.recommendations[1];
        let states: Vec<String> = opcat
            .recommending_states
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(states, ["FRA", "CHL"]);
        assert_eq!(opcat.action_category.map(ActionCategory::number), Some(5));
        assert_eq!(opcat.tags.len(), 2);
        // The action-category disagreement and the unknown state are both reported.
        assert_eq!(parsed.warnings.len(), 2, "{:?}", parsed.warnings);
        assert!(parsed.warnings.iter().any(|w| w.location == "line 4"));
        Ok(())
    }

    #[test]
    fn bad_rows_are_reported_and_good_rows_kept() -> Result<(), IngestError> {
        let bytes = csv(&[
            "Atlantis,EEG,,Do something,France,WEOG,,Accepted,5,Justice,7",
            "Slovenia,EEG,,Do something,France,WEOG,,Accepted,5,Justice,zero",
            "Slovenia,EEG,,,France,WEOG,,Accepted,5,Justice,7",
            "Slovenia,EEG,,Do something,France,WEOG,,Accepted,5,Justice,7",
        ]);
        let parsed = parse("t.csv", &bytes)?;
        assert_eq!(parsed.recommendations.len(), 1);
        let locations: Vec<&str> = parsed.errors.iter().map(|e| e.location.as_str()).collect();
        assert_eq!(locations, ["line 2", "line 3", "line 4"]);
        assert!(parsed.errors[0].message.contains("Atlantis"));
        Ok(())
    }

    #[test]
    fn wrong_columns_are_refused_by_name() {
        let err = parse("t.csv", b"To,Text,From\rSlovenia,x,France");
        let message = err
            .map(|_| ())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("Response, Action, Issue, Session"),
            "{message}"
        );
    }
}
