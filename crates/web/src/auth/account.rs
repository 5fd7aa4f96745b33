//! Signing in and out, and one's own account: password, second factor, API tokens.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use rightstrack_auth::{password, token, totp};
use rightstrack_store::accounts::{
    ApiToken, NewApiToken, NewSession, TokenScope, User, UserChange,
};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use super::{local_redirect, set_cookie, Via, Viewer, CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{InternalError, Unauthorized};
use crate::i18n::Ui;
use crate::pages::render;
use crate::{ApiError, AppState};

/// Failed sign-ins in a row before an account locks, and for how long.
const LOCK_AFTER: u32 = 5;
const LOCK_FOR: Duration = Duration::minutes(15);

/// Runs argon2 off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Failed(e.to_string()))
}

/// The argon2id hash of a new password that meets the rules; `context` holds the words it
/// must not be built from (the user's names).
pub(crate) async fn new_password_hash(given: &str, context: &[&str]) -> Result<String, ApiError> {
    password::check_policy(given, context).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let given = given.to_string();
    blocking(move || password::hash(&given))
        .await?
        .map_err(|e| ApiError::Failed(e.to_string()))
}

/// Whether `given` is the signed-in user's current password (asked again before changing
/// the password or turning the second factor off).
async fn is_current_password(app: &AppState, user: &User, given: &str) -> Result<bool, ApiError> {
    let stored = app
        .store
        .credentials(&user.username)
        .await?
        .ok_or_else(|| ApiError::NotFound("user".into()))?
        .password_hash
        .unwrap_or_default();
    let given = given.to_string();
    blocking(move || password::verify(&stored, &given)).await
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    ui: Ui,
    next: String,
    username: String,
    message: String,
    ask_code: bool,
}

#[derive(Deserialize)]
pub struct NextParam {
    #[serde(default)]
    next: String,
}

