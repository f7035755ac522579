package storage

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// blobKey is where a tenant's blob with this SHA-256 lives.
func blobKey(slug, sha string) string { return slug + "/sha256/" + sha[:2] + "/" + sha }

// adopter is a blob store that can take a staged file by renaming it
// instead of copying it (the local file system store).
type adopter interface {
	Adopt(ctx context.Context, key string, f *os.File, size int64) error
}

// storeBlob puts a staged upload in the blob store under the tenant's
// prefix. It returns with s.uploads read-locked when it succeeds; the
// caller unlocks after committing the row that references the blob.
func (s *Store) storeBlob(ctx context.Context, slug string, st *Staged) (err error) {
	key := blobKey(slug, st.SHA256)
	s.uploads.RLock()
	defer func() {
		if err != nil {
			s.uploads.RUnlock()
		}
	}()
	if a, ok := s.blobs.(adopter); ok {
		if err := a.Adopt(ctx, key, st.file, st.Size); !errors.Is(err, blob.ErrCrossDevice) {
			return err
		}
	}
	if p, ok := s.blobs.(sha256Putter); ok && st.Size <= blob.SinglePutLimit {
		return p.PutSHA256(ctx, key, st.file, st.Size, st.SHA256)
	}
	if _, err := st.file.Seek(0, io.SeekStart); err != nil {
		return cpaudit.Internal("storage.storeBlob", err)
	}
	return s.blobs.Put(ctx, key, st.file, st.Size)
}

// sha256Putter is a blob store that can take a staged upload together with
// the SHA-256 computed while staging it, and have the service check the
// bytes against it (S3).
type sha256Putter interface {
	PutSHA256(ctx context.Context, key string, r io.ReaderAt, size int64, sha256Hex string) error
}

// mayUpload says whether a role may upload a document of this kind.
func mayUpload(a cpaudit.Actor, kind cpaudit.DocKind) error {
	switch {
	case a.Role == cpaudit.RoleAdmin:
		return nil
	case a.Role == cpaudit.RoleExpert:
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeUploadExpert, "experts review documents and do not upload them")
	case kind == cpaudit.DocGuideline && a.Role != cpaudit.RolePublisher:
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeUploadGuideline, "only publishers publish guidelines")
	case (kind == cpaudit.DocReport || kind == cpaudit.DocEvidence) &&
		a.Role != cpaudit.RoleConsultant && a.Role != cpaudit.RoleEnterprise:
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeUploadReport, "only consultants and enterprises upload reports and evidence")
	}
	return nil
}

// CreateDocument stores a staged upload as a new document's first version
// (the caller still closes st). The bytes are
// durable in the blob store before the metadata row is committed, so an
// interrupted upload leaves no document behind (at worst an orphan blob,
// which CollectGarbage removes). KindInvalid for bad metadata or a broken
// stream, KindNotFound for an audit the actor
// cannot see, KindConflict when the actor's role may not upload this kind.
func (s *Store) CreateDocument(ctx context.Context, a cpaudit.Actor, nd cpaudit.NewDocument, upload cpaudit.Staged) (cpaudit.Document, error) {
	const op = "storage.CreateDocument"
	st, err := staged(op, upload)
	if err != nil {
		return cpaudit.Document{}, err
	}
	if _, err := cpaudit.ParseDocKind(string(nd.Kind)); err != nil {
		return cpaudit.Document{}, err
	}
	if err := cpaudit.ValidateStep(nd.Step); err != nil {
		return cpaudit.Document{}, err
	}
	if err := mayUpload(a, nd.Kind); err != nil {
		return cpaudit.Document{}, err
	}
	nd.Filename = cpaudit.CleanFilename(nd.Filename)
	nd.Title = strings.TrimSpace(cpaudit.CleanName(nd.Title))
	if nd.Title == "" {
		nd.Title = nd.Filename
	}
	if err := cpaudit.ValidateName("title", nd.Title, 300); err != nil {
		return cpaudit.Document{}, err
	}
	h, err := s.tenant(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Document{}, err
	}
	if nd.AuditID != "" {
		if _, err := s.Audit(ctx, a, nd.AuditID); err != nil {
			return cpaudit.Document{}, err
		}
	}
	sha, size := st.SHA256, st.Size
	now := s.clock()
	d := cpaudit.Document{
		ID: cpaudit.NewID("d", now), Kind: nd.Kind, Title: nd.Title, AuditID: nd.AuditID, Step: nd.Step,
		OrgID: a.OrgID, CreatedBy: a.Email, CreatedAt: now,
	}
	d.Current = cpaudit.DocumentVersion{Number: 1, SHA256: sha, Size: size, ContentType: nd.ContentType,
		Filename: nd.Filename, UploadedBy: a.Email, UploadedAt: now, TextStatus: cpaudit.TextPending}
	d.Versions = []cpaudit.DocumentVersion{d.Current}
	err = s.commitUpload(ctx, h, st, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO documents (id, kind, title, audit_id, step, org_id, created_by_id, created_by, created_at, versions)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			d.ID, string(d.Kind), d.Title, nullString(d.AuditID), nullInt(d.Step), nullString(d.OrgID), a.UserID, a.Email, micros(now))
		if err != nil {
			return err
		}
		if err := s.insertVersion(ctx, tx, a, d.ID, d.Current, "document.upload"); err != nil {
			return err
		}
		return s.startStep(ctx, tx, a, d.AuditID, d.Step, now)
	})
	if err != nil {
		return cpaudit.Document{}, dbError(op, err, "", "")
	}
	return d, nil
}

