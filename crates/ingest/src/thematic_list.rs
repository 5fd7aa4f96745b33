//! OHCHR's "thematic list of recommendations" (DOCX): one table whose rows are either a
//! theme heading ("Theme: A12 Acceptance of international norms") or one paragraph of the
//! Working Group report, with its position and tags:
//!
//! | Recommendation | Position | Full list of themes | Assessment/comments … |
//! |---|---|---|---|
//! | `186.2. Ratify ICCPR (Brazil); Speed up … (Bulgaria);` + `Source of position: A/HRC/25/5/Add.1 - Para. 186.2.` | `Noted` | `A12 Acceptance of international norms` … `Affected persons:` `- general` (`SDGs:` `- 16 - PEACE…` from cycle 3 on) | |
//!
//! A paragraph may hold several recommendations, each closed by its recommending states in
//! parentheses; OHCHR groups near-identical ones this way. Each becomes its own
//! [`NewRecommendation`], and those of one paragraph share a `source_group`, a human-made
//! cluster. The state under review, the cycle and the session are read from the page
//! header or title ("UPR of Slovenia (3rd Cycle - 34th Session)").

use std::collections::{BTreeMap, HashSet};

use rightstrack_core::text::{clean_text, fold_accents};
use rightstrack_core::{
    DocumentKind, Mechanism, NewRecommendation, Position, Session, SourceDocument, StateCode,
    Taxonomy,
};

use crate::docx::{self, Block};
use crate::vocab::{leading_paragraph, session_and_cycle, state_named, tag};
use crate::{ImportOptions, IngestError, Parsed, Problem};

// OHCHR writes these lists in English, and for some states in French or Spanish. The
// words below are compared lower-cased and without accents (see `fold`).
const SOURCE_OF_POSITION: [&str; 4] = [
    "source of position",
    "source de la position",
    "fuente de la posicion",
    "fuente de posicion",
];
const TITLE_MARKERS: [&str; 8] = [
    "universal periodic review of ",
    "upr of ",
    "review of ",
    "examen periodique universel de ",
    "examen periodico universal de ",
    "epu de ",
    "epu du ",
    "epu des ",
];
/// Articles before a state's name in French and Spanish titles ("EPU de la France").
const ARTICLES: [&str; 7] = ["la ", "le ", "les ", "l'", "el ", "los ", "las "];

/// Lower case without accents: "Recomendación" → "recomendacion".
fn fold(text: &str) -> String {
    fold_accents(&text.to_lowercase()).replace('\u{2019}', "'")
}

fn is_source_line(line: &str) -> bool {
    let folded = fold(line);
    SOURCE_OF_POSITION.iter().any(|m| folded.starts_with(m))
}

/// A position as the lists word it, in English, French or Spanish.
fn position_of(cell: &str) -> Result<Position, String> {
    let folded = fold(cell);
    let word = folded.trim().trim_end_matches(['.', '*']);
    let position = match word {
        "soutenue" | "soutenu" | "acceptee" | "accepte" | "appuyee" | "aceptada" | "aceptado"
        | "apoyada" | "apoyado" => Position::Supported,
        "notee" | "note" | "prise en note" | "rejetee" | "anotada" | "tomada nota"
        | "se toma nota" | "rechazada" => Position::Noted,
        "partiellement soutenue"
        | "partiellement acceptee"
        | "apoyada parcialmente"
        | "aceptada parcialmente" => Position::SupportedInPart,
        _ => return Position::parse(cell.trim()).map_err(|e| e.to_string()),
    };
    Ok(position)
}

/// The byte offset in `text` just after the first of `markers` found in its folded form.
fn after_marker(text: &str, markers: &[&str]) -> Option<usize> {
    // Folding maps each character to one character, so character counts carry over.
    let folded: String = text
        .chars()
        .map(|c| fold(&c.to_string()).chars().next().unwrap_or(c))
        .collect();
    let (at, marker) = markers
        .iter()
        .find_map(|m| folded.find(m).map(|i| (i, m)))?;
    let chars = folded[..at].chars().count() + marker.chars().count();
    Some(
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(i, _)| i),
    )
}

/// True when the document is a thematic list: its page header or title says so, or a
/// table has the list's recommendation and themes columns (a Working Group addendum's
/// table of positions has no themes).
pub fn looks_like_thematic_list(bytes: &[u8]) -> bool {
    if !crate::archive::is_zip(bytes) {
        return false;
    }
    let Ok(blocks) = docx::read(bytes) else {
        return false;
    };
    let titled = |text: &str| {
        let folded = fold(text);
        [
            "thematic list of recommendations",
            "liste thematique des recommandations",
            "lista tematica de recomendaciones",
        ]
        .iter()
        .any(|m| folded.contains(m))
    };
    docx::header_texts(bytes)
        .unwrap_or_default()
        .iter()
        .any(|h| titled(h))
        || blocks.iter().take(40).any(|b| match b {
            Block::Paragraph(p) => titled(&p.text),
            Block::Table(rows) => rows
                .iter()
                .take(3)
                .any(|r| Columns::of(r).is_some_and(|c| c.themes.is_some())),
        })
}

