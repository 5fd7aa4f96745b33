//! Fresh throwaway databases for tests, on either backend: the same story runs on both.
//!
//! PostgreSQL tests use `RIGHTSTRACK_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) to create a database of their own and drop it
//! afterwards. Where PostgreSQL cannot be reached the tests say so on one line and skip —
//! except under CI (`CI=true`), where a missing PostgreSQL is a failure.

use std::sync::Arc;

use crate::{Result, Store, StoreError};

pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that lives as long as this value.
pub struct TestDb {
    pub store: Arc<dyn Store>,
    pub url: String,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh SQLite file in a temporary folder.
    pub async fn sqlite() -> Result<Self> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Invalid(e.to_string()))?;
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = crate::open(&url).await?;
        Ok(Self {
            store,
            url,
            cleanup: None,
            _dir: Some(dir),
        })
    }

    /// A fresh PostgreSQL database, or `None` (after printing why) when no server is
    /// reachable outside CI.
    pub async fn postgres() -> Result<Option<Self>> {
        let admin = std::env::var("RIGHTSTRACK_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_string());
        let client = match connect(&admin).await {
            Ok(c) => c,
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                return Err(StoreError::Invalid(format!(
                    "PostgreSQL is required under CI but {admin} failed: {e}"
                )))
            }
            Err(e) => {
                eprintln!("SKIPPED PostgreSQL backend: cannot connect to {admin} ({e}); set RIGHTSTRACK_TEST_POSTGRES_URL");
                return Ok(None);
            }
        };
        let name = format!(
            "rightstrack_test_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        let url = with_database(&admin, &name);
        let store = crate::open(&url).await?;
        Ok(Some(Self {
            store,
            url,
            cleanup: Some((admin, name)),
            _dir: None,
        }))
    }

    /// Adds a user directly in the database, for tests that need recipients before the
    /// accounts code is at hand. Returns the user's id.
    pub async fn insert_user(
        &self,
        username: &str,
        role: &str,
        institution_id: Option<i64>,
        email: Option<&str>,
    ) -> Result<i64> {
        const SQL: &str =
            "INSERT INTO users (username, display_name, role, institution_id, email, created_at)
             VALUES ($1, $1, $2, $3, $4, CURRENT_TIMESTAMP) RETURNING id";
        if let Some(path) = self.url.strip_prefix("sqlite://") {
            let conn = r2d2_sqlite::rusqlite::Connection::open(path)?;
            let sql = SQL
                .replace('$', "?")
                .replace("CURRENT_TIMESTAMP", "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')");
            return Ok(conn.query_row(
                &sql,
                r2d2_sqlite::rusqlite::params![username, role, institution_id, email],
                |r| r.get(0),
            )?);
        }
        let client = connect(&self.url).await?;
        let row = client
            .query_one(
                &SQL.replace("CURRENT_TIMESTAMP", "now()"),
                &[&username, &role, &institution_id, &email],
            )
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Drops a PostgreSQL test database; SQLite folders go with the value.
    pub async fn close(mut self) -> Result<()> {
        let Some((admin, name)) = self.cleanup.take() else {
            return Ok(());
        };
        drop(self.store);
        let client = connect(&admin).await?;
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
        Ok(())
    }
}

async fn connect(url: &str) -> Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("test admin connection: {e}");
        }
    });
    Ok(client)
}

/// The same server URL with another database name.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}
