//! Who is asking, and whether they may. Every request passes [`authenticate`], which finds
//! the [`Viewer`] (a browser session, an API token, or an anonymous visitor) and refuses
//! state-changing requests that lack the CSRF token; every route then passes [`require`]
//! with the one [`Permission`] the route table gives it. Templates only hide what a
//! viewer may not do; they never decide.

pub mod account;
mod limit;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rightstrack_auth::token;
use rightstrack_core::Permission;
use rightstrack_store::accounts::{TokenScope, User};

pub use limit::SignInLimiter;

use crate::i18n::Ui;
use crate::{ApiError, AppState};

pub const SESSION_COOKIE: &str = "rt_session";
/// Carries the CSRF token of visitors without a session (the sign-in form).
pub const CSRF_COOKIE: &str = "rt_csrf";
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Form bodies read to find the CSRF token; larger ones are refused.
pub const MAX_FORM_BYTES: usize = 1 << 20;

/// How the viewer proved who they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    Anonymous,
    /// A browser session; the hash identifies it in the store.
    Session {
        token_hash: String,
    },
    Token {
        scope: TokenScope,
    },
}

/// The one asking: a user or nobody, and the CSRF token their forms carry.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: Option<User>,
    pub via: Via,
    pub csrf: String,
    /// The client's address, for rate limits and the audit log.
    pub ip: String,
}

impl Viewer {
    pub fn anonymous(csrf: String) -> Self {
        Self {
            user: None,
            via: Via::Anonymous,
            csrf,
            ip: String::new(),
        }
    }

    /// The route-level decision, in one place: the role's permissions, narrowed by a
    /// read-only token's scope.
    pub fn allows(&self, permission: Permission) -> bool {
        match &self.user {
            None => permission.is_public(),
            Some(user) => {
                let scoped_out = self.via
                    == Via::Token {
                        scope: TokenScope::Read,
                    }
                    && permission.writes();
                !scoped_out && user.role.allows(permission)
            }
        }
    }

    /// Drafts, unpublished assessments and everything not public.
    pub fn sees_drafts(&self) -> bool {
        self.allows(Permission::ReadRegistry)
    }

    /// The name the audit log records.
    pub fn actor(&self) -> &str {
        self.user
            .as_ref()
            .map_or("anonymous", |u| u.username.as_str())
    }

