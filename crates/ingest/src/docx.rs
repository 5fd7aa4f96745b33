//! The text of a Word (DOCX) document: its paragraphs and tables, read from
//! `word/document.xml`. Shared by the importers of documents published as DOCX.
//!
//! A DOCX is a ZIP archive, so a hostile one can be a ZIP bomb: the number of entries
//! and the total uncompressed size are capped before anything is inflated, and the one
//! entry read is read through a limit as well, since declared sizes can lie.

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::archive::Archive;
pub use crate::archive::{MAX_ENTRIES, MAX_UNCOMPRESSED_BYTES};

/// A paragraph of body text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph {
    pub text: String,
    /// Word numbers it automatically (a list item): its number is not in `text`.
    pub numbered: bool,
    /// The paragraph style id, if any ("Heading1", "SingleTxtG").
    pub style: Option<String>,
}

/// A block of the document body, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Paragraph),
    /// Rows of cells; a cell's paragraphs are joined with line breaks.
    Table(Vec<Vec<String>>),
}

/// Reads the body of a DOCX. The error is a sentence fit for a refusal message.
pub fn read(bytes: &[u8]) -> Result<Vec<Block>, String> {
    let xml = document_xml(bytes)?;
    parse_document_xml(&xml)
}

/// The body text as lines: one per paragraph, a table row's cells joined by tabs.
pub fn lines(blocks: &[Block]) -> Vec<String> {
    let mut out = Vec::new();
    for block in blocks {
        match block {
            Block::Paragraph(p) => out.push(p.text.clone()),
            Block::Table(rows) => {
                for row in rows {
                    out.push(
                        row.iter()
                            .map(|c| c.replace('\n', " "))
                            .collect::<Vec<_>>()
                            .join("\t"),
                    );
                }
            }
        }
    }
    out
}

/// `word/document.xml` of a DOCX, checked against the ZIP-bomb limits.
pub fn document_xml(bytes: &[u8]) -> Result<String, String> {
    let mut archive = Archive::open(bytes, "DOCX")?;
    let raw = archive.read("word/document.xml")?.ok_or_else(|| {
        "the file is a ZIP archive without word/document.xml: it is not a Word (DOCX) document"
            .to_string()
    })?;
    String::from_utf8(raw)
        .map_err(|_| "word/document.xml is not UTF-8 text: the DOCX is damaged".to_string())
}

/// The text of the page headers and footers (`word/header*.xml`, `word/footer*.xml`),
/// one string per paragraph, where documents carry their running title.
pub fn header_texts(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut archive = Archive::open(bytes, "DOCX")?;
    let mut out = Vec::new();
    for name in archive.names() {
        let part = name.strip_prefix("word/").unwrap_or("");
        if !(part.starts_with("header") || part.starts_with("footer")) || !part.ends_with(".xml") {
            continue;
        }
        let raw = archive.read(&name)?.unwrap_or_default();
        let xml = String::from_utf8(raw)
            .map_err(|_| format!("{name} is not UTF-8 text: the DOCX is damaged"))?;
        let blocks = parse_document_xml(&xml).map_err(|e| e.replace("word/document.xml", &name))?;
        out.extend(lines(&blocks));
    }
    Ok(out)
}

/// Where text goes while the XML is walked: into the current paragraph, which belongs
/// either to the body or to the innermost table cell.
#[derive(Default)]
struct Walker {
    blocks: Vec<Block>,
    /// Open tables, innermost last: rows of cells.
    tables: Vec<Vec<Vec<String>>>,
    paragraph: Option<Paragraph>,
    in_text: bool,
}

impl Walker {
    fn push_text(&mut self, text: &str) {
        if let Some(p) = self.paragraph.as_mut() {
            p.text.push_str(text);
        }
    }

    fn end_paragraph(&mut self) {
        let Some(p) = self.paragraph.take() else {
            return;
        };
        match self
            .tables
            .last_mut()
            .and_then(|t| t.last_mut())
            .and_then(|r| r.last_mut())
        {
            Some(cell) => {
                if !cell.is_empty() {
                    cell.push('\n');
                }
                cell.push_str(&p.text);
            }
            None => self.blocks.push(Block::Paragraph(p)),
        }
    }

    fn end_table(&mut self) {
        let Some(table) = self.tables.pop() else {
            return;
        };
        // A table nested in a cell is kept as that cell's text.
        match self
            .tables
            .last_mut()
            .and_then(|t| t.last_mut())
            .and_then(|r| r.last_mut())
        {
            Some(cell) => {
                for row in table {
                    if !cell.is_empty() {
                        cell.push('\n');
                    }
                    cell.push_str(&row.join("\t"));
                }
            }
            None => self.blocks.push(Block::Table(table)),
        }
    }
}

