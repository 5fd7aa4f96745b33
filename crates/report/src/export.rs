//! One row per recommendation, as CSV (UTF-8, RFC 4180, multi-values joined with `;`) or as
//! JSON (an array of objects whose multi-values are arrays). Writers take rows one at a
//! time so that a whole database can be exported without holding it in memory.

use std::io::Write;

use std::collections::HashMap;

use rightstrack_core::{
    ClusterKind, Decision, LinkKind, Recommendation, RecommendationId, StateCode, Taxonomy,
};
use rightstrack_store::{Store, StoreError};
use serde::Serialize;

/// The export's columns, in order. Later issues add columns at the end.
pub const COLUMNS: &[&str] = &[
    "id",
    "mechanism",
    "state_under_review",
    "cycle",
    "session",
    "document",
    "paragraph",
    "text",
    "recommending_states",
    "position",
    "action_category",
    "issues",
    "themes",
    "sdg_goals",
    "sdg_targets",
    "affected_persons",
    "cluster_id",
    "repeats",
    "position_explanation",
];

/// A recommendation flattened for export.
#[derive(Debug, Serialize)]
pub struct ExportRow {
    pub id: i64,
    pub mechanism: String,
    pub state_under_review: String,
    pub cycle: Option<u8>,
    pub session: Option<u16>,
    pub document: Option<String>,
    pub paragraph: Option<String>,
    pub text: String,
    pub recommending_states: Vec<String>,
    pub position: Option<String>,
    pub action_category: Option<u8>,
    pub issues: Vec<String>,
    pub themes: Vec<String>,
    pub sdg_goals: Vec<String>,
    pub sdg_targets: Vec<String>,
    pub affected_persons: Vec<String>,
    /// The near-duplicate group the recommendation is in (stored clusters; the caller sets it).
    pub cluster_id: Option<i64>,
    /// Ids of the earlier recommendations to the same state it repeats (stored links not
    /// rejected; the caller sets them).
    pub repeats: Vec<i64>,
    /// The state's explanation of its position, as its report or addendum gives it.
    pub position_explanation: Option<String>,
}

impl From<&Recommendation> for ExportRow {
    fn from(r: &Recommendation) -> Self {
        // Labels for the vocabularies people read (issues, themes, persons); codes for the
        // numbered ones (SDGs).
        let tags = |taxonomy: Taxonomy, by_code: bool| -> Vec<String> {
            let mut values: Vec<String> = r
                .tags
                .iter()
                .filter(|t| t.taxonomy == taxonomy)
                .map(|t| {
                    if by_code {
                        t.code.clone()
                    } else {
                        t.label.clone()
                    }
                })
                .collect();
            values.dedup();
            values
        };
        Self {
            id: r.id.0,
            mechanism: r.mechanism.code(),
            state_under_review: r.state.to_string(),
            cycle: r.cycle.map(u8::from),
            session: r.session.map(u16::from),
            document: r.document.as_ref().map(|d| d.symbol.clone()),
            paragraph: r.paragraph.clone(),
            text: r.text.clone(),
            recommending_states: r
                .recommending_states
                .iter()
                .map(|s| s.to_string())
                .collect(),
            position: r.position.map(|p| p.code().to_string()),
            action_category: r.action_category.map(u8::from),
            issues: tags(Taxonomy::UprIssue, false),
            themes: tags(Taxonomy::UhriTheme, false),
            sdg_goals: tags(Taxonomy::SdgGoal, true),
            sdg_targets: tags(Taxonomy::SdgTarget, true),
            affected_persons: tags(Taxonomy::AffectedPersons, false),
            cluster_id: None,
            repeats: Vec::new(),
            position_explanation: r.position_explanation.clone(),
        }
    }
}

impl ExportRow {
    fn csv_fields(&self) -> Vec<String> {
        let opt = |v: Option<String>| v.unwrap_or_default();
        vec![
            self.id.to_string(),
            self.mechanism.clone(),
            self.state_under_review.clone(),
            opt(self.cycle.map(|c| c.to_string())),
            opt(self.session.map(|s| s.to_string())),
            opt(self.document.clone()),
            opt(self.paragraph.clone()),
            self.text.clone(),
            self.recommending_states.join(";"),
            opt(self.position.clone()),
            opt(self.action_category.map(|a| a.to_string())),
            self.issues.join(";"),
            self.themes.join(";"),
            self.sdg_goals.join(";"),
            self.sdg_targets.join(";"),
            self.affected_persons.join(";"),
            opt(self.cluster_id.map(|c| c.to_string())),
            self.repeats
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(";"),
            opt(self.position_explanation.clone()),
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
    /// A spreadsheet: typed number cells, a frozen header row with filters.
    Xlsx,
}

impl ExportFormat {
    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            "xlsx" => Ok(Self::Xlsx),
            other => Err(format!(
                "unknown export format {other:?}: expected csv, json or xlsx"
            )),
        }
    }

