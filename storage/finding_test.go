package storage

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// china is a moment in China's time zone.
func china(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.FixedZone("CST", 8*3600))
}

func finding(auditID string, cat cpaudit.FindingCategory, sev cpaudit.FindingSeverity) cpaudit.NewFinding {
	return cpaudit.NewFinding{AuditID: auditID, Category: cat, Severity: sev, Description: "物料平衡数据与原始台账不一致"}
}

// TestFindingRights: who records a finding on an audit and who reads it,
// role by role, with offices inside and outside the enterprise's region.
func TestFindingRights(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	baoding := cpaudit.Actor{TenantID: f.sys.TenantID, UserID: "u-bd", Email: "bd@hebei.gov.cn", Role: cpaudit.RoleRegulator, Region: "130600"}
	shijiazhuang := baoding
	shijiazhuang.Email, shijiazhuang.Region = "sjz@hebei.gov.cn", "130100"

	for _, tc := range []struct {
		who  string
		a    cpaudit.Actor
		kind cpaudit.Kind // 0: recorded
		code cpaudit.Code
	}{
		{"admin", f.admin, 0, ""},
		{"regulator of the province", f.regulator, 0, ""},
		{"Baoding's office (the enterprise's city)", baoding, 0, ""},
		{"expert", f.expert, 0, ""},
		{"Shijiazhuang's office", shijiazhuang, cpaudit.KindNotFound, cpaudit.CodeNoSuchAudit},
		{"the audit's consultant", f.consultant, cpaudit.KindConflict, cpaudit.CodeFindingNotAllowed},
		{"the audit's enterprise", f.enterprise, cpaudit.KindConflict, cpaudit.CodeFindingNotAllowed},
		{"another consultancy", f.other, cpaudit.KindNotFound, cpaudit.CodeNoSuchAudit},
		{"publisher", f.publisher, cpaudit.KindNotFound, cpaudit.CodeNoSuchAudit},
		{"an enterprise user of no enterprise", f.unbound, cpaudit.KindNotFound, cpaudit.CodeNoSuchAudit},
	} {
		got, err := s.CreateFinding(ctx, tc.a, finding(f.audit.ID, cpaudit.CategoryMissingContent, cpaudit.SeverityMinor))
		switch {
		case tc.kind == 0 && (err != nil || got.State != cpaudit.FindingOpen || got.ConsultancyID != f.cons.ID || got.CreatedBy != tc.a.Email):
			t.Errorf("%s: %+v %v, want an open finding against %s", tc.who, got, err, f.cons.ID)
		case tc.kind != 0 && (cpaudit.ErrorKind(err) != tc.kind || cpaudit.ErrorCode(err) != tc.code):
			t.Errorf("%s: %v, want %v %s", tc.who, err, tc.kind, tc.code)
		}
	}
	// An audit that does not exist answers like one out of reach.
	_, err := s.CreateFinding(ctx, f.admin, finding("a-nowhere", cpaudit.CategoryOther, cpaudit.SeverityMinor))
	mustKind(t, err, cpaudit.KindNotFound)

	for _, tc := range []struct {
		who  string
		a    cpaudit.Actor
		want int
	}{
		{"admin", f.admin, 4}, {"regulator", f.regulator, 4}, {"Baoding", baoding, 4}, {"expert", f.expert, 4},
		{"the audit's consultant", f.consultant, 4}, {"the audit's enterprise", f.enterprise, 4},
		{"Shijiazhuang", shijiazhuang, 0}, {"another consultancy", f.other, 0}, {"publisher", f.publisher, 0},
		{"unbound", f.unbound, 0},
	} {
		list, total, err := s.Findings(ctx, tc.a, cpaudit.FindingFilter{})
		if err != nil || total != tc.want || len(list) != tc.want {
			t.Errorf("%s reads %d of %d findings (%v), want %d", tc.who, len(list), total, err, tc.want)
		}
		// Filtering by the audit: 404 for those who cannot read it.
		_, _, err = s.Findings(ctx, tc.a, cpaudit.FindingFilter{AuditID: f.audit.ID})
		if (tc.want == 0) != (cpaudit.ErrorKind(err) == cpaudit.KindNotFound) {
			t.Errorf("%s filters by the audit: %v", tc.who, err)
		}
	}
	list, total, err := s.Findings(ctx, f.admin, cpaudit.FindingFilter{ConsultancyID: f.cons2.ID})
	if err != nil || total != 0 || len(list) != 0 {
		t.Errorf("findings of the other consultancy: %d %v", total, err)
	}
	if _, total, _ := s.Findings(ctx, f.admin, cpaudit.FindingFilter{State: cpaudit.FindingClosed}); total != 0 {
		t.Errorf("closed findings: %d, want none", total)
	}
	_, _, err = s.Findings(ctx, f.admin, cpaudit.FindingFilter{State: "rectified"})
	if cpaudit.ErrorCode(err) != cpaudit.CodeFindingStateUnknown {
		t.Errorf("unknown state: %v", err)
	}

	// Every finding is in the hash-chained audit log.
	list, _, _ = s.Findings(ctx, f.admin, cpaudit.FindingFilter{Limit: 1})
	entries, err := s.ObjectLog(ctx, f.admin, "finding", list[0].ID, 10)
	if err != nil || len(entries) != 1 || entries[0].Action != "finding.create" || !strings.Contains(entries[0].Detail, "物料平衡") {
		t.Errorf("log of %s: %+v %v", list[0].ID, entries, err)
	}
}

