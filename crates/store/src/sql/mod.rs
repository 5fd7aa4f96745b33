//! The one SQL layer under the store: a unit of work is written once, against [`Tx`], and
//! runs on either backend. What truly differs between SQLite and PostgreSQL lives in the
//! two implementations beside this file and nowhere else:
//!
//! - **placeholders**: statements are written with `$1, $2 …`; SQLite receives `?1, ?2 …`;
//! - **lists**: [`Tx::in_list`] gives `= ANY($n)` or `IN (SELECT value FROM json_each(?n))`
//!   for a [`Param::Ints`] or [`Param::Texts`];
//! - **types**: a [`Param`] adapts to the column it is bound to (an integer binds to an
//!   `int2`, `int4` or `int8` column alike; a timestamp is `timestamptz` on PostgreSQL,
//!   RFC 3339 text on SQLite), and a [`SqlRow`] reads either back into the same Rust types;
//! - **time**: `now` is a parameter ([`Param::now`]), never the server's clock, so both
//!   backends stamp a change the same way;
//! - **locks**: a write on SQLite runs in `BEGIN IMMEDIATE` (one writer); on PostgreSQL
//!   [`Tx::lock`] takes a transaction-scoped advisory lock and [`Tx::for_update`] locks rows.
//!
//! Blocking SQLite work runs on tokio's blocking pool: the unit of work's future is driven
//! there, where every SQLite call completes at once.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use rightstrack_core::RecommendationId;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::{Result, StoreError};

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Time(OffsetDateTime),
    Date(Date),
    Bytes(Vec<u8>),
    /// A list, for [`Tx::in_list`].
    Ints(Vec<i64>),
    Texts(Vec<String>),
}

impl Param {
    /// The time a change is stamped with.
    pub fn now() -> Self {
        Self::Time(OffsetDateTime::now_utc())
    }
}

macro_rules! param_from {
    ($($t:ty => $variant:ident via $conv:expr),* $(,)?) => {
        $(impl From<$t> for Param {
            fn from(v: $t) -> Self {
                Self::$variant($conv(v))
            }
        })*
    };
}

param_from! {
    i64 => Int via |v| v,
    i32 => Int via i64::from,
    i16 => Int via i64::from,
    u8 => Int via i64::from,
    f64 => Real via |v| v,
    f32 => Real via f64::from,
    bool => Bool via |v| v,
    String => Text via |v| v,
    &str => Text via str::to_string,
    &String => Text via String::clone,
    OffsetDateTime => Time via |v| v,
    Date => Date via |v| v,
    RecommendationId => Int via |v: RecommendationId| v.0,
    Vec<i64> => Ints via |v| v,
    Vec<String> => Texts via |v| v,
    Vec<u8> => Bytes via |v| v,
    &Vec<u8> => Bytes via Vec::clone,
}

impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

impl From<&Option<String>> for Param {
    fn from(v: &Option<String>) -> Self {
        v.as_deref().into()
    }
}

impl From<&[RecommendationId]> for Param {
    fn from(ids: &[RecommendationId]) -> Self {
        Self::Ints(ids.iter().map(|id| id.0).collect())
    }
}

impl From<crate::filter::Value> for Param {
    fn from(v: crate::filter::Value) -> Self {
        use crate::filter::Value;
        match v {
            Value::Text(t) => Self::Text(t),
            Value::Int(i) => Self::Int(i),
            Value::Real(r) => Self::Real(r),
        }
    }
}

/// The parameters of a statement: `args![a, b, c]`.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        &[$($crate::sql::Param::from($value)),*][..]
    };
}
pub(crate) use args;

/// A unit of work from an expression over its transaction:
/// `self.write(unit!(|tx| decide(tx, &actor, &decisions).await))`. What the expression
/// uses is moved in (units run on another thread on SQLite).
macro_rules! unit {
    (|$tx:ident| $body:expr) => {
        move |$tx: &mut dyn $crate::sql::Tx| -> $crate::sql::TxFuture<'_, _> {
            Box::pin(async move { $body })
        }
    };
}
pub(crate) use unit;

/// A value read from a row, whatever the backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Time(OffsetDateTime),
    Date(Date),
    Bytes(Vec<u8>),
}

/// One row of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlRow(pub Vec<Cell>);

