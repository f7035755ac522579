package storage

import (
	"context"
	"database/sql"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// enterpriseVisible is the SQL condition, over an organisations row
// aliased o, under which the actor may list the enterprise: whoever sees
// all, a regional office for its region and below, a consultancy for the
// enterprises of its audits, an enterprise for itself. Arguments from
// enterpriseVisibleArgs.
const enterpriseVisible = `(? OR (? <> '' AND substr(o.region, 1, length(?)) = ?) OR o.id = ?
	OR o.id IN (SELECT au.enterprise_id FROM audits au WHERE au.consultancy_id = ?))`

func enterpriseVisibleArgs(a cpaudit.Actor) []any {
	org := a.OrgID
	if org == "" {
		org = "\x00" // matches no organisation
	}
	region := regionScope(a)
	return []any{seesAll(a), region, region, region, org, org}
}

// ListEnterprises returns one page of the enterprises the actor may see,
// by name, with the number that match f. KindInvalid for a malformed
// region or industry filter.
func (s *Store) ListEnterprises(ctx context.Context, a cpaudit.Actor, f cpaudit.EnterpriseFilter) ([]cpaudit.Organisation, int, error) {
	const op = "storage.ListEnterprises"
	where := []string{`o.kind = 'enterprise'`, enterpriseVisible}
	args := enterpriseVisibleArgs(a)
	if f.Region != "" {
		p := cpaudit.RegionPrefix(f.Region)
		if p == "" {
			return nil, 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeRegionInvalid, "region %q is not a 6-digit administrative division code such as 130100", f.Region).With("value", f.Region)
		}
		where, args = append(where, `substr(o.region, 1, length(?)) = ?`), append(args, p, p)
	}
	if f.Industry != "" {
		if err := cpaudit.ValidateIndustry(f.Industry); err != nil {
			return nil, 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeIndustryInvalid, "industry %q is not a GB/T 4754 code or prefix such as C27", f.Industry).With("value", f.Industry)
		}
		where, args = append(where, `substr(o.industry, 1, length(?)) = ?`), append(args, f.Industry, f.Industry)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where, args = append(where, `instr(o.name, ?) > 0`), append(args, q)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	f.Offset = max(f.Offset, 0)
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, 0, err
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM organisations o WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	rows, err := db.QueryContext(ctx, `SELECT `+prefixed("o.", orgColumns)+` FROM organisations o WHERE `+cond+`
		ORDER BY o.name, o.id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	defer rows.Close()
	out := []cpaudit.Organisation{}
	for rows.Next() {
		o, err := scanOrganisation(rows)
		if err != nil {
			return nil, 0, dbError(op, err, "", "")
		}
		out = append(out, o)
	}
	return out, total, dbError(op, rows.Err(), "", "")
}

// prefixed qualifies each of a comma-separated column list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// UpdateOrganisation changes an organisation's profile (the fields of p
// that are not nil) and logs the fields before and after. Who may change
// what is mayChangeOrganisation's rule. KindNotFound for an unknown id or
// parent, or an organisation the actor may not read (Organisation);
// KindConflict for a change the rule refuses; KindInvalid or
// KindUnprocessable for a value that fails validation. A change of region
// or industry queues the organisation's documents for reindexing in the
// same transaction (requeueOrgDocuments): searches follow it at once.
func (s *Store) UpdateOrganisation(ctx context.Context, a cpaudit.Actor, id string, p cpaudit.OrgProfile) (cpaudit.Organisation, error) {
	const op = "storage.UpdateOrganisation"
	if !seesAllOrganisations(a) && (a.OrgID == "" || a.OrgID != id) {
		return cpaudit.Organisation{}, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchOrg, "no such organisation")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Organisation{}, err
	}
	var out cpaudit.Organisation
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		old, err := s.organisation(ctx, tx, id)
		if err != nil {
			return err
		}
		// Whether the actor may change anything of it at all comes before
		// whether the values are valid.
		if err := mayChangeOrganisation(a, old, old); err != nil {
			return err
		}
		o, changed, err := applyProfile(old, p)
		if err != nil {
			return err
		}
		if err := mayChangeOrganisation(a, old, o); err != nil {
			return err
		}
		if o.ParentID != old.ParentID && o.ParentID != "" {
			if o.ParentID == o.ID {
				return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeOrgOwnParent, "an organisation cannot be its own parent")
			}
			if _, err := s.organisation(ctx, tx, o.ParentID); err != nil {
				return err
			}
		}
		out = o
		if len(changed) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name = ?, address = ?, permit_number = ?, status = ?,
			industry = ?, region = ?, parent_id = ? WHERE id = ?`,
			o.Name, o.Address, o.PermitNumber, string(o.Status), o.Industry, o.Region, nullString(o.ParentID), id); err != nil {
			return err
		}
		if err := s.requeueOrgDocuments(ctx, tx, old, o); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "organisation.update", "organisation", id, map[string]any{"changed": changed})
	})
	if err != nil {
		return cpaudit.Organisation{}, dbError(op, err, "no such organisation", "")
	}
	return out, nil
}

