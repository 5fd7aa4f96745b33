//! The tantivy index and how it follows the store.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, RwLock};

use rightstrack_core::{Recommendation, RecommendationId};
use rightstrack_store::{Revision, Store};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::facets::{FacetCounter, NameCache};
use crate::facts::{self, IndexFacts, Limits};
use crate::query::{FacetCount, FacetValue, Hit, SearchQuery, SearchResults, Sort};
use crate::{Dimension, Result, SearchError, Signal};

const STEMMED: &str = "rt_stemmed";
const FOLDED: &str = "rt_folded";
/// Changes read from the store per round trip while catching up.
const SYNC_BATCH: u32 = 5000;

struct Fields {
    id: Field,
    text: Field,
    exact: Field,
    facets: Field,
    session: Field,
    order: Field,
    overdue_from: Field,
    idle_since: Field,
}

/// What one `sync` did.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncStats {
    pub indexed: usize,
    pub revision: Revision,
}

/// How often a sync that indexed nothing still reloads the reader, for merged segments.
const RELOAD_AT_LEAST_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Arc<Mutex<IndexWriter>>,
    /// One sync at a time: writers arriving together wait for the running sync, and the
    /// one after it commits all their changes at once (the others then find nothing new),
    /// instead of each committing the same changes again.
    syncing: tokio::sync::Mutex<()>,
    /// Syncs started and the last one finished, numbered: a caller needs only a sync that
    /// started after it asked, and returns at once when one has finished meanwhile.
    syncs_started: std::sync::atomic::AtomicU64,
    syncs_finished: std::sync::atomic::AtomicU64,
    /// When the reader last took up the index's segments.
    reloaded: Mutex<std::time::Instant>,
    fields: Fields,
    /// The last change indexed.
    cursor: Mutex<Revision>,
    /// Labels of facet values, as the indexed records gave them.
    labels: RwLock<HashMap<(Dimension, String), String>>,
    facet_names: NameCache,
}

fn analyzers(index: &Index) {
    let base = || {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
    };
    index.tokenizers().register(
        STEMMED,
        base().filter(Stemmer::new(Language::English)).build(),
    );
    index.tokenizers().register(FOLDED, base().build());
}

