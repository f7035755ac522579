package storage

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cpaudit/cpaudit"
)

// mayManageBatches: batches are set by the authority (admins and regulators).
func mayManageBatches(a cpaudit.Actor) error {
	return authorityOnly(a, cpaudit.CodeBatchNotAllowed, "create or change a batch")
}

// CreateBatch stores a new batch. KindConflict if the actor is neither an
// admin nor a regulator or the year and number are taken; KindInvalid or
// KindUnprocessable for bad fields (cpaudit.Batch.Validate).
func (s *Store) CreateBatch(ctx context.Context, a cpaudit.Actor, b cpaudit.Batch) (cpaudit.Batch, error) {
	const op = "storage.CreateBatch"
	if err := mayManageBatches(a); err != nil {
		return cpaudit.Batch{}, err
	}
	if err := b.Validate(); err != nil {
		return cpaudit.Batch{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Batch{}, err
	}
	now := s.clock()
	b.ID, b.CreatedAt, b.UpdatedAt = cpaudit.NewID("b", now), now, now
	err = inTx(ctx, db, func(tx *sql.Tx) error { return s.insertBatch(ctx, tx, a, b) })
	if err != nil {
		return cpaudit.Batch{}, taken(dbError(op, err, "", "a batch with this year and number exists already"), cpaudit.CodeBatchTaken)
	}
	return b, nil
}

// insertBatch writes the validated batch b, with its id and times set,
// and logs it, inside tx.
func (s *Store) insertBatch(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, b cpaudit.Batch) error {
	reasons, industries, obligations := mustJSON(b.Reasons), mustJSON(b.Industries), mustJSON(b.Obligations)
	if _, err := tx.ExecContext(ctx, `INSERT INTO batches (id, year, number, name, reasons, industries, obligations, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, b.ID, b.Year, b.Number, b.Name, reasons, industries, obligations, micros(b.CreatedAt), micros(b.UpdatedAt)); err != nil {
		return err
	}
	return s.appendLog(ctx, tx, a, "batch.create", "batch", b.ID, map[string]any{
		"year": b.Year, "number": b.Number, "name": b.Name, "reasons": b.Reasons, "industries": b.Industries, "obligations": b.Obligations})
}

// UpdateBatch applies p. KindNotFound for an unknown batch, KindConflict
// for an actor who may not manage batches, KindInvalid or
// KindUnprocessable for bad values.
func (s *Store) UpdateBatch(ctx context.Context, a cpaudit.Actor, id string, p cpaudit.BatchPatch) (cpaudit.Batch, error) {
	const op = "storage.UpdateBatch"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Batch{}, err
	}
	var b cpaudit.Batch
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		var err error
		if b, err = scanBatch(tx.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM batches WHERE id = ?`, id)); err != nil {
			return dbError(op, err, "no such batch", "")
		}
		if err := mayManageBatches(a); err != nil {
			return err
		}
		if err := batchInReach(ctx, tx, a, id); err != nil {
			return err
		}
		before := b.Obligations
		if p.Name != nil {
			b.Name = *p.Name
		}
		fields := b.Obligations.Fields()
		for name, v := range p.Obligations {
			i := obligationIndex(name)
			if i < 0 {
				return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeObligationUnknown, "unknown obligation %q: use one of register, disclose, apply_assessment, assessment_done, implementation_done, apply_acceptance, acceptance_done", name).With("value", name)
			}
			if v != nil {
				*fields[i] = *v
			}
		}
		if err := b.Validate(); err != nil {
			return err
		}
		b.UpdatedAt = s.clock()
		if _, err := tx.ExecContext(ctx, `UPDATE batches SET name = ?, obligations = ?, updated_at = ? WHERE id = ?`,
			b.Name, mustJSON(b.Obligations), micros(b.UpdatedAt), id); err != nil {
			return err
		}
		if err := s.refreshBatchProgress(ctx, tx, id); err != nil {
			return err
		}
		if before != b.Obligations { // the letters quote the dates (letter.go)
			if err := s.enqueueLetters(ctx, tx, id); err != nil {
				return err
			}
		}
		return s.appendLog(ctx, tx, a, "batch.update", "batch", id, map[string]any{
			"name": b.Name, "obligations_before": before, "obligations": b.Obligations})
	})
	if err != nil {
		return cpaudit.Batch{}, dbError(op, err, "", "")
	}
	return b, nil
}

// batchInReach refuses a regional regulator a change to a batch that lists
// an audit outside its office's region: the batch's name and dates are the
// obligations of every audit in it, and a city office sets none for
// another city's enterprises. It may still read the batch (every user
// does), so the refusal is a conflict, not a 404.
func batchInReach(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, id string) error {
	if seesAll(a) {
		return nil
	}
	var outside int
	args := append([]any{id}, auditVisibleArgs(a)...)
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audits au WHERE au.batch_id = ? AND NOT coalesce(`+auditVisible+`, 0)`, args...).Scan(&outside); err != nil {
		return err
	}
	if outside > 0 {
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeBatchOutsideRegion,
			"the batch lists %d audit(s) outside your office's region: only an office whose region holds them all, or an admin, may change it", outside)
	}
	return nil
}

func obligationIndex(name string) int {
	for i, n := range cpaudit.ObligationNames {
		if n == name {
			return i
		}
	}
	return -1
}

// Batch returns one batch. Every user of the tenant may read batches: the
// dates are what enterprises and consultancies must meet. KindNotFound if
// there is no such batch.
func (s *Store) Batch(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Batch, error) {
	const op = "storage.Batch"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Batch{}, err
	}
	b, err := scanBatch(db.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM batches WHERE id = ?`, id))
	return b, dbError(op, err, "no such batch", "")
}

// Batches lists the tenant's batches, newest year and number first.
func (s *Store) Batches(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Batch, error) {
	const op = "storage.Batches"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+batchColumns+` FROM batches ORDER BY year DESC, number DESC`)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	list := []cpaudit.Batch{}
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, dbError(op, err, "", "")
		}
		list = append(list, b)
	}
	return list, dbError(op, rows.Err(), "", "")
}

const batchColumns = `id, year, number, name, reasons, industries, obligations, created_at, updated_at`

func scanBatch(row rowScanner) (cpaudit.Batch, error) {
	var b cpaudit.Batch
	var reasons, industries, obligations string
	var created, updated int64
	if err := row.Scan(&b.ID, &b.Year, &b.Number, &b.Name, &reasons, &industries, &obligations, &created, &updated); err != nil {
		return cpaudit.Batch{}, err
	}
	b.CreatedAt, b.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(reasons), &b.Reasons); err != nil {
		return cpaudit.Batch{}, err
	}
	if err := json.Unmarshal([]byte(industries), &b.Industries); err != nil {
		return cpaudit.Batch{}, err
	}
	if err := json.Unmarshal([]byte(obligations), &b.Obligations); err != nil {
		return cpaudit.Batch{}, err
	}
	return b, nil
}

// mustJSON encodes values that always encode (slices and structs of strings).
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
