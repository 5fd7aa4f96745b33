//! The Universal Human Rights Index (UHRI) export, as XLSX or CSV, with its published
//! columns (the misspellings are UHRI's own): `Text, Countries Concerned, Regions
//! Concerned, Reccomending Body, Recommending Regions, Type, Document Symbol, Document
//! Publication Date, Themes, Affected Persons, Sdgs, UPR Session, UPR Reccomending States,
//! UPR Position, OHCHR Annotation Id`.
//!
//! Multi-valued cells list one value per line, each as a "- " bullet; `;`, `|` and, where
//! unambiguous, `,` are read as separators too. Dates may be Excel serial numbers. Only
//! annotations of a recommendation type are imported (UHRI also holds observations); the
//! others are counted in one warning. An annotation concerning several countries becomes
//! one recommendation per country, grouped by the annotation id.

use std::collections::BTreeMap;

use rightstrack_core::text::name_key;
use rightstrack_core::{
    Committee, DocumentKind, Mechanism, NewRecommendation, Position, Session, SourceDocument,
    Taxonomy,
};

use crate::archive::{is_zip, Archive};
use crate::sheet::{column, csv_header, fold, read_csv, read_xlsx, Sheet};
use crate::vocab::{
    known_term, leading_paragraph, parse_date, session_and_cycle, split_multi, state_named,
    strip_bullet, tag,
};
use crate::{IngestError, Parsed, Problem};

const TEXT: &[&str] = &["Text"];
const COUNTRIES: &[&str] = &["Countries Concerned"];
const BODY: &[&str] = &["Reccomending Body", "Recommending Body"];
const TYPE: &[&str] = &["Type"];
const SYMBOL: &[&str] = &["Document Symbol"];
const DATE: &[&str] = &["Document Publication Date"];
const THEMES: &[&str] = &["Themes"];
const PERSONS: &[&str] = &["Affected Persons"];
const SDGS: &[&str] = &["Sdgs"];
const SESSION: &[&str] = &["UPR Session"];
const STATES: &[&str] = &["UPR Reccomending States", "UPR Recommending States"];
const POSITION: &[&str] = &["UPR Position"];
const ID: &[&str] = &["OHCHR Annotation Id"];

/// The columns without which a row cannot become a recommendation.
const REQUIRED: [&[&str]; 5] = [TEXT, COUNTRIES, BODY, SYMBOL, ID];
const ALL: [&[&str]; 13] = [
    TEXT, COUNTRIES, BODY, TYPE, SYMBOL, DATE, THEMES, PERSONS, SDGS, SESSION, STATES, POSITION, ID,
];

const SOURCE_NAME: &str = "Universal Human Rights Index";

/// True for a UHRI export: an XLSX or CSV whose header has UHRI's own column names.
pub fn looks_like_uhri(bytes: &[u8]) -> bool {
    if is_zip(bytes) {
        let Ok(mut archive) = Archive::open(bytes, "XLSX") else {
            return false;
        };
        if !archive.contains("xl/workbook.xml") {
            return false;
        }
        // The header's strings come first in the shared strings, or inline in the sheet.
        ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"]
            .iter()
            .any(|part| {
                archive
                    .read_prefix(part, 256 * 1024)
                    .ok()
                    .flatten()
                    .is_some_and(|raw| {
                        let text = String::from_utf8_lossy(&raw).to_lowercase();
                        text.contains("ohchr annotation id") || text.contains("reccomending body")
                    })
            })
    } else {
        let header = csv_header(bytes);
        column(&header, ID).is_some()
            || (column(&header, BODY).is_some() && column(&header, TEXT).is_some())
    }
}

/// Where each column is; optional ones may be absent.
struct Columns {
    at: BTreeMap<&'static str, usize>,
}

impl Columns {
    fn get(&self, aliases: &[&str]) -> Option<usize> {
        aliases.first().and_then(|name| self.at.get(name).copied())
    }
}