// mayChangeOrganisation is the rule for who may change what of an
// organisation: old is the organisation as stored, next as the change
// would leave it (next == old asks whether the actor may change anything
// of it). It returns nil or a KindConflict error saying why not; callers
// have made sure the actor may read the organisation, so the refusal
// tells nothing the actor could not read.
//
// An office's region is what bounds what its regulators read, and an
// enterprise's region decides which offices read its audits; so region,
// parent and status are not profile details but rights, and whoever
// changes them must not be able to widen their own reach with them:
//
//   - An admin may change anything of its tenant's organisations.
//   - A regulator may change the enterprises of its office's region (all
//     enterprises, when its office has no region): their name, address,
//     permit number, industry and operating status, and their region,
//     to another region inside its own. Never its own office or any other
//     regulator office, nor a consultancy or a publisher, nor anyone's
//     parent.
//   - Consultants, enterprises, publishers and experts change no
//     organisation, their own included: their region and status are the
//     regulators' to record.
func mayChangeOrganisation(a cpaudit.Actor, old, next cpaudit.Organisation) error {
	switch a.Role {
	case cpaudit.RoleAdmin:
		return nil
	case cpaudit.RoleRegulator:
	default:
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOrgChangeNotAllowed, "only an admin or a regulator may change an organisation; a %s may not", a.Role)
	}
	scope := regionScope(a)
	switch {
	case old.Kind == cpaudit.OrgRegulator && old.ID == a.OrgID:
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOrgOwnOffice, "a regulator may not change its own office: ask an admin")
	case old.Kind != cpaudit.OrgEnterprise:
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOrgKindAdminOnly, "only an admin may change a %s; a regulator changes enterprises", old.Kind)
	case !strings.HasPrefix(old.Region, scope):
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOrgOutsideRegion, "the organisation is outside your office's region")
	case next.Region != old.Region && !strings.HasPrefix(next.Region, scope):
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOrgRegionOutside, "region %s is outside your office's region: only an admin may move an enterprise there", next.Region).With("value", next.Region)
	case next.ParentID != old.ParentID:
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOrgParentAdminOnly, "only an admin may change an organisation's parent")
	}
	return nil
}

// applyProfile returns old with p applied and validated, and the changed
// fields as {"field": [before, after]}.
func applyProfile(old cpaudit.Organisation, p cpaudit.OrgProfile) (cpaudit.Organisation, map[string][2]string, error) {
	o := old
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&o.Name, p.Name)
	set(&o.Address, p.Address)
	set(&o.PermitNumber, p.PermitNumber)
	set(&o.Industry, p.Industry)
	set(&o.Region, p.Region)
	set(&o.ParentID, p.ParentID)
	if p.Status != nil {
		o.Status = *p.Status
	}
	if p.Kind != nil && *p.Kind != old.Kind {
		return o, nil, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeOrgKindImmutable, "an organisation's kind cannot be changed (it is a %s): register a new organisation instead", old.Kind)
	}
	if err := cpaudit.ValidateName("name", o.Name, 200); err != nil {
		return o, nil, err
	}
	if o.Kind == cpaudit.OrgEnterprise || o.Industry != "" {
		if err := cpaudit.ValidateIndustry(o.Industry); err != nil {
			return o, nil, err
		}
	}
	if o.Kind == cpaudit.OrgEnterprise || o.Kind == cpaudit.OrgRegulator || o.Region != "" {
		if err := cpaudit.ValidateRegion(o.Region); err != nil {
			return o, nil, err
		}
	}
	if p.Status != nil && *p.Status == "" && o.Kind == cpaudit.OrgEnterprise {
		return o, nil, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeStatusInvalid, "status %q is not operating (正常生产) or stopped (停产)", "").With("value", "")
	}
	if err := o.ValidateProfile(); err != nil {
		return o, nil, err
	}
	changed := map[string][2]string{}
	for _, f := range []struct {
		name     string
		was, now string
	}{
		{"name", old.Name, o.Name}, {"address", old.Address, o.Address}, {"permit_number", old.PermitNumber, o.PermitNumber},
		{"status", string(old.Status), string(o.Status)}, {"industry", old.Industry, o.Industry},
		{"region", old.Region, o.Region}, {"parent_id", old.ParentID, o.ParentID},
	} {
		if f.was != f.now {
			changed[f.name] = [2]string{f.was, f.now}
		}
	}
	return o, changed, nil
}
