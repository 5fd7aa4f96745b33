//! Accounts and the reprisals key from the command line, as an administrator sets up a
//! server: the first administrator, a refused weak password, tokens, roles, key rotation.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use rightstrack_auth::sealed::{Key, Sealed};
use rightstrack_core::reprisals::ReprisalCase;
use rightstrack_store::accounts::Seal;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn run(
    database: &str,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> Result<Output, std::io::Error> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rightstrack"))
        .arg("--database")
        .arg(database)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes())?;
    }
    child.wait_with_output()
}

fn ok(output: &Output) -> Result<String, Box<dyn std::error::Error>> {
    if !output.status.success() {
        return Err(format!("failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    Ok(String::from_utf8(output.stdout.clone())?)
}

#[test]
fn an_administrator_sets_up_accounts_from_the_command_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("accounts.db").display());
    let list = ok(&run(&db, &["user", "list"], "", &[])?)?;
    assert!(list.contains("rightstrack user add"), "{list}");

    let weak = run(
        &db,
        &["user", "add", "ana", "--role", "admin", "--password-stdin"],
        "password123\n",
        &[],
    )?;
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("too short"));
    let common = run(
        &db,
        &["user", "add", "ana", "--role", "admin", "--password-stdin"],
        "password1234567\n",
        &[],
    )?;
    assert!(!common.status.success());
    assert!(String::from_utf8_lossy(&common.stderr).contains("guess"));
    let bad_role = run(
        &db,
        &[
            "user",
            "add",
            "ana",
            "--role",
            "emperor",
            "--password-stdin",
        ],
        "violet tractor umbrella 42\n",
        &[],
    )?;
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("coordinator"));

    ok(&run(
        &db,
        &["user", "add", "ana", "--role", "admin", "--password-stdin"],
        "violet tractor umbrella 42\n",
        &[],
    )?)?;
    ok(&run(
        &db,
        &["user", "add", "ben", "--role", "cso", "--password-stdin"],
        "amber lantern orchard 7\n",
        &[],
    )?)?;
    ok(&run(&db, &["user", "role", "ben", "viewer"], "", &[])?)?;
    ok(&run(&db, &["user", "disable", "ben"], "", &[])?)?;
    let users: serde_json::Value =
        serde_json::from_str(&ok(&run(&db, &["--json", "user", "list"], "", &[])?)?)?;
    let ben = users
        .as_array()
        .and_then(|u| u.iter().find(|u| u["username"] == "ben"))
        .ok_or("ben")?;
    assert_eq!(
        (ben["role"].as_str(), ben["disabled"].as_bool()),
        (Some("viewer"), Some(true))
    );
    assert!(
        !users.to_string().contains("argon2"),
        "no hash is ever printed"
    );

    let token = ok(&run(
        &db,
        &["user", "token", "ana", "--scope", "write", "--days", "30"],
        "",
        &[],
    )?)?;
    assert!(token.trim().starts_with("rt_") && token.trim().len() > 40);
    let missing = run(
        &db,
        &["user", "passwd", "nobody", "--password-stdin"],
        "violet tractor umbrella 42\n",
        &[],
    )?;
    assert!(String::from_utf8_lossy(&missing.stderr).contains("user list"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reprisals_key_is_made_and_rotated() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("keys.db").display());
    let old = dir.path().join("old.key");
    let new = dir.path().join("new.key");
    ok(&run(
        &db,
        &[
            "reprisals",
            "keygen",
            "--output",
            &old.display().to_string(),
        ],
        "",
        &[],
    )?)?;
    ok(&run(
        &db,
        &[
            "reprisals",
            "keygen",
            "--output",
            &new.display().to_string(),
        ],
        "",
        &[],
    )?)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&old)?.permissions().mode() & 0o777, 0o600);
    }
    let again = run(
        &db,
        &[
            "reprisals",
            "keygen",
            "--output",
            &old.display().to_string(),
        ],
        "",
        &[],
    )?;
    assert!(!again.status.success(), "a key file is never overwritten");
    // A case sealed with the old key, as the server seals it.
    let store = rightstrack_store::open(&db).await?;
    let old_key = Key::from_file(&old)?;
    let plain = b"{\"case\": \"as the server writes it\"}";
    let sealed = old_key.seal(plain, &ReprisalCase::binding("ref-1"))?;
    let id = store
        .create_case(
            "officer",
            "ref-1",
            Seal {
                key_id: sealed.key_id,
                nonce: sealed.nonce,
                ciphertext: sealed.ciphertext,
            },
        )
        .await?;
    let env = [(
        "RIGHTSTRACK_REPRISALS_KEY_FILE",
        old.to_str().ok_or("path")?,
    )];
    let out = ok(&run(
        &db,
        &[
            "reprisals",
            "rotate-key",
            "--new-key-file",
            &new.display().to_string(),
        ],
        "",
        &env,
    )?)?;
    assert!(out.contains("1 cases re-encrypted"), "{out}");
    let stored = store.case("test", id).await?.ok_or("case")?;
    let new_key = Key::from_file(&new)?;
    let resealed = Sealed {
        key_id: stored.key_id,
        nonce: stored.nonce,
        ciphertext: stored.ciphertext,
    };
    assert_eq!(
        new_key.open(&resealed, &ReprisalCase::binding("ref-1"))?,
        plain
    );
    assert!(old_key
        .open(&resealed, &ReprisalCase::binding("ref-1"))
        .is_err());
    // Rotating again with the old key fails and changes nothing.
    let stale = run(
        &db,
        &[
            "reprisals",
            "rotate-key",
            "--new-key-file",
            &new.display().to_string(),
        ],
        "",
        &env,
    )?;
    assert!(!stale.status.success());
    let none = run(
        &db,
        &[
            "reprisals",
            "rotate-key",
            "--new-key-file",
            &new.display().to_string(),
        ],
        "",
        &[],
    )?;
    assert!(String::from_utf8_lossy(&none.stderr).contains("RIGHTSTRACK_REPRISALS_KEY_FILE"));
    Ok(())
}

/// `rightstrack demo` fills an empty database (what scripts/contract serves) and refuses one
/// that already holds accounts, so the demo's public passwords never join real ones.
#[test]
fn the_demo_data_set_goes_into_an_empty_database_only() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    ok(&run(&db, &["demo"], "", &[])?)?;
    let users = ok(&run(&db, &["user", "list"], "", &[])?)?;
    assert!(users.contains("coordinator"), "{users}");
    let token = ok(&run(
        &db,
        &["user", "token", "admin", "--scope", "write"],
        "",
        &[],
    )?)?;
    assert!(token.trim().starts_with("rt_"), "{token}");
    let again = run(&db, &["demo"], "", &[])?;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty"));

    let other = format!("sqlite://{}", dir.path().join("real.db").display());
    ok(&run(
        &other,
        &["user", "add", "ana", "--role", "admin", "--password-stdin"],
        "a long enough passphrase 42\n",
        &[],
    )?)?;
    assert!(!run(&other, &["demo"], "", &[])?.status.success());
    Ok(())
}
