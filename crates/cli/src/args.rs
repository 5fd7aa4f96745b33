//! The command line, as clap parses it. Nothing here acts; `commands` does.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use rightstrack_core::{Cycle, Mechanism, StateCode};

// Values are parsed into domain types here, once, so commands receive them valid and clap
// reports a bad value with the flag's name.
fn parse_state(value: &str) -> Result<StateCode, String> {
    StateCode::parse(value).map_err(|e| e.to_string())
}

fn parse_cycle(value: &str) -> Result<Cycle, String> {
    Cycle::parse(value).map_err(|e| e.to_string())
}

fn parse_mechanism(value: &str) -> Result<Mechanism, String> {
    Mechanism::parse(value).map_err(|e| e.to_string())
}

#[derive(Debug, Parser)]
#[command(
    name = "rightstrack",
    version,
    about = "Follow up UN human rights recommendations, from the UN document to their implementation."
)]
pub struct Cli {
    /// Configuration file (TOML); ./rightstrack.toml is read when it exists and none is
    /// named. Flags and RIGHTSTRACK_* variables win over it (docs/configuration.md).
    #[arg(long, global = true, env = "RIGHTSTRACK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Database: sqlite://PATH (a file, created if missing) or postgres://USER@HOST/DB.
    /// Default sqlite://rightstrack.db.
    #[arg(long, global = true, env = "RIGHTSTRACK_DATABASE_URL")]
    pub database: Option<String>,

    /// Print results as JSON.
    #[arg(long, global = true)]
    pub json: bool,

    /// More log output on stderr (-v info, -vv debug, -vvv trace); wins over --log-level.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Which log lines to write: warn (the default), info, debug, or a filter such as
    /// rightstrack=debug,info.
    #[arg(long, global = true, env = "RIGHTSTRACK_LOG", value_name = "FILTER")]
    pub log_level: Option<String>,

    /// Log lines as text (the default) or JSON objects, one per line.
    #[arg(long, global = true, env = "RIGHTSTRACK_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,

