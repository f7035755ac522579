-- Organisation profiles (an enterprise's address, discharge permit and
-- operating status), the audit-qualified staff of consultancies, audits
-- carried into a later batch, each tenant's expected documents per step,
-- and the rejected rows of enterprise imports (kept so the report can be
-- downloaded as .xlsx after the upload's answer).
ALTER TABLE organisations ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN permit_number TEXT NOT NULL DEFAULT '';   -- 排污许可证编号
ALTER TABLE organisations ADD COLUMN status TEXT NOT NULL DEFAULT '';          -- enterprises: operating or stopped
UPDATE organisations SET status = 'operating' WHERE kind = 'enterprise';
CREATE INDEX organisations_kind_region ON organisations(kind, region);

CREATE TABLE consultancy_staff (
    id             TEXT PRIMARY KEY,
    consultancy_id TEXT NOT NULL REFERENCES organisations(id),
    name           TEXT NOT NULL,
    certificate    TEXT NOT NULL,          -- qualification certificate number
    qualification  TEXT NOT NULL DEFAULT '', -- level or type
    valid_until    TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD or ''
    created_at     INTEGER NOT NULL,
    UNIQUE (consultancy_id, certificate)
);

ALTER TABLE audits ADD COLUMN carried_from TEXT REFERENCES audits(id);
ALTER TABLE audits ADD COLUMN carried_to TEXT REFERENCES audits(id);

-- A row replaces the embedded default list of its step.
CREATE TABLE step_expected (
    step       INTEGER PRIMARY KEY CHECK (step BETWEEN 1 AND 35),
    documents  TEXT NOT NULL, -- JSON array of cpaudit.ExpectedDocument
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE enterprise_imports (
    id         TEXT PRIMARY KEY,
    created_by TEXT NOT NULL, -- user id; only they may download the report
    created_at INTEGER NOT NULL,
    summary    TEXT NOT NULL  -- JSON of cpaudit.ImportResult
);