// TestFindingSource: a finding may name the step it concerns and the
// expert review of its audit it came from; a step out of range and an
// assignment of no such audit are refused.
func TestFindingSource(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	nf := finding(f.audit.ID, cpaudit.CategoryMissingContent, cpaudit.SeverityMinor)
	nf.Step = 12
	got, err := s.CreateFinding(ctx, f.expert, nf)
	if err != nil || got.Step != 12 {
		t.Fatalf("with a step: %+v %v", got, err)
	}
	if read, err := s.Finding(ctx, f.admin, got.ID); err != nil || read.Step != 12 {
		t.Errorf("read back: %+v %v", read, err)
	}
	nf.Step = 36
	if _, err := s.CreateFinding(ctx, f.expert, nf); cpaudit.ErrorCode(err) != cpaudit.CodeNumberRange {
		t.Errorf("step 36: %v", err)
	}
	nf.Step, nf.AssignmentID = 0, "ra-nowhere"
	if _, err := s.CreateFinding(ctx, f.expert, nf); cpaudit.ErrorCode(err) != cpaudit.CodeFindingAssignmentNotOfAudit {
		t.Errorf("an assignment of no such audit: %v", err)
	}
}

// TestFindingValidation: each bad field is refused with its code, and the
// cited documents must be live documents of the audit.
func TestFindingValidation(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	s.now = func() time.Time { return china(2026, 12, 7, 9, 0) }
	f := newFixture(t, s, "hebei")
	report, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, AuditID: f.audit.ID, Filename: "审核报告.txt"}, "保定印染清洁生产审核报告")
	if err != nil {
		t.Fatal(err)
	}
	gone, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: f.audit.ID, Filename: "照片.txt"}, "删掉的佐证")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDocument(ctx, f.consultant, gone.ID); err != nil {
		t.Fatal(err)
	}
	loose, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocOther, Filename: "其他.txt"}, "不属于审核的文件")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(*cpaudit.NewFinding)
		code   cpaudit.Code
	}{
		{"unknown category", func(n *cpaudit.NewFinding) { n.Category = "plagiarism" }, cpaudit.CodeFindingCategoryUnknown},
		{"no category", func(n *cpaudit.NewFinding) { n.Category = "" }, cpaudit.CodeFindingCategoryUnknown},
		{"unknown severity", func(n *cpaudit.NewFinding) { n.Severity = "critical" }, cpaudit.CodeFindingSeverityUnknown},
		{"blank description", func(n *cpaudit.NewFinding) { n.Description = "  " }, cpaudit.CodeFieldRequired},
		{"overlong description", func(n *cpaudit.NewFinding) { n.Description = strings.Repeat("虚", 4001) }, cpaudit.CodeTextTooLong},
		{"no audit", func(n *cpaudit.NewFinding) { n.AuditID = "" }, cpaudit.CodeFieldRequired},
		{"not a date", func(n *cpaudit.NewFinding) { n.RectificationDue = "2027年1月15日" }, cpaudit.CodeDateInvalid},
		{"no such day", func(n *cpaudit.NewFinding) { n.RectificationDue = "2027-02-30" }, cpaudit.CodeDateInvalid},
		{"unpadded", func(n *cpaudit.NewFinding) { n.RectificationDue = "2027-1-5" }, cpaudit.CodeDateInvalid},
		{"due yesterday", func(n *cpaudit.NewFinding) { n.RectificationDue = "2026-12-06" }, cpaudit.CodeFindingDueInPast},
		{"a document of no audit", func(n *cpaudit.NewFinding) { n.DocumentIDs = []string{report.ID, loose.ID} }, cpaudit.CodeDocumentNotOfAudit},
		{"a deleted document", func(n *cpaudit.NewFinding) { n.DocumentIDs = []string{gone.ID} }, cpaudit.CodeDocumentNotOfAudit},
		{"no such document", func(n *cpaudit.NewFinding) { n.DocumentIDs = []string{"d-nowhere"} }, cpaudit.CodeDocumentNotOfAudit},
		{"too many documents", func(n *cpaudit.NewFinding) { n.DocumentIDs = make([]string, 101) }, cpaudit.CodeDocumentIDsTooMany},
	} {
		nf := finding(f.audit.ID, cpaudit.CategoryUntrueEvidence, cpaudit.SeverityMajor)
		tc.change(&nf)
		_, err := s.CreateFinding(ctx, f.regulator, nf)
		if cpaudit.ErrorKind(err) != cpaudit.KindUnprocessable || cpaudit.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want 422 %s", tc.name, err, tc.code)
		}
	}
	if _, total, _ := s.Findings(ctx, f.admin, cpaudit.FindingFilter{}); total != 0 {
		t.Fatalf("%d findings recorded by refused requests", total)
	}

	// Due today (China time) is fine; documents repeated are cited once.
	nf := finding(f.audit.ID, cpaudit.CategoryUntrueEvidence, cpaudit.SeverityMajor)
	nf.RectificationDue, nf.DocumentIDs = "2026-12-07", []string{report.ID, report.ID}
	got, err := s.CreateFinding(ctx, f.regulator, nf)
	if err != nil || !slices.Equal(got.DocumentIDs, []string{report.ID}) || got.RectificationDue != "2026-12-07" {
		t.Fatalf("created %+v %v", got, err)
	}
	list, _, err := s.Findings(ctx, f.enterprise, cpaudit.FindingFilter{AuditID: f.audit.ID, State: cpaudit.FindingOpen})
	if err != nil || len(list) != 1 {
		t.Fatalf("read back: %+v %v", list, err)
	}
	back := list[0]
	if back.ID != got.ID || back.Category != cpaudit.CategoryUntrueEvidence || back.Severity != cpaudit.SeverityMajor ||
		back.Description != nf.Description || !slices.Equal(back.DocumentIDs, []string{report.ID}) ||
		back.RectificationDue != "2026-12-07" || !back.CreatedAt.Equal(got.CreatedAt) || back.FlagID != "" {
		t.Errorf("read back %+v, created %+v", back, got)
	}
	if au, _ := s.Audit(ctx, f.admin, f.audit.ID); au.Findings != 1 {
		t.Errorf("the audit counts %d findings", au.Findings)
	}
}

