package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// CreateAudit starts an audit of an enterprise, with a consultancy or as a
// self-audit (consultancyID ""), in no batch; see StartAudit.
func (s *Store) CreateAudit(ctx context.Context, a cpaudit.Actor, enterpriseID, consultancyID string) (cpaudit.Audit, error) {
	return s.StartAudit(ctx, a, cpaudit.NewAudit{EnterpriseID: enterpriseID, ConsultancyID: consultancyID})
}

// StartAudit starts an audit of an enterprise, with a consultancy or as a
// self-audit, optionally in a batch, with its 35 steps not started. Admins
// and regulators may (KindConflict otherwise). KindNotFound if an
// organisation or the batch is unknown, KindUnprocessable if an
// organisation is of the wrong kind.
func (s *Store) StartAudit(ctx context.Context, a cpaudit.Actor, na cpaudit.NewAudit) (cpaudit.Audit, error) {
	const op = "storage.CreateAudit"
	enterpriseID, consultancyID := na.EnterpriseID, na.ConsultancyID
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeAuditStartNotAllowed, "only an admin or a regulator may start an audit")
	}
	if enterpriseID == "" {
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeEnterpriseRequired, "enterprise_id is required")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Audit{}, err
	}
	if err := s.checkOrgKind(ctx, db, enterpriseID, cpaudit.OrgEnterprise); err != nil {
		return cpaudit.Audit{}, err
	}
	if scope := regionScope(a); scope != "" {
		// A city office starts audits of its own region's enterprises
		// only; it reads the others (seesAllOrganisations), so the
		// refusal is a conflict.
		ent, err := s.organisation(ctx, db, enterpriseID)
		if err != nil {
			return cpaudit.Audit{}, err
		}
		if !strings.HasPrefix(ent.Region, scope) {
			return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOrgOutsideRegion, "the enterprise is outside your office's region")
		}
	}
	if consultancyID != "" {
		if err := s.checkOrgKind(ctx, db, consultancyID, cpaudit.OrgConsultancy); err != nil {
			return cpaudit.Audit{}, err
		}
	}
	var batch *cpaudit.Batch
	if na.BatchID != "" {
		b, err := s.Batch(ctx, a, na.BatchID)
		if err != nil {
			return cpaudit.Audit{}, err
		}
		batch = &b
	}
	defs, err := cpaudit.Steps()
	if err != nil {
		return cpaudit.Audit{}, cpaudit.Internal(op, err)
	}
	var au cpaudit.Audit
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		au, err = s.insertAudit(ctx, tx, a, na, defs)
		if err != nil {
			return err
		}
		au.Batch = batch
		return fillExpected(ctx, tx, &au)
	})
	if err != nil {
		return cpaudit.Audit{}, dbError(op, err, "", "")
	}
	return au, nil
}

// insertAudit writes a new audit with its 35 steps not started and logs
// it, inside tx; the caller has checked the organisations and the batch.
func (s *Store) insertAudit(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, na cpaudit.NewAudit, defs []cpaudit.StepDef) (cpaudit.Audit, error) {
	now := s.clock()
	au := cpaudit.Audit{ID: cpaudit.NewID("a", now), EnterpriseID: na.EnterpriseID, ConsultancyID: na.ConsultancyID,
		BatchID: na.BatchID, CreatedAt: now}
	_, err := tx.ExecContext(ctx, `INSERT INTO audits (id, enterprise_id, consultancy_id, batch_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		au.ID, na.EnterpriseID, nullString(na.ConsultancyID), nullString(na.BatchID), micros(now))
	if err != nil {
		return cpaudit.Audit{}, err
	}
	// One statement for the 35 rows: an import starts thousands of audits
	// in one transaction, and a statement per row tripled its time.
	values := make([]string, len(defs))
	args := make([]any, 0, 4*len(defs))
	for i, d := range defs {
		values[i] = "(?, ?, ?, ?)"
		args = append(args, au.ID, d.Number, string(cpaudit.StepNotStarted), micros(now))
		au.Steps = append(au.Steps, cpaudit.AuditStep{Code: d.Code, Phase: d.Phase, Zh: d.Zh, En: d.En, State: cpaudit.StepNotStarted, UpdatedAt: now})
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_steps (audit_id, number, state, updated_at) VALUES `+strings.Join(values, ", "), args...); err != nil {
		return cpaudit.Audit{}, err
	}
	if err := s.appendLog(ctx, tx, a, "audit.create", "audit", au.ID,
		map[string]any{"enterprise_id": na.EnterpriseID, "consultancy_id": na.ConsultancyID, "batch_id": na.BatchID}); err != nil {
		return cpaudit.Audit{}, err
	}
	_, err = s.refreshProgress(ctx, tx, au.ID)
	return au, err
}

