package storage

import (
	"context"
	"database/sql"

	"github.com/cpaudit/cpaudit"
)

// consultancy reads a consultancy the actor may look up: KindNotFound if
// it is unknown, not a consultancy, or another firm's for a consultant.
func (s *Store) consultancy(ctx context.Context, q querier, a cpaudit.Actor, id string) (cpaudit.Organisation, error) {
	notFound := cpaudit.Errorf(cpaudit.KindNotFound, "no such consultancy")
	if !seesAllOrganisations(a) && a.OrgID != id {
		return cpaudit.Organisation{}, notFound
	}
	o, err := s.organisation(ctx, q, id)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) || (err == nil && o.Kind != cpaudit.OrgConsultancy) {
		return cpaudit.Organisation{}, notFound
	}
	return o, err
}

// AddStaff records an audit-qualified consultant of a consultancy and logs
// it. The consultancy's own consultants, admins and regulators may
// (KindConflict for other roles that can see it). KindNotFound for a
// consultancy the actor cannot see; KindInvalid for a bad entry;
// KindConflict when the certificate is already listed for the firm.
func (s *Store) AddStaff(ctx context.Context, a cpaudit.Actor, consultancyID string, st cpaudit.Staff) (cpaudit.Staff, error) {
	const op = "storage.AddStaff"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Staff{}, err
	}
	if _, err := s.consultancy(ctx, db, a, consultancyID); err != nil {
		return cpaudit.Staff{}, err
	}
	own := a.Role == cpaudit.RoleConsultant && a.OrgID == consultancyID
	if !own && a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return cpaudit.Staff{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeStaffNotAllowed, "only the consultancy's own consultants, a regulator or an admin may add its staff")
	}
	if err := st.Validate(); err != nil {
		return cpaudit.Staff{}, err
	}
	now := s.clock()
	st.ID, st.ConsultancyID, st.CreatedAt = cpaudit.NewID("s", now), consultancyID, now
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO consultancy_staff (id, consultancy_id, name, certificate, qualification, valid_until, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, st.ID, consultancyID, st.Name, st.Certificate, st.Qualification, st.ValidUntil, micros(now)); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "staff.add", "organisation", consultancyID, map[string]any{
			"staff_id": st.ID, "name": st.Name, "certificate": st.Certificate, "qualification": st.Qualification, "valid_until": st.ValidUntil})
	})
	if err != nil {
		return cpaudit.Staff{}, taken(dbError(op, err, "", "certificate "+st.Certificate+" is already listed for this consultancy"), cpaudit.CodeStaffTaken)
	}
	return st, nil
}

// ListStaff returns a consultancy's qualified staff by name; KindNotFound
// for a consultancy the actor cannot see.
func (s *Store) ListStaff(ctx context.Context, a cpaudit.Actor, consultancyID string) ([]cpaudit.Staff, error) {
	const op = "storage.ListStaff"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if _, err := s.consultancy(ctx, db, a, consultancyID); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id, consultancy_id, name, certificate, qualification, valid_until, created_at
		FROM consultancy_staff WHERE consultancy_id = ? ORDER BY name, id`, consultancyID)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	out := []cpaudit.Staff{}
	for rows.Next() {
		var st cpaudit.Staff
		var created int64
		if err := rows.Scan(&st.ID, &st.ConsultancyID, &st.Name, &st.Certificate, &st.Qualification, &st.ValidUntil, &created); err != nil {
			return nil, dbError(op, err, "", "")
		}
		st.CreatedAt = fromMicros(created)
		out = append(out, st)
	}
	return out, dbError(op, rows.Err(), "", "")
}
