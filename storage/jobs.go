package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/cpaudit/cpaudit"
)

const jobExtract = "extract"

// jobOCR is an extraction handed on to the OCR worker: a file whose text
// is (partly) in images. It is an extraction job under another kind, so
// that the slow OCR queue does not hold up ordinary files (see
// CompleteTextJob and ClaimOCRJobs).
const jobOCR = "ocr"

// MaxTextAttempts is how often a crashing extraction is retried before the
// version is marked failed.
const MaxTextAttempts = 3

// enqueue writes a job of kind for a version into the outbox, inside the
// transaction that made the work necessary.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, kind, docID string, version int) error {
	now := micros(s.clock())
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, document_id, version, not_before, created_at) VALUES (?, ?, ?, ?, ?)`,
		kind, docID, version, now, now)
	return err
}

// claimedJob is a row of the outbox leased by claim.
type claimedJob struct {
	id       int64
	docID    string
	version  int
	attempts int // including this one
}

// claim leases up to limit due jobs of kind for lease, by pushing their
// not_before past it, so a job whose worker died comes back; it returns
// them in outbox order. Workers read what the jobs are about afterwards,
// so the write lock is not held while texts are loaded.
//
// With maxText > 0 a job about more than maxText bytes (of file for an
// extraction, of extracted text otherwise; read from the row's header,
// not the text) is left for a claim without the cap: the workers take
// turns at the long ones (see pipeline.Gate), so that one long text is
// not held by all of them at once.
func (s *Store) claim(ctx context.Context, db *sqlDB, kind string, limit int, lease time.Duration, maxText int64) ([]claimedJob, error) {
	var jobs []claimedJob
	capped := ""
	if maxText > 0 {
		capped = ` AND coalesce(` + jobBytes(kind) + `, 0) <= ` + strconv.FormatInt(maxText, 10)
	}
	err := inTx(ctx, db, func(tx *sql.Tx) error {
		now := s.clock()
		rows, err := tx.QueryContext(ctx, `UPDATE jobs SET not_before = ?, attempts = attempts + 1, lease_run = ?
			WHERE id IN (SELECT id FROM jobs WHERE kind = ? AND not_before <= ?`+capped+` ORDER BY id LIMIT ?)
			RETURNING id, document_id, version, attempts`,
			micros(now.Add(lease)), s.run, kind, micros(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j claimedJob
			if err := rows.Scan(&j.id, &j.docID, &j.version, &j.attempts); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return rows.Err()
	})
	// RETURNING promises no order.
	slices.SortFunc(jobs, func(x, y claimedJob) int { return cmp.Compare(x.id, y.id) })
	return jobs, err
}

// jobBytes is the SQL for the size of what a job of kind has its worker
// read (see claim). octet_length reads a text's size from its record
// header without loading the text.
func jobBytes(kind string) string {
	switch kind {
	case jobExtract, jobOCR:
		return `(SELECT v.size FROM document_versions v WHERE v.document_id = jobs.document_id AND v.number = jobs.version)`
	case jobIndex, jobAnalyse:
		return `(SELECT max(octet_length(t.text)) FROM document_texts t WHERE t.document_id = jobs.document_id)`
	}
	return "0" // letters: small
}

// ClaimTextJobs leases up to limit due extraction jobs of a tenant for
// lease; a job not completed by then is handed out again. With maxText >
// 0 the jobs about files of more bytes are left (see claim).
func (s *Store) ClaimTextJobs(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.TextJob, error) {
	return s.claimText(ctx, "storage.ClaimTextJobs", jobExtract, tenantID, limit, lease, maxText)
}

// ClaimOCRJobs is ClaimTextJobs for the extractions handed on to OCR
// (see CompleteTextJob): the OCR worker's queue.
func (s *Store) ClaimOCRJobs(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.TextJob, error) {
	return s.claimText(ctx, "storage.ClaimOCRJobs", jobOCR, tenantID, limit, lease, maxText)
}

func (s *Store) claimText(ctx context.Context, op, kind, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.TextJob, error) {
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	claimed, err := s.claim(ctx, db, kind, limit, lease, maxText)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	jobs := make([]cpaudit.TextJob, 0, len(claimed))
	for _, c := range claimed {
		j := cpaudit.TextJob{ID: c.id, TenantID: tenantID, DocumentID: c.docID, Version: c.version, Attempts: c.attempts}
		err := db.QueryRowContext(ctx, `SELECT sha256, size, content_type, filename FROM document_versions
			WHERE document_id = ? AND number = ?`, j.DocumentID, j.Version).Scan(&j.SHA256, &j.Size, &j.ContentType, &j.Filename)
		if err != nil {
			return nil, dbError(op, err, "", "")
		}
		// RetryTextJob gives up at MaxTextAttempts, so a job claimed more
		// often than that was in the hands of a process that died each
		// time: the file may be what kills it, so it is not tried again.
		if j.Attempts > MaxTextAttempts {
			err := s.CompleteTextJob(ctx, j, cpaudit.ExtractedText{Status: cpaudit.TextFailed,
				Reason: "the server stopped " + itoa(j.Attempts-1) + " times while extracting this file"})
			if err != nil {
				return nil, err
			}
			continue
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// OpenJobContent opens the bytes a job is about.
func (s *Store) OpenJobContent(ctx context.Context, j cpaudit.TextJob) (io.ReadCloser, error) {
	h, err := s.tenant(ctx, j.TenantID)
	if err != nil {
		return nil, err
	}
	return s.openJobBlob(ctx, "storage.OpenJobContent", blobKey(h.slug, j.SHA256))
}

// openJobBlob opens a blob for a background job. A stream (S3) that
// breaks off mid-way fails with KindUnavailable, as opening it fails
// while the store is down, so the job waits for the store instead of
// counting the attempt (see postponeJob). A local file, which the
// extractors read at random (io.ReaderAt), is handed over as it is.
func (s *Store) openJobBlob(ctx context.Context, op, key string) (io.ReadCloser, error) {
	rc, err := s.blobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	if _, ok := rc.(io.ReaderAt); ok {
		return rc, nil
	}
	return blobStream{ReadCloser: rc, op: op}, nil
}

// blobStream marks the errors of reading a blob's stream KindUnavailable.
type blobStream struct {
	io.ReadCloser
	op string
}

func (b blobStream) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && cpaudit.ErrorKind(err) != cpaudit.KindUnavailable {
		err = &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: b.op, Message: "the blob store broke off while sending a blob", Err: err}
	}
	return n, err
}

// CompleteTextJob stores an extraction's result (its tables too, for the
// analysis), sets the version's text status, queues the document for
// indexing and analysis and removes the job, in one transaction.
//
// A result with NeedsOCR stores nothing: the job becomes an OCR job, due
// at once with its attempts counted afresh, and the version's text stays
// pending until the OCR worker completes it.
func (s *Store) CompleteTextJob(ctx context.Context, j cpaudit.TextJob, t cpaudit.ExtractedText) error {
	const op = "storage.CompleteTextJob"
	db, err := s.tenantDB(ctx, j.TenantID)
	if err != nil {
		return err
	}
	if t.NeedsOCR {
		_, err := db.exec(ctx, `UPDATE jobs SET kind = ?, not_before = ?, attempts = 0, lease_run = NULL, last_error = ''
			WHERE id = ?`, jobOCR, micros(s.clock()), j.ID)
		return dbError(op, err, "", "")
	}
	meta, err := json.Marshal(t.Meta)
	if err != nil {
		return cpaudit.Internal(op, err)
	}
	if t.Meta == nil {
		meta = []byte("{}")
	}
	var tables []byte // '' when there are none
	if len(t.Tables) > 0 {
		if tables, err = json.Marshal(t.Tables); err != nil {
			return cpaudit.Internal(op, err)
		}
	}
	return dbError(op, inTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO document_texts (document_id, version, status, reason, text, meta, tables, extracted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (document_id, version) DO UPDATE SET status = excluded.status, reason = excluded.reason,
				text = excluded.text, meta = excluded.meta, tables = excluded.tables, extracted_at = excluded.extracted_at`,
			j.DocumentID, j.Version, string(t.Status), t.Reason, t.Text, string(meta), string(tables), micros(s.clock()))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE document_versions SET text_status = ? WHERE document_id = ? AND number = ?`,
			string(t.Status), j.DocumentID, j.Version); err != nil {
			return err
		}
		// Whatever the outcome, the index must now follow this version.
		if err := s.enqueue(ctx, tx, jobIndex, j.DocumentID, j.Version); err != nil {
			return err
		}
		// And the analysis: duplicate files whatever the outcome,
		// duplicate text when there is text.
		if err := s.enqueue(ctx, tx, jobAnalyse, j.DocumentID, j.Version); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM jobs WHERE id = ?`, j.ID)
		return err
	}), "", "")
}