/// Which column holds what, from the header row's labels.
#[derive(Debug, Clone, Copy)]
struct Columns {
    recommendation: usize,
    /// Absent from lists made before the state gave its positions.
    position: Option<usize>,
    themes: Option<usize>,
    sdgs: Option<usize>,
    persons: Option<usize>,
    /// ISO 639-1 language of the list, from its column names.
    language: &'static str,
}

impl Columns {
    fn of(header: &[String]) -> Option<Self> {
        let folded: Vec<String> = header.iter().map(|h| fold(h)).collect();
        let find = |words: &[&str]| {
            folded
                .iter()
                .position(|h| words.iter().any(|w| h.contains(w)))
        };
        let recommendation = find(&["recommendation", "recommandation", "recomendacion"])?;
        let language = match folded[recommendation].as_str() {
            h if h.contains("recommandation") => "fr",
            h if h.contains("recomendacion") => "es",
            _ => "en",
        };
        let position = find(&["position", "posicion"]);
        let themes = find(&["theme", "tema"]);
        position.or(themes)?;
        Some(Self {
            recommendation,
            position,
            themes,
            sdgs: find(&["sdg", "odd", "ods"]),
            persons: find(&["affected", "concernee", "afectad"]),
            language,
        })
    }

    /// The usual layout (recommendation, position, themes), for a table without a header
    /// row: taken only when most rows look like it, a numbered paragraph beside a position.
    fn guess(rows: &[Vec<String>]) -> Option<Self> {
        let wide: Vec<&Vec<String>> = rows.iter().filter(|r| r.len() >= 3).collect();
        let fitting = wide
            .iter()
            .filter(|r| {
                leading_paragraph(&r[0]).is_some()
                    && r[1].lines().next().is_some_and(|l| position_of(l).is_ok())
            })
            .count();
        (fitting > 0 && fitting * 2 >= wide.len()).then_some(Self {
            recommendation: 0,
            position: Some(1),
            themes: Some(2),
            sdgs: None,
            persons: None,
            language: "en",
        })
    }
}

/// The review a list is about, from its running title.
#[derive(Debug, Default, PartialEq)]
struct Review {
    title: String,
    state_name: String,
    state: Option<StateCode>,
    session: Option<Session>,
    cycle: Option<rightstrack_core::Cycle>,
}

/// Reads "UPR of China (2nd Cycle – 17th session)", also when the state's name has its own
/// parentheses ("UPR of Bolivia (Plurinational State of) (3rd Cycle - 34th Session)").
fn review_in(text: &str) -> Option<Review> {
    let rest = text.get(after_marker(text, &TITLE_MARKERS)?..)?;
    // The name runs to the parenthesis that names the cycle or session, or to the line's end.
    let mut name_end = rest.find(['\n', '\t']).unwrap_or(rest.len());
    let mut review_part = "";
    for (open, close) in crate::vocab::paren_groups(rest) {
        let inside = &rest[open + 1..close];
        let lowered = fold(inside);
        if ["cycle", "ciclo", "session", "sesion"]
            .iter()
            .any(|w| lowered.contains(w))
        {
            name_end = name_end.min(open);
            review_part = inside;
            break;
        }
    }
    let mut state_name = clean_text(&rest[..name_end]);
    if state_named(&state_name).is_none() {
        if let Some(name) = ARTICLES.iter().find_map(|a| {
            // By characters: folding changes byte lengths ("l’" → "l'").
            fold(&state_name).starts_with(a).then(|| {
                state_name
                    .chars()
                    .skip(a.chars().count())
                    .collect::<String>()
            })
        }) {
            state_name = name;
        }
    }
    let (session, cycle) = session_and_cycle(if review_part.is_empty() {
        rest
    } else {
        review_part
    });
    Some(Review {
        title: clean_text(text),
        state: state_named(&state_name),
        state_name,
        session,
        cycle,
    })
}

/// The first state named anywhere in `text`, the longest name winning ("Guinea-Bissau"
/// over "Guinea").
fn state_mentioned(text: &str) -> Option<StateCode> {
    let words: Vec<&str> = text
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '-' | '\u{2013}' | ':' | '|' | ',' | '(' | ')')
        })
        .filter(|w| !w.is_empty())
        .collect();
    (0..words.len()).find_map(|i| {
        (1..=6.min(words.len() - i))
            .rev()
            .find_map(|n| state_named(&words[i..i + n].join(" ")))
    })
}

/// One recommendation of a paragraph, with the states that made it.
#[derive(Debug, Default, PartialEq)]
struct Attributed {
    text: String,
    states: Vec<StateCode>,
    /// Names in the attribution that are no state.
    unknown: Vec<String>,
}

/// The states named in an attribution such as "Spain, Tunisia, Portugal",
/// "Venezuela (Bolivarian Republic of),Peru" or "Bosnia and Herzegovina"; names that are
/// no state are returned apart.
fn states_in(attribution: &str) -> (Vec<StateCode>, Vec<String>) {
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut from = 0;
    for (i, c) in attribution.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' | ';' if depth == 0 => {
                pieces.push(&attribution[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&attribution[from..]);
    let mut states = Vec::new();
    let mut unknown = Vec::new();
    for piece in pieces.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        // "France and Spain" versus "Bosnia and Herzegovina": the longest names that are states.
        let parts: Vec<&str> = piece.split(" and ").collect();
        let mut i = 0;
        while i < parts.len() {
            let found = (i..parts.len())
                .rev()
                .find_map(|j| state_named(&parts[i..=j].join(" and ")).map(|code| (j, code)));
            match found {
                Some((j, code)) => {
                    if !states.contains(&code) {
                        states.push(code);
                    }
                    i = j + 1;
                }
                None => {
                    unknown.push(clean_text(piece));
                    break;
                }
            }
        }
    }
    (states, unknown)
}

