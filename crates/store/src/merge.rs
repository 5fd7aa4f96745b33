//! What re-importing a known recommendation changes. Shared by both backends so that an
//! import means the same thing on SQLite and PostgreSQL.
//!
//! The rules: a source adds what it knows and never erases what another source said.
//! Recommending states and imported tags are unions; the cycle, session, document,
//! paragraph and source group are filled where missing; a position or action category
//! given by the source replaces the stored one (a later document — the addendum — states
//! the position that counts). Tags set by people or suggested by models are not touched.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::Identity;

use rightstrack_core::{
    ActionCategory, NewRecommendation, Position, SourceDocument, StateCode, Taxonomy,
};

/// The stored fields of a recommendation that an import may change.
#[derive(Debug, Clone, PartialEq)]
pub struct Existing {
    pub id: i64,
    pub cycle: Option<u8>,
    pub session: Option<u16>,
    pub document_symbol: Option<String>,
    pub paragraph: Option<String>,
    pub position: Option<Position>,
    pub position_source: Option<String>,
    pub position_explanation: Option<String>,
    pub action_category: Option<ActionCategory>,
    pub source_group: Option<String>,
    pub recommending_states: BTreeSet<StateCode>,
    pub imported_tags: BTreeSet<(Taxonomy, String)>,
}

/// The new values of an update: the scalar fields in full, the sets as additions.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub fields: Existing,
    pub added_states: Vec<StateCode>,
    pub added_tags: Vec<(Taxonomy, String)>,
}

