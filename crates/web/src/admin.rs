//! Administration: accounts and the audit log (administrators only, by the route table).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Form;
use rightstrack_core::{AuditEntry, Role};
use rightstrack_store::accounts::{AuditFilter, NewUser, User, UserChange};
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

use crate::auth::account::new_password_hash;
use crate::auth::{local_redirect, Viewer};
use crate::i18n::Ui;
use crate::pages::render;
use crate::{ApiError, AppState};

const AUDIT_PAGE: u32 = 100;

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    ui: Ui,
    users: Vec<(User, String)>,
    roles: Vec<(&'static str, String)>,
    error: String,
}

async fn users_page(app: &AppState, ui: Ui, error: String) -> Result<UsersPage, ApiError> {
    let users = app
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| {
            let role = ui.role(u.role);
            (u, role)
        })
        .collect();
    let roles = Role::ALL.iter().map(|r| (r.code(), ui.role(*r))).collect();
    Ok(UsersPage {
        ui,
        users,
        roles,
        error,
    })
}

pub async fn users(State(app): State<AppState>, ui: Ui) -> Response {
    match users_page(&app, ui.clone(), String::new()).await {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

fn institution(value: &str) -> Result<Option<i64>, ApiError> {
    match value.trim() {
        "" => Ok(None),
        v => v.parse::<i64>().map(Some).map_err(|_| {
            ApiError::BadRequest(format!(
                "institution {v:?}: expected an institution's number"
            ))
        }),
    }
}

fn role(value: &str) -> Result<Role, ApiError> {
    Role::parse(value).map_err(|e| ApiError::BadRequest(e.to_string()))
}

#[derive(Deserialize)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    institution: String,
    password: String,
}

/// Checks a new user name: letters, digits and `._-@`, 2 to 64 characters.
pub fn valid_username(name: &str) -> bool {
    (2..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

pub async fn create_user(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(form): Form<NewUserForm>,
) -> Response {
    let result = async {
        let username = form.username.trim().to_string();
        if !valid_username(&username) {
            return Err(ApiError::BadRequest(ui.t("admin.bad_username").into()));
        }
        let role = role(&form.role)?;
        let institution_id = institution(&form.institution)?;
        let hash = new_password_hash(&form.password, &[&username, &form.display_name]).await?;
        let display_name = match form.display_name.trim() {
            "" => username.clone(),
            d => d.to_string(),
        };
        app.store
            .create_user(
                viewer.actor(),
                NewUser {
                    username,
                    display_name,
                    password_hash: hash,
                    role,
                    institution_id,
                },
            )
            .await
            .map_err(|e| match e {
                rightstrack_store::StoreError::Invalid(m) => ApiError::BadRequest(m),
                other => other.into(),
            })?;
        Ok(())
    }
    .await;
    after(&app, ui, result).await
}

#[derive(Deserialize)]
pub struct UserForm {
    /// `role`, `disable`, `enable` or `password`.
    change: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    password: String,
}

pub async fn update_user(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> Response {
    let result = async {
        let me = viewer.user()?;
        let target = app
            .store
            .user(id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
        let change = match form.change.as_str() {
            "role" => UserChange::Role {
                role: role(&form.role)?,
                institution_id: institution(&form.institution)?,
            },
            "disable" => UserChange::Disabled(true),
            "enable" => UserChange::Disabled(false),
            "password" => UserChange::PasswordHash(
                new_password_hash(&form.password, &[&target.username, &target.display_name])
                    .await?,
            ),
            other => {
                return Err(ApiError::BadRequest(format!(
                    "change {other:?}: expected role, disable, enable or password"
                )))
            }
        };
        // An administrator cannot lock themselves out.
        if target.id == me.id
            && matches!(change, UserChange::Disabled(true) | UserChange::Role { .. })
        {
            return Err(ApiError::BadRequest(ui.t("admin.not_yourself").into()));
        }
        app.store.change_user(viewer.actor(), id, change).await?;
        Ok(())
    }
    .await;
    after(&app, ui, result).await
}

async fn after(app: &AppState, ui: Ui, result: Result<(), ApiError>) -> Response {
    match result {
        Ok(()) => local_redirect("/admin/users"),
        Err(ApiError::BadRequest(m)) => match users_page(app, ui.clone(), m).await {
            Ok(page) => (axum::http::StatusCode::BAD_REQUEST, render(&page)).into_response(),
            Err(e) => e.page(ui),
        },
        Err(e) => e.page(ui),
    }
}

/// The audit log's filters as the query string gives them.
#[derive(Default)]
struct AuditQuery {
    filter: AuditFilter,
    page: u64,
    /// The query without `page`, for links.
    base: String,
}

fn day(value: &str, name: &str) -> Result<Date, ApiError> {
    Date::parse(value, format_description!("[year]-[month]-[day]")).map_err(|_| {
        ApiError::BadRequest(format!("{name} {value:?}: expected a date as YYYY-MM-DD"))
    })
}

impl AuditQuery {
    fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut q = AuditQuery {
            page: 1,
            ..Default::default()
        };
        let mut base = form_urlencoded::Serializer::new(String::new());
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.trim().to_string();
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "actor" => q.filter.actor = Some(value.clone()),
                "action" => q.filter.action = Some(value.clone()),
                "entity" => q.filter.entity = Some(value.clone()),
                "entity_id" => q.filter.entity_id = Some(value.clone()),
                "since" => q.filter.since = Some(day(&value, "since")?.with_time(Time::MIDNIGHT).assume_utc()),
                "until" => {
                    let end = day(&value, "until")?.next_day().unwrap_or(Date::MAX);
                    q.filter.until = Some(end.with_time(Time::MIDNIGHT).assume_utc());
                }
                "page" => {
                    q.page = value.parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
                        ApiError::BadRequest("page: expected a number from 1".into())
                    })?;
                    continue;
                }
                "lang" => continue,
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown parameter {other:?}: use actor, action, entity, entity_id, since, until or page"
                    )))
                }
            }
            base.append_pair(&key, &value);
        }
        q.base = base.finish();
        Ok(q)
    }

    fn value(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    ui: Ui,
    entries: Vec<AuditEntry>,
    total: u64,
    page: u64,
    pages: u64,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    base: String,
}

