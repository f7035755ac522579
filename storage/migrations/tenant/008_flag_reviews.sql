-- A regulator's review of a flag: confirmed (a finding is recorded) or
-- dismissed, with the reason. Findings are kept even if the flag they came
-- from is later withdrawn by re-analysis, hence no foreign key to flags.
ALTER TABLE flags ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE flags ADD COLUMN review_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE flags ADD COLUMN reviewed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE flags ADD COLUMN reviewed_at INTEGER;

CREATE TABLE findings (
    id             TEXT PRIMARY KEY,
    flag_id        TEXT NOT NULL,
    flag_kind      TEXT NOT NULL,
    audit_id       TEXT NOT NULL REFERENCES audits(id),
    consultancy_id TEXT, -- the audit's consultancy, answerable for falsified evidence
    reason         TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX findings_audit ON findings(audit_id);
CREATE INDEX findings_consultancy ON findings(consultancy_id);
