package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/cpaudit/cpaudit"
)

// VerifyProblem is one thing Verify found wrong.
type VerifyProblem struct {
	Tenant string // slug
	What   string // "log" or "blob"
	Detail string
}

func (p VerifyProblem) String() string { return p.Tenant + ": " + p.What + ": " + p.Detail }

// VerifyProgress is called as Verify goes: done of total blobs re-hashed.
type VerifyProgress func(tenant string, done, total int)

// VerifyReport sums up a verification.
type VerifyReport struct {
	Tenants    int
	LogEntries int
	Blobs      int
	Problems   []VerifyProblem
}

// Verify checks every tenant's audit log chain (each entry's hash, the
// links between entries, no gap in the sequence, no deleted tail) and
// re-hashes every blob that a document version references. It returns an
// error only when it cannot check; what it finds is in the report.
func (s *Store) Verify(ctx context.Context, progress VerifyProgress) (VerifyReport, error) {
	var rep VerifyReport
	tenants, err := s.Tenants(ctx)
	if err != nil {
		return rep, err
	}
	for _, t := range tenants {
		h, err := s.tenant(ctx, t.ID)
		if err != nil {
			return rep, err
		}
		rep.Tenants++
		n, problems, err := verifyLog(ctx, h.db)
		if err != nil {
			return rep, fmt.Errorf("tenant %s: audit log: %w", t.Slug, err)
		}
		rep.LogEntries += n
		for _, p := range problems {
			rep.Problems = append(rep.Problems, VerifyProblem{t.Slug, "log", p})
		}
		blobs, problems, err := s.verifyBlobs(ctx, h, progress)
		if err != nil {
			return rep, fmt.Errorf("tenant %s: blobs: %w", t.Slug, err)
		}
		rep.Blobs += blobs
		for _, p := range problems {
			rep.Problems = append(rep.Problems, VerifyProblem{t.Slug, "blob", p})
		}
	}
	return rep, nil
}

func verifyLog(ctx context.Context, db *sqlDB) (int, []string, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+logColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var problems []string
	var n int
	var prevSeq int64
	prevHash := ""
	for rows.Next() {
		e, err := scanLogEntry(rows)
		if err != nil {
			return n, nil, err
		}
		n++
		if e.Seq != prevSeq+1 {
			problems = append(problems, fmt.Sprintf("entries %d to %d are missing", prevSeq+1, e.Seq-1))
		}
		if e.PrevHash != prevHash {
			problems = append(problems, fmt.Sprintf("entry %d does not link to the entry before it", e.Seq))
		}
		if e.ComputeHash() != e.Hash {
			problems = append(problems, fmt.Sprintf("entry %d (%s %s %s) was altered", e.Seq, e.Action, e.ObjectType, e.ObjectID))
		}
		prevSeq, prevHash = e.Seq, e.Hash
	}
	if err := rows.Err(); err != nil {
		return n, nil, err
	}
	var maxSeq sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'`).Scan(&maxSeq); err != nil && err != sql.ErrNoRows {
		return n, nil, err
	}
	if maxSeq.Int64 > prevSeq {
		problems = append(problems, fmt.Sprintf("entries %d to %d at the end are missing", prevSeq+1, maxSeq.Int64))
	}
	return n, problems, nil
}

func (s *Store) verifyBlobs(ctx context.Context, h *tenantHandle, progress VerifyProgress) (int, []string, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT sha256, min(size), min(document_id) FROM document_versions GROUP BY sha256 ORDER BY sha256`)
	if err != nil {
		return 0, nil, err
	}
	type ref struct {
		sha, doc string
		size     int64
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.sha, &r.size, &r.doc); err != nil {
			rows.Close()
			return 0, nil, err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	var problems []string
	for i, r := range refs {
		if progress != nil {
			progress(h.slug, i, len(refs))
		}
		got, size, err := s.hashBlob(ctx, blobKey(h.slug, r.sha))
		switch {
		case cpaudit.IsKind(err, cpaudit.KindNotFound):
			problems = append(problems, fmt.Sprintf("blob %s of document %s is missing", r.sha, r.doc))
		case err != nil:
			return i, nil, err
		case got != r.sha || size != r.size:
			problems = append(problems, fmt.Sprintf("blob %s of document %s is corrupted (its bytes now hash to %s, %d bytes)", r.sha, r.doc, got, size))
		}
	}
	if progress != nil {
		progress(h.slug, len(refs), len(refs))
	}
	return len(refs), problems, nil
}

func (s *Store) hashBlob(ctx context.Context, key string) (string, int64, error) {
	rc, err := s.blobs.Open(ctx, key)
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
