package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/cpaudit/cpaudit"
)

// Enforcement staff and their site checks (cpaudit's linkage.go). A
// regulator office an admin marked as enforcement (enforcement_offices)
// records site checks; admins may too. Site checks are read by whoever
// reaches the enterprise: admins and experts (who read the whole tenant),
// regulators within their region, and the enterprise's own users.

// MarkEnforcementOffice marks a regulator office as enforcement (on) or
// unmarks it, and logs it. KindConflict (CodeEnforcementOfficeNotAllowed)
// for anyone but an admin; KindNotFound for no such organisation;
// KindUnprocessable (CodeEnforcementOfficeNotRegulator) for one that is
// not a regulator office.
func (s *Store) MarkEnforcementOffice(ctx context.Context, a cpaudit.Actor, orgID string, mark *bool) error {
	const op = "storage.MarkEnforcementOffice"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	// Refused by role before the id is read: the same answer whether or
	// not it exists.
	if a.Role != cpaudit.RoleAdmin {
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeEnforcementOfficeNotAllowed, "only an admin marks an enforcement office")
	}
	o, err := s.organisation(ctx, db, orgID)
	if err != nil {
		return err
	}
	if o.Kind != cpaudit.OrgRegulator {
		return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeEnforcementOfficeNotRegulator, "%s is not a regulator office", o.Name)
	}
	// Judged after the id, so that an office of another tenant is 404
	// whatever the body says.
	if mark == nil {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFieldRequired, "enforcement is required: true or false").With("field", "enforcement")
	}
	on := *mark
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		var err error
		if on {
			_, err = tx.ExecContext(ctx, `INSERT INTO enforcement_offices (org_id, marked_by, marked_at) VALUES (?, ?, ?)
				ON CONFLICT (org_id) DO NOTHING`, orgID, a.Email, micros(s.clock()))
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM enforcement_offices WHERE org_id = ?`, orgID)
		}
		if err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "organisation.enforcement", "organisation", orgID, map[string]any{"enforcement": on})
	})
	return dbError(op, err, "", "")
}

// RegulatorOffices lists the tenant's regulator offices by region, then
// name, each with its enforcement mark: the admin's page that marks them
// (so nobody types an office's id). KindConflict
// (CodeEnforcementOfficeNotAllowed) for anyone but an admin, as marking.
func (s *Store) RegulatorOffices(ctx context.Context, a cpaudit.Actor) ([]cpaudit.RegulatorOffice, error) {
	const op = "storage.RegulatorOffices"
	if a.Role != cpaudit.RoleAdmin {
		return nil, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeEnforcementOfficeNotAllowed, "only an admin marks an enforcement office")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT o.id, o.name, coalesce(o.region, ''), e.org_id IS NOT NULL
		FROM organisations o LEFT JOIN enforcement_offices e ON e.org_id = o.id
		WHERE o.kind = ? ORDER BY coalesce(o.region, ''), o.name, o.id`, string(cpaudit.OrgRegulator))
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	out := []cpaudit.RegulatorOffice{}
	for rows.Next() {
		o := cpaudit.RegulatorOffice{Organisation: cpaudit.Organisation{Kind: cpaudit.OrgRegulator}}
		if err := rows.Scan(&o.ID, &o.Name, &o.Region, &o.Enforcement); err != nil {
			return nil, dbError(op, err, "", "")
		}
		out = append(out, o)
	}
	return out, dbError(op, rows.Err(), "", "")
}

// IsEnforcementOffice reports whether the organisation is marked.
func (s *Store) IsEnforcementOffice(ctx context.Context, a cpaudit.Actor, orgID string) (bool, error) {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return false, err
	}
	return enforcementOffice(ctx, db, orgID)
}