/// Splits a paragraph's text into its recommendations. A recommendation ends with its
/// attribution: the parenthesised group(s) before a `;`, a final full stop or the end of
/// the text (the last such group is the attribution even when it names no known state,
/// so that the problem is reported), or a group naming only states followed by the next
/// recommendation's capital letter. Other parentheses ("(ICCPR)", "(No. 29)") are text.
fn split_recommendations(text: &str) -> Vec<Attributed> {
    let all = crate::vocab::paren_groups(text);
    let mut out = Vec::new();
    let mut start = 0;
    let mut g = 0;
    while g < all.len() {
        // A chain: groups separated only by white space, "(France) (Lithuania)".
        let mut last = g;
        while last + 1 < all.len() && text[all[last].1 + 1..all[last + 1].0].trim().is_empty() {
            last += 1;
        }
        let after = text[all[last].1 + 1..].trim_start();
        let terminal = after.is_empty()
            || after.starts_with(';')
            || (after.starts_with('.') && after[1..].trim_start().is_empty());
        let contents: Vec<&str> = (g..=last).map(|k| &text[all[k].0 + 1..all[k].1]).collect();
        let parsed: Vec<(Vec<StateCode>, Vec<String>)> =
            contents.iter().map(|c| states_in(c)).collect();
        let only_states = |k: usize| !parsed[k].0.is_empty() && parsed[k].1.is_empty();
        // Where the attribution starts within the chain: trailing groups that name only
        // states, and at a terminal position the last group in any case.
        let mut first = parsed.len();
        while first > 0 && only_states(first - 1) {
            first -= 1;
        }
        if terminal && first == parsed.len() {
            first = parsed.len() - 1;
        }
        let next_starts = after.starts_with(|c: char| c.is_uppercase());
        if first < parsed.len() && (terminal || next_starts) {
            let body = &text[start..all[g + first].0];
            let mut rec = Attributed {
                text: clean_piece(body),
                ..Attributed::default()
            };
            for (states, unknown) in parsed.into_iter().skip(first) {
                for s in states {
                    if !rec.states.contains(&s) {
                        rec.states.push(s);
                    }
                }
                rec.unknown.extend(unknown);
            }
            out.push(rec);
            start = all[last].1 + 1;
        }
        g = last + 1;
    }
    let tail = clean_piece(&text[start..]);
    if !tail.is_empty() {
        out.push(Attributed {
            text: tail,
            ..Attributed::default()
        });
    }
    out
}

/// A recommendation's text without the separators around it.
fn clean_piece(text: &str) -> String {
    clean_text(text.trim_matches(|c: char| c.is_whitespace() || c == ';' || c == ',' || c == '.'))
}

