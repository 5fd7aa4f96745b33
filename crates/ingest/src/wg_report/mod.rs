//! The Report of the UPR Working Group (PDF or DOCX): the recommendations of its
//! "Conclusions and/or recommendations" section, each with its paragraph number, its
//! recommending states and, where the report groups them so, the state's position.
//!
//! The pipeline: [`extract`] the text page by page, strip page furniture and footnotes
//! ([`layout`]), find the section and its numbered paragraphs ([`section`]), and cut each
//! paragraph into one recommendation per group of recommending states ([`attribution`]).
//! The state under review, the session, the symbol and the date are read from the report
//! itself. [`addendum`] reads the state's views on the recommendations ("Add.1").

pub mod addendum;
pub mod attribution;
mod comment;
pub mod dialogue;
pub mod extract;
pub mod forms;
pub mod layout;
pub mod notation;
pub mod section;

use std::sync::OnceLock;

use regex::Regex;
use rightstrack_core::{
    DocumentKind, Mechanism, NewRecommendation, Session, SourceDocument, State, StateCode,
};

use crate::{IngestError, Parsed, Problem};

pub const TITLE: &str = "Report of the Working Group on the Universal Periodic Review";

/// What a report says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// "A/HRC/14/15" (for an addendum, the report it belongs to).
    pub symbol: Option<String>,
    /// "A/HRC/14/15/Add.1" for an addendum.
    pub own_symbol: Option<String>,
    pub state: Option<StateCode>,
    pub session: Option<Session>,
    pub date: Option<time::Date>,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| {
        Regex::new(pattern).unwrap_or_else(|_| unreachable!("the pattern is a constant"))
    })
}

/// The text's first page, flattened: where the title, the symbol and the date are.
fn head(text: &extract::Text) -> String {
    let mut out = String::new();
    for page in text.pages.iter().take(2) {
        for line in page {
            out.push_str(line.trim());
            out.push('\n');
        }
    }
    out
}

fn has_title(head: &str) -> bool {
    let flat = rightstrack_core::text::clean_text(head).to_lowercase();
    flat.contains(&TITLE.to_lowercase())
}

fn is_addendum(head: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"(?m)^\s*Addendum\s*$|/Add\.\d").is_match(head)
}

/// A PDF or DOCX whose first pages carry the title of a Working Group report, and which
/// is not its addendum.
pub fn looks_like(bytes: &[u8]) -> bool {
    first_pages(bytes).is_some_and(|h| has_title(&h) && !is_addendum(&h))
}

fn first_pages(bytes: &[u8]) -> Option<String> {
    if !(extract::is_pdf(bytes) || extract::is_zip(bytes)) {
        return None;
    }
    extract::extract_first_pages(bytes, 2)
        .ok()
        .map(|t| head(&t))
}

/// The ordinal of a session as the reports write it ("fourth", "twenty-first", "13th").
pub fn ordinal(word: &str) -> Option<u16> {
    const UNITS: [&str; 19] = [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
    ];
    const TENS: [(&str, &str, u16); 5] = [
        ("twentieth", "twenty", 20),
        ("thirtieth", "thirty", 30),
        ("fortieth", "forty", 40),
        ("fiftieth", "fifty", 50),
        ("sixtieth", "sixty", 60),
    ];
    let w = word.trim().to_lowercase();
    let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        return digits.parse().ok();
    }
    if let Some(i) = UNITS.iter().position(|u| *u == w) {
        return Some(i as u16 + 1);
    }
    for (whole, stem, n) in TENS {
        if w == whole {
            return Some(n);
        }
        if let Some(rest) = w.strip_prefix(stem) {
            let rest = rest.trim_start_matches(['-', ' ', '\u{2010}', '\u{2011}']);
            let unit = UNITS.iter().take(9).position(|u| *u == rest)?;
            return Some(n + unit as u16 + 1);
        }
    }
    None
}

