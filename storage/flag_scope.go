package storage

import (
	"context"

	"github.com/cpaudit/cpaudit"
)

// Flags listed per audit and per consultancy: a flag belongs to an audit
// when one of its documents does, and to a consultancy when one of its
// documents belongs to an audit the consultancy runs. Visibility stays
// that of Flags (every document readable); these only narrow the list.

// checkFlagScope makes sure the audit and consultancy a filter names exist
// and are visible to the actor: KindNotFound otherwise, as for a document.
func (s *Store) checkFlagScope(ctx context.Context, db *sqlDB, a cpaudit.Actor, f cpaudit.FlagFilter) error {
	if f.AuditID != "" {
		if _, err := s.audit(ctx, db, a, f.AuditID); err != nil {
			return dbError("storage.Flags", err, "no such audit", "")
		}
	}
	if f.ConsultancyID != "" {
		if !seesAllOrganisations(a) && a.OrgID != f.ConsultancyID {
			return cpaudit.Errorf(cpaudit.KindNotFound, "no such consultancy")
		}
		o, err := s.organisation(ctx, db, f.ConsultancyID)
		if err != nil {
			return err
		}
		if o.Kind != cpaudit.OrgConsultancy {
			return cpaudit.Errorf(cpaudit.KindNotFound, "no such consultancy")
		}
	}
	return nil
}

// flagScope adds to a WHERE clause over flags f the audit, consultancy and
// status conditions of a filter.
func flagScope(where string, args []any, f cpaudit.FlagFilter) (string, []any) {
	if f.AuditID != "" {
		where += ` AND EXISTS (SELECT 1 FROM documents d WHERE d.id IN (f.doc_a, f.doc_b) AND d.audit_id = ?)`
		args = append(args, f.AuditID)
	}
	if f.ConsultancyID != "" {
		where += ` AND EXISTS (SELECT 1 FROM documents d JOIN audits au ON au.id = d.audit_id
			WHERE d.id IN (f.doc_a, f.doc_b) AND au.consultancy_id = ?)`
		args = append(args, f.ConsultancyID)
	}
	if f.Status != "" {
		where += ` AND f.status = ?`
		args = append(args, string(f.Status))
	}
	return where, args
}

// flagOrder is the ORDER BY of a flag list; ties break by id so that
// pages do not overlap.
func flagOrder(sort cpaudit.FlagSort) string {
	if sort == cpaudit.FlagsByDate {
		return `f.created_at DESC, f.id DESC`
	}
	return `f.score DESC, f.id`
}

// Consultancies lists the consultancies of the actor's tenant the actor may
// look up (all of them for administrators, regulators and experts; its own
// for consultancy staff; none for others), by name, for the filters of
// the flag list.
func (s *Store) Consultancies(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Organisation, error) {
	const op = "storage.Consultancies"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	own := a.OrgID
	if own == "" {
		own = "\x00"
	}
	rows, err := db.QueryContext(ctx, `SELECT id, name FROM organisations WHERE kind = ? AND (? OR id = ?) ORDER BY name, id`,
		string(cpaudit.OrgConsultancy), seesAllOrganisations(a), own)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	out := []cpaudit.Organisation{}
	for rows.Next() {
		o := cpaudit.Organisation{Kind: cpaudit.OrgConsultancy}
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, dbError(op, err, "", "")
		}
		out = append(out, o)
	}
	return out, dbError(op, rows.Err(), "", "")
}
