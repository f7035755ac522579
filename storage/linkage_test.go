package storage

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/cpaudit/cpaudit"
)

func mustCode(t *testing.T, err error, kind cpaudit.Kind, code cpaudit.Code) *cpaudit.Error {
	t.Helper()
	mustKind(t, err, kind)
	var e *cpaudit.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error %v: want code %s", err, code)
	}
	return e
}

// TestPermitRecord: refused until all 35 steps are accepted, then the
// enterprise's permit number and the options with their figures summed;
// read by whoever reads the audit.
func TestPermitRecord(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	// The options as the API receives them, with their status: both are
	// carried out, so both count.
	for _, in := range []string{
		`{"code":"F1","name":"冷凝水回收","category":"low_cost","status":"implemented","figures":{"investment":5000,"water":1200}}`,
		`{"code":"F2","name":"印染废水深度处理","category":"high_cost","status":"verified","figures":{"investment":450000,"water":300,"cod":1.5}}`,
	} {
		var o cpaudit.AuditOption
		if err := json.Unmarshal([]byte(in), &o); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SaveAuditOption(ctx, f.consultant, f.audit.ID, o); err != nil {
			t.Fatal(err)
		}
	}

	_, err := s.PermitRecord(ctx, f.regulator, f.audit.ID)
	if e := mustCode(t, err, cpaudit.KindConflict, cpaudit.CodePermitRecordNotReady); e.Params["accepted"] != "0" {
		t.Errorf("params %v", e.Params)
	}
	for n := 1; n < cpaudit.StepCount; n++ {
		setStep(t, f, f.audit.ID, n, cpaudit.StepAccepted)
	}
	_, err = s.PermitRecord(ctx, f.regulator, f.audit.ID)
	if e := mustCode(t, err, cpaudit.KindConflict, cpaudit.CodePermitRecordNotReady); e.Params["accepted"] != "34" {
		t.Errorf("params %v", e.Params)
	}
	setStep(t, f, f.audit.ID, cpaudit.StepCount, cpaudit.StepAccepted)

	r, err := s.PermitRecord(ctx, f.regulator, f.audit.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.AuditID != f.audit.ID || r.EnterpriseID != f.ent.ID || r.PermitNumber != "" || r.State != cpaudit.PermitReady || r.AcceptedOn == "" {
		t.Errorf("record %+v", r)
	}
	if len(r.Options) != 2 || r.Options[0].Code != "F1" || r.Options[1].Code != "F2" {
		t.Errorf("options %+v", r.Options)
	}
	want := map[cpaudit.Quantity]float64{cpaudit.QtyInvestment: 455000, cpaudit.QtyWater: 1500, cpaudit.QtyCOD: 1.5}
	if len(r.Figures) != len(want) {
		t.Errorf("figures %v, want %v", r.Figures, want)
	}
	for q, v := range want {
		if r.Figures[q] != v {
			t.Errorf("figures %v, want %v", r.Figures, want)
		}
	}

	permit := "91130600MA0DYYYY1X001P"
	if _, err := s.UpdateOrganisation(ctx, f.admin, f.ent.ID, cpaudit.OrgProfile{PermitNumber: &permit}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []cpaudit.Actor{f.admin, f.regulator, f.expert, f.consultant, f.enterprise} {
		r, err := s.PermitRecord(ctx, a, f.audit.ID)
		if err != nil || r.PermitNumber != permit {
			t.Errorf("%s: permit %q, %v", a.Email, r.PermitNumber, err)
		}
	}
	for _, a := range []cpaudit.Actor{f.other, f.publisher, f.unbound} {
		_, err := s.PermitRecord(ctx, a, f.audit.ID)
		mustKind(t, err, cpaudit.KindNotFound)
	}
	_, err = s.PermitRecord(ctx, f.admin, "a-no-such-audit")
	mustKind(t, err, cpaudit.KindNotFound)
	other := newFixture(t, s, "shanxi")
	_, err = s.PermitRecord(ctx, other.admin, f.audit.ID)
	mustKind(t, err, cpaudit.KindNotFound)
}

// TestEnforcement: an enterprise stopped, one overdue on its batch, one
// both, one neither (and one that met its obligation), a stopped
// enterprise with no audit; the region filter and regional offices; who
// may read the queue.
func TestEnforcement(t *testing.T) {
	s, clock := newClockedStore(t, "2026-01-10 10:00")
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	b, err := s.CreateBatch(ctx, f.admin, cpaudit.Batch{Year: 2026, Number: 1, Name: "2026年第一批", Obligations: cpaudit.Obligations{
		Register: "2026-01-31", AcceptanceDone: "2026-12-31"}})
	if err != nil {
		t.Fatal(err)
	}
	ent := func(name, cc, region string) cpaudit.Organisation {
		o, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: name, CreditCode: code(cc), Industry: "C2614", Region: region})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	start := func(o cpaudit.Organisation, batch string) string {
		au, err := s.StartAudit(ctx, f.admin, cpaudit.NewAudit{EnterpriseID: o.ID, ConsultancyID: f.cons.ID, BatchID: batch})
		if err != nil {
			t.Fatal(err)
		}
		return au.ID
	}
	stop := func(o cpaudit.Organisation) {
		st := cpaudit.StatusStopped
		if _, err := s.UpdateOrganisation(ctx, f.admin, o.ID, cpaudit.OrgProfile{Status: &st}); err != nil {
			t.Fatal(err)
		}
	}
	// f.ent (保定, 130600): stopped, its audit in no batch.
	stop(f.ent)
	overdue := ent("石家庄化工有限公司", "91130100MA0A00011", "130104")
	overdueAudit := start(overdue, b.ID)
	both := ent("保定造纸有限公司", "91130600MA0A00021", "130602")
	bothAudit := start(both, b.ID)
	stop(both)
	met := ent("石家庄制药有限公司", "91130100MA0A00031", "130105")
	metAudit := start(met, b.ID)
	clock.set("2026-01-20 15:00")
	if _, err := s.RecordMilestone(ctx, f.admin, metAudit, cpaudit.NewMilestone{Obligation: "register", Date: "2026-01-20"}); err != nil {
		t.Fatal(err)
	}
	operating := ent("唐山钢铁有限公司", "91130200MA0A00041", "130203")
	operatingAudit := start(operating, "")
	// A finding due on 31 January, still open on 10 February: its audit is
	// listed for the rectification alone; one due later lists nothing, nor
	// does a late one closed before.
	raise := func(audit, due string) cpaudit.Finding {
		nf := finding(audit, cpaudit.CategoryUntrueEvidence, cpaudit.SeverityMajor)
		nf.RectificationDue = due
		fd, err := s.CreateFinding(ctx, f.regulator, nf)
		if err != nil {
			t.Fatal(err)
		}
		return fd
	}
	raise(operatingAudit, "2026-01-31")
	raise(metAudit, "2026-02-28")
	closed := raise(metAudit, "2026-01-31")
	if _, err := s.CloseFinding(ctx, f.regulator, closed.ID, cpaudit.FindingChange{Comment: "已整改"}); err != nil {
		t.Fatal(err)
	}
	idle := ent("保定电镀有限公司", "91130600MA0A00051", "130604")
	stop(idle)

	clock.set("2026-02-10 09:00")
	if _, err := s.RecomputeDeadlines(ctx, f.admin.TenantID); err != nil {
		t.Fatal(err)
	}

	type entry struct {
		ent, audit string
		reasons    []cpaudit.EnforcementReason
	}
	stopped, late := cpaudit.ReasonStopped, cpaudit.ReasonOverdue
	rectify := cpaudit.ReasonRectificationOverdue
	// By name (code point order): 保定印染, 保定电镀, 保定造纸, 唐山钢铁, 石家庄化工.
	all := []entry{
		{f.ent.ID, f.audit.ID, []cpaudit.EnforcementReason{stopped}},
		{idle.ID, "", []cpaudit.EnforcementReason{stopped}},
		{both.ID, bothAudit, []cpaudit.EnforcementReason{stopped, late, cpaudit.ReasonNotRegistered}},
		{operating.ID, operatingAudit, []cpaudit.EnforcementReason{rectify}},
		{overdue.ID, overdueAudit, []cpaudit.EnforcementReason{late, cpaudit.ReasonNotRegistered}},
	}
	baoding := f.regulator
	baoding.Region = "130600"
	for _, tc := range []struct {
		name   string
		a      cpaudit.Actor
		region string
		want   []entry
	}{
		{"admin", f.admin, "", all},
		{"province", f.regulator, "", all},
		{"admin, Shijiazhuang", f.admin, "130100", all[4:]},
		{"admin, Tangshan", f.admin, "130200", all[3:4]},
		{"admin, a county of Baoding", f.admin, "130604", all[1:2]},
		{"Baoding office", baoding, "", all[:3]},
		{"Baoding office, its county", baoding, "130602", all[2:3]},
		{"Baoding office, Shijiazhuang", baoding, "130100", nil},
	} {
		items, err := s.Enforcement(ctx, tc.a, tc.region)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []entry
		for _, it := range items {
			got = append(got, entry{it.EnterpriseID, it.AuditID, it.Reasons})
			if slices.Contains(it.Reasons, late) != (len(it.Obligations) > 0) || slices.Contains(it.Reasons, late) != (it.DaysOverdue > 0) {
				t.Errorf("%s: %+v", tc.name, it)
			}
		}
		if !slices.EqualFunc(got, tc.want, func(x, y entry) bool {
			return x.ent == y.ent && x.audit == y.audit && slices.Equal(x.reasons, y.reasons)
		}) {
			t.Errorf("%s: got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
	items, _ := s.Enforcement(ctx, f.admin, "130100")
	// Register was due on 31 January; on 10 February that is 10 days.
	if len(items) != 1 || !slices.Equal(items[0].Obligations, []string{"register"}) || items[0].EnterpriseName != "石家庄化工有限公司" || items[0].DaysOverdue != 10 {
		t.Errorf("overdue item %+v", items)
	}

	for _, a := range []cpaudit.Actor{f.consultant, f.enterprise, f.expert, f.publisher} {
		_, err := s.Enforcement(ctx, a, "")
		mustCode(t, err, cpaudit.KindConflict, cpaudit.CodeEnforcementNotAllowed)
	}
	_, err = s.Enforcement(ctx, f.admin, "13x")
	mustKind(t, err, cpaudit.KindInvalid)
}
