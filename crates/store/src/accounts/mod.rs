//! Accounts, sessions, API tokens, the audit log and the sealed reprisals register.
//!
//! The store keeps credentials only in the form the `rightstrack-auth` crate makes them
//! (argon2id hashes, SHA-256 of tokens, ciphertext of reprisal cases); it never sees a
//! password, a token or a case in clear. Each method is one transaction and writes its
//! own audit entry, so that nothing changes unrecorded.

mod work;

use async_trait::async_trait;
use rightstrack_core::{AuditEntry, Role};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Page, Result};

/// An account as the application sees it (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The ministry, NHRI, CSO … the user acts for; it scopes what they may change.
    pub institution_id: Option<i64>,
    pub disabled: bool,
    pub totp_enabled: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sign_in_at: Option<OffsetDateTime>,
}

/// What signing in checks, beside the user.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub failed_attempts: i64,
    pub locked_until: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub institution_id: Option<i64>,
}

/// One change to an account. Changing the password, disabling, or changing the role ends
/// the user's sessions.
#[derive(Debug, Clone)]
pub enum UserChange {
    Role {
        role: Role,
        institution_id: Option<i64>,
    },
    Disabled(bool),
    PasswordHash(String),
    /// A second-factor secret, or none to turn it off.
    Totp(Option<String>),
    DisplayName(String),
}

impl UserChange {
    fn ends_sessions(&self) -> bool {
        matches!(
            self,
            Self::Role { .. } | Self::Disabled(true) | Self::PasswordHash(_)
        )
    }

    fn audit_action(&self) -> &'static str {
        match self {
            Self::Role { .. } => "permission_change",
            _ => "update",
        }
    }

    /// What the audit log records: never a hash or secret.
    fn audit_details(&self) -> serde_json::Value {
        match self {
            Self::Role {
                role,
                institution_id,
            } => serde_json::json!({"role": role.code(), "institution_id": institution_id}),
            Self::Disabled(d) => serde_json::json!({"disabled": d}),
            Self::PasswordHash(_) => serde_json::json!({"password": "changed"}),
            Self::Totp(t) => serde_json::json!({"totp": t.is_some()}),
            Self::DisplayName(n) => serde_json::json!({"display_name": n}),
        }
    }
}

/// A browser session, found by the hash of its cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What an API token may do: read only, or also write (within its user's role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn code(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub scope: TokenScope,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub user_id: i64,
    pub name: String,
    pub token_hash: String,
    pub scope: TokenScope,
    pub expires_at: Option<OffsetDateTime>,
}

/// Narrows the audit log; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// An entity, or with a trailing `*` every entity starting so (`recommendation*`).
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
}

/// A reprisal case as stored: everything about it is inside `ciphertext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCase {
    pub id: i64,
    pub reference: String,
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// What sealing a case gives, to store.
#[derive(Debug, Clone)]
pub struct Seal {
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

/// The anonymised aggregate of the reprisals register a reprisals officer published.
#[derive(Debug, Clone)]
pub struct PublishedSummary {
    /// JSON, as the web layer wrote it.
    pub summary: String,
    pub published_at: OffsetDateTime,
}

#[async_trait]
pub trait Accounts: Send + Sync {
    async fn create_user(&self, actor: &str, user: NewUser) -> Result<i64>;

    async fn users(&self) -> Result<Vec<User>>;

    async fn user(&self, id: i64) -> Result<Option<User>>;

    /// The account and what signing in checks, by user name (case-insensitive).
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>>;

    async fn change_user(&self, actor: &str, id: i64, change: UserChange) -> Result<()>;

    /// Counts a failed sign-in; after `lock_after` in a row the account is locked until
    /// `now + lock_for`. Returns the lock's end, if locked.
    async fn sign_in_failed(
        &self,
        user_id: i64,
        lock_after: u32,
        lock_for: time::Duration,
        ip: Option<String>,
    ) -> Result<Option<OffsetDateTime>>;

    /// A successful sign-in: clears failures, records the second-factor step used (so the
    /// code cannot be replayed) and starts a session.
    async fn signed_in(&self, session: NewSession, totp_step: Option<i64>) -> Result<()>;

    /// The session whose cookie hashes to `token_hash`, if it has not expired and its user
    /// is enabled.
    async fn session(&self, token_hash: &str) -> Result<Option<Session>>;

    async fn end_session(&self, token_hash: &str) -> Result<()>;

    async fn create_api_token(&self, actor: &str, token: NewApiToken) -> Result<i64>;

    /// The token hashing to `token_hash` and its user, if neither is revoked, expired or
    /// disabled. Records its use.
    async fn api_token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>>;

    async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>>;

    /// Revokes one of `user_id`'s tokens; false if they have no such token.
    async fn revoke_api_token(&self, actor: &str, user_id: i64, token_id: i64) -> Result<bool>;

    /// Records an event that changes nothing else (a sign-in failure, an export, a read of
    /// the reprisals register).
    async fn record_audit(
        &self,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: Option<String>,
        details: serde_json::Value,
    ) -> Result<()>;

    /// The audit log, newest first.
    async fn audit_log(
        &self,
        filter: &AuditFilter,
        limit: u32,
        offset: u64,
    ) -> Result<Page<AuditEntry>>;

    async fn create_case(&self, actor: &str, reference: &str, seal: Seal) -> Result<i64>;

    async fn update_case(&self, actor: &str, id: i64, seal: Seal) -> Result<()>;

    /// Every case, sealed; the read is audited.
    async fn cases(&self, actor: &str) -> Result<Vec<SealedCase>>;

    /// One case, sealed; the read is audited.
    async fn case(&self, actor: &str, id: i64) -> Result<Option<SealedCase>>;

    /// Replaces the seals of these cases in one transaction (key rotation).
    async fn reseal_cases(&self, actor: &str, seals: Vec<(i64, Seal)>) -> Result<()>;

    /// Publishes (or, with `None`, withdraws) the anonymised aggregate.
    async fn publish_case_summary(&self, actor: &str, summary: Option<String>) -> Result<()>;

    async fn case_summary(&self) -> Result<Option<PublishedSummary>>;

    /// The institutions a recommendation is assigned to (lead or support): what decides
    /// whether a focal point may update it.
    async fn institutions_assigned(
        &self,
        id: rightstrack_core::RecommendationId,
    ) -> Result<Vec<i64>>;
}
