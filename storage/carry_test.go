package storage

import (
	"context"
	"testing"

	"github.com/cpaudit/cpaudit"
)

func TestCarryAudit(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	batch := func(year, number int) cpaudit.Batch {
		b, err := s.CreateBatch(ctx, f.admin, cpaudit.Batch{Year: year, Number: number, Name: "第" + string(rune('0'+number)) + "批"})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b1, b2, b0 := batch(2026, 2), batch(2027, 1), batch(2026, 1)
	old, err := s.StartAudit(ctx, f.admin, cpaudit.NewAudit{EnterpriseID: f.ent.ID, ConsultancyID: f.cons.ID, BatchID: b1.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		a       cpaudit.Actor
		audit   string
		batch   string
		want    cpaudit.Kind
		wantMsg string
	}{
		{"consultant", f.consultant, old.ID, b2.ID, cpaudit.KindConflict, ""},
		{"enterprise", f.enterprise, old.ID, b2.ID, cpaudit.KindConflict, ""},
		{"expert", f.expert, old.ID, b2.ID, cpaudit.KindConflict, ""},
		{"no batch", f.admin, old.ID, "", cpaudit.KindInvalid, ""},
		{"unknown batch", f.admin, old.ID, "nope", cpaudit.KindNotFound, ""},
		{"unknown audit", f.admin, "nope", b2.ID, cpaudit.KindNotFound, ""},
		{"same batch", f.admin, old.ID, b1.ID, cpaudit.KindConflict, "not later"},
		{"earlier batch", f.regulator, old.ID, b0.ID, cpaudit.KindConflict, "not later"},
	} {
		_, err := s.CarryAudit(ctx, tc.a, tc.audit, tc.batch)
		if cpaudit.ErrorKind(err) != tc.want || err == nil {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.want)
		}
	}
	nu, err := s.CarryAudit(ctx, f.regulator, old.ID, b2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if nu.CarriedFrom != old.ID || nu.BatchID != b2.ID || nu.EnterpriseID != f.ent.ID || nu.ConsultancyID != f.cons.ID || len(nu.Steps) != 35 {
		t.Fatalf("carried %+v", nu)
	}
	back, err := s.Audit(ctx, f.consultant, old.ID)
	if err != nil || back.CarriedTo != nu.ID {
		t.Fatalf("old audit %v %+v", err, back)
	}
	_, err = s.CarryAudit(ctx, f.admin, old.ID, b2.ID)
	mustKind(t, err, cpaudit.KindConflict)

	// An audit that reached acceptance has nothing to carry.
	for n := 1; n <= 35; n++ {
		setStep(t, f, f.audit.ID, n, cpaudit.StepAccepted)
	}
	_, err = s.CarryAudit(ctx, f.admin, f.audit.ID, b2.ID)
	mustKind(t, err, cpaudit.KindConflict)

	// Another tenant's ids are unknown.
	g := newFixture(t, s, "beijing")
	_, err = s.CarryAudit(ctx, g.admin, old.ID, b2.ID)
	mustKind(t, err, cpaudit.KindNotFound)
	if p := verifyProblems(t, s); p != "" {
		t.Fatalf("audit log: %s", p)
	}
}
