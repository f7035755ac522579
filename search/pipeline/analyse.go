package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/detect"
)

// AnalysisQueue is what the analyser needs from storage.
type AnalysisQueue interface {
	Tenants(ctx context.Context) ([]cpaudit.Tenant, error)
	ClaimAnalysisJobs(ctx context.Context, tenantID string, limit int, lease time.Duration) ([]cpaudit.AnalysisJob, error)
	// MatchFingerprints stores a document's fingerprints and returns the
	// non-boilerplate ones that documents of other enterprises share.
	MatchFingerprints(ctx context.Context, j cpaudit.AnalysisJob, prints []cpaudit.Fingerprint, runes, boilerplateMin int) ([]cpaudit.SeedMatch, error)
	// AnalysedText is the text whose fingerprints are stored for a document.
	AnalysedText(ctx context.Context, tenantID, docID string) (string, error)
	CompleteAnalysisJob(ctx context.Context, j cpaudit.AnalysisJob, texts []cpaudit.TextMatch) error
	// RetryAnalysisJob puts a failed job back, or gives it up after a few
	// attempts (and says so).
	RetryAnalysisJob(ctx context.Context, j cpaudit.AnalysisJob, cause error, backoff time.Duration) (bool, error)
}

// DefaultBoilerplateEnterprises is how many enterprises' documents must
// share a fingerprint before it counts as common text rather than copying.
const DefaultBoilerplateEnterprises = 5

// AnalyzerConfig tunes an Analyzer; zero values take the defaults.
type AnalyzerConfig struct {
	Config
	Detect                 detect.Config // default detect.Defaults()
	BoilerplateEnterprises int           // default DefaultBoilerplateEnterprises
}

// Analyzer checks each document, once its text is extracted, against the
// rest of its tenant and records flags: duplicate files (by SHA-256, in
// storage) and duplicate text (by winnowed fingerprints kept in the tenant
// database, see search/detect). A new document costs one indexed lookup of
// its fingerprints; only the documents that share enough with it are read,
// to find the exact passages.
type Analyzer struct {
	q     AnalysisQueue
	cfg   AnalyzerConfig
	log   *slog.Logger
	batch int
}

// NewAnalyzer returns an analyser over q.
func NewAnalyzer(q AnalysisQueue, cfg AnalyzerConfig) *Analyzer {
	w := New(nil, nil, cfg.Config) // for the defaults
	cfg.Config = w.cfg
	if cfg.Detect.K == 0 {
		cfg.Detect = detect.Defaults()
	}
	if cfg.BoilerplateEnterprises <= 0 {
		cfg.BoilerplateEnterprises = DefaultBoilerplateEnterprises
	}
	return &Analyzer{q: q, cfg: cfg, log: w.log, batch: 16}
}

// Run works until ctx ends.
func (x *Analyzer) Run(ctx context.Context) {
	for {
		n, err := x.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			x.log.Error("analysis round failed", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(x.cfg.Poll):
		}
	}
}

// RunOnce analyses the jobs due now, a batch per tenant, and says how many
// it handled.
func (x *Analyzer) RunOnce(ctx context.Context) (int, error) {
	tenants, err := x.q.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, t := range tenants {
		jobs, err := x.q.ClaimAnalysisJobs(ctx, t.ID, x.batch, x.cfg.Lease)
		if err != nil {
			return done, err
		}
		for _, j := range jobs {
			if err := x.process(ctx, j); err != nil {
				if ctx.Err() != nil {
					return done, ctx.Err()
				}
				gaveUp, rerr := x.q.RetryAnalysisJob(ctx, j, err, x.cfg.Backoff)
				if rerr != nil {
					return done, rerr
				}
				if gaveUp {
					x.log.Error("analysis failed for good", "tenant", t.Slug, "document", j.Source.DocumentID, "attempts", j.Attempts, "err", err)
				} else {
					x.log.Warn("analysis will be retried", "tenant", t.Slug, "document", j.Source.DocumentID, "attempt", j.Attempts, "err", err)
				}
			}
			done++
		}
	}
	return done, nil
}

// process analyses one document and stores what it found.
func (x *Analyzer) process(ctx context.Context, j cpaudit.AnalysisJob) (err error) {
	defer func() {
		if p := recover(); p != nil {
			x.log.Error("analysis panicked", "document", j.Source.DocumentID, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("the analysis crashed: %v", p)
		}
	}()
	c := x.cfg.Detect
	src := j.Source
	a := detect.Prepare(src.Text)
	var prints []cpaudit.Fingerprint
	if !src.Absent {
		prints = detect.Fingerprints(a, c)
	}
	matches, err := x.q.MatchFingerprints(ctx, j, prints, a.Len(), x.cfg.BoilerplateEnterprises)
	if err != nil {
		return err
	}
	var texts []cpaudit.TextMatch
	for _, m := range matches {
		if !detect.Promising(m.Seeds, c) {
			continue
		}
		other, err := x.q.AnalysedText(ctx, j.TenantID, m.DocumentID)
		if cpaudit.IsKind(err, cpaudit.KindNotFound) {
			continue // analysed again meanwhile: that analysis will compare
		} else if err != nil {
			return err
		}
		b := detect.Prepare(other)
		res := detect.Match(a, b, m.Seeds, c)
		if len(res.Passages) == 0 {
			continue
		}
		// The score is the share of the newer document that is copied.
		score := ratio(res.CoveredA, a.Len())
		if m.UploadedAt.After(src.UploadedAt) {
			score = ratio(res.CoveredB, b.Len())
		}
		texts = append(texts, cpaudit.TextMatch{OtherID: m.DocumentID, Score: score, Passages: res.Passages})
	}
	return x.q.CompleteAnalysisJob(ctx, j, texts)
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return min(1, float64(n)/float64(d))
}
