//! Outputs made from stored data: exports of recommendation sets now; the mid-term report,
//! follow-up chapter and briefs build on the same rows.

pub mod export;
