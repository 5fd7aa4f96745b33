//! libFuzzer's entry to `targets::impact_oss_csv` (fuzz/targets.rs has the body and what it covers).
#![no_main]

#[path = "../targets.rs"]
#[allow(dead_code)]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::impact_oss_csv(data));
