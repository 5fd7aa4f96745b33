-- Clusters and links are proposed by the machine and decided by people: a member a person
-- took out of a cluster keeps its row, marked removed, so that a re-run does not put it
-- back; a cluster keeps the terms its members share, which explain it.
ALTER TABLE cluster_members ADD COLUMN removed BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE clusters ADD COLUMN shared_terms TEXT NOT NULL DEFAULT '[]';
CREATE INDEX clusters_state_kind ON clusters (state_code, kind);
