-- The band lookup (storage/image_bands.go) reads only the index: the key
-- with the image it belongs to, instead of a table row per key found,
-- whose number grows with the tenant.
CREATE INDEX image_bands_probe ON image_bands(key, document_id, entry, enterprise_id);
DROP INDEX image_bands_key;
