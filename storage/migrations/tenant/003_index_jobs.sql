-- Index jobs share the outbox with extraction jobs (kind 'index'): one is
-- written, in the same transaction, whenever a version's extraction ends,
-- and asks for the document's entry in the tenant's full-text index to be
-- brought up to date. Documents stored before the index existed are
-- queued once here.
INSERT INTO jobs (kind, document_id, version, not_before, created_at)
SELECT 'index', id, versions, 0, 0 FROM documents;

CREATE INDEX document_texts_done ON document_texts(document_id, version) WHERE status = 'done';
