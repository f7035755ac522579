-- Deadlines and progress: milestones a regulator records (disclosure,
-- assessment and acceptance done), each audit's derived progress kept up
-- to date in the transaction of every change and recomputed daily (so
-- lists and dashboards read one row per audit), the obligations each
-- audit is overdue on, and the notices sent when one becomes overdue.
CREATE TABLE audit_milestones (
    id          TEXT PRIMARY KEY,
    audit_id    TEXT NOT NULL REFERENCES audits(id),
    obligation  TEXT NOT NULL,
    date        TEXT NOT NULL,            -- YYYY-MM-DD, China time
    result      TEXT NOT NULL DEFAULT '', -- pass or fail for assessment/acceptance
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX audit_milestones_audit ON audit_milestones(audit_id, recorded_at);

-- The audit's enterprise, consultancy, batch, region and industry are
-- copied here (and kept in step by the triggers below) so that lists and
-- dashboards read this one table: a province's 10,000 audits are counted
-- without 20,000 index lookups into audits and organisations.
CREATE TABLE audit_progress (
    audit_id        TEXT PRIMARY KEY REFERENCES audits(id),
    enterprise_id   TEXT NOT NULL,
    enterprise_name TEXT NOT NULL,
    consultancy_id  TEXT NOT NULL DEFAULT '',   -- '' for a self-audit
    batch_id        TEXT NOT NULL DEFAULT '',   -- '' for no batch
    region          TEXT NOT NULL DEFAULT '',   -- the enterprise's division code
    industry        TEXT NOT NULL DEFAULT '',   -- the enterprise's GB/T 4754 code
    phase           TEXT NOT NULL,              -- P1..P7 or done
    accepted        INTEGER NOT NULL,           -- steps accepted
    changed_at      INTEGER NOT NULL,           -- last change of any kind
    completed       INTEGER NOT NULL DEFAULT 0, -- acceptance done (pass)
    next_obligation TEXT NOT NULL DEFAULT '',
    next_due        TEXT NOT NULL DEFAULT '',
    overdue_mask    INTEGER NOT NULL DEFAULT 0, -- bit i: cpaudit.ObligationNames[i] overdue
    computed_on     TEXT NOT NULL               -- the day (China time) it was computed for
);
-- Audits that exist already are listed at once; their phase and
-- deadlines are computed by the deadline job, which runs when the server
-- starts (computed_on '' marks rows it has not reached yet).
INSERT INTO audit_progress (audit_id, enterprise_id, enterprise_name, consultancy_id, batch_id, region, industry,
    phase, accepted, changed_at, computed_on)
SELECT au.id, au.enterprise_id, e.name, coalesce(au.consultancy_id, ''), coalesce(au.batch_id, ''), e.region, e.industry,
    'P1', 0, au.created_at, ''
FROM audits au JOIN organisations e ON e.id = au.enterprise_id;
CREATE INDEX audit_progress_name ON audit_progress(enterprise_name, audit_id);
CREATE INDEX audit_progress_region ON audit_progress(region);
CREATE INDEX audit_progress_enterprise ON audit_progress(enterprise_id);
CREATE INDEX audit_progress_consultancy ON audit_progress(consultancy_id);
CREATE INDEX audit_progress_next ON audit_progress(next_due) WHERE next_due <> '';

CREATE TRIGGER audit_progress_organisation AFTER UPDATE OF name, region, industry ON organisations
BEGIN
    UPDATE audit_progress SET enterprise_name = NEW.name, region = NEW.region, industry = NEW.industry
    WHERE enterprise_id = NEW.id;
END;
-- An audit carried into a later batch leaves its obligations behind (the
-- new audit has them), exactly as refreshing its progress would find.
CREATE TRIGGER audit_progress_carried AFTER UPDATE OF carried_to ON audits WHEN NEW.carried_to IS NOT NULL
BEGIN
    UPDATE audit_progress SET overdue_mask = 0, next_obligation = '', next_due = '' WHERE audit_id = NEW.id;
    DELETE FROM audit_overdue WHERE audit_id = NEW.id;
END;
CREATE TRIGGER audit_progress_audit AFTER UPDATE OF enterprise_id, consultancy_id, batch_id ON audits
BEGIN
    UPDATE audit_progress SET enterprise_id = NEW.enterprise_id, consultancy_id = coalesce(NEW.consultancy_id, ''),
        batch_id = coalesce(NEW.batch_id, '')
    WHERE audit_id = NEW.id;
END;

CREATE TABLE audit_overdue (
    audit_id   TEXT NOT NULL REFERENCES audits(id),
    obligation TEXT NOT NULL,
    due        TEXT NOT NULL,
    PRIMARY KEY (audit_id, obligation)
);
CREATE INDEX audit_overdue_due ON audit_overdue(due, audit_id, obligation);

CREATE TABLE notices (
    id         TEXT PRIMARY KEY,
    audit_id   TEXT NOT NULL REFERENCES audits(id),
    kind       TEXT NOT NULL,   -- overdue
    obligation TEXT NOT NULL,
    due        TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX notices_created ON notices(created_at DESC);
