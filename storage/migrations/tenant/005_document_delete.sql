-- A deleted document is hidden, not erased: its versions, blobs and audit
-- trail stay for the regulator's record (and for cpaudit verify).
ALTER TABLE documents ADD COLUMN deleted_at INTEGER;
ALTER TABLE documents ADD COLUMN deleted_by TEXT NOT NULL DEFAULT '';