/// The document symbol in "Source of position: A/HRC/25/5/Add.1 - Para. 186.28.".
fn symbol_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .map(|t| t.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        .find(|t| t.contains('/') && t.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(str::to_string)
}

/// The Working Group report a position source refers to: "A/HRC/25/5/Add.1" → "A/HRC/25/5".
fn report_of(symbol: &str) -> String {
    match symbol.to_ascii_lowercase().find("/add") {
        Some(i) => symbol[..i].to_string(),
        None => symbol.to_string(),
    }
}

/// Reads the tags of a cell. Headings ("Affected persons:", "SDGs:", "Themes:") switch the
/// taxonomy for the lines below them; other lines are tags of the current one.
fn read_tags(
    cell: &str,
    mut taxonomy: Taxonomy,
    tags: &mut Vec<(Taxonomy, String)>,
    warnings: &mut Vec<String>,
) {
    for line in cell.lines() {
        let line = line.trim();
        let (heading, rest) = match line.split_once(':') {
            Some((h, rest)) => (fold(h.trim()), rest.trim()),
            None => (fold(line), ""),
        };
        let switched = match heading.trim_end_matches('s') {
            "affected person" | "personnes concernee" | "personas afectada" => {
                Some(Taxonomy::AffectedPersons)
            }
            "sdg" | "sdg goal" | "sdg target" | "sustainable development goal" | "odd" | "od" => {
                Some(Taxonomy::SdgGoal)
            }
            "theme" | "uhri theme" | "full list of theme" | "tema" => Some(Taxonomy::UhriTheme),
            _ => None,
        };
        let item = match switched {
            Some(t) => {
                taxonomy = t;
                rest
            }
            None => line,
        };
        match tag(taxonomy, item) {
            Ok(Some(t)) if !tags.contains(&t) => tags.push(t),
            Ok(_) => {}
            Err(message) => warnings.push(format!("{message}; that tag is skipped")),
        }
    }
}

/// One table row that is a paragraph of the report.
struct Row {
    location: String,
    paragraph: Option<String>,
    text: String,
    position_cell: String,
    /// Lines under the position: the state's explanation, if any.
    position_note: Option<String>,
    position_source: Option<String>,
    tags: Vec<(Taxonomy, String)>,
    language: &'static str,
    /// Whether the table has a position column at all.
    position_column: bool,
    warnings: Vec<String>,
}

pub fn parse(file: &str, bytes: &[u8], options: &ImportOptions) -> Result<Parsed, IngestError> {
    let refuse = |message: String| IngestError::refused(file, message);
    let blocks = docx::read(bytes).map_err(refuse)?;
    let headers = docx::header_texts(bytes).map_err(refuse)?;
    let mut parsed = Parsed::default();
    let problem = |location: &str, message: String| Problem {
        file: file.to_string(),
        location: location.to_string(),
        message,
    };

    // The running title is in the page header, or else among the first paragraphs.
    let titles: Vec<&str> = headers
        .iter()
        .map(String::as_str)
        .chain(blocks.iter().take(40).filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.text.as_str()),
            Block::Table(_) => None,
        }))
        .collect();
    let mut review = titles
        .iter()
        .filter_map(|t| review_in(t))
        .max_by_key(|r| (r.state.is_some(), r.session.is_some(), r.cycle.is_some()))
        .unwrap_or_default();
    if review.state.is_none() {
        // A title worded otherwise ("Thematic list of recommendations: Slovenia, 3rd cycle").
        if let Some((title, state)) = titles
            .iter()
            .find_map(|t| state_mentioned(t).map(|s| (*t, s)))
        {
            let (session, cycle) = session_and_cycle(title);
            review = Review {
                title: clean_text(title),
                state_name: state.state().name.to_string(),
                state: Some(state),
                session: review.session.or(session),
                cycle: review.cycle.or(cycle),
            };
        }
    }
    let state = match (options.state, review.state) {
        (Some(given), Some(found)) if given != found => {
            parsed.warnings.push(problem(
                "page header",
                format!("the document is about {} ({found}) but --state {given} was given; {given} is used", review.state_name),
            ));
            given
        }
        (Some(given), _) => given,
        (None, Some(found)) => found,
        (None, None) => {
            let seen = if review.state_name.is_empty() {
                "names no state under review".to_string()
            } else {
                format!("names {:?}, which is no known state", review.state_name)
            };
            return Err(refuse(format!(
                "the page header or title {seen} (it should read like \"UPR of Slovenia (3rd Cycle - 34th Session)\"); pass --state ISO3 to say which state was reviewed"
            )));
        }
    };
    if let (Some(session), Some(cycle)) = (review.session, review.cycle) {
        if session.cycle() != cycle {
            parsed.warnings.push(problem(
                "page header",
                format!("session {session} belongs to cycle {}, not to cycle {cycle} as the header says; the session's cycle is used", session.cycle()),
            ));
        }
    }

    let rows = table_rows(file, &blocks, &mut parsed)?;
    if rows.is_empty() {
        return Err(refuse(
            "the table has a header row but no recommendation in it".to_string(),
        ));
    }

    // The report whose paragraphs these are: the one most position sources point to.
    let mut reports: BTreeMap<String, usize> = BTreeMap::new();
    for symbol in rows.iter().filter_map(|r| r.position_source.as_deref()) {
        *reports.entry(report_of(symbol)).or_default() += 1;
    }
    let report = reports
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(s, _)| s.clone());
    let review_key = match (review.session, review.cycle) {
        (Some(s), _) => format!("{state}-session{s}"),
        (None, Some(c)) => format!("{state}-cycle{c}"),
        (None, None) => state.to_string(),
    };
    let document = SourceDocument {
        symbol: report.clone().unwrap_or_else(|| review.title.clone()),
        kind: DocumentKind::ThematicList,
        date: None,
        title: (!review.title.is_empty()).then(|| review.title.clone()),
    };

    let mut seen_paragraphs = HashSet::new();
    for row in rows {
        let mut warn = |message: String| parsed.warnings.push(problem(&row.location, message));
        for message in &row.warnings {
            warn(message.clone());
        }
        if let Some(p) = &row.paragraph {
            if !seen_paragraphs.insert(p.clone()) {
                warn(format!(
                    "paragraph {p} was already listed in an earlier row"
                ));
            }
        } else {
            warn("the recommendation has no paragraph number".to_string());
        }
        let position = match position_of(&row.position_cell) {
            Ok(p) => Some(p),
            Err(_) if row.position_cell.is_empty() => {
                if row.position_column {
                    warn("no position is given; imported without one".to_string());
                }
                None
            }
            Err(e) => {
                warn(format!("{e}; imported without a position"));
                None
            }
        };
        let pieces = split_recommendations(&row.text);
        let group = (pieces.len() > 1).then(|| {
            let base = report.clone().unwrap_or_else(|| review_key.clone());
            format!(
                "{base}#{}",
                row.paragraph.as_deref().unwrap_or(&row.location)
            )
        });
        for piece in pieces {
            if piece.text.is_empty() {
                parsed.errors.push(problem(
                    &row.location,
                    "a recommendation without text is skipped".to_string(),
                ));
                continue;
            }
            if piece.states.is_empty() && piece.unknown.is_empty() {
                warn(format!(
                    "no recommending state in parentheses after {:?}",
                    shorten(&piece.text)
                ));
            }
            for name in &piece.unknown {
                warn(format!("unknown recommending state {name:?}; the recommendation is imported without it"));
            }
            let mut rec = NewRecommendation::new(Mechanism::Upr, state, &piece.text);
            if let Some(session) = review.session {
                rec = rec.with_session(session);
            } else {
                rec.cycle = review.cycle;
            }
            rec.document = Some(document.clone());
            rec.paragraph = row.paragraph.clone();
            rec.recommending_states = piece.states;
            rec.position = position;
            rec.position_explanation = row.position_note.clone();
            rec.position_source = row.position_source.clone();
            rec.language = row.language.to_string();
            rec.tags = row.tags.clone();
            rec.source_group = group.clone();
            parsed.recommendations.push(rec);
        }
    }
    Ok(parsed)
}