fn attribute(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.value.to_string())
}

/// Walks `document.xml`: `w:t` is text, `w:tab` a tab, `w:br`/`w:cr` a line break,
/// `w:numPr` marks an automatically numbered paragraph. Deleted text (`w:delText`) and
/// everything outside the runs is ignored.
pub fn parse_document_xml(xml: &str) -> Result<Vec<Block>, String> {
    let mut reader = Reader::from_str(xml);
    let mut w = Walker::default();
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "word/document.xml is not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        })?;
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                "p" => w.paragraph = Some(Paragraph::default()),
                "t" => w.in_text = true,
                "tbl" => w.tables.push(Vec::new()),
                "tr" => {
                    if let Some(t) = w.tables.last_mut() {
                        t.push(Vec::new());
                    }
                }
                "tc" => {
                    if let Some(r) = w.tables.last_mut().and_then(|t| t.last_mut()) {
                        r.push(String::new());
                    }
                }
                "numPr" => {
                    if let Some(p) = w.paragraph.as_mut() {
                        p.numbered = true;
                    }
                }
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" => w.push_text("\t"),
                // UN documents join "OP-CAT" and "Timor-Leste" with non-breaking hyphens.
                "noBreakHyphen" => w.push_text("-"),
                "br" | "cr" => w.push_text("\n"),
                "pStyle" => {
                    if let Some(p) = w.paragraph.as_mut() {
                        p.style = attribute(&e, "val");
                    }
                }
                "p" => {
                    w.paragraph = Some(Paragraph::default());
                    w.end_paragraph();
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "p" => w.end_paragraph(),
                "t" => w.in_text = false,
                "tbl" => w.end_table(),
                _ => {}
            },
            Event::Text(t) if w.in_text => w.push_text(&t.xml10_content()),
            Event::CData(t) if w.in_text => w.push_text(&t.xml10_content()),
            Event::GeneralRef(r) if w.in_text => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match &*r.xml10_content() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                if let Some(c) = resolved {
                    w.push_text(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    w.end_paragraph();
    while !w.tables.is_empty() {
        w.end_table();
    }
    Ok(w.blocks)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    /// A minimal DOCX holding `body` (the inside of `w:body`), for tests here and in the
    /// importers that read DOCX.
    pub(crate) fn docx_with_body(body: &str) -> Vec<u8> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
        );
        let mut out = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            let options = zip::write::SimpleFileOptions::default();
            let _ = zip.start_file("[Content_Types].xml", options);
            let _ = zip.write_all(b"<Types/>");
            let _ = zip.start_file("word/document.xml", options);
            let _ = zip.write_all(xml.as_bytes());
            let _ = zip.finish();
        }
        out.into_inner()
    }

    #[test]
    fn reads_paragraphs_numbering_and_tables() -> Result<(), String> {
        let body = r#"<w:p><w:pPr><w:pStyle w:val="H1"/></w:pPr><w:r><w:t>Title &amp; more</w:t></w:r></w:p>
            <w:p><w:pPr><w:numPr><w:ilvl w:val="0"/></w:numPr></w:pPr><w:r><w:t xml:space="preserve">Ratify </w:t></w:r><w:r><w:delText>not</w:delText><w:t>OP-CAT</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#;
        let blocks = read(&docx_with_body(body))?;
        assert_eq!(blocks.len(), 3);
        let Block::Paragraph(title) = &blocks[0] else {
            return Err("first block is not a paragraph".into());
        };
        assert_eq!(title.text, "Title & more");
        assert_eq!(title.style.as_deref(), Some("H1"));
        assert_eq!(
            blocks[1],
            Block::Paragraph(Paragraph {
                text: "Ratify OP-CAT".into(),
                numbered: true,
                style: None
            })
        );
        assert_eq!(
            blocks[2],
            Block::Table(vec![vec!["a\nb".to_string(), "c".to_string()]])
        );
        assert_eq!(lines(&blocks)[2], "a b\tc");
        Ok(())
    }

    #[test]
    fn truncated_and_foreign_archives_are_refused_with_a_reason() {
        let full = docx_with_body("<w:p><w:r><w:t>x</w:t></w:r></w:p>");
        let truncated = &full[..full.len() / 2];
        let message = read(truncated).err().unwrap_or_default();
        assert!(message.contains("damaged or truncated"), "{message}");
        assert!(read(b"not a zip").is_err());
    }
}
