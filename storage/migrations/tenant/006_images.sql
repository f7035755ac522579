-- Images and foreign names.
--
-- Perceptual hashes of the images of each document (the file itself when
-- it is a photo, or the media inside an Office file; see search/detect),
-- with its enterprise, for duplicate_image. A new document's images are
-- compared with the stored images of other enterprises: 64-bit hashes
-- compared in memory, one row read per image of the tenant.
CREATE TABLE image_hashes (
    document_id   TEXT NOT NULL REFERENCES documents(id),
    entry         TEXT NOT NULL,   -- zip entry, '' for the file itself
    phash         INTEGER NOT NULL,
    dhash         INTEGER NOT NULL,
    cphash        INTEGER NOT NULL, -- of the centre, for cropped copies
    cdhash        INTEGER NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    exif          TEXT NOT NULL,   -- 'DateTimeOriginal|BodySerialNumber' or ''
    enterprise_id TEXT NOT NULL
);
CREATE INDEX image_hashes_document ON image_hashes(document_id);
CREATE INDEX image_hashes_enterprise ON image_hashes(enterprise_id);
CREATE INDEX image_hashes_exif ON image_hashes(exif) WHERE exif <> '';

-- Documents analysed before images were hashed are analysed once more.
INSERT INTO jobs (kind, document_id, version, not_before, created_at)
SELECT 'analyse', id, versions, 0, 0 FROM documents WHERE deleted_at IS NULL AND versions > 0;

-- foreign_name flags concern one document: doc_a = doc_b. SQLite cannot
-- alter a CHECK constraint, so the table is rebuilt.
CREATE TABLE flags_new (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    doc_a      TEXT NOT NULL REFERENCES documents(id),
    doc_b      TEXT NOT NULL REFERENCES documents(id),
    score      REAL NOT NULL,
    detail     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (doc_a <= doc_b)
);
INSERT INTO flags_new (id, kind, doc_a, doc_b, score, detail, created_at, updated_at)
SELECT id, kind, doc_a, doc_b, score, detail, created_at, updated_at FROM flags;
DROP TABLE flags;
ALTER TABLE flags_new RENAME TO flags;
CREATE UNIQUE INDEX flags_pair ON flags(kind, doc_a, doc_b);
CREATE INDEX flags_b ON flags(doc_b);
CREATE INDEX flags_score ON flags(score DESC);
