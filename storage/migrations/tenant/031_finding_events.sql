-- Rectification (督办整改): a finding is answered by its audit's consultancy
-- or enterprise, and closed or sent back by a regulator or an admin. Each
-- transition is a row here (the finding's history, read with the finding)
-- as well as an entry in the hash-chained audit log.
CREATE TABLE finding_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id   TEXT NOT NULL REFERENCES findings(id),
    action       TEXT NOT NULL,              -- answer, close, return
    from_state   TEXT NOT NULL,
    to_state     TEXT NOT NULL,
    text         TEXT NOT NULL,              -- the answer, the comment or the reason
    document_ids TEXT NOT NULL DEFAULT '[]', -- JSON array: the answer's documents
    by_email     TEXT NOT NULL,
    by_role      TEXT NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX finding_events_finding ON finding_events(finding_id, seq);

-- Overdue findings: open ones past their due date.
CREATE INDEX findings_state_due ON findings(state, rectification_due);
