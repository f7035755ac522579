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

	first, err := s.ClaimIndexJobs(ctx, f.sys.TenantID, 100, time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Three texts read pass the budget: the third is kept, the rest go back.
	if len(first) != 3 {
		t.Fatalf("first claim: %d jobs, want 3", len(first))
	}
	rest, err := s.ClaimIndexJobs(ctx, f.sys.TenantID, 100, time.Hour, 0)
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
	if n, _ := s.ClaimIndexJobs(ctx, f.sys.TenantID, 100, time.Hour, 0); len(n) != 0 {
		t.Fatalf("a third claim found %d jobs", len(n))
	}
}

// TestClaimsCapText: a claim with maxText leaves the jobs about more
// than that many bytes (of file for extraction, of text for indexing and
// analysis) where they are, and a claim without the cap takes them: how
// the workers take turns at long texts (pipeline.Gate, issue 24).
func TestClaimsCapText(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	long := strings.Repeat("清洁生产", 100) // 1,200 bytes
	for _, body := range []string{"短", long} {
		if _, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, Filename: "报告.txt"}, body); err != nil {
			t.Fatal(err)
		}
	}
	texts, err := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Minute, 1000)
	if err != nil || len(texts) != 1 || texts[0].Size != int64(len("短")) {
		t.Fatalf("capped extraction claim: %+v, %v; want the short file alone", texts, err)
	}
	if err := s.CompleteTextJob(ctx, texts[0], cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: "短"}); err != nil {
		t.Fatal(err)
	}
	texts, err = s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
	if err != nil || len(texts) != 1 || texts[0].Size != int64(len(long)) {
		t.Fatalf("uncapped extraction claim: %+v, %v; want the long file", texts, err)
	}
	if err := s.CompleteTextJob(ctx, texts[0], cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: long}); err != nil {
		t.Fatal(err)
	}

	indexed, err := s.ClaimIndexJobs(ctx, f.sys.TenantID, 10, time.Hour, 1000)
	if err != nil || len(indexed) != 1 || indexed[0].Source.Text != "短" {
		t.Fatalf("capped index claim: %d jobs, %v; want the short text alone", len(indexed), err)
	}
	analysed, err := s.ClaimAnalysisJobs(ctx, f.sys.TenantID, 10, time.Hour, 1000)
	if err != nil || len(analysed) != 1 || analysed[0].Source.Text != "短" {
		t.Fatalf("capped analysis claim: %d jobs, %v; want the short text alone", len(analysed), err)
	}
	if indexed, err = s.ClaimIndexJobs(ctx, f.sys.TenantID, 10, time.Hour, 0); err != nil || len(indexed) != 1 || indexed[0].Source.Text != long {
		t.Fatalf("uncapped index claim: %d jobs, %v; want the long text", len(indexed), err)
	}
	if analysed, err = s.ClaimAnalysisJobs(ctx, f.sys.TenantID, 10, time.Hour, 0); err != nil || len(analysed) != 1 || analysed[0].Source.Text != long {
		t.Fatalf("uncapped analysis claim: %d jobs, %v; want the long text", len(analysed), err)
	}
}
