//! Faceted search over 270,000 recommendations (the corpus of `rightstrack_bench::corpus`,
//! in SQLite), against a baseline measured in the same run: a bare tantivy index of the
//! same documents (same analyzers, same fields, one writer thread, one commit) queried with
//! the least code that gives the same answer (term, phrase or prefix query AND facet term
//! filters; `Count` + `TopDocs` + `FacetCollector`; ids from the fast field; top values of
//! every facet). The ratio is the cost of `rightstrack_search`'s layers.
//!
//! Measured: building the index (`SearchIndex::in_memory` + `sync` from the store), resident
//! memory before and after, and p50/p99 latency of five kinds of query, each with two facet
//! filters, 20 hits, the total and the counts of every facet, one thread, warm.
//!
//! `cargo run --release -p rightstrack-bench --bin search [-- BUILD_RUNS [QUERIES_PER_KIND]]`
//! (defaults 3 and 1,000). The corpus is built once and cached under the target folder.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rightstrack_bench::corpus::{self, CORPUS_SIZE};
use rightstrack_bench::{median, report, time_runs, Figure};
use rightstrack_core::{
    AssignmentRole, ImplementationStatus, Recommendation, RecommendationId, Taxonomy,
};
use rightstrack_search::{Dimension, SearchIndex, SearchQuery, SearchResults, Sort};
use rightstrack_store::{Revision, Store};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Hits per page and facet values per facet, as the web pages ask.
const HITS: usize = 20;
const FACET_VALUES: usize = 12;
/// Changes per `changed_since` call, as `SearchIndex::sync` reads them.
const READ_BATCH: u32 = 5000;
/// Untimed queries of each kind before timing.
const WARM_UP: usize = 100;

const GROUPS: [&str; 5] = ["WEOG", "EEG", "GRULAC", "AFRICAN", "ASIA_PACIFIC"];
const POSITIONS: [&str; 2] = ["supported", "noted"];
const STATES: [&str; 10] = [
    "FRA", "CHN", "BRA", "KEN", "IND", "USA", "RUS", "NGA", "MEX", "DEU",
];

/// One kind of query: its text, and its two filters for the i-th query (they vary so that
/// not every query is the same).
struct Kind {
    name: &'static str,
    text: &'static str,
    filters: fn(usize) -> Vec<(Dimension, String)>,
}

fn position(i: usize) -> (Dimension, String) {
    (Dimension::Position, POSITIONS[i % 2].to_string())
}

fn group(i: usize) -> (Dimension, String) {
    (
        Dimension::RecommendingGroup,
        GROUPS[(i / 2) % GROUPS.len()].to_string(),
    )
}

fn cycle(i: usize) -> (Dimension, String) {
    (Dimension::Cycle, (1 + (i / 3) % 9).to_string())
}

fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            name: "torture + position + group",
            text: "torture",
            filters: |i| vec![position(i), group(i)],
        },
        Kind {
            name: "child marriage + position + cycle",
            text: "child marriage",
            filters: |i| vec![position(i), cycle(i)],
        },
        Kind {
            name: "phrase + group + position",
            text: "\"freedom of expression\"",
            filters: |i| vec![group(i), position(i)],
        },
        Kind {
            name: "prefix disabilit* + group + cycle",
            text: "disabilit*",
            filters: |i| vec![group(i), cycle(i)],
        },
        Kind {
            name: "facets only: state + cycle",
            text: "",
            filters: |i| {
                vec![
                    (Dimension::State, STATES[i % STATES.len()].to_string()),
                    cycle(i),
                ]
            },
        },
    ]
}

fn our_query(text: &str, filters: Vec<(Dimension, String)>) -> SearchQuery {
    SearchQuery {
        text: text.to_string(),
        filters,
        sort: Sort::Relevance,
        offset: 0,
        limit: HITS,
        facet_limit: FACET_VALUES,
        clock: Default::default(),
    }
}

