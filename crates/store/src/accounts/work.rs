//! [`Accounts`] written once, for both backends.

use async_trait::async_trait;
use rightstrack_core::{AuditEntry, RecommendationId, Role};
use time::OffsetDateTime;

use super::{
    Accounts, ApiToken, AuditFilter, Credentials, NewApiToken, NewSession, NewUser,
    PublishedSummary, Seal, SealedCase, Session, TokenScope, User, UserChange,
};
use crate::sql::{args, audit, unit, Database, Param, SqlRow};
use crate::{Page, Result, StoreError};

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.institution_id, u.disabled, u.totp_secret IS NOT NULL, u.last_sign_in_at";
const TOKEN_COLUMNS: &str =
    "t.id, t.user_id, t.name, t.scope, t.created_at, t.expires_at, t.revoked_at";
const CASE_COLUMNS: &str =
    "id, reference, key_id, nonce, ciphertext, created_by, created_at, updated_at";

/// A user from the first eight columns of `USER_COLUMNS`.
fn user(r: &SqlRow) -> Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: Role::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        institution_id: r.get(4)?,
        disabled: r.get(5)?,
        totp_enabled: r.get(6)?,
        last_sign_in_at: r.get(7)?,
    })
}

/// A token from `TOKEN_COLUMNS` starting at column `at`.
fn api_token(r: &SqlRow, at: usize) -> Result<ApiToken> {
    let scope: String = r.get(at + 3)?;
    Ok(ApiToken {
        id: r.get(at)?,
        user_id: r.get(at + 1)?,
        name: r.get(at + 2)?,
        scope: TokenScope::parse(&scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token scope {scope:?}")))?,
        created_at: r.get(at + 4)?,
        expires_at: r.get(at + 5)?,
        revoked_at: r.get(at + 6)?,
    })
}

fn sealed_case(r: &SqlRow) -> Result<SealedCase> {
    Ok(SealedCase {
        id: r.get(0)?,
        reference: r.get(1)?,
        key_id: r.get(2)?,
        nonce: r.get(3)?,
        ciphertext: r.get(4)?,
        created_by: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

/// The audit log's WHERE clause and its values.
fn audit_where(filter: &AuditFilter) -> (String, Vec<Param>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    let mut add = |clause: &str, value: Param| {
        values.push(value);
        clauses.push(clause.replace('?', &format!("${}", values.len())));
    };
    for (column, value) in [
        ("actor", &filter.actor),
        ("action", &filter.action),
        ("entity_id", &filter.entity_id),
    ] {
        if let Some(v) = value {
            add(&format!("{column} = ?"), Param::from(v));
        }
    }
    if let Some(v) = &filter.entity {
        match v.strip_suffix('*') {
            Some(prefix) => add(
                &format!("substr(entity, 1, {}) = ?", prefix.chars().count()),
                Param::from(prefix),
            ),
            None => add("entity = ?", Param::from(v)),
        }
    }
    if let Some(v) = filter.since {
        add("at >= ?", Param::Time(v));
    }
    if let Some(v) = filter.until {
        add("at < ?", Param::Time(v));
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (sql, values)
}

#[async_trait]
impl<D: Database> Accounts for D {
    async fn create_user(&self, actor: &str, u: NewUser) -> Result<i64> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let taken: bool = tx
                .row(
                    "SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))",
                    args![&u.username],
                )
                .await?
                .get(0)?;
            if taken {
                return Err(StoreError::Invalid(format!(
                    "the user name {:?} is taken",
                    u.username
                )));
            }
            let id = tx
                .insert_id(
                    "INSERT INTO users (username, display_name, password_hash, role, institution_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    args![&u.username, &u.display_name, &u.password_hash, u.role.code(), u.institution_id, Param::now()],
                )
                .await?;
            audit(
                tx,
                &actor,
                "create",
                "user",
                Some(id.to_string()),
                serde_json::json!({"username": u.username, "role": u.role.code(), "institution_id": u.institution_id}),
            )
            .await?;
            Ok(id)
        }))
        .await
    }

    async fn users(&self) -> Result<Vec<User>> {
        self.read(unit!(|tx| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY lower(u.username)");
            tx.rows(&sql, &[]).await?.iter().map(user).collect()
        }))
        .await
    }

    async fn user(&self, id: i64) -> Result<Option<User>> {
        self.read(unit!(|tx| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
            tx.optional_row(&sql, args![id])
                .await?
                .as_ref()
                .map(user)
                .transpose()
        }))
        .await
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let username = username.to_string();
        self.read(unit!(|tx| {
            let sql = format!(
                "SELECT {USER_COLUMNS}, u.password_hash, u.totp_secret, u.totp_last_step,
                        u.failed_attempts, u.locked_until
                 FROM users u WHERE lower(u.username) = lower($1)"
            );
            let row = tx.optional_row(&sql, args![&username]).await?;
            row.map(|r| -> Result<Credentials> {
                Ok(Credentials {
                    user: user(&r)?,
                    password_hash: r.get(8)?,
                    totp_secret: r.get(9)?,
                    totp_last_step: r.get(10)?,
                    failed_attempts: r.get(11)?,
                    locked_until: r.get(12)?,
                })
            })
            .transpose()
        }))
        .await
    }

    async fn change_user(&self, actor: &str, id: i64, change: UserChange) -> Result<()> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let (sql, value): (&str, Vec<Param>) = match &change {
                UserChange::Role {
                    role,
                    institution_id,
                } => (
                    "UPDATE users SET role = $2, institution_id = $3 WHERE id = $1",
                    vec![role.code().into(), (*institution_id).into()],
                ),
                UserChange::Disabled(d) => (
                    "UPDATE users SET disabled = $2, failed_attempts = 0, locked_until = NULL WHERE id = $1",
                    vec![(*d).into()],
                ),
                UserChange::PasswordHash(h) => (
                    "UPDATE users SET password_hash = $2, failed_attempts = 0, locked_until = NULL WHERE id = $1",
                    vec![h.into()],
                ),
                UserChange::Totp(secret) => (
                    "UPDATE users SET totp_secret = $2, totp_last_step = NULL WHERE id = $1",
                    vec![secret.as_deref().into()],
                ),
                UserChange::DisplayName(n) => (
                    "UPDATE users SET display_name = $2 WHERE id = $1",
                    vec![n.into()],
                ),
            };
            let params: Vec<Param> = std::iter::once(Param::from(id)).chain(value).collect();
            let changed = tx.execute(sql, &params).await?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("user {id}")));
            }
            if change.ends_sessions() {
                tx.execute("DELETE FROM sessions WHERE user_id = $1", args![id])
                    .await?;
            }
            audit(
                tx,
                &actor,
                change.audit_action(),
                "user",
                Some(id.to_string()),
                change.audit_details(),
            )
            .await
        }))
        .await
    }

    async fn sign_in_failed(
        &self,
        user_id: i64,
        lock_after: u32,
        lock_for: time::Duration,
        ip: Option<String>,
    ) -> Result<Option<OffsetDateTime>> {
        self.write(unit!(|tx| {
            let row = tx
                .row(
                    "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = $1
                     RETURNING username, failed_attempts",
                    args![user_id],
                )
                .await?;
            let username: String = row.get(0)?;
            let failures: i64 = row.get(1)?;
            let locked = (failures >= i64::from(lock_after))
                .then(|| OffsetDateTime::now_utc() + lock_for);
            if let Some(until) = locked {
                tx.execute(
                    "UPDATE users SET locked_until = $2, failed_attempts = 0 WHERE id = $1",
                    args![user_id, until],
                )
                .await?;
            }
            audit(
                tx,
                &username,
                "sign_in_failed",
                "user",
                Some(user_id.to_string()),
                serde_json::json!({"ip": ip, "failures": failures, "locked_until": locked.map(|t| t.unix_timestamp())}),
            )
            .await?;
            Ok(locked)
        }))
        .await
    }

    async fn signed_in(&self, s: NewSession, totp_step: Option<i64>) -> Result<()> {
        self.write(unit!(|tx| {
            let stamp = Param::now();
            let username: String = tx
                .row(
                    "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = $3,
                            totp_last_step = COALESCE($2, totp_last_step)
                     WHERE id = $1 RETURNING username",
                    args![s.user_id, totp_step, stamp.clone()],
                )
                .await?
                .get(0)?;
            tx.execute(
                "DELETE FROM sessions WHERE expires_at < $1",
                args![stamp.clone()],
            )
            .await?;
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, ip, user_agent)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                args![&s.token_hash, s.user_id, &s.csrf_token, stamp, s.expires_at, s.ip.clone(), s.user_agent.clone()],
            )
            .await?;
            audit(
                tx,
                &username,
                "sign_in",
                "user",
                Some(s.user_id.to_string()),
                serde_json::json!({"ip": s.ip, "second_factor": totp_step.is_some()}),
            )
            .await
        }))
        .await
    }

    async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let token_hash = token_hash.to_string();
        self.read(unit!(|tx| {
            let sql = format!(
                "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled"
            );
            let row = tx
                .optional_row(&sql, args![&token_hash, Param::now()])
                .await?;
            row.map(|r| -> Result<Session> {
                Ok(Session {
                    user: user(&r)?,
                    csrf_token: r.get(8)?,
                    expires_at: r.get(9)?,
                })
            })
            .transpose()
        }))
        .await
    }

    async fn end_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_string();
        self.write(unit!(|tx| {
            let ended = tx
                .optional_row(
                    "DELETE FROM sessions WHERE token_hash = $1
                     RETURNING user_id, (SELECT username FROM users WHERE id = user_id)",
                    args![&token_hash],
                )
                .await?;
            if let Some(r) = ended {
                let (id, username): (i64, String) = (r.get(0)?, r.get(1)?);
                audit(
                    tx,
                    &username,
                    "sign_out",
                    "user",
                    Some(id.to_string()),
                    serde_json::json!({}),
                )
                .await?;
            }
            Ok(())
        }))
        .await
    }

    async fn create_api_token(&self, actor: &str, t: NewApiToken) -> Result<i64> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let id = tx
                .insert_id(
                    "INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    args![t.user_id, &t.name, &t.token_hash, t.scope.code(), Param::now(), t.expires_at],
                )
                .await?;
            audit(
                tx,
                &actor,
                "create",
                "api_token",
                Some(id.to_string()),
                serde_json::json!({"user_id": t.user_id, "name": t.name, "scope": t.scope.code()}),
            )
            .await?;
            Ok(id)
        }))
        .await
    }

    /// Not a transaction: the lookup and the stamp of its use are each their own statement.
    async fn api_token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
        let token_hash = token_hash.to_string();
        self.read(unit!(|tx| {
            let stamp = Param::now();
            let sql = format!(
                "SELECT {USER_COLUMNS}, {TOKEN_COLUMNS}
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL
                   AND (t.expires_at IS NULL OR t.expires_at > $2) AND NOT u.disabled"
            );
            let found = tx
                .optional_row(&sql, args![&token_hash, stamp.clone()])
                .await?
                .map(|r| -> Result<(ApiToken, User)> { Ok((api_token(&r, 8)?, user(&r)?)) })
                .transpose()?;
            if let Some((token, _)) = &found {
                tx.execute(
                    "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
                    args![token.id, stamp],
                )
                .await?;
            }
            Ok(found)
        }))
        .await
    }

    async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        self.read(unit!(|tx| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.id"
            );
            tx.rows(&sql, args![user_id])
                .await?
                .iter()
                .map(|r| api_token(r, 0))
                .collect()
        }))
        .await
    }

    async fn revoke_api_token(&self, actor: &str, user_id: i64, token_id: i64) -> Result<bool> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let n = tx
                .execute(
                    "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
                    args![token_id, user_id, Param::now()],
                )
                .await?;
            if n > 0 {
                audit(
                    tx,
                    &actor,
                    "revoke",
                    "api_token",
                    Some(token_id.to_string()),
                    serde_json::json!({"user_id": user_id}),
                )
                .await?;
            }
            Ok(n > 0)
        }))
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
        self.write(unit!(|tx| {
            audit(tx, &actor, &action, &entity, entity_id, details).await
        }))
        .await
    }

    async fn audit_log(
        &self,
        filter: &AuditFilter,
        limit: u32,
        offset: u64,
    ) -> Result<Page<AuditEntry>> {
        let (where_sql, params) = audit_where(filter);
        self.read(unit!(|tx| {
            let total: u64 = tx
                .row(
                    &format!("SELECT COUNT(*) FROM audit_log {where_sql}"),
                    &params,
                )
                .await?
                .get(0)?;
            let sql = format!(
                "SELECT id, at, actor, action, entity, entity_id, details FROM audit_log {where_sql}
                 ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
            );
            let items = tx
                .rows(&sql, &params)
                .await?
                .iter()
                .map(|r| -> Result<AuditEntry> {
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        entity: r.get(4)?,
                        entity_id: r.get(5)?,
                        details: r.get(6)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { total, items })
        }))
        .await
    }

    async fn create_case(&self, actor: &str, reference: &str, seal: Seal) -> Result<i64> {
        let (actor, reference) = (actor.to_string(), reference.to_string());
        self.write(unit!(|tx| {
            let stamp = Param::now();
            let id = tx
                .insert_id(
                    "INSERT INTO reprisal_cases (reference, key_id, nonce, ciphertext, created_by, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                    args![&reference, &seal.key_id, &seal.nonce, &seal.ciphertext, &actor, stamp],
                )
                .await?;
            audit(
                tx,
                &actor,
                "create",
                "reprisal_case",
                Some(id.to_string()),
                serde_json::json!({}),
            )
            .await?;
            Ok(id)
        }))
        .await
    }

    async fn update_case(&self, actor: &str, id: i64, seal: Seal) -> Result<()> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let n = tx
                .execute(
                    "UPDATE reprisal_cases SET key_id = $2, nonce = $3, ciphertext = $4, updated_at = $5 WHERE id = $1",
                    args![id, &seal.key_id, &seal.nonce, &seal.ciphertext, Param::now()],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("reprisal case {id}")));
            }
            audit(
                tx,
                &actor,
                "update",
                "reprisal_case",
                Some(id.to_string()),
                serde_json::json!({}),
            )
            .await
        }))
        .await
    }

    async fn cases(&self, actor: &str) -> Result<Vec<SealedCase>> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let sql = format!("SELECT {CASE_COLUMNS} FROM reprisal_cases ORDER BY id DESC");
            let out = tx
                .rows(&sql, &[])
                .await?
                .iter()
                .map(sealed_case)
                .collect::<Result<Vec<_>>>()?;
            audit(
                tx,
                &actor,
                "read",
                "reprisal_case",
                None,
                serde_json::json!({"cases": out.len()}),
            )
            .await?;
            Ok(out)
        }))
        .await
    }

    async fn case(&self, actor: &str, id: i64) -> Result<Option<SealedCase>> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let sql = format!("SELECT {CASE_COLUMNS} FROM reprisal_cases WHERE id = $1");
            let found = tx
                .optional_row(&sql, args![id])
                .await?
                .as_ref()
                .map(sealed_case)
                .transpose()?;
            audit(
                tx,
                &actor,
                "read",
                "reprisal_case",
                Some(id.to_string()),
                serde_json::json!({"found": found.is_some()}),
            )
            .await?;
            Ok(found)
        }))
        .await
    }

    async fn reseal_cases(&self, actor: &str, seals: Vec<(i64, Seal)>) -> Result<()> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            for (id, seal) in &seals {
                tx.execute(
                    "UPDATE reprisal_cases SET key_id = $2, nonce = $3, ciphertext = $4 WHERE id = $1",
                    args![*id, &seal.key_id, &seal.nonce, &seal.ciphertext],
                )
                .await?;
            }
            let key_ids: std::collections::BTreeSet<&str> =
                seals.iter().map(|(_, s)| s.key_id.as_str()).collect();
            audit(
                tx,
                &actor,
                "reseal",
                "reprisal_case",
                None,
                serde_json::json!({"cases": seals.len(), "key_ids": key_ids}),
            )
            .await
        }))
        .await
    }

    async fn publish_case_summary(&self, actor: &str, summary: Option<String>) -> Result<()> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            tx.execute("DELETE FROM reprisal_summary", &[]).await?;
            if let Some(s) = &summary {
                tx.execute(
                    "INSERT INTO reprisal_summary (id, summary, published_by, published_at) VALUES (1, $1, $2, $3)",
                    args![s, &actor, Param::now()],
                )
                .await?;
            }
            let action = if summary.is_some() {
                "publish"
            } else {
                "unpublish"
            };
            audit(
                tx,
                &actor,
                action,
                "reprisal_summary",
                None,
                serde_json::json!({"summary": summary}),
            )
            .await
        }))
        .await
    }

    async fn case_summary(&self) -> Result<Option<PublishedSummary>> {
        self.read(unit!(|tx| {
            tx.optional_row(
                "SELECT summary, published_at FROM reprisal_summary WHERE id = 1",
                &[],
            )
            .await?
            .map(|r| -> Result<PublishedSummary> {
                Ok(PublishedSummary {
                    summary: r.get(0)?,
                    published_at: r.get(1)?,
                })
            })
            .transpose()
        }))
        .await
    }

    async fn institutions_assigned(&self, id: RecommendationId) -> Result<Vec<i64>> {
        self.read(unit!(|tx| {
            tx.rows(
                "SELECT institution_id FROM assignments WHERE recommendation_id = $1 ORDER BY institution_id",
                args![id],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect()
        }))
        .await
    }
}
