-- Fingerprints move from one hash-ordered index (whose every new print
-- landed on a random leaf, so that a report dirtied about one page per
-- fingerprint and the cost of a report grew with the tenant) to sorted
-- runs, as in a log-structured merge tree (storage/prints.go): a document's
-- prints are appended as a run of their own, clustered by (run, hash) in a
-- WITHOUT ROWID table, and runs are merged, by sorted appends, 8 of a
-- level at a time up to runs of about 64 documents. Documents and enterprises are
-- integer keys, so a row is a few bytes and every lookup is covered.
-- The existing fingerprints become one run; nothing is analysed again.

-- Enterprises of analysed documents, as small integers (ent >= 1);
-- ent 0 stands for guidelines in analysed_docs.
CREATE TABLE analysis_enterprises (
    ent           INTEGER PRIMARY KEY,
    enterprise_id TEXT NOT NULL UNIQUE
);
INSERT INTO analysis_enterprises (enterprise_id)
SELECT DISTINCT enterprise_id FROM analysed_texts WHERE enterprise_id <> '' ORDER BY enterprise_id;

-- What was analysed of each document (it replaces analysed_texts). doc is
-- the key of its prints, new at every analysis and never reused, so the
-- prints of an earlier analysis are dead at once (every lookup joins
-- here) and are dropped when their run is next merged.
CREATE TABLE analysed_docs (
    doc         INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL UNIQUE REFERENCES documents(id),
    version     INTEGER NOT NULL,
    ent         INTEGER NOT NULL, -- analysis_enterprises.ent, 0 for a guideline
    runes       INTEGER NOT NULL, -- significant runes, the measure of scores
    uploaded_at INTEGER NOT NULL,
    analysed_at INTEGER NOT NULL,
    run         INTEGER NOT NULL DEFAULT 0, -- the run holding its prints, 0 if none
    prints      INTEGER NOT NULL DEFAULT 0  -- how many
);
INSERT INTO analysed_docs (document_id, version, ent, runes, uploaded_at, analysed_at)
SELECT a.document_id, a.version, CASE WHEN d.kind = 'guideline' THEN 0 ELSE coalesce(e.ent, 0) END,
    a.runes, a.uploaded_at, a.analysed_at
FROM analysed_texts a
JOIN documents d ON d.id = a.document_id
LEFT JOIN analysis_enterprises e ON e.enterprise_id = a.enterprise_id
ORDER BY a.rowid;

-- The runs, each with its level (a new document's run is at level 0;
-- merging 8 runs of level l makes one of level l+1, up to level 2), how
-- many prints it holds and how many of them are dead (kept until the run
-- is merged, or rewritten alone once half dead). A run id is never reused
-- (AUTOINCREMENT), so that a cached filter of a run stays right.
CREATE TABLE print_runs (
    run    INTEGER PRIMARY KEY AUTOINCREMENT,
    level  INTEGER NOT NULL,
    prints INTEGER NOT NULL,
    dead   INTEGER NOT NULL DEFAULT 0
);

-- The winnowed k-gram fingerprints (see search/detect) of each analysed
-- document's text, by run; within a run in hash order.
CREATE TABLE prints (
    run  INTEGER NOT NULL,
    hash INTEGER NOT NULL,
    doc  INTEGER NOT NULL, -- analysed_docs.doc
    pos  INTEGER NOT NULL, -- rune offset of the k-gram in the text
    PRIMARY KEY (run, hash, doc, pos)
) WITHOUT ROWID;
INSERT OR IGNORE INTO prints (run, hash, doc, pos)
SELECT 1, f.hash, a.doc, f.pos FROM fingerprints f JOIN analysed_docs a ON a.document_id = f.document_id
ORDER BY f.hash, a.doc, f.pos;
-- Its level is the one it would have reached from one run per document.
INSERT INTO print_runs (run, level, prints)
SELECT 1, CASE WHEN n >= 64 THEN 2 WHEN n >= 8 THEN 1 ELSE 0 END, c
FROM (SELECT count(*) AS c, count(DISTINCT doc) AS n FROM prints) WHERE c > 0;
UPDATE analysed_docs SET run = 1, prints = c.n
FROM (SELECT doc, count(*) AS n FROM prints GROUP BY doc) AS c WHERE c.doc = analysed_docs.doc;

DROP TABLE fingerprints;
DROP TABLE analysed_texts;
