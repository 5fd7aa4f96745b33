//! Every paragraph and every recommendation of the real OHCHR thematic lists in
//! `shared/data/ohchr-thematic-lists` is accounted for: the importer's counts are compared
//! with counts taken independently, straight from the DOCX's XML with plain string
//! matching. Skipped, with a message, where the data directory is absent.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::PathBuf;

use rightstrack_ingest::{format, parse_bytes, Format};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ohchr-thematic-lists")
}

/// The text of each table row's first cell, paragraphs separated by newlines, read with
/// string matching only (no XML parser, no code of the importer).
fn first_cells(docx: &[u8]) -> Result<Vec<String>, String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(docx)).map_err(|e| e.to_string())?;
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .map_err(|e| e.to_string())?
        .read_to_string(&mut xml)
        .map_err(|e| e.to_string())?;
    let text_of = |fragment: &str| {
        let mut out = String::new();
        for paragraph in fragment.split("</w:p>") {
            let mut line = String::new();
            for run in paragraph.split("<w:t").skip(1) {
                // `<w:t>` or `<w:t xml:space="preserve">`, not `<w:tc>`, `<w:tbl>`, `<w:tab/>`.
                if !(run.starts_with('>') || run.starts_with(' ')) {
                    continue;
                }
                let Some(start) = run.find('>') else { continue };
                let Some(end) = run.find("</w:t>") else {
                    continue;
                };
                line.push_str(&run[start + 1..end]);
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.replace("&amp;", "&")
    };
    let mut cells = Vec::new();
    for chunk in xml.split("</w:tr>") {
        let Some(row_start) = chunk.rfind("<w:tr>").max(chunk.rfind("<w:tr ")) else {
            continue;
        };
        let row = &chunk[row_start..];
        let Some(start) = row.find("<w:tc>").or_else(|| row.find("<w:tc ")) else {
            continue;
        };
        let end = row[start..]
            .find("</w:tc>")
            .map_or(row.len(), |e| start + e);
        cells.push(text_of(&row[start..end]));
    }
    Ok(cells)
}

/// Independent counts: paragraph rows are first cells that begin with a number holding a
/// full stop; each recommendation ends with ")" followed by ";" or by the end of the text.
fn independent_counts(cells: &[String]) -> (usize, usize) {
    let attribution_end = regex::Regex::new(r"\)\s*(;|\.?\s*$)").ok();
    let mut paragraphs = 0;
    let mut recommendations = 0;
    for cell in cells {
        let text: Vec<&str> = cell
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.to_lowercase().starts_with("source of position"))
            .collect();
        let Some(first) = text.first() else { continue };
        let number: String = first
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        if !(number.starts_with(|c: char| c.is_ascii_digit()) && number.contains('.')) {
            continue;
        }
        paragraphs += 1;
        let joined = text.join(" ");
        recommendations += attribution_end
            .as_ref()
            .map_or(0, |re| re.find_iter(&joined).count());
    }
    (paragraphs, recommendations)
}

#[test]
fn every_paragraph_and_recommendation_is_accounted_for() -> Result<(), String> {
    let dir = data_dir();
    if !dir.is_dir() {
        println!(
            "skipped: {} is absent (the real thematic lists are not in this checkout)",
            dir.display()
        );
        return Ok(());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "docx"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no DOCX in {}", dir.display());
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        let detected = format::detect(&name, &bytes).map_err(|e| e.to_string())?;
        assert_eq!(
            detected,
            Format::ThematicList,
            "{name} is not recognised by its content"
        );
        let parsed = parse_bytes(Format::ThematicList, &name, &bytes).map_err(|e| e.to_string())?;

        let (expected_paragraphs, expected_recommendations) =
            independent_counts(&first_cells(&bytes)?);
        let paragraphs: HashSet<&str> = parsed
            .recommendations
            .iter()
            .filter_map(|r| r.paragraph.as_deref())
            .collect();
        let mut groups: BTreeMap<&str, usize> = BTreeMap::new();
        for group in parsed
            .recommendations
            .iter()
            .filter_map(|r| r.source_group.as_deref())
        {
            *groups.entry(group).or_default() += 1;
        }
        let mut tags: BTreeMap<String, usize> = BTreeMap::new();
        for (taxonomy, _) in parsed.recommendations.iter().flat_map(|r| &r.tags) {
            *tags.entry(taxonomy.code().to_string()).or_default() += 1;
        }
        let first = parsed
            .recommendations
            .first()
            .ok_or(format!("{name}: no recommendation"))?;
        println!(
            "{name}: state {} cycle {:?} session {:?} document {:?}; paragraphs {} (independent {expected_paragraphs}), \
             recommendations {} (independent {expected_recommendations}), groups of several {} ({} recommendations), \
             tags {tags:?}, without recommending state {}, warnings {}, errors {}",
            first.state,
            first.cycle.map(|c| c.number()),
            first.session.map(|s| s.number()),
            first.document.as_ref().map(|d| d.symbol.as_str()),
            paragraphs.len(),
            parsed.recommendations.len(),
            groups.len(),
            groups.values().sum::<usize>(),
            parsed.recommendations.iter().filter(|r| r.recommending_states.is_empty()).count(),
            parsed.warnings.len(),
            parsed.errors.len(),
        );
        for w in &parsed.warnings {
            println!("  warning {}: {}", w.location, w.message);
        }
        assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
        assert_eq!(paragraphs.len(), expected_paragraphs, "{name}: paragraphs");
        assert_eq!(
            parsed.recommendations.len(),
            expected_recommendations,
            "{name}: recommendations"
        );
        assert!(groups.values().all(|&n| n > 1), "{name}: a group of one");
        assert!(parsed
            .recommendations
            .iter()
            .all(|r| r.position.is_some() && r.session.is_some()));
    }
    Ok(())
}
