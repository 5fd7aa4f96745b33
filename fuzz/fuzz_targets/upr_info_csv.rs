//! The UPR Info database export (CSV, any encoding, any line ending).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightstrack_ingest::upr_info;

fuzz_target!(|data: &[u8]| {
    let _ = upr_info::parse("fuzz.csv", data);
});
