-- The regulator's review of an accepted audit's permit record: the state
-- it last set (the record itself is derived from the audit each time it is
-- read), when and by whom. No row: the record is as prepared (ready).
-- Each change is in the audit log too.
CREATE TABLE permit_records (
    audit_id TEXT PRIMARY KEY REFERENCES audits(id),
    state    TEXT NOT NULL,            -- exported or loaded
    state_on TEXT NOT NULL,            -- YYYY-MM-DD, China time
    note     TEXT NOT NULL DEFAULT '',
    set_by   TEXT NOT NULL,            -- e-mail
    set_at   INTEGER NOT NULL
);

-- Regulator offices marked as enforcement (执法) by an admin: their
-- regulators record site checks.
CREATE TABLE enforcement_offices (
    org_id    TEXT PRIMARY KEY REFERENCES organisations(id),
    marked_by TEXT NOT NULL,
    marked_at INTEGER NOT NULL
);

-- Site checks (现场检查) of enterprises in the enforcement queue: the day,
-- what was found, the outcome and the photos (documents uploaded through
-- the normal path, by id).
CREATE TABLE site_checks (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES organisations(id),
    audit_id      TEXT NOT NULL DEFAULT '',
    date          TEXT NOT NULL,
    finding       TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    document_ids  TEXT NOT NULL, -- JSON array
    recorded_by   TEXT NOT NULL,
    recorded_at   INTEGER NOT NULL
);
CREATE INDEX site_checks_enterprise ON site_checks(enterprise_id, date);