fn columns(file: &str, sheet: &Sheet) -> Result<(usize, Columns), IngestError> {
    // The header is the leading row with the most UHRI columns (a title may stand above it).
    let best = sheet
        .rows
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, row)| {
            (
                i,
                ALL.iter()
                    .filter(|aliases| column(row, aliases).is_some())
                    .count(),
            )
        })
        .max_by_key(|&(i, n)| (n, std::cmp::Reverse(i)));
    let Some((h, found)) = best.filter(|&(_, n)| n > 0) else {
        return Err(IngestError::refused(
            file,
            "no header row with the columns of a UHRI export (Text, Countries Concerned, Reccomending Body, Document Symbol, OHCHR Annotation Id, …)",
        ));
    };
    let header = &sheet.rows[h];
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|aliases| column(header, aliases).is_none())
        .filter_map(|aliases| aliases.first().copied())
        .collect();
    if !missing.is_empty() {
        return Err(IngestError::refused(
            file,
            format!(
                "{}: the header lacks the column(s) {}; a UHRI export has the columns Text, Countries Concerned, Regions Concerned, Reccomending Body, Recommending Regions, Type, Document Symbol, Document Publication Date, Themes, Affected Persons, Sdgs, UPR Session, UPR Reccomending States, UPR Position, OHCHR Annotation Id (found {found} of them)",
                sheet.locations.get(h).map(String::as_str).unwrap_or("header"),
                missing.join(", ")
            ),
        ));
    }
    let at = ALL
        .iter()
        .filter_map(|aliases| Some((*aliases.first()?, column(header, aliases)?)))
        .collect();
    Ok((h, Columns { at }))
}