/// Compares a stored recommendation with what a source says of it; `incoming_tags` are the
/// source's tags resolved to their canonical codes. `None` when nothing changes.
pub fn merge(
    existing: &Existing,
    incoming: &NewRecommendation,
    incoming_tags: &[(Taxonomy, String)],
) -> Option<Update> {
    let mut fields = existing.clone();
    fields.cycle = fields.cycle.or(incoming.cycle.map(u8::from));
    fields.session = fields.session.or(incoming.session.map(u16::from));
    if fields.document_symbol.is_none() {
        fields.document_symbol = incoming.document.as_ref().map(|d| d.symbol.clone());
    }
    fields.paragraph = fields.paragraph.or_else(|| incoming.paragraph.clone());
    fields.source_group = fields
        .source_group
        .or_else(|| incoming.source_group.clone());
    if incoming.position.is_some() {
        fields.position = incoming.position;
        fields.position_source = incoming.position_source.clone().or(fields.position_source);
        if incoming.position_explanation.is_some() {
            fields.position_explanation = incoming.position_explanation.clone();
        }
    }
    fields.action_category = incoming.action_category.or(fields.action_category);

    let added_states: Vec<StateCode> = incoming
        .recommending_states
        .iter()
        .filter(|s| !existing.recommending_states.contains(s))
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let added_tags: Vec<(Taxonomy, String)> = incoming_tags
        .iter()
        .filter(|t| !existing.imported_tags.contains(t))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    fields
        .recommending_states
        .extend(added_states.iter().copied());
    fields.imported_tags.extend(added_tags.iter().cloned());

    if fields == *existing {
        None
    } else {
        Some(Update {
            fields,
            added_states,
            added_tags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rightstrack_core::{Mechanism, Session};

    fn code(c: &str) -> StateCode {
        StateCode::parse(c).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn existing() -> Existing {
        Existing {
            id: 1,
            cycle: Some(1),
            session: Some(7),
            document_symbol: None,
            paragraph: None,
            position: Some(Position::Supported),
            position_source: Some("UPR Info database".into()),
            position_explanation: None,
            action_category: Some(ActionCategory::new(5).unwrap_or_else(|e| unreachable!("{e}"))),
            source_group: None,
            recommending_states: [code("FRA")].into(),
            imported_tags: [(Taxonomy::UprIssue, "justice".to_string())].into(),
        }
    }

    fn incoming() -> NewRecommendation {
        let mut rec = NewRecommendation::new(Mechanism::Upr, code("SVN"), "Ratify OP-CAT")
            .with_session(Session::new(7).unwrap_or_else(|e| unreachable!("{e}")));
        rec.recommending_states = vec![code("FRA")];
        rec.position = Some(Position::Supported);
        rec.position_source = Some("UPR Info database".into());
        rec.action_category = ActionCategory::new(5).ok();
        rec
    }

    #[test]
    fn the_same_source_twice_changes_nothing() {
        let tags = [(Taxonomy::UprIssue, "justice".to_string())];
        assert_eq!(merge(&existing(), &incoming(), &tags), None);
    }

    #[test]
    fn new_states_tags_and_paragraph_are_added_never_removed() {
        let mut rec = incoming();
        rec.recommending_states = vec![code("CHL")];
        rec.paragraph = Some("93.4".into());
        let tags = [(Taxonomy::UprIssue, "torture".to_string())];
        let update = merge(&existing(), &rec, &tags).unwrap_or_else(|| unreachable!());
        assert_eq!(update.added_states, [code("CHL")]);
        assert_eq!(update.fields.recommending_states.len(), 2);
        assert_eq!(update.fields.imported_tags.len(), 2);
        assert_eq!(update.fields.paragraph.as_deref(), Some("93.4"));
    }

    #[test]
    fn a_later_position_replaces_the_earlier() {
        let mut rec = incoming();
        rec.position = Some(Position::SupportedInPart);
        rec.position_source = Some("A/HRC/12/6/Add.1".into());
        rec.position_explanation = Some("Supports the first part".into());
        let tags = [(Taxonomy::UprIssue, "justice".to_string())];
        let update = merge(&existing(), &rec, &tags).unwrap_or_else(|| unreachable!());
        assert_eq!(update.fields.position, Some(Position::SupportedInPart));
        assert_eq!(
            update.fields.position_source.as_deref(),
            Some("A/HRC/12/6/Add.1")
        );
    }
}

/// The tags a source gives, resolved to canonical (taxonomy, code, label). Those that do not
/// resolve were already reported by the importer and are left out.
pub fn resolved_tags(rec: &NewRecommendation) -> Vec<(Taxonomy, String, String)> {
    let mut seen = BTreeSet::new();
    rec.tags
        .iter()
        .filter_map(|(taxonomy, value)| taxonomy.term(value).ok())
        .filter(|t| seen.insert((t.taxonomy, t.code.clone())))
        .map(|t| (t.taxonomy, t.code, t.label))
        .collect()
}

/// What to write for one file: new recommendations (several records of the file with one
/// identity already merged into one) and updates of known ones.
#[derive(Debug, Default)]
pub struct Plan {
    /// (index of the first record in the batch, identity, the merged fields to insert).
    pub inserts: Vec<(usize, Identity, Existing)>,
    pub updates: Vec<Update>,
    pub unchanged: usize,
    /// Every document the batch names, by symbol.
    pub documents: BTreeMap<String, SourceDocument>,
    /// Labels of every tag the batch names.
    pub labels: BTreeMap<(Taxonomy, String), String>,
}

/// Decides, for every record of a batch, whether it is new, changes a known
/// recommendation, or changes nothing. `known` holds the stored recommendations with the
/// batch's identities; `identities` are the records' identity hashes, in batch order.
pub fn plan(
    records: &[NewRecommendation],
    identities: &[Identity],
    mut known: HashMap<Identity, Existing>,
) -> Plan {
    let mut plan = Plan::default();
    let mut pending: HashMap<Identity, usize> = HashMap::new();
    let mut updated: HashMap<Identity, usize> = HashMap::new();
    let mut unchanged: BTreeSet<&Identity> = BTreeSet::new();
    for (index, (rec, identity)) in records.iter().zip(identities).enumerate() {
        if let Some(doc) = &rec.document {
            plan.documents
                .entry(doc.symbol.clone())
                .or_insert_with(|| doc.clone());
        }
        let tags = resolved_tags(rec);
        let codes: Vec<(Taxonomy, String)> = tags.iter().map(|(t, c, _)| (*t, c.clone())).collect();
        for (t, c, l) in tags {
            plan.labels.entry((t, c)).or_insert(l);
        }
        if let Some(&at) = pending.get(identity) {
            let fields = &mut plan.inserts[at].2;
            if let Some(change) = merge(fields, rec, &codes) {
                *fields = change.fields;
            }
        } else if let Some(stored) = known.get(identity) {
            match merge(stored, rec, &codes) {
                None => {
                    unchanged.insert(identity);
                }
                Some(change) => {
                    let fields = change.fields.clone();
                    match updated.get(identity) {
                        // A second record of the same known recommendation: fold into the
                        // first update, which adds against the stored state.
                        Some(&at) => {
                            let first = &mut plan.updates[at];
                            first.added_states.extend(change.added_states);
                            first.added_tags.extend(change.added_tags);
                            first.fields = change.fields;
                        }
                        None => {
                            updated.insert(identity.clone(), plan.updates.len());
                            plan.updates.push(change);
                        }
                    }
                    known.insert(identity.clone(), fields);
                }
            }
        } else {
            let fields = Existing {
                id: 0,
                cycle: rec.cycle.map(u8::from),
                session: rec.session.map(u16::from),
                document_symbol: rec.document.as_ref().map(|d| d.symbol.clone()),
                paragraph: rec.paragraph.clone(),
                position: rec.position,
                position_source: rec.position_source.clone(),
                position_explanation: rec.position_explanation.clone(),
                action_category: rec.action_category,
                source_group: rec.source_group.clone(),
                recommending_states: rec.recommending_states.iter().copied().collect(),
                imported_tags: codes.into_iter().collect(),
            };
            pending.insert(identity.clone(), plan.inserts.len());
            plan.inserts.push((index, identity.clone(), fields));
        }
    }
    // Counted per recommendation: one whose later record changed it was updated.
    plan.unchanged = unchanged
        .iter()
        .filter(|i| !updated.contains_key(**i))
        .count();
    plan
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use rightstrack_core::{Mechanism, Session};

    fn rec(text: &str, from: &str) -> NewRecommendation {
        let mut r = NewRecommendation::new(
            Mechanism::Upr,
            StateCode::parse("SVN").unwrap_or_else(|e| unreachable!("{e}")),
            text,
        )
        .with_session(Session::new(7).unwrap_or_else(|e| unreachable!("{e}")));
        r.recommending_states =
            vec![StateCode::parse(from).unwrap_or_else(|e| unreachable!("{e}"))];
        r
    }

    #[test]
    fn records_of_one_recommendation_in_one_batch_insert_once() {
        let records = [
            rec("Ratify OP-CAT", "FRA"),
            rec("Ratify OP-CAT.", "CHL"),
            rec("Abolish X", "FRA"),
        ];
        let ids: Vec<Identity> = records.iter().map(crate::identity_hash).collect();
        let plan = plan(&records, &ids, HashMap::new());
        assert_eq!(plan.inserts.len(), 2);
        assert_eq!(plan.inserts[0].2.recommending_states.len(), 2);
        assert!(plan.updates.is_empty());
    }

    #[test]
    fn known_recommendations_update_or_stay() {
        let records = [
            rec("Ratify OP-CAT", "FRA"),
            rec("Ratify OP-CAT", "CHL"),
            rec("Abolish X", "FRA"),
        ];
        let ids: Vec<Identity> = records.iter().map(crate::identity_hash).collect();
        let first = plan(&records[..1], &ids[..1], HashMap::new());
        let mut stored = first.inserts[0].2.clone();
        stored.id = 9;
        let known: HashMap<Identity, Existing> = [(ids[0].clone(), stored)].into();
        let second = plan(&records, &ids, known);
        assert_eq!(second.inserts.len(), 1);
        assert_eq!(second.updates.len(), 1);
        assert_eq!(second.updates[0].added_states.len(), 1);
        assert_eq!(second.unchanged, 0);
    }
}
