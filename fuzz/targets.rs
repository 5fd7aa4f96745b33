//! The body of every fuzz target, as plain functions: `fuzz_targets/*.rs` hand libFuzzer's
//! input to them, and `crates/bench/tests/fuzz_seeds.rs` replays the seeds through them on
//! the stable toolchain, so a machine without nightly and cargo-fuzz still runs the same
//! entry points. Each must return (never panic, hang or exhaust memory) on any input.

use std::sync::OnceLock;

use rightstrack_core::StateCode;
use rightstrack_ingest::wg_report::{self, addendum, extract};
use rightstrack_ingest::{format, impact_oss, thematic_list, uhri, upr_info, ImportOptions};
use rightstrack_search::{Dimension, SearchIndex, SearchQuery, Sort};
use rightstrack_store::ImportBatch;

/// A fuzz target's body: any bytes in, nothing out, never a panic.
pub type Target = fn(&[u8]);

/// Every target by name, as `fuzz/Cargo.toml` names its binaries.
pub const TARGETS: &[(&str, Target)] = &[
    ("format_detect", format_detect),
    ("impact_oss_csv", impact_oss_csv),
    ("search_query", search_query),
    ("thematic_list_docx", thematic_list_docx),
    ("uhri_csv", uhri_csv),
    ("uhri_xlsx", uhri_xlsx),
    ("upr_info_csv", upr_info_csv),
    ("wg_report_docx", wg_report_docx),
    ("wg_report_text", wg_report_text),
];

/// Format detection, which every import runs first on bytes of any kind. PDF input is
/// skipped, as detection would run poppler on it.
pub fn format_detect(data: &[u8]) {
    if extract::is_pdf(data) {
        return;
    }
    let _ = format::detect("fuzz", data);
}

/// IMPACT OSS exports (CSV); the state is given, as `--state` gives it, and not.
pub fn impact_oss_csv(data: &[u8]) {
    let options = ImportOptions {
        state: StateCode::parse("SVN").ok(),
    };
    let _ = impact_oss::parse("fuzz.csv", data, &options);
    let _ = impact_oss::parse("fuzz.csv", data, &ImportOptions::default());
}

/// OHCHR thematic lists of recommendations (DOCX matrices).
pub fn thematic_list_docx(data: &[u8]) {
    let _ = thematic_list::parse("fuzz.docx", data, &ImportOptions::default());
}

/// The Universal Human Rights Index export as CSV.
pub fn uhri_csv(data: &[u8]) {
    let _ = uhri::parse("fuzz.csv", data);
}

/// The UHRI export as an XLSX workbook. The importer tells CSV from XLSX by the bytes, so
/// this target differs from `uhri_csv` by its seed corpus (workbooks), which steers the
/// fuzzer into the zip and spreadsheet readers.
pub fn uhri_xlsx(data: &[u8]) {
    let _ = uhri::parse("fuzz.xlsx", data);
}

/// The UPR Info database export (CSV, any encoding, any line ending).
pub fn upr_info_csv(data: &[u8]) {
    let _ = upr_info::parse("fuzz.csv", data);
}

/// Working Group reports and their addenda published as DOCX. PDF input is skipped: it
/// would run poppler, which is not ours to fuzz; `wg_report_text` covers what follows
/// pdftotext.
pub fn wg_report_docx(data: &[u8]) {
    if extract::is_pdf(data) {
        return;
    }
    let _ = wg_report::parse("fuzz.docx", data);
    let _ = addendum::parse("fuzz.docx", data);
}

/// The text stage of Working Group reports and addenda: what `pdftotext -layout` prints
/// (pages split by form feeds), parsed as a report and as an addendum.
pub fn wg_report_text(data: &[u8]) {
    let Ok(printed) = std::str::from_utf8(data) else {
        return;
    };
    let text = extract::Text {
        pages: printed
            .split('\u{c}')
            .map(|page| page.lines().map(str::to_string).collect())
            .collect(),
        from_pdf: true,
    };
    let _ = wg_report::parse_text("fuzz.pdf", &text);
    let _ = addendum::parse_text("fuzz.pdf", &text);
}

// The search box: words, "phrases", prefixes*, -exclusions and the sort and facet values a
// URL can carry, run against an index holding a few recommendations (imported into an
// in-memory database and indexed as the server does).

const RECOMMENDATIONS: &str = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\
Slovenia,EEG,EU,Ratify the Optional Protocol to the Convention against Torture,France,WEOG,EU,Accepted,5,\"International instruments,Torture\",7\r\
Slovenia,EEG,EU,Combat discrimination against Roma in education and employment,Chile,GRULAC,OAS,Accepted,4,\"Minorities,Racial discrimination\",7\r\
Norway,WEOG,EU,Strengthen the Ombudsperson's mandate to protect children's rights,Kenya,African,AU,Noted,3,Rights of the Child,20\r\
Chile,GRULAC,OAS,Investigate all allegations of torture by the police (Carabineros),Norway,WEOG,,Accepted,5,Torture,32\r";

fn index() -> Option<&'static SearchIndex> {
    static INDEX: OnceLock<Option<SearchIndex>> = OnceLock::new();
    INDEX.get_or_init(build).as_ref()
}

fn build() -> Option<SearchIndex> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let store = rightstrack_store::open("sqlite::memory:").await.ok()?;
        let parsed =
            rightstrack_ingest::upr_info::parse("seed.csv", RECOMMENDATIONS.as_bytes()).ok()?;
        store
            .import(ImportBatch {
                actor: "fuzz".into(),
                source: "seed.csv".into(),
                recommendations: parsed.recommendations,
                ..Default::default()
            })
            .await
            .ok()?;
        let index = SearchIndex::in_memory().ok()?;
        index.sync(store.as_ref()).await.ok()?;
        Some(index)
    })
}

/// The search box (above).
pub fn search_query(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Some(index) = index() else {
        return;
    };
    // First line: the words; then `sort`, then `dimension=value` filters.
    let mut lines = input.lines();
    let text = lines.next().unwrap_or_default().to_string();
    let sort = Sort::parse(lines.next().unwrap_or_default()).unwrap_or_default();
    let filters = lines
        .filter_map(|l| l.split_once('='))
        .filter_map(|(d, v)| Dimension::parse(d).map(|d| (d, v.to_string())))
        .collect();
    let query = SearchQuery {
        text,
        filters,
        sort,
        offset: data.len() % 7,
        limit: 10,
        facet_limit: 5,
        clock: Default::default(),
    };
    let _ = index.search(&query);
}
