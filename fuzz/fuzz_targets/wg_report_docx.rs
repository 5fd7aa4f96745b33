//! Working Group reports and their addenda published as DOCX. PDF input is skipped:
//! it would run poppler, which is not ours to fuzz; `wg_report_text` covers what
//! follows pdftotext.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightstrack_ingest::wg_report::{self, addendum, extract};

fuzz_target!(|data: &[u8]| {
    if extract::is_pdf(data) {
        return;
    }
    let _ = wg_report::parse("fuzz.docx", data);
    let _ = addendum::parse("fuzz.docx", data);
});
