package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
)

// Letters: the tenant's template of the one-time notification letter
// (一次性告知书) and the document holding each audit's letter. Building
// and filling the .docx is package letter's business; storage keeps bytes.

const jobLetter = "letter"

// LetterTitle is the title generated letters are stored under.
const LetterTitle = "一次性告知书"

// mayIssueLetters: the letter is the authority's notice to the enterprise.
func mayIssueLetters(a cpaudit.Actor) error {
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeLetterNotAllowed, "only an admin or a regulator may change the letter template or generate letters; a %s may not", a.Role)
	}
	return nil
}

// LetterTemplate returns the tenant's own template and its file name;
// KindNotFound while it has none (the caller then uses the default).
// Every user of the tenant may read it.
func (s *Store) LetterTemplate(ctx context.Context, a cpaudit.Actor) ([]byte, string, error) {
	return s.tenantTemplate(ctx, a, "letter_template", "storage.LetterTemplate")
}

// SetLetterTemplate stores a template the caller has checked
// (letter.Check). KindConflict unless the actor is an admin or regulator.
func (s *Store) SetLetterTemplate(ctx context.Context, a cpaudit.Actor, docx []byte, filename string) error {
	if err := mayIssueLetters(a); err != nil {
		return err
	}
	return s.setTenantTemplate(ctx, a, "letter_template", "storage.SetLetterTemplate", docx, filename)
}

// tenantTemplate reads the one row of a template table (letter_template,
// opinion_template: the same columns); KindNotFound while there is none.
func (s *Store) tenantTemplate(ctx context.Context, a cpaudit.Actor, table, op string) ([]byte, string, error) {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, "", err
	}
	var docx []byte
	var name string
	err = db.QueryRowContext(ctx, `SELECT docx, filename FROM `+table+` WHERE id = 1`).Scan(&docx, &name)
	return docx, name, dbError(op, err, "the tenant has no "+strings.TrimSuffix(table, "_template")+" template of its own", "")
}

