//! [`Accounts`] on SQLite.

use async_trait::async_trait;
use r2d2_sqlite::rusqlite::{self, params, OptionalExtension, TransactionBehavior};
use rightstrack_core::{AuditEntry, Role};
use time::OffsetDateTime;

use super::{
    Accounts, ApiToken, AuditFilter, Credentials, NewApiToken, NewSession, NewUser,
    PublishedSummary, Seal, SealedCase, Session, TokenScope, User, UserChange,
};
use crate::sqlite::{audit, now, parse_timestamp, timestamp, SqliteStore};
use crate::{Page, Result, StoreError};

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.institution_id, u.disabled, u.totp_secret IS NOT NULL, u.last_sign_in_at";

fn optional_time(value: Option<String>) -> Result<Option<OffsetDateTime>> {
    value.as_deref().map(parse_timestamp).transpose()
}

/// A user from the first eight columns of `USER_COLUMNS`.
fn user(r: &rusqlite::Row<'_>) -> Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: Role::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        institution_id: r.get(4)?,
        disabled: r.get(5)?,
        totp_enabled: r.get(6)?,
        last_sign_in_at: optional_time(r.get(7)?)?,
    })
}

fn api_token(r: &rusqlite::Row<'_>) -> Result<ApiToken> {
    let scope: String = r.get(3)?;
    Ok(ApiToken {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        scope: TokenScope::parse(&scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token scope {scope:?}")))?,
        created_at: parse_timestamp(&r.get::<_, String>(4)?)?,
        expires_at: optional_time(r.get(5)?)?,
        revoked_at: optional_time(r.get(6)?)?,
    })
}

const TOKEN_COLUMNS: &str =
    "t.id, t.user_id, t.name, t.scope, t.created_at, t.expires_at, t.revoked_at";

fn sealed_case(r: &rusqlite::Row<'_>) -> Result<SealedCase> {
    Ok(SealedCase {
        id: r.get(0)?,
        reference: r.get(1)?,
        key_id: r.get(2)?,
        nonce: r.get(3)?,
        ciphertext: r.get(4)?,
        created_by: r.get(5)?,
        created_at: parse_timestamp(&r.get::<_, String>(6)?)?,
        updated_at: parse_timestamp(&r.get::<_, String>(7)?)?,
    })
}

const CASE_COLUMNS: &str =
    "id, reference, key_id, nonce, ciphertext, created_by, created_at, updated_at";

#[async_trait]
impl Accounts for SqliteStore {
    async fn create_user(&self, actor: &str, u: NewUser) -> Result<i64> {
        let actor = actor.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(?1))",
                [&u.username],
                |r| r.get(0),
            )?;
            if taken {
                return Err(StoreError::Invalid(format!(
                    "the user name {:?} is taken",
                    u.username
                )));
            }
            tx.execute(
                "INSERT INTO users (username, display_name, password_hash, role, institution_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![u.username, u.display_name, u.password_hash, u.role.code(), u.institution_id, now()],
            )?;
            let id = tx.last_insert_rowid();
            audit(&tx, &actor, "create", "user", Some(id.to_string()), serde_json::json!({
                "username": u.username, "role": u.role.code(), "institution_id": u.institution_id,
            }))?;
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    async fn users(&self) -> Result<Vec<User>> {
        self.run(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {USER_COLUMNS} FROM users u ORDER BY lower(u.username)"
            ))?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(user(r)?);
            }
            Ok(out)
        })
        .await
    }

    async fn user(&self, id: i64) -> Result<Option<User>> {
        self.run(move |conn| {
            conn.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"),
                [id],
                |r| Ok(user(r)),
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let username = username.to_string();
        self.run(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {USER_COLUMNS}, u.password_hash, u.totp_secret, u.totp_last_step,
                            u.failed_attempts, u.locked_until
                     FROM users u WHERE lower(u.username) = lower(?1)"
                ),
                [&username],
                |r| {
                    Ok((|| -> Result<Credentials> {
                        Ok(Credentials {
                            user: user(r)?,
                            password_hash: r.get(8)?,
                            totp_secret: r.get(9)?,
                            totp_last_step: r.get(10)?,
                            failed_attempts: r.get(11)?,
                            locked_until: optional_time(r.get(12)?)?,
                        })
                    })())
                },
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn change_user(&self, actor: &str, id: i64, change: UserChange) -> Result<()> {
        let actor = actor.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let changed = match &change {
                UserChange::Role {
                    role,
                    institution_id,
                } => tx.execute(
                    "UPDATE users SET role = ?2, institution_id = ?3 WHERE id = ?1",
                    params![id, role.code(), institution_id],
                )?,
                UserChange::Disabled(d) => tx.execute(
                    "UPDATE users SET disabled = ?2, failed_attempts = 0, locked_until = NULL WHERE id = ?1",
                    params![id, d],
                )?,
                UserChange::PasswordHash(h) => tx.execute(
                    "UPDATE users SET password_hash = ?2, failed_attempts = 0, locked_until = NULL WHERE id = ?1",
                    params![id, h],
                )?,
                UserChange::Totp(secret) => tx.execute(
                    "UPDATE users SET totp_secret = ?2, totp_last_step = NULL WHERE id = ?1",
                    params![id, secret],
                )?,
                UserChange::DisplayName(n) => tx.execute(
                    "UPDATE users SET display_name = ?2 WHERE id = ?1",
                    params![id, n],
                )?,
            };
            if changed == 0 {
                return Err(StoreError::NotFound(format!("user {id}")));
            }
            if change.ends_sessions() {
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
            }
            audit(&tx, &actor, change.audit_action(), "user", Some(id.to_string()), change.audit_details())?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn sign_in_failed(
        &self,
        user_id: i64,
        lock_after: u32,
        lock_for: time::Duration,
        ip: Option<String>,
    ) -> Result<Option<OffsetDateTime>> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (username, failures): (String, i64) = tx.query_row(
                "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = ?1 RETURNING username, failed_attempts",
                [user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let locked = (failures >= i64::from(lock_after)).then(|| OffsetDateTime::now_utc() + lock_for);
            if let Some(until) = locked {
                tx.execute(
                    "UPDATE users SET locked_until = ?2, failed_attempts = 0 WHERE id = ?1",
                    params![user_id, timestamp(until)],
                )?;
            }
            audit(&tx, &username, "sign_in_failed", "user", Some(user_id.to_string()), serde_json::json!({
                "ip": ip, "failures": failures, "locked_until": locked.map(timestamp),
            }))?;
            tx.commit()?;
            Ok(locked)
        })
        .await
    }

    async fn signed_in(&self, s: NewSession, totp_step: Option<i64>) -> Result<()> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let stamp = now();
            let username: String = tx.query_row(
                "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ?2,
                        totp_last_step = COALESCE(?3, totp_last_step)
                 WHERE id = ?1 RETURNING username",
                params![s.user_id, stamp, totp_step],
                |r| r.get(0),
            )?;
            // Expired sessions go as new ones come, so the table stays small.
            tx.execute("DELETE FROM sessions WHERE expires_at < ?1", [&stamp])?;
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, ip, user_agent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![s.token_hash, s.user_id, s.csrf_token, stamp, timestamp(s.expires_at), s.ip, s.user_agent],
            )?;
            audit(&tx, &username, "sign_in", "user", Some(s.user_id.to_string()), serde_json::json!({
                "ip": s.ip, "second_factor": totp_step.is_some(),
            }))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let token_hash = token_hash.to_string();
        self.run(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND NOT u.disabled"
                ),
                params![token_hash, now()],
                |r| {
                    Ok((|| -> Result<Session> {
                        Ok(Session {
                            user: user(r)?,
                            csrf_token: r.get(8)?,
                            expires_at: parse_timestamp(&r.get::<_, String>(9)?)?,
                        })
                    })())
                },
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn end_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let ended: Option<(i64, String)> = tx
                .query_row(
                    "DELETE FROM sessions WHERE token_hash = ?1
                     RETURNING user_id, (SELECT username FROM users WHERE id = user_id)",
                    [&token_hash],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((id, username)) = ended {
                audit(
                    &tx,
                    &username,
                    "sign_out",
                    "user",
                    Some(id.to_string()),
                    serde_json::json!({}),
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn create_api_token(&self, actor: &str, t: NewApiToken) -> Result<i64> {
        let actor = actor.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    t.user_id,
                    t.name,
                    t.token_hash,
                    t.scope.code(),
                    now(),
                    t.expires_at.map(timestamp)
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit(
                &tx,
                &actor,
                "create",
                "api_token",
                Some(id.to_string()),
                serde_json::json!({
                    "user_id": t.user_id, "name": t.name, "scope": t.scope.code(),
                }),
            )?;
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    async fn api_token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
        let token_hash = token_hash.to_string();
        self.run(move |conn| {
            let stamp = now();
            let found = conn
                .query_row(
                    &format!(
                        "SELECT {USER_COLUMNS}, {TOKEN_COLUMNS}
                         FROM api_tokens t JOIN users u ON u.id = t.user_id
                         WHERE t.token_hash = ?1 AND t.revoked_at IS NULL
                           AND (t.expires_at IS NULL OR t.expires_at > ?2) AND NOT u.disabled"
                    ),
                    params![token_hash, stamp],
                    |r| {
                        Ok((|| -> Result<(ApiToken, User)> {
                            let u = user(r)?;
                            let scope: String = r.get(11)?;
                            let token = ApiToken {
                                id: r.get(8)?,
                                user_id: r.get(9)?,
                                name: r.get(10)?,
                                scope: TokenScope::parse(&scope).ok_or_else(|| {
                                    StoreError::Corrupt(format!("token scope {scope:?}"))
                                })?,
                                created_at: parse_timestamp(&r.get::<_, String>(12)?)?,
                                expires_at: optional_time(r.get(13)?)?,
                                revoked_at: optional_time(r.get(14)?)?,
                            };
                            Ok((token, u))
                        })())
                    },
                )
                .optional()?
                .transpose()?;
            if let Some((token, _)) = &found {
                conn.execute(
                    "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
                    params![token.id, stamp],
                )?;
            }
            Ok(found)
        })
        .await
    }

    async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = ?1 ORDER BY t.id"
            ))?;
            let mut rows = stmt.query([user_id])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(api_token(r)?);
            }
            Ok(out)
        })
        .await
    }

    async fn revoke_api_token(&self, actor: &str, user_id: i64, token_id: i64) -> Result<bool> {
        let actor = actor.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let n = tx.execute(
                "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
                params![token_id, user_id, now()],
            )?;
            if n > 0 {
                audit(&tx, &actor, "revoke", "api_token", Some(token_id.to_string()), serde_json::json!({"user_id": user_id}))?;
            }
            tx.commit()?;
            Ok(n > 0)
        })
        .await
    }

    async fn record_audit(
        &self,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: Option<String>,
        details: serde_json::Value,
    ) -> Result<()> {
        let (actor, action, entity) = (actor.to_string(), action.to_string(), entity.to_string());
        self.run(move |conn| {
            let tx = conn.transaction()?;
            audit(&tx, &actor, &action, &entity, entity_id, details)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn audit_log(
        &self,
        filter: &AuditFilter,
        limit: u32,
        offset: u64,
    ) -> Result<Page<AuditEntry>> {
        let filter = filter.clone();
        self.run(move |conn| {
            let mut clauses = Vec::new();
            let mut values: Vec<String> = Vec::new();
            let mut add = |clause: &str, value: String| {
                values.push(value);
                clauses.push(clause.replace('?', &format!("?{}", values.len())));
            };
            if let Some(v) = filter.actor {
                add("actor = ?", v);
            }
            if let Some(v) = filter.action {
                add("action = ?", v);
            }
            if let Some(v) = filter.entity {
                match v.strip_suffix('*') {
                    Some(prefix) => add(
                        &format!("substr(entity, 1, {}) = ?", prefix.chars().count()),
                        prefix.to_string(),
                    ),
                    None => add("entity = ?", v),
                }
            }
            if let Some(v) = filter.entity_id {
                add("entity_id = ?", v);
            }
            if let Some(v) = filter.since {
                add("at >= ?", timestamp(v));
            }
            if let Some(v) = filter.until {
                add("at < ?", timestamp(v));
            }
            let where_sql = if clauses.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", clauses.join(" AND "))
            };
            let total: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM audit_log {where_sql}"),
                rusqlite::params_from_iter(&values),
                |r| r.get(0),
            )?;
            let mut stmt = conn.prepare(&format!(
                "SELECT id, at, actor, action, entity, entity_id, details FROM audit_log {where_sql}
                 ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
            ))?;
            let mut rows = stmt.query(rusqlite::params_from_iter(&values))?;
            let mut items = Vec::new();
            while let Some(r) = rows.next()? {
                items.push(AuditEntry {
                    id: r.get(0)?,
                    at: parse_timestamp(&r.get::<_, String>(1)?)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    entity: r.get(4)?,
                    entity_id: r.get(5)?,
                    details: r.get(6)?,
                });
            }
            Ok(Page {
                total: u64::try_from(total).unwrap_or_default(),
                items,
            })
        })
        .await
    }

    async fn create_case(&self, actor: &str, reference: &str, seal: Seal) -> Result<i64> {
        let (actor, reference) = (actor.to_string(), reference.to_string());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let stamp = now();
            tx.execute(
                "INSERT INTO reprisal_cases (reference, key_id, nonce, ciphertext, created_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![reference, seal.key_id, seal.nonce, seal.ciphertext, actor, stamp],
            )?;
            let id = tx.last_insert_rowid();
            audit(&tx, &actor, "create", "reprisal_case", Some(id.to_string()), serde_json::json!({}))?;
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    async fn update_case(&self, actor: &str, id: i64, seal: Seal) -> Result<()> {
        let actor = actor.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let n = tx.execute(
                "UPDATE reprisal_cases SET key_id = ?2, nonce = ?3, ciphertext = ?4, updated_at = ?5 WHERE id = ?1",
                params![id, seal.key_id, seal.nonce, seal.ciphertext, now()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("reprisal case {id}")));
            }
            audit(&tx, &actor, "update", "reprisal_case", Some(id.to_string()), serde_json::json!({}))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn cases(&self, actor: &str) -> Result<Vec<SealedCase>> {
        let actor = actor.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = {
                let mut stmt = tx.prepare(&format!(
                    "SELECT {CASE_COLUMNS} FROM reprisal_cases ORDER BY id DESC"
                ))?;
                let mut rows = stmt.query([])?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(sealed_case(r)?);
                }
                out
            };
            audit(
                &tx,
                &actor,
                "read",
                "reprisal_case",
                None,
                serde_json::json!({"cases": out.len()}),
            )?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    async fn case(&self, actor: &str, id: i64) -> Result<Option<SealedCase>> {
        let actor = actor.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let found = tx
                .query_row(
                    &format!("SELECT {CASE_COLUMNS} FROM reprisal_cases WHERE id = ?1"),
                    [id],
                    |r| Ok(sealed_case(r)),
                )
                .optional()?
                .transpose()?;
            audit(
                &tx,
                &actor,
                "read",
                "reprisal_case",
                Some(id.to_string()),
                serde_json::json!({"found": found.is_some()}),
            )?;
            tx.commit()?;
            Ok(found)
        })
        .await
    }

    async fn reseal_cases(&self, actor: &str, seals: Vec<(i64, Seal)>) -> Result<()> {
        let actor = actor.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let key_ids: std::collections::BTreeSet<&str> =
                seals.iter().map(|(_, s)| s.key_id.as_str()).collect();
            for (id, seal) in &seals {
                tx.execute(
                    "UPDATE reprisal_cases SET key_id = ?2, nonce = ?3, ciphertext = ?4 WHERE id = ?1",
                    params![id, seal.key_id, seal.nonce, seal.ciphertext],
                )?;
            }
            audit(&tx, &actor, "reseal", "reprisal_case", None, serde_json::json!({
                "cases": seals.len(), "key_ids": key_ids,
            }))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn publish_case_summary(&self, actor: &str, summary: Option<String>) -> Result<()> {
        let actor = actor.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM reprisal_summary", [])?;
            if let Some(s) = &summary {
                tx.execute(
                    "INSERT INTO reprisal_summary (id, summary, published_by, published_at) VALUES (1, ?1, ?2, ?3)",
                    params![s, actor, now()],
                )?;
            }
            let action = if summary.is_some() { "publish" } else { "unpublish" };
            audit(&tx, &actor, action, "reprisal_summary", None, serde_json::json!({"summary": summary}))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn case_summary(&self) -> Result<Option<PublishedSummary>> {
        self.run(|conn| {
            conn.query_row(
                "SELECT summary, published_at FROM reprisal_summary WHERE id = 1",
                [],
                |r| {
                    Ok((|| -> Result<PublishedSummary> {
                        Ok(PublishedSummary {
                            summary: r.get(0)?,
                            published_at: parse_timestamp(&r.get::<_, String>(1)?)?,
                        })
                    })())
                },
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn institutions_assigned(
        &self,
        id: rightstrack_core::RecommendationId,
    ) -> Result<Vec<i64>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT institution_id FROM assignments WHERE recommendation_id = ?1 ORDER BY institution_id",
            )?;
            let ids = stmt
                .query_map([id.0], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            Ok(ids)
        })
        .await
    }
}
