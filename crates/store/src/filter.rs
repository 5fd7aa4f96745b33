//! The WHERE clause of a recommendation filter, written once for both backends; only the
//! placeholder syntax differs (`?1` for SQLite, `$1` for PostgreSQL).

use crate::RecommendationFilter;

/// A bound value of a filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Text(String),
    Int(i64),
    Real(f64),
}

/// Placeholder style of a backend.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Placeholder {
    Question,
    Dollar,
}

impl Placeholder {
    pub fn at(self, n: usize) -> String {
        match self {
            Self::Question => format!("?{n}"),
            Self::Dollar => format!("${n}"),
        }
    }
}

/// Builds `clause AND clause …` over the alias `r` (recommendations), with its values.
pub(crate) fn where_clause(
    filter: &RecommendationFilter,
    style: Placeholder,
) -> (String, Vec<Value>) {
    let mut clauses = vec!["TRUE".to_string()];
    let mut values: Vec<Value> = Vec::new();
    let mut push = |clause: &str, value: Value| {
        values.push(value);
        clauses.push(clause.replace('?', &style.at(values.len())));
    };
    if let Some(id) = filter.id {
        push("r.id = ?", Value::Int(id.0));
    }
    if let Some(s) = filter.state {
        push("r.state_code = ?", Value::Text(s.to_string()));
    }
    if let Some(c) = filter.cycle {
        push("r.cycle = ?", Value::Int(c.into()));
    }
    if let Some(s) = filter.session {
        push("r.session = ?", Value::Int(s.into()));
    }
    if let Some(m) = &filter.mechanism {
        push("r.mechanism = ?", Value::Text(m.code()));
    }
    if let Some(p) = filter.position {
        push("r.position = ?", Value::Text(p.code().to_string()));
    }
    if let Some(s) = filter.recommending_state {
        push(
            "EXISTS (SELECT 1 FROM recommending_states rs WHERE rs.recommendation_id = r.id AND rs.state_code = ?)",
            Value::Text(s.to_string()),
        );
    }
    if let Some(g) = filter.recommending_group {
        push(
            "EXISTS (SELECT 1 FROM recommending_states rs JOIN states s ON s.code = rs.state_code
                     WHERE rs.recommendation_id = r.id AND s.regional_group = ?)",
            Value::Text(g.code().to_string()),
        );
    }
    if filter.published_only {
        clauses.push("r.published = TRUE".to_string());
    }
    (clauses.join(" AND "), values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rightstrack_core::{Position, StateCode};

    #[test]
    fn values_are_bound_never_spliced() {
        let filter = RecommendationFilter {
            state: StateCode::parse("SVN").ok(),
            position: Some(Position::Noted),
            published_only: true,
            ..Default::default()
        };
        let (sql, values) = where_clause(&filter, Placeholder::Dollar);
        assert_eq!(
            sql,
            "TRUE AND r.state_code = $1 AND r.position = $2 AND r.published = TRUE"
        );
        assert_eq!(
            values,
            [Value::Text("SVN".into()), Value::Text("noted".into())]
        );
        let (sql, _) = where_clause(&filter, Placeholder::Question);
        assert!(sql.contains("?2"));
    }
}
