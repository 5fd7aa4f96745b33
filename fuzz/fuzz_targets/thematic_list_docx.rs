//! OHCHR thematic lists of recommendations (DOCX matrices).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightstrack_ingest::{thematic_list, ImportOptions};

fuzz_target!(|data: &[u8]| {
    let _ = thematic_list::parse("fuzz.docx", data, &ImportOptions::default());
});
