-- Notifications (站内通知): one row per user and event that concerns it — a
-- finding recorded on its audit, answered, sent back or closed, an order
-- due within 7 days or overdue. key makes the daily sweep idempotent: a
-- sweep event ("due_soon", "overdue") is keyed by the finding alone, a
-- transition by its finding_events row, so a rerun inserts nothing twice.
-- emailed_at is set when the daily digest carried the row.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    event      TEXT NOT NULL,  -- finding_created, finding_answered, finding_returned, finding_closed, due_soon, overdue
    finding_id TEXT NOT NULL REFERENCES findings(id),
    audit_id   TEXT NOT NULL REFERENCES audits(id),
    key        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER,
    emailed_at INTEGER
);
CREATE UNIQUE INDEX notifications_once ON notifications(user_id, finding_id, event, key);
CREATE INDEX notifications_user ON notifications(user_id, created_at DESC);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_unmailed ON notifications(user_id) WHERE emailed_at IS NULL;

-- The weights of the consultancy evaluation, set by an admin (one row; the
-- defaults of cpaudit.DefaultEvaluationWeights when absent).
CREATE TABLE evaluation_weights (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    weights    TEXT NOT NULL, -- JSON cpaudit.EvaluationWeights
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Where a finding was raised, besides by hand or from a flag (flag_id): the
-- audit step it concerns (a returned step; 0 none) and the expert review
-- assignment it came from ('' none).
ALTER TABLE findings ADD COLUMN step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN assignment_id TEXT NOT NULL DEFAULT '';
