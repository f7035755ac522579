-- A small greyscale thumbnail per image (search/detect.Thumbnail), which
-- checks a pair of images that the hashes take for the same photo: simple
-- scenes differ by as few hash bits as an edited copy. Images stored
-- before have none (an empty blob) and are compared by their hashes alone
-- until their documents, queued here, are analysed again.
ALTER TABLE image_hashes ADD COLUMN thumb BLOB NOT NULL DEFAULT x'';

INSERT INTO jobs (kind, document_id, version, not_before, created_at)
SELECT 'analyse', d.id, d.versions, 0, 0 FROM documents d
WHERE d.deleted_at IS NULL AND d.versions > 0
    AND EXISTS (SELECT 1 FROM image_hashes i WHERE i.document_id = d.id)
    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = d.id AND j.kind = 'analyse');
