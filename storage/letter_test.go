package storage

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

func (f *fixture) stage(t *testing.T, content string) *Staged {
	t.Helper()
	st, err := f.s.stage(strings.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestLetterVersionsAndJobs: a letter is one document of its audit; a
// change of its batch's dates queues a job per letter, which adds a
// version; a rename queues none.
func TestLetterVersionsAndJobs(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	b, err := s.CreateBatch(ctx, f.regulator, cpaudit.Batch{Year: 2025, Number: 1, Name: "第一批",
		Obligations: cpaudit.Obligations{Disclose: "2025-03-31"}})
	if err != nil {
		t.Fatal(err)
	}
	au, err := s.StartAudit(ctx, f.regulator, cpaudit.NewAudit{EnterpriseID: f.ent.ID, ConsultancyID: f.cons.ID, BatchID: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Letter(ctx, f.regulator, au.ID); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Fatalf("letter before generating: %v", err)
	}
	d, err := s.SaveLetter(ctx, f.regulator, au.ID, f.stage(t, "第一版"))
	if err != nil || d.Kind != cpaudit.DocOther || d.Title != LetterTitle || d.AuditID != au.ID || d.Current.Number != 1 {
		t.Fatalf("first letter: %+v %v", d, err)
	}
	// The audit's consultant and enterprise read it.
	for _, a := range []cpaudit.Actor{f.consultant, f.enterprise} {
		if got, err := s.Letter(ctx, a, au.ID); err != nil || got.ID != d.ID {
			t.Errorf("%s reading the letter: %v", a.Email, err)
		}
	}
	if _, err := s.Letter(ctx, f.other, au.ID); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Errorf("another consultancy reads the letter: %v", err)
	}
	for _, a := range []cpaudit.Actor{f.consultant, f.enterprise, f.expert} {
		if _, err := s.SaveLetter(ctx, a, au.ID, f.stage(t, "x")); !cpaudit.IsKind(err, cpaudit.KindConflict) {
			t.Errorf("%s generating: %v", a.Email, err)
		}
	}
	name := "第一批（调整）"
	if _, err := s.UpdateBatch(ctx, f.regulator, b.ID, cpaudit.BatchPatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := s.ClaimLetterJobs(ctx, f.sys.TenantID, 10, time.Minute); len(jobs) != 0 {
		t.Fatalf("a rename queued %d letter jobs", len(jobs))
	}
	date := "2025-04-30"
	if _, err := s.UpdateBatch(ctx, f.regulator, b.ID, cpaudit.BatchPatch{Obligations: map[string]*string{"disclose": &date}}); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimLetterJobs(ctx, f.sys.TenantID, 10, time.Minute)
	if err != nil || len(jobs) != 1 || jobs[0].AuditID != au.ID || jobs[0].DocumentID != d.ID {
		t.Fatalf("jobs after a date change: %+v %v", jobs, err)
	}
	// Leased: not handed out twice.
	if again, _ := s.ClaimLetterJobs(ctx, f.sys.TenantID, 10, time.Minute); len(again) != 0 {
		t.Fatalf("a leased job was handed out again")
	}
	d2, err := s.CompleteLetterJob(ctx, jobs[0], f.stage(t, "第二版"))
	if err != nil || d2.ID != d.ID || d2.Current.Number != 2 || d2.Current.UploadedBy != "system" {
		t.Fatalf("regenerated: %+v %v", d2.Current, err)
	}
	db := f.db(t)
	var n int
	db.QueryRow(`SELECT count(*) FROM jobs WHERE kind = ?`, jobLetter).Scan(&n)
	if n != 0 {
		t.Errorf("%d letter jobs left", n)
	}
	log, err := s.ObjectLog(ctx, f.admin, "document", d.ID, 10)
	if err != nil || len(log) != 2 {
		t.Fatalf("document log: %d entries, %v", len(log), err)
	}
}

func TestLetterTemplateStore(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	g := newFixture(t, s, "beijing")
	ctx := context.Background()
	if _, _, err := s.LetterTemplate(ctx, f.consultant); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Fatalf("no template yet: %v", err)
	}
	mustKind(t, s.SetLetterTemplate(ctx, f.consultant, []byte("docx"), "a.docx"), cpaudit.KindConflict)
	if err := s.SetLetterTemplate(ctx, f.regulator, []byte("docx"), "../模板.docx"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLetterTemplate(ctx, f.admin, []byte("docx2"), "模板2.docx"); err != nil {
		t.Fatal(err)
	}
	got, name, err := s.LetterTemplate(ctx, f.enterprise)
	if err != nil || string(got) != "docx2" || name != "模板2.docx" {
		t.Fatalf("template: %q %q %v", got, name, err)
	}
	if _, _, err := s.LetterTemplate(ctx, g.admin); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Errorf("another tenant sees the template: %v", err)
	}
	log, err := s.ObjectLog(ctx, f.admin, "letter_template", "1", 10)
	if err != nil || len(log) != 2 {
		t.Errorf("template log: %d entries, %v", len(log), err)
	}
}

func TestSetAuditConsultancy(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	g := newFixture(t, s, "beijing")
	ctx := context.Background()
	tests := []struct {
		name string
		a    cpaudit.Actor
		cons string
		kind cpaudit.Kind // 0: succeeds
	}{
		{"consultant", f.consultant, f.cons2.ID, cpaudit.KindConflict},
		{"enterprise", f.enterprise, "", cpaudit.KindConflict},
		{"expert", f.expert, "", cpaudit.KindConflict},
		{"other consultancy", f.other, f.cons2.ID, cpaudit.KindNotFound},
		{"other tenant", g.admin, "", cpaudit.KindNotFound},
		{"not a consultancy", f.regulator, f.ent.ID, cpaudit.KindUnprocessable},
		{"unknown", f.regulator, "o_nope", cpaudit.KindNotFound},
		{"regulator", f.regulator, f.cons2.ID, 0},
		{"self-audit", f.admin, "", 0},
	}
	for _, tt := range tests {
		au, err := s.SetAuditConsultancy(ctx, tt.a, f.audit.ID, tt.cons)
		if tt.kind != 0 {
			if !cpaudit.IsKind(err, tt.kind) {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.kind)
			}
			continue
		}
		if err != nil || au.ConsultancyID != tt.cons {
			t.Errorf("%s: %q %v", tt.name, au.ConsultancyID, err)
		}
	}
	// The new consultancy sees the audit; the parties are readable to it.
	if _, err := s.SetAuditConsultancy(ctx, f.regulator, f.audit.ID, f.cons2.ID); err != nil {
		t.Fatal(err)
	}
	ent, cons, err := s.AuditParties(ctx, f.other, f.audit.ID)
	if err != nil || ent.ID != f.ent.ID || cons.ID != f.cons2.ID {
		t.Errorf("parties as the new consultancy: %v", err)
	}
	if _, _, err := s.AuditParties(ctx, f.consultant, f.audit.ID); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Errorf("the former consultancy still sees the audit: %v", err)
	}
	log, err := s.ObjectLog(ctx, f.admin, "audit", f.audit.ID, 20)
	if err != nil {
		t.Fatal(err)
	}
	changes := 0
	for _, e := range log {
		if e.Action == "audit.consultancy" {
			changes++
		}
	}
	if changes != 3 {
		t.Errorf("%d consultancy changes logged, want 3", changes)
	}
}