    /// The user, or the error for a request that needs one.
    pub fn user(&self) -> Result<&User, ApiError> {
        self.user
            .as_ref()
            .ok_or_else(|| ApiError::Unauthorized("sign in first".into()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .unwrap_or_else(|| Viewer::anonymous(String::new())))
    }
}

/// The value of the cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the attributes every cookie of ours has.
pub fn set_cookie(app: &AppState, name: &str, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if app.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .ok()
}

/// The client's address, for rate limits and the audit log: the peer, or the first
/// `X-Forwarded-For` hop when the server is configured to trust its proxy.
fn client_ip(app: &AppState, parts_headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if app.config.trust_proxy {
        if let Some(forwarded) = parts_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return forwarded.trim().to_string();
        }
    }
    peer.map_or_else(|| "unknown".to_string(), |p| p.ip().to_string())
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Middleware: finds the viewer and checks the CSRF token of state-changing requests.
pub async fn authenticate(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let api = is_api(request.uri().path());
    let ui = request
        .extensions()
        .get::<Ui>()
        .cloned()
        .unwrap_or_default();
    let fail = |e: ApiError| {
        if api {
            e.into_response()
        } else {
            e.page(ui.clone())
        }
    };
    let presented = Presented::read(request.headers());
    let viewer = match viewer_for(&app, presented).await {
        Ok(found) => found,
        Err(e) => return fail(e),
    };
    // A change asked of the API by no one: the answer is "give a token" (401), which the
    // CSRF check's 403 would hide.
    if api && viewer.user.is_none() && !is_safe(request.method()) {
        return fail(ApiError::Unauthorized(
            "this needs an API token: Authorization: Bearer rt_…".into(),
        ));
    }
    let mut request = match check_csrf(&viewer, request).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut viewer = viewer;
    viewer.ip = client_ip(&app, request.headers(), peer(request.extensions()));
    request.extensions_mut().insert(viewer);
    next.run(request).await
}

/// The credentials a request carries, read from its headers before anything is awaited
/// (so that no header map is held, or copied, across the store's calls).
struct Presented {
    /// The digest of an API token, or why the Authorization header is unusable.
    bearer: Option<Result<String, ApiError>>,
    /// The digest of the session cookie.
    session: Option<String>,
    /// The anonymous visitor's CSRF cookie, if well formed.
    csrf: String,
}

impl Presented {
    fn read(headers: &HeaderMap) -> Self {
        let bearer = headers.get(AUTHORIZATION).map(|auth| {
            auth.to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(|t| token::digest(t.trim()))
                .ok_or_else(|| {
                    ApiError::Unauthorized(
                        "the Authorization header must be `Bearer <token>`".into(),
                    )
                })
        });
        Self {
            bearer,
            session: cookie(headers, SESSION_COOKIE).map(token::digest),
            // Anonymous visitors get no cookie unless they open the sign-in form (which
            // sets it).
            csrf: cookie(headers, CSRF_COOKIE)
                .filter(|v| (32..=64).contains(&v.len()))
                .unwrap_or_default()
                .to_string(),
        }
    }
}

/// The viewer: by API token, else by session cookie, else anonymous.
async fn viewer_for(app: &AppState, presented: Presented) -> Result<Viewer, ApiError> {
    if let Some(bearer) = presented.bearer {
        let (token, user) = app.store.api_token(&bearer?).await?.ok_or_else(|| {
            ApiError::Unauthorized("the API token is not valid, or was revoked or expired".into())
        })?;
        return Ok(Viewer {
            user: Some(user),
            via: Via::Token { scope: token.scope },
            csrf: String::new(),
            ip: String::new(),
        });
    }
    if let Some(token_hash) = presented.session {
        if let Some(session) = app.store.session(&token_hash).await? {
            return Ok(Viewer {
                user: Some(session.user),
                via: Via::Session { token_hash },
                csrf: session.csrf_token,
                ip: String::new(),
            });
        }
    }
    Ok(Viewer::anonymous(presented.csrf))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a state-changing request from a browser unless it carries the viewer's CSRF
/// token (header, or form field). API tokens are not sent by browsers on their own, so
/// requests made with one need no CSRF token.
async fn check_csrf(viewer: &Viewer, request: Request) -> Result<Request, ApiError> {
    if is_safe(request.method()) || matches!(viewer.via, Via::Token { .. }) {
        return Ok(request);
    }
    let expected = viewer.csrf.as_str();
    let refused = || {
        ApiError::Forbidden(
            "this form has expired or did not come from this site (CSRF check): reload the page and try again".into(),
        )
    };
    if expected.is_empty() {
        return Err(refused());
    }
    if let Some(given) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if token::same(given, expected) {
            Ok(request)
        } else {
            Err(refused())
        };
    }
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = crate::multipart::boundary(content_type) {
        return check_multipart_csrf(request, &boundary, expected)
            .await
            .ok_or_else(refused);
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(refused());
    }
    // Read the form to find the token, then hand the same bytes on.
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| {
            ApiError::PayloadTooLarge(format!("the form is larger than {MAX_FORM_BYTES} bytes"))
        })?;
    let given = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    match given {
        Some(given) if token::same(&given, expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(refused()),
    }
}

/// A file form carries its CSRF token as its first field: the check reads only as much of
/// the body as that takes (never the file), then hands the whole body on.
async fn check_multipart_csrf(request: Request, boundary: &str, expected: &str) -> Option<Request> {
    use futures_util::StreamExt;
    /// The first field is a hidden input; more than this before it is not our form.
    const FIRST_PART_BYTES: usize = 16 * 1024;
    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    let mut start = Vec::new();
    let first = loop {
        if let Some(part) = crate::multipart::first_part(&start, boundary).ok()? {
            break part;
        }
        if start.len() > FIRST_PART_BYTES {
            return None;
        }
        start.extend_from_slice(&stream.next().await?.ok()?);
    };
    if first.name != CSRF_FIELD || !token::same(&first.text(), expected) {
        return None;
    }
    let read =
        futures_util::stream::once(
            async move { Ok::<_, axum::Error>(axum::body::Bytes::from(start)) },
        );
    Some(Request::from_parts(
        parts,
        Body::from_stream(read.chain(stream)),
    ))
}

/// Route middleware: lets the request through if the viewer has `permission`. Anonymous
/// visitors of a page are sent to sign in; of the API, answered 401; signed-in users
/// without the permission, 403.
pub async fn require(permission: Permission, request: Request, next: Next) -> Response {
    let viewer = request
        .extensions()
        .get::<Viewer>()
        .cloned()
        .unwrap_or_else(|| Viewer::anonymous(String::new()));
    if viewer.allows(permission) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let api = is_api(&path);
    if viewer.user.is_none() {
        if !api && request.method() == Method::GET {
            let next_path = request
                .uri()
                .path_and_query()
                .map_or(path.clone(), |p| p.to_string());
            let target = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &next_path)
                .finish();
            return Redirect::to(&format!("/sign-in?{target}")).into_response();
        }
        let e = ApiError::Unauthorized("sign in, or send an API token, to do this".into());
        return respond(api, e, &request);
    }
    let e = ApiError::Forbidden(format!(
        "your role ({}) does not allow this",
        viewer.user.as_ref().map_or("", |u| u.role.code())
    ));
    respond(api, e, &request)
}

fn respond(api: bool, e: ApiError, request: &Request) -> Response {
    if api {
        e.into_response()
    } else {
        let ui = request
            .extensions()
            .get::<Ui>()
            .cloned()
            .unwrap_or_default();
        e.page(ui)
    }
}

/// Security headers on every response: no framing, no sniffing, no inline script, and
/// no referrer leaving the site.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
    ] {
        // A handler that set a stricter or document-specific policy (reports) keeps it.
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// The peer address, when the server was started with connection info.
fn peer(parts: &axum::http::Extensions) -> Option<SocketAddr> {
    parts
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
}

/// A 303 to a local path only: `next` parameters never send anyone to another site.
pub fn local_redirect(target: &str) -> Response {
    let safe = target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.contains(['\r', '\n']);
    let to = if safe { target } else { "/" };
    (
        StatusCode::SEE_OTHER,
        [(axum::http::header::LOCATION, to.to_string())],
    )
        .into_response()
}
