-- An index job whose recheck is 1 follows a change of who may read the
-- document (its enterprise's region, its audit's consultancy) or of
-- whether it exists (a deletion). Until the indexer has completed it, the
-- document's entry in the index may grant readers the database no longer
-- grants, or deny those it now grants: a search checks such documents
-- against the database instead (storage.SearchScope), so that no reader
-- counts a document it cannot open, not even for the second the index
-- lags behind.
ALTER TABLE jobs ADD COLUMN recheck INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_recheck ON jobs(document_id) WHERE kind = 'index' AND recheck = 1;
