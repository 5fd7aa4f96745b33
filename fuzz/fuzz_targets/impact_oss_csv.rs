//! IMPACT OSS exports (CSV); the state is given, as `--state` gives it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rightstrack_core::StateCode;
use rightstrack_ingest::{impact_oss, ImportOptions};

fuzz_target!(|data: &[u8]| {
    let options = ImportOptions {
        state: StateCode::parse("SVN").ok(),
    };
    let _ = impact_oss::parse("fuzz.csv", data, &options);
    let _ = impact_oss::parse("fuzz.csv", data, &ImportOptions::default());
});
