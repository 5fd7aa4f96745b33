//! Implementation tracking from the command line: institutions, assignments, actions,
//! statuses, the plan template and the reminder job. Institutions are named by name or id,
//! recommendations by report paragraph (`121.12`) or `#id`.

use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use rightstrack_core::{
    Funding, Institution, Legislation, Recommendation, RecommendationId, StateCode, Taxonomy,
};
use rightstrack_ingest::plan::{parse_any, PlanRecord, PlanRow};
use rightstrack_store::{
    Assign, AssignTarget, NewAction, NewInstitution, PageRequest, RecommendationFilter, Store,
};
use serde::Serialize;

use crate::tracking_args::{
    ActionAddArgs, ActionCommand, AssignArgs, InstitutionCommand, JobsCommand, PlanCommand,
    StatusCommand,
};

/// Who the command line writes as in the audit log.
const ACTOR: &str = "system";

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) -> Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string(value)?);
    } else {
        println!("{}", text());
    }
    Ok(ExitCode::SUCCESS)
}

/// An institution by id or by name (case does not matter).
fn institution_id(all: &[Institution], name_or_id: &str) -> Result<i64> {
    let wanted = name_or_id.trim();
    let found = match wanted.parse::<i64>() {
        Ok(id) => all.iter().find(|i| i.id == id),
        Err(_) => all.iter().find(|i| i.name.eq_ignore_ascii_case(wanted)),
    };
    found.map(|i| i.id).ok_or_else(|| {
        anyhow!("no institution {wanted:?}: `rightstrack institution list` shows them, `rightstrack institution add` adds one")
    })
}

fn institution_ids(all: &[Institution], names: &[String]) -> Result<Vec<i64>> {
    names.iter().map(|n| institution_id(all, n)).collect()
}

