package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"

	"github.com/cpaudit/cpaudit"
)

// The structured cleaner production options (清洁生产方案) of an audit,
// which the key figures of its documents are compared with.

// mayEditOptions: the options are the audit's own statement, entered like
// a step's submission by its consultancy or its enterprise (or an admin).
func mayEditOptions(a cpaudit.Actor, au cpaudit.Audit) error {
	switch {
	case a.Role == cpaudit.RoleAdmin,
		a.Role == cpaudit.RoleConsultant && a.OrgID != "" && a.OrgID == au.ConsultancyID,
		a.Role == cpaudit.RoleEnterprise && a.OrgID != "" && a.OrgID == au.EnterpriseID:
		return nil
	}
	return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOptionsNotAllowed, "a %s may not enter an audit's options: only its consultancy or its enterprise does", a.Role)
}

// AuditOptions lists the options of an audit the actor can see, by code.
// KindNotFound for an audit it cannot see.
func (s *Store) AuditOptions(ctx context.Context, a cpaudit.Actor, auditID string) ([]cpaudit.AuditOption, error) {
	const op = "storage.AuditOptions"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if _, err := s.audit(ctx, db, a, auditID); err != nil {
		return nil, dbError(op, err, "no such audit", "")
	}
	opts, err := auditOptions(ctx, db, auditID)
	if opts == nil {
		opts = []cpaudit.AuditOption{}
	}
	return opts, dbError(op, err, "", "")
}

func auditOptions(ctx context.Context, q querier, auditID string) ([]cpaudit.AuditOption, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, audit_id, code, name, category, status, figures, updated_by, created_at, updated_at
		FROM audit_options WHERE audit_id = ? ORDER BY code`, auditID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cpaudit.AuditOption
	for rows.Next() {
		var o cpaudit.AuditOption
		var cat, status, figs string
		var created, updated int64
		if err := rows.Scan(&o.ID, &o.AuditID, &o.Code, &o.Name, &cat, &status, &figs, &o.UpdatedBy, &created, &updated); err != nil {
			return nil, err
		}
		o.Category, o.Status, o.CreatedAt, o.UpdatedAt = cpaudit.OptionCategory(cat), cpaudit.OptionStatus(status), fromMicros(created), fromMicros(updated)
		if err := json.Unmarshal([]byte(figs), &o.Figures); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SaveAuditOption creates the option of an audit with o's code, or
// replaces the one that has it (all of it: a status left out is
// proposed), appends the change to the audit log and
// queues the audit's documents for analysis (their figures are compared
// with the options), in one transaction. It reports whether the option
// is new.
//
// KindInvalid: a field is missing or out of range (AuditOption.Validate).
// KindUnprocessable: an unknown status (option_status_unknown).
// KindNotFound: no such audit, or one the actor cannot see. KindConflict:
// the actor is not the audit's consultancy or enterprise, or the audit has
// cpaudit.MaxOptionsPerAudit options already.
func (s *Store) SaveAuditOption(ctx context.Context, a cpaudit.Actor, auditID string, o cpaudit.AuditOption) (cpaudit.AuditOption, bool, error) {
	const op = "storage.SaveAuditOption"
	if err := o.Validate(); err != nil {
		return cpaudit.AuditOption{}, false, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.AuditOption{}, false, err
	}
	created := false
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		au, err := s.audit(ctx, tx, a, auditID)
		if err != nil {
			return dbError(op, err, "no such audit", "")
		}
		if err := mayEditOptions(a, au); err != nil {
			return err
		}
		now := s.clock()
		var id string
		var createdAt int64
		err = tx.QueryRowContext(ctx, `SELECT id, created_at FROM audit_options WHERE audit_id = ? AND code = ?`, auditID, o.Code).Scan(&id, &createdAt)
		switch {
		case err == sql.ErrNoRows:
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_options WHERE audit_id = ?`, auditID).Scan(&n); err != nil {
				return err
			}
			if n >= cpaudit.MaxOptionsPerAudit {
				return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOptionsTooMany, "an audit has at most %d options", cpaudit.MaxOptionsPerAudit).With("max", strconv.Itoa(cpaudit.MaxOptionsPerAudit))
			}
			created, id, createdAt = true, cpaudit.NewID("o", now), micros(now)
		case err != nil:
			return err
		}
		o.ID, o.AuditID, o.UpdatedBy, o.CreatedAt, o.UpdatedAt = id, auditID, a.Email, fromMicros(createdAt), now
		figs, err := json.Marshal(o.Figures)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_options (id, audit_id, code, name, category, status, figures, updated_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, category = excluded.category, status = excluded.status, figures = excluded.figures,
				updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			o.ID, auditID, o.Code, o.Name, string(o.Category), string(o.Status), string(figs), o.UpdatedBy, createdAt, micros(now)); err != nil {
			return err
		}
		action := "option.update"
		if created {
			action = "option.create"
		}
		if err := s.appendLog(ctx, tx, a, action, "audit", auditID, map[string]any{
			"option_id": o.ID, "code": o.Code, "name": o.Name, "category": o.Category, "status": o.Status, "figures": o.Figures}); err != nil {
			return err
		}
		// The audit's documents are compared again; a job already waiting
		// will read the new options.
		_, err = tx.ExecContext(ctx, `INSERT INTO jobs (kind, document_id, version, not_before, created_at)
			SELECT ?, d.id, d.versions, ?, ? FROM documents d
			WHERE d.audit_id = ? AND d.deleted_at IS NULL AND d.versions > 0
				AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = d.id AND j.kind = ? AND j.attempts = 0)`,
			jobAnalyse, micros(now), micros(now), auditID, jobAnalyse)
		return err
	})
	if err != nil {
		return cpaudit.AuditOption{}, false, dbError(op, err, "", "")
	}
	return o, created, nil
}
