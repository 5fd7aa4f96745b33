//! Reading the vocabulary of OHCHR and IMPACT OSS sources: tags given by code or label,
//! SDG goals versus targets, sessions and cycles named in prose, dates as exports write
//! them, multi-valued cells and state names as documents print them.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rightstrack_core::text::{clean_text, fold_accents, name_key};
use rightstrack_core::{Cycle, SdgGoal, SdgTarget, Session, State, StateCode, Taxonomy, Term};
use time::{Date, Month};

/// The term of `taxonomy`'s reference list that `value` names by code or label, if any.
/// Unlike [`Taxonomy::term`], never invents a term for an unknown label.
pub fn known_term(taxonomy: Taxonomy, value: &str) -> Option<Term> {
    static CODES: OnceLock<HashMap<Taxonomy, HashSet<String>>> = OnceLock::new();
    let codes = CODES.get_or_init(|| {
        Taxonomy::ALL
            .into_iter()
            .map(|t| {
                (
                    t,
                    t.reference_terms()
                        .into_iter()
                        .map(|term| term.code)
                        .collect(),
                )
            })
            .collect()
    });
    let term = taxonomy.term(value).ok()?;
    codes
        .get(&taxonomy)
        .is_some_and(|c| c.contains(&term.code))
        .then_some(term)
}

/// A list item without its bullet: "- women" → "women".
pub fn strip_bullet(item: &str) -> &str {
    item.trim()
        .trim_start_matches(['-', '\u{2013}', '\u{2022}', '*', '\u{b7}'])
        .trim()
}

/// Reads one tag value of `taxonomy` as a source writes it. `Ok(None)` for an empty
/// value. Open taxonomies keep an unknown label as written (the store adds it as a new
/// term); closed ones refuse it with a message. SDG values are read as a goal or a target
/// by their shape ("16", "Goal 16", "16 - Peace…" versus "16.2", "Target 5.a"), whichever
/// of the two SDG taxonomies was asked for.
pub fn tag(taxonomy: Taxonomy, raw: &str) -> Result<Option<(Taxonomy, String)>, String> {
    let value = clean_text(strip_bullet(raw));
    if value.is_empty() {
        return Ok(None);
    }
    if matches!(taxonomy, Taxonomy::SdgGoal | Taxonomy::SdgTarget) {
        return sdg(&value).map(Some);
    }
    // "A12 Acceptance of international norms": the code decides, else the label.
    let (code, label) = split_code(&value);
    if let Some(term) = code
        .and_then(|c| known_term(taxonomy, c))
        .or_else(|| known_term(taxonomy, &value))
        .or_else(|| known_term(taxonomy, label))
    {
        return Ok(Some((taxonomy, term.code)));
    }
    // "S16 SDG 16 - peace, justice and strong institutions": UHRI codes the goals among
    // its themes, S1 to S17.
    if taxonomy == Taxonomy::UhriTheme {
        if let Some(goal) = code.and_then(|c| sdg_theme_code(c, label)) {
            return Ok(Some((Taxonomy::SdgGoal, goal)));
        }
    }
    if taxonomy.is_closed() {
        return Err(format!("{value:?} is not a known {}", taxonomy.label()));
    }
    Ok(Some((taxonomy, value)))
}

/// The SDG goal of a UHRI theme code "S16" whose label names it ("SDG 16 - …", "Peace,
/// justice …") or is empty.
fn sdg_theme_code(code: &str, label: &str) -> Option<String> {
    let number = code.strip_prefix('S')?;
    let goal = SdgGoal::parse(number).ok()?;
    let named = label.is_empty()
        || sdg(label).is_ok_and(|(t, g)| t == Taxonomy::SdgGoal && g == goal.to_string());
    named.then(|| goal.to_string())
}

/// Splits a leading UHRI theme code ("A12", "D51", "S16") from its label.
fn split_code(value: &str) -> (Option<&str>, &str) {
    let (first, rest) = value.split_once(' ').unwrap_or((value, ""));
    let mut chars = first.chars();
    let coded = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && first.len() <= 4
        && first.len() >= 2
        && chars.all(|c| c.is_ascii_digit());
    if coded {
        (Some(first), rest.trim())
    } else {
        (None, value)
    }
}