func (s *Store) insertVersion(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, docID string, v cpaudit.DocumentVersion, action string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO document_versions
		(document_id, number, sha256, size, content_type, filename, uploaded_by, uploaded_at, text_status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		docID, v.Number, v.SHA256, v.Size, v.ContentType, v.Filename, v.UploadedBy, micros(v.UploadedAt), string(v.TextStatus))
	if err != nil {
		return err
	}
	if err := s.enqueue(ctx, tx, jobExtract, docID, v.Number); err != nil {
		return err
	}
	return s.appendLog(ctx, tx, a, action, "document", docID, map[string]any{
		"version": v.Number, "sha256": v.SHA256, "size": v.Size, "filename": v.Filename, "content_type": v.ContentType,
	})
}

// AddVersion uploads a new version of a document; the old ones are kept.
// The actor must see the document (else KindNotFound) and belong to the
// organisation that owns it, have uploaded it, or be an admin (else
// KindConflict). Other errors as CreateDocument.
func (s *Store) AddVersion(ctx context.Context, a cpaudit.Actor, docID, filename, contentType string, upload cpaudit.Staged) (cpaudit.Document, error) {
	const op = "storage.AddVersion"
	st, err := staged(op, upload)
	if err != nil {
		return cpaudit.Document{}, err
	}
	h, err := s.tenant(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Document{}, err
	}
	d, createdByID, err := s.document(ctx, h.db, a, docID)
	if err != nil {
		return cpaudit.Document{}, err
	}
	if !mayChange(a, d, createdByID) {
		return cpaudit.Document{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeVersionNotOwner, "only the organisation that uploaded this document may add versions")
	}
	if err := mayUpload(a, d.Kind); err != nil {
		return cpaudit.Document{}, err
	}
	now := s.clock()
	v := cpaudit.DocumentVersion{SHA256: st.SHA256, Size: st.Size, ContentType: contentType, Filename: cpaudit.CleanFilename(filename),
		UploadedBy: a.Email, UploadedAt: now, TextStatus: cpaudit.TextPending}
	err = s.commitUpload(ctx, h, st, func(tx *sql.Tx) error {
		// Number the version inside the transaction: concurrent uploads of
		// the same document serialise on the write lock.
		if err := tx.QueryRowContext(ctx, `UPDATE documents SET versions = versions + 1 WHERE id = ? RETURNING versions`, docID).Scan(&v.Number); err != nil {
			return err
		}
		return s.insertVersion(ctx, tx, a, docID, v, "document.version")
	})
	if err != nil {
		return cpaudit.Document{}, dbError(op, err, "no such document", "")
	}
	return s.Document(ctx, a, docID)
}