impl SqlRow {
    /// The value of column `i` (from 0) as a `T`.
    pub fn get<T: FromCell>(&self, i: usize) -> Result<T> {
        let cell = self
            .0
            .get(i)
            .ok_or_else(|| StoreError::Corrupt(format!("the answer has no column {i}")))?;
        T::from_cell(cell).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "column {i} holds {cell:?}, not a {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// A Rust value a [`Cell`] can be read as.
pub trait FromCell: Sized {
    fn from_cell(cell: &Cell) -> Option<Self>;
}

impl FromCell for i64 {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Int(i) => Some(*i),
            Cell::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }
}

macro_rules! narrow_int {
    ($($t:ty),*) => {
        $(impl FromCell for $t {
            fn from_cell(cell: &Cell) -> Option<Self> {
                i64::from_cell(cell).and_then(|i| <$t>::try_from(i).ok())
            }
        })*
    };
}
narrow_int!(i32, i16, u8, u32, u64, usize);

impl FromCell for f64 {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Real(r) => Some(*r),
            Cell::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl FromCell for f32 {
    fn from_cell(cell: &Cell) -> Option<Self> {
        f64::from_cell(cell).map(|r| r as f32)
    }
}

impl FromCell for bool {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Bool(b) => Some(*b),
            // SQLite keeps booleans as 0 and 1.
            Cell::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}

impl FromCell for String {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl FromCell for OffsetDateTime {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Time(t) => Some(*t),
            Cell::Text(t) => OffsetDateTime::parse(t, &Rfc3339).ok(),
            _ => None,
        }
    }
}

impl FromCell for Date {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Date(d) => Some(*d),
            Cell::Text(t) => {
                Date::parse(t, time::macros::format_description!("[year]-[month]-[day]")).ok()
            }
            _ => None,
        }
    }
}

impl FromCell for Vec<u8> {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Bytes(b) => Some(b.clone()),
            _ => None,
        }
    }
}

impl FromCell for serde_json::Value {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Text(t) => serde_json::from_str(t).ok(),
            _ => None,
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Null => Some(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// What a transaction-scoped lock serialises (PostgreSQL; SQLite has one writer anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// From drawing a revision to the commit: revisions become visible in the order they
    /// were drawn, so a reader that has seen revision N never later finds a smaller one.
    Revision,
    /// A run replacing clusters or links: two runs of one state would match the same rows.
    Clusters,
}

/// A transaction (or, for reads, a connection) of either backend.
#[async_trait]
pub trait Tx: Send {
    /// Runs a statement; returns the number of rows it changed.
    async fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64>;

    /// Runs a query; returns every row.
    async fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<SqlRow>>;

    /// Runs one statement once for each row of parameters; returns the rows changed. On
    /// PostgreSQL the statements are pipelined: one round trip's wait for many.
    async fn execute_many(&mut self, sql: &str, rows: &[Vec<Param>]) -> Result<u64>;

    /// Takes a transaction-scoped lock.
    async fn lock(&mut self, lock: Lock) -> Result<()>;

    /// `= ANY($n)` or `IN (SELECT value FROM json_each(?n))`: membership of a bound list.
    fn in_list(&self, n: usize) -> String;

    /// ` FOR UPDATE` where rows can be locked, nothing on SQLite (whose write transactions
    /// hold the database).
    fn for_update(&self) -> &'static str;

    /// Runs a query expected to answer at most one row.
    async fn optional_row(&mut self, sql: &str, params: &[Param]) -> Result<Option<SqlRow>> {
        Ok(self.rows(sql, params).await?.into_iter().next())
    }

    /// Runs a query expected to answer exactly one row.
    async fn row(&mut self, sql: &str, params: &[Param]) -> Result<SqlRow> {
        self.optional_row(sql, params)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("no row answered {sql}")))
    }

    /// Runs an `INSERT … RETURNING id`; returns the id.
    async fn insert_id(&mut self, sql: &str, params: &[Param]) -> Result<i64> {
        self.row(sql, params).await?.get(0)
    }
}

/// A boxed future borrowing a transaction.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 't>>;

/// A unit of work: what runs inside one transaction, on either backend.
pub trait Work<T>: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, T> + Send + 'static {}

impl<T, F> Work<T> for F where F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, T> + Send + 'static {}

/// A store that runs units of work: each backend's one implementation of transactions.
#[async_trait]
pub trait Database: Send + Sync {
    /// Runs `work` in a write transaction, committed if it succeeds, rolled back if not.
    #[doc(hidden)]
    async fn write<T: Send + 'static, W: Work<T>>(&self, work: W) -> Result<T>;

    /// Runs `work` on a connection without taking the writer's place.
    #[doc(hidden)]
    async fn read<T: Send + 'static, W: Work<T>>(&self, work: W) -> Result<T>;