fn shorten(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// The paragraph rows of every table with a thematic list's header row. Heading rows and
/// empty rows are counted as read and left out.
fn table_rows(file: &str, blocks: &[Block], parsed: &mut Parsed) -> Result<Vec<Row>, IngestError> {
    let mut out = Vec::new();
    let mut tables_seen = Vec::new();
    for (t, block) in blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(rows) => Some(rows),
            Block::Paragraph(_) => None,
        })
        .enumerate()
    {
        let header = block
            .iter()
            .enumerate()
            .take(3)
            .find_map(|(i, r)| Columns::of(r).map(|c| (Some(i), c)));
        let Some((h, columns)) = header.or_else(|| Columns::guess(block).map(|c| (None, c))) else {
            if let Some(first) = block.first() {
                tables_seen.push(
                    first
                        .iter()
                        .map(|c| clean_text(c))
                        .collect::<Vec<_>>()
                        .join(" | "),
                );
            }
            continue;
        };
        if columns.position.is_none() {
            parsed.warnings.push(Problem {
                file: file.to_string(),
                location: format!("table {}", t + 1),
                message: "the table has no Position column; its recommendations are imported without positions"
                    .to_string(),
            });
        }
        let first_row = h.map_or(0, |h| h + 1);
        for (r, cells) in block.iter().enumerate().skip(first_row) {
            let location = format!("table {}, row {}", t + 1, r + 1);
            let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
            // Empty rows, and the header repeated where the table breaks across pages.
            if cells.iter().all(|c| c.trim().is_empty()) || h.is_some_and(|h| cells == &block[h]) {
                continue;
            }
            parsed.rows_read += 1;
            let filled = cells.iter().filter(|c| !c.trim().is_empty()).count();
            let rec_cell = cell(columns.recommendation);
            let heading = ["theme", "tema"]
                .iter()
                .any(|w| fold(rec_cell.trim_start()).starts_with(w));
            if leading_paragraph(rec_cell).is_none() && (filled == 1 || heading) {
                continue; // a theme heading
            }
            out.extend(paragraph_rows(&location, cells, columns));
        }
    }
    if out.is_empty() && parsed.rows_read == 0 {
        let message = if tables_seen.is_empty() {
            "the document has no table with the columns of a thematic list (Recommendation, Position, Full list of themes)".to_string()
        } else {
            format!(
                "no table has the columns of a thematic list (Recommendation, Position, Full list of themes); the table(s) found begin with: {}",
                tables_seen.join("; ")
            )
        };
        return Err(IngestError::refused(file, message));
    }
    Ok(out)
}

