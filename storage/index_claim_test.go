package storage

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// TestClaimIndexJobsBoundsText: one claim of index jobs stops reading texts
// once they reach indexClaimBytes; the jobs left are handed back, due at
// once with their attempt not counted, and the next claim takes them.
func TestClaimIndexJobsBoundsText(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	const docs = 5
	for i := range docs {
		if _, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, Filename: "报告.txt"}, "报告"+strings.Repeat("审", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	// Each text is a third of the claim's budget and a little more.
	text := strings.Repeat("清", indexClaimBytes/3/3+1)
	completeExtractions(t, f, cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: text})

	first, err := s.ClaimIndexJobs(ctx, f.sys.TenantID, 100, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Three texts read pass the budget: the third is kept, the rest go back.
	if len(first) != 3 {
		t.Fatalf("first claim: %d jobs, want 3", len(first))
	}
	rest, err := s.ClaimIndexJobs(ctx, f.sys.TenantID, 100, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != docs-3 {
		t.Fatalf("second claim: %d jobs, want the %d handed back", len(rest), docs-3)
	}
	seen := map[string]bool{}
	for _, j := range append(first, rest...) {
		if seen[j.Source.DocumentID] || len(j.Source.Text) != len(text) {
			t.Fatalf("job %+v: twice, or without its text", j.ID)
		}
		seen[j.Source.DocumentID] = true
	}
	if n, _ := s.ClaimIndexJobs(ctx, f.sys.TenantID, 100, time.Hour); len(n) != 0 {
		t.Fatalf("a third claim found %d jobs", len(n))
	}
}
