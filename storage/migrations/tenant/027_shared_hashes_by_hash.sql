-- "Which documents share the most fingerprints with this one"
-- (GET /api/v1/documents/{id}/similar, storage/detindex_similar.go) reads
-- a document's shared hashes by doc (the key) and then, for each hash, the
-- other documents recorded as holding it: this index. Without it that
-- second step would seek every print run for every hash, or take the
-- in-memory run filters, which the tenant's analyses hold for the length
-- of their transaction. The table holds only hashes found in two live
-- documents and not boilerplate then, a small part of the prints.
CREATE INDEX shared_hashes_hash ON shared_hashes(hash);