/// Resident memory of this process, in MiB.
fn rss_mib() -> Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .context("/proc/self/status has no VmRSS line")?
        .parse()?;
    Ok(kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).saturating_sub(1);
    sorted
        .get(rank.min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Reads every change in the store as `SearchIndex::sync` reads it, and nothing else.
async fn read_all(store: &dyn Store, with_tracking: bool) -> Result<usize> {
    let mut after = Revision::default();
    let mut n = 0;
    loop {
        let changes = store.changed_since(after, READ_BATCH).await?;
        let Some(last) = changes.last().map(|c| c.0) else {
            break;
        };
        n += changes.len();
        if with_tracking {
            let ids: Vec<RecommendationId> = changes.iter().map(|(_, r)| r.id).collect();
            tracking_values(store, &ids).await?;
        }
        after = last;
        if changes.len() < READ_BATCH as usize {
            break;
        }
    }
    Ok(n)
}

/// The baseline: tantivy with nothing of ours around it.
struct Bare {
    index: Index,
    reader: IndexReader,
    id: Field,
    text: Field,
    exact: Field,
    facets: Field,
}

/// One answer: total, hit ids, and per facet its top values with counts.
type Answer = (usize, Vec<u64>, Vec<Vec<(String, u64)>>);

impl Bare {
    fn new() -> Result<(Self, IndexWriter, Field)> {
        let mut schema = Schema::builder();
        let indexing = |analyzer: &str, option| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer)
                    .set_index_option(option),
            )
        };
        let id = schema.add_u64_field("id", FAST);
        let text = schema.add_text_field(
            "text",
            indexing("stemmed", IndexRecordOption::WithFreqsAndPositions),
        );
        let exact = schema.add_text_field("exact", indexing("folded", IndexRecordOption::Basic));
        let facets = schema.add_facet_field("facets", FacetOptions::default());
        let session = schema.add_u64_field("session", FAST);
        let index = Index::create_in_ram(schema.build());
        let base = || {
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
        };
        index.tokenizers().register(
            "stemmed",
            base().filter(Stemmer::new(Language::English)).build(),
        );
        index.tokenizers().register("folded", base().build());
        let writer = index.writer_with_num_threads(1, 64 * 1024 * 1024)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok((
            Self {
                index,
                reader,
                id,
                text,
                exact,
                facets,
            },
            writer,
            session,
        ))
    }

    /// Indexes every recommendation of the store: with `commit_each_batch`, committing
    /// and reloading after each `changed_since` batch as `SearchIndex::sync` does (a
    /// diagnostic), else once at the end (the baseline).
    async fn build(store: &dyn Store, commit_each_batch: bool) -> Result<Self> {
        let (bare, mut writer, session) = Self::new()?;
        let mut after = Revision::default();
        loop {
            let changes = store.changed_since(after, READ_BATCH).await?;
            let Some(last) = changes.last().map(|c| c.0) else {
                break;
            };
            let ids: Vec<RecommendationId> = changes.iter().map(|(_, r)| r.id).collect();
            let mut tracked = tracking_values(store, &ids).await?;
            for (_, rec) in &changes {
                let mut doc = TantivyDocument::new();
                doc.add_u64(bare.id, rec.id.0 as u64);
                doc.add_text(bare.text, &rec.text);
                doc.add_text(bare.exact, &rec.text);
                doc.add_u64(
                    session,
                    rec.session.map(|s| u64::from(s.number())).unwrap_or(0),
                );
                let values = facet_values(rec)
                    .into_iter()
                    .chain(tracked.remove(&rec.id).unwrap_or_default());
                for (d, value) in values {
                    doc.add_facet(bare.facets, Facet::from_path([d.code(), value.as_str()]));
                }
                writer.add_document(doc)?;
            }
            if commit_each_batch {
                writer.commit()?;
                bare.reader.reload()?;
            }
            after = last;
            if changes.len() < READ_BATCH as usize {
                break;
            }
        }
        writer.commit()?;
        bare.reader.reload()?;
        Ok(bare)
    }

    /// Segments the reader searches, and the index's size in MiB.
    fn shape(&self) -> Result<(usize, f64)> {
        let searcher = self.reader.searcher();
        let bytes = searcher.space_usage()?.total().get_bytes();
        Ok((searcher.segment_readers().len(), bytes as f64 / 1048576.0))
    }

    fn analyse(&self, text: &str) -> Result<Vec<Term>> {
        let mut analyzer = self.index.tokenizer_for_field(self.text)?;
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while let Some(token) = stream.next() {
            terms.push(Term::from_field_text(self.text, &token.text));
        }
        Ok(terms)
    }

    /// The query our layer would build for these kinds of text, built directly: words
    /// (all must match), a "phrase", or a prefix*; each filter a facet term that must match
    /// (`nested`: wrapped, as ours wraps it, in a one-clause `Should` boolean query).
    fn query(
        &self,
        text: &str,
        filters: &[(Dimension, String)],
        nested: bool,
    ) -> Result<BooleanQuery> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let text = text.trim();
        if let Some(phrase) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            let mut terms = self.analyse(phrase)?;
            if terms.len() > 1 {
                clauses.push((Occur::Must, Box::new(PhraseQuery::new(terms))));
            } else if let Some(term) = terms.pop() {
                clauses.push((
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                ));
            }
        } else if let Some(prefix) = text.strip_suffix('*') {
            let pattern = format!("{}.*", prefix.to_lowercase());
            clauses.push((
                Occur::Must,
                Box::new(RegexQuery::from_pattern(&pattern, self.exact)?),
            ));
        } else {
            for term in self.analyse(text)? {
                clauses.push((
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                ));
            }
        }
        for (d, value) in filters {
            let term = Term::from_facet(self.facets, &Facet::from_path([d.code(), value]));
            let filter: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            clauses.push((
                Occur::Must,
                if nested {
                    Box::new(BooleanQuery::new(vec![(Occur::Should, filter)]))
                } else {
                    filter
                },
            ));
        }
        Ok(BooleanQuery::new(clauses))
    }

    fn search(&self, text: &str, filters: &[(Dimension, String)], nested: bool) -> Result<Answer> {
        let searcher = self.reader.searcher();
        let query = self.query(text, filters, nested)?;
        let mut facets = FacetCollector::for_field("facets");
        for d in Dimension::ALL {
            facets.add_facet(Facet::from_path([d.code()]));
        }
        let top = TopDocs::with_limit(HITS);
        let (total, addresses, counts): (usize, Vec<DocAddress>, _) = if text.trim().is_empty() {
            let by_session = top.order_by_u64_field("session", tantivy::Order::Desc);
            let (total, hits, counts) = searcher.search(&query, &(Count, by_session, facets))?;
            (total, hits.into_iter().map(|(_, a)| a).collect(), counts)
        } else {
            let (total, hits, counts) = searcher.search(&query, &(Count, top, facets))?;
            (total, hits.into_iter().map(|(_, a)| a).collect(), counts)
        };
        let mut ids = Vec::with_capacity(addresses.len());
        for a in addresses {
            let column = searcher
                .segment_reader(a.segment_ord)
                .fast_fields()
                .u64("id")?;
            ids.extend(column.first(a.doc_id));
        }
        let facets = Dimension::ALL
            .into_iter()
            .map(|d| {
                // The most frequent values, ties broken by value, as ours chooses them.
                let mut values: Vec<(String, u64)> = counts
                    .get(Facet::from_path([d.code()]))
                    .filter_map(|(f, n)| Some((f.to_path().get(1)?.to_string(), n)))
                    .collect();
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                values.truncate(FACET_VALUES);
                values
            })
            .collect();
        Ok((total, ids, facets))
    }
}

