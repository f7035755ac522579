-- Index jobs share the outbox with extraction jobs (kind 'index'): one is
-- written, in the same transaction, whenever a version's extraction ends,
-- and asks for the document's entry in the tenant's full-text index to be
-- brought up to date. Documents stored before the index existed need no
-- job here: a server that opens an empty index queues every document with
-- text itself (storage.RequeueIndex).
CREATE INDEX document_texts_done ON document_texts(document_id, version) WHERE status = 'done';