// A letter job that keeps failing is tried MaxLetterAttempts times, each
// after its lease, and then dropped, so it cannot come back for ever.
func TestLetterJobGivesUp(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	b, err := s.CreateBatch(ctx, f.regulator, cpaudit.Batch{Year: 2025, Number: 2, Name: "第二批",
		Obligations: cpaudit.Obligations{Disclose: "2025-03-31"}})
	if err != nil {
		t.Fatal(err)
	}
	au, err := s.StartAudit(ctx, f.regulator, cpaudit.NewAudit{EnterpriseID: f.ent.ID, ConsultancyID: f.cons.ID, BatchID: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveLetter(ctx, f.regulator, au.ID, f.stage(t, "通知书")); err != nil {
		t.Fatal(err)
	}
	date := "2025-05-31"
	if _, err := s.UpdateBatch(ctx, f.regulator, b.ID, cpaudit.BatchPatch{Obligations: map[string]*string{"disclose": &date}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for attempt := 1; attempt <= MaxLetterAttempts; attempt++ {
		s.now = func() time.Time { return now }
		jobs, err := s.ClaimLetterJobs(ctx, f.sys.TenantID, 10, time.Minute)
		if err != nil || len(jobs) != 1 || jobs[0].Attempts != attempt {
			t.Fatalf("attempt %d: %+v %v", attempt, jobs, err)
		}
		gaveUp, err := s.FailLetterJob(ctx, jobs[0])
		if err != nil || gaveUp != (attempt == MaxLetterAttempts) {
			t.Fatalf("attempt %d: gave up %v, %v", attempt, gaveUp, err)
		}
		now = now.Add(2 * time.Minute) // past the lease
	}
	s.now = func() time.Time { return now.Add(time.Hour) }
	if jobs, err := s.ClaimLetterJobs(ctx, f.sys.TenantID, 10, time.Minute); err != nil || len(jobs) != 0 {
		t.Fatalf("after giving up: %+v %v", jobs, err)
	}
}
