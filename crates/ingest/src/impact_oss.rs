//! IMPACT OSS recommendation import files (CSV). IMPACT OSS writes its import template
//! with headers such as `Reference [database:reference]`, `Title [database:title]`,
//! `Description [database:description]`, `Response [database:response]`,
//! `Support level [database:support_level]` and relationship columns such as
//! `Categories [rel:category-short-title]`, whose values are comma-separated; plain
//! field names (`reference`, `title`) are read too.
//!
//! The files do not name the state under review, so it comes from the import options.
//! Categories are IMPACT OSS's own taxonomy: those that name a mechanism ("UPR", "CRC"),
//! a cycle or session, a UHRI theme, affected persons or an SDG are used; the others are
//! listed in one warning.

use std::collections::BTreeSet;

use rightstrack_core::text::clean_text;
use rightstrack_core::{Mechanism, NewRecommendation, Position, Taxonomy};

use crate::archive::is_zip;
use crate::sheet::{csv_header, fold, read_csv};
use crate::vocab::{known_term, sdg, session_and_cycle};
use crate::{ImportOptions, IngestError, Parsed, Problem};

/// The field a header names: `Title [database:title]` → `title`,
/// `Categories [rel:category-short-title|…]` → `category-short-title`, `reference` → itself.
pub(crate) fn field(header: &str) -> String {
    for marker in ["[database:", "[rel:", "[attribute:"] {
        if let Some(i) = header.find(marker) {
            let inside = &header[i + marker.len()..];
            let end = inside.find([']', '|']).unwrap_or(inside.len());
            return inside[..end].trim().to_lowercase();
        }
    }
    header.trim().to_lowercase()
}

/// True for an IMPACT OSS import file: its header has `[database:…]` or `[rel:…]` names,
/// or the plain fields `reference` and `description` or `title` beside a response.
pub fn looks_like_impact_oss(bytes: &[u8]) -> bool {
    if is_zip(bytes) {
        return false;
    }
    let header = csv_header(bytes);
    if header
        .iter()
        .any(|h| h.contains("[database:") || h.contains("[rel:"))
    {
        return true;
    }
    let fields: Vec<String> = header.iter().map(|h| fold(&field(h))).collect();
    let has = |f: &str| fields.iter().any(|x| x == f);
    has("reference")
        && (has("description") || has("title"))
        && (has("supportlevel") || has("response") || has("accepted"))
}

struct Columns {
    reference: usize,
    title: Option<usize>,
    description: Option<usize>,
    response: Option<usize>,
    support_level: Option<usize>,
    accepted: Option<usize>,
    categories: Vec<usize>,
}

fn columns(file: &str, header: &[String]) -> Result<Columns, IngestError> {
    let fields: Vec<String> = header.iter().map(|h| fold(&field(h))).collect();
    let find = |name: &str| fields.iter().position(|f| f == name);
    let title = find("title");
    let description = find("description");
    let reference = find("reference");
    let (Some(reference), true) = (reference, title.is_some() || description.is_some()) else {
        let mut missing = Vec::new();
        if reference.is_none() {
            missing.push("reference");
        }
        if title.is_none() && description.is_none() {
            missing.push("description (or title)");
        }
        return Err(IngestError::refused(
            file,
            format!(
                "line 1: the header lacks the column(s) {}; an IMPACT OSS recommendation import has columns such as \"Reference [database:reference]\", \"Title [database:title]\", \"Description [database:description]\", \"Response [database:response]\", \"Support level [database:support_level]\"",
                missing.join(", ")
            ),
        ));
    };
    Ok(Columns {
        reference,
        title,
        description,
        response: find("response"),
        support_level: find("supportlevel"),
        accepted: find("accepted"),
        categories: (0..fields.len())
            .filter(|&i| fields[i].starts_with("category"))
            .collect(),
    })
}

