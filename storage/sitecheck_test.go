package storage

import (
	"context"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestSiteChecks: an admin marks a regulator office as enforcement; only
// its regulators (and admins) record site checks, with photos uploaded
// through the normal path; others read them per reach; the check is in the
// enterprise's enforcement history, and a stopped enterprise shows whether
// its resumption precondition is met.
func TestSiteChecks(t *testing.T) {
	s, clock := newClockedStore(t, "2026-03-02 09:00")
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	office := func(name, region string) cpaudit.Organisation {
		o, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: name, Region: region})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	zhifa := office("河北省生态环境保护综合执法总队", "130000")
	tangshan := office("唐山市生态环境局", "130200")
	enforcer := cpaudit.Actor{TenantID: f.sys.TenantID, UserID: "u-zf", Email: "wang@zhifa.hebei.gov.cn", Role: cpaudit.RoleRegulator, OrgID: zhifa.ID, Region: "130000"}
	tsReg := cpaudit.Actor{TenantID: f.sys.TenantID, UserID: "u-ts", Email: "li@ts.gov.cn", Role: cpaudit.RoleRegulator, OrgID: tangshan.ID, Region: "130200"}

	// Marking: admins only, regulator offices only.
	mustCode(t, s.MarkEnforcementOffice(ctx, f.regulator, zhifa.ID, new(true)), cpaudit.KindConflict, cpaudit.CodeEnforcementOfficeNotAllowed)
	mustCode(t, s.MarkEnforcementOffice(ctx, f.admin, f.cons.ID, new(true)), cpaudit.KindUnprocessable, cpaudit.CodeEnforcementOfficeNotRegulator)
	mustKind(t, s.MarkEnforcementOffice(ctx, f.admin, "o-nothing", new(true)), cpaudit.KindNotFound)
	mustCode(t, s.MarkEnforcementOffice(ctx, f.admin, zhifa.ID, nil), cpaudit.KindInvalid, cpaudit.CodeFieldRequired)
	if err := s.MarkEnforcementOffice(ctx, f.admin, zhifa.ID, new(true)); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.IsEnforcementOffice(ctx, f.admin, zhifa.ID); !ok || err != nil {
		t.Fatalf("marked: %v %v", ok, err)
	}
	// The admin's page lists the regulator offices with their mark, by
	// region; nobody else reads it.
	offices, err := s.RegulatorOffices(ctx, f.admin)
	marks := map[string]bool{}
	for _, o := range offices {
		marks[o.Name] = o.Enforcement
	}
	if err != nil || !marks["河北省生态环境保护综合执法总队"] || marks["唐山市生态环境局"] || len(offices) < 2 {
		t.Errorf("offices: %v %+v", err, offices)
	}
	for _, o := range offices {
		if o.Kind != cpaudit.OrgRegulator {
			t.Errorf("not an office: %+v", o)
		}
	}
	_, err = s.RegulatorOffices(ctx, f.regulator)
	mustCode(t, err, cpaudit.KindConflict, cpaudit.CodeEnforcementOfficeNotAllowed)

	photo, err := f.upload(t, enforcer, cpaudit.NewDocument{Kind: cpaudit.DocOther, AuditID: f.audit.ID, Filename: "现场.txt", ContentType: "text/plain"}, "现场照片：废水排放口")
	if err != nil {
		t.Fatalf("the enforcer uploads a photo: %v", err)
	}
	check := cpaudit.NewSiteCheck{AuditID: f.audit.ID, Date: "2026-03-01", Finding: "废水处理设施停运，现场未见生产", Outcome: cpaudit.OutcomeRectify,
		DocumentIDs: []string{photo.ID}}
	for _, tc := range []struct {
		name string
		a    cpaudit.Actor
		n    func(n cpaudit.NewSiteCheck) cpaudit.NewSiteCheck
		kind cpaudit.Kind
		code cpaudit.Code
	}{
		{"province regulator, not enforcement", f.regulator, nil, cpaudit.KindConflict, cpaudit.CodeSiteCheckNotAllowed},
		{"expert", f.expert, nil, cpaudit.KindConflict, cpaudit.CodeSiteCheckNotAllowed},
		{"the enterprise", f.enterprise, nil, cpaudit.KindConflict, cpaudit.CodeSiteCheckNotAllowed},
		{"consultant", f.consultant, nil, cpaudit.KindNotFound, ""},
		{"Tangshan office (outside its region)", tsReg, nil, cpaudit.KindNotFound, ""},
		{"another tenant", newFixture(t, s, "shanxi").admin, nil, cpaudit.KindNotFound, ""},
		{"future date", enforcer, func(n cpaudit.NewSiteCheck) cpaudit.NewSiteCheck { n.Date = "2026-03-03"; return n }, cpaudit.KindUnprocessable, cpaudit.CodeDateInvalid},
		{"no finding", enforcer, func(n cpaudit.NewSiteCheck) cpaudit.NewSiteCheck { n.Finding = ""; return n }, cpaudit.KindUnprocessable, cpaudit.CodeSiteCheckFindingInvalid},
		{"unknown outcome", enforcer, func(n cpaudit.NewSiteCheck) cpaudit.NewSiteCheck { n.Outcome = "罚款"; return n }, cpaudit.KindUnprocessable, cpaudit.CodeSiteCheckOutcomeUnknown},
		{"a photo never uploaded", enforcer, func(n cpaudit.NewSiteCheck) cpaudit.NewSiteCheck { n.DocumentIDs = []string{"d-nothing"}; return n }, cpaudit.KindUnprocessable, cpaudit.CodeSiteCheckDocumentUnknown},
		{"another enterprise's audit", enforcer, func(n cpaudit.NewSiteCheck) cpaudit.NewSiteCheck { n.AuditID = "a-nothing"; return n }, cpaudit.KindUnprocessable, cpaudit.CodeSiteCheckAuditNotOfEnterprise},
	} {
		n := check
		if tc.n != nil {
			n = tc.n(n)
		}
		_, err := s.RecordSiteCheck(ctx, tc.a, f.ent.ID, n)
		if tc.code == "" {
			mustKind(t, err, tc.kind)
		} else {
			mustCode(t, err, tc.kind, tc.code)
		}
	}
	c, err := s.RecordSiteCheck(ctx, enforcer, f.ent.ID, check)
	if err != nil || c.RecordedBy != enforcer.Email || c.Outcome != cpaudit.OutcomeRectify || len(c.DocumentIDs) != 1 {
		t.Fatalf("recorded %+v %v", c, err)
	}
	if _, err := s.RecordSiteCheck(ctx, f.admin, f.ent.ID, cpaudit.NewSiteCheck{Date: "2026-03-02", Finding: "复查：已整改", Outcome: cpaudit.OutcomeCompliant}); err != nil {
		t.Fatalf("an admin records: %v", err)
	}

	// Reading: per reach.
	for _, tc := range []struct {
		name string
		a    cpaudit.Actor
		want int // -1: 404
	}{
		{"admin", f.admin, 2}, {"enforcer", enforcer, 2}, {"province regulator", f.regulator, 2}, {"expert", f.expert, 2},
		{"the enterprise", f.enterprise, 2}, {"Tangshan office", tsReg, -1}, {"consultant", f.consultant, -1}, {"publisher", f.publisher, -1},
	} {
		list, err := s.SiteChecks(ctx, tc.a, f.ent.ID)
		if tc.want < 0 {
			mustKind(t, err, cpaudit.KindNotFound)
		} else if err != nil || len(list) != tc.want || list[0].Finding != "复查：已整改" {
			t.Errorf("%s: %d checks, %v", tc.name, len(list), err)
		}
	}

	// In the queue: f.ent stopped, its audit not completed.
	st := cpaudit.StatusStopped
	if _, err := s.UpdateOrganisation(ctx, f.admin, f.ent.ID, cpaudit.OrgProfile{Status: &st}); err != nil {
		t.Fatal(err)
	}
	clock.set("2026-03-03 09:00")
	items, err := s.Enforcement(ctx, enforcer, "")
	if err != nil || len(items) != 1 {
		t.Fatalf("queue %+v %v", items, err)
	}
	it := items[0]
	if it.Resumption == nil || it.Resumption.Met || it.Resumption.AuditCompleted || len(it.History) != 2 ||
		it.History[0].Kind != "site_check" || it.History[0].What != "rectification_ordered" || it.History[0].Note != check.Finding {
		t.Errorf("stopped item %+v (resumption %+v)", it, it.Resumption)
	}
	db := f.db(t)
	var logged int
	db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('site_check.record', 'organisation.enforcement')`).Scan(&logged)
	if logged != 3 {
		t.Errorf("%d log entries", logged)
	}
	// Completed: the precondition is met.
	if _, err := db.ExecContext(ctx, `UPDATE audit_progress SET completed = 1 WHERE audit_id = ?`, f.audit.ID); err != nil {
		t.Fatal(err)
	}
	items, _ = s.Enforcement(ctx, enforcer, "")
	if len(items) != 1 || items[0].Resumption == nil || !items[0].Resumption.Met {
		t.Errorf("completed: %+v", items)
	}
}