    /// The media type and file extension of a download.
    pub fn media(self) -> (&'static str, &'static str) {
        match self {
            Self::Csv => ("text/csv; charset=utf-8", "csv"),
            Self::Json => ("application/json", "json"),
            Self::Xlsx => (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
        }
    }
}

/// Where rows go, by format. A spreadsheet is built in memory and written out whole at
/// the end (the format is a zip archive); CSV and JSON stream.
enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json(W),
    Xlsx(Box<rust_xlsxwriter::Workbook>, W),
}

/// Columns written as numbers in a spreadsheet.
const NUMERIC: &[&str] = &["id", "cycle", "session", "cluster_id"];

/// The shape of one exported table: its sheet's name, its columns in order, and which of
/// them a spreadsheet (and JSON) gets as numbers. Every export goes through [`Exporter`]
/// with one of these, so that CSV, JSON and XLSX are written once.
#[derive(Debug)]
pub struct Table {
    pub sheet: &'static str,
    pub columns: &'static [&'static str],
    pub numeric: &'static [&'static str],
}

/// The recommendation export: [`COLUMNS`], one [`ExportRow`] each.
pub const RECOMMENDATIONS: Table = Table {
    sheet: "recommendations",
    columns: COLUMNS,
    numeric: NUMERIC,
};

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// Writes rows one by one in any format.
pub struct Exporter<W: Write> {
    sink: Sink<W>,
    rows: usize,
    table: &'static Table,
}

impl<W: Write> Exporter<W> {
    /// Starts an export; `bom` prefixes a UTF-8 byte order mark to CSV, which spreadsheet
    /// programs need to read accents right.
    pub fn new(format: ExportFormat, out: W, bom: bool) -> std::io::Result<Self> {
        Self::for_table(&RECOMMENDATIONS, format, out, bom)
    }

    /// Starts an export of another table than the recommendations'.
    pub fn for_table(
        table: &'static Table,
        format: ExportFormat,
        mut out: W,
        bom: bool,
    ) -> std::io::Result<Self> {
        let sink = match format {
            ExportFormat::Csv => {
                if bom {
                    out.write_all(b"\xEF\xBB\xBF")?;
                }
                let mut writer = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(out);
                writer.write_record(table.columns)?;
                Sink::Csv(Box::new(writer))
            }
            ExportFormat::Json => {
                out.write_all(b"[")?;
                Sink::Json(out)
            }
            ExportFormat::Xlsx => {
                let mut book = rust_xlsxwriter::Workbook::new();
                let sheet = book.add_worksheet();
                sheet.set_name(table.sheet).map_err(xlsx_error)?;
                let bold = rust_xlsxwriter::Format::new().set_bold();
                for (col, name) in table.columns.iter().enumerate() {
                    let col = u16::try_from(col).map_err(std::io::Error::other)?;
                    sheet
                        .write_string_with_format(0, col, *name, &bold)
                        .map_err(xlsx_error)?;
                }
                sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
                Sink::Xlsx(Box::new(book), out)
            }
        };
        Ok(Self {
            sink,
            rows: 0,
            table,
        })
    }

    pub fn write(&mut self, rec: &Recommendation) -> std::io::Result<()> {
        self.write_row(&ExportRow::from(rec))
    }