impl AuditPage {
    fn when(&self, t: &OffsetDateTime) -> String {
        t.format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
    }
}

pub async fn audit(State(app): State<AppState>, ui: Ui, RawQuery(raw): RawQuery) -> Response {
    let result = async {
        let q = AuditQuery::parse(raw.as_deref())?;
        let offset = (q.page - 1).saturating_mul(u64::from(AUDIT_PAGE));
        let log = app.store.audit_log(&q.filter, AUDIT_PAGE, offset).await?;
        Ok::<_, ApiError>(AuditPage {
            ui: ui.clone(),
            pages: log.total.div_ceil(u64::from(AUDIT_PAGE)).max(1),
            total: log.total,
            entries: log.items,
            page: q.page,
            actor: AuditQuery::value(&q.filter.actor),
            action: AuditQuery::value(&q.filter.action),
            entity: AuditQuery::value(&q.filter.entity),
            entity_id: AuditQuery::value(&q.filter.entity_id),
            base: q.base,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

/// The filtered audit log as CSV, all of it; the export itself is logged.
pub async fn audit_export(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = AuditQuery::parse(raw.as_deref())?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let write_err = |e: csv::Error| ApiError::Failed(e.to_string());
    out.write_record([
        "id",
        "at",
        "actor",
        "action",
        "entity",
        "entity_id",
        "details",
    ])
    .map_err(write_err)?;
    let mut offset = 0;
    loop {
        let page = app.store.audit_log(&q.filter, 5000, offset).await?;
        for e in &page.items {
            let at =
                e.at.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
            out.write_record([
                e.id.to_string().as_str(),
                &at,
                &e.actor,
                &e.action,
                &e.entity,
                e.entity_id.as_deref().unwrap_or(""),
                &e.details,
            ])
            .map_err(write_err)?;
        }
        offset += page.items.len() as u64;
        if page.items.is_empty() || offset >= page.total {
            break;
        }
    }
    let body = out
        .into_inner()
        .map_err(|e| ApiError::Failed(e.to_string()))?;
    app.store
        .record_audit(
            viewer.actor(),
            "export",
            "audit_log",
            None,
            serde_json::json!({"query": q.base, "rows": offset}),
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
