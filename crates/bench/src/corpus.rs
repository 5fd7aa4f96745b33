//! A 270,000-recommendation corpus (about the size of the whole UHRI) for the search
//! benchmark, grown from the UPR Info export (sessions 1–16, 29,287 recommendations) by
//! systematic, deterministic variation, and written into a SQLite store through
//! [`Store::import`]. `docs/search-benchmark.md` describes the rules; they are:
//!
//! * Copy 0 is the export as parsed. Copy `k` (1, 2, …) of each recommendation:
//!   * moves the session by `16 × (k mod 7)`: sessions 1–16 become 17–32, 33–48, … up to
//!     97–112, all valid sessions ([`Session::new`]); the cycle follows from the session;
//!   * rotates the state under review through the real states of the reference table
//!     ([`State::all`] without the fictional ones), `37 × k` places on in table order,
//!     stepping on while the new state is one of the recommending states;
//!   * swaps one word for a synonym ([`SYNONYMS`], starting with pair `(k − 1) mod 9` and
//!     taking the first pair whose word occurs, first occurrence, whole word);
//!   * inserts the clause `CLAUSES[(k − 1) mod 9]` before the final full stop.
//!
//!   Recommending states, tags, position (and its source) and action category are kept.
//! * Copies are taken in order (all of copy 0, then all of copy 1, …), each in the export's
//!   order (files by name, rows as parsed), skipping any recommendation whose identity
//!   ([`NewRecommendation::identity_key`]) an earlier one already has, until there are
//!   [`CORPUS_SIZE`].
//! * They are imported in batches of [`IMPORT_BATCH`], each batch one `Store::import`, so one
//!   transaction.
//!
//! Building takes a while, so the database is cached under the target folder in a folder
//! named by [`CORPUS_VERSION`]: bump it whenever these rules change.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rightstrack_core::{NewRecommendation, Session, State, StateCode};
use rightstrack_store::ImportBatch;

/// Bump when the rules above (or the data they read) change: the cached database is
/// looked up by this number.
pub const CORPUS_VERSION: u32 = 1;
/// Recommendations in the corpus: the size of the whole UHRI.
pub const CORPUS_SIZE: usize = 270_000;
/// Sessions move by multiples of this: the export covers sessions 1–16.
pub const SESSION_STEP: u16 = 16;
/// How many distinct session shifts keep sessions 1–16 valid: 0, 16, …, 96 (up to 112).
pub const SESSION_SHIFTS: u16 = 7;
/// Places the state under review moves on per copy, in the reference table's order.
pub const STATE_STRIDE: usize = 37;
/// Recommendations per `Store::import` call (one transaction each).
pub const IMPORT_BATCH: usize = 10_000;

/// Word swaps, one per copy; none touches the words the benchmark searches for.
pub const SYNONYMS: [(&str, &str); 9] = [
    ("ensure", "guarantee"),
    ("strengthen", "reinforce"),
    ("measures", "steps"),
    ("adopt", "enact"),
    ("effective", "efficient"),
    ("continue", "pursue"),
    ("promote", "advance"),
    ("implement", "carry out"),
    ("consider", "examine"),
];

/// Clauses inserted before the final full stop, one per copy.
pub const CLAUSES: [&str; 9] = [
    ", in consultation with civil society",
    ", with adequate human and financial resources",
    ", in line with its international obligations",
    ", including at the local level",
    ", with the technical assistance of OHCHR",
    ", with the participation of the national human rights institution",
    ", and report on progress at its next review",
    ", in accordance with international standards",
    ", without delay",
];

/// The UPR Info export as parsed: the CSV files of `<data>/upr-info`, by name.
pub fn source() -> Result<Vec<NewRecommendation>> {
    crate::upr_info()
}

/// The real states, in the reference table's order.
fn real_states() -> Vec<StateCode> {
    State::all()
        .iter()
        .filter(|s| !s.fictional)
        .map(|s| s.code)
        .collect()
}

/// Copy `k` of `rec` (copy 0 is `rec` itself), by the rules of the module documentation.
pub fn variant(
    rec: &NewRecommendation,
    k: usize,
    states: &[StateCode],
) -> Result<NewRecommendation> {
    let mut out = rec.clone();
    if k == 0 {
        return Ok(out);
    }
    if let Some(session) = rec.session {
        let shift = SESSION_STEP * (k as u16 % SESSION_SHIFTS);
        let moved = Session::new(session.number() + shift)
            .map_err(|e| anyhow::anyhow!("copy {k} of a session {session} record: {e}"))?;
        out.session = Some(moved);
        out.cycle = Some(moved.cycle());
    }
    if let Some(at) = states.iter().position(|s| *s == rec.state) {
        let mut i = (at + STATE_STRIDE * k) % states.len();
        // A state never recommends to itself: step on (at most once around the table).
        for _ in 0..states.len() {
            if !rec.recommending_states.contains(&states[i]) {
                break;
            }
            i = (i + 1) % states.len();
        }
        out.state = states[i];
    }
    let first = (k - 1) % SYNONYMS.len();
    for n in 0..SYNONYMS.len() {
        let (word, synonym) = SYNONYMS[(first + n) % SYNONYMS.len()];
        if let Some(text) = swap_word(&out.text, word, synonym) {
            out.text = text;
            break;
        }
    }
    out.text = insert_clause(&out.text, CLAUSES[(k - 1) % CLAUSES.len()]);
    Ok(out)
}

