-- Analysis (duplicate and inconsistency detection) follows extraction
-- through the outbox: an 'analyse' job is written in the same transaction
-- as each extraction result. Documents whose text was extracted before
-- analysis existed are queued once here.
INSERT INTO jobs (kind, document_id, version, not_before, created_at)
SELECT 'analyse', document_id, max(version), 0, 0 FROM document_texts GROUP BY document_id;

-- The winnowed k-gram fingerprints of each document's newest analysed
-- text (see search/detect), with its enterprise, so that a new document
-- is compared against the whole tenant through the hash index alone.
CREATE TABLE fingerprints (
    hash          INTEGER NOT NULL,
    document_id   TEXT NOT NULL REFERENCES documents(id),
    pos           INTEGER NOT NULL, -- rune offset of the k-gram in the text
    enterprise_id TEXT NOT NULL,    -- '' for guidelines
    guideline     INTEGER NOT NULL
);
CREATE INDEX fingerprints_hash ON fingerprints(hash);
CREATE INDEX fingerprints_document ON fingerprints(document_id);

-- Fingerprints found in a guideline or in the documents of many
-- enterprises: common text, not evidence of copying. cause is the
-- analysis job that found it so.
CREATE TABLE boilerplate (
    hash  INTEGER PRIMARY KEY,
    cause INTEGER NOT NULL
);

-- What was analysed of each document.
CREATE TABLE analysed_texts (
    document_id   TEXT PRIMARY KEY REFERENCES documents(id),
    version       INTEGER NOT NULL,
    enterprise_id TEXT NOT NULL,
    runes         INTEGER NOT NULL, -- significant runes, the measure of scores
    uploaded_at   INTEGER NOT NULL,
    analysed_at   INTEGER NOT NULL
);

-- Flags raised between two documents; doc_a is the older (ids sort by
-- creation time), so a pair has one flag of each kind.
CREATE TABLE flags (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    doc_a      TEXT NOT NULL REFERENCES documents(id),
    doc_b      TEXT NOT NULL REFERENCES documents(id),
    score      REAL NOT NULL,
    detail     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (doc_a < doc_b)
);
CREATE UNIQUE INDEX flags_pair ON flags(kind, doc_a, doc_b);
CREATE INDEX flags_b ON flags(doc_b);
CREATE INDEX flags_score ON flags(score DESC);
