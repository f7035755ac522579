-- The hashes of each analysed document that were found in another live
-- document, whichever of the two was analysed later (storage/prints.go):
-- a document analysed again with the same prints (when some of its text
-- became boilerplate) looks up those only, instead of every print it has.
-- prints_sum identifies a document's prints; 0, as for every document
-- analysed before this migration, means unknown: a full lookup.
CREATE TABLE shared_hashes (
    doc  INTEGER NOT NULL, -- analysed_docs.doc
    hash INTEGER NOT NULL,
    PRIMARY KEY (doc, hash)
) WITHOUT ROWID;
ALTER TABLE analysed_docs ADD COLUMN prints_sum INTEGER NOT NULL DEFAULT 0;
