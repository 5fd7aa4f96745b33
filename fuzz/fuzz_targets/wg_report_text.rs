//! The text stage of Working Group reports and addenda: what `pdftotext -layout` prints
//! (pages split by form feeds), parsed as a report and as an addendum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightstrack_ingest::wg_report::{self, addendum, extract::Text};

fuzz_target!(|data: &[u8]| {
    let Ok(printed) = std::str::from_utf8(data) else {
        return;
    };
    let text = Text {
        pages: printed
            .split('\u{c}')
            .map(|page| page.lines().map(str::to_string).collect())
            .collect(),
        from_pdf: true,
    };
    let _ = wg_report::parse_text("fuzz.pdf", &text);
    let _ = addendum::parse_text("fuzz.pdf", &text);
});
