//! One self-contained HTML file: inline CSS, charts as inline SVG, no script and no
//! outside resource, so it can be mailed or archived as it is.

use askama::Template;

use crate::document::{Block, Document, Table};
use crate::i18n::Words;
use crate::render::svg;
use crate::ReportError;

/// A block flattened for the template (askama compares strings more simply than it
/// matches enums).
struct View<'a> {
    kind: &'static str,
    level: u8,
    text: &'a str,
    items: &'a [(String, String)],
    table: Option<&'a Table>,
    svg: String,
    chart_table: Option<Table>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    doc: &'a Document,
    w: &'static Words,
    blocks: Vec<View<'a>>,
}

pub fn render(doc: &Document) -> Result<Vec<u8>, ReportError> {
    let w = doc.lang.words();
    let blocks = doc
        .blocks
        .iter()
        .enumerate()
        .map(|(i, b)| view(w, i, b))
        .collect();
    let page = Page { doc, w, blocks };
    page.render()
        .map(String::into_bytes)
        .map_err(|e| ReportError::render("HTML", e))
}

fn view<'a>(w: &'static Words, index: usize, block: &'a Block) -> View<'a> {
    let mut v = View {
        kind: "paragraph",
        level: 0,
        text: "",
        items: &[],
        table: None,
        svg: String::new(),
        chart_table: None,
    };
    match block {
        Block::Heading { level, text } => {
            v.kind = "heading";
            v.level = *level;
            v.text = text;
        }
        Block::Paragraph { text } => v.text = text,
        Block::Facts { items } => {
            v.kind = "facts";
            v.items = items;
        }
        Block::Table { table } => {
            v.kind = "table";
            v.table = Some(table);
        }
        Block::Chart { chart } => {
            v.kind = "chart";
            v.text = &chart.title;
            v.svg = svg::bar_chart(chart, index);
            v.chart_table = Some(chart.as_table(w.count));
        }
    }
    v
}
