package storage

import (
	"context"
	"database/sql"

	"github.com/cpaudit/cpaudit"
)

// mayChange reports whether the actor may add versions to or delete a
// document it can read: an admin, its uploader, or the uploader's
// organisation.
func mayChange(a cpaudit.Actor, d cpaudit.Document, createdByID string) bool {
	return a.Role == cpaudit.RoleAdmin || (a.UserID != "" && createdByID == a.UserID) || (a.OrgID != "" && d.OrgID == a.OrgID)
}

// DeleteDocument hides a document from everyone: lists, reads, downloads,
// search and flags (index and analysis jobs are written in the same
// transaction). Versions, blobs and the audit trail are kept. KindNotFound if the actor cannot
// read it; KindConflict if it may read but not delete it.
func (s *Store) DeleteDocument(ctx context.Context, a cpaudit.Actor, id string) error {
	const op = "storage.DeleteDocument"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	return dbError(op, inTx(ctx, db, func(tx *sql.Tx) error {
		// Read inside the write transaction, so a concurrent delete or
		// new version cannot slip between the check and the change.
		args := append([]any{id}, docVisibleArgs(a)...)
		d, createdByID, err := scanDocument(tx.QueryRowContext(ctx, `SELECT `+docColumns+`
			FROM documents d JOIN document_versions v ON v.document_id = d.id AND v.number = d.versions
			WHERE d.id = ? AND `+docVisible, args...))
		if err != nil {
			return dbError(op, err, "no such document", "")
		}
		if !mayChange(a, d, createdByID) {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeDeleteNotOwner, "only the organisation that uploaded this document may delete it")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET deleted_at = ?, deleted_by = ? WHERE id = ?`,
			micros(s.clock()), a.Email, id); err != nil {
			return dbError(op, err, "", "")
		}
		// A recheck job: searches leave it out from now on, not only once
		// the indexer has removed it.
		if err := s.enqueueRecheck(ctx, tx, id, d.Current.Number); err != nil {
			return dbError(op, err, "", "")
		}
		// Its fingerprints go, so that no new flag points at it.
		if err := s.enqueue(ctx, tx, jobAnalyse, id, d.Current.Number); err != nil {
			return dbError(op, err, "", "")
		}
		return s.appendLog(ctx, tx, a, "document.delete", "document", id, map[string]any{"title": d.Title})
	}), "", "")
}
