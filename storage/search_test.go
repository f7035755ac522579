package storage

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// TestSearchScopeStale checks the documents SearchScope hands the index
// to be judged by the database: those whose readers changed (an
// enterprise moved, an audit reassigned) or that were deleted, until the
// indexer has completed their jobs, and a regional office's documents of
// its region outside audits.
func TestSearchScopeStale(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	tenant := f.sys.TenantID
	// drain extracts and indexes everything queued, as the pipeline would.
	drain := func() {
		t.Helper()
		texts, err := s.ClaimTextJobs(ctx, tenant, 100, time.Minute, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range texts {
			if err := s.CompleteTextJob(ctx, j, cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: "节水方案"}); err != nil {
				t.Fatal(err)
			}
		}
		jobs, err := s.ClaimIndexJobs(ctx, tenant, 100, time.Minute, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, j := range jobs {
			ids = append(ids, j.ID)
		}
		if err := s.CompleteIndexJobs(ctx, tenant, ids); err != nil {
			t.Fatal(err)
		}
	}
	office := func(region string) cpaudit.Actor {
		o, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: region + "生态环境局", Region: region})
		if err != nil {
			t.Fatal(err)
		}
		a := f.regulator
		a.OrgID, a.Region = o.ID, region
		return a
	}
	baoding, sjz := office("130600"), office("130100")
	report, err := f.upload(t, f.enterprise, cpaudit.NewDocument{Kind: cpaudit.DocReport, AuditID: f.audit.ID, Filename: "r.txt"}, "节水方案")
	if err != nil {
		t.Fatal(err)
	}
	note, err := f.upload(t, f.enterprise, cpaudit.NewDocument{Kind: cpaudit.DocOther, Filename: "n.txt"}, "节水方案")
	if err != nil {
		t.Fatal(err)
	}
	drain()

	// stale lists a's Stale documents as "id" or "id (unreadable)".
	stale := func(a cpaudit.Actor) []string {
		t.Helper()
		sc, err := s.SearchScope(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, src := range sc.Stale {
			name := map[string]string{report.ID: "report", note.ID: "note"}[src.DocumentID]
			if src.Absent {
				name += " (unreadable)"
			} else if src.Region == "" {
				t.Errorf("stale %s without its region: %+v", name, src)
			}
			out = append(out, name)
		}
		slices.Sort(out)
		return out
	}
	expect := func(when string, a cpaudit.Actor, want ...string) {
		t.Helper()
		if got := stale(a); !slices.Equal(got, want) {
			t.Errorf("%s: %s's stale documents %q, want %q", when, a.Email, got, want)
		}
	}
	// At rest only Baoding's office has one: the enterprise's note,
	// filed under Baoding by the index, which the office may not read.
	expect("at rest", f.admin)
	expect("at rest", sjz)
	expect("at rest", baoding, "note (unreadable)")

	// The enterprise moves to Shijiazhuang: its report leaves Baoding's
	// reach and enters Shijiazhuang's at once.
	if _, err := s.UpdateOrganisation(ctx, f.admin, f.ent.ID, cpaudit.OrgProfile{Region: new("130102")}); err != nil {
		t.Fatal(err)
	}
	expect("moved", f.admin, "note", "report")
	expect("moved", baoding, "note (unreadable)", "report (unreadable)")
	expect("moved", sjz, "note (unreadable)", "report")
	drain()
	expect("moved and indexed", f.admin)
	expect("moved and indexed", baoding)
	expect("moved and indexed", sjz, "note (unreadable)")

	// A change of anything else queues nothing.
	if _, err := s.UpdateOrganisation(ctx, f.admin, f.ent.ID, cpaudit.OrgProfile{Address: new("石家庄市")}); err != nil {
		t.Fatal(err)
	}
	expect("address changed", f.admin)

	// A reassigned audit: its documents are rechecked; twice reassigned
	// before the indexer claims them, they are queued once.
	for _, cons := range []string{f.cons2.ID, f.cons.ID} {
		if _, err := s.SetAuditConsultancy(ctx, f.admin, f.audit.ID, cons); err != nil {
			t.Fatal(err)
		}
	}
	expect("reassigned", f.admin, "report")
	db, err := s.tenantDB(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = 'index' AND recheck = 1`).Scan(&n); err != nil || n != 1 {
		t.Errorf("recheck jobs after two reassignments: %d %v", n, err)
	}
	expect("reassigned", f.other, "report (unreadable)")
	drain()

	// A deleted document is rechecked, and readable by no one.
	if err := s.DeleteDocument(ctx, f.enterprise, report.ID); err != nil {
		t.Fatal(err)
	}
	expect("deleted", f.admin, "report (unreadable)")
	expect("deleted", f.enterprise, "report (unreadable)")
	drain()
	expect("deleted and indexed", f.admin)
}