/// The facet values our index gives a recommendation (its codes, not its labels).
fn facet_values(rec: &Recommendation) -> BTreeSet<(Dimension, String)> {
    let mut out = BTreeSet::new();
    out.insert((Dimension::Mechanism, rec.mechanism.code()));
    out.insert((Dimension::State, rec.state.to_string()));
    out.insert((
        Dimension::Published,
        if rec.published { "yes" } else { "no" }.to_string(),
    ));
    if let Some(c) = rec.cycle {
        out.insert((Dimension::Cycle, c.to_string()));
    }
    if let Some(s) = rec.session {
        out.insert((Dimension::Session, s.to_string()));
    }
    if let Some(p) = rec.position {
        out.insert((Dimension::Position, p.code().to_string()));
    }
    if let Some(a) = rec.action_category {
        out.insert((Dimension::ActionCategory, a.number().to_string()));
    }
    for s in &rec.recommending_states {
        out.insert((Dimension::RecommendingState, s.to_string()));
        out.insert((
            Dimension::RecommendingGroup,
            s.state().group.code().to_string(),
        ));
    }
    for tag in &rec.tags {
        let d = match tag.taxonomy {
            Taxonomy::UprIssue => Dimension::Issue,
            Taxonomy::UhriTheme => Dimension::Theme,
            Taxonomy::AffectedPersons => Dimension::AffectedPersons,
            Taxonomy::SdgGoal => Dimension::SdgGoal,
            Taxonomy::SdgTarget => Dimension::SdgTarget,
        };
        out.insert((d, tag.code.clone()));
    }
    out
}

