//! The due-reminders job: which reminders are due today, each claimed in the database
//! before it is sent, so that no run, concurrent or repeated, sends one twice.
//!
//! Claim → send → mark sent:
//! - the claim (unique by kind, item, due date and recipient) and the in-app notification
//!   are written in one transaction; a second claim of the same reminder finds it taken;
//! - a send the server refuses is marked failed and claimed again by the next run;
//! - a crash between the send and the mark leaves the claim as `claimed`: it is never sent
//!   again (at most once — a missed reminder is better than a duplicate), and the row shows
//!   an operator which reminders may not have gone out.

use std::sync::Arc;
use std::time::Duration;

use rightstrack_core::signals::local_today;
use rightstrack_store::signals::{due_reminders, ReminderPolicy};
use rightstrack_store::Store;
use serde::Serialize;
use time::{OffsetDateTime, UtcOffset};

use crate::{JobError, Mailer};

/// When and in which time zone reminders are computed.
#[derive(Debug, Clone, Copy)]
pub struct ReminderSettings {
    pub policy: ReminderPolicy,
    /// The state's UTC offset: due dates are its calendar dates.
    pub offset: UtcOffset,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self {
            policy: ReminderPolicy::default(),
            offset: UtcOffset::UTC,
        }
    }
}

impl ReminderSettings {
    /// `RIGHTSTRACK_TIME_ZONE_OFFSET` (such as `+01:00`) and
    /// `RIGHTSTRACK_REMINDER_DAYS_BEFORE` (default 14).
    pub fn from_env() -> Result<Self, JobError> {
        let mut settings = Self::default();
        if let Ok(offset) = std::env::var("RIGHTSTRACK_TIME_ZONE_OFFSET") {
            let format =
                time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
            settings.offset = UtcOffset::parse(offset.trim(), format).map_err(|_| {
                JobError::Settings(format!(
                    "RIGHTSTRACK_TIME_ZONE_OFFSET is {offset:?}: expected an offset such as +01:00"
                ))
            })?;
        }
        if let Ok(days) = std::env::var("RIGHTSTRACK_REMINDER_DAYS_BEFORE") {
            settings.policy.days_before = days.trim().parse().map_err(|_| {
                JobError::Settings(format!(
                    "RIGHTSTRACK_REMINDER_DAYS_BEFORE is {days:?}: expected a number of days"
                ))
            })?;
        }
        Ok(settings)
    }
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Reminders due today, sent before or not.
    pub due: usize,
    /// Claimed by this run (each has an in-app notification).
    pub claimed: usize,
    /// E-mailed.
    pub emailed: usize,
    /// Refused by the server; retried by the next run.
    pub failed: usize,
}

/// Sends the reminders due at `now`. Without a mailer, or for a user without an address,
/// the in-app notification is the reminder.
pub async fn run_due(
    store: &dyn Store,
    mailer: Option<&Mailer>,
    now: OffsetDateTime,
    settings: ReminderSettings,
) -> Result<RunSummary, JobError> {
    let today = local_today(now, settings.offset);
    let reminders = due_reminders(store, today, settings.policy).await?;
    let mut summary = RunSummary {
        due: reminders.len(),
        ..Default::default()
    };
    for reminder in &reminders {
        let Some(claim) = store.claim_reminder(reminder).await? else {
            continue;
        };
        summary.claimed += 1;
        let outcome = match (mailer, reminder.email.as_deref()) {
            (Some(mailer), Some(to)) => {
                let sent = mailer.send(to, &reminder.subject, &reminder.body).await;
                match &sent {
                    Ok(()) => summary.emailed += 1,
                    Err(e) => {
                        summary.failed += 1;
                        tracing::warn!(claim, to, "reminder not sent: {e}");
                    }
                }
                sent
            }
            _ => Ok(()),
        };
        store.finish_reminder(claim, outcome).await?;
    }
    Ok(summary)
}

/// Runs [`run_due`] now and then every `every`, until the runtime stops; errors are
/// logged and the next round tries again.
pub fn spawn_reminders(
    store: Arc<dyn Store>,
    mailer: Option<Mailer>,
    settings: ReminderSettings,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match run_due(
                store.as_ref(),
                mailer.as_ref(),
                OffsetDateTime::now_utc(),
                settings,
            )
            .await
            {
                Ok(summary) if summary.claimed > 0 => tracing::info!(?summary, "reminders"),
                Ok(_) => {}
                Err(e) => tracing::error!("reminders: {e}"),
            }
        }
    })
}
