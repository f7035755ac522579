package storage

import (
	"context"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// TestStepQueue checks each actor's queue holds the steps of its reach
// only: a regional office those of its region, a consultancy or an
// enterprise those of its own audits.
func TestStepQueue(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, blob.NewMem())
	f := newFixture(t, s, "hebei")
	// A second audit, of a Tangshan enterprise, run by the other consultancy.
	ts, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "唐山钢铁集团有限公司",
		CreditCode: code("91130200MA0CBBB01"), Industry: "C3120", Region: "130203"})
	if err != nil {
		t.Fatal(err)
	}
	tsAudit, err := s.CreateAudit(ctx, f.sys, ts.ID, f.cons2.ID)
	if err != nil {
		t.Fatal(err)
	}
	setStep(t, f, f.audit.ID, 2, cpaudit.StepSubmitted)
	setStep(t, f, f.audit.ID, 4, cpaudit.StepReturned)
	setStep(t, f, tsAudit.ID, 7, cpaudit.StepSubmitted)
	regTS, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "唐山市生态环境局", Region: "130200"})
	if err != nil {
		t.Fatal(err)
	}
	tangshan := cpaudit.Actor{TenantID: f.sys.TenantID, UserID: "u-ts", Role: cpaudit.RoleRegulator, OrgID: regTS.ID, Region: "130200"}

	steps := func(a cpaudit.Actor, st cpaudit.StepState) []string {
		t.Helper()
		list, total, err := s.StepQueue(ctx, a, cpaudit.StepQueueFilter{State: st})
		if err != nil || total != len(list) {
			t.Fatalf("queue: %v, total %d of %d", err, total, len(list))
		}
		var out []string
		for _, it := range list {
			out = append(out, it.EnterpriseName+"/"+string(rune('0'+it.Step/10))+string(rune('0'+it.Step%10))+"/"+it.Reason)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		a    cpaudit.Actor
		st   cpaudit.StepState
		want []string
	}{
		{"province submitted", f.regulator, cpaudit.StepSubmitted, []string{"保定印染有限公司/02/", "唐山钢铁集团有限公司/07/"}},
		{"tangshan submitted", tangshan, cpaudit.StepSubmitted, []string{"唐山钢铁集团有限公司/07/"}},
		{"tangshan returned", tangshan, cpaudit.StepReturned, nil},
		{"consultant returned", f.consultant, cpaudit.StepReturned, []string{"保定印染有限公司/04/数据不全"}},
		{"other consultant returned", f.other, cpaudit.StepReturned, nil},
		{"other consultant submitted", f.other, cpaudit.StepSubmitted, []string{"唐山钢铁集团有限公司/07/"}},
		{"enterprise returned", f.enterprise, cpaudit.StepReturned, []string{"保定印染有限公司/04/数据不全"}},
		{"unbound", f.unbound, cpaudit.StepSubmitted, nil},
		{"publisher", f.publisher, cpaudit.StepSubmitted, nil},
	} {
		got := steps(tc.a, tc.st)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
	if _, _, err := s.StepQueue(ctx, f.regulator, cpaudit.StepQueueFilter{State: "lost"}); !cpaudit.IsKind(err, cpaudit.KindInvalid) {
		t.Errorf("an unknown state: %v", err)
	}

	names, err := s.AuditNames(ctx, f.consultant, []string{f.audit.ID, tsAudit.ID, "nope"})
	if err != nil || len(names) != 1 || names[f.audit.ID] != "保定印染有限公司" {
		t.Errorf("audit names of a consultant: %v %v", names, err)
	}
	if names, err := s.AuditNames(ctx, f.regulator, []string{tsAudit.ID, f.audit.ID, f.audit.ID}); err != nil || len(names) != 2 || names[f.audit.ID] != "保定印染有限公司" {
		t.Errorf("audit names, one asked twice: %v %v", names, err)
	}

	o, err := s.AdminOverview(ctx, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.UsersWithoutOrg) != 2 || o.OrgsByKind[cpaudit.OrgEnterprise] != 2 || o.Audits != 2 || o.UsersByRole[cpaudit.RoleConsultant] != 2 {
		t.Errorf("overview: %+v", o)
	}
	for _, u := range o.UsersWithoutOrg {
		if !u.Role.NeedsOrg() {
			t.Errorf("%s (%s) listed as waiting for an organisation", u.Email, u.Role)
		}
	}
	if _, err := s.AdminOverview(ctx, f.regulator); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Errorf("a regulator's overview: %v", err)
	}
}
