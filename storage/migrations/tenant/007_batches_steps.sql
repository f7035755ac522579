-- Batches of listed enterprises with their dated obligations, and the
-- workflow of the 35 steps: who changed a step, when, and why it was
-- returned; when an audit reached its assessment and acceptance gates.
CREATE TABLE batches (
    id          TEXT PRIMARY KEY,
    year        INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    name        TEXT NOT NULL,
    reasons     TEXT NOT NULL DEFAULT '[]', -- JSON array of listing reason codes
    industries  TEXT NOT NULL DEFAULT '[]', -- JSON array of GB/T 4754 codes
    obligations TEXT NOT NULL DEFAULT '{}', -- JSON object of due dates
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (year, number)
);

ALTER TABLE audits ADD COLUMN batch_id TEXT REFERENCES batches(id);
ALTER TABLE audits ADD COLUMN assessment_open_at INTEGER;
ALTER TABLE audits ADD COLUMN acceptance_open_at INTEGER;
CREATE INDEX audits_batch ON audits(batch_id);

ALTER TABLE audit_steps ADD COLUMN changed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_steps ADD COLUMN changed_at INTEGER;
ALTER TABLE audit_steps ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_steps ADD COLUMN document_ids TEXT NOT NULL DEFAULT '[]';
