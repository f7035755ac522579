package storage

import (
	"context"
	"database/sql"
	"slices"

	"github.com/cpaudit/cpaudit"
)

// Work queues of the home pages (cpaudit's queue.go): the steps waiting
// in a state, the enterprise names of audits, an administrator's overview.
// Each reads what the actor may see and nothing else: steps through
// audit_progress with the WHERE clause of the audit lists, so a regional
// office sees the steps of its region, a consultancy or an enterprise
// those of its own audits.

// StepQueue lists the steps in f.State of the audits the actor may see,
// oldest change first, with the total. KindInvalid for an unknown state.
func (s *Store) StepQueue(ctx context.Context, a cpaudit.Actor, f cpaudit.StepQueueFilter) ([]cpaudit.StepItem, int, error) {
	const op = "storage.StepQueue"
	switch f.State {
	case cpaudit.StepNotStarted, cpaudit.StepInProgress, cpaudit.StepSubmitted, cpaudit.StepReturned, cpaudit.StepAccepted:
	default:
		return nil, 0, cpaudit.Errorf(cpaudit.KindInvalid, "state %q is not a step state", f.State)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 20
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, 0, err
	}
	visible, args := progressVisible(a)
	where := ` FROM audit_steps st JOIN audit_progress p ON p.audit_id = st.audit_id WHERE ` + visible + ` AND st.state = ?`
	args = append(args, string(f.State))
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*)`+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	rows, err := db.QueryContext(ctx, `SELECT p.audit_id, p.enterprise_id, p.enterprise_name, p.consultancy_id,
		coalesce((SELECT c.name FROM organisations c WHERE c.id = p.consultancy_id), ''), p.region,
		st.number, st.state, st.reason, coalesce(st.changed_at, st.updated_at)`+where+`
		ORDER BY coalesce(st.changed_at, st.updated_at), st.audit_id, st.number LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	defer rows.Close()
	list := []cpaudit.StepItem{}
	for rows.Next() {
		var it cpaudit.StepItem
		var state string
		var changed int64
		if err := rows.Scan(&it.AuditID, &it.EnterpriseID, &it.EnterpriseName, &it.ConsultancyID, &it.ConsultancyName,
			&it.Region, &it.Step, &state, &it.Reason, &changed); err != nil {
			return nil, 0, dbError(op, err, "", "")
		}
		it.State, it.ChangedAt = cpaudit.StepState(state), fromMicros(changed)
		list = append(list, it)
	}
	return list, total, dbError(op, rows.Err(), "", "")
}

// AuditNames returns the enterprise name of each audit of ids the actor
// may see; the others are left out, so a page shows no name it may not.
func (s *Store) AuditNames(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]string, error) {
	const op = "storage.AuditNames"
	names := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return names, nil
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	visible, vargs := progressVisible(a)
	for chunk := range slices.Chunk(ids, 500) { // well below SQLite's bound on arguments
		in, args := idsIn(chunk)
		err := scanRows(ctx, db, `SELECT p.audit_id, p.enterprise_name FROM audit_progress p WHERE p.audit_id IN `+in+` AND `+visible,
			append(args, vargs...), func(rows *sql.Rows) error {
				var id, name string
				if err := rows.Scan(&id, &name); err != nil {
					return err
				}
				names[id] = name
				return nil
			})
		if err != nil {
			return nil, dbError(op, err, "", "")
		}
	}
	return names, nil
}

// AdminOverview counts a tenant's users, organisations, audits and
// documents and lists the users still waiting for an organisation.
// KindNotFound for anyone but an administrator.
func (s *Store) AdminOverview(ctx context.Context, a cpaudit.Actor) (cpaudit.AdminOverview, error) {
	const op = "storage.AdminOverview"
	if a.Role != cpaudit.RoleAdmin {
		return cpaudit.AdminOverview{}, cpaudit.Errorf(cpaudit.KindNotFound, "no such overview")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.AdminOverview{}, err
	}
	o := cpaudit.AdminOverview{UsersWithoutOrg: []cpaudit.User{}, UsersByRole: map[cpaudit.Role]int{}, OrgsByKind: map[cpaudit.OrgKind]int{}}
	if err := countInto(ctx, db, `SELECT role, count(*) FROM users GROUP BY role`, func(k string, n int) { o.UsersByRole[cpaudit.Role(k)] = n }); err != nil {
		return o, dbError(op, err, "", "")
	}
	if err := countInto(ctx, db, `SELECT kind, count(*) FROM organisations GROUP BY kind`, func(k string, n int) { o.OrgsByKind[cpaudit.OrgKind(k)] = n }); err != nil {
		return o, dbError(op, err, "", "")
	}
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM audits), (SELECT count(*) FROM documents WHERE deleted_at IS NULL)`).Scan(&o.Audits, &o.Documents); err != nil {
		return o, dbError(op, err, "", "")
	}
	rows, err := db.QueryContext(ctx, `SELECT id, email, role, created_at FROM users WHERE org_id IS NULL OR org_id = '' ORDER BY created_at, email`)
	if err != nil {
		return o, dbError(op, err, "", "")
	}
	defer rows.Close()
	for rows.Next() {
		var u cpaudit.User
		var role string
		var created int64
		if err := rows.Scan(&u.ID, &u.Email, &role, &created); err != nil {
			return o, dbError(op, err, "", "")
		}
		u.TenantID, u.Role, u.CreatedAt = a.TenantID, cpaudit.Role(role), fromMicros(created)
		if u.Role.NeedsOrg() {
			o.UsersWithoutOrg = append(o.UsersWithoutOrg, u)
		}
	}
	return o, dbError(op, rows.Err(), "", "")
}

// countInto runs a query of (key, count) rows and hands each to put.
func countInto(ctx context.Context, db *sqlDB, query string, put func(string, int)) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		put(k, n)
	}
	return rows.Err()
}
