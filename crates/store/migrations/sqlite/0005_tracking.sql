-- Implementation tracking: cluster plans, action links to clusters, indicator schedules,
-- evidence, cluster statuses, regressions, reminders and in-app notifications.

ALTER TABLE institutions ADD COLUMN updated_at TEXT;
ALTER TABLE users ADD COLUMN email TEXT;

ALTER TABLE assignments ADD COLUMN assigned_by TEXT;
ALTER TABLE assignments ADD COLUMN assigned_at TEXT;

CREATE TABLE cluster_assignments (
    cluster_id INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    role TEXT NOT NULL CHECK (role IN ('lead', 'support')),
    assigned_by TEXT,
    assigned_at TEXT,
    PRIMARY KEY (cluster_id, institution_id)
);
CREATE INDEX cluster_assignments_institution ON cluster_assignments (institution_id);

CREATE TABLE action_clusters (
    action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    cluster_id INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    PRIMARY KEY (action_id, cluster_id)
);
CREATE INDEX action_clusters_cluster ON action_clusters (cluster_id);
CREATE INDEX actions_institution ON actions (institution_id);

-- Reporting runs from schedule_start (exclusive) to schedule_end (inclusive).
ALTER TABLE indicators ADD COLUMN schedule_start TEXT;
ALTER TABLE indicators ADD COLUMN schedule_end TEXT;
CREATE INDEX indicators_action ON indicators (action_id);
ALTER TABLE progress_reports ADD COLUMN author TEXT;
CREATE INDEX progress_reports_due ON progress_reports (due_date) WHERE reported_at IS NULL;

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    progress_report_id INTEGER NOT NULL REFERENCES progress_reports (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX evidence_report ON evidence (progress_report_id);

CREATE TABLE cluster_status_changes (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    justification TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX cluster_status_changes_cluster ON cluster_status_changes (cluster_id, at);

-- A step backwards stays on record even when its action is later deleted.
CREATE TABLE regressions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    recommendation_id INTEGER REFERENCES recommendations (id) ON DELETE CASCADE,
    cluster_id INTEGER REFERENCES clusters (id) ON DELETE CASCADE,
    action_id INTEGER REFERENCES actions (id) ON DELETE SET NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX regressions_recommendation ON regressions (recommendation_id);
CREATE INDEX regressions_cluster ON regressions (cluster_id);

-- One row per reminder ever claimed: the unique key is what makes sending idempotent.
CREATE TABLE reminder_deliveries (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    item TEXT NOT NULL,
    due_date TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    claimed_at TEXT NOT NULL,
    finished_at TEXT,
    error TEXT,
    UNIQUE (kind, item, due_date, user_id)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    reminder_id INTEGER REFERENCES reminder_deliveries (id) ON DELETE SET NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
-- At most one notification per reminder, however often its sending is retried.
CREATE UNIQUE INDEX notifications_reminder ON notifications (reminder_id);