    /// Runs `work`, a read of several statements, where every statement sees the same
    /// snapshot of the database.
    #[doc(hidden)]
    async fn snapshot<T: Send + 'static, W: Work<T>>(&self, work: W) -> Result<T>;
}

/// The WHERE clause of a recommendation filter over the alias `r`, with its values.
pub(crate) fn filter(filter: &crate::RecommendationFilter) -> (String, Vec<Param>) {
    let (sql, values) = crate::filter::where_clause(filter, crate::filter::Placeholder::Dollar);
    (sql, values.into_iter().map(Param::from).collect())
}

/// Writes an audit entry: who did what to which entity, with the details as JSON.
pub async fn audit(
    tx: &mut dyn Tx,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    details: serde_json::Value,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, details)
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            Param::now(),
            actor,
            action,
            entity,
            entity_id,
            details.to_string()
        ],
    )
    .await?;
    Ok(())
}

/// Gives recommendations whose description changed elsewhere (status, tags) a new revision.
pub async fn touch(tx: &mut dyn Tx, ids: &[RecommendationId]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    tx.lock(Lock::Revision).await?;
    let revision: i64 = tx
        .row(
            "SELECT COALESCE(MAX(revision), 0) + 1 FROM recommendations",
            &[],
        )
        .await?
        .get(0)?;
    let sql = format!(
        "UPDATE recommendations SET revision = $1 WHERE id {}",
        tx.in_list(2)
    );
    tx.execute(&sql, args![revision, ids]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_the_types_either_backend_gives() -> Result<()> {
        let row = SqlRow(vec![
            Cell::Int(1),
            Cell::Bool(true),
            Cell::Text("2024-01-15".into()),
            Cell::Date(time::macros::date!(2024 - 01 - 15)),
            Cell::Text("2024-01-15T10:00:00Z".into()),
            Cell::Null,
        ]);
        assert!(row.get::<bool>(0)?);
        assert!(row.get::<bool>(1)?);
        assert_eq!(row.get::<Date>(2)?, row.get::<Date>(3)?);
        assert_eq!(row.get::<OffsetDateTime>(4)?.hour(), 10);
        assert_eq!(row.get::<Option<i64>>(5)?, None);
        assert!(row.get::<i64>(2).is_err());
        assert!(row.get::<i64>(9).is_err());
        Ok(())
    }

    async fn audit_entries(db: &impl Database) -> Result<i64> {
        db.read(unit!(|tx| tx
            .row("SELECT COUNT(*) FROM audit_log", &[])
            .await?
            .get(0)))
            .await
    }

    /// A unit that fails part-way leaves nothing behind; one that succeeds reads back what
    /// it wrote, with an integer bound to a smaller integer column and a list membership.
    async fn units_commit_or_leave_nothing(db: &impl Database) -> Result<()> {
        let before = audit_entries(db).await?;
        let failed = db
            .write(unit!(|tx| {
                audit(tx, "tester", "try", "nothing", None, serde_json::json!({})).await?;
                Err::<(), _>(StoreError::Invalid("stop here".into()))
            }))
            .await;
        assert!(failed.is_err());
        assert_eq!(audit_entries(db).await?, before);
        let regions: Vec<String> = db
            .write(unit!(|tx| {
                audit(
                    tx,
                    "tester",
                    "try",
                    "something",
                    None,
                    serde_json::json!({}),
                )
                .await?;
                let sql = format!(
                    "SELECT code FROM states WHERE code {} ORDER BY code",
                    tx.in_list(1)
                );
                let codes = vec!["SVN".to_string(), "NOR".to_string(), "XXX".to_string()];
                tx.rows(&sql, args![codes])
                    .await?
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            }))
            .await?;
        assert_eq!(regions, ["NOR", "SVN"]);
        assert_eq!(audit_entries(db).await?, before + 1);
        Ok(())
    }

    #[tokio::test]
    async fn units_on_sqlite() -> Result<()> {
        let db = crate::testing::TestDb::sqlite().await?;
        let path = db.url.trim_start_matches("sqlite://");
        units_commit_or_leave_nothing(&crate::sqlite::SqliteStore::open(path)?).await
    }

    #[tokio::test]
    async fn units_on_postgres() -> Result<()> {
        let Some(db) = crate::testing::TestDb::postgres().await? else {
            return Ok(());
        };
        units_commit_or_leave_nothing(&crate::postgres::PostgresStore::connect(&db.url).await?)
            .await
    }

    #[test]
    fn options_bind_as_null() {
        assert_eq!(Param::from(None::<i64>), Param::Null);
        assert_eq!(Param::from(Some("x")), Param::Text("x".into()));
    }
}
