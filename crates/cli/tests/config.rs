//! The configuration file as the binary reads it: the file fills what neither a variable
//! nor a flag gives, a variable wins over the file, a flag over both.

use std::path::Path;
use std::process::{Command, Output};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn rightstrack(config: &Path, env: &[(&str, &str)], args: &[&str]) -> std::io::Result<Output> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rightstrack"));
    command
        .env_remove("RIGHTSTRACK_DATABASE_URL")
        .env_remove("RIGHTSTRACK_LOG")
        .env_remove("RIGHTSTRACK_LOG_FORMAT")
        .env("RIGHTSTRACK_CONFIG", config)
        .envs(env.iter().copied())
        .args(args);
    command.output()
}

#[test]
fn file_then_variable_then_flag() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = |name: &str| dir.path().join(name);
    let config = dir.path().join("rightstrack.toml");
    std::fs::write(
        &config,
        format!(
            "database = \"sqlite://{}\"\n[log]\nlevel = \"info\"\nformat = \"json\"\n",
            db("file.db").display()
        ),
    )?;

    let csv = dir.path().join("export.csv");
    std::fs::write(
        &csv,
        "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\
         Slovenia,EEG,,Ratify OP-CAT,France,WEOG,,Accepted,5,Justice,7\r",
    )?;
    let out = rightstrack(&config, &[], &["import", &csv.display().to_string()])?;
    assert!(out.status.success(), "{out:?}");
    assert!(db("file.db").is_file(), "the file's database is used");
    let first = String::from_utf8(out.stderr)?;
    let line = first
        .lines()
        .next()
        .ok_or("the file's log level writes info lines")?;
    let parsed: serde_json::Value = serde_json::from_str(line)?;
    assert!(parsed["level"].is_string(), "JSON log lines: {line}");

    let variable = format!("sqlite://{}", db("variable.db").display());
    let out = rightstrack(
        &config,
        &[
            ("RIGHTSTRACK_DATABASE_URL", &variable),
            ("RIGHTSTRACK_LOG_FORMAT", "text"),
        ],
        &["migrate"],
    )?;
    assert!(out.status.success(), "{out:?}");
    assert!(
        db("variable.db").is_file(),
        "the variable wins over the file"
    );
    assert!(
        !String::from_utf8(out.stderr)?.starts_with('{'),
        "text logs"
    );

    let flag = format!("sqlite://{}", db("flag.db").display());
    let out = rightstrack(
        &config,
        &[("RIGHTSTRACK_DATABASE_URL", &variable)],
        &["--database", &flag, "migrate"],
    )?;
    assert!(out.status.success(), "{out:?}");
    assert!(db("flag.db").is_file(), "the flag wins over both");
    Ok(())
}

#[test]
fn a_bad_file_is_named_with_the_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("broken.toml");
    std::fs::write(&config, "databse = \"sqlite://x.db\"\n")?;
    let out = rightstrack(&config, &[], &["migrate"])?;
    assert!(!out.status.success());
    let message = String::from_utf8(out.stderr)?;
    assert!(
        message.contains("broken.toml") && message.contains("databse"),
        "{message}"
    );

    let missing = dir.path().join("absent.toml");
    let out = rightstrack(&missing, &[], &["migrate"])?;
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)?.contains("absent.toml"));
    Ok(())
}