/// IMPACT OSS's support levels: 0 noted, 1 supported in part, 2 supported; words too.
fn support_level(value: &str) -> Result<Position, String> {
    match value.trim() {
        "0" => Ok(Position::Noted),
        "1" => Ok(Position::SupportedInPart),
        "2" => Ok(Position::Supported),
        other => Position::parse(other).map_err(|e| e.to_string()),
    }
}

fn accepted(value: &str) -> Option<Position> {
    match value.trim().to_lowercase().as_str() {
        "true" | "t" | "yes" | "1" => Some(Position::Supported),
        "false" | "f" | "no" | "0" => Some(Position::Noted),
        _ => None,
    }
}

/// True for the template's hint row ("Required: text", "Optional: number").
pub(crate) fn is_hint_row(row: &[String]) -> bool {
    let filled: Vec<&String> = row.iter().filter(|c| !c.trim().is_empty()).collect();
    !filled.is_empty()
        && filled
            .iter()
            .filter(|c| {
                let lower = c.trim().to_lowercase();
                lower.starts_with("required") || lower.starts_with("optional")
            })
            .count()
            * 2
            >= filled.len()
}

/// What a category names, if anything this system knows.
enum Category {
    Mechanism(Mechanism),
    Tag(Taxonomy, String),
    Review(
        Option<rightstrack_core::Session>,
        Option<rightstrack_core::Cycle>,
    ),
}

fn category(value: &str) -> Option<Category> {
    if let Ok(m) = Mechanism::parse(value) {
        return Some(Category::Mechanism(m));
    }
    let lower = value.to_lowercase();
    // Only values that say they are an SDG, or have a target's shape ("16.2"): a bare
    // number is an IMPACT OSS id as often as a goal.
    let says_sdg = ["sdg", "goal", "target"]
        .iter()
        .any(|p| lower.starts_with(p))
        || (value.contains('.') && value.starts_with(|c: char| c.is_ascii_digit()));
    if says_sdg {
        if let Ok((taxonomy, code)) = sdg(value) {
            return Some(Category::Tag(taxonomy, code));
        }
    }
    let (session, cycle) = session_and_cycle(value);
    if session.is_some() || cycle.is_some() {
        return Some(Category::Review(session, cycle));
    }
    [Taxonomy::UhriTheme, Taxonomy::AffectedPersons]
        .into_iter()
        .find_map(|t| known_term(t, value).map(|term| Category::Tag(t, term.code)))
}

