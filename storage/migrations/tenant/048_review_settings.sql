-- The tenant's own review settings (issue 18): a scoring checklist per
-- campaign stage (none: cpaudit.DefaultChecklist), the Word template of
-- the opinion (none: letter.DefaultOpinion), and the checklist each
-- campaign keeps from its drawing (NULL for campaigns drawn before:
-- they were scored on the default).
CREATE TABLE checklists (
    stage      TEXT PRIMARY KEY,
    checklist  TEXT NOT NULL, -- JSON: cpaudit.Checklist
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

ALTER TABLE campaigns ADD COLUMN checklist TEXT;

CREATE TABLE opinion_template (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    docx        BLOB NOT NULL,
    filename    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
