package storage

import (
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestBatchChangeStaysInReach: a city office may change a batch whose
// audits all lie in its region, never one that lists another city's
// audit (409 batch_outside_region), which it still reads; a provincial
// office and an admin may. Found by the rights walk
// (handlers/rights_test.go): a Tangshan regulator renamed and re-dated a
// batch of Shijiazhuang audits.
func TestBatchChangeStaysInReach(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := t.Context()
	b, err := s.CreateBatch(ctx, f.admin, cpaudit.Batch{Year: 2026, Number: 1, Name: "2026年第一批"})
	if err != nil {
		t.Fatal(err)
	}
	// f.ent is in Baoding (130600).
	if _, err := s.StartAudit(ctx, f.admin, cpaudit.NewAudit{EnterpriseID: f.ent.ID, BatchID: b.ID}); err != nil {
		t.Fatal(err)
	}
	office := func(region string) cpaudit.Actor {
		r := f.regulator
		r.Region = region
		return r
	}
	name := func(s string) cpaudit.BatchPatch { return cpaudit.BatchPatch{Name: &s} }

	_, err = s.UpdateBatch(ctx, office("130200"), b.ID, name("唐山改的批次"))
	mustCode(t, err, cpaudit.KindConflict, cpaudit.CodeBatchOutsideRegion)
	if got, err := s.Batch(ctx, office("130200"), b.ID); err != nil || got.Name != "2026年第一批" {
		t.Fatalf("after the refusal: %+v, %v", got, err)
	}
	for _, who := range []cpaudit.Actor{office("130600"), office("130000"), f.regulator, f.admin} {
		if _, err := s.UpdateBatch(ctx, who, b.ID, name("第一批("+who.Region+")")); err != nil {
			t.Errorf("%s of %q: %v", who.Role, who.Region, err)
		}
	}
}

// TestStartAuditStaysInReach: a city office starts audits of its own
// region's enterprises only (409 org_outside_region for another city's,
// which it still reads); a provincial office and an admin start any.
// Found by the rights walk: a Tangshan regulator started an audit of a
// Shijiazhuang enterprise.
func TestStartAuditStaysInReach(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := t.Context()
	office := func(region string) cpaudit.Actor {
		r := f.regulator
		r.Region = region
		return r
	}
	// f.ent is in Baoding (130600).
	_, err := s.StartAudit(ctx, office("130200"), cpaudit.NewAudit{EnterpriseID: f.ent.ID, ConsultancyID: f.cons.ID})
	mustCode(t, err, cpaudit.KindConflict, cpaudit.CodeOrgOutsideRegion)
	if _, err := s.Organisation(ctx, office("130200"), f.ent.ID); err != nil {
		t.Errorf("the Tangshan office no longer reads the enterprise: %v", err)
	}
	for _, who := range []cpaudit.Actor{office("130600"), office("130000"), f.regulator, f.admin} {
		if _, err := s.StartAudit(ctx, who, cpaudit.NewAudit{EnterpriseID: f.ent.ID}); err != nil {
			t.Errorf("%s of %q: %v", who.Role, who.Region, err)
		}
	}
}
