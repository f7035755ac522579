package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"

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

// appendLogNow appends an entry that goes with no other change (a
// download, a tenant's creation), durably, before it returns. Such entries
// are committed together: each waits for the tenant's writer, and the
// first to get it writes every entry waiting at that moment in one
// transaction (group commit). Every download is such an entry: under
// scripts/load (50 users, some 70 downloads a second) one transaction each
// held the writer about three quarters of the time, two thirds of it for
// download entries, and uploads and downloads waited some 370 ms for it.
func (s *Store) appendLogNow(ctx context.Context, a cpaudit.Actor, action, objectType, objectID string, detail map[string]any) error {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	req := &logRequest{a: a, action: action, objectType: objectType, objectID: objectID, detail: detail, done: make(chan error, 1)}
	db.logs.add(req)
	select {
	case err := <-req.done: // written by the writer before us
		return err
	case <-ctx.Done():
		if db.logs.remove(req) {
			return ctx.Err()
		}
		return <-req.done // already in a transaction: its outcome
	case db.writer <- struct{}{}:
	}
	batch := db.logs.take()
	s.writeLogBatch(db, batch)
	<-db.writer
	return <-req.done
}

// writeLogBatch writes batch's entries in one transaction, holding the
// writer, and tells each request its outcome. If the transaction fails,
// each entry is tried again alone, so one entry's failure is its own. The
// transaction is not the context of the request that happens to lead it:
// the others' entries must not fail because that client went away.
func (s *Store) writeLogBatch(db *sqlDB, batch []*logRequest) {
	if len(batch) == 0 {
		return
	}
	ctx := context.Background()
	write := func(reqs []*logRequest) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for _, r := range reqs {
			if err := s.appendLog(ctx, tx, r.a, r.action, r.objectType, r.objectID, r.detail); err != nil {
				tx.Rollback()
				return err
			}
		}
		return tx.Commit()
	}
	db.logs.commits.Add(1)
	err := write(batch)
	if err == nil || len(batch) == 1 {
		for _, r := range batch {
			r.done <- dbError("storage.appendLog", err, "", "")
		}
		return
	}
	for _, r := range batch {
		r.done <- dbError("storage.appendLog", write([]*logRequest{r}), "", "")
	}
}

// logRequest is one entry for appendLogNow, with where its outcome goes.
type logRequest struct {
	a                            cpaudit.Actor
	action, objectType, objectID string
	detail                       map[string]any
	done                         chan error // buffered: the writer never waits on it
}

// logQueue holds the entries waiting for the next transaction of a
// tenant's audit log, in order of arrival.
type logQueue struct {
	mu      sync.Mutex
	pending []*logRequest
	commits atomic.Int64 // group transactions begun, for the tests
}

func (q *logQueue) add(r *logRequest) {
	q.mu.Lock()
	q.pending = append(q.pending, r)
	q.mu.Unlock()
}

// take empties the queue and returns what it held.
func (q *logQueue) take() []*logRequest {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch := q.pending
	q.pending = nil
	return batch
}

// remove takes r out of the queue; false if a writer took it already.
func (q *logQueue) remove(r *logRequest) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.Index(q.pending, r)
	if i < 0 {
		return false
	}
	q.pending = slices.Delete(q.pending, i, i+1)
	return true
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