pub fn parse(file: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let sheet = if is_zip(bytes) {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
    .map_err(|message| IngestError::refused(file, message))?;
    let (h, cols) = columns(file, &sheet)?;
    let mut parsed = Parsed::default();
    // Annotation types left out: type → (rows, first location).
    let mut left_out: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (row, location) in sheet.rows.iter().zip(&sheet.locations).skip(h + 1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        parsed.rows_read += 1;
        let cell = |aliases: &[&str]| {
            cols.get(aliases)
                .and_then(|i| row.get(i))
                .map_or("", |c| c.trim())
        };
        let problem = |message: String| Problem {
            file: file.to_string(),
            location: location.clone(),
            message,
        };
        let kind = strip_bullet(cell(TYPE));
        if !kind.is_empty() && !fold(kind).contains("recommend") {
            left_out
                .entry(kind.to_string())
                .or_insert((0, location.clone()))
                .0 += 1;
            continue;
        }
        let mut warnings = Vec::new();
        match read_row(&cell, &mut warnings) {
            Ok(recs) => parsed.recommendations.extend(recs),
            Err(message) => parsed.errors.push(problem(message)),
        }
        parsed.warnings.extend(warnings.into_iter().map(problem));
    }
    for (kind, (rows, first)) in left_out {
        parsed.warnings.push(Problem {
            file: file.to_string(),
            location: if rows > 1 {
                format!("{first} and others")
            } else {
                first
            },
            message: format!(
                "{rows} annotation(s) of type {kind:?} were not imported: only recommendations are"
            ),
        });
    }
    Ok(parsed)
}

fn read_row<'a>(
    cell: &dyn Fn(&[&str]) -> &'a str,
    warnings: &mut Vec<String>,
) -> Result<Vec<NewRecommendation>, String> {
    let id = strip_bullet(cell(ID));
    if id.is_empty() {
        return Err("the OHCHR Annotation Id is empty".to_string());
    }
    let raw_text = cell(TEXT);
    if raw_text.is_empty() {
        return Err(format!("annotation {id}: the Text is empty"));
    }
    let mechanism = mechanism(cell(BODY)).map_err(|e| format!("annotation {id}: {e}"))?;
    let mut countries = Vec::new();
    let mut unknown = Vec::new();
    for name in split_multi(cell(COUNTRIES), &|v| state_named(v).is_some()) {
        match state_named(&name) {
            Some(code) if !countries.contains(&code) => countries.push(code),
            Some(_) => {}
            None => unknown.push(format!("unknown country concerned {name:?} is left out")),
        }
    }
    if countries.is_empty() {
        return Err(format!(
            "annotation {id}: no known state in Countries Concerned {:?}",
            cell(COUNTRIES)
        ));
    }
    warnings.extend(unknown);

    let (paragraph, text) = match leading_paragraph(raw_text) {
        Some((p, rest)) if !rest.is_empty() => (Some(p), rest),
        _ => (None, raw_text),
    };
    let symbol = strip_bullet(cell(SYMBOL));
    let date_cell = strip_bullet(cell(DATE));
    let date = parse_date(date_cell);
    if date.is_none() && !date_cell.is_empty() {
        warnings.push(format!(
            "Document Publication Date {date_cell:?} is not a date; it is left out"
        ));
    }
    let document = (!symbol.is_empty()).then(|| SourceDocument {
        symbol: symbol.to_string(),
        kind: document_kind(&mechanism, symbol),
        date,
        title: None,
    });

    let session_cell = strip_bullet(cell(SESSION));
    let session = match session_and_cycle(session_cell) {
        (Some(s), _) => Some(s),
        _ => Session::parse(session_cell).ok(),
    };
    if session.is_none() && !session_cell.is_empty() {
        warnings.push(format!(
            "UPR Session {session_cell:?} is not a session number; it is left out"
        ));
    }
    let mut recommending = Vec::new();
    for name in split_multi(cell(STATES), &|v| state_named(v).is_some()) {
        match state_named(&name) {
            Some(code) if !recommending.contains(&code) => recommending.push(code),
            Some(_) => {}
            None => warnings.push(format!("unknown recommending state {name:?} is left out")),
        }
    }
    let position_cell = strip_bullet(cell(POSITION));
    let position = match Position::parse(position_cell) {
        Ok(p) => Some(p),
        Err(_) if position_cell.is_empty() => None,
        Err(e) => {
            warnings.push(format!("UPR Position: {e}; imported without a position"));
            None
        }
    };
    let mut tags = Vec::new();
    for (aliases, taxonomy) in [
        (THEMES, Taxonomy::UhriTheme),
        (PERSONS, Taxonomy::AffectedPersons),
        (SDGS, Taxonomy::SdgTarget),
    ] {
        let known = |v: &str| match taxonomy {
            Taxonomy::SdgTarget => crate::vocab::sdg(v).is_ok(),
            _ => known_term(taxonomy, v).is_some(),
        };
        for value in split_multi(cell(aliases), &known) {
            match tag(taxonomy, &value) {
                Ok(Some(t)) if !tags.contains(&t) => tags.push(t),
                Ok(_) => {}
                Err(e) => warnings.push(format!(
                    "{}: {e}; that tag is skipped",
                    aliases.first().unwrap_or(&"")
                )),
            }
        }
    }

    let several = countries.len() > 1;
    Ok(countries
        .into_iter()
        .map(|state| {
            let mut rec = NewRecommendation::new(mechanism.clone(), state, text);
            if let Some(s) = session {
                rec = rec.with_session(s);
            }
            rec.document = document.clone();
            rec.paragraph = paragraph.clone();
            rec.recommending_states = recommending.clone();
            rec.position = position;
            rec.position_source = position.map(|_| SOURCE_NAME.to_string());
            rec.tags = tags.clone();
            rec.source_id = Some(if several {
                format!("{id}/{state}")
            } else {
                id.to_string()
            });
            rec.source_group = several.then(|| id.to_string());
            rec
        })
        .collect())
}

