package storage

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// TestOptionDatesAndEvidence: the day each status is reached is recorded
// (China time) and kept across later saves; evidence must be readable
// documents of the same audit, refused alike (422) otherwise; who may
// enter options, by role.
func TestOptionDatesAndEvidence(t *testing.T) {
	s, clock := newClockedStore(t, "2026-03-01 07:30") // 1 March in China, still 28 February in UTC
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	evidence, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: f.audit.ID, Title: "中水回用设备发票", Filename: "发票.txt"}, "增值税专用发票 中水回用设备")
	if err != nil {
		t.Fatal(err)
	}
	// A document of another audit of the tenant.
	other, err := s.StartAudit(ctx, f.admin, cpaudit.NewAudit{EnterpriseID: f.ent.ID, ConsultancyID: f.cons2.ID})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := f.upload(t, f.other, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: other.ID, Title: "他人的发票", Filename: "b.txt"}, "别的审核的发票")
	if err != nil {
		t.Fatal(err)
	}
	save := func(a cpaudit.Actor, o cpaudit.AuditOption) (cpaudit.AuditOption, error) {
		t.Helper()
		o.Code, o.Name, o.Category = "F1", "中水回用系统", cpaudit.OptionHighCost
		got, _, err := s.SaveAuditOption(ctx, a, f.audit.ID, o)
		return got, err
	}
	o, err := save(f.consultant, cpaudit.AuditOption{})
	if err != nil || !maps.Equal(o.StatusDates, map[cpaudit.OptionStatus]string{"proposed": "2026-03-01"}) {
		t.Fatalf("proposed: %v %v", o.StatusDates, err)
	}
	clock.set("2026-06-15 10:00")
	o, err = save(f.consultant, cpaudit.AuditOption{Status: cpaudit.OptionImplemented,
		StatusDates: map[cpaudit.OptionStatus]string{"feasible": "2026-04-02"},
		DocumentIDs: []string{evidence.ID, " " + evidence.ID}, CashFlows: []float64{30000, 30000}})
	want := map[cpaudit.OptionStatus]string{"proposed": "2026-03-01", "feasible": "2026-04-02", "implemented": "2026-06-15"}
	if err != nil || !maps.Equal(o.StatusDates, want) || !slices.Equal(o.DocumentIDs, []string{evidence.ID}) {
		t.Fatalf("implemented: %v %v %v", o.StatusDates, o.DocumentIDs, err)
	}
	read, err := s.AuditOptions(ctx, f.regulator, f.audit.ID)
	if err != nil || len(read) != 1 || !maps.Equal(read[0].StatusDates, want) || !slices.Equal(read[0].DocumentIDs, []string{evidence.ID}) ||
		!slices.Equal(read[0].CashFlows, []float64{30000, 30000}) {
		t.Fatalf("read back: %+v %v", read, err)
	}
	// Back to screened: the dates beyond go, those before stay.
	o, err = save(f.consultant, cpaudit.AuditOption{Status: cpaudit.OptionScreened})
	if err != nil || !maps.Equal(o.StatusDates, map[cpaudit.OptionStatus]string{"proposed": "2026-03-01", "screened": "2026-06-15"}) {
		t.Errorf("back to screened: %v %v", o.StatusDates, err)
	}
	// An entered date before a kept one of an earlier status: the entered
	// one wins, the kept one goes.
	o, err = save(f.consultant, cpaudit.AuditOption{Status: cpaudit.OptionFeasible,
		StatusDates: map[cpaudit.OptionStatus]string{"feasible": "2026-02-01"}})
	if err != nil || !maps.Equal(o.StatusDates, map[cpaudit.OptionStatus]string{"feasible": "2026-02-01"}) {
		t.Errorf("feasible before proposed: %v %v", o.StatusDates, err)
	}
	// Entered dates out of order: refused.
	if _, err := save(f.consultant, cpaudit.AuditOption{Status: cpaudit.OptionScreened, StatusDates: map[cpaudit.OptionStatus]string{
		"proposed": "2026-05-01", "screened": "2026-04-01"}}); cpaudit.ErrorCode(err) != cpaudit.CodeOptionDatesInconsistent {
		t.Errorf("entered out of order: %v", err)
	}

	for _, c := range []struct {
		name string
		ids  []string
	}{{"another audit's", []string{foreign.ID}}, {"no such document", []string{"d_nothing"}}, {"one good, one bad", []string{evidence.ID, foreign.ID}}} {
		if _, err := save(f.admin, cpaudit.AuditOption{DocumentIDs: c.ids}); cpaudit.ErrorCode(err) != cpaudit.CodeDocumentNotOfAudit || !cpaudit.IsKind(err, cpaudit.KindUnprocessable) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if read, _ := s.AuditOptions(ctx, f.admin, f.audit.ID); read[0].Status != cpaudit.OptionFeasible {
		t.Errorf("a refused save changed the option: %+v", read[0])
	}

	// Who enters options: the audit's consultancy and enterprise, an
	// admin; others are refused (409), and an audit out of reach is 404.
	for _, c := range []struct {
		name string
		a    cpaudit.Actor
		kind cpaudit.Kind
	}{
		{"绿源 consultant", f.consultant, 0},
		{"the enterprise", f.enterprise, 0},
		{"admin", f.admin, 0},
		{"regulator", f.regulator, cpaudit.KindConflict},
		{"expert", f.expert, cpaudit.KindConflict},
		{"蓝天 consultant", f.other, cpaudit.KindNotFound},
		{"publisher", f.publisher, cpaudit.KindNotFound},
	} {
		_, err := save(c.a, cpaudit.AuditOption{Status: cpaudit.OptionScreened})
		if (c.kind == 0 && err != nil) || (c.kind != 0 && !cpaudit.IsKind(err, c.kind)) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestOptionSettings: the defaults of GB/T 2589 until an admin sets the
// tenant's own; others may read but not set them.
func TestOptionSettings(t *testing.T) {
	s := newTestStore(t, blob.NewMem())
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	set, err := s.OptionSettings(ctx, f.consultant)
	if err != nil || set.UpdatedAt != nil || set.DiscountRate != 0.08 || set.LifeYears != 10 || set.Coefficients[cpaudit.QtyCoal] != 0.7143 {
		t.Fatalf("defaults: %+v %v", set, err)
	}
	mine := cpaudit.OptionSettings{Coefficients: map[cpaudit.Quantity]float64{cpaudit.QtyNaturalGas: 1.1e-3}, DiscountRate: 0.06, LifeYears: 8}
	if _, err := s.SaveOptionSettings(ctx, f.regulator, mine); cpaudit.ErrorCode(err) != cpaudit.CodeOptionSettingsNotAllowed {
		t.Errorf("regulator: %v", err)
	}
	if _, err := s.SaveOptionSettings(ctx, f.admin, cpaudit.OptionSettings{DiscountRate: 6, LifeYears: 8}); cpaudit.ErrorCode(err) != cpaudit.CodeOptionSettingsInvalid {
		t.Errorf("6 for 6%%: %v", err)
	}
	if _, err := s.SaveOptionSettings(ctx, f.admin, mine); err != nil {
		t.Fatal(err)
	}
	set, err = s.OptionSettings(ctx, f.enterprise)
	if err != nil || set.UpdatedAt == nil || set.DiscountRate != 0.06 || set.LifeYears != 8 ||
		set.Coefficients[cpaudit.QtyNaturalGas] != 1.1e-3 || set.Coefficients[cpaudit.QtyElectricity] != 0.1229e-3 {
		t.Errorf("saved: %+v %v", set, err)
	}
}

// TestSaveAuditOptionsAllOrNothing: an imported table is saved whole, or
// not at all when one option is refused, the refusal naming its place;
// and the unit check's peers are the same major group's other audits.
func TestSaveAuditOptionsAllOrNothing(t *testing.T) {
	s := newTestStore(t, blob.NewMem())
	f := newFixture(t, s, "hebei") // f.audit: 保定印染 C1713
	ctx := context.Background()
	opt := func(code, name string, figs q) cpaudit.AuditOption {
		return cpaudit.AuditOption{Code: code, Name: name, Category: cpaudit.OptionLowCost, Figures: figs}
	}
	bad := []cpaudit.AuditOption{opt("F1", "染色废水回用", q{"water": 5000}), opt("F2", "定型机余热回收", q{"energy": 120}),
		{Code: "F3", Name: "坏日期", Category: cpaudit.OptionLowCost, Status: cpaudit.OptionScreened,
			StatusDates: map[cpaudit.OptionStatus]string{"implemented": "2026-01-01"}}}
	_, _, err := s.SaveAuditOptions(ctx, f.consultant, f.audit.ID, bad)
	if cpaudit.ErrorCode(err) != cpaudit.CodeOptionDatesInconsistent || cpaudit.ErrorParams(err)["index"] != "2" {
		t.Fatalf("bad third option: %v %v", err, cpaudit.ErrorParams(err))
	}
	// Refused by storage (a document of no audit) on the second: nothing.
	bad[1].DocumentIDs, bad[2] = []string{"d_nothing"}, opt("F3", "碱减量废水回收", q{"cod": 12})
	if _, _, err := s.SaveAuditOptions(ctx, f.consultant, f.audit.ID, bad); cpaudit.ErrorParams(err)["index"] != "1" {
		t.Fatalf("bad second option: %v", err)
	}
	if got, _ := s.AuditOptions(ctx, f.consultant, f.audit.ID); len(got) != 0 {
		t.Fatalf("a refused table saved %d options", len(got))
	}
	bad[1].DocumentIDs = nil
	created, updated, err := s.SaveAuditOptions(ctx, f.consultant, f.audit.ID, bad)
	if err != nil || created != 3 || updated != 0 {
		t.Fatalf("good table: %d %d %v", created, updated, err)
	}
	if created, updated, err := s.SaveAuditOptions(ctx, f.consultant, f.audit.ID, bad[:1]); err != nil || created != 0 || updated != 1 {
		t.Errorf("again: %d %d %v", created, updated, err)
	}
	if _, _, err := s.SaveAuditOptions(ctx, f.regulator, f.audit.ID, bad); !cpaudit.IsKind(err, cpaudit.KindConflict) {
		t.Errorf("regulator: %v", err)
	}

	// Peers: another C17 audit's options count, a C26 audit's do not,
	// and the audit's own never.
	peer := func(name, first17, industry string, cod float64) {
		org, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: name, CreditCode: code(first17), Industry: industry, Region: "130600"})
		if err != nil {
			t.Fatal(err)
		}
		au, err := s.StartAudit(ctx, f.admin, cpaudit.NewAudit{EnterpriseID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SaveAuditOption(ctx, f.admin, au.ID, opt("F1", "同行方案", q{"cod": cod})); err != nil {
			t.Fatal(err)
		}
	}
	peer("高阳纺织有限公司", "91130600MA0GYFX01", "C1711", 20)
	peer("沧州化工有限公司", "91130900MA0CXHG01", "C2614", 0.5)
	peers, err := s.OptionPeers(ctx, f.consultant, f.audit.ID)
	if err != nil || !slices.Equal(peers[cpaudit.QtyCOD], []float64{20}) || len(peers[cpaudit.QtyWater]) != 0 {
		t.Errorf("peers: %v %v", peers, err)
	}
	if _, err := s.OptionPeers(ctx, f.other, f.audit.ID); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Errorf("another firm's audit: %v", err)
	}
}