// docVisible is the SQL condition, over a documents row aliased d, under
// which the actor may read the document: those who see everything; anyone,
// for guidelines; the uploader; the uploader's organisation; staff of the
// audit's enterprise or consultancy; a regulator office whose region holds
// the audit's enterprise. A deleted document is visible to nobody.
// Arguments from docVisibleArgs. SearchScope states the same rule for the
// index.
const docVisible = `(d.deleted_at IS NULL AND (? OR d.kind = 'guideline' OR d.created_by_id = ? OR d.org_id = ?
	OR d.audit_id IN (SELECT au.id FROM audits au WHERE au.enterprise_id = ? OR au.consultancy_id = ?)
	OR (? <> '' AND d.audit_id IN (SELECT au.id FROM audits au JOIN organisations e ON e.id = au.enterprise_id
		WHERE substr(e.region, 1, length(?)) = ?))))`

func docVisibleArgs(a cpaudit.Actor) []any {
	org, user := a.OrgID, a.UserID
	if org == "" {
		org = "\x00"
	}
	if user == "" {
		user = "\x00"
	}
	region := regionScope(a)
	return []any{seesAll(a), user, org, org, org, region, region, region}
}

const docColumns = `d.id, d.kind, d.title, d.audit_id, d.step, d.org_id, d.created_by_id, d.created_by, d.created_at,
	v.number, v.sha256, v.size, v.content_type, v.filename, v.uploaded_by, v.uploaded_at, v.text_status`

type rowScanner interface{ Scan(...any) error }

func scanDocument(row rowScanner) (d cpaudit.Document, createdByID string, err error) {
	var audit, org sql.NullString
	var step sql.NullInt64
	var created, uploaded int64
	var kind, status string
	v := &d.Current
	err = row.Scan(&d.ID, &kind, &d.Title, &audit, &step, &org, &createdByID, &d.CreatedBy, &created,
		&v.Number, &v.SHA256, &v.Size, &v.ContentType, &v.Filename, &v.UploadedBy, &uploaded, &status)
	d.Kind, d.AuditID, d.Step, d.OrgID, d.CreatedAt = cpaudit.DocKind(kind), audit.String, int(step.Int64), org.String, fromMicros(created)
	v.UploadedAt, v.TextStatus = fromMicros(uploaded), cpaudit.TextStatus(status)
	return d, createdByID, err
}

func (s *Store) document(ctx context.Context, db *sqlDB, a cpaudit.Actor, id string) (cpaudit.Document, string, error) {
	args := append([]any{id}, docVisibleArgs(a)...)
	d, createdByID, err := scanDocument(db.QueryRowContext(ctx, `SELECT `+docColumns+`
		FROM documents d JOIN document_versions v ON v.document_id = d.id AND v.number = d.versions
		WHERE d.id = ? AND `+docVisible, args...))
	if err != nil {
		return cpaudit.Document{}, "", dbError("storage.Document", err, "no such document", "")
	}
	return d, createdByID, nil
}

// Document returns a document with all its versions, newest first;
// KindNotFound if it does not exist or the actor may not read it.
func (s *Store) Document(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Document, error) {
	d, _, err := s.documentVersions(ctx, a, id)
	return d, err
}

