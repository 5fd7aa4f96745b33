//! Tabular exports (CSV and XLSX) read as rows of text cells, and their columns found by
//! name.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{Data, Reader, Xlsx};

use crate::archive::Archive;
use crate::decode::decode_text;

/// The rows of a table, each with the place it came from.
#[derive(Debug, Default)]
pub struct Sheet {
    pub rows: Vec<Vec<String>>,
    /// "line 12" (CSV) or "row 12" (XLSX), per row.
    pub locations: Vec<String>,
}

/// Column names compare without case, spaces or punctuation: `UPR Reccomending States`
/// meets `upr_reccomending_states`.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The index of the first header cell that is one of `aliases`.
pub fn column(header: &[String], aliases: &[&str]) -> Option<usize> {
    let wanted: Vec<String> = aliases.iter().map(|a| fold(a)).collect();
    header.iter().position(|h| wanted.contains(&fold(h)))
}

/// The delimiter of a CSV: the one of `,`, `;` and tab seen most often outside quotes in
/// the first line (spreadsheets in many locales write `;`).
fn delimiter(first_line: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in first_line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if *d == b {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map_or(b',', |(d, _)| *d)
}

/// The header cells of a CSV, from its first line only, for recognising a format.
pub fn csv_header(bytes: &[u8]) -> Vec<String> {
    let head = &bytes[..bytes.len().min(8192)];
    let (text, _) = decode_text(head);
    let first = text.split(['\r', '\n']).next().unwrap_or("");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter(first))
        .from_reader(first.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
        .unwrap_or_default()
}

/// Every record of a CSV in any of the encodings [`decode_text`] reads.
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, String> {
    let (text, _) = decode_text(bytes);
    let first = text.split(['\r', '\n']).next().unwrap_or("");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(first))
        .from_reader(text.as_bytes());
    // Line numbers are counted here: the reader's own lag behind CR LF and miss CR-only
    // line ends (old Mac exports).
    let bytes = text.as_bytes();
    let mut line_starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            line_starts.push(i + 1);
        }
    }
    let mut sheet = Sheet::default();
    for record in reader.records() {
        let record = record.map_err(|e| format!("cannot read the CSV: {e}"))?;
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let line = line_starts.partition_point(|&s| s <= start);
        sheet.rows.push(record.iter().map(str::to_string).collect());
        sheet.locations.push(format!("line {line}"));
    }
    Ok(sheet)
}

/// The first worksheet of an XLSX that holds any cell. The container is checked against
/// the ZIP-bomb limits first, and the spreadsheet library is kept from taking the
/// process down on a malformed file.
pub fn read_xlsx(bytes: &[u8]) -> Result<Sheet, String> {
    Archive::open(bytes, "XLSX")?.verify_all()?;
    let read = catch_unwind(AssertUnwindSafe(|| -> Result<Sheet, String> {
        let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|e| format!("the XLSX is damaged or not a workbook: {e}"))?;
        for name in workbook.sheet_names() {
            let range = workbook
                .worksheet_range(&name)
                .map_err(|e| format!("worksheet {name:?} cannot be read: {e}"))?;
            let Some((first_row, _)) = range.start() else {
                continue;
            };
            let mut sheet = Sheet::default();
            for (i, row) in range.rows().enumerate() {
                sheet.rows.push(row.iter().map(cell_text).collect());
                sheet
                    .locations
                    .push(format!("row {}", first_row as usize + i + 1));
            }
            return Ok(sheet);
        }
        Err("the workbook has no worksheet with data".to_string())
    }));
    read.unwrap_or_else(|_| {
        Err("the XLSX is malformed: the spreadsheet reader failed on it".to_string())
    })
}

/// A cell as text; dates as ISO dates, whole numbers without a fraction.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_delimiters_and_encodings() -> Result<(), String> {
        let sheet = read_csv("a;b;\"c;d\"\r\n1;\"x\ny\";3\r\n4;5;6".as_bytes())?;
        assert_eq!(
            sheet.rows,
            [
                vec!["a", "b", "c;d"],
                vec!["1", "x\ny", "3"],
                vec!["4", "5", "6"]
            ]
        );
        assert_eq!(sheet.locations, ["line 1", "line 2", "line 4"]);
        assert_eq!(
            csv_header(b"\xEF\xBB\xBFText,Themes\nx,y"),
            ["Text", "Themes"]
        );
        assert_eq!(csv_header(b"Text\tThemes\n"), ["Text", "Themes"]);
        Ok(())
    }

    #[test]
    fn columns_match_without_case_or_punctuation() {
        let header = vec!["TEXT".to_string(), "Reccomending_Body".to_string()];
        assert_eq!(
            column(&header, &["recommending body", "reccomending body"]),
            Some(1)
        );
        assert_eq!(column(&header, &["Missing"]), None);
    }

    #[test]
    fn xlsx_that_is_not_a_workbook_is_refused() {
        let not_a_workbook = crate::archive::tests::zip_of(&[("word/document.xml", b"<w/>")]);
        assert!(read_xlsx(&not_a_workbook).is_err());
        assert!(read_xlsx(b"PK\x03\x04 truncated").is_err());
    }
}
