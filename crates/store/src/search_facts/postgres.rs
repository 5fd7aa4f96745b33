//! Reading search facts from PostgreSQL: one statement per kind of row, the ids passed as
//! one array.

use tokio_postgres::GenericClient;

use super::{sql, FactRows};
use crate::Result;
use rightstrack_core::RecommendationId;

pub(crate) async fn read(
    client: &impl GenericClient,
    ids: &[RecommendationId],
) -> Result<FactRows> {
    let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let run = |template: &'static str| {
        let sql = template.replace("{ids}", "= ANY($1)");
        let raw = &raw;
        async move { client.query(&sql, &[raw]).await }
    };
    let ids = |rows: Vec<tokio_postgres::Row>| -> Result<Vec<i64>> {
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    };
    Ok(FactRows {
        repeats: ids(run(sql::REPEATS).await?)?,
        regressed: ids(run(sql::REGRESSED).await?)?,
        activity: run(sql::ACTIVITY)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_>>()?,
    })
}
