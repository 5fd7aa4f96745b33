//! [`Accounts`] on PostgreSQL.

use async_trait::async_trait;
use rightstrack_core::{AuditEntry, Role};
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::{
    Accounts, ApiToken, AuditFilter, Credentials, NewApiToken, NewSession, NewUser,
    PublishedSummary, Seal, SealedCase, Session, TokenScope, User, UserChange,
};
use crate::postgres::{audit, count, PostgresStore};
use crate::{Page, Result, StoreError};

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.institution_id, u.disabled, u.totp_secret IS NOT NULL, u.last_sign_in_at";
const TOKEN_COLUMNS: &str =
    "t.id, t.user_id, t.name, t.scope, t.created_at, t.expires_at, t.revoked_at";
const CASE_COLUMNS: &str =
    "id, reference, key_id, nonce, ciphertext, created_by, created_at, updated_at";

/// A user from the first eight columns of `USER_COLUMNS`.
fn user(r: &Row) -> Result<User> {
    let role: String = r.try_get(3)?;
    Ok(User {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        role: Role::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        institution_id: r.try_get(4)?,
        disabled: r.try_get(5)?,
        totp_enabled: r.try_get(6)?,
        last_sign_in_at: r.try_get(7)?,
    })
}

/// A token from `TOKEN_COLUMNS` starting at column `at`.
fn api_token(r: &Row, at: usize) -> Result<ApiToken> {
    let scope: String = r.try_get(at + 3)?;
    Ok(ApiToken {
        id: r.try_get(at)?,
        user_id: r.try_get(at + 1)?,
        name: r.try_get(at + 2)?,
        scope: TokenScope::parse(&scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token scope {scope:?}")))?,
        created_at: r.try_get(at + 4)?,
        expires_at: r.try_get(at + 5)?,
        revoked_at: r.try_get(at + 6)?,
    })
}

fn sealed_case(r: &Row) -> Result<SealedCase> {
    Ok(SealedCase {
        id: r.try_get(0)?,
        reference: r.try_get(1)?,
        key_id: r.try_get(2)?,
        nonce: r.try_get(3)?,
        ciphertext: r.try_get(4)?,
        created_by: r.try_get(5)?,
        created_at: r.try_get(6)?,
        updated_at: r.try_get(7)?,
    })
}

#[async_trait]
impl Accounts for PostgresStore {
    async fn create_user(&self, actor: &str, u: NewUser) -> Result<i64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let taken: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))",
                &[&u.username],
            )
            .await?
            .try_get(0)?;
        if taken {
            return Err(StoreError::Invalid(format!(
                "the user name {:?} is taken",
                u.username
            )));
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO users (username, display_name, password_hash, role, institution_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, now()) RETURNING id",
                &[&u.username, &u.display_name, &u.password_hash, &u.role.code(), &u.institution_id],
            )
            .await?
            .try_get(0)?;
        audit(
            &tx,
            actor,
            "create",
            "user",
            Some(id.to_string()),
            serde_json::json!({"username": u.username, "role": u.role.code(), "institution_id": u.institution_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn users(&self) -> Result<Vec<User>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {USER_COLUMNS} FROM users u ORDER BY lower(u.username)"),
                &[],
            )
            .await?;
        rows.iter().map(user).collect()
    }

    async fn user(&self, id: i64) -> Result<Option<User>> {
        let client = self.client().await?;
        client
            .query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"),
                &[&id],
            )
            .await?
            .as_ref()
            .map(user)
            .transpose()
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {USER_COLUMNS}, u.password_hash, u.totp_secret, u.totp_last_step,
                            u.failed_attempts, u.locked_until
                     FROM users u WHERE lower(u.username) = lower($1)"
                ),
                &[&username],
            )
            .await?;
        row.map(|r| -> Result<Credentials> {
            let failed: i32 = r.try_get(11)?;
            Ok(Credentials {
                user: user(&r)?,
                password_hash: r.try_get(8)?,
                totp_secret: r.try_get(9)?,
                totp_last_step: r.try_get(10)?,
                failed_attempts: i64::from(failed),
                locked_until: r.try_get(12)?,
            })
        })
        .transpose()
    }

    async fn change_user(&self, actor: &str, id: i64, change: UserChange) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = match &change {
            UserChange::Role {
                role,
                institution_id,
            } => {
                tx.execute(
                    "UPDATE users SET role = $2, institution_id = $3 WHERE id = $1",
                    &[&id, &role.code(), institution_id],
                )
                .await?
            }
            UserChange::Disabled(d) => {
                tx.execute(
                    "UPDATE users SET disabled = $2, failed_attempts = 0, locked_until = NULL WHERE id = $1",
                    &[&id, d],
                )
                .await?
            }
            UserChange::PasswordHash(h) => {
                tx.execute(
                    "UPDATE users SET password_hash = $2, failed_attempts = 0, locked_until = NULL WHERE id = $1",
                    &[&id, h],
                )
                .await?
            }
            UserChange::Totp(secret) => {
                tx.execute(
                    "UPDATE users SET totp_secret = $2, totp_last_step = NULL WHERE id = $1",
                    &[&id, secret],
                )
                .await?
            }
            UserChange::DisplayName(n) => {
                tx.execute(
                    "UPDATE users SET display_name = $2 WHERE id = $1",
                    &[&id, n],
                )
                .await?
            }
        };
        if changed == 0 {
            return Err(StoreError::NotFound(format!("user {id}")));
        }
        if change.ends_sessions() {
            tx.execute("DELETE FROM sessions WHERE user_id = $1", &[&id])
                .await?;
        }
        audit(
            &tx,
            actor,
            change.audit_action(),
            "user",
            Some(id.to_string()),
            change.audit_details(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sign_in_failed(
        &self,
        user_id: i64,
        lock_after: u32,
        lock_for: time::Duration,
        ip: Option<String>,
    ) -> Result<Option<OffsetDateTime>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_one(
                "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = $1 RETURNING username, failed_attempts",
                &[&user_id],
            )
            .await?;
        let username: String = row.try_get(0)?;
        let failures: i32 = row.try_get(1)?;
        let locked = (i64::from(failures) >= i64::from(lock_after))
            .then(|| OffsetDateTime::now_utc() + lock_for);
        if let Some(until) = locked {
            tx.execute(
                "UPDATE users SET locked_until = $2, failed_attempts = 0 WHERE id = $1",
                &[&user_id, &until],
            )
            .await?;
        }
        audit(
            &tx,
            &username,
            "sign_in_failed",
            "user",
            Some(user_id.to_string()),
            serde_json::json!({"ip": ip, "failures": failures, "locked_until": locked.map(|t| t.unix_timestamp())}),
        )
        .await?;
        tx.commit().await?;
        Ok(locked)
    }

    async fn signed_in(&self, s: NewSession, totp_step: Option<i64>) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let username: String = tx
            .query_one(
                "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = now(),
                        totp_last_step = COALESCE($2, totp_last_step)
                 WHERE id = $1 RETURNING username",
                &[&s.user_id, &totp_step],
            )
            .await?
            .try_get(0)?;
        tx.execute("DELETE FROM sessions WHERE expires_at < now()", &[])
            .await?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, ip, user_agent)
             VALUES ($1, $2, $3, now(), $4, $5, $6)",
            &[&s.token_hash, &s.user_id, &s.csrf_token, &s.expires_at, &s.ip, &s.user_agent],
        )
        .await?;
        audit(
            &tx,
            &username,
            "sign_in",
            "user",
            Some(s.user_id.to_string()),
            serde_json::json!({"ip": s.ip, "second_factor": totp_step.is_some()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled"
                ),
                &[&token_hash],
            )
            .await?;
        row.map(|r| -> Result<Session> {
            Ok(Session {
                user: user(&r)?,
                csrf_token: r.try_get(8)?,
                expires_at: r.try_get(9)?,
            })
        })
        .transpose()
    }

    async fn end_session(&self, token_hash: &str) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let ended = tx
            .query_opt(
                "DELETE FROM sessions s USING users u WHERE s.token_hash = $1 AND u.id = s.user_id
                 RETURNING s.user_id, u.username",
                &[&token_hash],
            )
            .await?;
        if let Some(r) = ended {
            let (id, username): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
            audit(
                &tx,
                &username,
                "sign_out",
                "user",
                Some(id.to_string()),
                serde_json::json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_api_token(&self, actor: &str, t: NewApiToken) -> Result<i64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, now(), $5) RETURNING id",
                &[
                    &t.user_id,
                    &t.name,
                    &t.token_hash,
                    &t.scope.code(),
                    &t.expires_at,
                ],
            )
            .await?
            .try_get(0)?;
        audit(
            &tx,
            actor,
            "create",
            "api_token",
            Some(id.to_string()),
            serde_json::json!({"user_id": t.user_id, "name": t.name, "scope": t.scope.code()}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn api_token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "UPDATE api_tokens t SET last_used_at = now() FROM users u
                     WHERE u.id = t.user_id AND t.token_hash = $1 AND t.revoked_at IS NULL
                       AND (t.expires_at IS NULL OR t.expires_at > now()) AND NOT u.disabled
                     RETURNING {USER_COLUMNS}, {TOKEN_COLUMNS}"
                ),
                &[&token_hash],
            )
            .await?;
        row.map(|r| -> Result<(ApiToken, User)> { Ok((api_token(&r, 8)?, user(&r)?)) })
            .transpose()
    }

    async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.id"
                ),
                &[&user_id],
            )
            .await?;
        rows.iter().map(|r| api_token(r, 0)).collect()
    }

    async fn revoke_api_token(&self, actor: &str, user_id: i64, token_id: i64) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
                &[&token_id, &user_id],
            )
            .await?;
        if n > 0 {
            audit(
                &tx,
                actor,
                "revoke",
                "api_token",
                Some(token_id.to_string()),
                serde_json::json!({"user_id": user_id}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn record_audit(
        &self,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: Option<String>,
        details: serde_json::Value,
    ) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        audit(&tx, actor, action, entity, entity_id, details).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        filter: &AuditFilter,
        limit: u32,
        offset: u64,
    ) -> Result<Page<AuditEntry>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        let mut add = |clause: &str, value: Box<dyn ToSql + Sync + Send>| {
            values.push(value);
            clauses.push(clause.replace('?', &format!("${}", values.len())));
        };
        for (column, value) in [
            ("actor", &filter.actor),
            ("action", &filter.action),
            ("entity_id", &filter.entity_id),
        ] {
            if let Some(v) = value {
                add(&format!("{column} = ?"), Box::new(v.clone()));
            }
        }
        if let Some(v) = &filter.entity {
            match v.strip_suffix('*') {
                Some(prefix) => add(
                    &format!("substr(entity, 1, {}) = ?", prefix.chars().count()),
                    Box::new(prefix.to_string()),
                ),
                None => add("entity = ?", Box::new(v.clone())),
            }
        }
        if let Some(v) = filter.since {
            add("at >= ?", Box::new(v));
        }
        if let Some(v) = filter.until {
            add("at < ?", Box::new(v));
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let params: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let client = self.client().await?;
        let total: i64 = client
            .query_one(
                &format!("SELECT COUNT(*) FROM audit_log {where_sql}"),
                &params,
            )
            .await?
            .try_get(0)?;
        let rows = client
            .query(
                &format!(
                    "SELECT id, at, actor, action, entity, entity_id, details FROM audit_log {where_sql}
                     ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
                ),
                &params,
            )
            .await?;
        let items = rows
            .iter()
            .map(|r| -> Result<AuditEntry> {
                Ok(AuditEntry {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    entity: r.try_get(4)?,
                    entity_id: r.try_get(5)?,
                    details: r.try_get(6)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            total: count(total),
            items,
        })
    }

    async fn create_case(&self, actor: &str, reference: &str, seal: Seal) -> Result<i64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO reprisal_cases (reference, key_id, nonce, ciphertext, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, now(), now()) RETURNING id",
                &[&reference, &seal.key_id, &seal.nonce, &seal.ciphertext, &actor],
            )
            .await?
            .try_get(0)?;
        audit(
            &tx,
            actor,
            "create",
            "reprisal_case",
            Some(id.to_string()),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn update_case(&self, actor: &str, id: i64, seal: Seal) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "UPDATE reprisal_cases SET key_id = $2, nonce = $3, ciphertext = $4, updated_at = now() WHERE id = $1",
                &[&id, &seal.key_id, &seal.nonce, &seal.ciphertext],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("reprisal case {id}")));
        }
        audit(
            &tx,
            actor,
            "update",
            "reprisal_case",
            Some(id.to_string()),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn cases(&self, actor: &str) -> Result<Vec<SealedCase>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let rows = tx
            .query(
                &format!("SELECT {CASE_COLUMNS} FROM reprisal_cases ORDER BY id DESC"),
                &[],
            )
            .await?;
        let out = rows.iter().map(sealed_case).collect::<Result<Vec<_>>>()?;
        audit(
            &tx,
            actor,
            "read",
            "reprisal_case",
            None,
            serde_json::json!({"cases": out.len()}),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn case(&self, actor: &str, id: i64) -> Result<Option<SealedCase>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let found = tx
            .query_opt(
                &format!("SELECT {CASE_COLUMNS} FROM reprisal_cases WHERE id = $1"),
                &[&id],
            )
            .await?
            .as_ref()
            .map(sealed_case)
            .transpose()?;
        audit(
            &tx,
            actor,
            "read",
            "reprisal_case",
            Some(id.to_string()),
            serde_json::json!({"found": found.is_some()}),
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn reseal_cases(&self, actor: &str, seals: Vec<(i64, Seal)>) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        for (id, seal) in &seals {
            tx.execute(
                "UPDATE reprisal_cases SET key_id = $2, nonce = $3, ciphertext = $4 WHERE id = $1",
                &[id, &seal.key_id, &seal.nonce, &seal.ciphertext],
            )
            .await?;
        }
        let key_ids: std::collections::BTreeSet<&str> =
            seals.iter().map(|(_, s)| s.key_id.as_str()).collect();
        audit(
            &tx,
            actor,
            "reseal",
            "reprisal_case",
            None,
            serde_json::json!({"cases": seals.len(), "key_ids": key_ids}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn publish_case_summary(&self, actor: &str, summary: Option<String>) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("DELETE FROM reprisal_summary", &[]).await?;
        if let Some(s) = &summary {
            tx.execute(
                "INSERT INTO reprisal_summary (id, summary, published_by, published_at) VALUES (1, $1, $2, now())",
                &[s, &actor],
            )
            .await?;
        }
        let action = if summary.is_some() {
            "publish"
        } else {
            "unpublish"
        };
        audit(
            &tx,
            actor,
            action,
            "reprisal_summary",
            None,
            serde_json::json!({"summary": summary}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn case_summary(&self) -> Result<Option<PublishedSummary>> {
        let client = self.client().await?;
        client
            .query_opt(
                "SELECT summary, published_at FROM reprisal_summary WHERE id = 1",
                &[],
            )
            .await?
            .map(|r| -> Result<PublishedSummary> {
                Ok(PublishedSummary {
                    summary: r.try_get(0)?,
                    published_at: r.try_get(1)?,
                })
            })
            .transpose()
    }

    async fn institutions_assigned(
        &self,
        id: rightstrack_core::RecommendationId,
    ) -> Result<Vec<i64>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT institution_id FROM assignments WHERE recommendation_id = $1 ORDER BY institution_id",
                &[&id.0],
            )
            .await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(StoreError::from))
            .collect()
    }
}
