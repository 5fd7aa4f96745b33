//! Lays a document out on A4 pages: line breaking, page breaks (headings kept with what
//! follows, table headers repeated), tables and bar charts. The result is a list of
//! drawing operations per page, drawn by the PDF writer.

use super::fonts::{Face, Metrics};
use crate::document::{Block, Chart, Document, Table};

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN: f32 = 56.7;
const BOTTOM: f32 = PAGE_H - MARGIN - 20.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.5;
const LEADING: f32 = 1.35;
const CELL_PAD: f32 = 3.0;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Text on one line; `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        face: Face,
        size: f32,
        text: String,
        rtl: bool,
    },
    /// A filled rectangle (`gray` true for table headers, false for chart bars).
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: bool,
    },
    /// A thin horizontal rule.
    Rule { x: f32, y: f32, w: f32 },
}

pub struct Layout<'m> {
    metrics: &'m mut Metrics,
    pub pages: Vec<Vec<Op>>,
    y: f32,
}

/// True when most letters of `text` are of a right-to-left script (Arabic, Hebrew).
pub fn is_rtl(text: &str) -> bool {
    let (mut rtl, mut letters) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF) {
            rtl += 1;
        }
    }
    letters > 0 && rtl * 2 > letters
}

impl<'m> Layout<'m> {
    pub fn new(metrics: &'m mut Metrics) -> Self {
        Self {
            metrics,
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    pub fn document(mut self, doc: &Document) -> Vec<Vec<Op>> {
        let w = doc.lang.words();
        self.text_block(&doc.title, Face::Bold, 18.0, MARGIN, WIDTH);
        self.y += 4.0;
        self.text_block(&doc.subtitle, Face::Regular, 11.0, MARGIN, WIDTH);
        self.text_block(
            &format!("{} {}", w.generated, doc.generated),
            Face::Regular,
            SMALL,
            MARGIN,
            WIDTH,
        );
        self.y += 10.0;
        for block in &doc.blocks {
            match block {
                Block::Heading { level, text } => self.heading(*level, text),
                Block::Paragraph { text } => {
                    self.text_block(text, Face::Regular, BODY, MARGIN, WIDTH);
                    self.y += 4.0;
                }
                Block::Facts { items } => self.facts(items),
                Block::Table { table } => self.table(table),
                Block::Chart { chart } => self.chart(chart),
            }
        }
        self.pages
    }

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Starts a new page unless `height` more fits on this one.
    fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > MARGIN {
            self.new_page();
        }
    }

    fn face_for(&self, face: Face, text: &str) -> Face {
        // Bold DejaVu lacks some scripts (Arabic): fall back to the regular face.
        if face == Face::Bold && !self.metrics.covers(Face::Bold, text) {
            Face::Regular
        } else {
            face
        }
    }

    /// Breaks `text` into lines no wider than `width`; a word wider than a line is cut.
    /// Widths add up character by character, so each word is measured once.
    pub fn wrap(&mut self, text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
        let space = self.metrics.width(face, size, " ");
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let (mut line, mut line_w) = (String::new(), 0.0);
            for word in paragraph.split_whitespace() {
                let word_w = self.metrics.width(face, size, word);
                if line.is_empty() && word_w <= width {
                    (line, line_w) = (word.to_string(), word_w);
                    continue;
                }
                if !line.is_empty() && line_w + space + word_w <= width {
                    line.push(' ');
                    line.push_str(word);
                    line_w += space + word_w;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line_w = 0.0;
                // The word alone may still be too wide: cut it.
                for c in word.chars() {
                    let c_w = self.metrics.width(face, size, c.encode_utf8(&mut [0; 4]));
                    if line_w + c_w > width && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    line.push(c);
                    line_w += c_w;
                }
            }
            lines.push(line);
        }
        lines
    }

    fn line(&mut self, x: f32, width: f32, face: Face, size: f32, text: String) {
        let rtl = is_rtl(&text);
        let face = self.face_for(face, &text);
        let x = if rtl {
            x + width - self.metrics.width(face, size, &text)
        } else {
            x
        };
        let y = self.y + size;
        self.page().push(Op::Text {
            x,
            y,
            face,
            size,
            text,
            rtl,
        });
    }

    /// A wrapped block of text at the cursor, breaking pages between lines.
    fn text_block(&mut self, text: &str, face: Face, size: f32, x: f32, width: f32) {
        let face = self.face_for(face, text);
        for line in self.wrap(text, face, size, width) {
            self.ensure(size * LEADING);
            self.line(x, width, face, size, line);
            self.y += size * LEADING;
        }
    }

    fn heading(&mut self, level: u8, text: &str) {
        let size = match level {
            1 => 15.0,
            2 => 12.5,
            _ => 10.5,
        };
        // Keep a heading with the start of what follows (a table's caption, header and
        // first rows need about 80 points).
        self.ensure(size * LEADING * 2.0 + 80.0);
        self.y += size * 0.6;
        self.text_block(text, Face::Bold, size, MARGIN, WIDTH);
        if level == 1 {
            let y = self.y + 1.0;
            self.page().push(Op::Rule {
                x: MARGIN,
                y,
                w: WIDTH,
            });
        }
        self.y += 4.0;
    }

    fn facts(&mut self, items: &[(String, String)]) {
        let label_w = 150.0;
        for (label, value) in items {
            let labels = self.wrap(label, Face::Bold, SMALL + 0.5, label_w - 6.0);
            let values = self.wrap(value, Face::Regular, SMALL + 0.5, WIDTH - label_w);
            let lh = (SMALL + 0.5) * LEADING;
            for i in 0..labels.len().max(values.len()) {
                self.ensure(lh);
                if let Some(l) = labels.get(i) {
                    self.line(MARGIN, label_w - 6.0, Face::Bold, SMALL + 0.5, l.clone());
                }
                if let Some(v) = values.get(i) {
                    self.line(
                        MARGIN + label_w,
                        WIDTH - label_w,
                        Face::Regular,
                        SMALL + 0.5,
                        v.clone(),
                    );
                }
                self.y += lh;
            }
        }
        self.y += 4.0;
    }

    /// Column widths from the columns' text lengths: long text columns get the room.
    fn column_widths(&mut self, table: &Table) -> Vec<f32> {
        let n = table.columns.len().max(1);
        let want: Vec<f32> = (0..n)
            .map(|c| {
                let longest = table
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| cell.text().chars().count())
                    .max()
                    .unwrap_or(0);
                // Room for the header's longest word, so headers break between words.
                let header_word = table.columns.get(c).map_or(0, |h| {
                    h.split_whitespace()
                        .map(|w| w.chars().count() + 2)
                        .max()
                        .unwrap_or(0)
                });
                longest.clamp(4, 60).max(header_word) as f32
            })
            .collect();
        let total: f32 = want.iter().sum();
        want.iter().map(|w| WIDTH * w / total).collect()
    }

    fn table(&mut self, table: &Table) {
        if table.columns.is_empty() {
            return;
        }
        let widths = self.column_widths(table);
        let lh = SMALL * LEADING;
        self.ensure(BODY * LEADING + lh * 4.0);
        self.text_block(&table.caption, Face::Bold, BODY, MARGIN, WIDTH);
        self.row(&widths, &table.columns, Face::Bold, true);
        for r in &table.rows {
            let cells: Vec<String> = r.iter().map(|c| c.text()).collect();
            let height = self.row_height(&widths, &cells, Face::Regular);
            if self.y + height > BOTTOM {
                self.new_page();
                self.row(&widths, &table.columns, Face::Bold, true);
            }
            self.row(&widths, &cells, Face::Regular, false);
        }
        self.y += 8.0;
    }

    fn row_height(&mut self, widths: &[f32], cells: &[String], face: Face) -> f32 {
        let lines = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| self.wrap(c, face, SMALL, w - 2.0 * CELL_PAD).len())
            .max()
            .unwrap_or(1);
        lines as f32 * SMALL * LEADING + 2.0 * CELL_PAD
    }

    fn row(&mut self, widths: &[f32], cells: &[String], face: Face, header: bool) {
        let height = self.row_height(widths, cells, face);
        self.ensure(height);
        if header {
            let y = self.y;
            self.page().push(Op::Rect {
                x: MARGIN,
                y,
                w: WIDTH,
                h: height,
                gray: true,
            });
        }
        let top = self.y;
        let mut x = MARGIN;
        for (cell, w) in cells.iter().zip(widths) {
            self.y = top + CELL_PAD;
            for line in self.wrap(cell, face, SMALL, w - 2.0 * CELL_PAD) {
                self.line(x + CELL_PAD, w - 2.0 * CELL_PAD, face, SMALL, line);
                self.y += SMALL * LEADING;
            }
            x += w;
        }
        self.y = top + height;
        let y = self.y;
        self.page().push(Op::Rule {
            x: MARGIN,
            y,
            w: WIDTH,
        });
    }

    /// Horizontal bars with their labels and values written out: the numbers are text,
    /// so the chart reads (and extracts) without the picture.
    fn chart(&mut self, chart: &Chart) {
        let row = 16.0;
        let label_w = 170.0;
        let room = WIDTH - label_w - 40.0;
        let max = chart.max().max(1) as f32;
        self.ensure(BODY * LEADING * 2.0 + row * chart.bars.len() as f32);
        self.text_block(&chart.title, Face::Bold, BODY, MARGIN, WIDTH);
        self.text_block(&chart.description, Face::Regular, SMALL, MARGIN, WIDTH);
        self.y += 3.0;
        for bar in &chart.bars {
            self.ensure(row);
            let label = self
                .wrap(&bar.label, Face::Regular, SMALL, label_w - 8.0)
                .into_iter()
                .next()
                .unwrap_or_default();
            self.line(MARGIN, label_w - 8.0, Face::Regular, SMALL, label);
            let w = room * bar.value as f32 / max;
            let y = self.y;
            self.page().push(Op::Rect {
                x: MARGIN + label_w,
                y: y + 1.0,
                w: w.max(0.5),
                h: row - 5.0,
                gray: false,
            });
            self.line(
                MARGIN + label_w + w + 4.0,
                40.0,
                Face::Regular,
                SMALL,
                bar.value.to_string(),
            );
            self.y += row;
        }
        self.y += 8.0;
    }
}
