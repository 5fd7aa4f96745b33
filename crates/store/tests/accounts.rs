//! Accounts, sessions, tokens, the audit log and the sealed register, on SQLite and on
//! PostgreSQL: one story, run unchanged on both.

use rightstrack_core::Role;
use rightstrack_store::accounts::{
    AuditFilter, NewApiToken, NewSession, NewUser, Seal, TokenScope, UserChange,
};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{Store, StoreError};
use time::{Duration, OffsetDateTime};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn new_user(name: &str, role: Role) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: format!("{name} (test)"),
        password_hash: "$argon2id$stored-as-given".into(),
        role,
        institution_id: None,
    }
}

fn session(token: &str, user_id: i64, expires_in: Duration) -> NewSession {
    NewSession {
        token_hash: token.into(),
        user_id,
        csrf_token: format!("csrf-{token}"),
        expires_at: OffsetDateTime::now_utc() + expires_in,
        ip: Some("127.0.0.1".into()),
        user_agent: None,
    }
}

async fn story(store: &dyn Store) -> TestResult {
    // Users: names are unique regardless of case.
    let ana = store
        .create_user("admin", new_user("ana", Role::Coordinator))
        .await?;
    let err = store
        .create_user("admin", new_user("ANA", Role::Viewer))
        .await;
    assert!(matches!(err, Err(StoreError::Invalid(_))), "{err:?}");
    let creds = store.credentials("Ana").await?.ok_or("ana")?;
    assert_eq!(creds.user.id, ana);
    assert_eq!(creds.user.role, Role::Coordinator);
    assert_eq!(
        creds.password_hash.as_deref(),
        Some("$argon2id$stored-as-given")
    );
    assert!(store.credentials("nobody").await?.is_none());

    // Failed sign-ins lock the account after the third.
    for _ in 0..2 {
        assert_eq!(
            store
                .sign_in_failed(ana, 3, Duration::minutes(15), None)
                .await?,
            None
        );
    }
    let locked = store
        .sign_in_failed(ana, 3, Duration::minutes(15), Some("10.0.0.1".into()))
        .await?
        .ok_or("locked")?;
    assert!(locked > OffsetDateTime::now_utc() + Duration::minutes(14));
    let creds = store.credentials("ana").await?.ok_or("ana")?;
    assert_eq!(
        creds.locked_until.map(|t| t.unix_timestamp()),
        Some(locked.unix_timestamp())
    );

    // A sign-in clears the lock and opens a session; expired sessions are not found.
    store
        .signed_in(session("live", ana, Duration::hours(8)), Some(42))
        .await?;
    store
        .signed_in(session("stale", ana, Duration::seconds(-5)), None)
        .await?;
    let s = store.session("live").await?.ok_or("live session")?;
    assert_eq!((s.user.id, s.csrf_token.as_str()), (ana, "csrf-live"));
    assert!(store.session("stale").await?.is_none());
    let creds = store.credentials("ana").await?.ok_or("ana")?;
    assert_eq!((creds.failed_attempts, creds.locked_until), (0, None));
    assert_eq!(creds.totp_last_step, Some(42));
    assert!(creds.user.last_sign_in_at.is_some());

    // A role change ends the user's sessions and is logged as a permission change.
    store
        .change_user(
            "admin",
            ana,
            UserChange::Role {
                role: Role::Viewer,
                institution_id: None,
            },
        )
        .await?;
    assert!(store.session("live").await?.is_none());
    assert_eq!(store.user(ana).await?.ok_or("ana")?.role, Role::Viewer);
    let changes = store
        .audit_log(
            &AuditFilter {
                action: Some("permission_change".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await?;
    assert_eq!(changes.total, 1);
    assert_eq!(
        changes.items[0].entity_id.as_deref(),
        Some(ana.to_string().as_str())
    );

    // Disabled users have no sessions and no tokens.
    store
        .signed_in(session("again", ana, Duration::hours(1)), None)
        .await?;
    let token = store
        .create_api_token(
            "ana",
            NewApiToken {
                user_id: ana,
                name: "reports".into(),
                token_hash: "tokenhash".into(),
                scope: TokenScope::Read,
                expires_at: None,
            },
        )
        .await?;
    let (t, u) = store.api_token("tokenhash").await?.ok_or("token")?;
    assert_eq!((t.id, t.scope, u.id), (token, TokenScope::Read, ana));
    store
        .change_user("admin", ana, UserChange::Disabled(true))
        .await?;
    assert!(store.session("again").await?.is_none());
    assert!(store.api_token("tokenhash").await?.is_none());
    store
        .change_user("admin", ana, UserChange::Disabled(false))
        .await?;
    assert!(store.api_token("tokenhash").await?.is_some());

    // Only the owner's id revokes a token.
    let bea = store
        .create_user("admin", new_user("bea", Role::Cso))
        .await?;
    assert!(!store.revoke_api_token("bea", bea, token).await?);
    assert!(store.revoke_api_token("ana", ana, token).await?);
    assert!(store.api_token("tokenhash").await?.is_none());
    assert_eq!(store.api_tokens(ana).await?.len(), 1);
    assert!(store.api_tokens(ana).await?[0].revoked_at.is_some());

    // Signing out ends the session and is logged.
    store
        .signed_in(session("bea-1", bea, Duration::hours(1)), None)
        .await?;
    store.end_session("bea-1").await?;
    assert!(store.session("bea-1").await?.is_none());
    let outs = store
        .audit_log(
            &AuditFilter {
                actor: Some("bea".into()),
                action: Some("sign_out".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await?;
    assert_eq!(outs.total, 1);

    // Sealed cases go in and out as given; every read is logged.
    let seal = |text: &str| Seal {
        key_id: "k1".into(),
        nonce: vec![7; 24],
        ciphertext: text.as_bytes().to_vec(),
    };
    let case = store.create_case("officer", "ref-1", seal("c1")).await?;
    store.update_case("officer", case, seal("c1b")).await?;
    let got = store.case("officer", case).await?.ok_or("case")?;
    assert_eq!(
        (got.reference.as_str(), got.ciphertext.as_slice()),
        ("ref-1", &b"c1b"[..])
    );
    assert_eq!(store.cases("officer").await?.len(), 1);
    store
        .reseal_cases(
            "officer",
            vec![(
                case,
                Seal {
                    key_id: "k2".into(),
                    ..seal("c1c")
                },
            )],
        )
        .await?;
    assert_eq!(
        store.case("officer", case).await?.ok_or("case")?.key_id,
        "k2"
    );
    let reads = store
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
    assert_eq!(reads.total, 3);
    assert!(store.update_case("officer", 999, seal("x")).await.is_err());

    assert!(store.case_summary().await?.is_none());
    store
        .publish_case_summary("officer", Some("{\"total\":1}".into()))
        .await?;
    assert_eq!(
        store.case_summary().await?.ok_or("summary")?.summary,
        "{\"total\":1}"
    );
    store.publish_case_summary("officer", None).await?;
    assert!(store.case_summary().await?.is_none());

    // Paging and order of the log: newest first.
    let page = store.audit_log(&AuditFilter::default(), 2, 1).await?;
    assert_eq!(page.items.len(), 2);
    assert!(page.items[0].id > page.items[1].id);
    assert!(page.total > 10);
    Ok(())
}

#[tokio::test]
async fn accounts_on_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    story(db.store.as_ref()).await
}

#[tokio::test]
async fn accounts_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let result = story(db.store.as_ref()).await;
    db.close().await?;
    result
}

/// Nobody rewrites history, not even with direct SQL through the application's own
/// connection: the database refuses.
#[tokio::test]
async fn the_audit_log_is_append_only_in_sqlite() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.db");
    let store = rightstrack_store::open(&format!("sqlite://{}", path.display())).await?;
    store
        .record_audit(
            "ana",
            "export",
            "recommendations",
            None,
            serde_json::json!({}),
        )
        .await?;
    let conn = r2d2_sqlite::rusqlite::Connection::open(&path)?;
    let update = conn.execute("UPDATE audit_log SET actor = 'someone else'", []);
    assert!(update.is_err(), "{update:?}");
    let delete = conn.execute("DELETE FROM audit_log", []);
    assert!(delete.is_err(), "{delete:?}");
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))?;
    assert!(n >= 1);
    Ok(())
}