func enforcementOffice(ctx context.Context, q querier, orgID string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM enforcement_offices WHERE org_id = ?`, orgID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, dbError("storage.enforcementOffice", err, "", "")
}

// siteCheckEnterprise reads an enterprise within the actor's reach for
// site checks: KindNotFound otherwise.
func (s *Store) siteCheckEnterprise(ctx context.Context, q querier, a cpaudit.Actor, id string) (cpaudit.Organisation, error) {
	o, err := s.organisation(ctx, q, id)
	if err != nil {
		return cpaudit.Organisation{}, err
	}
	reach := false
	switch a.Role {
	case cpaudit.RoleAdmin, cpaudit.RoleExpert:
		reach = true
	case cpaudit.RoleRegulator:
		p := regionScope(a)
		reach = p == "" || (len(o.Region) >= len(p) && o.Region[:len(p)] == p)
	case cpaudit.RoleEnterprise:
		reach = a.OrgID != "" && a.OrgID == o.ID
	}
	if !reach || o.Kind != cpaudit.OrgEnterprise {
		return cpaudit.Organisation{}, cpaudit.Refuse(cpaudit.KindNotFound, "", "no such enterprise")
	}
	return o, nil
}

// RecordSiteCheck records a site check of an enterprise by enforcement
// staff, with its photos, and logs it. KindNotFound: no such enterprise
// within reach. KindConflict (CodeSiteCheckNotAllowed): the actor is not
// an admin or a regulator of an enforcement office. KindUnprocessable:
// NewSiteCheck.Validate's codes, CodeSiteCheckAuditNotOfEnterprise,
// CodeSiteCheckDocumentUnknown (a photo the actor may not read).
func (s *Store) RecordSiteCheck(ctx context.Context, a cpaudit.Actor, enterpriseID string, n cpaudit.NewSiteCheck) (cpaudit.SiteCheck, error) {
	const op = "storage.RecordSiteCheck"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.SiteCheck{}, err
	}
	if _, err := s.siteCheckEnterprise(ctx, db, a, enterpriseID); err != nil {
		return cpaudit.SiteCheck{}, err
	}
	staff := a.Role == cpaudit.RoleAdmin
	if a.Role == cpaudit.RoleRegulator && a.OrgID != "" {
		if staff, err = enforcementOffice(ctx, db, a.OrgID); err != nil {
			return cpaudit.SiteCheck{}, err
		}
	}
	if !staff {
		return cpaudit.SiteCheck{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeSiteCheckNotAllowed,
			"only a regulator of an enforcement office or an admin records site checks")
	}
	if err := n.Validate(s.today()); err != nil {
		return cpaudit.SiteCheck{}, err
	}
	now := s.clock()
	c := cpaudit.SiteCheck{ID: cpaudit.NewID("k", now), EnterpriseID: enterpriseID, AuditID: n.AuditID, Date: n.Date,
		Finding: n.Finding, Outcome: n.Outcome, DocumentIDs: n.DocumentIDs, RecordedBy: a.Email, RecordedAt: now}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if n.AuditID != "" {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM audits WHERE id = ? AND enterprise_id = ?`, n.AuditID, enterpriseID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeSiteCheckAuditNotOfEnterprise, "audit %q is not one of this enterprise", n.AuditID)
			} else if err != nil {
				return err
			}
		}
		for _, id := range n.DocumentIDs {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM documents d WHERE d.id = ? AND `+docVisible,
				append([]any{id}, docVisibleArgs(a)...)...).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeSiteCheckDocumentUnknown, "no photo %q you may read: upload it first", id).With("value", id)
			} else if err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO site_checks (id, enterprise_id, audit_id, date, finding, outcome, document_ids,
			recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.EnterpriseID, c.AuditID, c.Date, c.Finding,
			string(c.Outcome), mustJSON(c.DocumentIDs), c.RecordedBy, micros(now)); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "site_check.record", "organisation", enterpriseID, map[string]any{"site_check_id": c.ID,
			"audit_id": c.AuditID, "date": c.Date, "finding": c.Finding, "outcome": string(c.Outcome), "document_ids": c.DocumentIDs})
	})
	if err != nil {
		return cpaudit.SiteCheck{}, dbError(op, err, "", "")
	}
	return c, nil
}

// SiteChecks lists an enterprise's site checks, newest first, for anyone
// who reaches it (see the top of this file). KindNotFound otherwise.
func (s *Store) SiteChecks(ctx context.Context, a cpaudit.Actor, enterpriseID string) ([]cpaudit.SiteCheck, error) {
	const op = "storage.SiteChecks"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if _, err := s.siteCheckEnterprise(ctx, db, a, enterpriseID); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id, enterprise_id, audit_id, date, finding, outcome, document_ids, recorded_by, recorded_at
		FROM site_checks WHERE enterprise_id = ? ORDER BY date DESC, recorded_at DESC`, enterpriseID)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	out := []cpaudit.SiteCheck{}
	for rows.Next() {
		var c cpaudit.SiteCheck
		var docs string
		var at int64
		if err := rows.Scan(&c.ID, &c.EnterpriseID, &c.AuditID, &c.Date, &c.Finding, &c.Outcome, &docs, &c.RecordedBy, &at); err != nil {
			return nil, dbError(op, err, "", "")
		}
		c.RecordedAt = fromMicros(at)
		if err := json.Unmarshal([]byte(docs), &c.DocumentIDs); err != nil {
			return nil, cpaudit.Internal(op, err)
		}
		out = append(out, c)
	}
	return out, dbError(op, rows.Err(), "", "")
}
