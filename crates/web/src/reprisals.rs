//! The reprisals register (its officer only, by the route table): cases sealed with the
//! key the server was given, opened only here, each read recorded in the audit log. The
//! public sees nothing of it but the aggregate an officer chose to publish.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use rightstrack_auth::sealed::Key;
use rightstrack_core::reprisals::{CaseStatus, ReprisalCase, ReprisalKind, Summary};
use rightstrack_store::accounts::{Seal, SealedCase};
use serde::Deserialize;
use time::macros::format_description;
use time::Date;

use crate::auth::{local_redirect, Viewer};
use crate::i18n::Ui;
use crate::pages::render;
use crate::{ApiError, AppState};

fn key(app: &AppState) -> Result<Arc<Key>, ApiError> {
    app.config.reprisals_key.clone().ok_or_else(|| {
        ApiError::Unavailable(
            "the reprisals register is closed: the server has no key (set RIGHTSTRACK_REPRISALS_KEY_FILE; see docs/security.md)".into(),
        )
    })
}

fn seal(key: &Key, reference: &str, case: &ReprisalCase) -> Result<Seal, ApiError> {
    let plain = serde_json::to_vec(case).map_err(|e| ApiError::Failed(e.to_string()))?;
    let sealed = key
        .seal(&plain, &ReprisalCase::binding(reference))
        .map_err(|e| ApiError::Failed(e.to_string()))?;
    Ok(Seal {
        key_id: sealed.key_id,
        nonce: sealed.nonce,
        ciphertext: sealed.ciphertext,
    })
}

/// Opens a stored case with `key`.
pub fn open(key: &Key, stored: &SealedCase) -> Result<ReprisalCase, ApiError> {
    let sealed = rightstrack_auth::sealed::Sealed {
        key_id: stored.key_id.clone(),
        nonce: stored.nonce.clone(),
        ciphertext: stored.ciphertext.clone(),
    };
    let plain = key
        .open(&sealed, &ReprisalCase::binding(&stored.reference))
        .map_err(|e| ApiError::Failed(format!("reprisal case {}: {e}", stored.id)))?;
    serde_json::from_slice(&plain).map_err(|e| ApiError::Failed(e.to_string()))
}

/// The case form's values, for the shared `reprisal_fields.html`: empty for a new case,
/// the case's own when editing.
trait CaseFields {
    fn current(&self) -> Option<&ReprisalCase>;

    fn date_value(&self) -> String {
        self.current()
            .map(|c| c.date.to_string())
            .unwrap_or_default()
    }

    fn is_kind(&self, code: &str) -> bool {
        self.current().is_some_and(|c| c.kind.code() == code)
    }

    fn is_status(&self, code: &str) -> bool {
        self.current().is_some_and(|c| c.status.code() == code)
    }

    fn text(&self, field: &str) -> String {
        let Some(c) = self.current() else {
            return String::new();
        };
        match field {
            "affected" => c.affected.clone(),
            "session" => c.session.map(|s| s.to_string()).unwrap_or_default(),
            "recommendations" => c
                .recommendation_ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            "submission" => c.submission.clone(),
            "actions_taken" => c.actions_taken.clone(),
            _ => String::new(),
        }
    }

    fn flag(&self, which: &str) -> bool {
        self.current().is_some_and(|c| match which {
            "ohchr" => c.referred_to_ohchr,
            _ => c.referred_to_hrc_president,
        })
    }
}

struct CaseRow {
    id: i64,
    date: String,
    kind: String,
    status: String,
    affected: String,
    referred: bool,
}

#[derive(Template)]
#[template(path = "reprisals.html")]
struct RegisterPage {
    ui: Ui,
    cases: Vec<CaseRow>,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    published: String,
}

impl CaseFields for RegisterPage {
    fn current(&self) -> Option<&ReprisalCase> {
        None
    }
}

