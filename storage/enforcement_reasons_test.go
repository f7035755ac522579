package storage

import (
	"context"
	"slices"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestEnforcementReasons: each reason from its own fixture enterprise, with
// the days since it and the audit's history; an audit that failed and then
// passed, and one on time, are not listed.
func TestEnforcementReasons(t *testing.T) {
	s, clock := newClockedStore(t, "2026-01-10 10:00")
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	db := f.db(t)
	b, err := s.CreateBatch(ctx, f.admin, cpaudit.Batch{Year: 2026, Number: 1, Name: "2026年第一批", Obligations: cpaudit.Obligations{
		Register: "2026-01-31", Disclose: "2026-02-05", AcceptanceDone: "2026-12-31"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	start := func(name, batch string) (cpaudit.Organisation, string) {
		n++
		o, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: name,
			CreditCode: code("91130100MA0B0000" + string(rune('0'+n))), Industry: "C2614", Region: "130104"})
		if err != nil {
			t.Fatal(err)
		}
		au, err := s.StartAudit(ctx, f.admin, cpaudit.NewAudit{EnterpriseID: o.ID, ConsultancyID: f.cons.ID, BatchID: batch})
		if err != nil {
			t.Fatal(err)
		}
		return o, au.ID
	}
	milestone := func(id, audit, obligation, date, result, note string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, `INSERT INTO audit_milestones (id, audit_id, obligation, date, result, note, recorded_by, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, 'reg@hebei.gov.cn', ?)`, id, audit, obligation, date, result, note, len(id)); err != nil {
			t.Fatal(err)
		}
	}
	_, unregistered := start("石家庄化工一厂", b.ID)
	_, lateDisclosure := start("石家庄化工二厂", b.ID)
	_, failed := start("石家庄化工三厂", "")
	_, passedAgain := start("石家庄化工四厂", "")
	_, onTime := start("石家庄化工五厂", b.ID)
	_, lateRectification := start("石家庄化工六厂", "")
	stoppedEnt, stoppedAudit := start("石家庄化工七厂", "")
	clock.set("2026-01-20 15:00")
	for _, au := range []string{lateDisclosure, onTime} {
		if _, err := s.RecordMilestone(ctx, f.admin, au, cpaudit.NewMilestone{Obligation: "register", Date: "2026-01-20"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RecordMilestone(ctx, f.admin, onTime, cpaudit.NewMilestone{Obligation: "disclose", Date: "2026-01-20"}); err != nil {
		t.Fatal(err)
	}
	milestone("m-failed", failed, "acceptance_done", "2026-02-01", "fail", "验收不通过：方案未实施")
	milestone("m-f1", passedAgain, "assessment_done", "2026-01-25", "fail", "评估不通过")
	milestone("m-f2", passedAgain, "assessment_done", "2026-02-03", "pass", "复评通过")
	nf := finding(lateRectification, cpaudit.CategoryUntrueEvidence, cpaudit.SeverityMajor)
	nf.RectificationDue = "2026-02-04"
	if _, err := s.CreateFinding(ctx, f.regulator, nf); err != nil {
		t.Fatal(err)
	}
	st := cpaudit.StatusStopped
	if _, err := s.UpdateOrganisation(ctx, f.admin, stoppedEnt.ID, cpaudit.OrgProfile{Status: &st}); err != nil {
		t.Fatal(err)
	}
	clock.set("2026-02-10 09:00")
	if _, err := s.RecomputeDeadlines(ctx, f.admin.TenantID); err != nil {
		t.Fatal(err)
	}

	items, err := s.Enforcement(ctx, f.regulator, "130100")
	if err != nil {
		t.Fatal(err)
	}
	byAudit := map[string]cpaudit.EnforcementItem{}
	for _, it := range items {
		byAudit[it.AuditID] = it
	}
	R := func(rs ...cpaudit.EnforcementReason) []cpaudit.EnforcementReason { return rs }
	for _, tc := range []struct {
		name    string
		audit   string
		reasons []cpaudit.EnforcementReason
		days    map[cpaudit.EnforcementReason]int
		history []string // kind/what/result
		overdue int      // days_overdue: since the oldest overdue obligation fell due
	}{
		{"not registered by 31 January", unregistered, R(cpaudit.ReasonOverdue, cpaudit.ReasonNotRegistered),
			map[cpaudit.EnforcementReason]int{cpaudit.ReasonOverdue: 10, cpaudit.ReasonNotRegistered: 10},
			[]string{"overdue/register/", "overdue/disclose/"}, 10},
		{"registered, disclosure late", lateDisclosure, R(cpaudit.ReasonOverdue),
			map[cpaudit.EnforcementReason]int{cpaudit.ReasonOverdue: 5}, []string{"milestone/register/", "overdue/disclose/"}, 5},
		{"failed acceptance", failed, R(cpaudit.ReasonFailed),
			map[cpaudit.EnforcementReason]int{cpaudit.ReasonFailed: 9}, []string{"milestone/acceptance_done/fail"}, 0},
		{"rectification overdue", lateRectification, R(cpaudit.ReasonRectificationOverdue),
			map[cpaudit.EnforcementReason]int{cpaudit.ReasonRectificationOverdue: 6}, []string{}, 0},
		{"stopped", stoppedAudit, R(cpaudit.ReasonStopped), map[cpaudit.EnforcementReason]int{}, []string{}, 0},
	} {
		it, ok := byAudit[tc.audit]
		if !ok {
			t.Errorf("%s: not listed", tc.name)
			continue
		}
		var hist []string
		for _, e := range it.History {
			hist = append(hist, e.Kind+"/"+e.What+"/"+e.Result)
		}
		if !slices.Equal(it.Reasons, tc.reasons) || len(it.ReasonDays) != len(tc.days) || !slices.Equal(hist, tc.history) && len(tc.history)+len(hist) > 0 {
			t.Errorf("%s: reasons %v days %v history %v; want %v %v %v", tc.name, it.Reasons, it.ReasonDays, hist, tc.reasons, tc.days, tc.history)
		}
		if it.DaysOverdue != tc.overdue {
			t.Errorf("%s: days_overdue %d, want %d", tc.name, it.DaysOverdue, tc.overdue)
		}
		for r, d := range tc.days {
			if it.ReasonDays[r] != d {
				t.Errorf("%s: %s %d days, want %d", tc.name, r, it.ReasonDays[r], d)
			}
		}
	}
	for _, au := range []string{passedAgain, onTime} {
		if it, ok := byAudit[au]; ok {
			t.Errorf("listed: %+v", it)
		}
	}
	if len(items) != 5 {
		t.Errorf("%d items", len(items))
	}
	if it := byAudit[failed]; len(it.History) != 1 || it.History[0].Note != "验收不通过：方案未实施" || it.History[0].Date != "2026-02-01" {
		t.Errorf("failed history %+v", it.History)
	}
}
