//! [`Clusters`] written once, for both backends.

use std::collections::HashMap;

use async_trait::async_trait;
use rightstrack_core::{
    Cluster, ClusterKind, Decision, RecommendationId, RecommendationLink, StateCode,
};

use super::{
    check_member_state, check_move, link_from_row, plan_clusters, plan_links, ClusterRow,
    ClusterTarget, Clusters, NewCluster, StoredCluster, StoredMember,
};
use crate::sql::{args, audit, touch, unit, Database, Lock, Param, SqlRow, Tx};
use crate::{Result, StoreError};

/// The recommendations currently in a cluster (not those people took out).
pub(crate) async fn active_members(tx: &mut dyn Tx, cluster: i64) -> Result<Vec<RecommendationId>> {
    tx.rows(
        "SELECT recommendation_id FROM cluster_members WHERE cluster_id = $1 AND removed = FALSE
         ORDER BY recommendation_id",
        args![cluster],
    )
    .await?
    .iter()
    .map(|r| Ok(RecommendationId(r.get(0)?)))
    .collect()
}

/// The clusters of one state and kind, with every member row (people's decisions too).
async fn stored_clusters(
    tx: &mut dyn Tx,
    state: StateCode,
    kind: ClusterKind,
) -> Result<Vec<StoredCluster>> {
    let rows = tx
        .rows(
            "SELECT c.id, c.title, c.title_set_by, m.recommendation_id, m.decided_by, m.removed
             FROM clusters c LEFT JOIN cluster_members m ON m.cluster_id = c.id
             WHERE c.state_code = $1 AND c.kind = $2 ORDER BY c.id, m.recommendation_id",
            args![state.as_str(), kind.code()],
        )
        .await?;
    let mut out: Vec<StoredCluster> = Vec::new();
    for r in rows {
        let id: i64 = r.get(0)?;
        if out.last().is_none_or(|c| c.id != id) {
            out.push(StoredCluster {
                id,
                title: r.get(1)?,
                title_set_by: r.get(2)?,
                members: Vec::new(),
            });
        }
        if let (Some(member), Some(c)) = (r.get::<Option<i64>>(3)?, out.last_mut()) {
            c.members.push(StoredMember {
                id: RecommendationId(member),
                decided_by: r.get(4)?,
                removed: r.get::<Option<bool>>(5)?.unwrap_or(false),
            });
        }
    }
    Ok(out)
}

/// A link from the columns `from_id, to_id, kind, score, decision`.
fn link(r: &SqlRow) -> Result<RecommendationLink> {
    link_from_row(
        r.get(0)?,
        r.get(1)?,
        &r.get::<String>(2)?,
        r.get(3)?,
        &r.get::<String>(4)?,
    )
}

/// A cluster's row, locked against a concurrent change.
async fn cluster_row(tx: &mut dyn Tx, id: i64) -> Result<Option<ClusterRow>> {
    let sql = format!(
        "SELECT state_code, kind FROM clusters WHERE id = $1{}",
        tx.for_update()
    );
    match tx.optional_row(&sql, args![id]).await? {
        Some(r) => Ok(Some(ClusterRow {
            id,
            state_code: r.get(0)?,
            kind: r.get(1)?,
        })),
        None => Ok(None),
    }
}

/// A person's decision on a member: in (`removed` false) or out.
const DECIDE_MEMBER: &str =
    "INSERT INTO cluster_members (cluster_id, recommendation_id, decided_by, removed)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (cluster_id, recommendation_id) DO UPDATE SET decided_by = excluded.decided_by,
         removed = excluded.removed";