/// The mechanism of a "Reccomending Body" cell: "- UPR", a treaty body ("- CEDAW",
/// "- CRC-OP-AC"), or a special procedure's mandate ("- SR on torture", "- WG Arbitrary
/// Detention"), possibly beside the generic "- Special Procedures".
fn mechanism(cell: &str) -> Result<Mechanism, String> {
    let mut generic_special_procedure = false;
    for item in split_multi(cell, &|_| false) {
        let key = name_key(&item);
        if key == "upr" || key == "universal periodic review" {
            return Ok(Mechanism::Upr);
        }
        if key == "special procedures" || key == "special procedure" {
            generic_special_procedure = true;
            continue;
        }
        if let Ok(Mechanism::TreatyBody(c)) = Mechanism::parse(&item) {
            return Ok(Mechanism::TreatyBody(c));
        }
        // "CRC-OP-AC", "CRC/OP-SC": the committee of an optional protocol.
        if let Some(c) = item
            .split(['-', '/', ' '])
            .next()
            .and_then(|code| Committee::parse(code).ok())
        {
            return Ok(Mechanism::TreatyBody(c));
        }
        let mandate = [
            "sr ",
            "ie ",
            "wg ",
            "special rapporteur",
            "independent expert",
            "working group",
        ]
        .iter()
        .any(|p| key.starts_with(p));
        if mandate {
            return Ok(Mechanism::SpecialProcedure(item));
        }
    }
    if generic_special_procedure {
        return Ok(Mechanism::SpecialProcedure(
            "Special Procedures".to_string(),
        ));
    }
    Err(format!(
        "unknown Reccomending Body {cell:?}: expected UPR, a treaty body (CRC, CEDAW, CAT, …) or a special procedure mandate (SR …, WG …, IE …)"
    ))
}