pub fn parse(file: &str, bytes: &[u8], options: &ImportOptions) -> Result<Parsed, IngestError> {
    let sheet = read_csv(bytes).map_err(|message| IngestError::refused(file, message))?;
    let header = sheet.rows.first().ok_or_else(|| {
        IngestError::refused(
            file,
            "the file is empty: an IMPACT OSS import starts with a header line",
        )
    })?;
    let cols = columns(file, header)?;
    let state = options.state.ok_or_else(|| {
        IngestError::refused(
            file,
            "IMPACT OSS files do not name the state under review: pass --state ISO3 (for example --state SVN)",
        )
    })?;

    let mut parsed = Parsed::default();
    let mut unmapped: BTreeSet<String> = BTreeSet::new();
    let mut without_mechanism = 0usize;
    for (row, location) in sheet.rows.iter().zip(&sheet.locations).skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) || is_hint_row(row) {
            continue;
        }
        parsed.rows_read += 1;
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).map_or("", |c| c.trim());
        let problem = |message: String| Problem {
            file: file.to_string(),
            location: location.clone(),
            message,
        };
        let reference = cell(Some(cols.reference));
        if reference.is_empty() {
            parsed
                .errors
                .push(problem("the reference is empty".to_string()));
            continue;
        }
        let text = [cell(cols.description), cell(cols.title)]
            .into_iter()
            .find(|t| !t.is_empty())
            .map(clean_text)
            .unwrap_or_default();
        if text.is_empty() {
            parsed.errors.push(problem(format!(
                "recommendation {reference}: both description and title are empty"
            )));
            continue;
        }

        let mut mechanism = None;
        let mut rec = NewRecommendation::new(Mechanism::Upr, state, &text);
        for &c in &cols.categories {
            // Values are comma-separated; a value may carry "|extra" after the key.
            for value in cell(Some(c))
                .split(',')
                .filter_map(|v| v.split('|').next())
                .map(str::trim)
            {
                if value.is_empty() {
                    continue;
                }
                match category(value) {
                    Some(Category::Mechanism(m)) => match &mechanism {
                        Some(first) if first != &m => parsed.warnings.push(problem(format!(
                            "categories name two mechanisms, {first} and {m}; {first} is kept"
                        ))),
                        _ => mechanism = Some(m),
                    },
                    Some(Category::Tag(t, code)) => {
                        if !rec.tags.contains(&(t, code.clone())) {
                            rec.tags.push((t, code));
                        }
                    }
                    Some(Category::Review(session, cycle)) => match session {
                        Some(s) => rec = rec.with_session(s),
                        None => rec.cycle = rec.cycle.or(cycle),
                    },
                    None => {
                        unmapped.insert(value.to_string());
                    }
                }
            }
        }
        match mechanism {
            Some(m) => rec.mechanism = m,
            None => without_mechanism += 1,
        }

        let response = cell(cols.response);
        let level = cell(cols.support_level);
        let mut position = None;
        if !level.is_empty() && level != "null" {
            match support_level(level) {
                Ok(p) => position = Some(p),
                Err(e) => parsed.warnings.push(problem(format!(
                    "support_level: {e}; imported without a position"
                ))),
            }
        }
        position = position.or_else(|| accepted(cell(cols.accepted)));
        // The response is a position word or the state's explanation of its position.
        match Position::parse(response) {
            Ok(p) if position.is_none() => position = Some(p),
            Ok(_) => {}
            Err(_) if !response.is_empty() => rec.position_explanation = Some(clean_text(response)),
            Err(_) => {}
        }
        rec.position = position;
        rec.position_source = position.map(|_| "IMPACT OSS".to_string());
        // IMPACT OSS references are unique within one instance only, so the state is part
        // of the id that makes re-imports update rather than duplicate.
        rec.source_id = Some(format!("impact-oss/{state}/{reference}"));
        parsed.recommendations.push(rec);
    }
    let summary = |message: String| Problem {
        file: file.to_string(),
        location: "categories".to_string(),
        message,
    };
    if without_mechanism > 0 {
        parsed.warnings.push(summary(format!(
            "{without_mechanism} recommendation(s) have no category naming a mechanism (UPR, CRC, CEDAW, …); they are imported as UPR recommendations"
        )));
    }
    if !unmapped.is_empty() {
        let shown: Vec<&str> = unmapped.iter().take(20).map(String::as_str).collect();
        let more = unmapped.len().saturating_sub(shown.len());
        parsed.warnings.push(summary(format!(
            "categories that name no mechanism, cycle, UHRI theme, affected persons or SDG are left out: {}{}",
            shown.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        )));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rightstrack_core::StateCode;

    /// An import file as IMPACT OSS's template lays it out, hint row included.
    const FIXTURE: &str = "\
Reference [database:reference],Title [database:title],Description [database:description],Response [database:response],Support level [database:support_level],Categories [rel:category-short-title]
Required: text,Optional: text,Optional: markdown,Optional: markdown,Optional: number,Optional: text
UPR-3-140.1,Wells,Ratify the Convention on wells,,2,\"UPR, A12, SDG 6, 3rd cycle, Ministry of Water\"
UPR-3-140.2,Water act,,The Government will consider it,1,\"UPR,women|extra,16.3\"
CRC-2019-12,,Protect children near wells,Noted,,\"CRC, Ministry of Water, Office of Wells\"
,Orphan,No reference,,,
UPR-3-140.4,,,,,
UPR-3-140.5,Heat,Cool the wells,,7,
";

    fn options() -> Result<ImportOptions, String> {
        Ok(ImportOptions {
            state: Some(StateCode::parse("NOR").map_err(|e| e.to_string())?),
        })
    }

    #[test]
    fn maps_references_positions_and_categories() -> Result<(), String> {
        assert!(looks_like_impact_oss(FIXTURE.as_bytes()));
        let parsed =
            parse("impact.csv", FIXTURE.as_bytes(), &options()?).map_err(|e| e.to_string())?;
        let recs = &parsed.recommendations;
        assert_eq!(parsed.rows_read, 6);
        assert_eq!(recs.len(), 4);
        let first = &recs[0];
        assert_eq!(
            first.source_id.as_deref(),
            Some("impact-oss/NOR/UPR-3-140.1")
        );
        assert_eq!(first.text, "Ratify the Convention on wells");
        assert_eq!(first.mechanism, Mechanism::Upr);
        assert_eq!(first.position, Some(Position::Supported));
        assert_eq!(first.cycle.map(|c| c.number()), Some(3));
        assert_eq!(
            first.tags,
            [
                (Taxonomy::UhriTheme, "A12".to_string()),
                (Taxonomy::SdgGoal, "6".to_string())
            ]
        );

        // Title when there is no description; a free-text response is the explanation.
        assert_eq!(recs[1].text, "Water act");
        assert_eq!(recs[1].position, Some(Position::SupportedInPart));
        assert_eq!(
            recs[1].position_explanation.as_deref(),
            Some("The Government will consider it")
        );
        assert_eq!(
            recs[1].tags,
            [
                (Taxonomy::AffectedPersons, "women".to_string()),
                (Taxonomy::SdgTarget, "16.3".to_string())
            ]
        );

        assert_eq!(
            recs[2].mechanism,
            Mechanism::TreatyBody(rightstrack_core::Committee::Crc)
        );
        assert_eq!(recs[2].position, Some(Position::Noted));
        assert_eq!(recs[3].position, None);

        let errors: Vec<String> = parsed
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.location, e.message))
            .collect();
        assert_eq!(
            errors,
            [
                "line 6: the reference is empty",
                "line 7: recommendation UPR-3-140.4: both description and title are empty"
            ]
        );
        let warnings: Vec<String> = parsed
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.location, w.message))
            .collect();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings[0].starts_with("line 8: support_level"),
            "{warnings:?}"
        );
        assert!(
            warnings[1].contains("1 recommendation(s) have no category naming a mechanism"),
            "{warnings:?}"
        );
        assert!(
            warnings[2].ends_with("left out: Ministry of Water, Office of Wells"),
            "{warnings:?}"
        );
        Ok(())
    }

    #[test]
    fn the_state_must_be_given() {
        let message = parse("impact.csv", FIXTURE.as_bytes(), &ImportOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("impact.csv") && message.contains("--state ISO3"),
            "{message}"
        );
    }

    #[test]
    fn plain_field_names_and_wrong_columns() -> Result<(), String> {
        let plain = "reference,title,description,support_level,accepted\nR1,T,D,,true\n";
        assert!(looks_like_impact_oss(plain.as_bytes()));
        let parsed =
            parse("plain.csv", plain.as_bytes(), &options()?).map_err(|e| e.to_string())?;
        assert_eq!(
            parsed.recommendations[0].position,
            Some(Position::Supported)
        );

        let wrong = "Name [database:name],Date [database:date]\nx,y\n";
        assert!(looks_like_impact_oss(wrong.as_bytes()));
        let message = parse("wrong.csv", wrong.as_bytes(), &options()?)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("lacks the column(s) reference, description (or title)"),
            "{message}"
        );
        assert!(parse("empty.csv", b"", &options()?).is_err());
        assert!(!looks_like_impact_oss(
            b"To,Text,From,Response,Action,Issue,Session\n"
        ));
        Ok(())
    }
}
