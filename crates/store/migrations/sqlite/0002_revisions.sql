-- Every change to a recommendation (or to what describes it: states, tags, status,
-- publication) gives it the next revision. Derived data such as the search index follows
-- the database by reading the revisions after the last one it has seen.
ALTER TABLE recommendations ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
UPDATE recommendations SET revision = id;
CREATE INDEX recommendations_revision ON recommendations (revision, id);
