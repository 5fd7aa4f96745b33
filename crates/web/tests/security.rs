//! Hostile and careless requests: each gets a clear 4xx and changes nothing. Also the
//! publication boundary (the public sees published records only, everywhere), sign-in with
//! its session, CSRF, lockout and second factor, and the reprisals register at rest.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::body;
use common::browser::{encode, Browser};
use common::world::{csrf_field, World, PASSWORD};
use rightstrack_auth::totp;
use rightstrack_store::accounts::{AuditFilter, UserChange};
use rightstrack_web::auth::SignInLimiter;

type TestResult = Result<(), common::Error>;

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

async fn history_len(world: &World, id: i64) -> Result<u64, common::Error> {
    let filter = AuditFilter {
        entity: Some("recommendation*".into()),
        entity_id: Some(id.to_string()),
        ..Default::default()
    };
    Ok(world.db.store.audit_log(&filter, 1, 0).await?.total)
}

#[tokio::test]
async fn the_public_sees_published_records_only() -> TestResult {
    let world = World::new().await?;
    let json = |s: &str| serde_json::from_str::<serde_json::Value>(s);
    let anonymous = |uri: &str| world.request("GET", uri, None, Body::empty(), None);
    let as_viewer = |uri: &str| world.request("GET", uri, Some("viewer"), Body::empty(), None);

    let search = body(
        world
            .send(anonymous("/api/v1/search?facet_limit=50")?)
            .await?,
    )
    .await?;
    let search = json(&search)?;
    assert_eq!(search["total"], 2);
    assert!(!search.to_string().contains("DRAFT-ONLY"));
    let facets = search["facets"].as_array().ok_or("facets")?;
    assert!(
        facets
            .iter()
            .all(|f| f["dimension"] != "published" && f["dimension"] != "signal"),
        "the public sees no draft facet, and no signal facet (it is derived from private assessments)"
    );
    // Nor may it filter by a signal: the filter is dropped, so its answer reveals nothing.
    for signal in ["divergence", "regression", "overdue"] {
        let filtered = body(
            world
                .send(anonymous(&format!("/api/v1/search?signal={signal}"))?)
                .await?,
        )
        .await?;
        assert_eq!(json(&filtered)?["total"], 2, "signal={signal}");
    }
    let session_counts: u64 = facets
        .iter()
        .filter(|f| f["dimension"] == "session")
        .flat_map(|f| f["values"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v["count"].as_u64())
        .sum();
    assert_eq!(session_counts, 2, "facet counts exclude drafts");
    // Asking for drafts changes nothing.
    let drafts = body(
        world
            .send(anonymous("/api/v1/search?published=no")?)
            .await?,
    )
    .await?;
    assert_eq!(json(&drafts)?["total"], 2);
    assert!(!drafts.contains("DRAFT-ONLY"));
    let list = json(&body(world.send(anonymous("/api/v1/recommendations")?).await?).await?)?;
    assert_eq!(list["total"], 2);
    let draft = world
        .send(anonymous(&format!(
            "/api/v1/recommendations/{}",
            world.draft
        ))?)
        .await?;
    assert_eq!(draft.status(), StatusCode::NOT_FOUND);
    let page = world
        .send(anonymous(&format!("/recommendations/{}", world.draft))?)
        .await?;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let export = body(
        world
            .send(anonymous("/recommendations/export?format=csv")?)
            .await?,
    )
    .await?;
    assert!(!export.contains("DRAFT-ONLY") && export.contains("Abolish"));
    let home = body(world.send(anonymous("/")?).await?).await?;
    assert!(
        home.contains(">2<"),
        "the home page counts published records only"
    );
    let state = body(world.send(anonymous("/states/SVN")?).await?).await?;
    assert!(!state.contains(">3<"));

    // Signed in, drafts are there.
    let search = json(&body(world.send(as_viewer("/api/v1/search")?).await?).await?)?;
    assert_eq!(search["total"], 3);
    let draft = world
        .send(as_viewer(&format!(
            "/api/v1/recommendations/{}",
            world.draft
        ))?)
        .await?;
    assert_eq!(draft.status(), StatusCode::OK);
    // A report is a self-contained document: inline styles, but still no script.
    let dashboard = world.send(anonymous("/states/SVN/dashboard")?).await?;
    let policy = dashboard
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        policy.starts_with("default-src 'none'") && !policy.contains("script"),
        "{policy}"
    );
    // The public gets no cookie for reading.
    let response = world.send(anonymous("/recommendations")?).await?;
    assert!(response.headers().get("set-cookie").is_none());
    assert!(response
        .headers()
        .get("content-security-policy")
        .is_some_and(|v| v.to_str().is_ok_and(|v| v.contains("script-src 'self'"))));
    Ok(())
}

