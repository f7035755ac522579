package storage

import (
	"context"
	"database/sql"
	"time"

	"github.com/cpaudit/cpaudit"
)

const jobIndex = "index"

// indexClaimBytes is how much text one claim of index jobs reads at most
// (beyond one document): texts reach 50 million runes, so 128 of them
// must not be read at once.
const indexClaimBytes = 32 << 20

// searchSourceSelect reads a document's SearchSource. The text indexed is
// that of the newest version whose extraction succeeded: while a new
// version is still being extracted (or if it could not be), the document
// stays findable by the text it had.
const searchSourceSelect = `SELECT ` + searchSourceColumns + `, coalesce(t.text, ''), t.version IS NULL OR d.deleted_at IS NOT NULL` + searchSourceFrom

// searchRecheckSelect reads a SearchSource without its text, Absent
// meaning that the actor of docVisibleArgs (the first arguments) may not
// read the document, or that the index holds no text of it. (docVisible
// is NULL, not false, for a document outside audits that no other clause
// admits: WHERE treats NULL as false, and so does this.)
const searchRecheckSelect = `SELECT ` + searchSourceColumns + `, '', t.version IS NULL OR NOT coalesce(` + docVisible + `, 0)` + searchSourceFrom

const searchSourceColumns = `d.id, d.title, d.kind, coalesce(d.audit_id, ''), coalesce(au.enterprise_id, ''),
	coalesce(au.consultancy_id, ''), coalesce(d.org_id, ''), d.created_by_id,
	coalesce(e.industry, uo.industry, ''), coalesce(e.region, uo.region, ''), coalesce(d.step, 0),
	coalesce(t.version, 0), coalesce(v.uploaded_at, 0)`

const searchSourceFrom = `
	FROM documents d
	LEFT JOIN audits au ON au.id = d.audit_id
	LEFT JOIN organisations e ON e.id = au.enterprise_id
	LEFT JOIN organisations uo ON uo.id = d.org_id
	LEFT JOIN document_texts t ON t.document_id = d.id AND t.status = 'done'
		AND t.version = (SELECT max(version) FROM document_texts WHERE document_id = d.id AND status = 'done')
	LEFT JOIN document_versions v ON v.document_id = d.id AND v.number = t.version`

func scanSearchSource(row rowScanner) (cpaudit.SearchSource, error) {
	var src cpaudit.SearchSource
	var kind string
	var uploaded int64
	err := row.Scan(&src.DocumentID, &src.Title, &kind, &src.AuditID, &src.EnterpriseID, &src.ConsultancyID,
		&src.OrgID, &src.CreatedByID, &src.Industry, &src.Region, &src.Step, &src.Version, &uploaded, &src.Text, &src.Absent)
	src.Kind = cpaudit.DocKind(kind)
	if uploaded != 0 {
		src.UploadedAt = fromMicros(uploaded)
	}
	return src, err
}

// ClaimIndexJobs leases up to limit due index jobs of a tenant for lease
// and returns each with its document's SearchSource as it is now (read
// once per document, however many of its jobs were waiting). Indexing is
// idempotent, so a change after this read only means another job. Once
// the texts read reach indexClaimBytes, the jobs left are handed back
// rather than read: limit bounds the documents, this the memory. With
// maxText > 0 the jobs about texts of more bytes are left (see claim).
func (s *Store) ClaimIndexJobs(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.IndexJob, error) {
	const op = "storage.ClaimIndexJobs"
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	claimed, err := s.claim(ctx, db, jobIndex, limit, lease, maxText)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	read := map[string]cpaudit.SearchSource{}
	jobs := make([]cpaudit.IndexJob, 0, len(claimed))
	textBytes := 0
	for i, c := range claimed {
		src, ok := read[c.docID]
		if !ok && textBytes >= indexClaimBytes {
			// Enough text in memory: the rest go back, due at once.
			for _, rest := range claimed[i:] {
				if err := s.ReleaseJob(ctx, tenantID, rest.id, rest.attempts); err != nil {
					return nil, err
				}
			}
			break
		}
		if !ok {
			src, err = scanSearchSource(db.QueryRowContext(ctx, searchSourceSelect+` WHERE d.id = ?`, c.docID))
			if err == sql.ErrNoRows {
				src, err = cpaudit.SearchSource{DocumentID: c.docID, Absent: true}, nil
			}
			if err != nil {
				return nil, dbError(op, err, "", "")
			}
			read[c.docID] = src
			textBytes += len(src.Text)
		}
		jobs = append(jobs, cpaudit.IndexJob{ID: c.id, TenantID: tenantID, Source: src})
	}
	return jobs, nil
}

// FailIndexing marks a version's text failed with reason: the indexer
// could not index it, and its page and the API must not call it
// searchable. The version's index jobs are completed by the indexer as
// usual, so the document does not come back every lease.
func (s *Store) FailIndexing(ctx context.Context, tenantID, docID string, version int, reason string) error {
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return err
	}
	return dbError("storage.FailIndexing", inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE document_texts SET status = ?, reason = ? WHERE document_id = ? AND version = ?`,
			string(cpaudit.TextFailed), reason, docID, version); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE document_versions SET text_status = ? WHERE document_id = ? AND number = ?`,
			string(cpaudit.TextFailed), docID, version)
		return err
	}), "", "")
}