impl SearchIndex {
    /// An empty index in memory; fill it with [`SearchIndex::sync`].
    pub fn in_memory() -> Result<Self> {
        let mut schema = Schema::builder();
        let text_options = |analyzer: &str, positions: bool| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer)
                    .set_index_option(if positions {
                        IndexRecordOption::WithFreqsAndPositions
                    } else {
                        IndexRecordOption::Basic
                    }),
            )
        };
        let fields = Fields {
            id: schema.add_u64_field("id", INDEXED | FAST),
            text: schema.add_text_field("text", text_options(STEMMED, true)),
            exact: schema.add_text_field("exact", text_options(FOLDED, false)),
            facets: schema.add_facet_field("facets", FacetOptions::default()),
            session: schema.add_u64_field("session", FAST),
            order: schema.add_text_field("order", STRING | FAST),
            overdue_from: schema.add_u64_field("overdue_from", INDEXED | FAST),
            idle_since: schema.add_u64_field("idle_since", INDEXED | FAST),
        };
        let index = Index::create_in_ram(schema.build());
        analyzers(&index);
        // One thread: indexing competes with serving on small machines.
        let writer = index.writer_with_num_threads(1, 64 * 1024 * 1024)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            writer: Arc::new(Mutex::new(writer)),
            syncing: tokio::sync::Mutex::new(()),
            syncs_started: std::sync::atomic::AtomicU64::new(0),
            syncs_finished: std::sync::atomic::AtomicU64::new(0),
            reloaded: Mutex::new(std::time::Instant::now()),
            fields,
            cursor: Mutex::new(Revision::default()),
            labels: RwLock::new(HashMap::new()),
            facet_names: NameCache::default(),
        })
    }

    /// The last change the index has seen.
    pub fn revision(&self) -> Revision {
        self.cursor.lock().map(|c| *c).unwrap_or_default()
    }

    /// Reads every change after the last one indexed and indexes it, committing once at
    /// the end: one commit per batch would leave many small segments, and a search costs
    /// more per segment. Run it at start and then every second or so; it is cheap when
    /// nothing changed.
    pub async fn sync(&self, store: &dyn Store) -> Result<SyncStats> {
        use std::sync::atomic::Ordering::SeqCst;
        // Every change made before this call is in any sync numbered above this one.
        let wanted = self.syncs_started.load(SeqCst) + 1;
        let _one_at_a_time = self.syncing.lock().await;
        if self.syncs_finished.load(SeqCst) >= wanted {
            return Ok(SyncStats {
                indexed: 0,
                revision: self.revision(),
            });
        }
        let number = self.syncs_started.fetch_add(1, SeqCst) + 1;
        let stats = self.sync_now(store).await?;
        // Only a sync that succeeded serves the callers waiting: after a failure the next
        // one tries again from the cursor.
        self.syncs_finished.store(number, SeqCst);
        Ok(stats)
    }

    async fn sync_now(&self, store: &dyn Store) -> Result<SyncStats> {
        let mut stats = SyncStats {
            indexed: 0,
            revision: self.revision(),
        };
        // A fresh index holds nothing to replace.
        let fresh = self.is_empty();
        let mut labels = BTreeMap::new();
        loop {
            let changes = store.changed_since(stats.revision, SYNC_BATCH).await?;
            let Some(last) = changes.last().map(|c| c.0) else {
                break;
            };
            let full = changes.len() == SYNC_BATCH as usize;
            stats.indexed += changes.len();
            let recs: Vec<&Recommendation> = changes.iter().map(|(_, rec)| rec).collect();
            // Read after the batch: see `facts`.
            let facts = facts::gather(store, &recs).await?;
            self.add(&recs, &facts, fresh, &mut labels)?;
            stats.revision = last;
            if !full {
                break;
            }
        }
        if stats.indexed > 0 {
            // A commit writes segments and waits for the indexing thread: off the async
            // threads, which keep answering requests meanwhile.
            let writer = Arc::clone(&self.writer);
            tokio::task::spawn_blocking(move || -> Result<()> {
                writer.lock().map_err(|_| poisoned())?.commit()?;
                Ok(())
            })
            .await
            .map_err(|e| {
                SearchError::Index(tantivy::TantivyError::SystemError(format!(
                    "the index commit stopped: {e}"
                )))
            })??;
            if let Ok(mut known) = self.labels.write() {
                known.extend(labels);
            }
            if let Ok(mut cursor) = self.cursor.lock() {
                *cursor = stats.revision;
            }
        }
        // Also picks up segments that background merges finished since the last commit:
        // after a commit, and otherwise at most once a second (the writers arriving after a
        // commit find nothing new and need no fresh searcher).
        let due = self
            .reloaded
            .lock()
            .map(|at| at.elapsed() >= RELOAD_AT_LEAST_EVERY)
            .unwrap_or(true);
        if stats.indexed == 0 && !due {
            return Ok(stats);
        }
        self.reader.reload()?;
        if let Ok(mut at) = self.reloaded.lock() {
            *at = std::time::Instant::now();
        }
        let live: Vec<_> = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        self.facet_names.keep_only(&live);
        Ok(stats)
    }

    fn add(
        &self,
        recs: &[&Recommendation],
        facts: &HashMap<RecommendationId, IndexFacts>,
        fresh: bool,
        labels: &mut BTreeMap<(Dimension, String), String>,
    ) -> Result<()> {
        let writer = self.writer.lock().map_err(|_| poisoned())?;
        let none = IndexFacts::default();
        for rec in recs {
            let facts = facts.get(&rec.id).unwrap_or(&none);
            let id = rec.id.0 as u64;
            if !fresh {
                writer.delete_term(Term::from_field_u64(self.fields.id, id));
            }
            let mut doc = TantivyDocument::new();
            doc.add_u64(self.fields.id, id);
            doc.add_text(self.fields.text, &rec.text);
            doc.add_text(self.fields.exact, &rec.text);
            doc.add_u64(
                self.fields.session,
                rec.session.map(|s| u64::from(u16::from(s))).unwrap_or(0),
            );
            doc.add_text(self.fields.order, facts::document_order(rec));
            doc.add_u64(
                self.fields.overdue_from,
                facts::date_key(facts.overdue_from),
            );
            doc.add_u64(self.fields.idle_since, facts::instant_key(facts.idle_since));
            for (dimension, value, label) in Dimension::values_of(rec, facts) {
                doc.add_facet(
                    self.fields.facets,
                    Facet::from_path([dimension.code(), value.as_str()]),
                );
                labels.insert((dimension, value), label);
            }
            writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Every hit of a query, in its order: for downloading a whole result set in one pass.
    pub fn all_hits(&self, q: &SearchQuery) -> Result<Vec<Hit>> {
        let everything = SearchQuery {
            offset: 0,
            limit: usize::try_from(self.len()).unwrap_or(usize::MAX).max(1),
            facet_limit: 1,
            ..q.clone()
        };
        Ok(self.search(&everything)?.hits)
    }

    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let limits = q.clock.limits();
        let query = self.build_query(q, limits);
        let facet_collector = FacetCounter {
            cache: &self.facet_names,
            limits,
        };
        let limit = q.limit.max(1);
        // The collectors hold offset + limit documents (the sorted ones allocate it at
        // once): past the last document a page is empty anyway, so the offset stops there.
        // Unbounded, page 801,213 of 499 asked for 25 GB and the process aborted.
        let offset = q
            .offset
            .min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX));
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let words = !q.text.trim().is_empty();
        let (total, addresses, facet_counts) = match (q.sort, words) {
            (Sort::Relevance, true) => {
                let (total, hits, facets) =
                    searcher.search(&query, &(Count, top, facet_collector))?;
                (total, hits, facets)
            }
            (Sort::Paragraph, _) => {
                let by_order = top.order_by_string_fast_field("order", tantivy::Order::Asc);
                let (total, hits, facets) =
                    searcher.search(&query, &(Count, by_order, facet_collector))?;
                (
                    total,
                    hits.into_iter().map(|(_, a)| (0.0, a)).collect(),
                    facets,
                )
            }
            (sort, _) => {
                let order = if sort == Sort::Oldest {
                    tantivy::Order::Asc
                } else {
                    tantivy::Order::Desc
                };
                let by_session = top.order_by_u64_field("session", order);
                let (total, hits, facets) =
                    searcher.search(&query, &(Count, by_session, facet_collector))?;
                (
                    total,
                    hits.into_iter()
                        .map(|(s, a): (u64, DocAddress)| (s as f32, a))
                        .collect(),
                    facets,
                )
            }
        };
        let mut hits = Vec::with_capacity(addresses.len());
        for (score, address) in addresses {
            let column = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64("id")?;
            if let Some(id) = column.first(address.doc_id) {
                hits.push(Hit {
                    id: RecommendationId(id as i64),
                    score,
                });
            }
        }
        let labels = self.labels.read().ok();
        let mut by_dimension: BTreeMap<Dimension, Vec<FacetValue>> = BTreeMap::new();
        for ((d, value), count) in facet_counts {
            let label = labels
                .as_ref()
                .and_then(|l| l.get(&(d, value.clone())).cloned())
                .or_else(|| {
                    let signal = Signal::parse(&value).filter(|_| d == Dimension::Signal);
                    signal.map(|s| s.label().to_string())
                })
                .unwrap_or_else(|| value.clone());
            let selected = q.filters.iter().any(|(fd, fv)| *fd == d && *fv == value);
            by_dimension.entry(d).or_default().push(FacetValue {
                value,
                label,
                count,
                selected,
            });
        }
        let facets = Dimension::ALL
            .into_iter()
            .map(|d| {
                let mut values = by_dimension.remove(&d).unwrap_or_default();
                // The most frequent values, ties broken by value so the choice is stable;
                // then shown most frequent first, ties by label.
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                values.truncate(q.facet_limit.max(1));
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
                FacetCount {
                    dimension: d,
                    label: d.label(),
                    values,
                }
            })
            .collect();
        Ok(SearchResults {
            total,
            hits,
            facets,
        })
    }

    /// Words and phrases against the stemmed text, prefixes against the folded text,
    /// filters as facet terms. User syntax never fails: what cannot be parsed is searched
    /// as plain words.
    fn build_query(&self, q: &SearchQuery, limits: Limits) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut words = Vec::new();
        for token in split_terms(&q.text) {
            match token.strip_suffix('*') {
                Some(prefix) if !prefix.starts_with('"') && prefix.chars().count() >= 2 => {
                    let folded = fold(prefix);
                    if !folded.is_empty() {
                        let pattern = format!("{}.*", regex_escape(&folded));
                        if let Ok(query) = RegexQuery::from_pattern(&pattern, self.fields.exact) {
                            clauses.push((Occur::Must, Box::new(query)));
                        }
                    }
                }
                _ => words.push(token),
            }
        }
        if !words.is_empty() {
            let mut parser = QueryParser::for_index(&self.index, vec![self.fields.text]);
            parser.set_conjunction_by_default();
            let (query, _errors) = parser.parse_query_lenient(&words.join(" "));
            clauses.push((Occur::Must, query));
        }
        let mut by_dimension: BTreeMap<Dimension, Vec<&str>> = BTreeMap::new();
        for (d, v) in &q.filters {
            by_dimension.entry(*d).or_default().push(v);
        }
        for (d, values) in by_dimension {
            let terms: Vec<(Occur, Box<dyn Query>)> = values
                .into_iter()
                .map(|v| (Occur::Should, self.value_query(d, v, limits)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(terms))));
        }
        if clauses.is_empty() {
            return Box::new(AllQuery);
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// Documents having one facet value. The time-based signals are ranges of their
    /// stored dates below today's limits.
    fn value_query(&self, d: Dimension, value: &str, limits: Limits) -> Box<dyn Query> {
        let below = |field: Field, limit: u64| -> Box<dyn Query> {
            Box::new(RangeQuery::new(
                Bound::Unbounded,
                Bound::Excluded(Term::from_field_u64(field, limit)),
            ))
        };
        match (d, Signal::parse(value)) {
            (Dimension::Signal, Some(Signal::Overdue)) => {
                below(self.fields.overdue_from, limits.overdue)
            }
            (Dimension::Signal, Some(Signal::Stalled)) => {
                below(self.fields.idle_since, limits.stalled)
            }
            _ => {
                let term =
                    Term::from_facet(self.fields.facets, &Facet::from_path([d.code(), value]));
                Box::new(TermQuery::new(term, IndexRecordOption::Basic))
            }
        }
    }

    /// How many documents the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The label of a facet value, as the indexed records gave it.
    pub fn label(&self, dimension: Dimension, value: &str) -> Option<String> {
        self.labels
            .read()
            .ok()?
            .get(&(dimension, value.to_string()))
            .cloned()
    }
}

/// Splits user text into terms, keeping "quoted phrases" whole.
fn split_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                current.push(c);
                if quoted {
                    out.push(std::mem::take(&mut current));
                }
                quoted = !quoted;
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        if quoted {
            current.push('"');
        }
        out.push(current);
    }
    out
}

fn poisoned() -> SearchError {
    SearchError::BadQuery(
        "the index writer failed earlier; restart the server to rebuild the index".into(),
    )
}

/// Lower-cased and accent-folded, as the folded field indexes words.
fn fold(word: &str) -> String {
    let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let mut stream = analyzer.token_stream(word);
    let mut out = String::new();
    while let Some(token) = stream.next() {
        out.push_str(&token.text);
    }
    out
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_keep_phrases() {
        assert_eq!(
            split_terms(r#"child "early marriage" tortur*"#),
            ["child", "\"early marriage\"", "tortur*"]
        );
        assert_eq!(split_terms(r#""unclosed phrase"#), ["\"unclosed phrase\""]);
    }

    #[test]
    fn folding_matches_the_index() {
        assert_eq!(fold("Réfugiés"), "refugies");
        assert_eq!(regex_escape("a.b"), "a\\.b");
    }
}
