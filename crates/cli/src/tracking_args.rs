//! The implementation-tracking commands' arguments, as clap parses them; `tracking` acts.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use rightstrack_core::{
    ActionKind, ActionProgress, Cycle, ImplementationStatus, InstitutionKind, LegislationStage,
    StateCode,
};

fn parse_state(value: &str) -> Result<StateCode, String> {
    StateCode::parse(value).map_err(|e| e.to_string())
}

fn parse_cycle(value: &str) -> Result<Cycle, String> {
    Cycle::parse(value).map_err(|e| e.to_string())
}

fn parse_kind(value: &str) -> Result<InstitutionKind, String> {
    InstitutionKind::parse(value).map_err(|e| e.to_string())
}

fn parse_action_kind(value: &str) -> Result<ActionKind, String> {
    ActionKind::parse(value).map_err(|e| e.to_string())
}

fn parse_progress(value: &str) -> Result<ActionProgress, String> {
    ActionProgress::parse(value).map_err(|e| e.to_string())
}

fn parse_stage(value: &str) -> Result<LegislationStage, String> {
    LegislationStage::parse(value).map_err(|e| e.to_string())
}

fn parse_status(value: &str) -> Result<ImplementationStatus, String> {
    ImplementationStatus::parse(value).map_err(|e| e.to_string())
}

fn parse_date(value: &str) -> Result<time::Date, String> {
    time::Date::parse(
        value,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("{value:?} is not a date such as 2025-06-30"))
}

#[derive(Debug, Subcommand)]
pub enum InstitutionCommand {
    /// Add a ministry, agency, committee, NHRI, CSO or UN entity.
    Add {
        #[arg(long)]
        name: String,
        /// ministry, agency, parliament_committee, nhri, cso, un_entity, judiciary or other.
        #[arg(long, value_parser = parse_kind)]
        kind: InstitutionKind,
        /// The parent institution, by name or id.
        #[arg(long)]
        parent: Option<String>,
        #[arg(long)]
        contact_name: Option<String>,
        #[arg(long)]
        contact_email: Option<String>,
    },
    /// List the institutions.
    List,
}

/// Which recommendations of a review to assign: exactly one of theme, issue, cluster,
/// recommendations or all.
#[derive(Debug, Args)]
#[group(id = "target", required = true, multiple = false)]
pub struct AssignTargetArgs {
    /// A UHRI theme, by code (B32) or label.
    #[arg(long, group = "target")]
    pub theme: Option<String>,
    /// A UPR Info issue, by code or label.
    #[arg(long, group = "target")]
    pub issue: Option<String>,
    /// A cluster's id: its plan and its members.
    #[arg(long, group = "target")]
    pub cluster: Option<i64>,
    /// Report paragraphs (121.12) or #ids, comma-separated.
    #[arg(long, group = "target", value_delimiter = ',')]
    pub recommendations: Vec<String>,
    /// Every recommendation of the review (state, and cycle when given).
    #[arg(long, group = "target")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct AssignArgs {
    #[arg(long, value_parser = parse_state)]
    pub state: StateCode,
    #[arg(long, value_parser = parse_cycle)]
    pub cycle: Option<Cycle>,
    #[command(flatten)]
    pub target: AssignTargetArgs,
    /// The lead institution, by name or id.
    #[arg(long)]
    pub lead: Option<String>,
    /// Supporting institutions, by name or id; repeatable.
    #[arg(long)]
    pub support: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Add an action serving recommendations (and clusters).
    Add(ActionAddArgs),
}

#[derive(Debug, Args)]
pub struct ActionAddArgs {
    #[arg(long, value_parser = parse_state)]
    pub state: StateCode,
    #[arg(long, value_parser = parse_cycle)]
    pub cycle: Option<Cycle>,
    #[arg(long)]
    pub title: String,
    #[arg(long, default_value = "")]
    pub description: String,
    /// legislation, policy, budget, institutional, training, awareness, ratification, other.
    #[arg(long, value_parser = parse_action_kind)]
    pub kind: ActionKind,
    /// The responsible institution, by name or id.
    #[arg(long)]
    pub institution: Option<String>,
    /// Report paragraphs (121.12) or #ids, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub recommendations: Vec<String>,
    /// Cluster ids, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub clusters: Vec<i64>,
    #[arg(long, value_parser = parse_date)]
    pub start: Option<time::Date>,
    #[arg(long, value_parser = parse_date)]
    pub target: Option<time::Date>,
    /// planned, started or completed.
    #[arg(long, value_parser = parse_progress, default_value = "planned")]
    pub progress: ActionProgress,
    #[arg(long, requires = "currency")]
    pub budget: Option<f64>,
    /// ISO 4217 code such as EUR.
    #[arg(long, requires = "budget")]
    pub currency: Option<String>,
    #[arg(long, requires = "budget")]
    pub funder: Option<String>,
    #[arg(long, requires = "budget")]
    pub disbursed: Option<f64>,
    #[arg(long, requires = "law_stage")]
    pub law_title: Option<String>,
    /// drafted, tabled, adopted, in_force or repealed.
    #[arg(long, value_parser = parse_stage, requires = "law_title")]
    pub law_stage: Option<LegislationStage>,
    /// The parliament committee handling the bill, by name or id.
    #[arg(long, requires = "law_title")]
    pub committee: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Record the implementation status of a recommendation or a cluster.
    Set {
        #[arg(long, required_unless_present = "cluster", conflicts_with = "cluster")]
        recommendation: Option<i64>,
        #[arg(long)]
        cluster: Option<i64>,
        /// not_started, in_progress, partially_implemented, fully_implemented, no_information.
        #[arg(long, value_parser = parse_status)]
        status: ImplementationStatus,
        #[arg(long)]
        justification: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Import assignments and actions from the CSV template, or actions from an IMPACT OSS
    /// action import file; the format is found from the header (docs/tracking.md).
    Import {
        #[arg(long, value_parser = parse_state)]
        state: StateCode,
        #[arg(long, value_parser = parse_cycle)]
        cycle: Option<Cycle>,
        /// Check and resolve everything, write nothing.
        #[arg(long)]
        dry_run: bool,
        file: PathBuf,
    },
    /// Export a state's plan and statuses, one row per recommendation: status, lead and
    /// supporting institutions, actions, indicators, next due date.
    Export {
        #[arg(long, value_parser = parse_state)]
        state: StateCode,
        /// Only what this institution (name or id) leads, supports or acts on.
        #[arg(long)]
        institution: Option<String>,
        /// csv, xlsx or json.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Start CSV with a byte order mark, for spreadsheet programs.
        #[arg(long)]
        bom: bool,
        /// Output file; standard output when absent.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Send the reminders due now (for cron): e-mail over RIGHTSTRACK_SMTP_* when set, and
    /// in-app notifications. Safe to run as often as wanted: a reminder goes out once.
    RunDue {
        /// Pretend it is this instant (RFC 3339), to catch up or to test.
        #[arg(long)]
        now: Option<String>,
    },
}
