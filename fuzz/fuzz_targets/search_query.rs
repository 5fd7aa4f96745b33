//! The search box: words, "phrases", prefixes*, -exclusions and the sort and facet
//! values a URL can carry, run against an index holding a few recommendations (imported
//! into an in-memory database and indexed as the server does).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rightstrack_search::{Dimension, SearchIndex, SearchQuery, Sort};
use rightstrack_store::ImportBatch;

const RECOMMENDATIONS: &str = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\
Slovenia,EEG,EU,Ratify the Optional Protocol to the Convention against Torture,France,WEOG,EU,Accepted,5,\"International instruments,Torture\",7\r\
Slovenia,EEG,EU,Combat discrimination against Roma in education and employment,Chile,GRULAC,OAS,Accepted,4,\"Minorities,Racial discrimination\",7\r\
Norway,WEOG,EU,Strengthen the Ombudsperson's mandate to protect children's rights,Kenya,African,AU,Noted,3,Rights of the Child,20\r\
Chile,GRULAC,OAS,Investigate all allegations of torture by the police (Carabineros),Norway,WEOG,,Accepted,5,Torture,32\r";

fn index() -> Option<&'static SearchIndex> {
    static INDEX: OnceLock<Option<SearchIndex>> = OnceLock::new();
    INDEX.get_or_init(build).as_ref()
}

fn build() -> Option<SearchIndex> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let store = rightstrack_store::open("sqlite::memory:").await.ok()?;
        let parsed =
            rightstrack_ingest::upr_info::parse("seed.csv", RECOMMENDATIONS.as_bytes()).ok()?;
        store
            .import(ImportBatch {
                actor: "fuzz".into(),
                source: "seed.csv".into(),
                recommendations: parsed.recommendations,
                ..Default::default()
            })
            .await
            .ok()?;
        let index = SearchIndex::in_memory().ok()?;
        index.sync(store.as_ref()).await.ok()?;
        Some(index)
    })
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
