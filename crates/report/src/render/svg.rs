//! Bar charts as SVG, drawn on the server: readable without JavaScript, with a title and
//! a description for screen readers (the page also gives the numbers as a table).

use std::fmt::Write;

use crate::document::Chart;

const WIDTH: f32 = 640.0;
const LABEL: f32 = 220.0;
const ROW: f32 = 26.0;
const BAR: f32 = 18.0;

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A horizontal bar chart; `id` makes the title and description ids unique on a page.
pub fn bar_chart(chart: &Chart, id: usize) -> String {
    let height = ROW * chart.bars.len() as f32 + 10.0;
    let max = chart.max().max(1) as f32;
    let room = WIDTH - LABEL - 60.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" aria-labelledby="chart{id}-title chart{id}-desc"><title id="chart{id}-title">{}</title><desc id="chart{id}-desc">{}</desc>"#,
        escape(&chart.title),
        escape(&chart.description)
    );
    for (i, bar) in chart.bars.iter().enumerate() {
        let y = 5.0 + ROW * i as f32;
        let w = room * bar.value as f32 / max;
        let _ = write!(
            svg,
            r##"<text x="{x}" y="{ty}" text-anchor="end" font-size="13">{label}</text><rect x="{LABEL}" y="{y}" width="{w:.1}" height="{BAR}" fill="#2b6cb0"/><text x="{vx:.1}" y="{ty}" font-size="13">{value}</text>"##,
            x = LABEL - 8.0,
            ty = y + 14.0,
            label = escape(&bar.label),
            vx = LABEL + w + 6.0,
            value = bar.value
        );
    }
    svg.push_str("</svg>");
    svg
}
