//! `rightstrack backup` and `rightstrack restore`: the store does the work; this says what
//! happened.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

pub async fn backup(url: &str, file: &Path, json: bool) -> Result<ExitCode> {
    let report = rightstrack_store::backup::backup(url, file)
        .await
        .with_context(|| format!("backup to {} failed", file.display()))?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "backed up the {} database to {} ({} bytes)",
            report.backend.name(),
            report.file.display(),
            report.bytes
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(url: &str, file: &Path, force: bool, json: bool) -> Result<ExitCode> {
    let report = rightstrack_store::backup::restore(url, file, force)
        .await
        .with_context(|| format!("restore from {} failed", file.display()))?;
    // Opening migrates: a backup from an older version is brought up to date.
    let store = crate::commands::open(url).await?;
    let counts = store.counts(false).await?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "restore": report, "counts": counts })
        );
    } else {
        println!(
            "restored {} into the {} database{}: {} recommendations, {} actions, {} assessments",
            report.file.display(),
            report.backend.name(),
            if report.replaced {
                " (its previous content was replaced)"
            } else {
                ""
            },
            counts.recommendations,
            counts.actions,
            counts.assessments
        );
    }
    Ok(ExitCode::SUCCESS)
}