/// The sign-in form. Anonymous visitors have no session to hold a CSRF token, so the
/// form's token travels in a cookie of its own too (double submit), set here only: the
/// public reading published records get no cookie at all.
pub async fn sign_in_page(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Query(q): Query<NextParam>,
) -> Response {
    if viewer.user.is_some() {
        return local_redirect(if q.next.is_empty() { "/" } else { &q.next });
    }
    let (csrf, fresh) = if viewer.csrf.is_empty() {
        match token::generate() {
            Ok(t) => (t, true),
            Err(e) => return ApiError::Failed(e.to_string()).page(ui),
        }
    } else {
        (viewer.csrf.clone(), false)
    };
    let mut response = render(&SignInPage {
        ui: ui.with_csrf(&csrf),
        next: q.next,
        username: String::new(),
        message: String::new(),
        ask_code: false,
    });
    if let Some(c) = fresh
        .then(|| set_cookie(&app, CSRF_COOKIE, &csrf, 86_400))
        .flatten()
    {
        response.headers_mut().append(SET_COOKIE, c);
    }
    response
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_in(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(form): Form<SignInForm>,
) -> Response {
    let again = |status: axum::http::StatusCode, key: &str, ask_code: bool| {
        let page = SignInPage {
            message: ui.t(key).to_string(),
            ui: ui.clone(),
            next: form.next.clone(),
            username: form.username.clone(),
            ask_code,
        };
        (status, render(&page)).into_response()
    };
    if let Err(wait) = app.limiter.attempt(&viewer.ip, std::time::Instant::now()) {
        tracing::warn!(ip = %viewer.ip, "sign-in rate limit");
        let mut response = again(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "sign_in.too_many",
            false,
        );
        if let Ok(v) = wait.as_secs().max(1).to_string().parse() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        return response;
    }
    match check_credentials(&app, &viewer, &form).await {
        Ok(Outcome::Accepted { user, totp_step }) => {
            match start_session(&app, &viewer, &user, totp_step).await {
                Ok(cookie) => {
                    let mut response = local_redirect(if form.next.is_empty() {
                        "/"
                    } else {
                        &form.next
                    });
                    if let Some(c) = cookie {
                        response.headers_mut().append(SET_COOKIE, c);
                    }
                    response
                }
                Err(e) => e.page(ui.clone()),
            }
        }
        Ok(Outcome::NeedCode) => again(
            axum::http::StatusCode::UNAUTHORIZED,
            "sign_in.need_code",
            true,
        ),
        Ok(Outcome::Locked) => again(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "sign_in.locked",
            false,
        ),
        Ok(Outcome::Refused) => again(
            axum::http::StatusCode::UNAUTHORIZED,
            "sign_in.refused",
            false,
        ),
        Err(e) => e.page(ui.clone()),
    }
}

enum Outcome {
    Accepted {
        user: User,
        totp_step: Option<i64>,
    },
    NeedCode,
    Locked,
    /// Wrong name, wrong password, wrong code or disabled account: one answer for all,
    /// so that nobody learns which names exist.
    Refused,
}

async fn check_credentials(
    app: &AppState,
    viewer: &Viewer,
    form: &SignInForm,
) -> Result<Outcome, ApiError> {
    let found = app.store.credentials(form.username.trim()).await?;
    let Some(creds) = found else {
        // Spend the same time as for a real account.
        let given = form.password.clone();
        blocking(move || password::verify(password::decoy_hash(), &given)).await?;
        app.store
            .record_audit(
                "anonymous",
                "sign_in_failed",
                "user",
                None,
                serde_json::json!({"username": form.username, "ip": viewer.ip, "reason": "unknown user"}),
            )
            .await?;
        return Ok(Outcome::Refused);
    };
    let now = OffsetDateTime::now_utc();
    if creds.locked_until.is_some_and(|until| until > now) {
        return Ok(Outcome::Locked);
    }
    let stored = creds
        .password_hash
        .clone()
        .unwrap_or_else(|| password::decoy_hash().to_string());
    let given = form.password.clone();
    let password_ok = blocking(move || password::verify(&stored, &given)).await?;
    let fail = || async {
        app.store
            .sign_in_failed(creds.user.id, LOCK_AFTER, LOCK_FOR, Some(viewer.ip.clone()))
            .await
            .map(|locked| {
                if locked.is_some() {
                    Outcome::Locked
                } else {
                    Outcome::Refused
                }
            })
    };
    if !password_ok || creds.user.disabled || creds.password_hash.is_none() {
        return Ok(fail().await?);
    }
    let mut totp_step = None;
    if let Some(secret) = &creds.totp_secret {
        if form.code.trim().is_empty() {
            return Ok(Outcome::NeedCode);
        }
        let last = creds.totp_last_step.and_then(|s| u64::try_from(s).ok());
        let unix = u64::try_from(now.unix_timestamp()).unwrap_or_default();
        match totp::verify(secret, &form.code, unix, last)
            .map_err(|e| ApiError::Failed(e.to_string()))?
        {
            Some(step) => totp_step = i64::try_from(step).ok(),
            None => return Ok(fail().await?),
        }
    }
    Ok(Outcome::Accepted {
        user: creds.user,
        totp_step,
    })
}

/// A new session (never one the browser brought: that would allow session fixation), and
/// the cookie that carries it. The session the browser had, if any, ends.
async fn start_session(
    app: &AppState,
    viewer: &Viewer,
    user: &User,
    totp_step: Option<i64>,
) -> Result<Option<axum::http::HeaderValue>, ApiError> {
    if let Via::Session { token_hash } = &viewer.via {
        app.store.end_session(token_hash).await?;
    }
    let secret = token::generate().map_err(|e| ApiError::Failed(e.to_string()))?;
    let csrf = token::generate().map_err(|e| ApiError::Failed(e.to_string()))?;
    let lifetime = Duration::hours(app.config.session_hours);
    app.store
        .signed_in(
            NewSession {
                token_hash: token::digest(&secret),
                user_id: user.id,
                csrf_token: csrf,
                expires_at: OffsetDateTime::now_utc() + lifetime,
                ip: Some(viewer.ip.clone()),
                user_agent: None,
            },
            totp_step,
        )
        .await?;
    Ok(set_cookie(
        app,
        SESSION_COOKIE,
        &secret,
        lifetime.whole_seconds(),
    ))
}

pub async fn sign_out(State(app): State<AppState>, ui: Ui, viewer: Viewer) -> Response {
    if let Via::Session { token_hash } = &viewer.via {
        if let Err(e) = app.store.end_session(token_hash).await {
            return ApiError::from(e).page(ui);
        }
    }
    let mut response = local_redirect("/");
    if let Some(c) = set_cookie(&app, SESSION_COOKIE, "", 0) {
        response.headers_mut().append(SET_COOKIE, c);
    }
    response
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ui: Ui,
    user: User,
    role: String,
    tokens: Vec<ApiToken>,
    notice: String,
    error: String,
    new_token: String,
    totp_secret: String,
    totp_uri: String,
}

impl AccountPage {
    fn date(t: &OffsetDateTime) -> String {
        t.date().to_string()
    }
}

async fn account_page(app: &AppState, ui: Ui, user: &User) -> Result<AccountPage, ApiError> {
    let tokens = app.store.api_tokens(user.id).await?;
    Ok(AccountPage {
        role: ui.role(user.role),
        ui,
        user: user.clone(),
        tokens,
        notice: String::new(),
        error: String::new(),
        new_token: String::new(),
        totp_secret: String::new(),
        totp_uri: String::new(),
    })
}

/// Renders the account page, changed by `edit`, with `status`.
async fn show(
    app: &AppState,
    ui: Ui,
    viewer: &Viewer,
    status: axum::http::StatusCode,
    edit: impl FnOnce(&mut AccountPage),
) -> Response {
    let result = async {
        let user = viewer.user()?;
        let mut page = account_page(app, ui.clone(), user).await?;
        edit(&mut page);
        Ok::<_, ApiError>(page)
    }
    .await;
    match result {
        Ok(page) => (status, render(&page)).into_response(),
        Err(e) => e.page(ui),
    }
}

/// A refused account form: its input problem shown on the account page, anything else as
/// an error page.
async fn refused(app: &AppState, ui: Ui, viewer: &Viewer, e: ApiError) -> Response {
    match e {
        ApiError::BadRequest(m) => {
            show(app, ui, viewer, axum::http::StatusCode::BAD_REQUEST, |p| {
                p.error = m
            })
            .await
        }
        e => e.page(ui),
    }
}

pub async fn account(State(app): State<AppState>, ui: Ui, viewer: Viewer) -> Response {
    show(&app, ui, &viewer, axum::http::StatusCode::OK, |_| {}).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn change_password(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(form): Form<PasswordForm>,
) -> Response {
    let result = async {
        let user = viewer.user()?;
        if !is_current_password(&app, user, &form.current).await? {
            return Err(ApiError::BadRequest(ui.t("account.wrong_password").into()));
        }
        if form.new != form.confirm {
            return Err(ApiError::BadRequest(ui.t("account.mismatch").into()));
        }
        let hash = new_password_hash(&form.new, &[&user.username, &user.display_name]).await?;
        app.store
            .change_user(&user.username, user.id, UserChange::PasswordHash(hash))
            .await?;
        Ok(())
    }
    .await;
    match result {
        // Changing the password ended every session, this one too: sign in again.
        Ok(()) => local_redirect("/sign-in?next=/account"),
        Err(e) => refused(&app, ui, &viewer, e).await,
    }
}

#[derive(Deserialize)]
pub struct TotpForm {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

/// Without a code: shows a new secret to enter in an authenticator app. With the secret
/// and a code from the app: turns the second factor on.
pub async fn totp_setup(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(form): Form<TotpForm>,
) -> Response {
    let Ok(user) = viewer.user() else {
        return ApiError::Unauthorized("sign in first".into()).page(ui);
    };
    if form.code.trim().is_empty() || form.secret.is_empty() {
        let secret = match totp::new_secret() {
            Ok(s) => s,
            Err(e) => return ApiError::Failed(e.to_string()).page(ui),
        };
        let uri = totp::provisioning_uri(&secret, &user.username, "rightstrack");
        return show(&app, ui, &viewer, axum::http::StatusCode::OK, |p| {
            p.totp_secret = secret;
            p.totp_uri = uri;
        })
        .await;
    }
    let unix = u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap_or_default();
    match totp::verify(&form.secret, &form.code, unix, None) {
        Ok(Some(_)) => {
            let change = UserChange::Totp(Some(form.secret.clone()));
            match app.store.change_user(&user.username, user.id, change).await {
                Ok(()) => {
                    let notice = ui.t("account.totp_on").to_string();
                    show(&app, ui, &viewer, axum::http::StatusCode::OK, |p| {
                        p.notice = notice
                    })
                    .await
                }
                Err(e) => ApiError::from(e).page(ui),
            }
        }
        Ok(None) | Err(_) => {
            let error = ui.t("account.totp_wrong_code").to_string();
            let uri = totp::provisioning_uri(&form.secret, &user.username, "rightstrack");
            show(
                &app,
                ui,
                &viewer,
                axum::http::StatusCode::BAD_REQUEST,
                |p| {
                    p.error = error;
                    p.totp_secret = form.secret.clone();
                    p.totp_uri = uri;
                },
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    password: String,
}

pub async fn totp_disable(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let result = async {
        let user = viewer.user()?;
        if !is_current_password(&app, user, &form.password).await? {
            return Err(ApiError::BadRequest(ui.t("account.wrong_password").into()));
        }
        app.store
            .change_user(&user.username, user.id, UserChange::Totp(None))
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => local_redirect("/account"),
        Err(e) => refused(&app, ui, &viewer, e).await,
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    scope: String,
    /// Days until it expires; empty for never.
    #[serde(default)]
    days: String,
}

pub async fn create_token(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(form): Form<TokenForm>,
) -> Response {
    let result = async {
        let user = viewer.user()?;
        let name = form.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::BadRequest(ui.t("account.token_name_needed").into()));
        }
        let scope = TokenScope::parse(&form.scope).ok_or_else(|| {
            ApiError::BadRequest(format!("scope {:?}: expected read or write", form.scope))
        })?;
        let expires_at = match form.days.trim() {
            "" => None,
            d => Some(
                d.parse::<i64>()
                    .ok()
                    .filter(|d| (1..=3650).contains(d))
                    .map(|d| OffsetDateTime::now_utc() + Duration::days(d))
                    .ok_or_else(|| ApiError::BadRequest(format!("days {d:?}: expected a number from 1 to 3650, or nothing for a token that does not expire")))?,
            ),
        };
        let (plain, hashed) = token::generate_api_token().map_err(|e| ApiError::Failed(e.to_string()))?;
        app.store
            .create_api_token(
                &user.username,
                NewApiToken {
                    user_id: user.id,
                    name: name.to_string(),
                    token_hash: hashed,
                    scope,
                    expires_at,
                },
            )
            .await?;
        Ok(plain)
    }
    .await;
    match result {
        Ok(plain) => {
            show(&app, ui, &viewer, axum::http::StatusCode::OK, |p| {
                p.new_token = plain
            })
            .await
        }
        Err(e) => refused(&app, ui, &viewer, e).await,
    }
}

pub async fn revoke_token(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Response {
    let result = async {
        let user = viewer.user()?;
        // Only one's own tokens: another user's id is simply not found.
        if !app
            .store
            .revoke_api_token(&user.username, user.id, id)
            .await?
        {
            return Err(ApiError::NotFound(format!("API token {id}")));
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => local_redirect("/account"),
        Err(e) => e.page(ui),
    }
}

/// The account the request is made as.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    security(("token" = [])),
    responses(
        (status = 200, description = "The user the token or session belongs to", body = crate::schema::UserSchema),
        (status = 401, response = Unauthorized),
        (status = 500, response = InternalError),
    ))]
pub async fn me(viewer: Viewer) -> Result<Json<User>, ApiError> {
    Ok(Json(viewer.user()?.clone()))
}
