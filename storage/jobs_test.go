package storage

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

func TestTextJobs(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	g := newFixture(t, s, "beijing")
	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, Filename: "报告.txt", ContentType: "text/plain; charset=utf-8"}, "清洁生产审核报告")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PendingTextJobs(ctx, f.sys.TenantID); n != 1 {
		t.Fatalf("%d pending jobs", n)
	}
	if n, _ := s.PendingTextJobs(ctx, g.sys.TenantID); n != 0 {
		t.Fatalf("other tenant has %d pending jobs", n)
	}
	_, err = s.DocumentText(ctx, f.consultant, d.ID, 0)
	mustKind(t, err, cpaudit.KindNotFound)

	jobs, err := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v %v", jobs, err)
	}
	j := jobs[0]
	if j.DocumentID != d.ID || j.Version != 1 || j.SHA256 != d.Current.SHA256 || j.Attempts != 1 || j.ContentType != "text/plain; charset=utf-8" {
		t.Fatalf("job %+v", j)
	}
	// Leased: not handed out twice.
	if again, _ := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Minute, 0); len(again) != 0 {
		t.Fatalf("claimed twice: %v", again)
	}
	rc, err := s.OpenJobContent(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "清洁生产审核报告" {
		t.Fatalf("content %q", b)
	}
	// A crash: the job comes back after the backoff, counting attempts.
	if err := s.RetryTextJob(ctx, j, errors.New("worker died"), 0); err != nil {
		t.Fatal(err)
	}
	jobs, _ = s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
	if len(jobs) != 1 || jobs[0].Attempts != 2 {
		t.Fatalf("after retry: %+v", jobs)
	}
	if err := s.CompleteTextJob(ctx, jobs[0], cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: "清洁生产审核报告", Meta: map[string]string{"pages": "1"}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PendingTextJobs(ctx, f.sys.TenantID); n != 0 {
		t.Fatalf("%d pending after completion", n)
	}
	txt, err := s.DocumentText(ctx, f.regulator, d.ID, 0)
	if err != nil || txt.Status != cpaudit.TextDone || txt.Text != "清洁生产审核报告" || txt.Meta["pages"] != "1" {
		t.Fatalf("text %+v %v", txt, err)
	}
	doc, _ := s.Document(ctx, f.consultant, d.ID)
	if doc.Current.TextStatus != cpaudit.TextDone {
		t.Fatalf("text status %s", doc.Current.TextStatus)
	}
	_, err = s.DocumentText(ctx, f.other, d.ID, 0)
	mustKind(t, err, cpaudit.KindNotFound)

	// A job that keeps crashing ends as failed with its reason.
	d2, _ := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "坏.pdf"}, "%PDF-broken")
	for i := 0; i < MaxTextAttempts; i++ {
		jobs, _ := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
		if len(jobs) != 1 {
			t.Fatalf("attempt %d: %d jobs", i+1, len(jobs))
		}
		if err := s.RetryTextJob(ctx, jobs[0], errors.New("parser panicked"), 0); err != nil {
			t.Fatal(err)
		}
	}
	txt, err = s.DocumentText(ctx, f.consultant, d2.ID, 0)
	if err != nil || txt.Status != cpaudit.TextFailed || txt.Reason == "" {
		t.Fatalf("after %d crashes: %+v %v", MaxTextAttempts, txt, err)
	}
	if n, _ := s.PendingTextJobs(ctx, f.sys.TenantID); n != 0 {
		t.Fatalf("%d pending", n)
	}
}