// TestConsultancyEvaluation: the score by severity, the veto by category
// whatever the score, findings counted in the year of their creation
// (China time) and only against the audit's consultancy, and who may read
// which evaluation.
func TestConsultancyEvaluation(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	var now time.Time
	s.now = func() time.Time { return now }
	now = china(2025, 6, 1, 10, 0)
	f := newFixture(t, s, "hebei")
	audit2, err := s.CreateAudit(ctx, f.sys, f.ent.ID, f.cons2.ID)
	if err != nil {
		t.Fatal(err)
	}
	record := func(at time.Time, auditID string, cat cpaudit.FindingCategory, sev cpaudit.FindingSeverity) string {
		t.Helper()
		now = at
		got, err := s.CreateFinding(ctx, f.regulator, finding(auditID, cat, sev))
		if err != nil {
			t.Fatal(err)
		}
		return got.ID
	}
	// 2025 (the last half hour of it in Beijing, still 2025-12-31 in UTC
	// too): a fake report, minor — vetoed with a score of 95.
	veto := record(china(2025, 12, 31, 23, 30), f.audit.ID, cpaudit.CategoryFakeReport, cpaudit.SeverityMinor)
	// 2026 from its first minutes in Beijing (still 2025 in UTC): six
	// major findings and a minor one, no veto category: 100-120-5 → 0.
	record(china(2026, 1, 1, 0, 10), f.audit.ID, cpaudit.CategoryWrongCalculation, cpaudit.SeverityMinor)
	for range 6 {
		record(china(2026, 3, 1, 9, 0), f.audit.ID, cpaudit.CategoryMissingContent, cpaudit.SeverityMajor)
	}
	// The other consultancy's audit: a law breach that is not ours.
	other := record(china(2026, 5, 1, 9, 0), audit2.ID, cpaudit.CategoryLawBreach, cpaudit.SeverityMajor)
	now = china(2026, 12, 7, 9, 0)

	for _, tc := range []struct {
		cons, year    int
		score         int
		vetoed        bool
		vetoes        []string
		found, maj, m int
	}{
		{0, 2025, 95, true, []string{veto}, 1, 0, 1},
		{0, 2026, 0, false, []string{}, 7, 6, 1},
		{0, 2024, 100, false, []string{}, 0, 0, 0},
		{1, 2026, 80, true, []string{other}, 1, 1, 0},
		{1, 0, 80, true, []string{other}, 1, 1, 0}, // this year: 2026
	} {
		id := []string{f.cons.ID, f.cons2.ID}[tc.cons]
		ev, err := s.ConsultancyEvaluation(ctx, f.admin, id, cpaudit.EvalPeriod{Year: tc.year})
		wantYear := tc.year
		if wantYear == 0 {
			wantYear = 2026
		}
		if err != nil || ev.ConsultancyID != id || ev.Year != wantYear || ev.Score != tc.score || ev.Vetoed != tc.vetoed ||
			!slices.Equal(ev.VetoFindingIDs, tc.vetoes) || ev.Findings != tc.found || ev.Major != tc.maj || ev.Minor != tc.m {
			t.Errorf("consultancy %d, %d: %+v %v, want score %d vetoed %v by %v", tc.cons, tc.year, ev, err, tc.score, tc.vetoed, tc.vetoes)
		}
		if b, _ := json.Marshal(ev); !strings.Contains(string(b), `"veto_finding_ids":[`) {
			t.Errorf("veto_finding_ids must be a list: %s", b)
		}
	}

	sjz := cpaudit.Actor{TenantID: f.sys.TenantID, Email: "sjz@hebei.gov.cn", Role: cpaudit.RoleRegulator, Region: "130100"}
	for _, tc := range []struct {
		who  string
		a    cpaudit.Actor
		id   string
		read bool
	}{
		{"admin", f.admin, f.cons.ID, true},
		{"regulator", f.regulator, f.cons2.ID, true},
		{"an office of another city", sjz, f.cons.ID, true},
		{"the firm's consultant", f.consultant, f.cons.ID, true},
		{"a rival's consultant", f.other, f.cons.ID, false},
		{"enterprise", f.enterprise, f.cons.ID, false},
		{"expert", f.expert, f.cons.ID, false},
		{"publisher", f.publisher, f.cons.ID, false},
		{"admin, an enterprise's id", f.admin, f.ent.ID, false},
		{"admin, no such consultancy", f.admin, "o-nowhere", false},
	} {
		_, err := s.ConsultancyEvaluation(ctx, tc.a, tc.id, cpaudit.EvalPeriod{Year: 2026})
		if tc.read != (err == nil) || (!tc.read && cpaudit.ErrorKind(err) != cpaudit.KindNotFound) {
			t.Errorf("%s: %v", tc.who, err)
		}
	}
}
