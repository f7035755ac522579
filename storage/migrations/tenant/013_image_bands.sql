-- An indexed lookup of similar images, instead of reading every stored
-- image hash per analysed document (see storage/image_bands.go): each
-- 64-bit pHash and dHash, of the whole image and of its centre, is cut
-- into four 16-bit bands, and each band is a row keyed by
-- kind << 20 | band << 16 | value (kind 0 pHash, 1 dHash; the whole and
-- the centre share keys, so that a cropped copy's whole meets the
-- original's centre).
CREATE TABLE image_bands (
    key           INTEGER NOT NULL,
    document_id   TEXT NOT NULL REFERENCES documents(id),
    entry         TEXT NOT NULL,
    enterprise_id TEXT NOT NULL
);
CREATE INDEX image_bands_key ON image_bands(key);
CREATE INDEX image_bands_document ON image_bands(document_id);
CREATE INDEX image_hashes_entry ON image_hashes(document_id, entry);

-- The images hashed so far. SQLite's >> sign-extends, which the mask
-- undoes; a centre hash of 0 (none) gives no rows.
INSERT INTO image_bands (key, document_id, entry, enterprise_id)
SELECT DISTINCT k, document_id, entry, enterprise_id FROM (
    SELECT (0 << 20) | (b.n << 16) | ((h.phash >> (16 * b.n)) & 65535) AS k, h.document_id, h.entry, h.enterprise_id
        FROM image_hashes h, (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) b
    UNION ALL
    SELECT (1 << 20) | (b.n << 16) | ((h.dhash >> (16 * b.n)) & 65535), h.document_id, h.entry, h.enterprise_id
        FROM image_hashes h, (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) b
    UNION ALL
    SELECT (0 << 20) | (b.n << 16) | ((h.cphash >> (16 * b.n)) & 65535), h.document_id, h.entry, h.enterprise_id
        FROM image_hashes h, (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) b
        WHERE h.cphash <> 0 OR h.cdhash <> 0
    UNION ALL
    SELECT (1 << 20) | (b.n << 16) | ((h.cdhash >> (16 * b.n)) & 65535), h.document_id, h.entry, h.enterprise_id
        FROM image_hashes h, (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) b
        WHERE h.cphash <> 0 OR h.cdhash <> 0
);
