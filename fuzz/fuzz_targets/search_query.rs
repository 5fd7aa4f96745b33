//! The search box: words, "phrases", prefixes*, -exclusions and the sort and facet
//! values a URL can carry, run against an index.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rightstrack_search::{Dimension, SearchIndex, SearchQuery, Sort};

fn index() -> Option<&'static SearchIndex> {
    static INDEX: OnceLock<Option<SearchIndex>> = OnceLock::new();
    INDEX.get_or_init(|| SearchIndex::in_memory().ok()).as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Some(index) = index() else {
        return;
    };
    // First line: the words; then `sort`, then `dimension=value` filters.
    let mut lines = input.lines();
    let text = lines.next().unwrap_or_default().to_string();
    let sort = Sort::parse(lines.next().unwrap_or_default()).unwrap_or_default();
    let filters = lines
        .filter_map(|l| l.split_once('='))
        .filter_map(|(d, v)| Dimension::parse(d).map(|d| (d, v.to_string())))
        .collect();
    let query = SearchQuery {
        text,
        filters,
        sort,
        offset: data.len() % 7,
        limit: 10,
        facet_limit: 5,
    };
    let _ = index.search(&query);
});