/// An SDG goal or target from "16", "SDG 16", "16 - PEACE, JUSTICE…", "16.2 - End abuse…",
/// "Target 5.a" or a goal's title.
pub fn sdg(value: &str) -> Result<(Taxonomy, String), String> {
    let lower = value.trim().to_lowercase();
    let mut rest = lower.as_str();
    for prefix in ["sdgs", "sdg", "goal", "target"] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r.trim_start_matches([' ', ':', '-', '#']);
            break;
        }
    }
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        // A goal named by its title, without its number.
        let key = name_key(value);
        return SdgGoal::all()
            .find(|g| name_key(g.short_title()) == key || name_key(g.title()) == key)
            .map(|g| (Taxonomy::SdgGoal, g.to_string()))
            .ok_or_else(|| format!("{value:?} is not an SDG goal or target"));
    }
    let after = &rest[digits.len()..];
    let sub: String = after
        .strip_prefix('.')
        .map(|s| s.chars().take_while(char::is_ascii_alphanumeric).collect())
        .unwrap_or_default();
    if sub.is_empty() {
        SdgGoal::parse(&digits)
            .map(|g| (Taxonomy::SdgGoal, g.to_string()))
            .map_err(|e| format!("{value:?}: {e}"))
    } else {
        SdgTarget::parse(&format!("{digits}.{sub}"))
            .map(|t| (Taxonomy::SdgTarget, t.code.to_string()))
            .map_err(|e| format!("{value:?}: {e}"))
    }
}

/// The Working Group session and the cycle named in prose: "(3rd Cycle - 34th Session)",
/// "Session 34", "third cycle", "(3e cycle – 29e session)", "32° período de sesiones".
pub fn session_and_cycle(text: &str) -> (Option<Session>, Option<Cycle>) {
    let folded = fold_accents(&text.to_lowercase());
    let tokens: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    // The number nearest to a keyword, looking up to `reach` tokens either side.
    let near = |i: usize, reach: usize, read: &dyn Fn(&str) -> bool| {
        (1..=reach)
            .flat_map(|d| [i.checked_sub(d), Some(i + d)])
            .flatten()
            .filter_map(|j| tokens.get(j).copied())
            .find(|t| read(t))
    };
    let numeric = |t: &str| t.starts_with(|c: char| c.is_ascii_digit());
    let mut session = None;
    let mut cycle = None;
    for (i, token) in tokens.iter().enumerate() {
        if session.is_none() && (token.starts_with("session") || token.starts_with("sesion")) {
            session = near(i, 3, &|t| numeric(t) && Session::parse(t).is_ok())
                .and_then(|t| Session::parse(t).ok());
        }
        if cycle.is_none() && (*token == "cycle" || *token == "ciclo") {
            let ordinal = |t: &str| (numeric(t) || t.len() <= 7) && Cycle::parse(t).is_ok();
            cycle = near(i, 2, &ordinal).and_then(|t| Cycle::parse(t).ok());
        }
    }
    (session, cycle)
}

/// A date as exports write it: ISO (`2020-03-10`, with or without a time), an Excel serial
/// day number, day-first numeric (`10/03/2020`, `10.03.2020`), or with the month's
/// English name (`10 March 2020`, `March 10, 2020`).
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let number = |s: &str| s.parse::<i32>().ok();
    let ymd = |y: i32, m: u8, d: u8| Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok();
    if let (Some(y), Some(m), Some(d)) = (text.get(0..4), text.get(5..7), text.get(8..10)) {
        if text.as_bytes().get(4) == Some(&b'-') && text.as_bytes().get(7) == Some(&b'-') {
            return ymd(number(y)?, m.parse().ok()?, d.parse().ok()?);
        }
    }
    if let Ok(serial) = text.parse::<f64>() {
        // Excel counts days from 1899-12-30 (its 1900 leap-year bug included); only
        // plausible document dates are read this way.
        if (20_000.0..80_000.0).contains(&serial) {
            return Date::from_julian_day(2_415_019 + serial.trunc() as i32).ok();
        }
        return None;
    }
    let parts: Vec<&str> = text
        .split(|c: char| c == '/' || c == '.' || c == '-' || c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return None;
    }
    let month_named = |s: &str| {
        let lower = s.to_lowercase();
        (1u8..=12).find(|&m| {
            Month::try_from(m).is_ok_and(|month| {
                let name = month.to_string().to_lowercase();
                lower.len() >= 3 && name.starts_with(&lower)
            })
        })
    };
    let year = number(parts[2])?;
    if let Some(m) = month_named(parts[1]) {
        return ymd(year, m, parts[0].parse().ok()?);
    }
    if let Some(m) = month_named(parts[0]) {
        return ymd(year, m, parts[1].parse().ok()?);
    }
    ymd(year, parts[1].parse().ok()?, parts[0].parse().ok()?)
}