/// Reads the symbol, the state under review, the session and the date from the report.
pub fn metadata(text: &extract::Text, body: &str) -> Metadata {
    static SYMBOL: OnceLock<Regex> = OnceLock::new();
    static DATE: OnceLock<Regex> = OnceLock::new();
    static SESSION: OnceLock<Regex> = OnceLock::new();
    static WG_SYMBOL: OnceLock<Regex> = OnceLock::new();
    static REVIEW_OF: OnceLock<Regex> = OnceLock::new();
    let head = head(text);
    let own_symbol = re(&SYMBOL, r"A/HRC/\d+/\d+(?:/Add\.\d+)?")
        .find(&head)
        .map(|m| m.as_str().to_string());
    let symbol = own_symbol
        .as_deref()
        .map(|s| s.split("/Add.").next().unwrap_or(s).to_string());
    let date = re(
        &DATE,
        r"\b(\d{1,2}) (January|February|March|April|May|June|July|August|September|October|November|December) (\d{4})\b",
    )
    .captures(&head)
    .and_then(|c| {
        let month = time::Month::try_from(
            [
                "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December",
            ]
            .iter()
            .position(|m| *m == &c[2])? as u8
                + 1,
        )
        .ok()?;
        time::Date::from_calendar_date(c[3].parse().ok()?, month, c[1].parse().ok()?).ok()
    });
    let flat = rightstrack_core::text::clean_text(body);
    let session = re(
        &SESSION,
        r"(?i)Working Group on the Universal Periodic Review\b.{0,200}?\bheld its ([a-z0-9]+(?:[-\u{2010}\u{2011} ][a-z]+th)?) session",
    )
    .captures(&flat)
    .and_then(|c| ordinal(&c[1]))
    .or_else(|| {
        re(&WG_SYMBOL, r"A/HRC/WG\.6/(\d+)/")
            .captures(&flat)
            .and_then(|c| c[1].parse().ok())
    })
    .and_then(|n| Session::new(n).ok());
    let state = state_from_title(&head).or_else(|| {
        re(
            &REVIEW_OF,
            r"(?i)\bThe review of (?:the )?(.{3,80}?) was held",
        )
        .captures(&flat)
        .and_then(|c| State::by_name(&c[1]))
        .map(|s| s.code)
    });
    Metadata {
        symbol,
        own_symbol,
        state,
        session,
        date,
    }
}

/// The state under review: the first line after the title that names a state.
fn state_from_title(head: &str) -> Option<StateCode> {
    let lines: Vec<&str> = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let title_end = (0..lines.len()).find(|&i| {
        let joined = lines[i..lines.len().min(i + 2)].join(" ").to_lowercase();
        joined.contains("report of the working group on the universal periodic")
    })?;
    lines.iter().skip(title_end).take(6).find_map(|line| {
        let name = line.trim_matches(|c: char| c == '*' || c.is_whitespace());
        State::by_name(name).map(|s| s.code)
    })
}

pub fn parse(file: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let text = extract::extract(bytes).map_err(|m| IngestError::refused(file, m))?;
    parse_text(file, &text)
}