#[tokio::test]
async fn sign_in_starts_a_fresh_session_and_forms_need_its_csrf_token() -> TestResult {
    let world = World::new().await?;
    let mut browser = Browser::new(&world);
    // An attacker planted a session cookie before the victim signs in.
    browser.set("rt_session", "attacker-chosen-value");
    let (status, _, location) = browser.sign_in("coordinator", PASSWORD, "").await?;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/account"));
    let session = browser
        .cookie("rt_session")
        .ok_or("no session cookie")?
        .to_string();
    assert_ne!(session, "attacker-chosen-value");
    assert!(session.len() >= 43);
    let mut attacker = Browser::new(&world);
    attacker.set("rt_session", "attacker-chosen-value");
    let (status, _, location) = attacker.send("GET", "/account", None).await?;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.is_some_and(|l| l.starts_with("/sign-in")));

    let (status, account, _) = browser.send("GET", "/account", None).await?;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_field(&account).ok_or("no CSRF field")?;

    // Without the token, or with another, a form changes nothing.
    let before = history_len(&world, world.assigned).await?;
    let uri = format!("/recommendations/{}/status", world.assigned);
    for form in [
        "status=in_progress&justification=forged".to_string(),
        "status=in_progress&justification=forged&csrf=not-the-token".to_string(),
    ] {
        let (status, _, _) = browser.send("POST", &uri, Some(&form)).await?;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(history_len(&world, world.assigned).await?, before);
    let form = format!("status=in_progress&justification=ministry+report&csrf={csrf}");
    let (status, _, _) = browser.send("POST", &uri, Some(&form)).await?;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(history_len(&world, world.assigned).await?, before + 1);

    // Signing in again gives a new session and ends the old one.
    let (_, _, _) = browser.sign_in("coordinator", PASSWORD, "").await?;
    let second = browser
        .cookie("rt_session")
        .ok_or("no session")?
        .to_string();
    assert_ne!(second, session);
    let mut old = Browser::new(&world);
    old.set("rt_session", &session);
    assert_eq!(
        old.send("GET", "/account", None).await?.0,
        StatusCode::SEE_OTHER
    );

    // Signing out ends it; the sign-out form also needs the token.
    let (_, account, _) = browser.send("GET", "/account", None).await?;
    let csrf = csrf_field(&account).ok_or("no CSRF field")?;
    assert_eq!(
        browser.send("POST", "/sign-out", Some("")).await?.0,
        StatusCode::FORBIDDEN
    );
    let (status, _, _) = browser
        .send("POST", "/sign-out", Some(&format!("csrf={csrf}")))
        .await?;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mut after = Browser::new(&world);
    after.set("rt_session", &second);
    assert_eq!(
        after.send("GET", "/account", None).await?.0,
        StatusCode::SEE_OTHER
    );

    // A sign-in form without its token is refused.
    let mut naked = Browser::new(&world);
    let form = format!("username=coordinator&password={}", encode(PASSWORD));
    assert_eq!(
        naked.send("POST", "/sign-in", Some(&form)).await?.0,
        StatusCode::FORBIDDEN
    );

    let log = world
        .db
        .store
        .audit_log(
            &AuditFilter {
                actor: Some("coordinator".into()),
                ..Default::default()
            },
            50,
            0,
        )
        .await?;
    let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"sign_in") && actions.contains(&"sign_out"),
        "{actions:?}"
    );
    Ok(())
}

