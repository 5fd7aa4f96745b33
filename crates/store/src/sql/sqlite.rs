//! [`Tx`] on SQLite: statements get `?n` placeholders, lists travel as JSON arrays and are
//! read back with `json_each`, timestamps and dates are text.

use std::borrow::Cow;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use r2d2_sqlite::rusqlite::types::{ToSqlOutput, Value, ValueRef};
use r2d2_sqlite::rusqlite::{self, params_from_iter, Connection, ToSql};

use super::{Cell, Database, Lock, Param, SqlRow, Tx, TxFuture, Work};
use crate::sqlite::{timestamp, SqliteStore};
use crate::{Result, StoreError};

/// A connection, inside a transaction for writes.
pub struct Lite<'c> {
    conn: &'c mut Connection,
    /// A transaction is open and must be committed or rolled back.
    open: bool,
}

impl<'c> Lite<'c> {
    /// A write transaction: it takes the writer's place at once.
    fn begin(conn: &'c mut Connection) -> Result<Self> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Self { conn, open: true })
    }

    /// A read transaction: its snapshot is taken at the first statement and kept.
    fn begin_read(conn: &'c mut Connection) -> Result<Self> {
        conn.execute_batch("BEGIN DEFERRED")?;
        Ok(Self { conn, open: true })
    }

    fn commit(mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for Lite<'_> {
    /// A unit of work that failed (or was dropped) leaves the database as it was, and the
    /// pooled connection without a half-done transaction.
    fn drop(&mut self) {
        if self.open {
            if let Err(e) = self.conn.execute_batch("ROLLBACK") {
                tracing::warn!(error = %e, "rolling back a SQLite transaction failed");
            }
        }
    }
}

/// `$1` → `?1`, outside quoted text.
fn placeholders(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => quoted = !quoted,
            '$' if !quoted && chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('?');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    Cow::Owned(out)
}

impl ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Param::Null => ToSqlOutput::Owned(Value::Null),
            Param::Int(i) => ToSqlOutput::Owned(Value::Integer(*i)),
            Param::Real(r) => ToSqlOutput::Owned(Value::Real(*r)),
            Param::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Param::Bool(b) => ToSqlOutput::Owned(Value::Integer(i64::from(*b))),
            Param::Time(t) => ToSqlOutput::Owned(Value::Text(timestamp(*t))),
            Param::Date(d) => ToSqlOutput::Owned(Value::Text(d.to_string())),
            Param::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Param::Ints(v) => ToSqlOutput::Owned(Value::Text(json(v))),
            Param::Texts(v) => ToSqlOutput::Owned(Value::Text(json(v))),
        })
    }
}

/// A list as JSON text, for `json_each`.
fn json<T: serde::Serialize>(list: &[T]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

fn cell(value: ValueRef<'_>) -> Result<Cell> {
    Ok(match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(r) => Cell::Real(r),
        ValueRef::Text(t) => Cell::Text(
            std::str::from_utf8(t)
                .map_err(|e| StoreError::Corrupt(format!("text that is not UTF-8: {e}")))?
                .to_string(),
        ),
        ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
    })
}

#[async_trait]
impl Tx for Lite<'_> {
    async fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64> {
        let changed = self
            .conn
            .prepare_cached(&placeholders(sql))?
            .execute(params_from_iter(params.iter()))?;
        Ok(u64::try_from(changed).unwrap_or(u64::MAX))
    }

    async fn execute_many(&mut self, sql: &str, rows: &[Vec<Param>]) -> Result<u64> {
        let mut stmt = self.conn.prepare_cached(&placeholders(sql))?;
        let mut changed = 0;
        for params in rows {
            changed += stmt.execute(params_from_iter(params.iter()))?;
        }
        Ok(u64::try_from(changed).unwrap_or(u64::MAX))
    }

    async fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<SqlRow>> {
        let mut stmt = self.conn.prepare_cached(&placeholders(sql))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                cells.push(cell(row.get_ref(i)?)?);
            }
            out.push(SqlRow(cells));
        }
        Ok(out)
    }

    /// One writer at a time already: the write transaction began `IMMEDIATE`.
    async fn lock(&mut self, _lock: Lock) -> Result<()> {
        Ok(())
    }

    fn in_list(&self, n: usize) -> String {
        format!("IN (SELECT value FROM json_each(${n}))")
    }

    fn for_update(&self) -> &'static str {
        ""
    }
}

/// Drives a unit of work's future on the blocking thread. Every SQLite call completes at
/// once, so the future is ready on its first poll; one that is not has awaited something
/// else, which a unit of work must not do.
fn drive<T>(mut work: TxFuture<'_, T>) -> Result<T> {
    match work.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(StoreError::Task(
            "a SQLite unit of work waited on something other than SQLite".into(),
        )),
    }
}

#[async_trait]
impl Database for SqliteStore {
    async fn write<T: Send + 'static, W: Work<T>>(&self, work: W) -> Result<T> {
        self.run(move |conn| {
            let mut tx = Lite::begin(conn)?;
            let out = drive(work(&mut tx))?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    async fn read<T: Send + 'static, W: Work<T>>(&self, work: W) -> Result<T> {
        self.run(move |conn| {
            let mut conn = Lite { conn, open: false };
            drive(work(&mut conn))
        })
        .await
    }

    async fn snapshot<T: Send + 'static, W: Work<T>>(&self, work: W) -> Result<T> {
        self.run(move |conn| {
            let mut tx = Lite::begin_read(conn)?;
            let out = drive(work(&mut tx))?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_quotes() {
        assert_eq!(
            placeholders("SELECT '$1', x FROM t WHERE a = $1 AND b = $12"),
            "SELECT '$1', x FROM t WHERE a = ?1 AND b = ?12"
        );
        assert!(matches!(placeholders("SELECT 1"), Cow::Borrowed(_)));
    }
}
