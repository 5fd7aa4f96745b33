//! `rightstrack user …` and `rightstrack reprisals …`: accounts and the register's key,
//! from the command line (the first administrator is made here).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use rightstrack_auth::sealed::{Key, Sealed};
use rightstrack_auth::{password, token};
use rightstrack_core::reprisals::ReprisalCase;
use rightstrack_core::Role;
use rightstrack_store::accounts::{NewApiToken, NewUser, Seal, TokenScope, User, UserChange};
use rightstrack_store::Store;

use crate::args::{ReprisalsCommand, UserCommand};

/// Who the audit log names for changes made here.
const ACTOR: &str = "system";

/// A password from standard input (one line, for scripts), or typed twice at a terminal
/// without echo.
fn read_password(from_stdin: bool, context: &[&str]) -> Result<String> {
    let given = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = rpassword::prompt_password("New password: ")?;
        let second = rpassword::prompt_password("Again: ")?;
        if first != second {
            bail!("the two passwords differ; nothing was changed");
        }
        first
    };
    password::check_policy(&given, context)
        .map_err(|e| anyhow::anyhow!("{e}; nothing was changed"))?;
    Ok(given)
}

async fn hash(given: String) -> Result<String> {
    tokio::task::spawn_blocking(move || password::hash(&given))
        .await?
        .context("cannot hash the password")
}

async fn find(store: &dyn Store, username: &str) -> Result<User> {
    Ok(store
        .credentials(username)
        .await?
        .with_context(|| {
            format!("no user is called {username:?}; `rightstrack user list` lists them")
        })?
        .user)
}

pub async fn user(store: &dyn Store, command: UserCommand, json: bool) -> Result<ExitCode> {
    match command {
        UserCommand::Add {
            username,
            role,
            institution,
            display_name,
            password_stdin,
        } => {
            let role = Role::parse(&role)?;
            let display_name = display_name.unwrap_or_else(|| username.clone());
            let given = read_password(password_stdin, &[&username, &display_name])?;
            let id = store
                .create_user(
                    ACTOR,
                    NewUser {
                        username: username.clone(),
                        display_name,
                        password_hash: hash(given).await?,
                        role,
                        institution_id: institution,
                    },
                )
                .await?;
            report(
                json,
                serde_json::json!({"created": id, "username": username, "role": role.code()}),
                &format!("created user {username} ({role}) with id {id}"),
            );
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let user = find(store, &username).await?;
            let given = read_password(password_stdin, &[&user.username, &user.display_name])?;
            store
                .change_user(ACTOR, user.id, UserChange::PasswordHash(hash(given).await?))
                .await?;
            report(
                json,
                serde_json::json!({"changed": user.id}),
                &format!("password of {username} changed; their sessions have ended"),
            );
        }
        UserCommand::Disable { username } => {
            let user = find(store, &username).await?;
            store
                .change_user(ACTOR, user.id, UserChange::Disabled(true))
                .await?;
            report(
                json,
                serde_json::json!({"disabled": user.id}),
                &format!("{username} is disabled; their sessions and tokens no longer work"),
            );
        }
        UserCommand::Enable { username } => {
            let user = find(store, &username).await?;
            store
                .change_user(ACTOR, user.id, UserChange::Disabled(false))
                .await?;
            report(
                json,
                serde_json::json!({"enabled": user.id}),
                &format!("{username} is enabled"),
            );
        }
        UserCommand::Role {
            username,
            role,
            institution,
        } => {
            let user = find(store, &username).await?;
            let role = Role::parse(&role)?;
            store
                .change_user(
                    ACTOR,
                    user.id,
                    UserChange::Role {
                        role,
                        institution_id: institution,
                    },
                )
                .await?;
            report(
                json,
                serde_json::json!({"changed": user.id, "role": role.code()}),
                &format!("{username} is now {role}"),
            );
        }
        UserCommand::List => {
            let users = store.users().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else if users.is_empty() {
                println!("no users yet; make the first administrator with `rightstrack user add NAME --role admin`");
            } else {
                for u in users {
                    println!(
                        "{:<24} {:<18} {:<10} {}{}",
                        u.username,
                        u.role.code(),
                        u.institution_id.map(|i| i.to_string()).unwrap_or_default(),
                        if u.disabled { "disabled" } else { "active" },
                        if u.totp_enabled { ", 2FA" } else { "" },
                    );
                }
            }
        }
        UserCommand::Token {
            username,
            name,
            scope,
            days,
        } => {
            let user = find(store, &username).await?;
            let scope = TokenScope::parse(&scope)
                .with_context(|| format!("scope {scope:?}: expected read or write"))?;
            let (plain, hashed) = token::generate_api_token()?;
            store
                .create_api_token(
                    ACTOR,
                    NewApiToken {
                        user_id: user.id,
                        name,
                        token_hash: hashed,
                        scope,
                        expires_at: days.map(|d| {
                            time::OffsetDateTime::now_utc() + time::Duration::days(i64::from(d))
                        }),
                    },
                )
                .await?;
            // The token goes to standard output alone, so that scripts can capture it.
            println!("{plain}");
            eprintln!("keep this token secret: it is shown only once");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report(json: bool, value: serde_json::Value, text: &str) {
    if json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

/// Writes a new key file readable by its owner only.
fn write_key_file(path: &Path) -> Result<()> {
    if path.exists() {
        bail!(
            "{} exists; a key file is never overwritten (move it away first)",
            path.display()
        );
    }
    let key = Key::generate()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    writeln!(file, "{key}").with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn current_key() -> Result<Key> {
    Key::from_env()?.with_context(|| {
        format!(
            "no reprisals key: set {} to the key file (or {} to the key)",
            rightstrack_auth::sealed::KEY_FILE_ENV,
            rightstrack_auth::sealed::KEY_ENV
        )
    })
}

pub async fn reprisals(store: &dyn Store, command: ReprisalsCommand) -> Result<ExitCode> {
    match command {
        ReprisalsCommand::Keygen { output } => {
            write_key_file(&output)?;
            println!(
                "new key written to {}; start the server with {}={}",
                output.display(),
                rightstrack_auth::sealed::KEY_FILE_ENV,
                output.display()
            );
        }
        ReprisalsCommand::RotateKey { new_key_file } => {
            let old = current_key()?;
            let new = Key::from_file(&new_key_file)?;
            let cases = store.cases(ACTOR).await?;
            let mut seals = Vec::with_capacity(cases.len());
            for case in &cases {
                let sealed = Sealed {
                    key_id: case.key_id.clone(),
                    nonce: case.nonce.clone(),
                    ciphertext: case.ciphertext.clone(),
                };
                let ctx = ReprisalCase::binding(&case.reference);
                let plain = old.open(&sealed, &ctx).with_context(|| {
                    format!(
                        "case {} cannot be opened with the current key; nothing was changed",
                        case.id
                    )
                })?;
                let resealed = new.seal(&plain, &ctx)?;
                seals.push((
                    case.id,
                    Seal {
                        key_id: resealed.key_id,
                        nonce: resealed.nonce,
                        ciphertext: resealed.ciphertext,
                    },
                ));
            }
            let n = seals.len();
            store.reseal_cases(ACTOR, seals).await?;
            println!(
                "{n} cases re-encrypted from key {} to key {}; point {} at {} and restart, then destroy the old key",
                old.id(),
                new.id(),
                rightstrack_auth::sealed::KEY_FILE_ENV,
                new_key_file.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