#[tokio::test]
async fn repeated_failures_lock_the_account_and_the_address() -> TestResult {
    let world = World::new().await?;
    let mut browser = Browser::new(&world);
    for _ in 0..4 {
        assert_eq!(
            browser.sign_in("cso", "wrong password here", "").await?.0,
            StatusCode::UNAUTHORIZED
        );
    }
    // The fifth failure locks the account: even the right password is refused for now.
    assert_eq!(
        browser.sign_in("cso", "wrong password here", "").await?.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let (status, page, _) = browser.sign_in("cso", PASSWORD, "").await?;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("locked"));
    // An unknown user gets the same answer as a wrong password.
    let (status, page, _) = browser.sign_in("nobody-here", PASSWORD, "").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("not right"));
    let failures = world
        .db
        .store
        .audit_log(
            &AuditFilter {
                action: Some("sign_in_failed".into()),
                ..Default::default()
            },
            50,
            0,
        )
        .await?;
    assert_eq!(failures.total, 6);

    // One address trying many accounts is slowed down.
    let world =
        World::with_limiter(SignInLimiter::new(3, std::time::Duration::from_secs(60))).await?;
    let mut browser = Browser::new(&world);
    for user in ["nhri", "un", "parliament"] {
        assert_eq!(
            browser.sign_in(user, "guess one two three", "").await?.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (_, page, _) = browser.send("GET", "/sign-in", None).await?;
    let csrf = csrf_field(&page).ok_or("csrf")?;
    let response = world
        .send(
            Request::post("/sign-in")
                .header("content-type", FORM)
                .header("cookie", format!("rt_csrf={csrf}"))
                .body(Body::from(format!(
                    "csrf={csrf}&username=viewer&password={}",
                    encode(PASSWORD)
                )))?,
        )
        .await?;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().get("retry-after").is_some());
    Ok(())
}

#[tokio::test]
async fn a_second_factor_is_asked_for_and_never_replayed() -> TestResult {
    let world = World::new().await?;
    let secret = totp::new_secret()?;
    let id = *world.user_ids.get("nhri").ok_or("nhri")?;
    world
        .db
        .store
        .change_user("test", id, UserChange::Totp(Some(secret.clone())))
        .await?;
    let mut browser = Browser::new(&world);
    let (status, page, _) = browser.sign_in("nhri", PASSWORD, "").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("name=\"code\""));
    assert_eq!(
        browser.sign_in("nhri", PASSWORD, "000000").await?.0,
        StatusCode::UNAUTHORIZED
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let code = totp::code_at(&secret, now)?;
    assert_eq!(
        browser.sign_in("nhri", PASSWORD, &code).await?.0,
        StatusCode::SEE_OTHER
    );
    let mut other = Browser::new(&world);
    assert_eq!(
        other.sign_in("nhri", PASSWORD, &code).await?.0,
        StatusCode::UNAUTHORIZED,
        "a code works once"
    );
    Ok(())
}