// documentVersions is Document, also saying which tenant holds it: a's,
// or the guideline library's (documentIn).
func (s *Store) documentVersions(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Document, *tenantHandle, error) {
	const op = "storage.Document"
	d, h, _, err := s.documentIn(ctx, a, id)
	if err != nil {
		return cpaudit.Document{}, nil, err
	}
	rows, err := h.db.QueryContext(ctx, `SELECT number, sha256, size, content_type, filename, uploaded_by, uploaded_at, text_status
		FROM document_versions WHERE document_id = ? ORDER BY number DESC`, id)
	if err != nil {
		return cpaudit.Document{}, nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	for rows.Next() {
		var v cpaudit.DocumentVersion
		var uploaded int64
		var status string
		if err := rows.Scan(&v.Number, &v.SHA256, &v.Size, &v.ContentType, &v.Filename, &v.UploadedBy, &uploaded, &status); err != nil {
			return cpaudit.Document{}, nil, dbError(op, err, "", "")
		}
		v.UploadedAt, v.TextStatus = fromMicros(uploaded), cpaudit.TextStatus(status)
		d.Versions = append(d.Versions, v)
	}
	return d, h, dbError(op, rows.Err(), "", "")
}

// Documents returns one page of the documents the actor may read, newest
// first, and how many there are in all.
func (s *Store) Documents(ctx context.Context, a cpaudit.Actor, f cpaudit.DocumentFilter) ([]cpaudit.Document, int, error) {
	const op = "storage.Documents"
	f.Page()
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, 0, err
	}
	where := `WHERE ` + docVisible
	args := docVisibleArgs(a)
	if f.Kind != "" {
		where += ` AND d.kind = ?`
		args = append(args, string(f.Kind))
	}
	if f.AuditID != "" {
		where += ` AND d.audit_id = ?`
		args = append(args, f.AuditID)
	}
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM documents d `+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	rows, err := db.QueryContext(ctx, `SELECT `+docColumns+`
		FROM documents d JOIN document_versions v ON v.document_id = d.id AND v.number = d.versions
		`+where+` ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	defer rows.Close()
	docs := []cpaudit.Document{}
	for rows.Next() {
		d, _, err := scanDocument(rows)
		if err != nil {
			return nil, 0, dbError(op, err, "", "")
		}
		docs = append(docs, d)
	}
	return docs, total, dbError(op, rows.Err(), "", "")
}

// OpenContent opens the bytes of a version of a document (0: the newest)
// and records the download in the audit log. KindNotFound if the document
// or version does not exist or the actor may not read it.
func (s *Store) OpenContent(ctx context.Context, a cpaudit.Actor, docID string, version int) (cpaudit.DocumentVersion, io.ReadCloser, error) {
	d, h, err := s.documentVersions(ctx, a, docID)
	if err != nil {
		return cpaudit.DocumentVersion{}, nil, err
	}
	v := d.Current
	if version != 0 {
		found := false
		for _, dv := range d.Versions {
			if dv.Number == version {
				v, found = dv, true
			}
		}
		if !found {
			return cpaudit.DocumentVersion{}, nil, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchVersion, "document %s has no version %d", docID, version)
		}
	}
	rc, err := s.blobs.Open(ctx, blobKey(h.slug, v.SHA256))
	if err != nil {
		if cpaudit.IsKind(err, cpaudit.KindNotFound) {
			// The row exists but the bytes are gone: that is damage, not
			// a missing document.
			return cpaudit.DocumentVersion{}, nil, cpaudit.Internal("storage.OpenContent", errors.New("blob missing for "+docID))
		}
		return cpaudit.DocumentVersion{}, nil, err
	}
	detail := map[string]any{"version": v.Number}
	if own, _ := s.tenant(ctx, a.TenantID); own != h {
		detail["library"] = h.slug // a library guideline: logged in the reader's tenant, not the library's
	}
	if err := s.appendLogNow(ctx, a, "document.download", "document", docID, detail); err != nil {
		rc.Close()
		return cpaudit.DocumentVersion{}, nil, err
	}
	return v, rc, nil
}

// DocumentTitles returns the titles of the documents with these ids that
// the actor may read, in one query (for pages listing many documents by
// id, such as the flags).
func (s *Store) DocumentTitles(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]string, error) {
	const op = "storage.DocumentTitles"
	titles := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return titles, nil
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	in, args := idsIn(ids)
	rows, err := db.QueryContext(ctx, `SELECT d.id, d.title FROM documents d WHERE d.id IN `+in+` AND `+docVisible,
		append(args, docVisibleArgs(a)...)...)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	for rows.Next() {
		var id, title string
		if err := rows.Scan(&id, &title); err != nil {
			return nil, dbError(op, err, "", "")
		}
		titles[id] = title
	}
	return titles, dbError(op, rows.Err(), "", "")
}

// idsIn is an SQL list of placeholders for ids, "(?, ?, …)", and its
// arguments.
func idsIn(ids []string) (string, []any) {
	args := make([]any, len(ids), len(ids)+8) // room for the visibility arguments
	for i, id := range ids {
		args[i] = id
	}
	return "(?" + strings.Repeat(", ?", len(ids)-1) + ")", args
}
