//! Facet counting. Every document's facets are leaves `dimension/value` of one facet
//! field, so counting is a tally by term ordinal. tantivy's own `FacetCollector` rebuilds an
//! ordinal mapping by streaming the whole facet dictionary of every segment on every query
//! and turns every counted ordinal back into a term; measured on 270,000 recommendations
//! that was most of a broad query's time. Here each (immutable) segment's ordinal → (dimension,
//! value) table is built once and kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::fastfield::FacetReader;
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::facts::{Limits, NEVER};
use crate::{Dimension, Signal};

/// What each facet ordinal of a segment stands for.
type Names = Arc<Vec<Option<(Dimension, String)>>>;

/// Ordinal tables of the segments seen so far.
#[derive(Default)]
pub(crate) struct NameCache {
    by_segment: Mutex<HashMap<SegmentId, Names>>,
}

impl NameCache {
    fn names(&self, segment: SegmentId, reader: &FacetReader) -> tantivy::Result<Names> {
        if let Some(names) = self
            .by_segment
            .lock()
            .ok()
            .and_then(|c| c.get(&segment).cloned())
        {
            return Ok(names);
        }
        let dictionary = reader.facet_dict();
        let mut names = vec![None; dictionary.num_terms()];
        let mut terms = dictionary.range().into_stream()?;
        while terms.advance() {
            // A facet's encoded form separates its path steps with NUL bytes.
            let key = String::from_utf8_lossy(terms.key());
            let mut steps = key.split('\0');
            let (Some(dimension), Some(value)) =
                (steps.next().and_then(Dimension::parse), steps.next())
            else {
                continue;
            };
            if let Some(slot) = names.get_mut(terms.term_ord() as usize) {
                *slot = Some((dimension, value.to_string()));
            }
        }
        let names = Arc::new(names);
        if let Ok(mut cache) = self.by_segment.lock() {
            cache.insert(segment, names.clone());
        }
        Ok(names)
    }

    /// Forgets segments that are no longer searched (merged away).
    pub(crate) fn keep_only(&self, live: &[SegmentId]) {
        if let Ok(mut cache) = self.by_segment.lock() {
            cache.retain(|id, _| live.contains(id));
        }
    }
}

/// Counts of every (dimension, value) among the matching documents.
pub(crate) struct FacetCounter<'a> {
    pub cache: &'a NameCache,
    /// Where the time-based signals start today.
    pub limits: Limits,
}

pub(crate) struct SegmentCounter {
    reader: FacetReader,
    names: Names,
    counts: Vec<u32>,
    /// (stored dates, today's limit, count) of each time-based signal.
    timed: [(Column, u64, u32); 2],
}

pub(crate) type Counts = HashMap<(Dimension, String), u64>;

impl Collector for FacetCounter<'_> {
    type Fruit = Counts;
    type Child = SegmentCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentCounter> {
        let reader = segment.facet_reader("facets")?;
        let names = self.cache.names(segment.segment_id(), &reader)?;
        let counts = vec![0; names.len()];
        let column = |name: &str| -> tantivy::Result<Column> { segment.fast_fields().u64(name) };
        Ok(SegmentCounter {
            reader,
            names,
            counts,
            timed: [
                (column("overdue_from")?, self.limits.overdue, 0),
                (column("idle_since")?, self.limits.stalled, 0),
            ],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut all = Counts::new();
        for fruit in fruits {
            for (key, count) in fruit {
                *all.entry(key).or_default() += count;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentCounter {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for ord in self.reader.facet_ords(doc) {
            if let Some(count) = self.counts.get_mut(ord as usize) {
                *count += 1;
            }
        }
        for (column, limit, count) in &mut self.timed {
            if column.first(doc).unwrap_or(NEVER) < *limit {
                *count += 1;
            }
        }
    }

    fn harvest(self) -> Counts {
        let timed = [Signal::Overdue, Signal::Stalled]
            .into_iter()
            .zip(self.timed.iter().map(|t| t.2))
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| ((Dimension::Signal, s.code().to_string()), u64::from(n)));
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .filter_map(|(ord, n)| Some((self.names.get(ord)?.clone()?, u64::from(*n))))
            .chain(timed)
            .collect()
    }
}
