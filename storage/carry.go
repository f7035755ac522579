package storage

import (
	"context"
	"database/sql"

	"github.com/cpaudit/cpaudit"
)

// CarryAudit carries an audit that failed or missed its deadlines into a
// later batch: a new audit of the same enterprise and consultancy starts
// there, recording carried_from, and the old one records carried_to. Both
// links and the new audit are logged in one transaction. Admins and
// regulators may (KindConflict otherwise).
//
// KindInvalid: no batch_id. KindNotFound: the audit or the batch is
// unknown or out of the actor's sight. KindConflict: the batch is not later
// (by year, then number) than the audit's, the audit was carried already,
// its acceptance gate is open (there is nothing to carry), or the
// enterprise already has an audit in that batch.
func (s *Store) CarryAudit(ctx context.Context, a cpaudit.Actor, auditID, batchID string) (cpaudit.Audit, error) {
	const op = "storage.CarryAudit"
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeCarryNotAllowed, "only an admin or a regulator may carry an audit into another batch")
	}
	if batchID == "" {
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeCarryBatchRequired, "batch_id is required")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Audit{}, err
	}
	defs, err := cpaudit.Steps()
	if err != nil {
		return cpaudit.Audit{}, cpaudit.Internal(op, err)
	}
	var out cpaudit.Audit
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		old, err := s.audit(ctx, tx, a, auditID)
		if err != nil {
			return dbError(op, err, "no such audit", "")
		}
		to, err := scanBatch(tx.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM batches WHERE id = ?`, batchID))
		if err != nil {
			return dbError(op, err, "no such batch", "")
		}
		switch {
		case old.CarriedTo != "":
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeCarryAlreadyCarried, "the audit was already carried into another batch (audit %s)", old.CarriedTo)
		case old.Gates.AcceptanceOpen:
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeCarryAccepted, "the audit reached its acceptance (验收): there is nothing to carry")
		case old.Batch != nil && !batchLater(to, *old.Batch):
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeCarryBatchNotLater, "batch %d-%d is not later than the audit's batch %d-%d",
				to.Year, to.Number, old.Batch.Year, old.Batch.Number)
		}
		var other string
		err = tx.QueryRowContext(ctx, `SELECT id FROM audits WHERE enterprise_id = ? AND batch_id = ? LIMIT 1`, old.EnterpriseID, batchID).Scan(&other)
		if err == nil {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeCarryEnterpriseHasAudit, "the enterprise already has an audit (%s) in batch %d-%d", other, to.Year, to.Number)
		}
		if err != sql.ErrNoRows {
			return err
		}
		na := cpaudit.NewAudit{EnterpriseID: old.EnterpriseID, ConsultancyID: old.ConsultancyID, BatchID: batchID}
		nu, err := s.insertAudit(ctx, tx, a, na, defs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audits SET carried_from = ? WHERE id = ?`, old.ID, nu.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audits SET carried_to = ? WHERE id = ? AND carried_to IS NULL`, nu.ID, old.ID); err != nil {
			return err
		}
		detail := map[string]any{"from_audit": old.ID, "to_audit": nu.ID, "from_batch": old.BatchID, "to_batch": batchID}
		if err := s.appendLog(ctx, tx, a, "audit.carry", "audit", old.ID, detail); err != nil {
			return err
		}
		out, err = s.audit(ctx, tx, a, nu.ID)
		return err
	})
	if err != nil {
		return cpaudit.Audit{}, dbError(op, err, "", "")
	}
	return out, nil
}

// batchLater reports whether b comes after than: a later year, or the same
// year and a higher number.
func batchLater(b, than cpaudit.Batch) bool {
	return b.Year > than.Year || (b.Year == than.Year && b.Number > than.Number)
}

// fillCarried reads the carry links of an audit read by s.audit.
func fillCarried(ctx context.Context, q querier, au *cpaudit.Audit) error {
	var from, to sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT carried_from, carried_to FROM audits WHERE id = ?`, au.ID).Scan(&from, &to); err != nil {
		return err
	}
	au.CarriedFrom, au.CarriedTo = from.String, to.String
	return nil
}
