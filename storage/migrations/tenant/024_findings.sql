-- Findings become first-class: recorded by hand (POST /api/v1/findings) as
-- well as by confirming a flag, with a category, a severity, a state, the
-- documents they cite and an optional rectification due date. The reason
-- column holds the description. Findings recorded from flags before this
-- migration are "other" and "minor" (a regulator may re-rate them) and cite
-- the flag's documents of their own audit.
ALTER TABLE findings ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE findings ADD COLUMN severity TEXT NOT NULL DEFAULT 'minor';
ALTER TABLE findings ADD COLUMN state TEXT NOT NULL DEFAULT 'open';
ALTER TABLE findings ADD COLUMN document_ids TEXT NOT NULL DEFAULT '[]'; -- JSON array
ALTER TABLE findings ADD COLUMN rectification_due TEXT NOT NULL DEFAULT ''; -- YYYY-MM-DD or ''

UPDATE findings SET document_ids = (
    SELECT json_group_array(d.id) FROM flags f JOIN documents d ON d.id IN (f.doc_a, f.doc_b)
    WHERE f.id = findings.flag_id AND d.audit_id = findings.audit_id)
WHERE flag_id <> '' AND EXISTS (SELECT 1 FROM flags f WHERE f.id = findings.flag_id);

-- The evaluation reads a consultancy's findings of one year.
CREATE INDEX findings_consultancy_created ON findings(consultancy_id, created_at);
