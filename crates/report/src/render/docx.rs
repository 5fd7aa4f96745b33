//! A Word document people can edit: real heading styles (they appear in the navigation
//! pane and a table of contents), real tables, page numbers in the footer. Charts become
//! their tables: the numbers stay editable.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, Footer, PageNum, Paragraph, Run, RunFonts, Style, StyleType, Table,
    TableCell, TableRow, WidthType,
};

use crate::document::{Block, Document, Table as DocTable};
use crate::ReportError;

/// The text width of an A4 page with 2 cm margins, in twentieths of a point.
const TEXT_WIDTH: usize = 9638;

pub fn render(doc: &Document) -> Result<Vec<u8>, ReportError> {
    let w = doc.lang.words();
    let mut docx = Docx::new()
        .default_fonts(
            RunFonts::new()
                .ascii("DejaVu Sans")
                .hi_ansi("DejaVu Sans")
                .cs("DejaVu Sans"),
        )
        .default_size(20)
        .add_style(heading_style("Title", "Title", 40, 0))
        .add_style(heading_style("Heading1", "heading 1", 32, 0))
        .add_style(heading_style("Heading2", "heading 2", 26, 1))
        .add_style(heading_style("Heading3", "heading 3", 22, 2))
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(Run::new().add_text(format!("{} ", w.page)))
                    .add_page_num(PageNum::new()),
            ),
        );
    docx = docx
        .add_paragraph(
            Paragraph::new()
                .style("Title")
                .add_run(Run::new().add_text(&doc.title)),
        )
        .add_paragraph(text(&doc.subtitle))
        .add_paragraph(text(&format!("{} {}", w.generated, doc.generated)));
    for block in &doc.blocks {
        docx = match block {
            Block::Heading { level, text } => docx.add_paragraph(
                Paragraph::new()
                    .style(&format!("Heading{}", (*level).clamp(1, 3)))
                    .add_run(Run::new().add_text(text)),
            ),
            Block::Paragraph { text: t } => docx.add_paragraph(text(t)),
            Block::Facts { items } => items.iter().fold(docx, |d, (k, v)| {
                d.add_paragraph(
                    Paragraph::new()
                        .add_run(Run::new().bold().add_text(format!("{k}: ")))
                        .add_run(Run::new().add_text(v)),
                )
            }),
            Block::Table { table: t } => add_table(docx, t),
            Block::Chart { chart } => add_table(docx, &chart.as_table(w.count)),
        };
    }
    let mut out = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| ReportError::render("DOCX", e))?;
    Ok(out.into_inner())
}

fn heading_style(id: &str, name: &str, half_points: usize, outline: usize) -> Style {
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .based_on("Normal")
        .next("Normal")
        .size(half_points)
        .bold()
        .outline_lvl(outline)
}

fn text(t: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(t))
}

fn add_table(docx: Docx, t: &DocTable) -> Docx {
    if t.columns.is_empty() {
        return docx;
    }
    let width = TEXT_WIDTH / t.columns.len();
    let cell = |s: &str, bold: bool| {
        let run = Run::new().add_text(s);
        TableCell::new().add_paragraph(Paragraph::new().add_run(if bold {
            run.bold()
        } else {
            run
        }))
    };
    let mut rows = vec![TableRow::new(
        t.columns.iter().map(|c| cell(c, true)).collect(),
    )];
    rows.extend(
        t.rows
            .iter()
            .map(|r| TableRow::new(r.iter().map(|c| cell(&c.text(), false)).collect())),
    );
    docx.add_paragraph(Paragraph::new().add_run(Run::new().bold().add_text(&t.caption)))
        .add_table(
            Table::new(rows)
                .set_grid(vec![width; t.columns.len()])
                .width(TEXT_WIDTH, WidthType::Dxa),
        )
}