fn document_kind(mechanism: &Mechanism, symbol: &str) -> DocumentKind {
    let addendum = symbol.to_lowercase().contains("/add");
    match mechanism {
        Mechanism::Upr if addendum => DocumentKind::WorkingGroupAddendum,
        Mechanism::Upr => DocumentKind::WorkingGroupReport,
        Mechanism::TreatyBody(_) => DocumentKind::ConcludingObservations,
        Mechanism::SpecialProcedure(_) if addendum => DocumentKind::CountryVisitReport,
        Mechanism::SpecialProcedure(_) => DocumentKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: [&str; 15] = [
        "Text",
        "Countries Concerned",
        "Regions Concerned",
        "Reccomending Body",
        "Recommending Regions",
        "Type",
        "Document Symbol",
        "Document Publication Date",
        "Themes",
        "Affected Persons",
        "Sdgs",
        "UPR Session",
        "UPR Reccomending States",
        "UPR Position",
        "OHCHR Annotation Id",
    ];

    /// Rows in the export's own style: "- " bullets, one value per line, an Excel serial date.
    fn rows() -> Vec<[&'static str; 15]> {
        vec![
            [
                "121.5 Ratify the Convention on wells",
                "- Norway",
                "- WEOG",
                "- UPR",
                "- GRULAC\n- WEOG",
                "- Recommendations",
                "A/HRC/40/7",
                "43900",
                "- Acceptance of international norms\n- Children: definition; general principles; protection",
                "- women\n- well diggers",
                "- 16.3 - Promote the rule of law\n- 6 - Clean water and sanitation",
                "- 33rd Session",
                "- Chile\n- France",
                "- Supported",
                "id-1",
            ],
            [
                "49. The Committee recommends that the State party adopt a law on wells.",
                "Norway; Sweden",
                "",
                "- CRC-OP-SC",
                "",
                "Recommendation",
                "CRC/C/NOR/CO/6",
                "2019-03-10",
                "Racial discrimination; Good governance",
                "children",
                "SDG 6",
                "",
                "",
                "",
                "id-2",
            ],
            ["Visit wells.", "- Norway", "", "- Special Procedures\n- SR on water", "", "", "A/HRC/45/1/Add.2", "10 March 2020", "", "", "", "", "", "", "id-3"],
            ["The Committee notes with concern …", "- Norway", "", "- CEDAW", "", "- Concerns/Observations", "CEDAW/C/NOR/CO/9", "", "", "", "", "", "", "", "id-4"],
            ["No id here.", "- Norway", "", "- UPR", "", "", "A/HRC/40/7", "", "", "", "", "", "", "", ""],
            ["Unknown body.", "- Norway", "", "- UNESCO", "", "", "X/1", "", "", "", "", "", "", "", "id-6"],
            ["Unknown country.", "- Narnia", "", "- UPR", "", "", "A/HRC/40/7", "", "", "", "", "", "", "", "id-7"],
            ["Odd values.", "- Norway", "", "- UPR", "", "", "A/HRC/40/7", "someday", "", "", "- 18 - NO SUCH GOAL", "- 33rd Session", "- Atlantis", "- Perhaps", "id-8"],
        ]
    }

    fn csv_of(header: &[&str], rows: &[[&str; 15]]) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(header);
        for row in rows {
            let _ = writer.write_record(row);
        }
        writer.into_inner().unwrap_or_default()
    }

    fn xlsx_of(
        header: &[&str],
        rows: &[[&str; 15]],
    ) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "Universal Human Rights Index export")?;
        for (c, name) in (0u16..).zip(header) {
            sheet.write_string(1, c, *name)?;
        }
        for (r, row) in (2u32..).zip(rows) {
            for (c, value) in (0u16..).zip(row) {
                // The date as Excel stores it: a number.
                match value.parse::<f64>() {
                    Ok(n) => sheet.write_number(r, c, n)?,
                    Err(_) => sheet.write_string(r, c, *value)?,
                };
            }
        }
        workbook.save_to_buffer()
    }

    fn check(parsed: &Parsed, location: &str) {
        let recs = &parsed.recommendations;
        assert_eq!(parsed.rows_read, 8);
        assert_eq!(recs.len(), 5, "{recs:#?}");
        let upr = &recs[0];
        assert_eq!(upr.mechanism, Mechanism::Upr);
        assert_eq!(upr.state.to_string(), "NOR");
        assert_eq!(upr.paragraph.as_deref(), Some("121.5"));
        assert_eq!(upr.text, "Ratify the Convention on wells");
        assert_eq!(upr.session.map(Session::number), Some(33));
        assert_eq!(
            upr.recommending_states
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            ["CHL", "FRA"]
        );
        assert_eq!(upr.position, Some(Position::Supported));
        assert_eq!(upr.source_id.as_deref(), Some("id-1"));
        let document = upr.document.as_ref();
        assert_eq!(
            document.map(|d| d.kind),
            Some(DocumentKind::WorkingGroupReport)
        );
        assert_eq!(
            document
                .and_then(|d| d.date)
                .map(|d| d.to_string())
                .as_deref(),
            Some("2020-03-10")
        );
        assert_eq!(upr.tags.len(), 6, "{:?}", upr.tags);
        assert!(upr
            .tags
            .contains(&(Taxonomy::SdgTarget, "16.3".to_string())));
        assert!(upr.tags.contains(&(Taxonomy::SdgGoal, "6".to_string())));
        assert!(upr
            .tags
            .contains(&(Taxonomy::AffectedPersons, "well diggers".to_string())));

        // One annotation about two countries: two recommendations, grouped by the annotation.
        let (nor, swe) = (&recs[1], &recs[2]);
        assert_eq!(nor.mechanism, Mechanism::TreatyBody(Committee::Crc));
        assert_eq!(
            (nor.state.to_string(), swe.state.to_string()),
            ("NOR".into(), "SWE".into())
        );
        assert_eq!(nor.source_id.as_deref(), Some("id-2/NOR"));
        assert_eq!(nor.source_group.as_deref(), Some("id-2"));
        assert_eq!(swe.source_group, nor.source_group);
        assert_eq!(nor.paragraph.as_deref(), Some("49"));
        assert_eq!(
            nor.document.as_ref().map(|d| d.kind),
            Some(DocumentKind::ConcludingObservations)
        );
        assert_eq!(nor.tags.len(), 4, "{:?}", nor.tags);

        assert_eq!(
            recs[3].mechanism,
            Mechanism::SpecialProcedure("SR on water".into())
        );
        assert_eq!(
            recs[3].document.as_ref().map(|d| d.kind),
            Some(DocumentKind::CountryVisitReport)
        );
        assert_eq!(recs[4].position, None);

        let errors: Vec<&str> = parsed.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("Annotation Id is empty"));
        assert!(errors[1].contains("UNESCO"));
        assert!(errors[2].contains("Narnia"));
        let warnings: Vec<String> = parsed
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.location, w.message))
            .collect();
        for text in [
            "someday",
            "NO SUCH GOAL",
            "Atlantis",
            "Perhaps",
            "\"Concerns/Observations\" were not imported",
        ] {
            assert!(
                warnings.iter().any(|w| w.contains(text)),
                "{text}: {warnings:?}"
            );
        }
        assert_eq!(warnings.len(), 5, "{warnings:?}");
        assert!(parsed
            .warnings
            .iter()
            .any(|w| w.location.starts_with(location)));
    }

    #[test]
    fn reads_the_csv_export() -> Result<(), IngestError> {
        let bytes = csv_of(&HEADER, &rows());
        assert!(looks_like_uhri(&bytes));
        check(&parse("uhri.csv", &bytes)?, "line ");
        Ok(())
    }

    #[test]
    fn reads_the_xlsx_export() -> Result<(), String> {
        let bytes = xlsx_of(&HEADER, &rows()).map_err(|e| e.to_string())?;
        assert!(looks_like_uhri(&bytes));
        assert_eq!(
            crate::format::detect("x", &bytes).map_err(|e| e.to_string())?,
            crate::Format::Uhri
        );
        check(
            &parse("uhri.xlsx", &bytes).map_err(|e| e.to_string())?,
            "row ",
        );
        Ok(())
    }

    #[test]
    fn missing_columns_are_named() -> Result<(), String> {
        let header: Vec<&str> = HEADER
            .iter()
            .copied()
            .filter(|h| !h.contains("Symbol") && !h.contains("Annotation"))
            .collect();
        for bytes in [
            csv_of(&header, &[]),
            xlsx_of(&header, &[]).map_err(|e| e.to_string())?,
        ] {
            let message = parse("uhri", &bytes)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                message.contains("lacks the column(s) Document Symbol, OHCHR Annotation Id"),
                "{message}"
            );
        }
        let message = parse("uhri.csv", b"a,b\n1,2\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("no header row"), "{message}");
        Ok(())
    }

    #[test]
    fn damaged_workbooks_are_refused() -> Result<(), String> {
        let bytes = xlsx_of(&HEADER, &rows()).map_err(|e| e.to_string())?;
        for damaged in [&bytes[..bytes.len() / 2], &bytes[..40]] {
            let message = parse("uhri.xlsx", damaged)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                message.starts_with("uhri.xlsx: ") && message.contains("damaged"),
                "{message}"
            );
        }
        let not_a_workbook = crate::archive::tests::zip_of(&[("hello.txt", b"hello")]);
        assert!(parse("uhri.xlsx", &not_a_workbook).is_err());
        assert!(!looks_like_uhri(&not_a_workbook));
        Ok(())
    }

    #[test]
    fn bodies_map_to_mechanisms() {
        assert_eq!(mechanism("- UPR"), Ok(Mechanism::Upr));
        assert_eq!(
            mechanism("Human Rights Committee"),
            Ok(Mechanism::TreatyBody(Committee::Ccpr))
        );
        assert_eq!(
            mechanism("- WG Arbitrary Detention"),
            Ok(Mechanism::SpecialProcedure("WG Arbitrary Detention".into()))
        );
        assert_eq!(
            mechanism("- Special Procedures"),
            Ok(Mechanism::SpecialProcedure("Special Procedures".into()))
        );
        assert!(mechanism("").is_err());
    }
}
