package storage

import (
	"context"

	"github.com/cpaudit/cpaudit"
)

// AuditParties returns the enterprise and the consultancy (zero when a
// self-audit) of an audit the actor can see. Whoever sees an audit may
// know who takes part in it, even staff who may not look up other
// organisations. KindNotFound if the audit is not visible.
func (s *Store) AuditParties(ctx context.Context, a cpaudit.Actor, auditID string) (ent, cons cpaudit.Organisation, err error) {
	au, err := s.Audit(ctx, a, auditID)
	if err != nil {
		return ent, cons, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return ent, cons, err
	}
	if ent, err = s.organisation(ctx, db, au.EnterpriseID); err != nil {
		return ent, cons, err
	}
	if au.ConsultancyID != "" {
		cons, err = s.organisation(ctx, db, au.ConsultancyID)
	}
	return ent, cons, err
}