pub async fn institution(
    store: &dyn Store,
    command: InstitutionCommand,
    json: bool,
) -> Result<ExitCode> {
    match command {
        InstitutionCommand::Add {
            name,
            kind,
            parent,
            contact_name,
            contact_email,
        } => {
            let all = store.institutions().await?;
            let parent_id = parent
                .as_deref()
                .map(|p| institution_id(&all, p))
                .transpose()?;
            let id = store
                .create_institution(
                    ACTOR,
                    NewInstitution {
                        name: name.clone(),
                        kind,
                        parent_id,
                        contact_name,
                        contact_email,
                    },
                )
                .await
                .with_context(|| format!("cannot add the institution {name:?}"))?;
            print(json, &serde_json::json!({ "id": id }), || {
                format!("institution {id}: {name}")
            })
        }
        InstitutionCommand::List => {
            let all = store.institutions().await?;
            print(json, &all, || {
                all.iter()
                    .map(|i| {
                        let parent = i
                            .parent_id
                            .map(|p| format!(" (under {p})"))
                            .unwrap_or_default();
                        format!("{:>5}  {:<22} {}{parent}", i.id, i.kind.code(), i.name)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

/// The recommendations of one review, for resolving paragraphs and themes.
struct Review {
    recommendations: Vec<Recommendation>,
}

impl Review {
    async fn load(store: &dyn Store, state: StateCode, cycle: Option<u8>) -> Result<Self> {
        let filter = RecommendationFilter {
            state: Some(state),
            cycle,
            ..Default::default()
        };
        let mut recommendations = Vec::new();
        let mut after = RecommendationId(0);
        loop {
            let page = store
                .recommendations(
                    &filter,
                    PageRequest {
                        limit: 1000,
                        offset: 0,
                        after_id: Some(after),
                    },
                )
                .await?;
            let Some(last) = page.items.last() else { break };
            after = last.id;
            recommendations.extend(page.items);
        }
        Ok(Self { recommendations })
    }

    /// Paragraphs (`121.12`, every recommendation of that paragraph) or `#id`s.
    fn resolve(&self, references: &[String]) -> Result<Vec<RecommendationId>> {
        let mut out = Vec::new();
        for reference in references
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
        {
            if let Some(id) = reference.strip_prefix('#') {
                let id = id
                    .parse()
                    .map_err(|_| anyhow!("{reference:?} is not an id such as #812"))?;
                out.push(RecommendationId(id));
                continue;
            }
            let found: Vec<RecommendationId> = self
                .recommendations
                .iter()
                .filter(|r| r.paragraph.as_deref() == Some(reference))
                .map(|r| r.id)
                .collect();
            if found.is_empty() {
                bail!("no recommendation of this review at paragraph {reference:?}");
            }
            out.extend(found);
        }
        Ok(out)
    }

    /// The recommendations with a UHRI theme from their source or a person.
    fn with_theme(&self, theme: &str) -> Result<Vec<RecommendationId>> {
        let code = Taxonomy::UhriTheme.term(theme)?.code;
        Ok(self
            .recommendations
            .iter()
            .filter(|r| {
                r.tags.iter().any(|t| {
                    t.taxonomy == Taxonomy::UhriTheme
                        && t.code == code
                        && t.provenance.is_ground_truth()
                })
            })
            .map(|r| r.id)
            .collect())
    }
}

pub async fn assign(store: &dyn Store, args: AssignArgs, json: bool) -> Result<ExitCode> {
    let all = store.institutions().await?;
    let lead = args
        .lead
        .as_deref()
        .map(|l| institution_id(&all, l))
        .transpose()?;
    let support = institution_ids(&all, &args.support)?;
    let filter = RecommendationFilter {
        state: Some(args.state),
        cycle: args.cycle.map(u8::from),
        ..Default::default()
    };
    let t = args.target;
    let target = if let Some(theme) = t.theme {
        AssignTarget::Tag {
            filter,
            taxonomy: Taxonomy::UhriTheme,
            code: theme,
        }
    } else if let Some(issue) = t.issue {
        AssignTarget::Tag {
            filter,
            taxonomy: Taxonomy::UprIssue,
            code: issue,
        }
    } else if let Some(cluster) = t.cluster {
        AssignTarget::Cluster(cluster)
    } else if t.all {
        AssignTarget::Filter(filter)
    } else {
        let review = Review::load(store, args.state, args.cycle.map(u8::from)).await?;
        AssignTarget::Recommendations(review.resolve(&t.recommendations)?)
    };
    let summary = store
        .assign(
            ACTOR,
            Assign {
                target,
                lead,
                support,
            },
        )
        .await?;
    print(json, &summary, || {
        format!(
            "assigned {} recommendation(s){}",
            summary.recommendations,
            if summary.clusters > 0 {
                " and the cluster"
            } else {
                ""
            }
        )
    })
}

pub async fn action(store: &dyn Store, command: ActionCommand, json: bool) -> Result<ExitCode> {
    let ActionCommand::Add(args) = command;
    let all = store.institutions().await?;
    let review = Review::load(store, args.state, args.cycle.map(u8::from)).await?;
    let action = new_action(&all, &review, args)?;
    let title = action.title.clone();
    let id = store
        .create_action(ACTOR, action)
        .await
        .with_context(|| format!("cannot add the action {title:?}"))?;
    print(json, &serde_json::json!({ "id": id }), || {
        format!("action {id}: {title}")
    })
}

fn new_action(all: &[Institution], review: &Review, a: ActionAddArgs) -> Result<NewAction> {
    let committee = a
        .committee
        .as_deref()
        .map(|c| institution_id(all, c))
        .transpose()?;
    Ok(NewAction {
        institution_id: a
            .institution
            .as_deref()
            .map(|i| institution_id(all, i))
            .transpose()?,
        start_date: a.start,
        target_date: a.target,
        progress: a.progress,
        funding: match (a.budget, a.currency) {
            (Some(amount), Some(currency)) => Some(Funding {
                amount,
                currency: currency.to_uppercase(),
                funder: a.funder,
                disbursed: a.disbursed.unwrap_or(0.0),
            }),
            _ => None,
        },
        legislation: match (a.law_title, a.law_stage) {
            (Some(title), Some(stage)) => Some(Legislation {
                title,
                stage,
                committee_id: committee,
            }),
            _ => None,
        },
        cluster_ids: a.clusters,
        description: a.description,
        ..NewAction::planned(&a.title, a.kind, review.resolve(&a.recommendations)?)
    })
}

pub async fn status(store: &dyn Store, command: StatusCommand, json: bool) -> Result<ExitCode> {
    let StatusCommand::Set {
        recommendation,
        cluster,
        status,
        justification,
    } = command;
    let what = match (recommendation, cluster) {
        (Some(id), _) => {
            store
                .set_status(ACTOR, RecommendationId(id), status, &justification)
                .await?;
            format!("recommendation {id}")
        }
        (None, Some(id)) => {
            store
                .set_cluster_status(ACTOR, id, status, &justification)
                .await?;
            format!("cluster {id}")
        }
        (None, None) => bail!("name a --recommendation or a --cluster"),
    };
    print(json, &serde_json::json!({ "status": status }), || {
        format!("{what}: {}", status.label())
    })
}

/// What a plan import did.
#[derive(Debug, Default, Serialize)]
struct PlanSummary {
    format: &'static str,
    assignments: usize,
    assigned_recommendations: usize,
    actions: usize,
    dry_run: bool,
}

/// A plan row resolved against the database, ready to write.
enum Resolved {
    Assign(Assign),
    Action(NewAction),
}

fn resolve_row(all: &[Institution], review: &Review, row: PlanRow) -> Result<Resolved> {
    let mut ids = review.resolve(&row.targets.references)?;
    if let Some(theme) = &row.targets.theme {
        let themed = review.with_theme(theme)?;
        if themed.is_empty() {
            bail!("no recommendation of this review has the theme {theme:?}");
        }
        ids.extend(themed);
    }
    ids.sort();
    ids.dedup();
    let lead = row
        .lead
        .as_deref()
        .map(|l| institution_id(all, l))
        .transpose()?;
    match (row.record, row.action) {
        (PlanRecord::Assignment, _) => Ok(Resolved::Assign(Assign {
            target: AssignTarget::Recommendations(ids),
            lead,
            support: institution_ids(all, &row.support)?,
        })),
        (PlanRecord::Action, Some(a)) => {
            let legislation = match a.legislation {
                Some((title, stage, committee)) => Some(Legislation {
                    title,
                    stage,
                    committee_id: committee
                        .as_deref()
                        .map(|c| institution_id(all, c))
                        .transpose()?,
                }),
                None => None,
            };
            Ok(Resolved::Action(NewAction {
                description: a.description,
                institution_id: lead,
                start_date: a.start,
                target_date: a.target,
                progress: a.progress,
                funding: a.funding,
                legislation,
                ..NewAction::planned(&a.title, a.kind, ids)
            }))
        }
        (PlanRecord::Action, None) => bail!("the action's columns are missing"),
    }
}

/// Resolves every row first, so that a file with a problem writes nothing; then writes
/// each row in its own transaction.
pub async fn plan(store: &dyn Store, command: PlanCommand, json: bool) -> Result<ExitCode> {
    let (state, cycle, dry_run, file) = match command {
        PlanCommand::Import {
            state,
            cycle,
            dry_run,
            file,
        } => (state, cycle, dry_run, file),
        PlanCommand::Export {
            state,
            institution,
            format,
            bom,
            output,
        } => return plan_export(store, state, institution, &format, bom, output.as_deref()).await,
    };
    let name = file.display().to_string();
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {name}"))?;
    // The project's template or IMPACT OSS's action import, told apart by the header.
    let (format, rows) = parse_any(&name, &bytes).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("{}, {}: {}", p.file, p.location, p.message))
            .collect();
        anyhow!(
            "the plan is refused, nothing was written:\n{}",
            lines.join("\n")
        )
    })?;
    let all = store.institutions().await?;
    let review = Review::load(store, state, cycle.map(u8::from)).await?;
    let mut resolved = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for row in rows {
        let location = row.location.clone();
        match resolve_row(&all, &review, row) {
            Ok(r) => resolved.push(r),
            Err(e) => problems.push(format!("{name}, {location}: {e:#}")),
        }
    }
    if !problems.is_empty() {
        bail!(
            "the plan is refused, nothing was written:\n{}",
            problems.join("\n")
        );
    }
    let mut summary = PlanSummary {
        format: format.name(),
        dry_run,
        ..Default::default()
    };
    for r in resolved {
        match r {
            Resolved::Assign(a) => {
                summary.assignments += 1;
                if !dry_run {
                    summary.assigned_recommendations +=
                        store.assign(ACTOR, a).await?.recommendations;
                }
            }
            Resolved::Action(a) => {
                summary.actions += 1;
                if !dry_run {
                    store.create_action(ACTOR, a).await?;
                }
            }
        }
    }
    print(json, &summary, || {
        format!(
            "{}{}: {} assignment row(s) ({} recommendation(s)), {} action(s)",
            if dry_run { "dry run: " } else { "" },
            summary.format,
            summary.assignments,
            summary.assigned_recommendations,
            summary.actions
        )
    })
}

/// Writes a state's plan (or one institution's part of it) with the report crate's
/// exporter, like every export.
async fn plan_export(
    store: &dyn Store,
    state: StateCode,
    institution: Option<String>,
    format: &str,
    bom: bool,
    output: Option<&std::path::Path>,
) -> Result<ExitCode> {
    use rightstrack_report::export::{ExportFormat, Exporter};
    use rightstrack_report::plan::{plan_rows, PlanQuery, PLAN};
    let format = ExportFormat::parse(format).map_err(anyhow::Error::msg)?;
    let institution = match institution {
        Some(name) => Some(institution_id(&store.institutions().await?, &name)?),
        None => None,
    };
    let rows = plan_rows(
        store,
        &PlanQuery {
            state,
            institution,
            published_only: false,
        },
    )
    .await?;
    let out: Box<dyn std::io::Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut exporter = Exporter::for_table(&PLAN, format, out, bom)?;
    for row in &rows {
        exporter.write_fields(row)?;
    }
    let written = exporter.finish()?;
    if let Some(path) = output {
        eprintln!("{written} recommendations written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn jobs(store: &dyn Store, command: JobsCommand, json: bool) -> Result<ExitCode> {
    let JobsCommand::RunDue { now } = command;
    let now = match now {
        Some(t) => time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
            .map_err(|_| {
                anyhow!("--now {t:?} is not an RFC 3339 instant such as 2025-06-20T08:00:00Z")
            })?,
        None => time::OffsetDateTime::now_utc(),
    };
    let settings = rightstrack_jobs::ReminderSettings::from_env()?;
    let mailer = rightstrack_jobs::SmtpSettings::from_env()?
        .map(|s| rightstrack_jobs::Mailer::new(&s))
        .transpose()?;
    let summary = rightstrack_jobs::run_due(store, mailer.as_ref(), now, settings).await?;
    print(json, &summary, || {
        format!(
            "{} reminder(s) due, {} new: {} e-mailed, {} refused by the server (retried next run){}",
            summary.due,
            summary.claimed,
            summary.emailed,
            summary.failed,
            if mailer.is_none() { "; no RIGHTSTRACK_SMTP_HOST, so in-app only" } else { "" }
        )
    })
}

/// How often `serve` runs the reminder job: `RIGHTSTRACK_REMINDER_INTERVAL_MINUTES`, 15 by
/// default; 0 turns it off (run `rightstrack jobs run-due` from cron instead).
fn reminder_interval(value: Option<&str>) -> Result<Option<std::time::Duration>> {
    let minutes: u64 = match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => 15,
        Some(v) => v.parse().map_err(|_| {
            anyhow!("RIGHTSTRACK_REMINDER_INTERVAL_MINUTES is {v:?}: expected a number of minutes (0 turns reminders off)")
        })?,
    };
    Ok((minutes > 0).then(|| std::time::Duration::from_secs(minutes * 60)))
}

/// Starts the reminder job beside the web server, with the settings `jobs run-due` uses.
pub fn spawn_reminders_in_server(store: std::sync::Arc<dyn Store>) -> Result<()> {
    let interval = std::env::var("RIGHTSTRACK_REMINDER_INTERVAL_MINUTES").ok();
    let Some(every) = reminder_interval(interval.as_deref())? else {
        tracing::info!("reminders are off in the server (RIGHTSTRACK_REMINDER_INTERVAL_MINUTES=0)");
        return Ok(());
    };
    let settings = rightstrack_jobs::ReminderSettings::from_env()?;
    let mailer = rightstrack_jobs::SmtpSettings::from_env()?
        .map(|s| rightstrack_jobs::Mailer::new(&s))
        .transpose()?;
    if mailer.is_none() {
        tracing::info!("no RIGHTSTRACK_SMTP_HOST: reminders are in-app notifications only");
    }
    rightstrack_jobs::spawn_reminders(store, mailer, settings, every);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_reminds_every_quarter_hour_unless_told() -> Result<()> {
        assert_eq!(
            reminder_interval(None)?,
            Some(std::time::Duration::from_secs(900))
        );
        assert_eq!(
            reminder_interval(Some("60"))?,
            Some(std::time::Duration::from_secs(3600))
        );
        assert_eq!(reminder_interval(Some("0"))?, None);
        assert!(reminder_interval(Some("hourly")).is_err());
        Ok(())
    }
}
