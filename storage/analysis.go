package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/cpaudit/cpaudit"
)

const jobAnalyse = "analyse"

// docEnterprise is the SQL expression, over a documents row d joined to
// its audit au and uploading organisation uo, of the enterprise a
// document belongs to: its audit's, else its uploader's when that is an
// enterprise, else the empty string.
const docEnterprise = `coalesce(au.enterprise_id, CASE WHEN uo.kind = 'enterprise' THEN uo.id END, '')`

// analysisSourceSelect reads a document as the analysis sees it: the
// newest text whose extraction succeeded, like the index, with the tables
// read with it.
const analysisSourceSelect = `SELECT d.id, d.kind, d.deleted_at IS NOT NULL, ` + docEnterprise + `,
	coalesce(t.version, 0), coalesce(t.text, ''), coalesce(t.tables, ''), coalesce(v.uploaded_at, 0),
	coalesce(nv.sha256, ''), coalesce(nv.filename, ''), coalesce(nv.content_type, ''), coalesce(nt.meta, '{}')
	FROM documents d
	LEFT JOIN document_versions nv ON nv.document_id = d.id AND nv.number = d.versions
	LEFT JOIN document_texts nt ON nt.document_id = d.id AND nt.version = d.versions
	LEFT JOIN audits au ON au.id = d.audit_id
	LEFT JOIN organisations uo ON uo.id = d.org_id
	LEFT JOIN document_texts t ON t.document_id = d.id AND t.status = 'done'
		AND t.version = (SELECT max(version) FROM document_texts WHERE document_id = d.id AND status = 'done')
	LEFT JOIN document_versions v ON v.document_id = d.id AND v.number = t.version
	WHERE d.id = ?`

// ClaimAnalysisJobs leases up to limit due analysis jobs of a tenant for
// lease and returns each with its document as it is now. With maxText > 0
// the jobs about texts of more bytes are left (see claim).
func (s *Store) ClaimAnalysisJobs(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.AnalysisJob, error) {
	const op = "storage.ClaimAnalysisJobs"
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	claimed, err := s.claim(ctx, db, jobAnalyse, limit, lease, maxText)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	jobs := make([]cpaudit.AnalysisJob, 0, len(claimed))
	for _, c := range claimed {
		// RetryAnalysisJob gives up at MaxAnalysisAttempts, so a job
		// claimed more often than that died with its process each time:
		// it is given up rather than allowed to kill the next one.
		if c.attempts > MaxAnalysisAttempts {
			if _, err := db.exec(ctx, `DELETE FROM jobs WHERE id = ? AND kind = ?`, c.id, jobAnalyse); err != nil {
				return nil, dbError(op, err, "", "")
			}
			s.log.Warn("analysis given up: the server stopped during each attempt", "tenant", tenantID, "document", c.docID, "attempts", c.attempts-1)
			continue
		}
		j := cpaudit.AnalysisJob{ID: c.id, TenantID: tenantID, Attempts: c.attempts}
		j.Source.DocumentID = c.docID
		jobs = append(jobs, j)
	}
	for i := range jobs {
		src := &jobs[i].Source
		var kind, tables, meta string
		var uploaded int64
		err := db.QueryRowContext(ctx, analysisSourceSelect, src.DocumentID).Scan(&src.DocumentID, &kind, &src.Deleted,
			&src.EnterpriseID, &src.Version, &src.Text, &tables, &uploaded, &src.SHA256, &src.Filename, &src.ContentType, &meta)
		if err == sql.ErrNoRows {
			src.Absent = true
			continue
		} else if err != nil {
			return nil, dbError(op, err, "", "")
		}
		src.Guideline = kind == string(cpaudit.DocGuideline)
		src.Kind = cpaudit.DocKind(kind)
		if err := json.Unmarshal([]byte(meta), &src.Meta); err != nil {
			src.Meta = nil // metadata is a hint: a broken one is none
		}
		if tables != "" {
			if err := json.Unmarshal([]byte(tables), &src.Tables); err != nil {
				// Failing the claim would stop the queue at this job;
				// the text is still analysed, without table figures.
				s.log.Warn("unreadable tables of an extracted text", "tenant", tenantID, "document", src.DocumentID, "err", err)
				src.Tables = nil
			}
		}
		if uploaded != 0 {
			src.UploadedAt = fromMicros(uploaded)
		}
		src.Absent = src.Deleted || src.Version == 0 || (src.EnterpriseID == "" && !src.Guideline)
	}
	return jobs, nil
}

