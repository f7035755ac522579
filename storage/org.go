package storage

import (
	"context"
	"database/sql"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// CreateOrganisation adds an enterprise, consultancy, regulator office or
// publisher. Admins and regulators may. Enterprises need a valid credit
// code, industry and region; others need a valid credit code when one is
// given. KindConflict if the credit code is already registered for that kind.
func (s *Store) CreateOrganisation(ctx context.Context, a cpaudit.Actor, o cpaudit.Organisation) (cpaudit.Organisation, error) {
	const op = "storage.CreateOrganisation"
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return cpaudit.Organisation{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOrgRegisterNotAllowed, "only an admin or a regulator may register organisations")
	}
	if _, err := cpaudit.ParseOrgKind(string(o.Kind)); err != nil {
		return cpaudit.Organisation{}, err
	}
	o.Name = strings.TrimSpace(o.Name)
	o.CreditCode = strings.ToUpper(strings.TrimSpace(o.CreditCode))
	if err := cpaudit.ValidateName("name", o.Name, 200); err != nil {
		return cpaudit.Organisation{}, err
	}
	if o.Kind == cpaudit.OrgEnterprise || o.Kind == cpaudit.OrgConsultancy || o.CreditCode != "" {
		if err := cpaudit.ValidateCreditCode(o.CreditCode); err != nil {
			return cpaudit.Organisation{}, err
		}
	}
	if o.Kind == cpaudit.OrgEnterprise || o.Industry != "" {
		if err := cpaudit.ValidateIndustry(o.Industry); err != nil {
			return cpaudit.Organisation{}, err
		}
	}
	if o.Kind == cpaudit.OrgEnterprise || o.Kind == cpaudit.OrgRegulator || o.Region != "" {
		if err := cpaudit.ValidateRegion(o.Region); err != nil {
			return cpaudit.Organisation{}, err
		}
	}
	if err := o.ValidateProfile(); err != nil {
		return cpaudit.Organisation{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Organisation{}, err
	}
	if o.ParentID != "" {
		if _, err := s.organisation(ctx, db, o.ParentID); err != nil {
			return cpaudit.Organisation{}, err
		}
	}
	now := s.clock()
	o.ID, o.CreatedAt = cpaudit.NewID("o", now), now
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if err := insertOrganisation(ctx, tx, o); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "organisation.create", "organisation", o.ID,
			map[string]any{"kind": o.Kind, "name": o.Name, "credit_code": o.CreditCode})
	})
	if err != nil {
		return cpaudit.Organisation{}, taken(dbError(op, err, "", "an organisation with credit code "+o.CreditCode+" is already registered"), cpaudit.CodeCreditCodeTaken)
	}
	return o, nil
}

// Organisation returns an organisation of the actor's tenant; KindNotFound
// if none. Staff of consultancies, enterprises and publishers see their
// own organisation only.
func (s *Store) Organisation(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Organisation, error) {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Organisation{}, err
	}
	if !seesAllOrganisations(a) && a.OrgID != id {
		return cpaudit.Organisation{}, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchOrg, "no such organisation")
	}
	return s.organisation(ctx, db, id)
}

func (s *Store) organisation(ctx context.Context, db querier, id string) (cpaudit.Organisation, error) {
	o, err := scanOrganisation(db.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = ?`, id))
	if err != nil {
		return cpaudit.Organisation{}, dbError("storage.Organisation", err, "no such organisation", "")
	}
	return o, nil
}

// seesAll reports whether the actor reads every record of its tenant:
// administrators, experts, and regulators whose office has no region.
func seesAll(a cpaudit.Actor) bool {
	switch a.Role {
	case cpaudit.RoleAdmin, cpaudit.RoleExpert:
		return true
	case cpaudit.RoleRegulator:
		return regionScope(a) == ""
	}
	return false
}

// isAuthority: admins and regulators act for the authority (batches,
// campaigns, reviewers, the enforcement queue).
func isAuthority(a cpaudit.Actor) bool {
	return a.Role == cpaudit.RoleAdmin || a.Role == cpaudit.RoleRegulator
}

// authorityOnly refuses, with code, anyone but an admin or a regulator
// what they asked to do (KindConflict: they may read, not act).
func authorityOnly(a cpaudit.Actor, code cpaudit.Code, what string) error {
	if !isAuthority(a) {
		return cpaudit.Refuse(cpaudit.KindConflict, code, "only an admin or a regulator may %s; a %s may not", what, a.Role)
	}
	return nil
}

// regionScope is the region prefix (cpaudit.RegionPrefix) that bounds a
// regulator office's view — its region and every division below — or ""
// when the actor is not so bounded.
func regionScope(a cpaudit.Actor) string {
	if a.Role != cpaudit.RoleRegulator {
		return ""
	}
	return cpaudit.RegionPrefix(a.Region)
}

// seesAllOrganisations reports whether the actor may look up any
// organisation of its tenant (a regional office still needs the names of
// consultancies outside its region).
func seesAllOrganisations(a cpaudit.Actor) bool {
	switch a.Role {
	case cpaudit.RoleAdmin, cpaudit.RoleRegulator, cpaudit.RoleExpert:
		return true
	}
	return false
}
