//! A small secured world: published and draft recommendations, institutions, one user per
//! role with a write token, a reprisals key, and helpers to send any request.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use rightstrack_auth::{password, sealed::Key, token};
use rightstrack_core::{
    ActionKind, InstitutionKind, Mechanism, NewRecommendation, Position, ReportingSchedule, Role,
    Session, StateCode,
};
use rightstrack_store::accounts::{NewApiToken, NewUser, TokenScope};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{
    ImportBatch, NewAction, NewIndicator, NewInstitution, PageRequest, RecommendationFilter,
};
use rightstrack_web::auth::SignInLimiter;
use rightstrack_web::{router, AppState, WebConfig};
use tower::ServiceExt;

use super::Error;

pub const PASSWORD: &str = "violet tractor umbrella 42";
pub const DRAFT_TEXT: &str = "DRAFT-ONLY: establish a register of places of detention";

pub struct World {
    pub app: axum::Router,
    pub db: TestDb,
    /// A write token per role, by role code.
    pub tokens: HashMap<&'static str, String>,
    pub user_ids: HashMap<&'static str, i64>,
    /// Published, assigned to the focal point's ministry.
    pub assigned: i64,
    /// Published, assigned to nobody.
    pub unassigned: i64,
    pub draft: i64,
    /// A user no test signs in as, for administrators to change.
    pub spare_user: i64,
    pub ministry: i64,
    pub other_cso: i64,
    /// The ministry's action for `assigned`, with one annual indicator.
    pub action: i64,
    pub indicator: i64,
    /// The file of the SQLite database.
    pub path: std::path::PathBuf,
}

fn rec(text: &str, session: u16) -> Result<NewRecommendation, Error> {
    let mut r = NewRecommendation::new(Mechanism::Upr, StateCode::parse("SVN")?, text)
        .with_session(Session::new(session)?);
    r.recommending_states = vec![StateCode::parse("FRA")?];
    r.position = Some(Position::Supported);
    Ok(r)
}

/// The organisation each role's user acts for.
fn institution_kind(role: Role) -> Option<InstitutionKind> {
    match role {
        Role::FocalPoint => Some(InstitutionKind::Ministry),
        Role::Nhri => Some(InstitutionKind::Nhri),
        Role::Cso => Some(InstitutionKind::Cso),
        Role::Un => Some(InstitutionKind::UnEntity),
        Role::Parliament => Some(InstitutionKind::ParliamentCommittee),
        _ => None,
    }
}

impl World {
    pub async fn new() -> Result<Self, Error> {
        Self::with_limiter(SignInLimiter::new(
            1000,
            std::time::Duration::from_secs(300),
        ))
        .await
    }