    /// Writes a row the caller has completed (clusters, links).
    pub fn write_row(&mut self, row: &ExportRow) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Json(w) => {
                if self.rows > 0 {
                    w.write_all(b",")?;
                }
                w.write_all(b"\n")?;
                serde_json::to_writer(&mut *w, row)?;
                self.rows += 1;
                Ok(())
            }
            _ => self.write_fields(&row.csv_fields()),
        }
    }

    /// Writes one row of the table as text fields, in column order. JSON gets an object
    /// by column name, with the numeric columns as numbers.
    pub fn write_fields(&mut self, fields: &[String]) -> std::io::Result<()> {
        let table = self.table;
        match &mut self.sink {
            Sink::Csv(w) => w.write_record(fields)?,
            Sink::Json(w) => {
                if self.rows > 0 {
                    w.write_all(b",")?;
                }
                w.write_all(b"\n")?;
                let object: serde_json::Map<String, serde_json::Value> = table
                    .columns
                    .iter()
                    .zip(fields)
                    .map(|(name, value)| {
                        let value = match value.parse::<f64>() {
                            Ok(n) if table.numeric.contains(name) => serde_json::json!(n),
                            _ => serde_json::Value::String(value.clone()),
                        };
                        (name.to_string(), value)
                    })
                    .collect();
                serde_json::to_writer(&mut *w, &object)?;
            }
            Sink::Xlsx(book, _) => {
                let sheet = book.worksheet_from_index(0).map_err(xlsx_error)?;
                let line = u32::try_from(self.rows + 1).map_err(std::io::Error::other)?;
                for (col, (name, value)) in table.columns.iter().zip(fields).enumerate() {
                    let col = u16::try_from(col).map_err(std::io::Error::other)?;
                    match value.parse::<f64>() {
                        Ok(n) if table.numeric.contains(name) => sheet.write_number(line, col, n),
                        _ if value.is_empty() => continue,
                        _ => sheet.write_string(line, col, value),
                    }
                    .map_err(xlsx_error)?;
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Closes the export and returns the number of rows written.
    pub fn finish(self) -> std::io::Result<usize> {
        match self.sink {
            Sink::Csv(mut w) => w.flush()?,
            Sink::Json(mut w) => {
                w.write_all(b"\n]\n")?;
                w.flush()?;
            }
            Sink::Xlsx(mut book, mut out) => {
                let sheet = book.worksheet_from_index(0).map_err(xlsx_error)?;
                let last_col = u16::try_from(self.table.columns.len().saturating_sub(1))
                    .map_err(std::io::Error::other)?;
                let last_row = u32::try_from(self.rows).map_err(std::io::Error::other)?;
                sheet
                    .autofilter(0, 0, last_row, last_col)
                    .map_err(xlsx_error)?;
                out.write_all(&book.save_to_buffer().map_err(xlsx_error)?)?;
                out.flush()?;
            }
        }
        Ok(self.rows)
    }
}

/// Export rows with their cluster and repeat columns filled from the store; each state's
/// clusters and links are read once, when its first recommendation comes.
pub struct Rows<'a> {
    store: &'a dyn Store,
    by_state: HashMap<StateCode, StateClusters>,
}

/// A state's near-duplicate groups and repeat links.
struct StateClusters {
    cluster: HashMap<RecommendationId, i64>,
    repeats: HashMap<RecommendationId, Vec<i64>>,
}

impl<'a> Rows<'a> {
    pub fn new(store: &'a dyn Store) -> Self {
        Self {
            store,
            by_state: HashMap::new(),
        }
    }

    pub async fn row(&mut self, rec: &Recommendation) -> Result<ExportRow, StoreError> {
        if !self.by_state.contains_key(&rec.state) {
            let loaded = StateClusters::load(self.store, rec.state).await?;
            self.by_state.insert(rec.state, loaded);
        }
        let mut row = ExportRow::from(rec);
        if let Some(clusters) = self.by_state.get(&rec.state) {
            row.cluster_id = clusters.cluster.get(&rec.id).copied();
            row.repeats = clusters.repeats.get(&rec.id).cloned().unwrap_or_default();
        }
        Ok(row)
    }
}

impl StateClusters {
    async fn load(store: &dyn Store, state: StateCode) -> Result<Self, StoreError> {
        let mut cluster = HashMap::new();
        for c in store.clusters(state).await? {
            if c.kind == ClusterKind::NearDuplicate {
                for m in c.members {
                    cluster.entry(m).or_insert(c.id);
                }
            }
        }
        let mut repeats: HashMap<RecommendationId, Vec<i64>> = HashMap::new();
        for l in store.links(state).await? {
            if l.kind == LinkKind::Repeats && l.decision != Decision::Rejected {
                repeats.entry(l.from).or_default().push(l.to.0);
            }
        }
        Ok(Self { cluster, repeats })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rightstrack_core::{Mechanism, Position, Provenance, RecommendationId, StateCode, Tag};

    fn sample() -> Recommendation {
        let now = time::OffsetDateTime::UNIX_EPOCH;
        let code = |c: &str| StateCode::parse(c).unwrap_or_else(|e| unreachable!("{e}"));
        Recommendation {
            id: RecommendationId(7),
            mechanism: Mechanism::Upr,
            state: code("TCD"),
            cycle: None,
            session: None,
            document: None,
            paragraph: Some("93.1".into()),
            text: "Bring Mr. Hissène Habré to justice, \"without delay\"".into(),
            language: "en".into(),
            recommending_states: vec![code("BEL"), code("FRA")],
            position: Some(Position::Supported),
            position_source: None,
            position_explanation: None,
            action_category: None,
            tags: vec![Tag {
                taxonomy: Taxonomy::UprIssue,
                code: "impunity".into(),
                label: "Impunity".into(),
                provenance: Provenance::Imported,
            }],
            source_group: None,
            published: false,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn csv_quotes_and_joins() -> std::io::Result<()> {
        let mut out = Vec::new();
        let mut ex = Exporter::new(ExportFormat::Csv, &mut out, true)?;
        ex.write(&sample())?;
        assert_eq!(ex.finish()?, 1);
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("\u{feff}id,mechanism,"));
        assert!(text.contains("\"Bring Mr. Hissène Habré to justice, \"\"without delay\"\"\",BEL;FRA,supported,,Impunity"));
        Ok(())
    }

    #[test]
    fn xlsx_has_typed_cells_a_frozen_header_and_filters() -> Result<(), Box<dyn std::error::Error>>
    {
        use calamine::Reader;
        let mut out = Vec::new();
        let mut ex = Exporter::new(ExportFormat::Xlsx, &mut out, false)?;
        ex.write(&sample())?;
        ex.write(&sample())?;
        assert_eq!(ex.finish()?, 2);
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(out.clone()))?;
        let sheet = book.worksheet_range("recommendations")?;
        assert_eq!(sheet.get_size(), (3, COLUMNS.len()));
        assert_eq!(
            sheet.get((0, 0)),
            Some(&calamine::Data::String("id".into()))
        );
        assert_eq!(
            sheet.get((1, 0)),
            Some(&calamine::Data::Float(7.0)),
            "ids are numbers"
        );
        let text = COLUMNS
            .iter()
            .position(|c| *c == "text")
            .ok_or("text column")?;
        assert!(
            matches!(sheet.get((2, text)), Some(calamine::Data::String(t)) if t.contains("Hissène"))
        );
        // The sheet's XML has the frozen pane and the filter over the whole table.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(out))?;
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml")?, &mut xml)?;
        assert!(
            xml.contains("state=\"frozen\"") && xml.contains("<autoFilter"),
            "{xml}"
        );
        Ok(())
    }

    #[test]
    fn json_is_an_array_of_objects() -> Result<(), Box<dyn std::error::Error>> {
        let mut out = Vec::new();
        let mut ex = Exporter::new(ExportFormat::Json, &mut out, false)?;
        ex.write(&sample())?;
        ex.write(&sample())?;
        ex.finish()?;
        let parsed: serde_json::Value = serde_json::from_slice(&out)?;
        assert_eq!(parsed.as_array().map(Vec::len), Some(2));
        assert_eq!(parsed[0]["recommending_states"][1], "FRA");
        assert!(parsed[0]["cluster_id"].is_null());
        Ok(())
    }

    #[test]
    fn clusters_repeats_and_the_explanation_close_the_row() -> std::io::Result<()> {
        let mut out = Vec::new();
        let mut ex = Exporter::new(ExportFormat::Csv, &mut out, false)?;
        let mut row = ExportRow::from(&sample());
        row.cluster_id = Some(12);
        row.repeats = vec![3, 5];
        row.position_explanation = Some("Supported in part".into());
        ex.write_row(&row)?;
        ex.write(&sample())?;
        ex.finish()?;
        let text = String::from_utf8_lossy(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with(",affected_persons,cluster_id,repeats,position_explanation"));
        assert!(
            lines[1].ends_with(",12,3;5,Supported in part"),
            "{}",
            lines[1]
        );
        assert!(lines[2].ends_with(",,,"), "{}", lines[2]);
        Ok(())
    }
}
