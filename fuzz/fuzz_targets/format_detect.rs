//! Format detection, which every import runs first on bytes of any kind. PDF input is
//! skipped, as detection would run poppler on it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightstrack_ingest::{format, wg_report::extract};

fuzz_target!(|data: &[u8]| {
    if extract::is_pdf(data) {
        return;
    }
    let _ = format::detect("fuzz", data);
});