    /// The same as --log-format json (kept for existing scripts).
    #[arg(long, global = true, env = "RIGHTSTRACK_LOG_JSON", hide = true)]
    pub log_json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Score the classifiers on labelled files: per task, accuracy and macro_f1
    /// (single-label) or micro_f1, macro_f1, samples_f1 and exact_match (multi-label),
    /// with n and per-label precision and recall.
    Classify {
        /// upr-info-csv or thematic-list.
        #[arg(long)]
        format: String,
        #[arg(long, env = "RIGHTSTRACK_MODEL")]
        model: Option<PathBuf>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Score near-duplicate groups against the paragraphs a source groups recommendations
    /// in: pair_recall, theme_consistency, pairwise_precision, pairwise_recall, pairwise_f1,
    /// n_items, n_true_groups, n_pred_groups, over all the files (each clustered on its own).
    Cluster {
        /// thematic-list.
        #[arg(long)]
        format: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations (also done automatically by every command).
    Migrate,

    /// Import recommendations from files; the format is detected unless --format is given.
    Import {
        /// upr-info-csv, wg-report, wg-addendum, thematic-list, uhri or impact-oss-csv;
        /// detected from the content when absent.
        #[arg(long)]
        format: Option<String>,
        /// The state under review (ISO 3166-1 alpha-3), for files that do not name it
        /// (IMPACT OSS); overrides the state a document names.
        #[arg(long, value_parser = parse_state)]
        state: Option<StateCode>,
        /// Show what would change without writing anything.
        #[arg(long)]
        dry_run: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },

    /// Export recommendations, one row each, as CSV, JSON or XLSX.
    Export {
        #[arg(long, default_value = "csv")]
        format: String,
        /// ISO 3166-1 alpha-3 code of the state under review.
        #[arg(long, value_parser = parse_state)]
        state: Option<StateCode>,
        #[arg(long, value_parser = parse_cycle)]
        cycle: Option<Cycle>,
        /// UPR, a treaty body (CRC, CEDAW, …) or SP:<mandate>.
        #[arg(long, value_parser = parse_mechanism)]
        mechanism: Option<Mechanism>,
        /// Start CSV with a byte order mark, for spreadsheet programs.
        #[arg(long)]
        bom: bool,
        /// Output file; standard output when absent.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },

    /// Search the recommendations' text, narrowed by facets (`--facet state=SVN`).
    Search {
        /// Words (all must match), "exact phrases", prefixes (tortur*).
        #[arg(default_value = "")]
        query: String,
        /// FACET=VALUE, repeatable: state, recommending_state, group, cycle, session,
        /// position, mechanism, action_category, issue, theme, affected_persons, sdg_goal,
        /// sdg_target, status, institution (an id), repeats (yes/no), signal (overdue,
        /// stalled, regression, divergence, repeated), published.
        #[arg(long = "facet", value_name = "FACET=VALUE")]
        facets: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// relevance, newest, oldest or paragraph (document order).
        #[arg(long, default_value = "relevance")]
        sort: String,
    },

    /// Rebuild the search index from the database and check it holds every
    /// recommendation; prints the count and the time taken. The index is derived data kept
    /// in memory by each `serve` process (rebuilt at every start, then kept in step by
    /// revision), so this is also how to measure or verify a rebuild.
    Reindex,

    /// Train a classification model from the labelled recommendations in the database
    /// (tags imported or set by people; never model suggestions).
    Train {
        /// issues, action_category, themes, affected_persons, or all (the default).
        #[arg(long, default_value = "all")]
        task: String,
        /// Where to write the model.
        #[arg(short, long, default_value = "rightstrack-model.rtm")]
        output: PathBuf,
    },

    /// Suggest tags (issues, themes, affected persons, SDG goals and targets) for the
    /// recommendations, stored with their confidence and the model's version. Suggestions
    /// never replace tags from the source or from a person.
    Classify {
        #[arg(long, value_parser = parse_state)]
        state: Option<StateCode>,
        #[arg(long, value_parser = parse_cycle)]
        cycle: Option<Cycle>,
        /// A model file from `rightstrack train`; the model shipped with rightstrack otherwise.
        #[arg(long, env = "RIGHTSTRACK_MODEL")]
        model: Option<PathBuf>,
    },

    /// Group each state's recommendations: near-duplicates (the same ask) and thematic
    /// clusters (implementation units). Stored; titles and members people decided are kept.
    Cluster {
        /// ISO 3166-1 alpha-3 code of the state under review; every state when absent.
        #[arg(long, value_parser = parse_state)]
        state: Option<StateCode>,
    },

    /// Link each recommendation to the earlier ones made to the same state that it repeats,
    /// follows up or relates to. Stored; links people confirmed or rejected are kept.
    Link {
        /// ISO 3166-1 alpha-3 code of the state under review; every state when absent.
        #[arg(long, value_parser = parse_state)]
        state: Option<StateCode>,
    },

    /// Write a report on a state's cycle: mid-term (the government's voluntary mid-term
    /// report, or with --voice nhri|cso the stakeholders' shadow report), follow-up (the
    /// chapter of the next national report on the previous review's recommendations) or
    /// hrc-brief (for the HRC President's follow-up, with comparisons across states).
    Report {
        /// mid-term, follow-up or hrc-brief.
        #[arg(value_parser = rightstrack_report::ReportKind::parse)]
        kind: rightstrack_report::ReportKind,
        /// ISO 3166-1 alpha-3 code of the state under review.
        #[arg(long, value_parser = parse_state)]
        state: StateCode,
        #[arg(long, value_parser = parse_cycle)]
        cycle: Cycle,
        /// Whose statuses: government (its own), nhri or cso (their assessments).
        #[arg(long, default_value = "government", value_parser = rightstrack_report::Voice::parse)]
        voice: rightstrack_report::Voice,
        /// en or fr.
        #[arg(long, default_value = "en", value_parser = rightstrack_report::Lang::parse)]
        lang: rightstrack_report::Lang,
        /// html, pdf, docx, xlsx or csv.
        #[arg(long, value_parser = rightstrack_report::Format::parse)]
        format: rightstrack_report::Format,
        /// Only what is published (the public's view).
        #[arg(long)]
        published_only: bool,
        /// Start CSV with a byte order mark, for spreadsheet programs.
        #[arg(long)]
        bom: bool,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },

    /// Evaluate against labelled files, without importing them.
    Eval {
        #[command(subcommand)]
        what: EvalCommand,
    },

    /// Publish a state's recommendations (all of them, or one cycle's) on the public
    /// pages, or take them back to draft with --draft. One transaction: all or none.
    Publish {
        /// ISO 3166-1 alpha-3 code of the state under review.
        #[arg(long, value_parser = parse_state)]
        state: StateCode,
        #[arg(long, value_parser = parse_cycle)]
        cycle: Option<Cycle>,
        /// Take them back to draft instead.
        #[arg(long)]
        draft: bool,
    },

    /// Write a consistent backup of the whole database to FILE while it stays in use
    /// (SQLite: a copy of the database file; PostgreSQL: a pg_dump custom-format archive).
    Backup { file: PathBuf },

    /// Replace the database's content with a backup made by `rightstrack backup`. Stop
    /// `serve` first. A database that holds data is refused unless --force.
    Restore {
        file: PathBuf,
        /// Replace a database that holds data.
        #[arg(long)]
        force: bool,
    },

    /// Ministries, agencies, committees, the NHRI, CSOs and UN entities.
    Institution {
        #[command(subcommand)]
        command: crate::tracking_args::InstitutionCommand,
    },

    /// Assign recommendations of a review in bulk to a lead institution and supporting
    /// ones: by theme, issue, cluster or paragraphs. A new lead replaces the previous one.
    Assign(crate::tracking_args::AssignArgs),

    /// Actions (measures) serving recommendations.
    Action {
        #[command(subcommand)]
        command: crate::tracking_args::ActionCommand,
    },

    /// Implementation status set by a person, with a justification.
    Status {
        #[command(subcommand)]
        command: crate::tracking_args::StatusCommand,
    },

    /// Existing implementation plans (the CSV template in docs/tracking.md).
    Plan {
        #[command(subcommand)]
        command: crate::tracking_args::PlanCommand,
    },

    /// Scheduled jobs, for cron: `rightstrack jobs run-due`.
    Jobs {
        #[command(subcommand)]
        command: crate::tracking_args::JobsCommand,
    },

    /// Serve the web pages and the JSON API.
    Serve {
        /// Address to listen on. Default 127.0.0.1:8080.
        #[arg(long, env = "RIGHTSTRACK_ADDR")]
        addr: Option<SocketAddr>,
        /// Seconds to let in-flight requests finish after SIGTERM or Ctrl-C before
        /// stopping anyway. Default 30.
        #[arg(long, env = "RIGHTSTRACK_SHUTDOWN_GRACE", value_name = "SECONDS")]
        shutdown_grace: Option<u64>,
        /// Start on a fresh throwaway database filled with the (fictional) demo data set.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure: set this whenever users reach the site over HTTPS.
        #[arg(long, env = "RIGHTSTRACK_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Take client addresses from X-Forwarded-For (only behind a proxy that sets it).
        #[arg(long, env = "RIGHTSTRACK_TRUST_PROXY")]
        trust_proxy: bool,
    },

    /// Fill an empty database with the fictional demo data set and its accounts (what
    /// `serve --demo` serves, but kept): for trying it, and for scripts/contract.
    Demo,

    /// Accounts: add, change, disable, list, and API tokens.
    User {
        #[command(subcommand)]
        what: UserCommand,
    },

    /// The reprisals register's encryption key.
    Reprisals {
        #[command(subcommand)]
        what: ReprisalsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is asked twice at a terminal, or read from one line
    /// of standard input.
    Add {
        username: String,
        /// admin, coordinator, focal_point, nhri, cso, un, parliament, viewer or reprisals_officer.
        #[arg(long)]
        role: String,
        /// The institution's number the user acts for (focal points, NHRI, CSOs …).
        #[arg(long)]
        institution: Option<i64>,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password; the user's sessions end.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Stop an account from signing in or using its tokens.
    Disable {
        username: String,
    },
    Enable {
        username: String,
    },
    /// Change a user's role (and institution); their sessions end.
    Role {
        username: String,
        role: String,
        #[arg(long)]
        institution: Option<i64>,
    },
    List,
    /// Make an API token for a user; printed once, stored only as a hash.
    Token {
        username: String,
        #[arg(long, default_value = "command line")]
        name: String,
        /// read or write.
        #[arg(long, default_value = "read")]
        scope: String,
        /// Days until it expires; never when absent.
        #[arg(long)]
        days: Option<u16>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReprisalsCommand {
    /// Write a new random key to a file readable by its owner only.
    Keygen {
        #[arg(long)]
        output: PathBuf,
    },
    /// Re-encrypt every case from the current key (RIGHTSTRACK_REPRISALS_KEY_FILE) to the
    /// key in this file, in one transaction.
    RotateKey {
        #[arg(long)]
        new_key_file: PathBuf,
    },
}