// TestReleaseJob: a job handed back by a stopping worker is due at once
// with its attempt not counted; one claimed again since is left alone.
func TestReleaseJob(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	if _, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, Filename: "报告.txt"}, "清洁生产审核报告"); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Hour, 0)
	if err != nil || len(jobs) != 1 || jobs[0].Attempts != 1 {
		t.Fatalf("claim: %+v %v", jobs, err)
	}
	// It is called when the worker's context has ended.
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.ReleaseJob(ended, f.sys.TenantID, jobs[0].ID, jobs[0].Attempts); err != nil {
		t.Fatal(err)
	}
	// Due at once, though its lease had an hour to run; attempt 1 again.
	jobs, _ = s.ClaimTextJobs(ctx, f.sys.TenantID, 10, -time.Second, 0)
	if len(jobs) != 1 || jobs[0].Attempts != 1 {
		t.Fatalf("after release: %+v", jobs)
	}
	// Its lease (already over) let another worker claim it: attempt 2.
	again, _ := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Hour, 0)
	if len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("claimed again: %+v", again)
	}
	// The first worker's late release must not undo the second's claim.
	if err := s.ReleaseJob(ctx, f.sys.TenantID, jobs[0].ID, jobs[0].Attempts); err != nil {
		t.Fatal(err)
	}
	if more, _ := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Hour, 0); len(more) != 0 {
		t.Fatalf("a stale release handed the job out again: %+v", more)
	}
	// Another tenant's id changes nothing there.
	g := newFixture(t, s, "beijing")
	mustKind(t, s.ReleaseJob(ctx, "no-such-tenant", again[0].ID, again[0].Attempts), cpaudit.KindNotFound)
	if err := s.ReleaseJob(ctx, g.sys.TenantID, again[0].ID, again[0].Attempts); err != nil {
		t.Fatal(err)
	}
	if more, _ := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Hour, 0); len(more) != 0 {
		t.Fatalf("a release in another tenant reached this one: %+v", more)
	}
}

// TestReclaimLeases: the leases of a run that died (its store closed
// without releasing them) are free at once when the next server reclaims
// them, with the attempt counted; the current run's leases stay; a job
// whose every run died is given up as failed instead of killing the next.
func TestReclaimLeases(t *testing.T) {
	ctx := context.Background()
	dir, blobs := t.TempDir(), blob.NewMem()
	open := func() *Store {
		s, err := Open(ctx, Config{DataDir: dir, Blobs: blobs, Passwords: cheap})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	first := open()
	f := newFixture(t, first, "hebei")
	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, Filename: "报告.txt"}, "清洁生产审核报告")
	if err != nil {
		t.Fatal(err)
	}
	if jobs, _ := first.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Hour, 0); len(jobs) != 1 {
		t.Fatalf("first claim: %+v", jobs)
	}
	first.Close() // killed: nothing released

	next := open()
	if jobs, _ := next.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Hour, 0); len(jobs) != 0 {
		t.Fatalf("the dead run's lease was not held until reclaimed: %+v", jobs)
	}
	if n, err := next.ReclaimLeases(ctx); err != nil || n != 1 {
		t.Fatalf("reclaim: %d %v", n, err)
	}
	jobs, _ := next.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Hour, 0)
	if len(jobs) != 1 || jobs[0].Attempts != 2 {
		t.Fatalf("after reclaim: %+v", jobs)
	}
	// Its own lease is not another run's.
	if n, _ := next.ReclaimLeases(ctx); n != 0 {
		t.Fatalf("reclaimed %d of its own leases", n)
	}
	if again, _ := next.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Hour, 0); len(again) != 0 {
		t.Fatalf("claimed twice: %+v", again)
	}
	next.Close()

	// Two more runs die on it; the fourth claim gives it up.
	for run := 3; run <= MaxTextAttempts+1; run++ {
		s := open()
		if n, _ := s.ReclaimLeases(ctx); n != 1 {
			t.Fatalf("run %d reclaimed %d", run, n)
		}
		jobs, err := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Hour, 0)
		if err != nil {
			t.Fatal(err)
		}
		if run <= MaxTextAttempts {
			if len(jobs) != 1 || jobs[0].Attempts != run {
				t.Fatalf("run %d: %+v", run, jobs)
			}
			s.Close()
			continue
		}
		if len(jobs) != 0 {
			t.Fatalf("a job that killed %d runs was handed out again: %+v", MaxTextAttempts, jobs)
		}
		doc, _ := s.Document(ctx, f.consultant, d.ID)
		txt, _ := s.DocumentText(ctx, f.consultant, d.ID, 0)
		if doc.Current.TextStatus != cpaudit.TextFailed || !strings.Contains(txt.Reason, "stopped") {
			t.Fatalf("given up as %s %q", doc.Current.TextStatus, txt.Reason)
		}
		if n, _ := s.PendingTextJobs(ctx, f.sys.TenantID); n != 0 {
			t.Fatalf("%d extraction jobs left", n)
		}
	}
}
