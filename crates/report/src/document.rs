//! A report as a sequence of blocks: what every format renders. The builders decide what
//! a report says and compute its numbers once; the renderers only decide how it looks, so
//! the same figure reads the same in HTML, PDF, DOCX, XLSX and CSV.

use serde::Serialize;

use crate::i18n::Lang;

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub title: String,
    pub subtitle: String,
    pub lang: Lang,
    /// When the data was read (UTC, RFC 3339 date), shown on the cover line.
    pub generated: String,
    pub blocks: Vec<Block>,
    /// The report's list of recommendations, one row each: what CSV carries and XLSX puts
    /// on its own sheet.
    pub data: Table,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Level 1 is a chapter, 2 a section, 3 one recommendation's entry.
    Heading {
        level: u8,
        text: String,
    },
    Paragraph {
        text: String,
    },
    /// "Label: value" lines, such as a recommendation's position and status.
    Facts {
        items: Vec<(String, String)>,
    },
    Table {
        table: Table,
    },
    Chart {
        chart: Chart,
    },
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A typed cell: XLSX writes numbers as numbers, the others as text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Text(String),
    Count(u64),
    Number(f64),
    Empty,
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Count(n) => n.to_string(),
            Self::Number(x) => format_number(*x),
            Self::Empty => String::new(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Self::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Self::Count(n)
    }
}

impl From<Option<f64>> for Cell {
    fn from(x: Option<f64>) -> Self {
        x.map_or(Self::Empty, Self::Number)
    }
}

/// Whole numbers without a decimal point, others with up to two decimals.
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A bar chart: each bar a labelled count. Every format shows the same numbers as text
/// beside the picture (HTML and PDF draw it; DOCX and XLSX give the table).
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub title: String,
    /// A sentence saying what the chart shows, for readers who cannot see it.
    pub description: String,
    /// What the bars are: "Implementation status", "State".
    pub category: String,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub label: String,
    pub value: u64,
}

impl Chart {
    pub fn max(&self) -> u64 {
        self.bars.iter().map(|b| b.value).max().unwrap_or(0)
    }

    /// The chart's numbers as a table: its text alternative.
    pub fn as_table(&self, count: &str) -> Table {
        Table {
            caption: self.title.clone(),
            columns: vec![self.category.clone(), count.to_string()],
            rows: self
                .bars
                .iter()
                .map(|b| vec![Cell::Text(b.label.clone()), Cell::Count(b.value)])
                .collect(),
        }
    }
}