/// The facet values of implementation tracking, from the same store reads as ours makes
/// (status, lead institutions, repeats, stored signals). Divergence and the date-based
/// signals need tracking data the corpus does not have, so they are left out here.
async fn tracking_values(
    store: &dyn Store,
    ids: &[RecommendationId],
) -> Result<HashMap<RecommendationId, Vec<(Dimension, String)>>> {
    let mut out: HashMap<RecommendationId, Vec<(Dimension, String)>> = HashMap::new();
    let mut done = BTreeSet::new();
    for s in store.statuses(ids).await? {
        if let Some(id) = s.recommendation_id {
            out.entry(id)
                .or_default()
                .push((Dimension::Status, s.status.code().to_string()));
            if s.status == ImplementationStatus::FullyImplemented {
                done.insert(id);
            }
        }
    }
    for imp in store.implementation_of(ids).await? {
        for a in imp
            .assignments
            .iter()
            .filter(|a| a.role == AssignmentRole::Lead)
        {
            out.entry(imp.recommendation_id)
                .or_default()
                .push((Dimension::Institution, a.institution_id.to_string()));
        }
    }
    for f in store.search_facts(ids).await? {
        let values = out.entry(f.recommendation_id).or_default();
        let repeats = if f.repeats { "yes" } else { "no" };
        values.push((Dimension::Repeats, repeats.to_string()));
        if f.regressed {
            values.push((Dimension::Signal, "regression".to_string()));
        }
        if f.repeats && !done.contains(&f.recommendation_id) {
            values.push((Dimension::Signal, "repeated".to_string()));
        }
    }
    Ok(out)
}

/// Our answer in the baseline's shape, to check that both answer the same.
fn ours_as_answer(r: &SearchResults) -> Answer {
    let mut facets: Vec<Vec<(String, u64)>> = r
        .facets
        .iter()
        .map(|f| {
            f.values
                .iter()
                .map(|v| (v.value.clone(), v.count))
                .collect()
        })
        .collect();
    for f in &mut facets {
        f.sort();
    }
    (
        r.total,
        r.hits.iter().map(|h| h.id.0 as u64).collect(),
        facets,
    )
}

