//! The fuzz targets' entry points on the stable toolchain: every seed in `fuzz/seeds`, the
//! local corpus in `fuzz/corpus` when a fuzz run left one, and slices of the real data when
//! `../shared/data` is there, each also cut short and with bytes changed, go through the
//! same functions libFuzzer calls (`fuzz/targets.rs`). No panic is the pass. This is what
//! `scripts/test` relies on where nightly and cargo-fuzz are missing; it runs everywhere.

#[path = "../../../fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of a folder, sorted, at most `limit` of them; none if it is absent.
fn files(dir: &Path, limit: usize) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.is_file());
    paths.sort();
    paths.truncate(limit);
    paths
}

/// Real files for the targets that read them, when the data folder is present.
fn real_data(target: &str) -> Vec<Vec<u8>> {
    let data = std::env::var_os("RIGHTSTRACK_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let mut inputs = Vec::new();
    if matches!(target, "upr_info_csv" | "format_detect") {
        for path in files(&data.join("upr-info"), 10) {
            if let Ok(bytes) = std::fs::read(&path) {
                // The header and the first records, in their own encoding and line ends.
                let cut = bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\r' || **b == b'\n')
                    .nth(40)
                    .map_or(bytes.len(), |(i, _)| i);
                inputs.push(bytes[..cut].to_vec());
            }
        }
    }
    if matches!(
        target,
        "thematic_list_docx" | "wg_report_docx" | "format_detect"
    ) {
        for path in files(&data.join("ohchr-thematic-lists"), 10) {
            if path.extension().is_some_and(|e| e == "docx") {
                inputs.extend(std::fs::read(&path).ok());
            }
        }
    }
    inputs
}

/// The input, and deterministic damage to it: cut at a third and two thirds, and (for
/// inputs small enough to parse many times) bytes overwritten at a spread of offsets.
fn variants(input: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![
        input.to_vec(),
        input[..input.len() / 3].to_vec(),
        input[..input.len() * 2 / 3].to_vec(),
    ];
    if !input.is_empty() && input.len() <= 64 * 1024 {
        for (i, byte) in [0u8, 0xff, b'"', b',', b'\r', b'\n', b'*', 0x80]
            .into_iter()
            .enumerate()
        {
            let mut changed = input.to_vec();
            let at = (input.len() * (2 * i + 1)) / 16;
            changed[at.min(input.len() - 1)] = byte;
            out.push(changed);
        }
    }
    out
}

#[test]
fn every_fuzz_target_is_replayed() -> TestResult {
    // A target added to fuzz/Cargo.toml but not to targets.rs would go unreplayed here.
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml"))?;
    let bins: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|name| *name != "rightstrack-fuzz")
        .collect();
    let mut known: Vec<&str> = targets::TARGETS.iter().map(|(n, _)| *n).collect();
    let mut bins_sorted = bins.clone();
    known.sort_unstable();
    bins_sorted.sort_unstable();
    assert_eq!(
        bins_sorted, known,
        "fuzz/Cargo.toml and fuzz/targets.rs differ"
    );
    Ok(())
}

#[test]
fn seeds_and_damaged_seeds_go_through_every_target() -> TestResult {
    let fuzz = fuzz_dir();
    let mut total = 0;
    for (name, target) in targets::TARGETS {
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for dir in [
            fuzz.join("seeds").join(name),
            fuzz.join("corpus").join(name),
        ] {
            for path in files(&dir, 200) {
                inputs.push(std::fs::read(&path)?);
            }
        }
        inputs.extend(real_data(name));
        // Every target also meets the empty input and a run of one byte.
        inputs.push(Vec::new());
        inputs.push(vec![b'a'; 4096]);
        let mut count = 0;
        for input in &inputs {
            for variant in variants(input) {
                target(&variant);
                count += 1;
            }
        }
        println!("{name}: {count} inputs from {} seeds", inputs.len());
        total += count;
    }
    assert!(total > 0);
    Ok(())
}
