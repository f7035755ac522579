-- The one-time notification letters (一次性告知书): the tenant's own Word
-- template (none: the embedded default is used), and which document holds
-- each audit's letter, so regenerating adds a version to it.
CREATE TABLE letter_template (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    docx        BLOB NOT NULL,
    filename    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);

CREATE TABLE letters (
    audit_id    TEXT PRIMARY KEY REFERENCES audits(id),
    document_id TEXT NOT NULL REFERENCES documents(id)
);