/// The text with the first whole-word occurrence of `word` (or of `word` capitalised)
/// replaced by `synonym`, capitalised the same way; `None` when the word does not occur.
fn swap_word(text: &str, word: &str, synonym: &str) -> Option<String> {
    let capital = |w: &str| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut found: Option<(usize, String, String)> = None;
    for (from, to) in [
        (word.to_string(), synonym.to_string()),
        (capital(word), capital(synonym)),
    ] {
        let mut start = 0;
        while let Some(pos) = text[start..].find(&from).map(|p| p + start) {
            let before = text[..pos].chars().next_back();
            let after = text[pos + from.len()..].chars().next();
            if !is_word(before) && !is_word(after) {
                if found.as_ref().is_none_or(|(p, _, _)| pos < *p) {
                    found = Some((pos, from.clone(), to.clone()));
                }
                break;
            }
            start = pos + from.len();
        }
    }
    let (pos, from, to) = found?;
    Some(format!("{}{to}{}", &text[..pos], &text[pos + from.len()..]))
}

/// The text with `clause` before its final full stop (or at its end when it has none).
fn insert_clause(text: &str, clause: &str) -> String {
    let body = text.trim_end();
    match body.strip_suffix('.') {
        Some(stem) => format!("{stem}{clause}."),
        None => format!("{body}{clause}"),
    }
}

/// The first `size` distinct recommendations of copies 0, 1, 2, … of `source`, and how
/// many copies that took (the last one partly).
pub fn corpus(
    source: &[NewRecommendation],
    size: usize,
) -> Result<(Vec<NewRecommendation>, usize)> {
    if source.is_empty() {
        bail!("the UPR Info export holds no recommendations");
    }
    let states = real_states();
    let mut seen = HashSet::with_capacity(size);
    let mut out = Vec::with_capacity(size);
    let mut k = 0;
    while out.len() < size {
        if k > size {
            bail!("cannot make {size} distinct recommendations");
        }
        for rec in source {
            let copy = variant(rec, k, &states)?;
            if seen.insert(copy.identity_key()) {
                out.push(copy);
                if out.len() == size {
                    break;
                }
            }
        }
        k += 1;
    }
    Ok((out, k))
}

/// What building the corpus did; `copies` counts copy 0 and a partly used last copy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Built {
    pub source_recommendations: usize,
    pub recommendations: usize,
    pub copies: usize,
    pub generate: Duration,
    pub import: Duration,
}

/// Writes the corpus into a fresh SQLite database at `path`.
pub async fn build(path: &Path, size: usize) -> Result<Built> {
    let started = Instant::now();
    let source = source()?;
    let (recs, copies) = corpus(&source, size)?;
    let generate = started.elapsed();
    let started = Instant::now();
    let store = rightstrack_store::open(&format!("sqlite://{}", path.display())).await?;
    let mut imported = 0;
    let mut remaining = recs.into_iter();
    let mut first = 0;
    loop {
        let batch: Vec<NewRecommendation> = remaining.by_ref().take(IMPORT_BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let last = first + batch.len();
        let summary = store
            .import(ImportBatch {
                actor: "bench".into(),
                source: format!("search corpus v{CORPUS_VERSION}, records {first}..{last}"),
                recommendations: batch,
                ..Default::default()
            })
            .await?;
        imported += summary.imported;
        first = last;
    }
    drop(store);
    if imported != size {
        bail!("the corpus should hold {size} recommendations but the import stored {imported}");
    }
    Ok(Built {
        source_recommendations: source.len(),
        recommendations: imported,
        copies,
        generate,
        import: started.elapsed(),
    })
}

/// The folder for cached corpora: `RIGHTSTRACK_BENCH_CACHE`, else
/// `<target dir>/rightstrack-bench` beside the running benchmark's profile folder.
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("RIGHTSTRACK_BENCH_CACHE") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe()?;
    let mut profile = exe.parent().context("the benchmark binary has no folder")?;
    if profile.file_name().is_some_and(|n| n == "deps") {
        profile = profile.parent().context("the deps folder has no parent")?;
    }
    let target = profile
        .parent()
        .context("the benchmark binary is not in a target folder")?;
    Ok(target.join("rightstrack-bench"))
}

/// The cached corpus database, built first when it is absent; `Some` build figures
/// when it was built by this call. It is built in a `.partial` folder and renamed when
/// complete, so an interrupted build is never reused.
pub async fn cached(size: usize) -> Result<(PathBuf, Option<Built>)> {
    let dir = cache_dir()?.join(format!("search-corpus-v{CORPUS_VERSION}-{size}"));
    let db = dir.join("corpus.db");
    if db.is_file() {
        return Ok((db, None));
    }
    let partial = dir.with_extension("partial");
    if partial.exists() {
        std::fs::remove_dir_all(&partial)
            .with_context(|| format!("cannot remove {}", partial.display()))?;
    }
    std::fs::create_dir_all(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let built = build(&partial.join("corpus.db"), size).await?;
    std::fs::rename(&partial, &dir)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), dir.display()))?;
    Ok((db, Some(built)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_swap_whole_and_keep_capitals() {
        assert_eq!(
            swap_word("Ensure that measures ensure", "ensure", "guarantee").as_deref(),
            Some("Guarantee that measures ensure")
        );
        assert_eq!(swap_word("ensured", "ensure", "guarantee"), None);
        assert_eq!(
            insert_clause("Ratify the CAT. ", ", without delay"),
            "Ratify the CAT, without delay."
        );
    }
}