// CompleteAnalysisJob stores what the analysis of a document found and
// removes its job, in one transaction: duplicate_file flags (identical
// bytes of any version of it and of a document of another enterprise,
// found here by their SHA-256) are added, and its duplicate_text and
// template_text flags become exactly texts, its duplicate_image flags images, and its
// foreign_name flag is names (none when names.Total is 0). A deleted document's flags are left as they were.
func (s *Store) CompleteAnalysisJob(ctx context.Context, j cpaudit.AnalysisJob, texts []cpaudit.TextMatch, images []cpaudit.ImageMatch, names cpaudit.NameFinding) error {
	const op = "storage.CompleteAnalysisJob"
	db, err := s.tenantDB(ctx, j.TenantID)
	if err != nil {
		return err
	}
	src := j.Source
	plan, err := s.planRequirementFlag(ctx, j.TenantID, src)
	if err != nil {
		return err
	}
	return dbError(op, inTx(ctx, db, func(tx *sql.Tx) error {
		if !src.Deleted && src.EnterpriseID != "" && src.DocumentID != "" {
			if err := s.flagDuplicateFiles(ctx, tx, src); err != nil {
				return err
			}
		}
		if !src.Deleted && src.DocumentID != "" {
			if err := s.replaceTextFlags(ctx, tx, src.DocumentID, texts); err != nil {
				return err
			}
			if err := s.replaceImageFlags(ctx, tx, src.DocumentID, images); err != nil {
				return err
			}
			if err := s.replaceNameFlag(ctx, tx, src.DocumentID, names); err != nil {
				return err
			}
			if err := s.applyRequirementFlag(ctx, tx, src.DocumentID, plan); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE id = ? AND kind = ?`, j.ID, jobAnalyse)
		return err
	}), "", "")
}

// MaxAnalysisAttempts is how often a failing analysis is tried before its
// job is given up (the document keeps the flags it had).
const MaxAnalysisAttempts = 3

// RetryAnalysisJob puts a job whose analysis failed back for later, or
// removes it after MaxAnalysisAttempts; it reports whether it gave up.
// A cause of KindUnavailable (the blob store is down) is no attempt: the
// job comes back after backoff with its attempts as they were.
func (s *Store) RetryAnalysisJob(ctx context.Context, j cpaudit.AnalysisJob, cause error, backoff time.Duration) (bool, error) {
	db, err := s.tenantDB(ctx, j.TenantID)
	if err != nil {
		return false, err
	}
	if cpaudit.IsKind(cause, cpaudit.KindUnavailable) {
		return false, s.postponeJob(ctx, "storage.RetryAnalysisJob", j.TenantID, j.ID, cause, backoff)
	}
	if j.Attempts >= MaxAnalysisAttempts {
		_, err = db.exec(ctx, `DELETE FROM jobs WHERE id = ? AND kind = ?`, j.ID, jobAnalyse)
		return true, dbError("storage.RetryAnalysisJob", err, "", "")
	}
	_, err = db.exec(ctx, `UPDATE jobs SET not_before = ?, last_error = ?, lease_run = NULL WHERE id = ?`,
		micros(s.clock().Add(backoff)), cause.Error(), j.ID)
	return false, dbError("storage.RetryAnalysisJob", err, "", "")
}

func (s *Store) flagDuplicateFiles(ctx context.Context, tx *sql.Tx, src cpaudit.AnalysisSource) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT ov.document_id, av.number, ov.number, av.sha256
		FROM document_versions av
		JOIN document_versions ov ON ov.sha256 = av.sha256 AND ov.document_id <> av.document_id
		JOIN documents d ON d.id = ov.document_id AND d.deleted_at IS NULL
		LEFT JOIN audits au ON au.id = d.audit_id
		LEFT JOIN organisations uo ON uo.id = d.org_id
		WHERE av.document_id = ? AND `+docEnterprise+` NOT IN ('', ?)
		ORDER BY ov.document_id, av.number, ov.number`, src.DocumentID, src.EnterpriseID)
	if err != nil {
		return err
	}
	type same struct {
		SHA256 string `json:"sha256"`
		A      int    `json:"a_version"`
		B      int    `json:"b_version"`
	}
	byDoc := map[string][]same{}
	var order []string
	for rows.Next() {
		var other string
		var x same
		if err := rows.Scan(&other, &x.A, &x.B, &x.SHA256); err != nil {
			rows.Close()
			return err
		}
		if _, ok := byDoc[other]; !ok {
			order = append(order, other)
		}
		byDoc[other] = append(byDoc[other], x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, other := range order {
		files := byDoc[other]
		a, b := src.DocumentID, other
		if a > b {
			a, b = b, a
			for i := range files {
				files[i].A, files[i].B = files[i].B, files[i].A
			}
		}
		detail, err := json.Marshal(map[string]any{"files": files})
		if err != nil {
			return err
		}
		if err := s.upsertFlag(ctx, tx, cpaudit.FlagDuplicateFile, a, b, 1, detail); err != nil {
			return err
		}
	}
	return nil
}

// replaceTextFlags makes the duplicate_text and template_text flags of
// doc exactly texts, keeping the ids of pairs still flagged. Text shared
// by two documents of audits served by the same consultancy is that
// firm's template (template_text, its detail naming the consultancy), not
// one enterprise copying another (duplicate_text).
func (s *Store) replaceTextFlags(ctx context.Context, tx *sql.Tx, doc string, texts []cpaudit.TextMatch) error {
	keep := map[cpaudit.FlagKind]map[string]bool{cpaudit.FlagDuplicateText: {}, cpaudit.FlagTemplateText: {}}
	mine, err := docConsultancy(ctx, tx, doc)
	if err != nil {
		return err
	}
	for _, m := range texts {
		a, b := doc, m.OtherID
		passages := m.Passages
		if a > b {
			a, b = b, a
			passages = make([]cpaudit.Passage, len(m.Passages))
			for i, p := range m.Passages {
				passages[i] = cpaudit.Passage{AStart: p.BStart, AEnd: p.BEnd, BStart: p.AStart, BEnd: p.AEnd, Text: p.BText, BText: p.Text}
			}
		}
		kind, detail := cpaudit.FlagDuplicateText, map[string]any{"passages": passages}
		if mine != "" {
			theirs, err := docConsultancy(ctx, tx, m.OtherID)
			if err != nil {
				return err
			}
			if theirs == mine {
				kind, detail["consultancy_id"] = cpaudit.FlagTemplateText, mine
			}
		}
		js, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		if err := s.upsertFlag(ctx, tx, kind, a, b, m.Score, js); err != nil {
			return err
		}
		keep[kind][m.OtherID] = true
	}
	if err := deleteFlagsBut(ctx, tx, cpaudit.FlagDuplicateText, doc, keep[cpaudit.FlagDuplicateText]); err != nil {
		return err
	}
	return deleteFlagsBut(ctx, tx, cpaudit.FlagTemplateText, doc, keep[cpaudit.FlagTemplateText])
}

// docConsultancy is the consultancy of the audit doc belongs to, "" for
// a self-audit or a document of no audit.
func docConsultancy(ctx context.Context, tx *sql.Tx, doc string) (string, error) {
	var c string
	err := tx.QueryRowContext(ctx, `SELECT coalesce(au.consultancy_id, '') FROM documents d
		LEFT JOIN audits au ON au.id = d.audit_id WHERE d.id = ?`, doc).Scan(&c)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return c, err
}

// deleteFlagsBut removes the flags of a kind between doc and any document
// not in keep.
func deleteFlagsBut(ctx context.Context, tx *sql.Tx, kind cpaudit.FlagKind, doc string, keep map[string]bool) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, CASE WHEN doc_a = ? THEN doc_b ELSE doc_a END FROM flags
		WHERE kind = ? AND (doc_a = ? OR doc_b = ?)`, doc, string(kind), doc, doc)
	if err != nil {
		return err
	}
	var stale []string
	for rows.Next() {
		var id, other string
		if err := rows.Scan(&id, &other); err != nil {
			rows.Close()
			return err
		}
		if !keep[other] {
			stale = append(stale, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range stale {
		if _, err := tx.ExecContext(ctx, `DELETE FROM flags WHERE id = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) upsertFlag(ctx context.Context, tx *sql.Tx, kind cpaudit.FlagKind, a, b string, score float64, detail []byte) error {
	now := s.clock()
	_, err := tx.ExecContext(ctx, `INSERT INTO flags (id, kind, doc_a, doc_b, score, detail, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, doc_a, doc_b) DO UPDATE SET score = excluded.score, detail = excluded.detail, updated_at = excluded.updated_at`,
		cpaudit.NewID("f", now), string(kind), a, b, score, string(detail), micros(now), micros(now))
	return err
}

// Flags returns one page of the flags of the actor's tenant whose every
// document the actor may read (docVisible), highest score first (or
// newest first, see FlagFilter.Sort), and how many there are in all.
// KindNotFound if f.DocumentID, f.AuditID or f.ConsultancyID names a
// document, audit or consultancy the actor may not see.
func (s *Store) Flags(ctx context.Context, a cpaudit.Actor, f cpaudit.FlagFilter) ([]cpaudit.Flag, int, error) {
	const op = "storage.Flags"
	f.Page()
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, 0, err
	}
	if f.DocumentID != "" {
		if _, _, err := s.document(ctx, db, a, f.DocumentID); err != nil {
			return nil, 0, err
		}
	}
	if err := s.checkFlagScope(ctx, db, a, f); err != nil {
		return nil, 0, err
	}
	where := `WHERE EXISTS (SELECT 1 FROM documents d WHERE d.id = f.doc_a AND ` + docVisible + `)
		AND EXISTS (SELECT 1 FROM documents d WHERE d.id = f.doc_b AND ` + docVisible + `)`
	args := append(docVisibleArgs(a), docVisibleArgs(a)...)
	if f.Kind != "" {
		where += ` AND f.kind = ?`
		args = append(args, string(f.Kind))
	}
	if f.DocumentID != "" {
		where += ` AND (f.doc_a = ? OR f.doc_b = ?)`
		args = append(args, f.DocumentID, f.DocumentID)
	}
	if f.ID != "" {
		where += ` AND f.id = ?`
		args = append(args, f.ID)
	}
	where, args = flagScope(where, args, f)
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM flags f `+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	rows, err := db.QueryContext(ctx, `SELECT `+flagColumns+`
		FROM flags f `+where+` ORDER BY `+flagOrder(f.Sort)+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	defer rows.Close()
	flags := []cpaudit.Flag{}
	for rows.Next() {
		fl, err := scanFlag(rows)
		if err != nil {
			return nil, 0, dbError(op, err, "", "")
		}
		flags = append(flags, fl)
	}
	return flags, total, dbError(op, rows.Err(), "", "")
}

const flagColumns = `f.id, f.kind, f.score, f.doc_a, f.doc_b, f.detail, f.created_at, f.updated_at,
	f.status, f.review_reason, f.reviewed_by, f.reviewed_at`

func scanFlag(row rowScanner) (cpaudit.Flag, error) {
	var fl cpaudit.Flag
	var kind, docA, docB, detail, status string
	var created, updated int64
	var review cpaudit.FlagReview
	var reviewed sql.NullInt64
	if err := row.Scan(&fl.ID, &kind, &fl.Score, &docA, &docB, &detail, &created, &updated,
		&status, &review.Reason, &review.ReviewedBy, &reviewed); err != nil {
		return cpaudit.Flag{}, err
	}
	fl.Kind, fl.DocumentIDs, fl.Detail = cpaudit.FlagKind(kind), []string{docA, docB}, json.RawMessage(detail)
	if docA == docB { // a flag of one document (foreign_name)
		fl.DocumentIDs = fl.DocumentIDs[:1]
	}
	fl.CreatedAt, fl.UpdatedAt, fl.Status = fromMicros(created), fromMicros(updated), cpaudit.FlagStatus(status)
	if reviewed.Valid {
		review.ReviewedAt = fromMicros(reviewed.Int64)
		fl.Review = &review
	}
	return fl, nil
}

// pendingAnalysis counts the documents of a tenant that wait for
// analysis: those with an analysis job, and those still being extracted
// (whose extraction will queue one).
func (s *Store) pendingAnalysis(ctx context.Context, db *sqlDB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(DISTINCT document_id) FROM jobs WHERE kind IN (?, ?, ?)`, jobExtract, jobOCR, jobAnalyse).Scan(&n)
	return n, err
}