#[tokio::test]
async fn injection_in_every_filter_is_harmless() -> TestResult {
    let world = World::new().await?;
    let before = world.db.store.counts(false).await?;
    let payloads = [
        "' OR '1'='1",
        "1; DROP TABLE recommendations; --",
        "SVN' UNION SELECT password_hash FROM users --",
        "\" OR 1=1 --",
        "%00",
        "*:*",
        "text:(a OR b) AND published:no",
        "\\",
    ];
    let list_params = [
        "state",
        "cycle",
        "session",
        "mechanism",
        "position",
        "recommending_state",
        "group",
        "page",
        "per_page",
    ];
    let search_params = [
        "q",
        "sort",
        "page",
        "per_page",
        "facet_limit",
        "state",
        "recommending_state",
        "group",
        "cycle",
        "session",
        "position",
        "mechanism",
        "issue",
        "theme",
        "sdg_goal",
        "published",
    ];
    for payload in payloads {
        let value = encode(payload);
        for (base, params) in [
            ("/api/v1/recommendations", &list_params[..]),
            ("/api/v1/search", &search_params[..]),
            ("/recommendations", &search_params[..]),
        ] {
            for param in params {
                for role in [None, Some("viewer")] {
                    let uri = format!("{base}?{param}={value}");
                    let response = world
                        .send(world.request("GET", &uri, role, Body::empty(), None)?)
                        .await?;
                    let status = response.status();
                    assert!(
                        status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
                        "{uri}: {status}"
                    );
                    let text = body(response).await?;
                    assert!(!text.contains("$argon2"), "{uri} leaked a hash");
                    if role.is_none() {
                        assert!(!text.contains("DRAFT-ONLY"), "{uri} leaked a draft");
                    }
                }
            }
        }
    }
    let after = world.db.store.counts(false).await?;
    assert_eq!(
        (before.recommendations, before.documents),
        (after.recommendations, after.documents)
    );
    assert_eq!(world.db.store.users().await?.len(), 10);
    Ok(())
}

#[tokio::test]
async fn free_text_is_escaped_wherever_it_is_shown() -> TestResult {
    let world = World::new().await?;
    let script = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let uri = format!("/api/v1/recommendations/{}/status", world.assigned);
    let body_json =
        serde_json::json!({"status": "in_progress", "justification": script}).to_string();
    let response = world
        .send(world.request(
            "POST",
            &uri,
            Some("coordinator"),
            Body::from(body_json),
            Some(JSON),
        )?)
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let uri = format!("/api/v1/recommendations/{}/assessments", world.assigned);
    let body_json = serde_json::json!({"status": "not_started", "text": script}).to_string();
    let response = world
        .send(world.request("POST", &uri, Some("cso"), Body::from(body_json), Some(JSON))?)
        .await?;
    assert_eq!(response.status(), StatusCode::CREATED);
    let case = format!(
        "date=2025-02-02&kind=smear&status=open&affected={}",
        encode(script)
    );
    world
        .send(world.request(
            "POST",
            "/reprisals",
            Some("reprisals_officer"),
            Body::from(case),
            Some(FORM),
        )?)
        .await?;
    let user_form = format!(
        "username=xss-user&display_name={}&role=viewer&password=purple+kettle+harbour+91",
        encode(script)
    );
    world
        .send(world.request(
            "POST",
            "/admin/users",
            Some("admin"),
            Body::from(user_form),
            Some(FORM),
        )?)
        .await?;

    for (uri, role) in [
        (format!("/recommendations/{}", world.assigned), "viewer"),
        ("/admin/audit".to_string(), "admin"),
        ("/admin/users".to_string(), "admin"),
        ("/reprisals".to_string(), "reprisals_officer"),
    ] {
        let page = body(
            world
                .send(world.request("GET", &uri, Some(role), Body::empty(), None)?)
                .await?,
        )
        .await?;
        assert!(
            !page.contains("<script>alert"),
            "{uri} shows a script unescaped"
        );
        assert!(!page.contains("<img src=x"), "{uri} shows markup unescaped");
        assert!(page.contains("&#60;script&#62;"), "{uri} lost the text");
    }
    Ok(())
}

