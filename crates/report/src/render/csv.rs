//! The report's list of recommendations as CSV: RFC 4180 (quoted where needed, CRLF line
//! ends), UTF-8, optionally with a byte order mark for spreadsheets.

use crate::document::Document;
use crate::ReportError;

pub fn render(doc: &Document, bom: bool) -> Result<Vec<u8>, ReportError> {
    let fail = |e: csv::Error| ReportError::render("CSV", e);
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(&doc.data.columns).map_err(fail)?;
    for row in &doc.data.rows {
        writer
            .write_record(row.iter().map(|c| c.text()))
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| ReportError::render("CSV", e.error()))
}
