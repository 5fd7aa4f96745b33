//! Schema migrations, embedded in the binary. Each backend has its own SQL for each
//! version; both lists must have the same versions (a test checks). A migration is never
//! edited once released: a change is a new version, for both backends in the same commit.

use serde::Serialize;

pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "registry",
        sqlite: include_str!("../migrations/sqlite/0001_registry.sql"),
        postgres: include_str!("../migrations/postgres/0001_registry.sql"),
    },
    Migration {
        version: 2,
        name: "revisions",
        sqlite: include_str!("../migrations/sqlite/0002_revisions.sql"),
        postgres: include_str!("../migrations/postgres/0002_revisions.sql"),
    },
    Migration {
        version: 3,
        name: "cluster_decisions",
        sqlite: include_str!("../migrations/sqlite/0003_cluster_decisions.sql"),
        postgres: include_str!("../migrations/postgres/0003_cluster_decisions.sql"),
    },
    Migration {
        version: 4,
        name: "accounts",
        sqlite: include_str!("../migrations/sqlite/0004_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0004_accounts.sql"),
    },
    Migration {
        version: 5,
        name: "tracking",
        sqlite: include_str!("../migrations/sqlite/0005_tracking.sql"),
        postgres: include_str!("../migrations/postgres/0005_tracking.sql"),
    },
    Migration {
        version: 6,
        name: "suggestion_review",
        sqlite: include_str!("../migrations/sqlite/0006_suggestion_review.sql"),
        postgres: include_str!("../migrations/postgres/0006_suggestion_review.sql"),
    },
];

/// A migration applied by this run.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub version: i64,
    pub name: &'static str,
}

/// The migrations newer than `current`, in order.
pub(crate) fn pending(current: i64) -> impl Iterator<Item = &'static Migration> {
    MIGRATIONS.iter().filter(move |m| m.version > current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_and_both_backends_have_sql() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
        for m in MIGRATIONS {
            assert!(
                !m.sqlite.trim().is_empty() && !m.postgres.trim().is_empty(),
                "{}",
                m.name
            );
        }
    }
}