#[tokio::test]
async fn nobody_reaches_what_belongs_to_another_institution() -> TestResult {
    let world = World::new().await?;
    let json = |v: serde_json::Value| Body::from(v.to_string());
    // A focal point updates what is assigned to their ministry, and nothing else.
    let before = history_len(&world, world.unassigned).await?;
    let update = serde_json::json!({"status": "fully_implemented", "justification": "done"});
    let theirs = world
        .send(world.request(
            "POST",
            &format!("/api/v1/recommendations/{}/status", world.assigned),
            Some("focal_point"),
            json(update.clone()),
            Some(JSON),
        )?)
        .await?;
    assert_eq!(theirs.status(), StatusCode::NO_CONTENT);
    let other = world
        .send(world.request(
            "POST",
            &format!("/api/v1/recommendations/{}/status", world.unassigned),
            Some("focal_point"),
            json(update),
            Some(JSON),
        )?)
        .await?;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    assert_eq!(history_len(&world, world.unassigned).await?, before);

    // A CSO writes its own assessments, never another organisation's.
    let forged = serde_json::json!({"status": "not_started", "text": "x", "institution_id": world.other_cso});
    let response = world
        .send(world.request(
            "POST",
            &format!("/api/v1/recommendations/{}/assessments", world.assigned),
            Some("cso"),
            json(forged),
            Some(JSON),
        )?)
        .await?;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(world.db.store.counts(false).await?.assessments, 0);

    // A user cannot revoke another user's token by its number.
    let viewer_id = *world.user_ids.get("viewer").ok_or("viewer")?;
    let token_id = world
        .db
        .store
        .api_tokens(viewer_id)
        .await?
        .first()
        .map(|t| t.id)
        .ok_or("token")?;
    let response = world
        .send(world.request(
            "POST",
            &format!("/account/tokens/{token_id}/revoke"),
            Some("cso"),
            Body::empty(),
            Some(FORM),
        )?)
        .await?;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let me = world
        .send(world.request("GET", "/api/v1/me", Some("viewer"), Body::empty(), None)?)
        .await?;
    assert_eq!(me.status(), StatusCode::OK);

    // Drafts stay hidden from the public even by their number, for writes too.
    let response = world
        .send(world.request(
            "POST",
            &format!("/api/v1/recommendations/{}/publication", world.draft),
            None,
            json(serde_json::json!({"published": true})),
            Some(JSON),
        )?)
        .await?;
    assert!(
        response.status() == StatusCode::FORBIDDEN || response.status() == StatusCode::UNAUTHORIZED
    );
    Ok(())
}

#[tokio::test]
async fn tokens_are_checked_scoped_and_revocable() -> TestResult {
    let world = World::new().await?;
    let bad = world
        .send(
            Request::get("/api/v1/me")
                .header("authorization", "Bearer rt_not-a-real-token")
                .body(Body::empty())?,
        )
        .await?;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(bad.headers().get("www-authenticate").is_some());
    let malformed = world
        .send(
            Request::get("/api/v1/search")
                .header("authorization", "Basic abc")
                .body(Body::empty())?,
        )
        .await?;
    assert_eq!(malformed.status(), StatusCode::UNAUTHORIZED);

    // A read-only token reads drafts but writes nothing.
    let (plain, hashed) = rightstrack_auth::token::generate_api_token()?;
    let coordinator = *world.user_ids.get("coordinator").ok_or("coordinator")?;
    let id = world
        .db
        .store
        .create_api_token(
            "coordinator",
            rightstrack_store::accounts::NewApiToken {
                user_id: coordinator,
                name: "read".into(),
                token_hash: hashed,
                scope: rightstrack_store::accounts::TokenScope::Read,
                expires_at: None,
            },
        )
        .await?;
    let read = |uri: &str, method: &str, body: &str| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {plain}"))
            .header("content-type", JSON)
            .body(Body::from(body.to_string()))
    };
    let list = world
        .send(read("/api/v1/recommendations", "GET", "")?)
        .await?;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body(list).await?)?["total"],
        3
    );
    let write = world
        .send(read(
            &format!("/api/v1/recommendations/{}/publication", world.draft),
            "POST",
            "{\"published\": true}",
        )?)
        .await?;
    assert_eq!(write.status(), StatusCode::FORBIDDEN);
    world
        .db
        .store
        .revoke_api_token("coordinator", coordinator, id)
        .await?;
    let revoked = world.send(read("/api/v1/me", "GET", "")?).await?;
    assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_anything_changes() -> TestResult {
    let world = World::new().await?;
    let before = history_len(&world, world.assigned).await?;
    let big = "a".repeat(2 << 20);
    let form = format!("status=in_progress&justification={big}");
    let response = world
        .send(world.request(
            "POST",
            &format!("/recommendations/{}/status", world.assigned),
            Some("coordinator"),
            Body::from(form),
            Some(FORM),
        )?)
        .await?;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let json = format!("{{\"status\": \"in_progress\", \"justification\": \"{big}\"}}");
    let response = world
        .send(world.request(
            "POST",
            &format!("/api/v1/recommendations/{}/status", world.assigned),
            Some("coordinator"),
            Body::from(json),
            Some(JSON),
        )?)
        .await?;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Anonymous forms are read for their CSRF token only up to the limit too.
    let response = world
        .send(
            Request::post("/sign-in")
                .header("content-type", FORM)
                .header("cookie", "rt_csrf=x")
                .body(Body::from(format!("username={big}")))?,
        )
        .await?;
    assert!(
        response.status() == StatusCode::PAYLOAD_TOO_LARGE
            || response.status() == StatusCode::FORBIDDEN
    );
    assert_eq!(history_len(&world, world.assigned).await?, before);
    Ok(())
}