func (s *Store) checkOrgKind(ctx context.Context, db *sqlDB, id string, kind cpaudit.OrgKind) error {
	o, err := s.organisation(ctx, db, id)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return cpaudit.Errorf(cpaudit.KindNotFound, "no %s with id %q", kind, id)
	}
	if err != nil {
		return err
	}
	if o.Kind != kind {
		return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeOrganisationWrongKind, "organisation %s is a %s, not a %s", id, o.Kind, kind).With("want", string(kind))
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

// Audit returns an audit, its batch, gates and steps; KindNotFound if it
// does not exist or the actor may not see it.
func (s *Store) Audit(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Audit, error) {
	const op = "storage.Audit"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Audit{}, err
	}
	au, err := s.audit(ctx, db, a, id)
	if err != nil {
		return cpaudit.Audit{}, dbError(op, err, "no such audit", "")
	}
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM findings WHERE audit_id = ?`, id).Scan(&au.Findings)
	return au, dbError(op, err, "", "")
}

// querier is what a database and *sql.Tx share for reads.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// audit reads a visible audit with its batch, gates and steps through q.
func (s *Store) audit(ctx context.Context, q querier, a cpaudit.Actor, id string) (cpaudit.Audit, error) {
	var au cpaudit.Audit
	var cons, batchID sql.NullString
	var created int64
	var assessment, acceptance sql.NullInt64
	args := append([]any{id}, auditVisibleArgs(a)...)
	err := q.QueryRowContext(ctx, `SELECT au.id, au.enterprise_id, au.consultancy_id, au.batch_id, au.assessment_open_at,
		au.acceptance_open_at, au.created_at FROM audits au
		WHERE au.id = ? AND `+auditVisible, args...).Scan(&au.ID, &au.EnterpriseID, &cons, &batchID, &assessment, &acceptance, &created)
	if err != nil {
		return cpaudit.Audit{}, err
	}
	au.ConsultancyID, au.BatchID, au.CreatedAt = cons.String, batchID.String, fromMicros(created)
	if assessment.Valid {
		t := fromMicros(assessment.Int64)
		au.Gates.AssessmentOpen, au.Gates.AssessmentOpenedAt = true, &t
	}
	if acceptance.Valid {
		t := fromMicros(acceptance.Int64)
		au.Gates.AcceptanceOpen, au.Gates.AcceptanceOpenedAt = true, &t
	}
	if au.BatchID != "" {
		b, err := scanBatch(q.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM batches WHERE id = ?`, au.BatchID))
		if err != nil {
			return cpaudit.Audit{}, err
		}
		au.Batch = &b
	}
	defs, err := cpaudit.Steps()
	if err != nil {
		return cpaudit.Audit{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT number, state, updated_at, changed_by, changed_at, reason, document_ids
		FROM audit_steps WHERE audit_id = ? ORDER BY number`, id)
	if err != nil {
		return cpaudit.Audit{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var num int
		var state, changedBy, reason, docs string
		var updated int64
		var changed sql.NullInt64
		if err := rows.Scan(&num, &state, &updated, &changedBy, &changed, &reason, &docs); err != nil {
			return cpaudit.Audit{}, err
		}
		d := defs[num-1]
		st := cpaudit.AuditStep{Code: d.Code, Phase: d.Phase, Zh: d.Zh, En: d.En,
			State: cpaudit.StepState(state), UpdatedAt: fromMicros(updated), ChangedBy: changedBy, Reason: reason}
		if changed.Valid {
			t := fromMicros(changed.Int64)
			st.ChangedAt = &t
		}
		if err := json.Unmarshal([]byte(docs), &st.DocumentIDs); err != nil {
			return cpaudit.Audit{}, err
		}
		au.Steps = append(au.Steps, st)
	}
	if err := rows.Err(); err != nil {
		return cpaudit.Audit{}, err
	}
	rows.Close() // before the next queries, which may share a transaction's connection
	if err := fillExpected(ctx, q, &au); err != nil {
		return cpaudit.Audit{}, err
	}
	return au, fillCarried(ctx, q, &au)
}
