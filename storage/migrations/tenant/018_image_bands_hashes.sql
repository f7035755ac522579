-- Each band row carries its image's four hashes, in the covering index
-- too, so that the lookup (storage/image_bands.go) drops the images that
-- share a band with the new one but are far from all its images in the
-- whole hashes before reading any of their rows: those are most of the
-- images found, and their number grows with the square of the tenant's.
ALTER TABLE image_bands ADD COLUMN phash INTEGER NOT NULL DEFAULT 0;
ALTER TABLE image_bands ADD COLUMN dhash INTEGER NOT NULL DEFAULT 0;
ALTER TABLE image_bands ADD COLUMN cphash INTEGER NOT NULL DEFAULT 0;
ALTER TABLE image_bands ADD COLUMN cdhash INTEGER NOT NULL DEFAULT 0;
UPDATE image_bands SET phash = h.phash, dhash = h.dhash, cphash = h.cphash, cdhash = h.cdhash
    FROM image_hashes h
    WHERE h.document_id = image_bands.document_id AND h.entry = image_bands.entry;
DROP INDEX image_bands_probe;
CREATE INDEX image_bands_probe ON image_bands(key, document_id, entry, enterprise_id, phash, dhash, cphash, cdhash);