    pub async fn with_limiter(limiter: SignInLimiter) -> Result<Self, Error> {
        let db = TestDb::sqlite().await?;
        let store = db.store.clone();
        store
            .import(ImportBatch {
                actor: "test".into(),
                source: "fixture".into(),
                recommendations: vec![
                    rec(
                        "Ratify the Optional Protocol to the Convention against Torture",
                        20,
                    )?,
                    rec("Abolish the death penalty in law", 20)?,
                    rec(DRAFT_TEXT, 34)?,
                ],
                ..Default::default()
            })
            .await?;
        let all = store
            .recommendations(&RecommendationFilter::default(), PageRequest::default())
            .await?
            .items;
        let id_of = |prefix: &str| {
            all.iter()
                .find(|r| r.text.starts_with(prefix))
                .map(|r| r.id)
                .ok_or(format!("fixture lacks {prefix}"))
        };
        let (assigned, unassigned, draft) = (id_of("Ratify")?, id_of("Abolish")?, id_of("DRAFT")?);
        for id in [assigned, unassigned] {
            let filter = RecommendationFilter {
                id: Some(id),
                ..Default::default()
            };
            store.publish("test", &filter, true).await?;
        }
        let institution = |name: &str, kind| NewInstitution {
            name: name.into(),
            kind,
            parent_id: None,
            contact_name: None,
            contact_email: None,
        };
        let hash = password::hash(PASSWORD)?;
        let (mut tokens, mut user_ids) = (HashMap::new(), HashMap::new());
        let mut ministry = 0;
        for role in Role::ALL {
            let institution_id = match institution_kind(*role) {
                Some(kind) => {
                    let id = store
                        .create_institution(
                            "test",
                            institution(&format!("{} org", role.code()), kind),
                        )
                        .await?;
                    if *role == Role::FocalPoint {
                        ministry = id;
                    }
                    Some(id)
                }
                None => None,
            };
            let user = store
                .create_user(
                    "test",
                    NewUser {
                        username: role.code().to_string(),
                        display_name: format!("{} user", role.label()),
                        password_hash: hash.clone(),
                        role: *role,
                        institution_id,
                    },
                )
                .await?;
            let (plain, hashed) = token::generate_api_token()?;
            store
                .create_api_token(
                    "test",
                    NewApiToken {
                        user_id: user,
                        name: "tests".into(),
                        token_hash: hashed,
                        scope: TokenScope::Write,
                        expires_at: None,
                    },
                )
                .await?;
            tokens.insert(role.code(), plain);
            user_ids.insert(role.code(), user);
        }
        let other_cso = store
            .create_institution("test", institution("Another CSO", InstitutionKind::Cso))
            .await?;
        let spare_user = store
            .create_user(
                "test",
                NewUser {
                    username: "spare".into(),
                    display_name: "Spare".into(),
                    password_hash: hash,
                    role: Role::Viewer,
                    institution_id: None,
                },
            )
            .await?;
        let path = std::path::PathBuf::from(
            db.url
                .strip_prefix("sqlite://")
                .ok_or("the test database is SQLite")?,
        );
        // Assignments are written by the tracking features; the test writes one directly.
        let conn = r2d2_sqlite::rusqlite::Connection::open(&path)?;
        conn.execute(
            "INSERT INTO assignments (recommendation_id, institution_id, role) VALUES (?1, ?2, 'lead')",
            [assigned.0, ministry],
        )?;
        drop(conn);
        let action = store
            .create_action(
                "test",
                NewAction {
                    institution_id: Some(ministry),
                    ..NewAction::planned(
                        "Ratification bill",
                        ActionKind::Ratification,
                        vec![assigned],
                    )
                },
            )
            .await?;
        let indicator = store
            .add_indicator(
                "test",
                NewIndicator {
                    action_id: action,
                    name: "Bills tabled".into(),
                    unit: "bills".into(),
                    baseline: Some(0.0),
                    target: Some(1.0),
                    schedule: ReportingSchedule::Annual,
                    start: time::macros::date!(2025 - 01 - 01),
                    end: time::macros::date!(2027 - 01 - 01),
                },
            )
            .await?;
        let config = WebConfig {
            reprisals_key: Some(Arc::new(Key::from_base64(&Key::generate()?)?)),
            ..Default::default()
        };
        let mut state = AppState::with_config(store, config).await?;
        state.limiter = Arc::new(limiter);
        Ok(Self {
            app: router(state),
            db,
            tokens,
            user_ids,
            assigned: assigned.0,
            unassigned: unassigned.0,
            draft: draft.0,
            spare_user,
            ministry,
            other_cso,
            action,
            indicator,
            path,
        })
    }

    pub fn token(&self, role: &str) -> Result<&str, Error> {
        Ok(self
            .tokens
            .get(role)
            .ok_or(format!("no token for {role}"))?)
    }

    pub async fn send(&self, request: Request<Body>) -> Result<Response, Error> {
        Ok(self.app.clone().oneshot(request).await?)
    }

    /// A request as `role` (by its API token), or anonymous with `None`.
    pub fn request(
        &self,
        method: &str,
        uri: &str,
        role: Option<&str>,
        body: Body,
        content_type: Option<&str>,
    ) -> Result<Request<Body>, Error> {
        let mut r = Request::builder().method(method).uri(uri);
        if let Some(role) = role {
            r = r.header("authorization", format!("Bearer {}", self.token(role)?));
        }
        if let Some(ct) = content_type {
            r = r.header("content-type", ct);
        }
        Ok(r.body(body)?)
    }
}

/// The value of the cookie `name` a response sets.
pub fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
}

/// The value of the first `<input name="csrf" value="…">` of a page.
pub fn csrf_field(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(page[at..].split('"').next()?.to_string())
}

pub fn is_denied(response: &Response) -> bool {
    let status = response.status();
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || (status == StatusCode::SEE_OTHER
            && response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .is_some_and(|l| l.starts_with("/sign-in")))
}