// RetryTextJob records a failed attempt (the worker crashed or could not
// read the blob): the job comes back after backoff, and after
// MaxTextAttempts the version is marked failed with the reason. A cause
// of KindUnavailable (the blob store is down) is no attempt: the job comes
// back after backoff with its attempts as they were (postponeJob).
func (s *Store) RetryTextJob(ctx context.Context, j cpaudit.TextJob, cause error, backoff time.Duration) error {
	if cpaudit.IsKind(cause, cpaudit.KindUnavailable) {
		return s.postponeJob(ctx, "storage.RetryTextJob", j.TenantID, j.ID, cause, backoff)
	}
	if j.Attempts >= MaxTextAttempts {
		return s.CompleteTextJob(ctx, j, cpaudit.ExtractedText{Status: cpaudit.TextFailed,
			Reason: "extraction failed " + itoa(j.Attempts) + " times: " + cause.Error()})
	}
	db, err := s.tenantDB(ctx, j.TenantID)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `UPDATE jobs SET not_before = ?, last_error = ?, lease_run = NULL WHERE id = ?`,
		micros(s.clock().Add(backoff)), cause.Error(), j.ID)
	return dbError("storage.RetryTextJob", err, "", "")
}

// postponeJob puts back a job whose attempt failed because a dependency
// was down (KindUnavailable: the blob store in an outage), due again after
// backoff, without counting the attempt: an outage says nothing of the
// file, and an object store down for a few backoffs would otherwise mark
// every document uploaded before it failed (or never analysed) for good.
// The job comes back every backoff until the store answers again.
func (s *Store) postponeJob(ctx context.Context, op, tenantID string, id int64, cause error, backoff time.Duration) error {
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `UPDATE jobs SET not_before = ?, last_error = ?, attempts = max(attempts - 1, 0), lease_run = NULL
		WHERE id = ?`, micros(s.clock().Add(backoff)), cause.Error(), id)
	return dbError(op, err, "", "")
}

