-- The review of model suggestions: the terms of the text that drove each suggestion (JSON),
-- and what people decided, so that a rejected suggestion never comes back for the same
-- recommendation and model, and an accepted one is known to have come from a model.

ALTER TABLE recommendation_tags ADD COLUMN explanation TEXT;

CREATE TABLE suggestion_decisions (
    recommendation_id BIGINT NOT NULL REFERENCES recommendations (id) ON DELETE CASCADE,
    term_id BIGINT NOT NULL REFERENCES terms (id),
    model_version TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
    confidence DOUBLE PRECISION,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (recommendation_id, term_id, model_version)
);

CREATE INDEX recommendation_tags_provenance ON recommendation_tags (provenance, term_id);

-- The action category (1-5) a model predicts, with its confidence, the specificity that
-- follows from it (how measurable the requested action is) and the terms that drove it.
-- Apart from the recommendation's own category, which comes from its source or a person.
CREATE TABLE predicted_categories (
    recommendation_id BIGINT PRIMARY KEY REFERENCES recommendations (id) ON DELETE CASCADE,
    category SMALLINT NOT NULL CHECK (category BETWEEN 1 AND 5),
    confidence DOUBLE PRECISION NOT NULL,
    specificity DOUBLE PRECISION NOT NULL,
    model_version TEXT NOT NULL,
    explanation TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
