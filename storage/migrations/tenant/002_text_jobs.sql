-- The text extracted from each version, kept so that search, comparison
-- and duplicate detection share one extraction.
CREATE TABLE document_texts (
    document_id  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL DEFAULT '',
    meta         TEXT NOT NULL DEFAULT '{}',
    extracted_at INTEGER NOT NULL,
    PRIMARY KEY (document_id, version),
    FOREIGN KEY (document_id, version) REFERENCES document_versions(document_id, number)
);

-- The outbox of work that follows an upload. A job is written in the same
-- transaction as the version it is about; a worker claims it by pushing
-- not_before past a lease, so a job whose worker died comes back.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL, -- 'extract'
    document_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    FOREIGN KEY (document_id, version) REFERENCES document_versions(document_id, number)
);
CREATE INDEX jobs_due ON jobs(kind, not_before);
