//! The Universal Human Rights Index export as an XLSX workbook. The importer tells CSV
//! from XLSX by the bytes, so this target differs from `uhri_csv` by its seed corpus
//! (workbooks), which steers the fuzzer into the zip and spreadsheet readers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightstrack_ingest::uhri;

fuzz_target!(|data: &[u8]| {
    let _ = uhri::parse("fuzz.xlsx", data);
});
