-- Key figures and identifying numbers (inconsistent_figure,
-- duplicate_number; see storage/figures.go and search/detect).

-- The cleaner production options (清洁生产方案) of an audit as structured
-- data: figures is a JSON object of quantity -> value in the quantity's
-- canonical unit (元, t, kWh, tce).
CREATE TABLE audit_options (
    id         TEXT PRIMARY KEY,
    audit_id   TEXT NOT NULL REFERENCES audits(id),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL CHECK (category IN ('low_cost', 'high_cost')),
    figures    TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX audit_options_code ON audit_options(audit_id, code);

-- The key figures read from each analysed document of an audit (a JSON
-- array of cpaudit.Figure): the figures of an audit are one indexed read.
CREATE TABLE doc_figures (
    document_id TEXT PRIMARY KEY REFERENCES documents(id),
    audit_id    TEXT NOT NULL,
    figures     TEXT NOT NULL
);
CREATE INDEX doc_figures_audit ON doc_figures(audit_id);

-- Invoice, certificate and monitoring report numbers of each analysed
-- document, with its enterprise: a new document's numbers are looked up
-- across the tenant through the number index, one query per document.
CREATE TABLE doc_numbers (
    number        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    document_id   TEXT NOT NULL REFERENCES documents(id),
    enterprise_id TEXT NOT NULL,
    label         TEXT NOT NULL,
    sentence      TEXT NOT NULL,
    pos           INTEGER NOT NULL
);
CREATE INDEX doc_numbers_number ON doc_numbers(number);
CREATE INDEX doc_numbers_document ON doc_numbers(document_id);

-- Documents analysed before figures and numbers were read are analysed
-- once more.
INSERT INTO jobs (kind, document_id, version, not_before, created_at)
SELECT 'analyse', d.id, d.versions, 0, 0 FROM documents d
WHERE d.deleted_at IS NULL AND d.versions > 0
    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = d.id AND j.kind = 'analyse');