#[async_trait]
impl<D: Database> Clusters for D {
    async fn replace_clusters(
        &self,
        actor: &str,
        state: StateCode,
        kind: ClusterKind,
        clusters: Vec<NewCluster>,
    ) -> Result<Vec<RecommendationId>> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            tx.lock(Lock::Clusters).await?;
            let stored = stored_clusters(tx, state, kind).await?;
            let plan = plan_clusters(&stored, clusters);
            let stamp = Param::now();
            let sql = format!("DELETE FROM clusters WHERE id {}", tx.in_list(1));
            tx.execute(&sql, args![plan.deletes.clone()]).await?;
            for w in &plan.writes {
                let terms = serde_json::to_string(&w.shared_terms).unwrap_or_default();
                let id = match w.id {
                    Some(id) => {
                        tx.execute(
                            "UPDATE clusters SET title = $2, shared_terms = $3, updated_at = $4 WHERE id = $1",
                            args![id, &w.title, terms, stamp.clone()],
                        )
                        .await?;
                        tx.execute(
                            "DELETE FROM cluster_members WHERE cluster_id = $1 AND decided_by IS NULL",
                            args![id],
                        )
                        .await?;
                        id
                    }
                    None => {
                        tx.insert_id(
                            "INSERT INTO clusters (state_code, kind, title, shared_terms, created_at, updated_at)
                             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                            args![state.as_str(), kind.code(), &w.title, terms, stamp.clone()],
                        )
                        .await?
                    }
                };
                let members: Vec<Vec<Param>> = w
                    .members
                    .iter()
                    .map(|(member, score)| args![id, *member, *score].to_vec())
                    .collect();
                tx.execute_many(
                    "INSERT INTO cluster_members (cluster_id, recommendation_id, score) VALUES ($1, $2, $3)
                     ON CONFLICT (cluster_id, recommendation_id) DO UPDATE SET score = excluded.score",
                    &members,
                )
                .await?;
            }
            touch(tx, &plan.touched).await?;
            audit(
                tx,
                &actor,
                "replace",
                "clusters",
                Some(state.to_string()),
                serde_json::json!({"kind": kind.code(), "clusters": plan.writes.len(), "deleted": plan.deletes.len(), "recommendations_changed": plan.touched.len()}),
            )
            .await?;
            Ok(plan.touched)
        }))
        .await
    }

    async fn clusters(&self, state: StateCode) -> Result<Vec<Cluster>> {
        self.snapshot(unit!(|tx| {
            let mut out = tx
                .rows(
                    "SELECT id, kind, title FROM clusters WHERE state_code = $1 ORDER BY id",
                    args![state.as_str()],
                )
                .await?
                .iter()
                .map(|r| {
                    Ok(Cluster {
                        id: r.get(0)?,
                        state,
                        kind: ClusterKind::parse(&r.get::<String>(1)?)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        title: r.get(2)?,
                        members: Vec::new(),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let at: HashMap<i64, usize> = out.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
            for r in tx
                .rows(
                    "SELECT m.cluster_id, m.recommendation_id FROM cluster_members m
                     JOIN clusters c ON c.id = m.cluster_id
                     WHERE c.state_code = $1 AND m.removed = FALSE ORDER BY m.cluster_id, m.recommendation_id",
                    args![state.as_str()],
                )
                .await?
            {
                if let Some(&i) = at.get(&r.get::<i64>(0)?) {
                    out[i].members.push(RecommendationId(r.get(1)?));
                }
            }
            Ok(out)
        }))
        .await
    }

    async fn rename_cluster(&self, actor: &str, id: i64, title: &str) -> Result<()> {
        let (actor, title) = (actor.to_string(), title.to_string());
        self.write(unit!(|tx| {
            let sql = format!(
                "SELECT title FROM clusters WHERE id = $1{}",
                tx.for_update()
            );
            let before: String = tx
                .optional_row(&sql, args![id])
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("cluster {id}")))?
                .get(0)?;
            tx.execute(
                "UPDATE clusters SET title = $2, title_set_by = $3, updated_at = $4 WHERE id = $1",
                args![id, &title, &actor, Param::now()],
            )
            .await?;
            let members = active_members(tx, id).await?;
            touch(tx, &members).await?;
            audit(
                tx,
                &actor,
                "update",
                "cluster_title",
                Some(id.to_string()),
                serde_json::json!({"before": before, "after": title}),
            )
            .await
        }))
        .await
    }

    async fn set_cluster_member(
        &self,
        actor: &str,
        cluster: i64,
        id: RecommendationId,
        member: bool,
    ) -> Result<()> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let state: String = tx
                .optional_row(
                    "SELECT state_code FROM clusters WHERE id = $1",
                    args![cluster],
                )
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("cluster {cluster}")))?
                .get(0)?;
            let of: Option<String> = match tx
                .optional_row(
                    "SELECT state_code FROM recommendations WHERE id = $1",
                    args![id],
                )
                .await?
            {
                Some(r) => Some(r.get(0)?),
                None => None,
            };
            check_member_state(cluster, &state, id, of.as_deref())?;
            tx.execute(DECIDE_MEMBER, args![cluster, id, &actor, !member])
                .await?;
            touch(tx, &[id]).await?;
            audit(
                tx,
                &actor,
                if member { "add" } else { "remove" },
                "cluster_member",
                Some(cluster.to_string()),
                serde_json::json!({"recommendation": id.0}),
            )
            .await
        }))
        .await
    }

    async fn move_cluster_members(
        &self,
        actor: &str,
        from: i64,
        ids: &[RecommendationId],
        to: ClusterTarget,
    ) -> Result<i64> {
        let (actor, ids) = (actor.to_string(), ids.to_vec());
        self.write(unit!(|tx| {
            // Both rows locked, in id order, so that two crossing merges cannot deadlock.
            let mut wanted = vec![from];
            if let ClusterTarget::Existing(id) = &to {
                wanted.push(*id);
            }
            wanted.sort_unstable();
            let mut rows = HashMap::new();
            for id in wanted {
                if let Some(row) = cluster_row(tx, id).await? {
                    rows.insert(id, row);
                }
            }
            let source = rows
                .get(&from)
                .ok_or_else(|| StoreError::NotFound(format!("cluster {from}")))?;
            let target = match &to {
                ClusterTarget::Existing(id) => Some(
                    rows.get(id)
                        .ok_or_else(|| StoreError::NotFound(format!("cluster {id}")))?,
                ),
                ClusterTarget::New { .. } | ClusterTarget::Out => None,
            };
            check_move(source, &active_members(tx, from).await?, &ids, target)?;
            let into = match &to {
                ClusterTarget::Existing(id) => *id,
                ClusterTarget::Out => from,
                ClusterTarget::New { title } => {
                    tx.insert_id(
                        "INSERT INTO clusters (state_code, kind, title, title_set_by, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                        args![&source.state_code, &source.kind, title, &actor, Param::now()],
                    )
                    .await?
                }
            };
            let mut decisions = Vec::new();
            for id in &ids {
                if into != from {
                    decisions.push(args![into, *id, &actor, false].to_vec());
                }
                decisions.push(args![from, *id, &actor, true].to_vec());
            }
            tx.execute_many(DECIDE_MEMBER, &decisions).await?;
            touch(tx, &ids).await?;
            let moved: Vec<i64> = ids.iter().map(|id| id.0).collect();
            audit(
                tx,
                &actor,
                "move",
                "cluster_member",
                Some(from.to_string()),
                serde_json::json!({"to": into, "recommendations": moved}),
            )
            .await?;
            Ok(into)
        }))
        .await
    }

    async fn replace_links(
        &self,
        actor: &str,
        state: StateCode,
        links: Vec<RecommendationLink>,
    ) -> Result<Vec<RecommendationId>> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            tx.lock(Lock::Clusters).await?;
            let stored = tx
                .rows(
                    "SELECT l.from_id, l.to_id, l.kind, l.score, l.decision FROM recommendation_links l
                     JOIN recommendations r ON r.id = l.from_id WHERE r.state_code = $1",
                    args![state.as_str()],
                )
                .await?
                .iter()
                .map(link)
                .collect::<Result<Vec<_>>>()?;
            let plan = plan_links(&stored, links);
            let deletes: Vec<Vec<Param>> = plan
                .deletes
                .iter()
                .map(|(from, to)| args![*from, *to].to_vec())
                .collect();
            tx.execute_many(
                "DELETE FROM recommendation_links WHERE from_id = $1 AND to_id = $2 AND decision = 'proposed'",
                &deletes,
            )
            .await?;
            let upserts: Vec<Vec<Param>> = plan
                .upserts
                .iter()
                .map(|l| args![l.from, l.to, l.kind.code(), l.score].to_vec())
                .collect();
            tx.execute_many(
                "INSERT INTO recommendation_links (from_id, to_id, kind, score, decision) VALUES ($1, $2, $3, $4, 'proposed')
                 ON CONFLICT (from_id, to_id) DO UPDATE SET kind = excluded.kind, score = excluded.score
                 WHERE recommendation_links.decision = 'proposed'",
                &upserts,
            )
            .await?;
            touch(tx, &plan.touched).await?;
            audit(
                tx,
                &actor,
                "replace",
                "recommendation_links",
                Some(state.to_string()),
                serde_json::json!({"written": plan.upserts.len(), "deleted": plan.deletes.len(), "recommendations_changed": plan.touched.len()}),
            )
            .await?;
            Ok(plan.touched)
        }))
        .await
    }

    async fn links(&self, state: StateCode) -> Result<Vec<RecommendationLink>> {
        self.read(unit!(|tx| {
            tx.rows(
                "SELECT l.from_id, l.to_id, l.kind, l.score, l.decision FROM recommendation_links l
                 JOIN recommendations r ON r.id = l.from_id WHERE r.state_code = $1 ORDER BY l.from_id, l.to_id",
                args![state.as_str()],
            )
            .await?
            .iter()
            .map(link)
            .collect()
        }))
        .await
    }

    async fn links_of(&self, id: RecommendationId) -> Result<Vec<RecommendationLink>> {
        self.read(unit!(|tx| {
            tx.rows(
                "SELECT from_id, to_id, kind, score, decision FROM recommendation_links
                 WHERE from_id = $1 OR to_id = $1 ORDER BY score DESC, from_id, to_id",
                args![id],
            )
            .await?
            .iter()
            .map(link)
            .collect()
        }))
        .await
    }

    async fn decide_link(
        &self,
        actor: &str,
        from: RecommendationId,
        to: RecommendationId,
        decision: Decision,
    ) -> Result<()> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let sql = format!(
                "SELECT decision FROM recommendation_links WHERE from_id = $1 AND to_id = $2{}",
                tx.for_update()
            );
            let before: String = tx
                .optional_row(&sql, args![from, to])
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("link {from} → {to}")))?
                .get(0)?;
            // A decision back to "proposed" is nobody's.
            let by = (decision != Decision::Proposed).then_some(actor.as_str());
            tx.execute(
                "UPDATE recommendation_links SET decision = $3, decided_by = $4, decided_at = $5
                 WHERE from_id = $1 AND to_id = $2",
                args![from, to, decision.code(), by, by.map(|_| Param::now())],
            )
            .await?;
            touch(tx, &[from, to]).await?;
            audit(
                tx,
                &actor,
                "decide",
                "recommendation_link",
                Some(format!("{from}-{to}")),
                serde_json::json!({"before": before, "after": decision.code()}),
            )
            .await
        }))
        .await
    }
}