pub async fn register(State(app): State<AppState>, ui: Ui, viewer: Viewer) -> Response {
    let result = async {
        let key = key(&app)?;
        let stored = app.store.cases(viewer.actor()).await?;
        let mut cases = Vec::with_capacity(stored.len());
        for s in &stored {
            let c = open(&key, s)?;
            cases.push(CaseRow {
                id: s.id,
                date: c.date.to_string(),
                kind: c.kind.label().to_string(),
                status: c.status.label().to_string(),
                affected: c.affected,
                referred: c.referred_to_ohchr || c.referred_to_hrc_president,
            });
        }
        let published = app
            .store
            .case_summary()
            .await?
            .map(|s| s.published_at.date().to_string())
            .unwrap_or_default();
        Ok::<_, ApiError>(RegisterPage {
            ui: ui.clone(),
            cases,
            kinds: ReprisalKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            statuses: CaseStatus::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            published,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

#[derive(Deserialize)]
pub struct CaseForm {
    date: String,
    kind: String,
    affected: String,
    #[serde(default)]
    session: String,
    #[serde(default)]
    recommendations: String,
    #[serde(default)]
    submission: String,
    status: String,
    #[serde(default)]
    actions_taken: String,
    #[serde(default)]
    referred_to_ohchr: Option<String>,
    #[serde(default)]
    referred_to_hrc_president: Option<String>,
}

impl CaseForm {
    fn case(&self) -> Result<ReprisalCase, ApiError> {
        let bad = |m: String| ApiError::BadRequest(m);
        let text = |v: &str, what: &str| -> Result<String, ApiError> {
            let v = v.trim();
            if v.chars().count() > 10_000 {
                return Err(bad(format!("{what}: at most 10,000 characters")));
            }
            Ok(v.to_string())
        };
        let affected = text(&self.affected, "affected")?;
        if affected.is_empty() {
            return Err(bad(
                "affected: describe, anonymised, who was affected".into()
            ));
        }
        Ok(ReprisalCase {
            date: Date::parse(
                self.date.trim(),
                format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| bad(format!("date {:?}: expected YYYY-MM-DD", self.date)))?,
            kind: ReprisalKind::parse(&self.kind).map_err(|e| bad(e.to_string()))?,
            affected,
            session: match self.session.trim() {
                "" => None,
                s => Some(
                    s.parse::<u16>()
                        .ok()
                        .filter(|n| (1..=200).contains(n))
                        .ok_or_else(|| {
                            bad(format!("session {s:?}: expected a UPR session number"))
                        })?,
                ),
            },
            recommendation_ids: self
                .recommendations
                .split([',', ' ', ';'])
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<i64>().map_err(|_| {
                        bad(format!(
                            "recommendations: {s:?} is not a recommendation number"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
            submission: text(&self.submission, "submission")?,
            status: CaseStatus::parse(&self.status).map_err(|e| bad(e.to_string()))?,
            actions_taken: text(&self.actions_taken, "actions taken")?,
            referred_to_ohchr: self.referred_to_ohchr.is_some(),
            referred_to_hrc_president: self.referred_to_hrc_president.is_some(),
        })
    }
}

pub async fn create(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(form): Form<CaseForm>,
) -> Response {
    let result = async {
        let key = key(&app)?;
        let case = form.case()?;
        let reference =
            rightstrack_auth::token::generate().map_err(|e| ApiError::Failed(e.to_string()))?;
        let sealed = seal(&key, &reference, &case)?;
        Ok::<_, ApiError>(
            app.store
                .create_case(viewer.actor(), &reference, sealed)
                .await?,
        )
    }
    .await;
    match result {
        Ok(id) => local_redirect(&format!("/reprisals/{id}")),
        Err(e) => e.page(ui),
    }
}

#[derive(Template)]
#[template(path = "reprisal_case.html")]
struct CasePage {
    ui: Ui,
    id: i64,
    case: ReprisalCase,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
}

impl CaseFields for CasePage {
    fn current(&self) -> Option<&ReprisalCase> {
        Some(&self.case)
    }
}

pub async fn case(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Response {
    let result = async {
        let key = key(&app)?;
        let stored = app
            .store
            .case(viewer.actor(), id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("reprisal case {id}")))?;
        let case = open(&key, &stored)?;
        Ok::<_, ApiError>(CasePage {
            ui: ui.clone(),
            id,
            case,
            kinds: ReprisalKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            statuses: CaseStatus::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
        })
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

pub async fn update(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CaseForm>,
) -> Response {
    let result = async {
        let key = key(&app)?;
        let stored = app
            .store
            .case(viewer.actor(), id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("reprisal case {id}")))?;
        let case = form.case()?;
        let sealed = seal(&key, &stored.reference, &case)?;
        app.store.update_case(viewer.actor(), id, sealed).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => local_redirect(&format!("/reprisals/{id}")),
        Err(e) => e.page(ui),
    }
}

#[derive(Deserialize)]
pub struct PublishForm {
    /// `yes` publishes the current aggregate; `no` withdraws it.
    publish: String,
}

pub async fn publish_summary(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(form): Form<PublishForm>,
) -> Response {
    let result = async {
        let summary = match form.publish.as_str() {
            "yes" => {
                let key = key(&app)?;
                let cases = app
                    .store
                    .cases(viewer.actor())
                    .await?
                    .iter()
                    .map(|s| open(&key, s))
                    .collect::<Result<Vec<_>, _>>()?;
                Some(
                    serde_json::to_string(&Summary::of(&cases))
                        .map_err(|e| ApiError::Failed(e.to_string()))?,
                )
            }
            "no" => None,
            other => {
                return Err(ApiError::BadRequest(format!(
                    "publish {other:?}: expected yes or no"
                )))
            }
        };
        app.store
            .publish_case_summary(viewer.actor(), summary)
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => local_redirect("/reprisals"),
        Err(e) => e.page(ui),
    }
}

#[derive(Template)]
#[template(path = "reprisals_summary.html")]
struct SummaryPage {
    ui: Ui,
    summary: Option<Summary>,
    published_at: String,
}

/// The published aggregate, for everyone.
pub async fn summary(State(app): State<AppState>, ui: Ui) -> Response {
    let result = async {
        let Some(published) = app.store.case_summary().await? else {
            return Ok::<_, ApiError>((None, String::new()));
        };
        let summary: Summary = serde_json::from_str(&published.summary)
            .map_err(|e| ApiError::Failed(e.to_string()))?;
        Ok((Some(summary), published.published_at.date().to_string()))
    }
    .await;
    match result {
        Ok((summary, published_at)) => render(&SummaryPage {
            ui,
            summary,
            published_at,
        })
        .into_response(),
        Err(e) => e.page(ui),
    }
}