/// Splits a multi-valued cell. Values on separate lines (UHRI's own way, each line a
/// "- " bullet) are taken as they are. On one line, `|` and `;` separate values, except
/// where the joined pieces name one known value (the UHRI theme "Children: definition;
/// general principles; protection"); a comma separates values only when every piece is
/// then a known value, since labels contain commas.
pub fn split_multi(cell: &str, known: &dyn Fn(&str) -> bool) -> Vec<String> {
    let lines: Vec<&str> = cell
        .split(['\n', '\r'])
        .map(strip_bullet)
        .filter(|l| !l.is_empty())
        .collect();
    let [line] = lines.as_slice() else {
        return lines.into_iter().map(clean_text).collect();
    };
    for sep in ['|', ';'] {
        if line.contains(sep) {
            let pieces: Vec<&str> = line
                .split(sep)
                .map(strip_bullet)
                .filter(|p| !p.is_empty())
                .collect();
            return join_known(&pieces, sep, known);
        }
    }
    if line.contains(',') && !known(line) {
        let pieces: Vec<&str> = line
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let items = join_known(&pieces, ',', known);
        if items.iter().all(|i| known(i)) {
            return items;
        }
    }
    vec![clean_text(line)]
}

/// Joins consecutive pieces greedily into the longest runs that name a known value.
fn join_known(pieces: &[&str], sep: char, known: &dyn Fn(&str) -> bool) -> Vec<String> {
    let joined = |from: usize, to: usize| clean_text(&pieces[from..=to].join(&format!("{sep} ")));
    let mut out = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        let end = (i + 1..pieces.len())
            .rev()
            .find(|&j| known(&joined(i, j)))
            .unwrap_or(i);
        out.push(joined(i, end));
        i = end + 1;
    }
    out
}

/// A leading paragraph number ("186.28.", "121.1", "49.") and the text after it. A number
/// without a full stop ("2030 Agenda") is not one.
pub fn leading_paragraph(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let number = &text[..end];
    let rest = &text[end..];
    let well_formed = number.starts_with(|c: char| c.is_ascii_digit())
        && number.contains('.')
        && !number.contains("..")
        && (rest.is_empty() || rest.starts_with(char::is_whitespace) || number.ends_with('.'));
    well_formed.then(|| (number.trim_end_matches('.').to_string(), rest.trim_start()))
}

/// A state by any of its names, also when the document's text extraction broke a word
/// apart ("Sierra Le one", "Plurinational S tate of").
pub fn state_named(name: &str) -> Option<StateCode> {
    static COMPACT: OnceLock<HashMap<String, StateCode>> = OnceLock::new();
    if let Some(state) = State::by_name(name) {
        return Some(state.code);
    }
    let compact = COMPACT.get_or_init(|| {
        let mut map = HashMap::new();
        for state in State::all() {
            for n in std::iter::once(state.name).chain(state.variants.iter().copied()) {
                map.entry(name_key(n).replace(' ', ""))
                    .or_insert(state.code);
            }
        }
        map
    });
    let key = name_key(name);
    let key = key.strip_prefix("the ").unwrap_or(&key).replace(' ', "");
    compact.get(&key).copied()
}

