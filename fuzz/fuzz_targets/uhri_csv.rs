//! The Universal Human Rights Index export as CSV.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightstrack_ingest::uhri;

fuzz_target!(|data: &[u8]| {
    let _ = uhri::parse("fuzz.csv", data);
});
