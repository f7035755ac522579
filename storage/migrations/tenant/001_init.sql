CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('regulator','consultancy','enterprise','publisher')),
    name        TEXT NOT NULL,
    credit_code TEXT NOT NULL DEFAULT '',
    industry    TEXT NOT NULL DEFAULT '',
    region      TEXT NOT NULL DEFAULT '',
    parent_id   TEXT REFERENCES organisations(id),
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX organisations_credit_code ON organisations(kind, credit_code) WHERE credit_code <> '';

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    org_id        TEXT REFERENCES organisations(id),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL DEFAULT '',
    secret_hash  TEXT NOT NULL UNIQUE, -- hex SHA-256 of the whole token
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);

CREATE TABLE sessions (
    secret_hash TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE audits (
    id             TEXT PRIMARY KEY,
    enterprise_id  TEXT NOT NULL REFERENCES organisations(id),
    consultancy_id TEXT REFERENCES organisations(id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX audits_enterprise ON audits(enterprise_id);
CREATE INDEX audits_consultancy ON audits(consultancy_id);

CREATE TABLE audit_steps (
    audit_id   TEXT NOT NULL REFERENCES audits(id),
    number     INTEGER NOT NULL CHECK (number BETWEEN 1 AND 35),
    state      TEXT NOT NULL DEFAULT 'not_started',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (audit_id, number)
);

CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('report','evidence','guideline','other')),
    title         TEXT NOT NULL,
    audit_id      TEXT REFERENCES audits(id),
    step          INTEGER CHECK (step BETWEEN 1 AND 35),
    org_id        TEXT REFERENCES organisations(id),
    created_by_id TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    versions      INTEGER NOT NULL DEFAULT 1 -- number of the newest version
);
CREATE INDEX documents_created ON documents(created_at DESC);
CREATE INDEX documents_audit ON documents(audit_id);

CREATE TABLE document_versions (
    document_id  TEXT NOT NULL REFERENCES documents(id),
    number       INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    filename     TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL,
    text_status  TEXT NOT NULL DEFAULT 'pending',
    PRIMARY KEY (document_id, number)
);
CREATE INDEX document_versions_sha256 ON document_versions(sha256);

-- The audit log is append-only and hash-chained; seq is AUTOINCREMENT so
-- that sqlite_sequence remembers the highest seq ever used and a deleted
-- tail shows.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    user_id     TEXT NOT NULL,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    detail      TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