/// The outermost balanced parenthesised groups of `text`, as byte offsets of `(` and `)`.
/// A parenthesis a typo leaves open, "(Paraguay (Argentina);", ends where the next one
/// opens, so that the groups after it are still read.
pub fn paren_groups(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    'scan: loop {
        let mut depth = 0usize;
        let mut open = 0;
        let mut first_inner = None;
        for (i, c) in text[from..].char_indices() {
            let i = from + i;
            match c {
                '(' => {
                    if depth == 0 {
                        open = i;
                        first_inner = None;
                    } else if first_inner.is_none() {
                        first_inner = Some(i);
                    }
                    depth += 1;
                }
                ')' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        out.push((open, i));
                    }
                }
                _ => {}
            }
        }
        // Left open: close it before its first inner parenthesis and read on from there.
        if depth > 0 {
            if let Some(inner) = first_inner {
                if text[..inner].ends_with(' ') {
                    out.push((open, inner - 1));
                    from = inner;
                    continue 'scan;
                }
            }
        }
        return out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parenthesis_left_open_ends_at_the_next() {
        let text = "Ratify CED (Spain); consider accession to CED (Paraguay (Argentina);";
        let groups: Vec<&str> = paren_groups(text)
            .into_iter()
            .map(|(open, close)| &text[open + 1..close])
            .collect();
        assert_eq!(groups, ["Spain", "Paraguay", "Argentina"]);
        let nested = "Peru (Iran (Islamic Republic of), Chile)";
        assert_eq!(paren_groups(nested), [(5, nested.len() - 1)]);
    }

    #[test]
    fn tags_by_code_label_or_new_label() {
        assert_eq!(
            tag(Taxonomy::UhriTheme, "A12 Acceptance of international norms"),
            Ok(Some((Taxonomy::UhriTheme, "A12".to_string())))
        );
        assert_eq!(
            tag(Taxonomy::UhriTheme, "- acceptance of international norms"),
            Ok(Some((Taxonomy::UhriTheme, "A12".to_string())))
        );
        assert_eq!(
            tag(Taxonomy::UhriTheme, "Space exploration"),
            Ok(Some((Taxonomy::UhriTheme, "Space exploration".to_string())))
        );
        assert_eq!(tag(Taxonomy::AffectedPersons, " - "), Ok(None));
        assert!(tag(Taxonomy::UprIssue, "Space exploration").is_err());
    }

    #[test]
    fn sdgs_are_goals_or_targets_by_shape() {
        let goal = |n: &str| Ok((Taxonomy::SdgGoal, n.to_string()));
        let target = |n: &str| Ok((Taxonomy::SdgTarget, n.to_string()));
        assert_eq!(
            sdg("16 - PEACE, JUSTICE AND STRONG INSTITUTIONS"),
            goal("16")
        );
        assert_eq!(sdg("SDG 5"), goal("5"));
        assert_eq!(sdg("Goal 5: Gender equality"), goal("5"));
        assert_eq!(sdg("16.3 - Promote the rule of law"), target("16.3"));
        assert_eq!(sdg("Target 5.A"), target("5.a"));
        assert_eq!(sdg("Gender equality"), goal("5"));
        assert!(sdg("18").is_err());
        assert!(sdg("16.99").is_err());
        assert!(sdg("peace").is_err());
    }

    #[test]
    fn sessions_and_cycles_in_prose() {
        let read = |t: &str| {
            let (s, c) = session_and_cycle(t);
            (s.map(Session::number), c.map(Cycle::number))
        };
        assert_eq!(
            read("UPR of Slovenia (3rd Cycle - 34th Session)"),
            (Some(34), Some(3))
        );
        assert_eq!(
            read("UPR of China (2nd Cycle \u{2013} 17th session)Thematic list"),
            (Some(17), Some(2))
        );
        assert_eq!(read("Session 20, cycle 2"), (Some(20), Some(2)));
        assert_eq!(read("third cycle"), (None, Some(3)));
        assert_eq!(
            read("EPU du Mali (3e cycle \u{2013} 29e session)"),
            (Some(29), Some(3))
        );
        assert_eq!(
            read("EPU de Chile (3er ciclo - 32\u{b0} per\u{ed}odo de sesiones)"),
            (Some(32), Some(3))
        );
        assert_eq!(
            read("Thematic list of recommendations Page 1 of 2"),
            (None, None)
        );
    }

    #[test]
    fn dates_in_the_usual_spellings() {
        let d = |y, m, day| Date::from_calendar_date(y, Month::try_from(m).ok()?, day).ok();
        assert_eq!(parse_date("2020-03-10"), d(2020, 3, 10));
        assert_eq!(parse_date("2020-03-10T00:00:00"), d(2020, 3, 10));
        assert_eq!(parse_date("43900"), d(2020, 3, 10));
        assert_eq!(parse_date("10/03/2020"), d(2020, 3, 10));
        assert_eq!(parse_date("10 March 2020"), d(2020, 3, 10));
        assert_eq!(parse_date("Mar 10, 2020"), d(2020, 3, 10));
        assert_eq!(parse_date("2020-13-10"), None);
        assert_eq!(parse_date("soon"), None);
        assert_eq!(parse_date("12"), None);
    }

    #[test]
    fn multi_valued_cells_split_where_unambiguous() {
        let theme = |v: &str| known_term(Taxonomy::UhriTheme, v).is_some();
        let state = |v: &str| state_named(v).is_some();
        assert_eq!(
            split_multi("- Women\n- children\n", &theme),
            ["Women", "children"]
        );
        assert_eq!(
            split_multi("Racial discrimination; Good governance | x", &theme),
            ["Racial discrimination; Good governance", "x"]
        );
        assert_eq!(
            split_multi("Racial discrimination; Good governance", &theme),
            ["Racial discrimination", "Good governance"]
        );
        assert_eq!(split_multi("France, Chile", &state), ["France", "Chile"]);
        assert_eq!(
            split_multi("Korea, Republic of", &state),
            ["Korea, Republic of"]
        );
        assert_eq!(
            split_multi("judges, lawyers and prosecutors", &|_| false),
            ["judges, lawyers and prosecutors"]
        );
        assert!(split_multi(" \n - ", &state).is_empty());
    }

    #[test]
    fn paragraph_numbers_need_a_full_stop() {
        assert_eq!(
            leading_paragraph("186.28. Continue"),
            Some(("186.28".into(), "Continue"))
        );
        assert_eq!(
            leading_paragraph("121.1 Ratify"),
            Some(("121.1".into(), "Ratify"))
        );
        assert_eq!(
            leading_paragraph("49.The Committee"),
            Some(("49".into(), "The Committee"))
        );
        assert_eq!(leading_paragraph("2030 Agenda"), None);
        assert_eq!(leading_paragraph("Theme: A12"), None);
    }

    #[test]
    fn states_survive_broken_words() {
        let code = |n: &str| state_named(n).map(|c| c.to_string());
        assert_eq!(code("Sierra Le one").as_deref(), Some("SLE"));
        assert_eq!(
            code("Bolivia (Plurinational S tate of)").as_deref(),
            Some("BOL")
        );
        assert_eq!(
            code("the former Yugoslav Republic of Macedonia").as_deref(),
            Some("MKD")
        );
        assert_eq!(code("Atlantis"), None);
    }

    #[test]
    fn uhri_s_codes_are_sdg_goals() {
        assert_eq!(
            tag(
                Taxonomy::UhriTheme,
                "S16 SDG 16 - peace, justice and strong institutions"
            ),
            Ok(Some((Taxonomy::SdgGoal, "16".to_string())))
        );
        assert_eq!(
            tag(Taxonomy::UhriTheme, "S5"),
            Ok(Some((Taxonomy::SdgGoal, "5".to_string())))
        );
        // A code past the seventeen goals, or a label naming another goal, is no goal.
        assert_ne!(
            tag(Taxonomy::UhriTheme, "S18 SDG 18 - none")
                .ok()
                .flatten()
                .map(|t| t.0),
            Some(Taxonomy::SdgGoal)
        );
        assert_ne!(
            tag(Taxonomy::UhriTheme, "S4 SDG 16 - peace")
                .ok()
                .flatten()
                .map(|t| t.0),
            Some(Taxonomy::SdgGoal)
        );
    }
}
