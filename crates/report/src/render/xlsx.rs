//! A workbook: the report's text and figures on a first sheet, each table on a sheet of
//! its own and the list of recommendations last; numbers are numbers, headers frozen and
//! filterable.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::document::{Block, Cell, Document, Table};
use crate::ReportError;

pub fn render(doc: &Document) -> Result<Vec<u8>, ReportError> {
    write(doc).map_err(|e| ReportError::render("XLSX", e))
}

fn write(doc: &Document) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let w = doc.lang.words();

    // The first sheet reads like the report: headings, paragraphs, facts, in order.
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(&doc.title, 0))?;
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 100)?;
    sheet.write_string_with_format(0, 0, &doc.title, &bold)?;
    sheet.write_string(1, 0, &doc.subtitle)?;
    sheet.write_string(2, 0, format!("{} {}", w.generated, doc.generated))?;
    let mut row = 4;
    let mut tables: Vec<Table> = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Heading { text, .. } => {
                sheet.write_string_with_format(row, 0, text, &bold)?;
            }
            Block::Paragraph { text } => {
                sheet.write_string(row, 1, text)?;
            }
            Block::Facts { items } => {
                for (k, v) in items {
                    sheet.write_string(row, 0, k)?;
                    sheet.write_string(row, 1, v)?;
                    row += 1;
                }
                continue;
            }
            Block::Table { table } => {
                tables.push(table.clone());
                continue;
            }
            Block::Chart { chart } => tables.push(chart.as_table(w.count)),
        }
        row += 1;
    }

    for (i, table) in tables.iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&table.caption, i + 1))?;
        write_table(sheet, table, &bold)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(&doc.data.caption, tables.len() + 1))?;
    write_table(sheet, &doc.data, &bold)?;
    book.save_to_buffer()
}

fn write_table(sheet: &mut Worksheet, table: &Table, bold: &Format) -> Result<(), XlsxError> {
    for (c, name) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(0, col(c), name, bold)?;
        sheet.set_column_width(col(c), 18)?;
    }
    for (r, cells) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in cells.iter().enumerate() {
            match cell {
                Cell::Text(s) => sheet.write_string(r, col(c), s)?,
                Cell::Count(n) => sheet.write_number(r, col(c), *n as f64)?,
                Cell::Number(x) => sheet.write_number(r, col(c), *x)?,
                Cell::Empty => sheet,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if !table.columns.is_empty() {
        let last_row = u32::try_from(table.rows.len()).unwrap_or(u32::MAX);
        sheet.autofilter(0, 0, last_row, col(table.columns.len() - 1))?;
    }
    Ok(())
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// Sheet names: at most 31 characters, none of []:*?/\, unique by a number prefix.
fn sheet_name(caption: &str, index: usize) -> String {
    let clean: String = caption
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let name = format!("{} {}", index + 1, clean.trim());
    name.chars().take(31).collect::<String>().trim().to_string()
}
