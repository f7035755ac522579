package storage

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// events lists the notification events of an actor, oldest first.
func events(t *testing.T, s *Store, a cpaudit.Actor) []cpaudit.NotificationEvent {
	t.Helper()
	list, total, _, err := s.Notifications(context.Background(), a, 100, 0)
	if err != nil || total != len(list) {
		t.Fatalf("notifications of %s: %d of %d, %v", a.Email, len(list), total, err)
	}
	var out []cpaudit.NotificationEvent
	for _, n := range slices.Backward(list) {
		out = append(out, n.Event)
	}
	return out
}

// TestNotifications: who hears of what. A finding tells the audit's
// consultancy and enterprise users (nobody else, not the recorder); an
// answer tells the recorder; a return and a closing tell the parties; the
// daily sweep announces an order due within 7 days and an overdue one
// once each, however often it runs; each user marks its own read; the
// digest carries what was not mailed, once.
func TestNotifications(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	var now time.Time
	s.now = func() time.Time { return now }
	now = china(2026, 12, 1, 9, 0)
	f := newFixture(t, s, "hebei")
	nf := finding(f.audit.ID, cpaudit.CategoryUntrueEvidence, cpaudit.SeverityMajor)
	nf.RectificationDue = "2026-12-10"
	order, err := s.CreateFinding(ctx, f.regulator, nf)
	if err != nil {
		t.Fatal(err)
	}
	created := []cpaudit.NotificationEvent{cpaudit.NotifyFindingCreated}
	for _, tc := range []struct {
		who  string
		a    cpaudit.Actor
		want []cpaudit.NotificationEvent
	}{
		{"consultant", f.consultant, created}, {"enterprise", f.enterprise, created},
		{"recorder", f.regulator, nil}, {"admin", f.admin, nil}, {"rival", f.other, nil}, {"expert", f.expert, nil},
	} {
		if got := events(t, s, tc.a); !slices.Equal(got, tc.want) {
			t.Errorf("after recording, %s has %v, want %v", tc.who, got, tc.want)
		}
	}
	// The sweep on the 1st: due on the 10th is more than 7 days away.
	if n, err := s.SweepNotifications(ctx, f.sys.TenantID); n != 0 || err != nil {
		t.Errorf("sweep on the 1st: %d %v", n, err)
	}
	// On the 3rd it is due within 7 days: both parties hear, once.
	now = china(2026, 12, 3, 7, 30)
	for range 2 {
		if n, err := s.SweepNotifications(ctx, f.sys.TenantID); err != nil {
			t.Fatal(err)
		} else if n != 0 && n != 2 {
			t.Errorf("sweep on the 3rd wrote %d", n)
		}
	}
	if got := events(t, s, f.consultant); !slices.Equal(got, []cpaudit.NotificationEvent{cpaudit.NotifyFindingCreated, cpaudit.NotifyDueSoon}) {
		t.Errorf("due soon: %v", got)
	}
	// The consultant answers: the recorder hears; it sends back: the
	// parties hear; answered again.
	now = china(2026, 12, 3, 10, 0)
	if _, err := s.AnswerFinding(ctx, f.consultant, order.ID, cpaudit.FindingChange{Text: "已更换佐证照片"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReturnFinding(ctx, f.regulator, order.ID, cpaudit.FindingChange{Reason: "照片仍不清晰"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AnswerFinding(ctx, f.enterprise, order.ID, cpaudit.FindingChange{Text: "重新拍摄"}); err != nil {
		t.Fatal(err)
	}
	if got := events(t, s, f.regulator); !slices.Equal(got, []cpaudit.NotificationEvent{cpaudit.NotifyFindingAnswered, cpaudit.NotifyFindingAnswered}) {
		t.Errorf("recorder: %v", got)
	}
	if got := events(t, s, f.enterprise); !slices.Equal(got, []cpaudit.NotificationEvent{cpaudit.NotifyFindingCreated, cpaudit.NotifyDueSoon, cpaudit.NotifyFindingReturned}) {
		t.Errorf("enterprise: %v", got)
	}
	// A second order, open past its due date: overdue to the parties and
	// the recorder, once.
	nf.RectificationDue = "2026-12-04"
	late, err := s.CreateFinding(ctx, f.regulator, nf)
	if err != nil {
		t.Fatal(err)
	}
	now = china(2026, 12, 5, 7, 30)
	if _, err := s.SweepNotifications(ctx, f.sys.TenantID); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SweepNotifications(ctx, f.sys.TenantID); n != 0 || err != nil {
		t.Errorf("a second sweep wrote %d %v", n, err)
	}
	if got := events(t, s, f.regulator); !slices.Equal(got, []cpaudit.NotificationEvent{cpaudit.NotifyFindingAnswered, cpaudit.NotifyFindingAnswered, cpaudit.NotifyOverdue}) {
		t.Errorf("recorder after the overdue sweep: %v", got)
	}
	list, _, unread, err := s.Notifications(ctx, f.consultant, 100, 0)
	if err != nil || unread != 5 || list[0].Event != cpaudit.NotifyOverdue || list[0].FindingID != late.ID || list[0].EnterpriseName != f.ent.Name ||
		list[0].Category != cpaudit.CategoryUntrueEvidence || list[0].RectificationDue != "2026-12-04" {
		t.Errorf("consultant's list: %+v unread %d %v", list, unread, err)
	}

	// Marking read: one, then all; another user's id changes nothing.
	if err := s.MarkNotificationsRead(ctx, f.other, []string{list[0].ID}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.UnreadNotifications(ctx, f.consultant); n != 5 {
		t.Errorf("a rival marked the consultant's notification: %d unread", n)
	}
	if err := s.MarkNotificationsRead(ctx, f.consultant, []string{list[0].ID}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.UnreadNotifications(ctx, f.consultant); n != 4 {
		t.Errorf("after marking one: %d unread", n)
	}
	if err := s.MarkNotificationsRead(ctx, f.consultant, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.UnreadNotifications(ctx, f.consultant); n != 0 {
		t.Errorf("after marking all: %d unread", n)
	}

	// The digest: every user with notifications, once.
	digests, err := s.Digests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byEmail := map[string]int{}
	for _, d := range digests {
		byEmail[d.Email] = len(d.Items)
		if err := s.MarkDigestSent(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if byEmail[f.consultant.Email] != 5 || byEmail[f.enterprise.Email] != 5 || byEmail[f.regulator.Email] != 3 || len(byEmail) != 3 {
		t.Errorf("digests: %v", byEmail)
	}
	if again, err := s.Digests(ctx); err != nil || len(again) != 0 {
		t.Errorf("digests after sending: %d %v", len(again), err)
	}
}

// TestRankingAndExperts: the ranking puts a vetoed firm below one with a
// lower score; the experts' record counts reviews on time and late by the
// tenant's review days; who may read which.
func TestRankingAndExperts(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	var now time.Time
	s.now = func() time.Time { return now }
	now = china(2026, 3, 1, 9, 0)
	f := newFixture(t, s, "hebei")
	audit2, err := s.CreateAudit(ctx, f.sys, f.ent.ID, f.cons2.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 绿源: one minor veto finding (95, vetoed); 蓝天: two major (60).
	if _, err := s.CreateFinding(ctx, f.regulator, finding(f.audit.ID, cpaudit.CategoryFalsifiedData, cpaudit.SeverityMinor)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.CreateFinding(ctx, f.regulator, finding(audit2.ID, cpaudit.CategoryOther, cpaudit.SeverityMajor)); err != nil {
			t.Fatal(err)
		}
	}
	ranking, w, err := s.ConsultancyRanking(ctx, f.regulator, cpaudit.EvalPeriod{Year: 2026})
	if err != nil || len(ranking) != 2 || w != cpaudit.DefaultEvaluationWeights() {
		t.Fatalf("ranking: %+v %v", ranking, err)
	}
	if ranking[0].ConsultancyID != f.cons2.ID || ranking[0].Score != 60 || ranking[1].ConsultancyID != f.cons.ID || ranking[1].Score != 95 ||
		!ranking[1].Vetoed || ranking[1].Name != f.cons.Name {
		t.Errorf("ranking: %+v, want 蓝天 60 above the vetoed 绿源 95", ranking)
	}
	// The weights are the tenant's: an admin sets them, no one else.
	w.Major = 10
	if _, err := s.SaveEvaluationWeights(ctx, f.regulator, w); cpaudit.ErrorCode(err) != cpaudit.CodeEvaluationWeightsNotAllowed {
		t.Errorf("a regulator set weights: %v", err)
	}
	if _, err := s.SaveEvaluationWeights(ctx, f.admin, w); err != nil {
		t.Fatal(err)
	}
	if ev, err := s.ConsultancyEvaluation(ctx, f.other, f.cons2.ID, cpaudit.EvalPeriod{}); err != nil || ev.Score != 80 || ev.Weights.Major != 10 {
		t.Errorf("with the tenant's weights: %+v %v, want 80", ev, err)
	}
	// A quarter: the findings of March are in Q1, none in Q2.
	if ev, _ := s.ConsultancyEvaluation(ctx, f.admin, f.cons2.ID, cpaudit.EvalPeriod{Year: 2026, Quarter: 2}); ev.Findings != 0 || ev.Score != 100 {
		t.Errorf("Q2: %+v", ev)
	}
	for _, who := range []cpaudit.Actor{f.consultant, f.enterprise, f.expert, f.publisher} {
		if _, _, err := s.ConsultancyRanking(ctx, who, cpaudit.EvalPeriod{}); cpaudit.ErrorKind(err) != cpaudit.KindNotFound {
			t.Errorf("%s ranks: %v", who.Role, err)
		}
	}

	// Experts: three assignments made on March 1st; one reviewed within
	// 15 days, one after 20, one pending (past 15 days on April 1st).
	db, err := s.tenantDB(ctx, f.sys.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) int64 { return micros(china(2026, 3, d, 9, 0)) }
	must := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	must(`INSERT INTO campaigns (id, name, stage, filter, size, seed, strata, population, audit_ids, scope, created_by, created_at)
		VALUES ('c1', '2026年评估抽查', 'assessment', '{}', 2, 1, '[]', 2, '[]', '', 'admin', ?)`, day(1))
	for i, au := range []string{f.audit.ID, audit2.ID, f.audit.ID} {
		camp := "c1"
		if i == 2 {
			must(`INSERT INTO campaigns (id, name, stage, filter, size, seed, strata, population, audit_ids, scope, created_by, created_at)
				VALUES ('c2', '2026年验收抽查', 'acceptance', '{}', 1, 1, '[]', 1, '[]', '', 'admin', ?)`, day(1))
			camp = "c2"
		}
		must(`INSERT INTO review_assignments (id, campaign_id, audit_id, expert_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			"r"+string(rune('a'+i)), camp, au, f.expert.UserID, day(1))
	}
	must(`INSERT INTO reviews (assignment_id, items, vetoes, comment, score, submitted_at) VALUES ('ra', '[]', '[]', '符合', 90, ?)`, day(10))
	must(`INSERT INTO reviews (assignment_id, items, vetoes, comment, score, submitted_at) VALUES ('rb', '[]', '[]', '基本符合', 70, ?)`, day(21))
	now = china(2026, 4, 1, 9, 0)
	recs, err := s.ExpertRecords(ctx, f.regulator, cpaudit.EvalPeriod{Year: 2026})
	if err != nil || len(recs) != 1 {
		t.Fatalf("records: %+v %v", recs, err)
	}
	want := cpaudit.ExpertRecord{ExpertID: f.expert.UserID, Email: f.expert.Email, Assigned: 3, Done: 2, OnTime: 1, Late: 1, Pending: 1, Overdue: 1, AverageScore: 80}
	if recs[0] != want {
		t.Errorf("record %+v, want %+v", recs[0], want)
	}
	if own, err := s.ExpertRecords(ctx, f.expert, cpaudit.EvalPeriod{Year: 2026}); err != nil || len(own) != 1 || own[0].Email != f.expert.Email {
		t.Errorf("the expert's own: %+v %v", own, err)
	}
	if _, err := s.ExpertRecords(ctx, f.consultant, cpaudit.EvalPeriod{}); cpaudit.ErrorKind(err) != cpaudit.KindNotFound {
		t.Errorf("a consultant reads the experts: %v", err)
	}
	// The review scores weigh in the firms' scores: 绿源's audit has a
	// review of 90 (and a pending one), 蓝天's one of 70.
	// 绿源: 0.6×95 + 0.4×90 = 93 (still vetoed); 蓝天 (major 10 now): 0.6×80 + 0.4×70 = 76.
	ranking, _, _ = s.ConsultancyRanking(ctx, f.admin, cpaudit.EvalPeriod{Year: 2026})
	if ranking[0].Score != 76 || ranking[1].Score != 93 || !ranking[1].Vetoed || ranking[1].Reviews != 1 {
		t.Errorf("with reviews: %+v", ranking)
	}
}
