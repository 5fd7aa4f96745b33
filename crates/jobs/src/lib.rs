//! Scheduled jobs. One so far: due-date reminders, run by `rightstrack jobs run-due` (for
//! cron) or inside `rightstrack serve` ([`spawn_reminders`]).

mod reminders;
mod smtp;

pub use reminders::{run_due, spawn_reminders, ReminderSettings, RunSummary};
pub use smtp::{Mailer, SmtpSettings, Tls};

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Settings(String),
    #[error(transparent)]
    Store(#[from] rightstrack_store::StoreError),
}