// CompleteIndexJobs removes index jobs once their documents are indexed.
func (s *Store) CompleteIndexJobs(ctx context.Context, tenantID string, ids []int64) error {
	const op = "storage.CompleteIndexJobs"
	if len(ids) == 0 {
		return nil
	}
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return err
	}
	return dbError(op, inTx(ctx, db, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `DELETE FROM jobs WHERE id = ? AND kind = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range ids {
			if _, err := stmt.ExecContext(ctx, id, jobIndex); err != nil {
				return err
			}
		}
		return nil
	}), "", "")
}

// SearchStatus counts the documents whose text is not yet searchable
// (waiting for extraction or for indexing) and those not yet analysed
// (waiting for extraction or for analysis).
func (s *Store) SearchStatus(ctx context.Context, tenantID string) (cpaudit.SearchStatus, error) {
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return cpaudit.SearchStatus{}, err
	}
	var st cpaudit.SearchStatus
	err = db.QueryRowContext(ctx, `SELECT count(DISTINCT document_id) FROM jobs WHERE kind IN (?, ?, ?)`,
		jobExtract, jobOCR, jobIndex).Scan(&st.IndexPending)
	if err == nil {
		err = db.QueryRowContext(ctx, `SELECT count(DISTINCT document_id) FROM jobs WHERE kind = ?`, jobOCR).Scan(&st.OCRPending)
	}
	if err == nil {
		st.AnalysisPending, err = s.pendingAnalysis(ctx, db)
	}
	return st, dbError("storage.SearchStatus", err, "", "")
}

// SearchSources returns, in id order, up to limit documents of a tenant
// with ids after after, for rebuilding its index; and how many documents
// the tenant holds in all.
func (s *Store) SearchSources(ctx context.Context, tenantID, after string, limit int) ([]cpaudit.SearchSource, int, error) {
	const op = "storage.SearchSources"
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM documents`).Scan(&total); err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	rows, err := db.QueryContext(ctx, searchSourceSelect+` WHERE d.id > ? ORDER BY d.id LIMIT ?`, after, limit)
	if err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	defer rows.Close()
	var out []cpaudit.SearchSource
	for rows.Next() {
		src, err := scanSearchSource(rows)
		if err != nil {
			return nil, 0, dbError(op, err, "", "")
		}
		out = append(out, src)
	}
	return out, total, dbError(op, rows.Err(), "", "")
}

// SearchScope states what the actor may read (docVisible) in the index's
// terms. The audits an organisation works on are read now, so a search
// follows a reassigned audit without reindexing.
//
// Where the index's terms and docVisible may disagree, the documents
// concerned come in Stale, as the database has them now: those with a
// recheck job the indexer has not completed (their readers changed, or
// they were deleted: see enqueueRecheck), and, for a regional office, the
// documents organisations of its region uploaded outside any audit, which
// the index files under that region although the office may not read
// them. The index counts these by the database's word, not by its entry.
func (s *Store) SearchScope(ctx context.Context, a cpaudit.Actor) (cpaudit.SearchScope, error) {
	const op = "storage.SearchScope"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.SearchScope{}, err
	}
	stale, err := s.searchStale(ctx, db, a)
	if err != nil {
		return cpaudit.SearchScope{}, dbError(op, err, "", "")
	}
	library, err := s.libraryScope(ctx, a)
	if err != nil {
		return cpaudit.SearchScope{}, err
	}
	if seesAll(a) {
		return cpaudit.SearchScope{All: true, Stale: stale, Library: library}, nil
	}
	sc := cpaudit.SearchScope{Kinds: []cpaudit.DocKind{cpaudit.DocGuideline}, UserID: a.UserID, Stale: stale, Library: library}
	if regionScope(a) != "" {
		sc.Region = a.Region
	}
	if a.OrgID == "" {
		return sc, nil
	}
	sc.OrgIDs = []string{a.OrgID}
	rows, err := db.QueryContext(ctx, `SELECT id FROM audits WHERE enterprise_id = ? OR consultancy_id = ? ORDER BY id`, a.OrgID, a.OrgID)
	if err != nil {
		return cpaudit.SearchScope{}, dbError(op, err, "", "")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return cpaudit.SearchScope{}, dbError(op, err, "", "")
		}
		sc.AuditIDs = append(sc.AuditIDs, id)
	}
	return sc, dbError(op, rows.Err(), "", "")
}