#[tokio::test]
async fn the_reprisals_register_is_unreadable_without_the_key() -> TestResult {
    let world = World::new().await?;
    let secret = "KNOWN-CASE-TEXT: the journalist from the river district";
    let form = format!("date=2025-06-01&kind=detention&status=open&affected={}&session=34&recommendations={}&referred_to_ohchr=yes", encode(secret), world.assigned);
    let created = world
        .send(world.request(
            "POST",
            "/reprisals",
            Some("reprisals_officer"),
            Body::from(form),
            Some(FORM),
        )?)
        .await?;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let location = created
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or("location")?
        .to_string();

    // The officer reads it; the read is in the audit log.
    let page = body(
        world
            .send(world.request(
                "GET",
                &location,
                Some("reprisals_officer"),
                Body::empty(),
                None,
            )?)
            .await?,
    )
    .await?;
    assert!(page.contains("KNOWN-CASE-TEXT"));
    let reads = world
        .db
        .store
        .audit_log(
            &AuditFilter {
                entity: Some("reprisal_case".into()),
                action: Some("read".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await?;
    assert!(reads.total >= 1);
    // Nobody else does, not even an administrator; search and exports never hold it.
    for role in ["admin", "coordinator", "viewer"] {
        let response = world
            .send(world.request("GET", &location, Some(role), Body::empty(), None)?)
            .await?;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role}");
    }
    let export = body(
        world
            .send(world.request(
                "GET",
                "/recommendations/export?format=json",
                Some("admin"),
                Body::empty(),
                None,
            )?)
            .await?,
    )
    .await?;
    assert!(!export.contains("KNOWN-CASE-TEXT"));

    // The database files hold ciphertext only.
    let mut raw = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut path = world.path.clone().into_os_string();
        path.push(suffix);
        if let Ok(bytes) = std::fs::read(&path) {
            raw.extend(bytes);
        }
    }
    assert!(raw.len() > 10_000);
    assert!(
        !raw.windows(14).any(|w| w == b"KNOWN-CASE-TEX"),
        "the case text is in the database file"
    );
    assert!(!raw.windows(9).any(|w| w == b"journalis"));

    // The public sees an aggregate only when an officer publishes it, with small counts hidden.
    let public = body(
        world
            .send(world.request("GET", "/reprisals/summary", None, Body::empty(), None)?)
            .await?,
    )
    .await?;
    assert!(public.contains("No figures are published"));
    world
        .send(world.request(
            "POST",
            "/reprisals/summary",
            Some("reprisals_officer"),
            Body::from("publish=yes"),
            Some(FORM),
        )?)
        .await?;
    let public = body(
        world
            .send(world.request("GET", "/reprisals/summary", None, Body::empty(), None)?)
            .await?,
    )
    .await?;
    assert!(public.contains("&#60; 3"), "{public}");
    assert!(!public.contains("KNOWN-CASE-TEXT") && !public.contains("river"));
    Ok(())
}

#[tokio::test]
async fn evidence_is_named_safely_sized_and_served_only_to_those_allowed() -> TestResult {
    use base64::Engine;
    let world = World::new().await?;
    let uri = format!(
        "/api/v1/actions/{}/indicators/{}/progress",
        world.action, world.indicator
    );
    let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.5 the decree as adopted");
    let html =
        base64::engine::general_purpose::STANDARD.encode(b"<html><script>alert(1)</script></html>");
    let report = serde_json::json!({
        "due_date": "2026-01-01", "text": "Bill tabled", "value": 1, "public": false,
        "evidence": [
            {"name": "../../../etc/passwd", "content_type": "application/pdf", "base64": pdf},
            {"name": "..\\..\\decree.pdf", "content_type": "application/pdf", "base64": html},
        ]
    });
    let response = world
        .send(world.request(
            "POST",
            &uri,
            Some("focal_point"),
            Body::from(report.to_string()),
            Some(JSON),
        )?)
        .await?;
    assert_eq!(response.status(), StatusCode::CREATED);
    let indicators = world.db.store.indicators(world.action).await?;
    let files: Vec<_> = indicators
        .iter()
        .flat_map(|i| i.reports.iter().flat_map(|r| r.evidence.clone()))
        .collect();
    assert_eq!(files.len(), 2);
    for f in &files {
        assert!(
            !f.file_name.contains('/')
                && !f.file_name.contains('\\')
                && !f.file_name.starts_with('.'),
            "{}",
            f.file_name
        );
    }
    // The HTML declared as a PDF is not served as HTML; nothing is served inline.
    for f in &files {
        let anonymous = world
            .send(world.request(
                "GET",
                &format!("/evidence/{}", f.id),
                None,
                Body::empty(),
                None,
            )?)
            .await?;
        assert_eq!(
            anonymous.status(),
            StatusCode::NOT_FOUND,
            "a private report's evidence"
        );
        let viewer = world
            .send(world.request(
                "GET",
                &format!("/evidence/{}", f.id),
                Some("viewer"),
                Body::empty(),
                None,
            )?)
            .await?;
        assert_eq!(viewer.status(), StatusCode::OK);
        let kind = viewer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(!kind.contains("html"), "{kind}");
        let disposition = viewer
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(
            disposition.starts_with("attachment;") && !disposition.contains(".."),
            "{disposition}"
        );
    }
    // Too large: refused whole, nothing stored.
    let big = base64::engine::general_purpose::STANDARD.encode(vec![b'x'; 11 * 1024 * 1024]);
    let report = serde_json::json!({"due_date": "2026-01-01", "text": "x", "evidence": [{"name": "big.bin", "base64": big}]});
    let response = world
        .send(world.request(
            "POST",
            &uri,
            Some("focal_point"),
            Body::from(report.to_string()),
            Some(JSON),
        )?)
        .await?;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let report = serde_json::json!({"due_date": "2026-01-01", "text": "x", "evidence": [{"name": "big.bin", "base64": base64::engine::general_purpose::STANDARD.encode(vec![b'x'; 10 * 1024 * 1024 + 1])}]});
    let response = world
        .send(world.request(
            "POST",
            &uri,
            Some("coordinator"),
            Body::from(report.to_string()),
            Some(JSON),
        )?)
        .await?;
    assert!(
        response.status() == StatusCode::BAD_REQUEST
            || response.status() == StatusCode::PAYLOAD_TOO_LARGE
    );
    let after: usize = world
        .db
        .store
        .indicators(world.action)
        .await?
        .iter()
        .flat_map(|i| i.reports.iter().map(|r| r.evidence.len()))
        .sum();
    assert_eq!(after, 2);
    Ok(())
}
