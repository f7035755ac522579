-- Issue 22, guidelines as versioned publications: each version is a
-- guideline document of the tenant with the facts of its publication.
-- industries is a JSON array of GB/T 4754 codes; dates are YYYY-MM-DD; a
-- series has at most one published version (the partial unique index).
-- A draft is read by the tenant's admins and the user who registered it
-- (created_by_id).
CREATE TABLE guidelines (
    id             TEXT PRIMARY KEY,
    series_id      TEXT NOT NULL,
    version        INTEGER NOT NULL,
    document_id    TEXT NOT NULL UNIQUE REFERENCES documents(id),
    title          TEXT NOT NULL,
    issuing_body   TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    industries     TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('draft','published','superseded')),
    supersedes_id  TEXT REFERENCES guidelines(id),
    created_by_id  TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    published_at   INTEGER,
    UNIQUE (series_id, version)
);
CREATE UNIQUE INDEX guidelines_one_published ON guidelines (series_id) WHERE state = 'published';

-- The bottom-line requirements (底线要求) of a version: steps and phrases
-- are JSON arrays (step numbers 1..35; alternative phrases or figures any
-- of which shows a report addresses it).
CREATE TABLE guideline_requirements (
    guideline_id TEXT NOT NULL REFERENCES guidelines(id),
    number       INTEGER NOT NULL,
    text         TEXT NOT NULL,
    steps        TEXT NOT NULL,
    phrases      TEXT NOT NULL,
    veto         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guideline_id, number)
);