// searchStale reads SearchScope's Stale documents for a. The recheck jobs
// are few (the indexer completes them within seconds) and found through
// the partial index jobs_recheck, however many other jobs wait; a
// region's documents outside audits through documents_audit.
func (s *Store) searchStale(ctx context.Context, db *sqlDB, a cpaudit.Actor) ([]cpaudit.SearchSource, error) {
	// INDEXED BY: without statistics SQLite would rather walk every
	// index job through jobs_due, and after a rebuild there are many.
	which := `SELECT document_id FROM jobs INDEXED BY jobs_recheck WHERE kind = 'index' AND recheck = 1`
	args := docVisibleArgs(a)
	if region := regionScope(a); region != "" {
		which += ` UNION SELECT d.id FROM documents d JOIN organisations o ON o.id = d.org_id
			WHERE d.audit_id IS NULL AND d.deleted_at IS NULL AND substr(o.region, 1, length(?)) = ?`
		args = append(args, region, region)
	}
	rows, err := db.QueryContext(ctx, searchRecheckSelect+` WHERE d.id IN (`+which+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cpaudit.SearchSource
	for rows.Next() {
		src, err := scanSearchSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// enqueueRecheck writes an index job for a document whose readers changed
// or that was deleted, marked so that searches check the document against
// the database until the indexer has completed it (SearchScope).
func (s *Store) enqueueRecheck(ctx context.Context, tx *sql.Tx, docID string, version int) error {
	now := micros(s.clock())
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, document_id, version, not_before, created_at, recheck)
		VALUES (?, ?, ?, ?, ?, 1)`, jobIndex, docID, version, now, now)
	return err
}

// requeueDocuments writes, inside tx, a recheck job (enqueueRecheck) for
// every live document with indexed text that cond, an SQL condition over
// documents d with args, selects: those whose indexed fields follow from
// what the transaction changed. A document whose recheck job is still
// unclaimed gets no second one: the indexer reads the document when it
// claims the job, after this transaction.
func (s *Store) requeueDocuments(ctx context.Context, tx *sql.Tx, cond string, args ...any) error {
	now := micros(s.clock())
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, document_id, version, not_before, created_at, recheck)
		SELECT ?, d.id, d.versions, ?, ?, 1 FROM documents d
		WHERE d.deleted_at IS NULL AND (`+cond+`)
			AND EXISTS (SELECT 1 FROM document_texts t WHERE t.document_id = d.id AND t.status = 'done')
			AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = d.id AND j.kind = 'index' AND j.recheck = 1
				AND j.attempts = 0)`, append([]any{jobIndex, now, now}, args...)...)
	return err
}

// requeueOrgDocuments queues for reindexing, when an organisation's
// region or industry changes from old to next, the documents indexed
// under them (searchSourceSelect): those of the audits of an enterprise,
// and those the organisation uploaded outside any audit.
func (s *Store) requeueOrgDocuments(ctx context.Context, tx *sql.Tx, old, next cpaudit.Organisation) error {
	if old.Region == next.Region && old.Industry == next.Industry {
		return nil
	}
	return s.requeueDocuments(ctx, tx, `d.audit_id IN (SELECT id FROM audits WHERE enterprise_id = ?)
		OR (d.audit_id IS NULL AND d.org_id = ?)`, old.ID, old.ID)
}

// SearchHits returns, for the ids a search found, what the result page
// shows: title and the text that was indexed (for fragments). Ids the
// actor may not read, or that no longer exist, are left out, so a stale
// index never leaks a document.
func (s *Store) SearchHits(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]cpaudit.SearchSource, error) {
	const op = "storage.SearchHits"
	out := make(map[string]cpaudit.SearchSource, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if err := readSearchHits(ctx, db, a, ids, out); err != nil {
		return nil, dbError(op, err, "", "")
	}
	// Hits of the library's index (RunSearch asks it for guidelines).
	if err := s.librarySearchHits(ctx, a, ids, out); err != nil {
		return nil, dbError(op, err, "", "")
	}
	return out, nil
}

// readSearchHits adds to out the SearchSource of each of ids in db that a
// may read.
func readSearchHits(ctx context.Context, db *sqlDB, a cpaudit.Actor, ids []string, out map[string]cpaudit.SearchSource) error {
	in, args := idsIn(ids)
	rows, err := db.QueryContext(ctx, searchSourceSelect+` WHERE d.id IN `+in+` AND `+docVisible, append(args, docVisibleArgs(a)...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		src, err := scanSearchSource(rows)
		if err != nil {
			return err
		}
		out[src.DocumentID] = src
	}
	return rows.Err()
}

// RequeueIndex queues every document of a tenant that has text to index,
// for an index that was found empty or outdated. Documents already
// waiting, and those still being extracted (whose extraction will queue
// them), are not queued.
func (s *Store) RequeueIndex(ctx context.Context, tenantID string) (int, error) {
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	now := micros(s.clock())
	res, err := db.exec(ctx, `INSERT INTO jobs (kind, document_id, version, not_before, created_at)
		SELECT ?, d.id, d.versions, ?, ? FROM documents d
		WHERE d.deleted_at IS NULL
			AND EXISTS (SELECT 1 FROM document_texts t WHERE t.document_id = d.id AND t.status = 'done')
			AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = d.id AND j.kind = ?)`, jobIndex, now, now, jobIndex)
	if err != nil {
		return 0, dbError("storage.RequeueIndex", err, "", "")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
