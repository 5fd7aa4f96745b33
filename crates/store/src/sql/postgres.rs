//! [`Tx`] on PostgreSQL: a [`Param`] binds to whatever type the server infers for its
//! placeholder, lists are arrays, locks are transaction-scoped advisory locks.

use std::error::Error;

use async_trait::async_trait;
use bytes::BytesMut;
use time::{Date, OffsetDateTime, PrimitiveDateTime};
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::{Client, GenericClient, Row};

use super::{Cell, Database, Lock, Param, SqlRow, Tx, Work};
use crate::postgres::{PostgresStore, CLUSTER_LOCK, REVISION_LOCK};

/// Statements in flight at once in [`Tx::execute_many`].
const PIPELINE: usize = 512;
use crate::{Result, StoreError};

/// A client or a transaction.
pub struct Pg<'c, C> {
    client: &'c C,
}

type BoxError = Box<dyn Error + Sync + Send>;

impl ToSql for Param {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
        match self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql_checked(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql_checked(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql_checked(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql_checked(ty, out),
                _ => i.to_sql_checked(ty, out),
            },
            Param::Real(r) => match *ty {
                Type::FLOAT4 => (*r as f32).to_sql_checked(ty, out),
                _ => r.to_sql_checked(ty, out),
            },
            Param::Text(t) => match *ty {
                Type::JSON | Type::JSONB => {
                    serde_json::from_str::<serde_json::Value>(t)?.to_sql_checked(ty, out)
                }
                _ => t.as_str().to_sql_checked(ty, out),
            },
            Param::Bool(b) => b.to_sql_checked(ty, out),
            Param::Time(t) => match *ty {
                Type::TIMESTAMP => {
                    PrimitiveDateTime::new(t.date(), t.time()).to_sql_checked(ty, out)
                }
                _ => t.to_sql_checked(ty, out),
            },
            Param::Date(d) => d.to_sql_checked(ty, out),
            Param::Bytes(b) => b.to_sql_checked(ty, out),
            Param::Ints(v) => match *ty {
                Type::INT2_ARRAY => narrowed::<i16>(v)?.to_sql_checked(ty, out),
                Type::INT4_ARRAY => narrowed::<i32>(v)?.to_sql_checked(ty, out),
                _ => v.to_sql_checked(ty, out),
            },
            Param::Texts(v) => v.to_sql_checked(ty, out),
        }
    }

    /// Any: the value adapts to the column in `to_sql`, or says why it cannot.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn narrowed<T: TryFrom<i64>>(list: &[i64]) -> std::result::Result<Vec<T>, BoxError>
where
    T::Error: Error + Sync + Send + 'static,
{
    Ok(list
        .iter()
        .map(|i| T::try_from(*i))
        .collect::<std::result::Result<_, _>>()?)
}

fn cells(row: &Row) -> Result<SqlRow> {
    let mut out = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        fn read<'a, T: tokio_postgres::types::FromSql<'a>>(
            row: &'a Row,
            i: usize,
            to: impl FnOnce(T) -> Cell,
        ) -> Result<Cell> {
            Ok(row.try_get::<_, Option<T>>(i)?.map_or(Cell::Null, to))
        }
        out.push(match *column.type_() {
            Type::INT2 => read::<i16>(row, i, |v| Cell::Int(v.into()))?,
            Type::INT4 => read::<i32>(row, i, |v| Cell::Int(v.into()))?,
            Type::INT8 => read::<i64>(row, i, Cell::Int)?,
            Type::FLOAT4 => read::<f32>(row, i, |v| Cell::Real(v.into()))?,
            Type::FLOAT8 => read::<f64>(row, i, Cell::Real)?,
            Type::BOOL => read::<bool>(row, i, Cell::Bool)?,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                read::<String>(row, i, Cell::Text)?
            }
            Type::JSON | Type::JSONB => {
                read::<serde_json::Value>(row, i, |v| Cell::Text(v.to_string()))?
            }
            Type::TIMESTAMPTZ => read::<OffsetDateTime>(row, i, Cell::Time)?,
            Type::TIMESTAMP => read::<PrimitiveDateTime>(row, i, |v| Cell::Time(v.assume_utc()))?,
            Type::DATE => read::<Date>(row, i, Cell::Date)?,
            Type::BYTEA => read::<Vec<u8>>(row, i, Cell::Bytes)?,
            ref other => {
                return Err(StoreError::Corrupt(format!(
                    "column {} has the type {other}, which the store does not read",
                    column.name()
                )))
            }
        });
    }
    Ok(SqlRow(out))
}

fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

#[async_trait]
impl<C: GenericClient + Sync> Tx for Pg<'_, C> {
    async fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64> {
        Ok(self.client.execute(sql, &refs(params)).await?)
    }

    async fn execute_many(&mut self, sql: &str, rows: &[Vec<Param>]) -> Result<u64> {
        let statement = self.client.prepare(sql).await?;
        let mut changed = 0;
        // Bounded batches: every request of a batch is in flight at once.
        for batch in rows.chunks(PIPELINE) {
            let each = batch
                .iter()
                .map(|params| async { self.client.execute(&statement, &refs(params)).await });
            changed += futures_util::future::try_join_all(each)
                .await?
                .into_iter()
                .sum::<u64>();
        }
        Ok(changed)
    }

    async fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<SqlRow>> {
        let rows = self.client.query(sql, &refs(params)).await?;
        rows.iter().map(cells).collect()
    }

    async fn lock(&mut self, lock: Lock) -> Result<()> {
        let key = match lock {
            Lock::Revision => REVISION_LOCK,
            Lock::Clusters => CLUSTER_LOCK,
        };
        self.client
            .execute("SELECT pg_advisory_xact_lock($1)", &[&key])
            .await?;
        Ok(())
    }

    fn in_list(&self, n: usize) -> String {
        format!("= ANY(${n})")
    }

    fn for_update(&self) -> &'static str {
        " FOR UPDATE"
    }
}

#[async_trait]
impl Database for PostgresStore {
    async fn write<T: Send + 'static, W: Work<T>>(&self, work: W) -> Result<T> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let client: &tokio_postgres::Transaction<'_> = &tx;
        let out = work(&mut Pg { client }).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn read<T: Send + 'static, W: Work<T>>(&self, work: W) -> Result<T> {
        let client = self.client().await?;
        let client: &Client = &client;
        work(&mut Pg { client }).await
    }

    async fn snapshot<T: Send + 'static, W: Work<T>>(&self, work: W) -> Result<T> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let client: &tokio_postgres::Transaction<'_> = &tx;
        let out = work(&mut Pg { client }).await?;
        tx.commit().await?;
        Ok(out)
    }
}
