// Package pipeline runs the work that follows an upload — text
// extraction, then indexing (Indexer) and duplicate analysis (Analyzer) —
// off the request path. Jobs come from
// the tenant databases' outbox (see storage.ClaimTextJobs), so work
// survives a crash: a claimed job whose worker died is handed out again
// when its lease ends.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/scheduler"
)

// Queue is what the worker needs from storage.
type Queue interface {
	Tenants(ctx context.Context) ([]cpaudit.Tenant, error)
	ClaimTextJobs(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.TextJob, error)
	OpenJobContent(ctx context.Context, j cpaudit.TextJob) (io.ReadCloser, error)
	CompleteTextJob(ctx context.Context, j cpaudit.TextJob, t cpaudit.ExtractedText) error
	RetryTextJob(ctx context.Context, j cpaudit.TextJob, cause error, backoff time.Duration) error
	jobReleaser
}

// jobReleaser hands back a job a stopping worker leaves unfinished.
type jobReleaser interface {
	ReleaseJob(ctx context.Context, tenantID string, id int64, attempts int) error
}

// release hands back a claimed job when ctx has ended in the middle of
// it, so that the next start does it at once and does not count the
// attempt.
func release(ctx context.Context, q jobReleaser, log *slog.Logger, tenantID string, id int64, attempts int) {
	if err := q.ReleaseJob(ctx, tenantID, id, attempts); err != nil {
		log.Warn("a job left unfinished at shutdown runs again when its lease ends", "tenant", tenantID, "job", id, "err", err)
	}
}

// Extractor turns a file's bytes into text. It must not panic on bad input
// and must honour ctx; the worker guards against both anyway.
type Extractor func(ctx context.Context, r io.ReaderAt, size int64, contentType, filename string) cpaudit.ExtractedText

// Config tunes a Worker; zero values take the defaults.
type Config struct {
	Poll    time.Duration // how often an idle worker looks for work (default 500 ms)
	Lease   time.Duration // how long a claimed job is ours (default 10 min)
	Backoff time.Duration // wait before retrying a crashed job (default 1 min)
	TempDir string        // where non-seekable blobs are spooled for extraction
	Logger  *slog.Logger
	// Gate is shared by the workers of one process so that they take
	// turns at long texts (see Gate); default: a gate of the worker's own.
	Gate *Gate
}

// Worker extracts the text of new versions, tenant by tenant, one file at
// a time, on a thread of lower priority than the server's (on Linux), so
// that extraction takes at most one core and yields it to requests.
type Worker struct {
	q Queue
	// claim is the queue's ClaimOCRJobs for the OCR worker, nil for
	// extraction (ClaimTextJobs).
	claim   func(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.TextJob, error)
	name    string // of the work, in logs
	batch   int    // jobs claimed at once
	extract Extractor
	cfg     Config
	log     *slog.Logger
}

// New returns a worker over q.
func New(q Queue, extract Extractor, cfg Config) *Worker {
	if cfg.Poll <= 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Minute
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Minute
	}
	if cfg.Gate == nil {
		cfg.Gate = NewGate(0)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{q: q, name: "text extraction", batch: 8, extract: extract, cfg: cfg, log: log}
}

// Run works until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	scheduler.Rounds(w.cfg.Poll, w.log, w.name, w.RunOnce)(ctx)
}

// RunOnce processes the jobs due now in every tenant, a batch per tenant,
// and says how many it handled.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	tenants, err := w.q.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, t := range tenants {
		n, err := w.tenantOnce(ctx, t)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

func (w *Worker) tenantOnce(ctx context.Context, t cpaudit.Tenant) (int, error) {
	claim := w.claim
	if claim == nil {
		claim = w.q.ClaimTextJobs
	}
	jobs, finish, err := gatedClaim(w.cfg.Gate, func(maxText int64) ([]cpaudit.TextJob, error) {
		return claim(ctx, t.ID, w.batch, w.cfg.Lease, maxText)
	}, func(j cpaudit.TextJob) int64 { return j.Size })
	defer finish()
	if err != nil {
		return 0, err
	}
	done := 0
	for _, j := range jobs {
		if err := w.process(ctx, j); err != nil {
			if ctx.Err() != nil {
				release(ctx, w.q, w.log, t.ID, j.ID, j.Attempts)
				return done, ctx.Err()
			}
			w.log.Warn(w.name+" will be retried", "tenant", t.Slug, "document", j.DocumentID,
				"version", j.Version, "attempt", j.Attempts, "err", err)
			if rerr := w.q.RetryTextJob(ctx, j, err, w.cfg.Backoff); rerr != nil {
				return done, rerr
			}
		}
		done++
	}
	return done, nil
}

// process extracts one job's text and stores it. An error means the
// attempt itself broke (unreadable blob, a panicking parser); a file that
// cannot be parsed is a completed job with status failed.
func (w *Worker) process(ctx context.Context, j cpaudit.TextJob) (err error) {
	rc, err := w.q.OpenJobContent(ctx, j)
	if err != nil {
		return err
	}
	defer rc.Close()
	ra, ok := rc.(io.ReaderAt)
	if !ok {
		// S3 objects are streams; parsers of zip-based formats need random
		// access, so the blob is copied to a local file first.
		f, err := os.CreateTemp(w.cfg.TempDir, "extract-*")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		if _, err := io.Copy(f, rc); err != nil {
			return err
		}
		ra = f
	}
	defer func() {
		if p := recover(); p != nil {
			w.log.Error("text extractor panicked", "document", j.DocumentID, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("the extractor crashed: %v", p)
		}
	}()
	var text cpaudit.ExtractedText
	lowPriority(func() { text = w.extract(ctx, ra, j.Size, j.ContentType, j.Filename) })
	if ctx.Err() != nil {
		return errors.New("stopped before the extraction finished")
	}
	return w.q.CompleteTextJob(ctx, j, text)
}
