package storage

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// testClock is a clock tests move by hand.
type testClock struct{ us atomic.Int64 }

func (c *testClock) now() time.Time { return time.UnixMicro(c.us.Load()) }
func (c *testClock) set(s string)   { c.us.Store(chinaTime(s).UnixMicro()) }
func chinaTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cpaudit.ChinaLocation())
	if err != nil {
		panic(err)
	}
	return t
}

func newClockedStore(t *testing.T, start string) (*Store, *testClock) {
	t.Helper()
	c := &testClock{}
	c.set(start)
	s, err := Open(context.Background(), Config{DataDir: t.TempDir(), Blobs: blob.NewMem(), Passwords: cheap, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

func overdueOf(t *testing.T, s *Store, a cpaudit.Actor, auditID string) []string {
	t.Helper()
	rows, _, err := s.Audits(context.Background(), a, cpaudit.AuditListFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ID == auditID {
			return r.Overdue
		}
	}
	t.Fatalf("audit %s not listed", auditID)
	return nil
}

func noticeCount(t *testing.T, s *Store, a cpaudit.Actor) int {
	t.Helper()
	_, n, err := s.Notices(context.Background(), a, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeadlinesFollowEvents: progress moves in the transaction of each
// step transition, milestone and batch date change, and the daily
// recomputation finds what passing dates make overdue, once.
func TestDeadlinesFollowEvents(t *testing.T) {
	s, clock := newClockedStore(t, "2026-01-10 10:00")
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	b, err := s.CreateBatch(ctx, f.admin, cpaudit.Batch{Year: 2026, Number: 1, Name: "2026年第一批", Obligations: cpaudit.Obligations{
		Register: "2026-01-31", Disclose: "2026-02-28", ApplyAssessment: "2026-06-30", AcceptanceDone: "2026-12-31"}})
	if err != nil {
		t.Fatal(err)
	}
	au, err := s.StartAudit(ctx, f.admin, cpaudit.NewAudit{EnterpriseID: f.ent.ID, ConsultancyID: f.cons.ID, BatchID: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := overdueOf(t, s, f.regulator, au.ID); len(got) != 0 {
		t.Fatalf("a new audit is overdue on %v", got)
	}

	// On its due date registration is not overdue; the day after it is.
	clock.set("2026-01-31 23:00")
	if n, err := s.RecomputeDeadlines(ctx, f.sys.TenantID); err != nil || n != 0 {
		t.Fatalf("recompute on the due date: %d, %v", n, err)
	}
	clock.set("2026-02-01 01:00")
	if n, err := s.RecomputeDeadlines(ctx, f.sys.TenantID); err != nil || n != 1 {
		t.Fatalf("recompute the day after: %d newly overdue, %v; want 1", n, err)
	}
	if got := overdueOf(t, s, f.regulator, au.ID); len(got) != 1 || got[0] != "register" {
		t.Fatalf("overdue %v, want [register]", got)
	}
	// Recomputing again records no second notice.
	if n, err := s.RecomputeDeadlines(ctx, f.sys.TenantID); err != nil || n != 0 {
		t.Fatalf("second recompute: %d, %v", n, err)
	}
	for _, c := range []struct {
		who  cpaudit.Actor
		want int
	}{{f.regulator, 1}, {f.consultant, 1}, {f.enterprise, 1}, {f.other, 0}, {f.publisher, 0}} {
		if got := noticeCount(t, s, c.who); got != c.want {
			t.Errorf("%s sees %d notices, want %d", c.who.Email, got, c.want)
		}
	}
	list, _, err := s.Overdue(ctx, f.regulator, cpaudit.AuditListFilter{})
	if err != nil || len(list) != 1 || list[0].Obligation != "register" || list[0].DaysOverdue != 1 {
		t.Fatalf("overdue list %+v, %v", list, err)
	}

	// The consultancy starts work: registration is met at once.
	if _, err := s.TransitionStep(ctx, f.consultant, au.ID, 1, cpaudit.StepChange{Action: cpaudit.StepSubmit}); err != nil {
		t.Fatal(err)
	}
	if got := overdueOf(t, s, f.regulator, au.ID); len(got) != 0 {
		t.Fatalf("after the first step, overdue %v", got)
	}

	// Milestones: the role and the order are checked.
	_, err = s.RecordMilestone(ctx, f.consultant, au.ID, cpaudit.NewMilestone{Obligation: "disclose", Date: "2026-02-01"})
	mustKind(t, err, cpaudit.KindConflict)
	_, err = s.RecordMilestone(ctx, f.other, au.ID, cpaudit.NewMilestone{Obligation: "disclose", Date: "2026-02-01"})
	mustKind(t, err, cpaudit.KindNotFound)
	_, err = s.RecordMilestone(ctx, f.regulator, au.ID, cpaudit.NewMilestone{Obligation: "assessment_done", Date: "2026-02-01", Result: "pass"})
	mustKind(t, err, cpaudit.KindConflict)
	m, err := s.RecordMilestone(ctx, f.regulator, au.ID, cpaudit.NewMilestone{Obligation: "disclose", Date: "2026-02-01", Note: "已在官网公开"})
	if err != nil {
		t.Fatal(err)
	}
	log, err := s.ObjectLog(ctx, f.admin, "audit", au.ID, 10)
	if err != nil || log[0].Action != "audit.milestone" {
		t.Fatalf("log %+v, %v", log, err)
	}
	d, err := s.Deadlines(ctx, f.enterprise, au.ID)
	if err != nil || d.Obligations[1].MetOn != "2026-02-01" || len(d.Milestones) != 1 || d.Milestones[0].ID != m.ID {
		t.Fatalf("deadlines %+v, %v", d, err)
	}

	// Moving a due date into the past makes the audit overdue in the
	// same transaction, with a notice.
	reg, disc, past := "2026-01-15", "2026-01-20", "2026-01-25"
	if _, err := s.UpdateBatch(ctx, f.admin, b.ID, cpaudit.BatchPatch{Obligations: map[string]*string{
		"register": &reg, "disclose": &disc, "apply_assessment": &past}}); err != nil {
		t.Fatal(err)
	}
	if got := overdueOf(t, s, f.regulator, au.ID); len(got) != 1 || got[0] != "apply_assessment" {
		t.Fatalf("after the batch change, overdue %v", got)
	}
	if got := noticeCount(t, s, f.consultant); got != 2 {
		t.Errorf("consultant sees %d notices, want 2", got)
	}

	// Carried into a later batch, the audit leaves its obligations behind;
	// the new audit, in the later batch, has none due yet.
	later, err := s.CreateBatch(ctx, f.admin, cpaudit.Batch{Year: 2027, Number: 1, Name: "2027年第一批",
		Obligations: cpaudit.Obligations{Register: "2027-01-31"}})
	if err != nil {
		t.Fatal(err)
	}
	carried, err := s.CarryAudit(ctx, f.admin, au.ID, later.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := overdueOf(t, s, f.regulator, au.ID); len(got) != 0 {
		t.Errorf("the carried audit is still overdue on %v", got)
	}
	if got := overdueOf(t, s, f.regulator, carried.ID); len(got) != 0 {
		t.Errorf("the new audit is overdue on %v", got)
	}
	if n, err := s.RecomputeDeadlines(ctx, f.sys.TenantID); err != nil || n != 0 {
		t.Errorf("recomputing after the carry: %d newly overdue, %v", n, err)
	}

	// Stalled: no change for N days. The fixture's own audit (no batch)
	// has not moved since 10 January, ours and the carried one since
	// 1 February.
	clock.set("2026-03-05 10:00")
	for _, c := range []struct{ days, want int }{{30, 3}, {40, 1}, {60, 0}} {
		if _, n, err := s.Audits(ctx, f.regulator, cpaudit.AuditListFilter{StalledDays: c.days}); err != nil || n != c.want {
			t.Errorf("stalled %d days: %d audits (%v), want %d", c.days, n, err, c.want)
		}
	}
}

// TestAuditListFilters: every dashboard number is the total of the list
// filtered by its key, and a regional office sees only its region.
func TestAuditListFilters(t *testing.T) {
	s, _ := newClockedStore(t, "2026-03-01 10:00")
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	regions := []string{"130102", "130104", "130203", "130600", "130102"}
	for i, region := range regions {
		e, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "企业" + region + string(rune('甲'+i)),
			CreditCode: code("91130100MA0E0000" + string(rune('0'+i))), Industry: []string{"C2710", "C2620", "D4411", "C1713", "C2710"}[i], Region: region})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAudit(ctx, f.sys, e.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	d, err := s.Dashboard(ctx, f.regulator, 30)
	if err != nil {
		t.Fatal(err)
	}
	if d.Total != 6 { // the fixture's audit (130600) and five more
		t.Fatalf("total %d", d.Total)
	}
	check := func(name string, counts []cpaudit.Count, filter func(key string) cpaudit.AuditListFilter) {
		for _, c := range counts {
			_, n, err := s.Audits(ctx, f.regulator, filter(c.Key))
			if err != nil || n != c.Count {
				t.Errorf("%s %s: dashboard %d, list %d (%v)", name, c.Key, c.Count, n, err)
			}
		}
	}
	check("phase", d.ByPhase, func(k string) cpaudit.AuditListFilter { return cpaudit.AuditListFilter{Phase: k} })
	check("industry", d.ByIndustry, func(k string) cpaudit.AuditListFilter { return cpaudit.AuditListFilter{Industry: k} })
	check("city", d.ByCity, func(k string) cpaudit.AuditListFilter { return cpaudit.AuditListFilter{Region: k} })
	check("county", d.ByCounty, func(k string) cpaudit.AuditListFilter { return cpaudit.AuditListFilter{Region: k} })
	if len(d.ByCity) != 3 || d.ByCity[0] != (cpaudit.Count{Key: "130100", Count: 3}) {
		t.Errorf("cities %+v", d.ByCity)
	}

	office, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "唐山市生态环境局", Region: "130200"})
	if err != nil {
		t.Fatal(err)
	}
	tangshan := f.regulator
	tangshan.OrgID, tangshan.Region = office.ID, "130200"
	rows, n, err := s.Audits(ctx, tangshan, cpaudit.AuditListFilter{})
	if err != nil || n != 1 || rows[0].Region != "130203" {
		t.Fatalf("Tangshan sees %d audits (%v)", n, err)
	}
	if _, n, _ := s.Audits(ctx, tangshan, cpaudit.AuditListFilter{Region: "130100"}); n != 0 {
		t.Errorf("Tangshan sees %d audits of Shijiazhuang", n)
	}
	// An enterprise that moves to Tangshan moves with its audit: the
	// copies in audit_progress follow organisations (a trigger).
	db := f.db(t)
	if _, err := db.ExecContext(ctx, `UPDATE organisations SET region = '130207', name = '唐山新址印染' WHERE id = ?`, f.ent.ID); err != nil {
		t.Fatal(err)
	}
	rows, n, err = s.Audits(ctx, tangshan, cpaudit.AuditListFilter{Region: "130207"})
	if err != nil || n != 1 || rows[0].EnterpriseName != "唐山新址印染" {
		t.Errorf("after the move Tangshan sees %d audits in 130207 (%v)", n, err)
	}
	for _, bad := range []cpaudit.AuditListFilter{{Region: "13"}, {Industry: "27"}, {Phase: "P8"}, {Overdue: "soon"}, {StalledDays: -1}} {
		_, _, err := s.Audits(ctx, f.regulator, bad)
		mustKind(t, err, cpaudit.KindInvalid)
	}
}