// releaseTimeout bounds ReleaseJob, which runs while the server stops.
const releaseTimeout = 5 * time.Second

// ReleaseJob hands back a job claimed with attempts that its worker is
// leaving unfinished because it is stopping: the job is due again at once
// and the attempt does not count, so a restart in the middle of work
// neither waits out the lease nor brings the job nearer to being given
// up. A job claimed again since (its lease ran out) is left alone. It is
// called once ctx has ended, so it runs on without ctx's cancellation,
// for up to releaseTimeout.
func (s *Store) ReleaseJob(ctx context.Context, tenantID string, id int64, attempts int) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `UPDATE jobs SET not_before = ?, attempts = attempts - 1, lease_run = NULL
		WHERE id = ? AND attempts = ? AND lease_run = ?`,
		micros(s.clock()), id, attempts, s.run)
	return dbError("storage.ReleaseJob", err, "", "")
}

// ReclaimLeases frees at once, in every tenant, the jobs leased by earlier
// runs, and says how many. The server calls it at start once it holds the
// search indexes' locks: no other server is then running on this data
// directory, so those runs are dead and their jobs would otherwise wait out
// a lease (ten minutes) with the queues idle. The attempt is not given
// back: a job that killed the process is given up after its kind's
// maximum, not retried for ever.
func (s *Store) ReclaimLeases(ctx context.Context) (int, error) {
	tenants, err := s.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	freed := 0
	for _, t := range tenants {
		db, err := s.tenantDB(ctx, t.ID)
		if err != nil {
			return freed, err
		}
		now := micros(s.clock())
		res, err := db.exec(ctx, `UPDATE jobs SET not_before = ?, lease_run = NULL
			WHERE lease_run IS NOT NULL AND lease_run <> ? AND not_before > ?`, now, s.run, now)
		if err != nil {
			return freed, dbError("storage.ReclaimLeases", err, "", "")
		}
		n, _ := res.RowsAffected()
		freed += int(n)
	}
	return freed, nil
}

// PendingTextJobs counts the extraction jobs not yet done in a tenant,
// those waiting for OCR included.
func (s *Store) PendingTextJobs(ctx context.Context, tenantID string) (int, error) {
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind IN (?, ?)`, jobExtract, jobOCR).Scan(&n)
	return n, dbError("storage.PendingTextJobs", err, "", "")
}

// DocumentText returns the extracted text of a version (0: the newest);
// KindNotFound if the actor may not read the document, or if extraction
// has not finished (the version's text_status says which).
func (s *Store) DocumentText(ctx context.Context, a cpaudit.Actor, docID string, version int) (cpaudit.ExtractedText, error) {
	const op = "storage.DocumentText"
	d, h, err := s.documentVersions(ctx, a, docID)
	if err != nil {
		return cpaudit.ExtractedText{}, err
	}
	if version == 0 {
		version = d.Current.Number
	}
	db := h.db // a's tenant's, or the library's for one of its guidelines
	var t cpaudit.ExtractedText
	var status, meta string
	var at int64
	err = db.QueryRowContext(ctx, `SELECT status, reason, text, meta, extracted_at FROM document_texts
		WHERE document_id = ? AND version = ?`, docID, version).Scan(&status, &t.Reason, &t.Text, &meta, &at)
	if err != nil {
		return cpaudit.ExtractedText{}, dbError(op, err, "the text of this version has not been extracted yet", "")
	}
	t.Status, t.At = cpaudit.TextStatus(status), fromMicros(at)
	if err := json.Unmarshal([]byte(meta), &t.Meta); err != nil {
		return cpaudit.ExtractedText{}, cpaudit.Internal(op, err)
	}
	return t, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
