package storage

import (
	"context"
	"database/sql"

	"github.com/cpaudit/cpaudit"
)

// CreateAudit starts an audit of an enterprise, with a consultancy or as a
// self-audit (consultancyID ""), with its 35 steps not started. Admins and
// regulators may. KindNotFound if either organisation is unknown,
// KindUnprocessable if it is of the wrong kind.
func (s *Store) CreateAudit(ctx context.Context, a cpaudit.Actor, enterpriseID, consultancyID string) (cpaudit.Audit, error) {
	const op = "storage.CreateAudit"
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return cpaudit.Audit{}, cpaudit.Errorf(cpaudit.KindConflict, "only an admin or a regulator may start an audit")
	}
	if enterpriseID == "" {
		return cpaudit.Audit{}, cpaudit.Errorf(cpaudit.KindInvalid, "enterprise_id is required")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Audit{}, err
	}
	if err := s.checkOrgKind(ctx, db, enterpriseID, cpaudit.OrgEnterprise); err != nil {
		return cpaudit.Audit{}, err
	}
	if consultancyID != "" {
		if err := s.checkOrgKind(ctx, db, consultancyID, cpaudit.OrgConsultancy); err != nil {
			return cpaudit.Audit{}, err
		}
	}
	defs, err := cpaudit.Steps()
	if err != nil {
		return cpaudit.Audit{}, cpaudit.Internal(op, err)
	}
	now := s.clock()
	au := cpaudit.Audit{ID: cpaudit.NewID("a", now), EnterpriseID: enterpriseID, ConsultancyID: consultancyID, CreatedAt: now}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audits (id, enterprise_id, consultancy_id, created_at) VALUES (?, ?, ?, ?)`,
			au.ID, enterpriseID, nullString(consultancyID), micros(now))
		if err != nil {
			return err
		}
		for _, d := range defs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_steps (audit_id, number, state, updated_at) VALUES (?, ?, ?, ?)`,
				au.ID, d.Number, string(cpaudit.StepNotStarted), micros(now)); err != nil {
				return err
			}
			au.Steps = append(au.Steps, cpaudit.AuditStep{Code: d.Code, Phase: d.Phase, Zh: d.Zh, En: d.En, State: cpaudit.StepNotStarted, UpdatedAt: now})
		}
		return s.appendLog(ctx, tx, a, "audit.create", "audit", au.ID,
			map[string]any{"enterprise_id": enterpriseID, "consultancy_id": consultancyID})
	})
	if err != nil {
		return cpaudit.Audit{}, dbError(op, err, "", "")
	}
	return au, nil
}

func (s *Store) checkOrgKind(ctx context.Context, db *sql.DB, id string, kind cpaudit.OrgKind) error {
	o, err := s.organisation(ctx, db, id)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return cpaudit.Errorf(cpaudit.KindNotFound, "no %s with id %q", kind, id)
	}
	if err != nil {
		return err
	}
	if o.Kind != kind {
		return cpaudit.Errorf(cpaudit.KindUnprocessable, "organisation %s is a %s, not a %s", id, o.Kind, kind)
	}
	return nil
}

// auditVisible is the SQL condition, over an audits row aliased au, under
// which the actor may see the audit: everyone who sees all, staff of its
// enterprise or consultancy, and a regulator office whose region holds the
// enterprise. Arguments from auditVisibleArgs.
const auditVisible = `(? OR au.enterprise_id = ? OR au.consultancy_id = ?
	OR (? <> '' AND au.enterprise_id IN (SELECT e.id FROM organisations e WHERE substr(e.region, 1, length(?)) = ?)))`

func auditVisibleArgs(a cpaudit.Actor) []any {
	org := a.OrgID
	if org == "" {
		org = "\x00" // matches no organisation
	}
	region := regionScope(a)
	return []any{seesAll(a), org, org, region, region, region}
}

// Audit returns an audit and its steps; KindNotFound if it does not exist
// or the actor may not see it.
func (s *Store) Audit(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Audit, error) {
	const op = "storage.Audit"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Audit{}, err
	}
	var au cpaudit.Audit
	var cons sql.NullString
	var created int64
	args := append([]any{id}, auditVisibleArgs(a)...)
	err = db.QueryRowContext(ctx, `SELECT au.id, au.enterprise_id, au.consultancy_id, au.created_at FROM audits au
		WHERE au.id = ? AND `+auditVisible, args...).Scan(&au.ID, &au.EnterpriseID, &cons, &created)
	if err != nil {
		return cpaudit.Audit{}, dbError(op, err, "no such audit", "")
	}
	au.ConsultancyID, au.CreatedAt = cons.String, fromMicros(created)
	defs, err := cpaudit.Steps()
	if err != nil {
		return cpaudit.Audit{}, cpaudit.Internal(op, err)
	}
	rows, err := db.QueryContext(ctx, `SELECT number, state, updated_at FROM audit_steps WHERE audit_id = ? ORDER BY number`, id)
	if err != nil {
		return cpaudit.Audit{}, dbError(op, err, "", "")
	}
	defer rows.Close()
	for rows.Next() {
		var num int
		var state string
		var updated int64
		if err := rows.Scan(&num, &state, &updated); err != nil {
			return cpaudit.Audit{}, dbError(op, err, "", "")
		}
		d := defs[num-1]
		au.Steps = append(au.Steps, cpaudit.AuditStep{Code: d.Code, Phase: d.Phase, Zh: d.Zh, En: d.En,
			State: cpaudit.StepState(state), UpdatedAt: fromMicros(updated)})
	}
	return au, dbError(op, rows.Err(), "", "")
}