// setTenantTemplate replaces the one row of a template table with a
// checked .docx and logs "TABLE.set" with its hash, in one transaction.
// The caller has checked the actor's rights.
func (s *Store) setTenantTemplate(ctx context.Context, a cpaudit.Actor, table, op string, docx []byte, filename string) error {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(docx)
	sha, name := hex.EncodeToString(sum[:]), cpaudit.CleanFilename(filename)
	return dbError(op, inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (id, docx, filename, sha256, uploaded_by, uploaded_at)
			VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET docx = excluded.docx, filename = excluded.filename,
			sha256 = excluded.sha256, uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at`,
			docx, name, sha, a.Email, micros(s.clock())); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, table+".set", table, "1",
			map[string]any{"sha256": sha, "size": len(docx), "filename": name})
	}), "", "")
}

// MayIssueLetters says whether the actor may generate an audit's letter:
// KindNotFound if the audit is not visible, KindConflict for a role that
// may not. Callers check before the work of building the letter.
func (s *Store) MayIssueLetters(ctx context.Context, a cpaudit.Actor, auditID string) error {
	if _, err := s.Audit(ctx, a, auditID); err != nil {
		return err
	}
	return mayIssueLetters(a)
}

// SaveLetter stores a generated letter of an audit: the first time as a
// new document (kind other, titled 一次性告知书, tied to the audit),
// afterwards as a new version of that document. The bytes go through the
// document store like any upload: hashed, versioned, extracted, indexed,
// logged. Errors as MayIssueLetters.
func (s *Store) SaveLetter(ctx context.Context, a cpaudit.Actor, auditID string, upload cpaudit.Staged) (cpaudit.Document, error) {
	st, err := staged("storage.SaveLetter", upload)
	if err != nil {
		return cpaudit.Document{}, err
	}
	if err := s.MayIssueLetters(ctx, a, auditID); err != nil {
		return cpaudit.Document{}, err
	}
	return s.saveLetter(ctx, a, auditID, st)
}

func (s *Store) saveLetter(ctx context.Context, a cpaudit.Actor, auditID string, st *Staged) (cpaudit.Document, error) {
	const op = "storage.SaveLetter"
	h, err := s.tenant(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Document{}, err
	}
	if err := s.storeBlob(ctx, h.slug, st); err != nil {
		return cpaudit.Document{}, err
	}
	defer s.uploads.RUnlock()
	now := s.clock()
	v := cpaudit.DocumentVersion{SHA256: st.SHA256, Size: st.Size, ContentType: docxType, Filename: LetterTitle + ".docx",
		UploadedBy: a.Email, UploadedAt: now, TextStatus: cpaudit.TextPending}
	var docID string
	err = inTx(ctx, h.db, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT document_id FROM letters WHERE audit_id = ?`, auditID).Scan(&docID)
		if err == nil {
			// Number the version inside the transaction, as AddVersion does.
			if err := tx.QueryRowContext(ctx, `UPDATE documents SET versions = versions + 1 WHERE id = ? RETURNING versions`, docID).Scan(&v.Number); err != nil {
				return err
			}
			return s.insertVersion(ctx, tx, a, docID, v, "document.version")
		}
		if err != sql.ErrNoRows {
			return err
		}
		docID, v.Number = cpaudit.NewID("d", now), 1
		// The letter belongs to the audit, not to the regulator's office:
		// the enterprise and consultancy read it through the audit.
		if _, err := tx.ExecContext(ctx, `INSERT INTO documents (id, kind, title, audit_id, step, org_id, created_by_id, created_by, created_at, versions)
			VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?, 1)`, docID, string(cpaudit.DocOther), LetterTitle, auditID, a.UserID, a.Email, micros(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO letters (audit_id, document_id) VALUES (?, ?)`, auditID, docID); err != nil {
			return err
		}
		return s.insertVersion(ctx, tx, a, docID, v, "document.upload")
	})
	if err != nil {
		return cpaudit.Document{}, dbError(op, err, "", "")
	}
	return s.Document(ctx, a, docID)
}

const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// Letter returns the document holding an audit's letter; KindNotFound if
// the audit is not visible or has no letter yet.
func (s *Store) Letter(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.Document, error) {
	if _, err := s.Audit(ctx, a, auditID); err != nil {
		return cpaudit.Document{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Document{}, err
	}
	var docID string
	if err := db.QueryRowContext(ctx, `SELECT document_id FROM letters WHERE audit_id = ?`, auditID).Scan(&docID); err != nil {
		return cpaudit.Document{}, dbError("storage.Letter", err, "this audit has no letter yet", "")
	}
	return s.Document(ctx, a, docID)
}

// enqueueLetters writes, inside the transaction that changed a batch's
// dates, a job to regenerate the letter of every audit of the batch that
// has one. The job outlives a crash; LetterJobs hands it out.
func (s *Store) enqueueLetters(ctx context.Context, tx *sql.Tx, batchID string) error {
	now := micros(s.clock())
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, document_id, version, not_before, created_at)
		SELECT ?, l.document_id, d.versions, ?, ? FROM letters l JOIN audits au ON au.id = l.audit_id
		JOIN documents d ON d.id = l.document_id WHERE au.batch_id = ? AND d.deleted_at IS NULL`,
		jobLetter, now, now, batchID)
	return err
}

// MaxLetterAttempts is how often a letter is tried before its job is
// dropped: a letter that cannot be built (say, an audit whose enterprise
// has gone) keeps its last version instead of coming back for ever.
const MaxLetterAttempts = 5

// FailLetterJob records that j failed. Before its MaxLetterAttempts-th
// attempt the job stays leased and comes back when the lease ends; at
// that attempt it is removed, and gaveUp is true.
func (s *Store) FailLetterJob(ctx context.Context, j cpaudit.LetterJob) (gaveUp bool, err error) {
	if j.Attempts < MaxLetterAttempts {
		return false, nil
	}
	db, err := s.tenantDB(ctx, j.TenantID)
	if err != nil {
		return false, err
	}
	if _, err := db.exec(ctx, `DELETE FROM jobs WHERE id = ? AND kind = ?`, j.ID, jobLetter); err != nil {
		return false, dbError("storage.FailLetterJob", err, "", "")
	}
	return true, nil
}

// ClaimLetterJobs leases up to limit due letter jobs of a tenant for lease.
func (s *Store) ClaimLetterJobs(ctx context.Context, tenantID string, limit int, lease time.Duration) ([]cpaudit.LetterJob, error) {
	const op = "storage.ClaimLetterJobs"
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	claimed, err := s.claim(ctx, db, jobLetter, limit, lease, 0)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	jobs := make([]cpaudit.LetterJob, 0, len(claimed))
	for _, c := range claimed {
		j := cpaudit.LetterJob{ID: c.id, TenantID: tenantID, DocumentID: c.docID, Attempts: c.attempts}
		if err := db.QueryRowContext(ctx, `SELECT audit_id FROM letters WHERE document_id = ?`, c.docID).Scan(&j.AuditID); err != nil {
			return nil, dbError(op, err, "", "")
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// CompleteLetterJob stores a regenerated letter as the next version, as
// the system, and removes the job; the version's upload is logged.
// Several jobs for one letter (dates changed twice) each add a version
// with the dates current when they ran, so the newest is always right.
func (s *Store) CompleteLetterJob(ctx context.Context, j cpaudit.LetterJob, upload cpaudit.Staged) (cpaudit.Document, error) {
	st, err := staged("storage.CompleteLetterJob", upload)
	if err != nil {
		return cpaudit.Document{}, err
	}
	d, err := s.saveLetter(ctx, cpaudit.SystemActor(j.TenantID), j.AuditID, st)
	if err != nil {
		return cpaudit.Document{}, err
	}
	db, err := s.tenantDB(ctx, j.TenantID)
	if err != nil {
		return cpaudit.Document{}, err
	}
	_, err = db.exec(ctx, `DELETE FROM jobs WHERE id = ? AND kind = ?`, j.ID, jobLetter)
	return d, dbError("storage.CompleteLetterJob", err, "", "")
}

// SetAuditConsultancy assigns, changes or (with "") removes an audit's
// consultancy. Admins and regulators may (KindConflict otherwise);
// KindNotFound for an unknown audit or consultancy, KindUnprocessable for
// an organisation that is no consultancy. The audit's documents are
// queued for reindexing in the same transaction.
func (s *Store) SetAuditConsultancy(ctx context.Context, a cpaudit.Actor, auditID, consultancyID string) (cpaudit.Audit, error) {
	const op = "storage.SetAuditConsultancy"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Audit{}, err
	}
	before, err := s.Audit(ctx, a, auditID)
	if err != nil {
		return cpaudit.Audit{}, err
	}
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeConsultancyNotAllowed, "only an admin or a regulator may assign a consultancy; a %s may not", a.Role)
	}
	if consultancyID != "" {
		if err := s.checkOrgKind(ctx, db, consultancyID, cpaudit.OrgConsultancy); err != nil {
			return cpaudit.Audit{}, err
		}
	}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE audits SET consultancy_id = ? WHERE id = ?`, nullString(consultancyID), auditID); err != nil {
			return err
		}
		// The audit's documents are indexed under its consultancy.
		if consultancyID != before.ConsultancyID {
			if err := s.requeueDocuments(ctx, tx, `d.audit_id = ?`, auditID); err != nil {
				return err
			}
		}
		return s.appendLog(ctx, tx, a, "audit.consultancy", "audit", auditID,
			map[string]any{"consultancy_id_before": before.ConsultancyID, "consultancy_id": consultancyID})
	})
	if err != nil {
		return cpaudit.Audit{}, dbError(op, err, "", "")
	}
	return s.Audit(ctx, a, auditID)
}
