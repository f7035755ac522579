package storage

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cpaudit/cpaudit"
)

// appendLog appends one entry to the tenant's audit log inside tx, chained
// to the previous entry. Callers write the change and its log entry in the
// same transaction, so neither exists without the other.
func (s *Store) appendLog(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, action, objectType, objectID string, detail map[string]any) error {
	e := cpaudit.LogEntry{
		At: s.clock(), UserID: a.UserID, Email: a.Email, Role: a.Role,
		Action: action, ObjectType: objectType, ObjectID: objectID, ClientAddr: a.ClientAddr,
	}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return cpaudit.Internal("storage.appendLog", err)
		}
		e.Detail = string(b)
	}
	var lastSeq sql.NullInt64
	var lastHash sql.NullString
	// The sequence counter, not max(seq), numbers the next entry: if the
	// tail was deleted, the gap stays visible to Verify.
	err := tx.QueryRowContext(ctx, `SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'),
		(SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1)`).Scan(&lastSeq, &lastHash)
	if err != nil {
		return cpaudit.Internal("storage.appendLog", err)
	}
	e.Seq = lastSeq.Int64 + 1
	e.PrevHash = lastHash.String
	e.Hash = e.ComputeHash()
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, at, user_id, email, role, action, object_type, object_id, detail, client_addr, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, micros(e.At), e.UserID, e.Email, string(e.Role), e.Action, e.ObjectType, e.ObjectID,
		e.Detail, e.ClientAddr, e.PrevHash, e.Hash)
	return cpaudit.Internal("storage.appendLog", err)
}

// appendLogNow appends an entry in a transaction of its own.
func (s *Store) appendLogNow(ctx context.Context, a cpaudit.Actor, action, objectType, objectID string, detail map[string]any) error {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	return dbError("storage.appendLog", inTx(ctx, db, func(tx *sql.Tx) error {
		return s.appendLog(ctx, tx, a, action, objectType, objectID, detail)
	}), "", "")
}

const logColumns = `seq, at, user_id, email, role, action, object_type, object_id, detail, client_addr, prev_hash, hash`

func scanLogEntry(rows *sql.Rows) (cpaudit.LogEntry, error) {
	var e cpaudit.LogEntry
	var at int64
	var role string
	err := rows.Scan(&e.Seq, &at, &e.UserID, &e.Email, &role, &e.Action, &e.ObjectType, &e.ObjectID,
		&e.Detail, &e.ClientAddr, &e.PrevHash, &e.Hash)
	e.At, e.Role = fromMicros(at), cpaudit.Role(role)
	return e, err
}

// ObjectLog returns the audit trail of one object, newest first, at most
// limit entries. The caller must already have checked that the actor may
// read the object.
func (s *Store) ObjectLog(ctx context.Context, a cpaudit.Actor, objectType, objectID string, limit int) ([]cpaudit.LogEntry, error) {
	const op = "storage.ObjectLog"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.QueryContext(ctx, `SELECT `+logColumns+` FROM audit_log
		WHERE object_type = ? AND object_id = ? ORDER BY seq DESC LIMIT ?`, objectType, objectID, limit)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	entries := []cpaudit.LogEntry{}
	for rows.Next() {
		e, err := scanLogEntry(rows)
		if err != nil {
			return nil, dbError(op, err, "", "")
		}
		entries = append(entries, e)
	}
	return entries, dbError(op, rows.Err(), "", "")
}