/// The paragraphs of one row: usually one; several when the cell holds several numbered
/// paragraphs. Position and tags are the row's.
fn paragraph_rows(location: &str, cells: &[String], columns: Columns) -> Vec<Row> {
    let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
    let mut warnings = Vec::new();
    let mut tags = Vec::new();
    if let Some(c) = columns.themes {
        read_tags(cell(c), Taxonomy::UhriTheme, &mut tags, &mut warnings);
    }
    if let Some(c) = columns.persons.filter(|&c| Some(c) != columns.themes) {
        read_tags(cell(c), Taxonomy::AffectedPersons, &mut tags, &mut warnings);
    }
    if let Some(c) = columns.sdgs.filter(|&c| Some(c) != columns.themes) {
        read_tags(cell(c), Taxonomy::SdgGoal, &mut tags, &mut warnings);
    }
    // "Source of position" may stand under the recommendation or the position.
    let mut position_source = None;
    let mut position_lines = Vec::new();
    for line in columns
        .position
        .map_or("", cell)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if is_source_line(line) {
            position_source = symbol_in(line).or(position_source);
        } else {
            position_lines.push(line);
        }
    }
    let mut paragraphs: Vec<(Option<String>, String)> = Vec::new();
    let mut explaining = false;
    for line in cell(columns.recommendation)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if is_source_line(line) {
            position_source = symbol_in(line).or(position_source);
            continue;
        }
        // Some lists state the position under the recommendation: "Position: Supported".
        // and the lines after it explain it.
        if ["position:", "posicion:"]
            .iter()
            .any(|p| fold(line).starts_with(p))
        {
            position_lines.insert(
                0,
                line.split_once(':').map_or("", |(_, value)| value.trim()),
            );
            explaining = true;
            continue;
        }
        if explaining && leading_paragraph(line).is_none() {
            position_lines.push(line);
            continue;
        }
        explaining = false;
        match (leading_paragraph(line), paragraphs.last_mut()) {
            (Some((number, rest)), _) => paragraphs.push((Some(number), rest.to_string())),
            (None, Some((_, text))) => {
                text.push(' ');
                text.push_str(line);
            }
            (None, None) => paragraphs.push((None, line.to_string())),
        }
    }
    let position_cell = position_lines
        .first()
        .map(|l| clean_text(l))
        .unwrap_or_default();
    let position_note =
        (position_lines.len() > 1).then(|| clean_text(&position_lines[1..].join(" ")));
    let multiple = paragraphs.len() > 1;
    paragraphs
        .into_iter()
        .map(|(paragraph, text)| Row {
            location: match (&paragraph, multiple) {
                (Some(p), true) => format!("{location}, paragraph {p}"),
                _ => location.to_string(),
            },
            paragraph,
            text,
            position_cell: position_cell.clone(),
            position_note: position_note.clone(),
            position_source: position_source.clone(),
            tags: tags.clone(),
            language: columns.language,
            position_column: columns.position.is_some(),
            warnings: std::mem::take(&mut warnings),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::tests::zip_of;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    fn paragraphs(lines: &[&str]) -> String {
        lines
            .iter()
            .map(|l| format!("<w:p><w:r><w:t xml:space=\"preserve\">{l}</w:t></w:r></w:p>"))
            .collect()
    }

    fn row(cells: &[&[&str]]) -> String {
        let cells: String = cells
            .iter()
            .map(|c| format!("<w:tc>{}</w:tc>", paragraphs(c)))
            .collect();
        format!("<w:tr>{cells}</w:tr>")
    }

    /// A thematic list with `header` as its page header and `rows` after the header row.
    fn list(header: &str, rows: &[String]) -> Vec<u8> {
        let columns = row(&[
            &["Recommendation"],
            &["Position"],
            &["Full list of themes"],
            &["Assessment/comments on level of implementation"],
        ]);
        document(header, "", &format!("{columns}{}", rows.concat()))
    }

    /// A DOCX with a page header, a title paragraph and one table of `rows`.
    fn document(header: &str, title: &str, rows: &str) -> Vec<u8> {
        let document = format!(
            "<w:document {W}><w:body>{}<w:tbl>{rows}</w:tbl></w:body></w:document>",
            paragraphs(&[title])
        );
        let header = format!("<w:hdr {W}>{}</w:hdr>", paragraphs(&[header]));
        zip_of(&[
            ("word/document.xml", document.as_bytes()),
            ("word/header1.xml", header.as_bytes()),
        ])
    }

    const HEADER: &str =
        "UPR of Norway (3rd Cycle \u{2013} 33rd Session)Thematic list of recommendations";

    fn fixture() -> Vec<u8> {
        list(
            HEADER,
            &[
                row(&[&["Theme: A12 Acceptance of international norms"]]),
                row(&[
                    &[
                        "140.1 Ratify the Convention on Wells (Chile) (Peru); Consider ratifying the Convention on Wells (Bosnia and Herzegovina, France and Spain);",
                        "Source of position: A/HRC/40/7/Add.1 - Para. 3",
                    ],
                    &["Supported"],
                    &["- Acceptance of international norms", "SDGs: ", "- 16 - PEACE, JUSTICE AND STRONG INSTITUTIONS", "- 6.1 - Safe water", "Affected persons:", "- women", "- well diggers"],
                    &[""],
                ]),
                row(&[
                    &["140.2 Adopt the Water Act (No. 12) (Atlantis);", "Source of position: A/HRC/40/7/Add.1 - Para. 4"],
                    &["Noted"],
                    &["A12 Acceptance of international norms", "SDGs:", "- 18 - NO SUCH GOAL"],
                    &[""],
                ]),
                row(&[
                    &["140.3. Strengthen the water institute (Iran (Islamic Republic of))"],
                    &["Perhaps"],
                    &["B31 Equality &amp; non-discrimination"],
                    &[""],
                ]),
                row(&[&["140.4 Keep wells clean."], &["Supported"], &[""], &[""]]),
            ],
        )
    }

    fn parse_fixture(bytes: &[u8], options: &ImportOptions) -> Result<Parsed, String> {
        parse("list.docx", bytes, options).map_err(|e| e.to_string())
    }

    #[test]
    fn splits_paragraphs_into_recommendations_with_states_and_tags() -> Result<(), String> {
        let parsed = parse_fixture(&fixture(), &ImportOptions::default())?;
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.rows_read, 5);
        let recs = &parsed.recommendations;
        assert_eq!(recs.len(), 5);
        let states = |i: usize| {
            recs[i]
                .recommending_states
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(states(0), ["CHL", "PER"]);
        assert_eq!(states(1), ["BIH", "FRA", "ESP"]);
        assert_eq!(recs[1].text, "Consider ratifying the Convention on Wells");
        assert_eq!(recs[0].source_group.as_deref(), Some("A/HRC/40/7#140.1"));
        assert_eq!(recs[0].source_group, recs[1].source_group);
        assert_eq!(recs[2].source_group, None);
        assert_eq!(recs[2].text, "Adopt the Water Act (No. 12)");
        assert_eq!(states(3), ["IRN"]);
        assert_eq!(recs[3].paragraph.as_deref(), Some("140.3"));

        let first = &recs[0];
        assert_eq!(first.state.to_string(), "NOR");
        assert_eq!(first.session.map(Session::number), Some(33));
        assert_eq!(first.cycle.map(|c| c.number()), Some(3));
        assert_eq!(first.position, Some(Position::Supported));
        assert_eq!(first.position_source.as_deref(), Some("A/HRC/40/7/Add.1"));
        assert_eq!(
            first.document.as_ref().map(|d| d.symbol.as_str()),
            Some("A/HRC/40/7")
        );
        assert_eq!(
            first.tags,
            [
                (Taxonomy::UhriTheme, "A12".to_string()),
                (Taxonomy::SdgGoal, "16".to_string()),
                (Taxonomy::SdgTarget, "6.1".to_string()),
                (Taxonomy::AffectedPersons, "women".to_string()),
                (Taxonomy::AffectedPersons, "well diggers".to_string()),
            ]
        );
        assert_eq!(recs[3].tags, [(Taxonomy::UhriTheme, "B31".to_string())]);

        // Nothing is dropped silently: each oddity is a warning at its row.
        let warnings: Vec<String> = parsed
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.location, w.message))
            .collect();
        let expect = [
            ("row 4", "\"18 - NO SUCH GOAL\""),
            ("row 4", "unknown recommending state \"Atlantis\""),
            ("row 5", "\"Perhaps\""),
            ("row 6", "no recommending state"),
        ];
        for (row, text) in expect {
            assert!(
                warnings.iter().any(|w| w.contains(row) && w.contains(text)),
                "{row} {text}: {warnings:?}"
            );
        }
        assert_eq!(warnings.len(), expect.len(), "{warnings:?}");
        Ok(())
    }

    #[test]
    fn the_state_comes_from_the_header_or_the_options() -> Result<(), String> {
        let rows = [row(&[
            &["1.1 Do it (France);"],
            &["Supported"],
            &[""],
            &[""],
        ])];
        let anonymous = list("Thematic list of recommendations", &rows);
        let refusal = parse_fixture(&anonymous, &ImportOptions::default())
            .err()
            .unwrap_or_default();
        assert!(
            refusal.starts_with("list.docx: ") && refusal.contains("--state"),
            "{refusal}"
        );
        let svn = StateCode::parse("SVN").map_err(|e| e.to_string())?;
        let options = ImportOptions { state: Some(svn) };
        let parsed = parse_fixture(&anonymous, &options)?;
        assert_eq!(parsed.recommendations[0].state, svn);
        assert_eq!(parsed.recommendations[0].session, None);
        // A header naming another state: the option wins, and the disagreement is reported.
        let parsed = parse_fixture(&list(HEADER, &rows), &options)?;
        assert_eq!(parsed.recommendations[0].state, svn);
        assert_eq!(parsed.warnings.len(), 1);
        Ok(())
    }

    #[test]
    fn reads_french_lists() -> Result<(), String> {
        let rows = [
            row(&[
                &["Recommandation"],
                &["Position"],
                &["Liste compl\u{e8}te des th\u{e8}mes"],
                &["\u{c9}valuation"],
            ]),
            row(&[&["Th\u{e8}me: A12 Acceptation des normes internationales"]]),
            row(&[
                &[
                    "145.1 Ratifier la Convention (Allemagne, C\u{f4}te d\u{2019}Ivoire);",
                    "Source de la position : A/HRC/38/4/Add.1 - Para. 3",
                ],
                &["Soutenue"],
                &[
                    "- Acceptation des normes internationales",
                    "ODD :",
                    "- 16 - PAIX, JUSTICE ET INSTITUTIONS EFFICACES",
                    "Personnes concern\u{e9}es :",
                    "- femmes",
                ],
                &[""],
            ]),
        ];
        let bytes = document("EPU de la France (3e cycle \u{2013} 29e session) Liste th\u{e9}matique des recommandations", "", &rows.concat());
        assert!(looks_like_thematic_list(&bytes));
        let parsed = parse_fixture(&bytes, &ImportOptions::default())?;
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let rec = parsed.recommendations.first().ok_or("no recommendation")?;
        assert_eq!(
            (rec.state.to_string(), rec.session.map(Session::number)),
            ("FRA".into(), Some(29))
        );
        assert_eq!(rec.language, "fr");
        assert_eq!(rec.position, Some(Position::Supported));
        assert_eq!(rec.position_source.as_deref(), Some("A/HRC/38/4/Add.1"));
        assert_eq!(
            rec.recommending_states
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            ["DEU", "CIV"]
        );
        assert_eq!(
            rec.tags,
            [
                (
                    Taxonomy::UhriTheme,
                    "Acceptation des normes internationales".to_string()
                ),
                (Taxonomy::SdgGoal, "16".to_string()),
                (Taxonomy::AffectedPersons, "femmes".to_string()),
            ]
        );
        Ok(())
    }

    #[test]
    fn reads_a_table_without_header_row_and_a_title_worded_otherwise() -> Result<(), String> {
        let rows = [
            row(&[
                &["115.1 Do X (France);"],
                &["Supported"],
                &["A12 Acceptance of international norms"],
            ]),
            row(&[
                &[
                    "115.2 Do Y (Chile);",
                    "Position: Noted",
                    "The Government explains.",
                ],
                &[""],
                &[""],
            ]),
        ];
        let bytes = document(
            "Page 1",
            "Thematic list of recommendations \u{2013} Slovenia \u{2013} 2nd cycle",
            &rows.concat(),
        );
        assert!(looks_like_thematic_list(&bytes));
        let parsed = parse_fixture(&bytes, &ImportOptions::default())?;
        let recs = &parsed.recommendations;
        assert_eq!(recs.len(), 2, "{:?}", parsed.warnings);
        assert_eq!(recs[0].state.to_string(), "SVN");
        assert_eq!(
            (recs[0].cycle.map(|c| c.number()), recs[0].session),
            (Some(2), None)
        );
        assert_eq!(recs[1].position, Some(Position::Noted));
        assert_eq!(
            recs[1].position_explanation.as_deref(),
            Some("The Government explains.")
        );
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);

        // Before the state's response a list has no Position column: said once.
        let rows = [
            row(&[&["Recommendation"], &["Full list of themes"]]),
            row(&[
                &["115.1 Do X (France);"],
                &["A12 Acceptance of international norms"],
            ]),
            row(&[&["115.2 Do Y (Timor-Leste);"], &[""]]),
        ];
        let parsed = parse_fixture(
            &document(HEADER, "", &rows.concat()),
            &ImportOptions::default(),
        )?;
        assert_eq!(parsed.recommendations.len(), 2);
        assert!(parsed.recommendations.iter().all(|r| r.position.is_none()));
        assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
        Ok(())
    }

    #[test]
    fn reads_review_titles_with_parenthesised_names() {
        let review =
            review_in("UPR of Bolivia (Plurinational State of) (3rd Cycle - 34th Session)")
                .unwrap_or_default();
        assert_eq!(review.state.map(|s| s.to_string()).as_deref(), Some("BOL"));
        assert_eq!(review.session.map(Session::number), Some(34));
        assert_eq!(review_in("Page 1 of 3"), None);
        let french =
            review_in("EPU de l\u{2019}\u{c9}quateur (3e cycle - 27e session)").unwrap_or_default();
        assert_eq!(french.state.map(|s| s.to_string()).as_deref(), Some("ECU"));
    }

    #[test]
    fn attributions_are_told_from_other_parentheses() {
        let split = split_recommendations(
            "Ratify the ICRMW (ICRMW) (Iran (Islamic Republic of)); ensure it (2009–2014) works (Netherlands) Adopt a plan (France).",
        );
        let texts: Vec<&str> = split.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Ratify the ICRMW (ICRMW)",
                "ensure it (2009–2014) works",
                "Adopt a plan"
            ]
        );
        assert!(split
            .iter()
            .all(|a| a.states.len() == 1 && a.unknown.is_empty()));
        let (states, unknown) = states_in("Senegal, Venezuela (Bolivarian Republic of),Peru, Trinidad and Tobago and Chile, Narnia");
        assert_eq!(states.len(), 5);
        assert_eq!(unknown, ["Narnia"]);
    }

    #[test]
    fn bad_documents_are_refused_with_the_reason() {
        let refusal = |bytes: &[u8]| {
            parse_fixture(bytes, &ImportOptions::default())
                .err()
                .unwrap_or_default()
        };
        let full = fixture();
        let truncated = refusal(&full[..full.len() / 2]);
        assert!(
            truncated.contains("list.docx") && truncated.contains("damaged or truncated"),
            "{truncated}"
        );
        assert!(refusal(b"Recommendation,Position\n").contains("not a readable ZIP"));

        let document = format!(
            "<w:document {W}><w:body><w:tbl>{}</w:tbl></w:body></w:document>",
            row(&[&["Name"], &["Date"]])
        );
        let header = format!("<w:hdr {W}>{}</w:hdr>", paragraphs(&[HEADER]));
        let wrong_columns = zip_of(&[
            ("word/document.xml", document.as_bytes()),
            ("word/header1.xml", header.as_bytes()),
        ]);
        let message = refusal(&wrong_columns);
        assert!(
            message.contains("no table has the columns") && message.contains("Name | Date"),
            "{message}"
        );

        let zeros = vec![b' '; (crate::archive::MAX_UNCOMPRESSED_BYTES + 1) as usize];
        let bomb = zip_of(&[("word/document.xml", &zeros)]);
        assert!(refusal(&bomb).contains("would inflate"));
    }

    #[test]
    fn recognised_by_content() {
        assert!(looks_like_thematic_list(&fixture()));
        assert!(!looks_like_thematic_list(
            &crate::docx::tests::docx_with_body("<w:p><w:r><w:t>Report</w:t></w:r></w:p>")
        ));
        assert!(!looks_like_thematic_list(b"To,Text,From,Session\n"));
    }
}
