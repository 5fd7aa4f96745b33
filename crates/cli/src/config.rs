//! Settings from four places, the later winning: built-in defaults, the configuration file
//! (`rightstrack.toml`), `RIGHTSTRACK_*` environment variables and command-line flags.
//! clap reads the flags and their environment variables (so a flag's value is `None` when
//! neither is given); this fills what is left from the file, then from the defaults.
//! docs/configuration.md lists every key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::args::{Cli, LogFormat};

pub const DEFAULT_DATABASE: &str = "sqlite://rightstrack.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_SHUTDOWN_GRACE_SECONDS: u64 = 30;
/// Read when no --config or RIGHTSTRACK_CONFIG names a file, if it exists.
pub const DEFAULT_FILE: &str = "rightstrack.toml";

/// The configuration file as written. Unknown keys are errors: a misspelt key would
/// otherwise be silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database: Option<String>,
    model: Option<PathBuf>,
    #[serde(default)]
    log: LogSettings,
    #[serde(default)]
    serve: ServeSettings,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogSettings {
    level: Option<String>,
    format: Option<LogFormat>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeSettings {
    addr: Option<SocketAddr>,
    shutdown_grace_seconds: Option<u64>,
    secure_cookies: Option<bool>,
    trust_proxy: Option<bool>,
    reprisals_key_file: Option<PathBuf>,
}

/// Every setting, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: String,
    /// A tracing filter: `warn`, `info`, `rightstrack=debug,tower_http=info`, …
    pub log_level: String,
    pub log_format: LogFormat,
    /// Where `serve` listens unless `--addr` says.
    pub addr: SocketAddr,
    /// How long `serve` lets in-flight requests finish after SIGTERM or Ctrl-C.
    pub shutdown_grace: Duration,
    /// The classification model unless `--model` says.
    pub model: Option<PathBuf>,
    /// On/off settings of `serve`: the file can turn them on; so can the flag or its
    /// variable (a flag cannot say "off").
    pub secure_cookies: bool,
    pub trust_proxy: bool,
    /// The reprisals register's key file, unless RIGHTSTRACK_REPRISALS_KEY_FILE or
    /// RIGHTSTRACK_REPRISALS_KEY gives the key.
    pub reprisals_key_file: Option<PathBuf>,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> Result<Self> {
        let file = match &cli.config {
            Some(path) => read(path)?,
            None if Path::new(DEFAULT_FILE).is_file() => read(Path::new(DEFAULT_FILE))?,
            None => FileSettings::default(),
        };
        let log_level = match cli.verbose {
            0 => cli.log_level.clone().or(file.log.level),
            1 => Some("info".into()),
            2 => Some("debug".into()),
            _ => Some("trace".into()),
        };
        let log_format = if cli.log_json {
            Some(LogFormat::Json)
        } else {
            cli.log_format
        };
        Ok(Self {
            database: cli
                .database
                .clone()
                .or(file.database)
                .unwrap_or_else(|| DEFAULT_DATABASE.into()),
            log_level: log_level.unwrap_or_else(|| "warn".into()),
            log_format: log_format.or(file.log.format).unwrap_or_default(),
            addr: match file.serve.addr {
                Some(addr) => addr,
                None => DEFAULT_ADDR.parse().context("the default address")?,
            },
            shutdown_grace: Duration::from_secs(
                file.serve
                    .shutdown_grace_seconds
                    .unwrap_or(DEFAULT_SHUTDOWN_GRACE_SECONDS),
            ),
            model: file.model,
            secure_cookies: file.serve.secure_cookies.unwrap_or(false),
            trust_proxy: file.serve.trust_proxy.unwrap_or(false),
            reprisals_key_file: file.serve.reprisals_key_file,
        })
    }
}

fn read(path: &Path) -> Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "the configuration file {} is not valid: {}",
            path.display(),
            e.to_string().trim_end()
        )
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn settings(args: &[&str], file: &str) -> Result<Settings> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("rightstrack.toml");
        std::fs::write(&path, file)?;
        let config = path.display().to_string();
        let mut argv = vec!["rightstrack", "--config", &config];
        argv.extend(args);
        argv.push("migrate");
        Settings::resolve(&Cli::try_parse_from(argv)?)
    }

    const FILE: &str = r#"
database = "postgres://app@db/rightstrack"
model = "/var/lib/rightstrack/model.rtm"

[log]
level = "info"
format = "json"

[serve]
addr = "0.0.0.0:9000"
shutdown_grace_seconds = 5
secure_cookies = true
trust_proxy = true
reprisals_key_file = "/etc/rightstrack/reprisals.key"
"#;

    #[test]
    fn the_file_fills_what_flags_leave() -> Result<()> {
        let s = settings(&[], FILE)?;
        assert_eq!(s.database, "postgres://app@db/rightstrack");
        assert_eq!(s.log_level, "info");
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.addr.to_string(), "0.0.0.0:9000");
        assert_eq!(s.shutdown_grace, Duration::from_secs(5));
        assert!(s.secure_cookies && s.trust_proxy);
        assert_eq!(
            s.reprisals_key_file.as_deref(),
            Some(Path::new("/etc/rightstrack/reprisals.key"))
        );
        assert_eq!(
            s.model.as_deref(),
            Some(Path::new("/var/lib/rightstrack/model.rtm"))
        );
        Ok(())
    }

    #[test]
    fn flags_win_over_the_file() -> Result<()> {
        let s = settings(
            &[
                "--database",
                "sqlite://here.db",
                "--log-format",
                "text",
                "-vv",
            ],
            FILE,
        )?;
        assert_eq!(s.database, "sqlite://here.db");
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.log_level, "debug");
        Ok(())
    }

    #[test]
    fn defaults_without_a_file() -> Result<()> {
        let s = settings(&[], "")?;
        assert_eq!(s.database, DEFAULT_DATABASE);
        assert_eq!(s.log_level, "warn");
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.addr.to_string(), DEFAULT_ADDR);
        assert!(!s.secure_cookies && !s.trust_proxy && s.reprisals_key_file.is_none());
        Ok(())
    }

    #[test]
    fn mistakes_name_the_file_and_the_key() {
        let message = settings(&[], "[serve]\nadress = \"0.0.0.0:80\"\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("rightstrack.toml") && message.contains("adress"),
            "{message}"
        );
        let message = settings(&[], "[log]\nformat = \"xml\"\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("xml"), "{message}");
    }
}
