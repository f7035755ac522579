package pipeline_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/pipeline"
	"github.com/cpaudit/cpaudit/storage"
)

// TestAnalysisFollowsExtraction: an extraction queues the analysis in
// the same transaction, and the analyser empties the queue.
func TestAnalysisFollowsExtraction(t *testing.T) {
	ctx := context.Background()
	s, a := setup(t, nil)
	upload(t, s, a, "a.txt", "节水量一万二千吨")
	st, err := s.SearchStatus(ctx, a.TenantID)
	if err != nil || st.AnalysisPending != 1 {
		t.Fatalf("after upload: %+v %v", st, err)
	}
	if _, err := pipeline.New(s, upperExtractor, pipeline.Config{}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.SearchStatus(ctx, a.TenantID); st.AnalysisPending != 1 {
		t.Fatalf("after extraction: %+v", st)
	}
	if n, err := pipeline.NewAnalyzer(s, pipeline.AnalyzerConfig{}).RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("analyse: %d %v", n, err)
	}
	if st, _ := s.SearchStatus(ctx, a.TenantID); st.AnalysisPending != 0 {
		t.Fatalf("after analysis: %+v", st)
	}
}

// failingMatch is a store whose fingerprint lookup always fails.
type failingMatch struct{ *storage.Store }

func (failingMatch) MatchFingerprints(context.Context, cpaudit.AnalysisJob, []cpaudit.Fingerprint, int, int) ([]cpaudit.SeedMatch, error) {
	return nil, errors.New("disk on fire")
}

// TestAnalysisRetriesThenGivesUp: a failing analysis comes back after its
// backoff and is given up after storage.MaxAnalysisAttempts.
func TestAnalysisRetriesThenGivesUp(t *testing.T) {
	ctx := context.Background()
	s, a := setup(t, nil)
	upload(t, s, a, "a.txt", "节水量一万二千吨")
	if _, err := pipeline.New(s, upperExtractor, pipeline.Config{}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	x := pipeline.NewAnalyzer(failingMatch{s}, pipeline.AnalyzerConfig{Config: pipeline.Config{Backoff: time.Nanosecond}})
	for i := 0; i < storage.MaxAnalysisAttempts; i++ {
		time.Sleep(time.Millisecond)
		if st, _ := s.SearchStatus(ctx, a.TenantID); st.AnalysisPending != 1 {
			t.Fatalf("attempt %d: %+v", i+1, st)
		}
		if n, err := x.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: %d %v", i+1, n, err)
		}
	}
	if st, _ := s.SearchStatus(ctx, a.TenantID); st.AnalysisPending != 0 {
		t.Fatalf("after giving up: %+v", st)
	}
}

// stoppingMatch is a store whose fingerprint lookup is where the server
// is told to stop.
type stoppingMatch struct {
	*storage.Store
	stop context.CancelFunc
}

func (m stoppingMatch) MatchFingerprints(ctx context.Context, _ cpaudit.AnalysisJob, _ []cpaudit.Fingerprint, _, _ int) ([]cpaudit.SeedMatch, error) {
	m.stop()
	return nil, ctx.Err()
}

// TestAnalysisHandsBackJobAtShutdown: an analysis cut off by shutdown is
// due again at once, its attempt not counted.
func TestAnalysisHandsBackJobAtShutdown(t *testing.T) {
	s, a := setup(t, nil)
	upload(t, s, a, "a.txt", "节水量一万二千吨")
	if _, err := pipeline.New(s, upperExtractor, pipeline.Config{}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	if _, err := pipeline.NewAnalyzer(stoppingMatch{s, stop}, pipeline.AnalyzerConfig{}).RunOnce(ctx); err == nil {
		t.Fatal("RunOnce went on after its context ended")
	}
	if n, err := pipeline.NewAnalyzer(s, pipeline.AnalyzerConfig{}).RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("after restart: %d %v", n, err)
	}
	if st, _ := s.SearchStatus(context.Background(), a.TenantID); st.AnalysisPending != 0 {
		t.Fatalf("after restart: %+v", st)
	}
}
