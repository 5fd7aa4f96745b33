//! `rightstrack report`: assemble a report from the database and write it in one format.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use rightstrack_report::{Format, RenderOptions, ReportRequest};
use rightstrack_store::Store;

pub async fn write(
    store: &dyn Store,
    request: &ReportRequest,
    format: Format,
    bom: bool,
    output: &Path,
) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let doc = rightstrack_report::assemble(store, request).await?;
    let bytes = rightstrack_report::render(&doc, format, RenderOptions { bom })?;
    // Written beside the target, then renamed: a failed run leaves no half file behind.
    let dir = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut file, &bytes)
        .with_context(|| format!("cannot write {}", output.display()))?;
    file.persist(output)
        .with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!(
        "{} ({} recommendations, {} bytes) written to {} in {} ms",
        doc.title,
        doc.data.rows.len(),
        bytes.len(),
        output.display(),
        started.elapsed().as_millis()
    );
    Ok(ExitCode::SUCCESS)
}
