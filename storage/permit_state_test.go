package storage

import (
	"context"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestPermitState: the record of an accepted audit carries its acceptance
// date and opinion and the committed reductions' units; a regulator moves
// it ready → exported → loaded with the date and who, each change in the
// audit log; no way back, no future date, no unknown state; only the
// authority sets it, and outside reach is 404.
func TestPermitState(t *testing.T) {
	s, clock := newClockedStore(t, "2026-03-02 09:00")
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	o := cpaudit.AuditOption{Code: "F1", Name: "燃煤锅炉改天然气", Category: "high_cost", Status: cpaudit.OptionStatus("implemented"),
		Figures: map[cpaudit.Quantity]float64{cpaudit.QtyInvestment: 800000, cpaudit.QtyCOD: 2.5}}
	if _, _, err := s.SaveAuditOption(ctx, f.consultant, f.audit.ID, o); err != nil {
		t.Fatal(err)
	}
	_, err := s.SetPermitState(ctx, f.regulator, f.audit.ID, cpaudit.PermitStateChange{State: cpaudit.PermitExported})
	mustCode(t, err, cpaudit.KindConflict, cpaudit.CodePermitRecordNotReady)
	for n := 1; n <= cpaudit.StepCount; n++ {
		setStep(t, f, f.audit.ID, n, cpaudit.StepAccepted)
	}
	db := f.db(t)
	if _, err := db.ExecContext(ctx, `INSERT INTO audit_milestones (id, audit_id, obligation, date, result, note, recorded_by, recorded_at)
		VALUES ('m-1', ?, 'acceptance_done', '2026-02-27', 'pass', '验收通过：方案已全部实施', 'reg@hebei.gov.cn', 1)`, f.audit.ID); err != nil {
		t.Fatal(err)
	}
	r, err := s.PermitRecord(ctx, f.enterprise, f.audit.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != cpaudit.PermitReady || r.StateOn != "" || r.StateBy != "" || r.AcceptanceDate != "2026-02-27" ||
		r.AcceptanceOpinion != "验收通过：方案已全部实施" || r.Units[cpaudit.QtyCOD] != "t" || r.Units[cpaudit.QtyInvestment] != "元" || r.Figures[cpaudit.QtyCOD] != 2.5 {
		t.Errorf("prepared record %+v", r)
	}

	for _, tc := range []struct {
		name   string
		a      cpaudit.Actor
		change cpaudit.PermitStateChange
		kind   cpaudit.Kind
		code   cpaudit.Code
	}{
		{"consultant", f.consultant, cpaudit.PermitStateChange{State: cpaudit.PermitExported}, cpaudit.KindConflict, cpaudit.CodePermitStateNotAllowed},
		{"enterprise", f.enterprise, cpaudit.PermitStateChange{State: cpaudit.PermitExported}, cpaudit.KindConflict, cpaudit.CodePermitStateNotAllowed},
		{"expert", f.expert, cpaudit.PermitStateChange{State: cpaudit.PermitExported}, cpaudit.KindConflict, cpaudit.CodePermitStateNotAllowed},
		{"another firm", f.other, cpaudit.PermitStateChange{State: cpaudit.PermitExported}, cpaudit.KindNotFound, ""},
		{"unknown state", f.regulator, cpaudit.PermitStateChange{State: "已导出"}, cpaudit.KindUnprocessable, cpaudit.CodePermitStateUnknown},
		{"future date", f.regulator, cpaudit.PermitStateChange{State: cpaudit.PermitExported, Date: "2026-03-03"}, cpaudit.KindUnprocessable, cpaudit.CodeDateInvalid},
		{"bad date", f.regulator, cpaudit.PermitStateChange{State: cpaudit.PermitExported, Date: "2026-02-30"}, cpaudit.KindUnprocessable, cpaudit.CodeDateInvalid},
		{"back to ready", f.regulator, cpaudit.PermitStateChange{State: cpaudit.PermitReady}, cpaudit.KindConflict, cpaudit.CodePermitStateBackwards},
	} {
		_, err := s.SetPermitState(ctx, tc.a, f.audit.ID, tc.change)
		if tc.code == "" {
			mustKind(t, err, tc.kind)
		} else {
			mustCode(t, err, tc.kind, tc.code)
		}
	}

	r, err = s.SetPermitState(ctx, f.regulator, f.audit.ID, cpaudit.PermitStateChange{State: cpaudit.PermitExported, Note: "已导出至许可平台"})
	if err != nil || r.State != cpaudit.PermitExported || r.StateOn != "2026-03-02" || r.StateBy != f.regulator.Email {
		t.Fatalf("exported: %+v %v", r, err)
	}
	clock.set("2026-03-09 10:00")
	if _, err := s.SetPermitState(ctx, f.admin, f.audit.ID, cpaudit.PermitStateChange{State: cpaudit.PermitLoaded, Date: "2026-03-06"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.SetPermitState(ctx, f.regulator, f.audit.ID, cpaudit.PermitStateChange{State: cpaudit.PermitExported})
	mustCode(t, err, cpaudit.KindConflict, cpaudit.CodePermitStateBackwards)
	r, err = s.PermitRecord(ctx, f.consultant, f.audit.ID)
	if err != nil || r.State != cpaudit.PermitLoaded || r.StateOn != "2026-03-06" || r.StateBy != f.admin.Email {
		t.Errorf("loaded: %+v %v", r, err)
	}
	var logged int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'permit.state' AND object_id = ?`, f.audit.ID).Scan(&logged); err != nil || logged != 2 {
		t.Errorf("%d permit.state log entries, %v", logged, err)
	}
	other := newFixture(t, s, "shanxi")
	_, err = s.SetPermitState(ctx, other.admin, f.audit.ID, cpaudit.PermitStateChange{State: cpaudit.PermitLoaded})
	mustKind(t, err, cpaudit.KindNotFound)
}