/// Parses a report whose text is already extracted.
pub fn parse_text(file: &str, text: &extract::Text) -> Result<Parsed, IngestError> {
    let lines = layout::body_lines(&text.pages);
    let body = lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let meta = metadata(text, &body);
    if !has_title(&head(text)) && meta.symbol.is_none() {
        return Err(IngestError::refused(
            file,
            format!("this is not a Report of the Working Group on the Universal Periodic Review: its first page has neither the title \"{TITLE}\" nor an A/HRC symbol"),
        ));
    }
    let Some(state) = meta.state else {
        return Err(IngestError::refused(
            file,
            "cannot tell the state under review: no state is named under the report's title nor in \"The review of … was held\"",
        ));
    };
    let mut parsed = Parsed::default();
    let problem = |location: String, message: String| Problem {
        file: file.to_string(),
        location,
        message,
    };
    let range = match section::find_section_range(&lines) {
        Some(range) => range,
        None => {
            let Some(range) = section::find_list_range(&lines) else {
                return Err(IngestError::refused(
                    file,
                    "the report has neither a \"Conclusions and/or recommendations\" section nor a numbered list of recommendations naming recommending states (\"90.1 Ratify … (Chile);\"), so there are no recommendations to import",
                ));
            };
            let page = lines.get(range.start).map_or(1, |l| l.page);
            parsed.warnings.push(problem(
                format!("page {page}"),
                "no \"Conclusions and/or recommendations\" heading was found; the numbered list of recommendations that starts here was read instead. Check the first and last recommendations imported against the report".into(),
            ));
            range
        }
    };
    let section_lines = &lines[range.clone()];
    let vocabulary = layout::vocabulary(&lines);
    let items = section::items(section_lines, &vocabulary);
    if items.is_empty() {
        return Err(IngestError::refused(
            file,
            "the \"Conclusions and/or recommendations\" section has no numbered recommendations",
        ));
    }

    if meta.session.is_none() {
        parsed.warnings.push(problem(
            "page 1".into(),
            "cannot tell the Working Group session (no \"held its … session\" nor A/HRC/WG.6/N symbol): the recommendations are imported without it".into(),
        ));
    }
    let document = SourceDocument {
        symbol: meta.symbol.clone().unwrap_or_else(|| file.to_string()),
        kind: DocumentKind::WorkingGroupReport,
        date: meta.date,
        title: Some(format!("{TITLE}: {}", state.state().name)),
    };
    // The recommendations read from the item before, for a comment numbered as an item.
    let mut previous_item = 0..0;
    for item in &items {
        parsed.rows_read += 1;
        // "2. Costa Rica explained that it has not considered to date … the ratification
        // of ICRMW.": the state's comment on the item before, numbered like an item.
        let after_recommendations = parsed.recommendations[previous_item.clone()]
            .iter()
            .any(|r| !r.recommending_states.is_empty());
        if after_recommendations && comment::is_comment_item(&item.text, state) {
            for rec in &mut parsed.recommendations[previous_item.clone()] {
                rec.position_explanation = Some(match rec.position_explanation.take() {
                    Some(earlier) => format!("{earlier} {}", item.text),
                    None => item.text.clone(),
                });
            }
            continue;
        }
        let first_of_item = parsed.recommendations.len();
        let location = format!("page {}, paragraph {}", item.page, item.label);
        let (words, mut response) = comment::split_response(&item.text, state);
        // "The recommendations listed above enjoy the support of Morocco.", closing the
        // last item: the position of every item above that has none, not an explanation.
        if let Some(grouping) = response.and_then(section::grouping_of_the_list_above) {
            if let Some(position) = grouping.position() {
                for rec in parsed
                    .recommendations
                    .iter_mut()
                    .filter(|r| r.position.is_none())
                {
                    rec.position = Some(position);
                    rec.position_source = Some(document.symbol.clone());
                }
            }
            response = None;
        }
        for piece in attribution::split_recommendations(words) {
            for name in &piece.unknown {
                parsed.warnings.push(problem(
                    location.clone(),
                    format!("recommending state {name:?} matches no UN member or observer state; the recommendation is imported without it"),
                ));
            }
            if piece.states.is_empty() && piece.unknown.is_empty() {
                parsed.warnings.push(problem(
                    location.clone(),
                    "the paragraph names no recommending state; the recommendation is imported without one".into(),
                ));
            }
            let mut rec = NewRecommendation::new(Mechanism::Upr, state, &piece.text);
            if let Some(session) = meta.session {
                rec = rec.with_session(session);
            }
            rec.document = Some(document.clone());
            rec.paragraph = Some(item.label.clone());
            rec.recommending_states = piece.states;
            if let Some(position) = item.grouping.position() {
                rec.position = Some(position);
                rec.position_source = Some(document.symbol.clone());
            }
            rec.position_explanation = response.map(str::to_string);
            parsed.recommendations.push(rec);
        }
        previous_item = first_of_item..parsed.recommendations.len();
    }
    // Recommendations the section disposes of by reference to the dialogue.
    for found in dialogue::referenced(&lines[..range.start], section_lines, &vocabulary) {
        parsed.rows_read += 1;
        let mut rec = NewRecommendation::new(Mechanism::Upr, state, &found.text);
        if let Some(session) = meta.session {
            rec = rec.with_session(session);
        }
        rec.document = Some(document.clone());
        rec.paragraph = Some(found.label.clone());
        rec.recommending_states = found.state.into_iter().collect();
        if rec.recommending_states.is_empty() {
            parsed.warnings.push(problem(
                format!("page {}, paragraph {}", found.page, found.label),
                "the paragraph of the interactive dialogue names no recommending state; the recommendation is imported without one".into(),
            ));
        }
        if let Some(position) = found.grouping.position() {
            rec.position = Some(position);
            rec.position_source = Some(document.symbol.clone());
        }
        parsed.recommendations.push(rec);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rightstrack_core::Position;

    fn page(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    /// A report of the genre, written for the test: title page, a paragraph running over
    /// a page break under a running header and a page number, a footnote, a hyphenated
    /// line end and the three groupings.
    fn report() -> extract::Text {
        let pages = vec![
            page(&[
                "               United Nations                                     A/HRC/99/7",
                "               General Assembly                   Distr.: General",
                "                                                  4 January 2031",
                "Human Rights Council",
                "              Report of the Working Group on the Universal Periodic",
                "              Review*",
                "              Chile",
                "",
                "          * The annex is circulated as received.",
                "GE.31-10001",
            ]),
            page(&[
                "A/HRC/99/7",
                "         1.  The Working Group on the Universal Periodic Review, established in",
                "         accordance with Human Rights Council resolution 5/1, held its fifty-seventh",
                "         session from 1 to 12 November 2030. The review of Chile was held at the 3rd meeting.",
                "  II. Conclusions and/or recommendations**",
                "         90. The recommendations below enjoy the support of Chile:",
                "               90.1. Ratify the Convention against Torture (France); strengthen the",
                "               ombudsman (the Netherlands) (Peru);",
                "               90.2. Adopt a comprehensive law against discrimi-",
                "               nation on all grounds, including sexual orientation and gender",
                "",
                "  **",
                "      The conclusions and recommendations have not been edited.",
                "",
                "                                                               7",
            ]),
            page(&[
                "A/HRC/99/7",
                "               identity (United Kingdom of Great Britain and Northern Ireland,",
                "               Bolivarian Republic of Venezuela);",
                "         91. The following recommendations will be examined by Chile, which will provide responses in due time:",
                "               91.1. Abolish the death penalty (Ruritania, Norway);",
                "         92. The recommendations below did not enjoy the support of Chile:",
                "               92.1. Decriminalize defamation (Sweden);",
                "  III. Voluntary pledges and commitments",
                "         93. Chile pledged to report.",
                "8",
            ]),
        ];
        extract::Text {
            pages,
            from_pdf: true,
        }
    }

    #[test]
    fn reads_a_report_of_the_genre() -> Result<(), IngestError> {
        let parsed = parse_text("r.pdf", &report())?;
        let recs = &parsed.recommendations;
        let summary: Vec<(&str, &str, Vec<&str>, Option<Position>)> = recs
            .iter()
            .map(|r| {
                (
                    r.paragraph.as_deref().unwrap_or(""),
                    r.text.as_str(),
                    r.recommending_states.iter().map(|s| s.as_str()).collect(),
                    r.position,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("90.1", "Ratify the Convention against Torture", vec!["FRA"], Some(Position::Supported)),
                ("90.1", "Strengthen the ombudsman", vec!["NLD", "PER"], Some(Position::Supported)),
                (
                    "90.2",
                    "Adopt a comprehensive law against discrimination on all grounds, including sexual orientation and gender identity",
                    vec!["GBR", "VEN"],
                    Some(Position::Supported)
                ),
                ("91.1", "Abolish the death penalty", vec!["NOR"], None),
                ("92.1", "Decriminalize defamation", vec!["SWE"], Some(Position::Noted)),
            ]
        );
        let first = &recs[0];
        assert_eq!(first.state.as_str(), "CHL");
        assert_eq!(first.session.map(|s| s.number()), Some(57));
        let doc = first
            .document
            .as_ref()
            .map(|d| (d.symbol.as_str(), d.kind, d.date.map(|d| d.to_string())));
        assert_eq!(
            doc,
            Some((
                "A/HRC/99/7",
                DocumentKind::WorkingGroupReport,
                Some("2031-01-04".to_string())
            ))
        );
        assert_eq!(first.position_source.as_deref(), Some("A/HRC/99/7"));
        // "Ruritania" is no state: reported, never dropped silently.
        assert!(parsed
            .warnings
            .iter()
            .any(|w| w.message.contains("\"Ruritania\"") && w.location.contains("91.1")));
        Ok(())
    }

    #[test]
    fn a_comment_numbered_as_an_item_explains_the_one_before() -> Result<(), IngestError> {
        let mut text = report();
        let page = &mut text.pages[2];
        let at = page
            .iter()
            .position(|l| l.contains("92.1."))
            .unwrap_or(page.len());
        page.insert(
            at + 1,
            "               92.2. Chile explained that it does not plan to reform its press law in the near future.".into(),
        );
        let parsed = parse_text("r.pdf", &text)?;
        let labels: Vec<&str> = parsed
            .recommendations
            .iter()
            .filter_map(|r| r.paragraph.as_deref())
            .collect();
        assert!(!labels.contains(&"92.2"), "{labels:?}");
        let defamation = parsed
            .recommendations
            .iter()
            .find(|r| r.paragraph.as_deref() == Some("92.1"));
        assert_eq!(
            defamation.and_then(|r| r.position_explanation.as_deref()),
            Some(
                "Chile explained that it does not plan to reform its press law in the near future."
            )
        );
        Ok(())
    }

    fn refusal(result: Result<Parsed, IngestError>) -> String {
        match result {
            Ok(p) => format!("accepted with {} recommendations", p.recommendations.len()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_text_without_the_section_is_refused() {
        let mut text = report();
        text.pages.truncate(1);
        let message = refusal(parse_text("r.pdf", &text));
        assert!(
            message.contains(
                "neither a \"Conclusions and/or recommendations\" section nor a numbered list"
            ),
            "{message}"
        );
    }

    /// A well-formed one-page PDF with nothing drawn on it: what a scan without OCR is to
    /// a text extractor.
    fn pdf_without_text() -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ];
        let mut pdf = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(pdf.len());
            pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = pdf.len();
        pdf.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for offset in offsets {
            pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        pdf.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        pdf
    }

    fn pdftotext_present() -> bool {
        std::process::Command::new("pdftotext")
            .arg("-v")
            .output()
            .is_ok()
    }

    #[test]
    fn refusals_say_why() {
        let garbage = refusal(parse("g.bin", b"\x00\x01 not a document"));
        assert!(garbage.contains("neither a PDF nor a DOCX"), "{garbage}");
        let docx = crate::docx::tests::docx_with_body("<w:p><w:r><w:t>Report</w:t></w:r></w:p>");
        let truncated = refusal(parse("t.docx", &docx[..docx.len() / 2]));
        assert!(truncated.contains("damaged or truncated"), "{truncated}");
        if !pdftotext_present() {
            println!("pdftotext is not installed: the PDF refusals are not checked");
            return;
        }
        let scan = refusal(parse("scan.pdf", &pdf_without_text()));
        assert!(scan.contains("OCR is not supported"), "{scan}");
        let damaged = refusal(parse(
            "d.pdf",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage",
        ));
        assert!(
            damaged.contains("damaged") || damaged.contains("no text layer"),
            "{damaged}"
        );
    }

    #[test]
    fn detection_says_why_a_pdf_cannot_be_read() {
        // Not "no format": the reason the text could not be read, with what to do.
        let reason = crate::format::detect("scan.pdf", &pdf_without_text())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let expected = if pdftotext_present() {
            "OCR is not supported"
        } else {
            "install poppler-utils"
        };
        assert!(
            reason.contains(expected) && reason.contains("scan.pdf"),
            "{reason}"
        );
    }

    #[test]
    fn a_docx_report_reads_like_a_pdf_one() -> Result<(), IngestError> {
        let paragraphs = [
            "Report of the Working Group on the Universal Periodic Review",
            "Chile",
            "The Working Group on the Universal Periodic Review held its fourth session from 2 to 13 February 2009.",
            "II. Conclusions and/or recommendations",
            "60. The recommendations below enjoy the support of Chile:",
            "60.1. Ratify the Convention against Torture (France, Peru);",
        ];
        let body: String = paragraphs
            .iter()
            .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
            .collect();
        let parsed = parse("r.docx", &crate::docx::tests::docx_with_body(&body))?;
        assert_eq!(parsed.recommendations.len(), 1);
        assert_eq!(
            parsed.recommendations[0].session.map(|s| s.number()),
            Some(4)
        );
        assert_eq!(parsed.recommendations[0].recommending_states.len(), 2);
        Ok(())
    }

    #[test]
    fn ordinals() {
        assert_eq!(ordinal("fourth"), Some(4));
        assert_eq!(ordinal("twenty-first"), Some(21));
        assert_eq!(ordinal("fortieth"), Some(40));
        assert_eq!(ordinal("13th"), Some(13));
        assert_eq!(ordinal("umpteenth"), None);
    }
}
