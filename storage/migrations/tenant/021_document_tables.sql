-- The tables of workbooks and Word documents (a JSON array of
-- cpaudit.Table), read by text extraction in the same pass as the text,
-- which the key figures of inconsistent_figure are read from; '' when the
-- file has none.
ALTER TABLE document_texts ADD COLUMN tables TEXT NOT NULL DEFAULT '';

-- Workbooks and Word documents extracted before tables were kept are
-- extracted again, so that their figures are read once more (the
-- extraction queues the analysis). Which files: those whose tables were
-- read from the file until now, by the name's extension (.xlsx, .xlsm,
-- .docx, .docm, in any case: LIKE ignores ASCII case) or else by the
-- content type (spreadsheetml, wordprocessingml). Which version: the one
-- the analysis reads, the newest whose extraction succeeded, unless an
-- extraction of the document is waiting already (it will keep the
-- tables).
INSERT INTO jobs (kind, document_id, version, not_before, created_at)
SELECT 'extract', t.document_id, t.version, 0, 0
FROM document_texts t
JOIN documents d ON d.id = t.document_id
JOIN document_versions v ON v.document_id = t.document_id AND v.number = t.version
WHERE d.deleted_at IS NULL AND t.status = 'done'
    AND t.version = (SELECT max(version) FROM document_texts WHERE document_id = t.document_id AND status = 'done')
    AND (v.filename LIKE '%.xlsx' OR v.filename LIKE '%.xlsm' OR v.filename LIKE '%.docx' OR v.filename LIKE '%.docm'
        OR v.content_type LIKE '%spreadsheetml%' OR v.content_type LIKE '%wordprocessingml%')
    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = t.document_id AND j.kind = 'extract');
