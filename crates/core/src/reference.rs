//! Reference data written into the project (see `data/README.md`): states, SDG goals and
//! targets, UPR Info issues, UHRI themes and affected persons. Parsed once, on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

pub(crate) const STATES: &str = include_str!("../data/states.tsv");
pub(crate) const SDG_GOALS: &str = include_str!("../data/sdg_goals.tsv");
pub(crate) const SDG_TARGETS: &str = include_str!("../data/sdg_targets.tsv");
pub(crate) const UPR_ISSUES: &str = include_str!("../data/upr_issues.tsv");
pub(crate) const UHRI_THEMES: &str = include_str!("../data/uhri_themes.tsv");
pub(crate) const AFFECTED_PERSONS: &str = include_str!("../data/affected_persons.tsv");

/// The rows of an embedded TSV table, header skipped, each split on tabs. The tables are
/// checked by tests, so a malformed row cannot reach a release; it is skipped rather than
/// allowed to bring the process down.
pub(crate) fn rows(table: &'static str, columns: usize) -> impl Iterator<Item = Vec<&'static str>> {
    table
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.split('\t').map(str::trim).collect::<Vec<_>>())
        .filter(move |fields| fields.len() >= columns)
}

/// A code → label table with a lookup by folded label, for the open taxonomies.
pub(crate) struct CodeList {
    pub entries: Vec<(&'static str, &'static str)>,
    /// Exact codes first: importers mostly hand over codes already resolved.
    by_code: HashMap<&'static str, usize>,
    by_key: HashMap<String, usize>,
}

impl CodeList {
    pub fn parse(table: &'static str) -> Self {
        let entries: Vec<_> = rows(table, 2).map(|f| (f[0], f[1])).collect();
        let mut by_key = HashMap::new();
        let by_code = entries
            .iter()
            .enumerate()
            .map(|(i, (code, _))| (*code, i))
            .collect();
        for (i, (code, label)) in entries.iter().enumerate() {
            by_key.insert(crate::text::name_key(code), i);
            by_key.insert(crate::text::name_key(label), i);
        }
        Self {
            entries,
            by_code,
            by_key,
        }
    }

    pub fn find(&self, code_or_label: &str) -> Option<(&'static str, &'static str)> {
        if let Some(&i) = self.by_code.get(code_or_label) {
            return Some(self.entries[i]);
        }
        self.by_key
            .get(&crate::text::name_key(code_or_label))
            .map(|&i| self.entries[i])
    }
}

pub(crate) fn code_list(
    cell: &'static OnceLock<CodeList>,
    table: &'static str,
) -> &'static CodeList {
    cell.get_or_init(|| CodeList::parse(table))
}