/// Times one search and appends the duration.
fn timed<T>(times: &mut Vec<Duration>, search: impl FnOnce() -> Result<T>) -> Result<()> {
    let started = Instant::now();
    std::hint::black_box(search()?);
    times.push(started.elapsed());
    Ok(())
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let per_kind: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let runtime = tokio::runtime::Runtime::new()?;

    let started = Instant::now();
    let (path, built) = runtime.block_on(corpus::cached(CORPUS_SIZE))?;
    let corpus_time = started.elapsed();
    match &built {
        Some(b) => println!(
            "built the corpus at {} in {:.1} s: {} source recommendations, {} copies, {} stored",
            path.display(),
            corpus_time.as_secs_f64(),
            b.source_recommendations,
            b.copies,
            b.recommendations
        ),
        None => println!("reusing the cached corpus at {}", path.display()),
    }
    let store: Arc<dyn Store> = runtime.block_on(rightstrack_store::open(&format!(
        "sqlite://{}",
        path.display()
    )))?;
    let stored = runtime.block_on(store.counts(false))?.recommendations;
    if stored != CORPUS_SIZE as u64 {
        bail!(
            "the corpus at {} holds {stored} recommendations, not {CORPUS_SIZE}: delete it",
            path.display()
        );
    }

    // Reading alone, which every index build below includes; it also warms SQLite's
    // caches, so the memory measured next is the index's.
    let read = time_runs(runs, || runtime.block_on(read_all(&*store, false)))?;
    let read_tracking = time_runs(runs, || runtime.block_on(read_all(&*store, true)))?;

    // Ours first, so that its memory is measured before any other index has been built
    // and dropped (freed memory the allocator keeps would hide growth).
    let rss_before = rss_mib()?;
    let started = Instant::now();
    let ours = SearchIndex::in_memory()?;
    let synced = runtime.block_on(ours.sync(&*store))?;
    let mut ours_build = vec![started.elapsed()];
    let rss_after = rss_mib()?;
    if synced.indexed != CORPUS_SIZE || ours.len() != CORPUS_SIZE as u64 {
        bail!(
            "sync indexed {} and the index holds {}, not {CORPUS_SIZE}",
            synced.indexed,
            ours.len()
        );
    }
    let rss_bare_before = rss_mib()?;
    let started = Instant::now();
    let bare = runtime.block_on(Bare::build(&*store, false))?;
    let mut bare_build = vec![started.elapsed()];
    let rss_bare_after = rss_mib()?;
    let started = Instant::now();
    let batched = runtime.block_on(Bare::build(&*store, true))?;
    let mut batched_build = vec![started.elapsed()];
    for _ in 1..runs {
        let started = Instant::now();
        let again = SearchIndex::in_memory()?;
        runtime.block_on(again.sync(&*store))?;
        ours_build.push(started.elapsed());
        drop(again);
        let started = Instant::now();
        drop(runtime.block_on(Bare::build(&*store, false))?);
        bare_build.push(started.elapsed());
        let started = Instant::now();
        drop(runtime.block_on(Bare::build(&*store, true))?);
        batched_build.push(started.elapsed());
    }
    ours_build.sort();
    bare_build.sort();
    batched_build.sort();
    let (bare_segments, bare_mib) = bare.shape()?;
    let (batched_segments, batched_mib) = batched.shape()?;
    println!(
        "\nbare tantivy index: {bare_segments} segment(s), {bare_mib:.0} MiB; \
         committed every {READ_BATCH} as sync does: {batched_segments} segments, {batched_mib:.0} MiB"
    );

    // All must answer the same before their speed means anything.
    let kinds = kinds();
    println!("\nqueries (the first of each kind; filters vary over the run):");
    for kind in &kinds {
        let filters = (kind.filters)(0);
        let (total, ids, facets) =
            ours_as_answer(&ours.search(&our_query(kind.text, filters.clone()))?);
        println!(
            "  {:<36} q={:<26} filters={:?} → {total} matches",
            kind.name,
            format!("{:?}", kind.text),
            filters
                .iter()
                .map(|(d, v)| format!("{d}={v}"))
                .collect::<Vec<_>>()
        );
        for (name, engine, nested) in [
            ("bare", &bare, false),
            ("bare nested", &bare, true),
            ("batched", &batched, false),
        ] {
            let (b_total, b_ids, mut b_facets) = engine.search(kind.text, &filters, nested)?;
            for f in &mut b_facets {
                f.sort();
            }
            if total != b_total || ids.len() != b_ids.len() || facets != b_facets {
                bail!(
                    "{}: ours and {name} disagree: {total} vs {b_total} matches, {} vs {} hits, facets equal: {}",
                    kind.name,
                    ids.len(),
                    b_ids.len(),
                    facets == b_facets
                );
            }
        }
    }

    // Warm, then time each query on each index, interleaved and in rotating order so
    // that noise from other work on the machine falls on all alike.
    for kind in &kinds {
        for i in 0..WARM_UP {
            let filters = (kind.filters)(i);
            std::hint::black_box(ours.search(&our_query(kind.text, filters.clone()))?);
            std::hint::black_box(bare.search(kind.text, &filters, false)?);
            std::hint::black_box(bare.search(kind.text, &filters, true)?);
            std::hint::black_box(batched.search(kind.text, &filters, false)?);
        }
    }
    // 0 ours, 1 bare, 2 bare committed per batch, 3 bare with ours' nested filters.
    let mut times = vec![vec![Vec::with_capacity(per_kind); kinds.len()]; 4];
    for i in 0..per_kind {
        for (k, kind) in kinds.iter().enumerate() {
            let filters = (kind.filters)(i);
            let q = our_query(kind.text, filters.clone());
            for n in 0..4 {
                let engine = (i + n) % 4;
                let slot = &mut times[engine][k];
                match engine {
                    0 => timed(slot, || Ok(ours.search(&q)?))?,
                    1 => timed(slot, || bare.search(kind.text, &filters, false))?,
                    2 => timed(slot, || batched.search(kind.text, &filters, false))?,
                    _ => timed(slot, || bare.search(kind.text, &filters, true))?,
                }
            }
        }
    }

    let mut figures = vec![Figure::new(
        "search corpus",
        "recommendations in SQLite",
        CORPUS_SIZE as f64,
        "recs",
    )];
    if let Some(b) = &built {
        figures.push(Figure::new(
            "search corpus",
            "corpus build this run (generate + import)",
            (b.generate + b.import).as_secs_f64(),
            "s",
        ));
    }
    figures.extend([
        Figure::new(
            "search index build (270k)",
            &format!("read changes from SQLite only, median of {runs}"),
            median(&read).as_secs_f64(),
            "s",
        ),
        Figure::new(
            "search index build (270k)",
            &format!("read changes and tracking facts only, median of {runs}"),
            median(&read_tracking).as_secs_f64(),
            "s",
        ),
        Figure::new(
            "search index build (270k)",
            &format!("SearchIndex::in_memory + sync, median of {runs}"),
            median(&ours_build).as_secs_f64(),
            "s",
        )
        .against(
            "bare tantivy, 1 thread, one commit",
            median(&bare_build).as_secs_f64(),
        ),
        Figure::new(
            "search index build (270k)",
            &format!("bare tantivy committed per {READ_BATCH} (diagnostic), median of {runs}"),
            median(&batched_build).as_secs_f64(),
            "s",
        )
        .against(
            "bare tantivy, 1 thread, one commit",
            median(&bare_build).as_secs_f64(),
        ),
        Figure::new(
            "search memory",
            "VmRSS before building the index",
            rss_before,
            "MiB",
        ),
        Figure::new(
            "search memory",
            "VmRSS after building the index",
            rss_after,
            "MiB",
        ),
        Figure::new(
            "search memory",
            "VmRSS growth for the index",
            rss_after - rss_before,
            "MiB",
        )
        .against(
            "bare tantivy (built after ours)",
            rss_bare_after - rss_bare_before,
        ),
    ]);
    println!(
        "\np50 / p99 in ms per kind: ours | bare | bare committed per batch | bare, nested filters"
    );
    for (k, kind) in kinds.iter().enumerate() {
        let mut line = format!("  {:<36}", kind.name);
        for t in &mut times {
            t[k].sort();
            line.push_str(&format!(
                " | {:.2} / {:.2}",
                ms(percentile(&t[k], 0.5)),
                ms(percentile(&t[k], 0.99))
            ));
        }
        println!("{line}");
    }
    let mut all = vec![Vec::new(); 4];
    for (k, kind) in kinds.iter().enumerate() {
        for (engine, t) in times.iter().enumerate() {
            all[engine].extend_from_slice(&t[k]);
        }
        push_latency(&mut figures, kind.name, &times[0][k], &times[1][k]);
    }
    for t in &mut all {
        t.sort();
    }
    push_latency(&mut figures, "all kinds", &all[0], &all[1]);
    // The diagnostic: a bare index with as many segments as sync leaves.
    push_latency(
        &mut figures,
        &format!("all kinds, bare tantivy committed per {READ_BATCH} (diagnostic)"),
        &all[2],
        &all[1],
    );
    push_latency(
        &mut figures,
        "all kinds, bare with ours' nested filters (diagnostic)",
        &all[3],
        &all[1],
    );
    report(&figures)
}

fn push_latency(figures: &mut Vec<Figure>, name: &str, ours: &[Duration], bare: &[Duration]) {
    let n = ours.len();
    let name = format!("search: {name}");
    figures.push(
        Figure::new(
            &name,
            &format!("p50 of {n}"),
            ms(percentile(ours, 0.5)),
            "ms",
        )
        .against("bare tantivy", ms(percentile(bare, 0.5)))
        .target("< 5 ms"),
    );
    figures.push(
        Figure::new(
            &name,
            &format!("p99 of {n}"),
            ms(percentile(ours, 0.99)),
            "ms",
        )
        .against("bare tantivy", ms(percentile(bare, 0.99)))
        .target("< 20 ms"),
    );
}
