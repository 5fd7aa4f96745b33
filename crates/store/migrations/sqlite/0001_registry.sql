-- The registry: reference data, documents, recommendations and their tags, clusters and
-- links, implementation tracking, users and the audit log.

CREATE TABLE states (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    regional_group TEXT NOT NULL
);

CREATE TABLE terms (
    id INTEGER PRIMARY KEY,
    taxonomy TEXT NOT NULL,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    UNIQUE (taxonomy, code)
);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    symbol TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    date TEXT,
    title TEXT
);

CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY,
    identity BLOB NOT NULL UNIQUE,
    mechanism TEXT NOT NULL,
    state_code TEXT NOT NULL REFERENCES states (code),
    cycle INTEGER,
    session INTEGER,
    document_id INTEGER REFERENCES documents (id),
    paragraph TEXT,
    text TEXT NOT NULL,
    language TEXT NOT NULL,
    position TEXT,
    position_source TEXT,
    position_explanation TEXT,
    action_category INTEGER,
    source_group TEXT,
    published INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX recommendations_state_cycle ON recommendations (state_code, cycle, session);
CREATE INDEX recommendations_session ON recommendations (session);
CREATE INDEX recommendations_mechanism ON recommendations (mechanism);
CREATE INDEX recommendations_document ON recommendations (document_id, paragraph);

CREATE TABLE recommending_states (
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    state_code TEXT NOT NULL REFERENCES states (code),
    PRIMARY KEY (recommendation_id, state_code)
) WITHOUT ROWID;
CREATE INDEX recommending_states_state ON recommending_states (state_code);

CREATE TABLE recommendation_tags (
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    term_id INTEGER NOT NULL REFERENCES terms (id),
    provenance TEXT NOT NULL CHECK (provenance IN ('imported', 'person', 'model')),
    model_version TEXT,
    confidence REAL,
    set_by TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (recommendation_id, term_id, provenance)
) WITHOUT ROWID;
CREATE INDEX recommendation_tags_term ON recommendation_tags (term_id);

CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    state_code TEXT NOT NULL REFERENCES states (code),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    title_set_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE cluster_members (
    cluster_id INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    score REAL,
    decided_by TEXT,
    PRIMARY KEY (cluster_id, recommendation_id)
);
CREATE INDEX cluster_members_recommendation ON cluster_members (recommendation_id);

CREATE TABLE recommendation_links (
    id INTEGER PRIMARY KEY,
    from_id INTEGER NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    to_id INTEGER NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    score REAL NOT NULL,
    decision TEXT NOT NULL DEFAULT 'proposed',
    decided_by TEXT,
    decided_at TEXT,
    UNIQUE (from_id, to_id)
);
CREATE INDEX recommendation_links_to ON recommendation_links (to_id);

CREATE TABLE institutions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES institutions (id),
    contact_name TEXT,
    contact_email TEXT,
    published INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE assignments (
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    role TEXT NOT NULL CHECK (role IN ('lead', 'support')),
    PRIMARY KEY (recommendation_id, institution_id)
);
CREATE INDEX assignments_institution ON assignments (institution_id);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    institution_id INTEGER REFERENCES institutions (id),
    start_date TEXT,
    target_date TEXT,
    progress TEXT NOT NULL DEFAULT 'planned',
    budget_amount REAL,
    currency TEXT,
    funder TEXT,
    disbursed REAL,
    legislation_title TEXT,
    legislation_stage TEXT,
    legislation_committee_id INTEGER REFERENCES institutions (id),
    published INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE action_recommendations (
    action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    PRIMARY KEY (action_id, recommendation_id)
);
CREATE INDEX action_recommendations_recommendation ON action_recommendations (recommendation_id);

CREATE TABLE indicators (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    baseline REAL,
    target REAL,
    schedule TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE progress_reports (
    id INTEGER PRIMARY KEY,
    indicator_id INTEGER NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    due_date TEXT NOT NULL,
    reported_at TEXT,
    text TEXT NOT NULL DEFAULT '',
    value REAL,
    public INTEGER NOT NULL DEFAULT 0,
    UNIQUE (indicator_id, due_date)
);

CREATE TABLE status_changes (
    id INTEGER PRIMARY KEY,
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    justification TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX status_changes_recommendation ON status_changes (recommendation_id, at);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    stakeholder TEXT NOT NULL,
    institution_id INTEGER REFERENCES institutions (id),
    status TEXT NOT NULL,
    text TEXT NOT NULL,
    evidence TEXT,
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX assessments_recommendation ON assessments (recommendation_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL,
    institution_id INTEGER REFERENCES institutions (id),
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
