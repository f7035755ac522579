package pipeline

import (
	"context"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/scheduler"
	"github.com/cpaudit/cpaudit/search/index"
)

// IndexQueue is what the indexer needs from storage.
type IndexQueue interface {
	Tenants(ctx context.Context) ([]cpaudit.Tenant, error)
	ClaimIndexJobs(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.IndexJob, error)
	CompleteIndexJobs(ctx context.Context, tenantID string, ids []int64) error
	RequeueIndex(ctx context.Context, tenantID string) (int, error)
	// FailIndexing records that a version's text could not be indexed:
	// its text_status becomes failed with reason.
	FailIndexing(ctx context.Context, tenantID, docID string, version int, reason string) error
}

// Indexer keeps every tenant's full-text index in step with its stored
// texts, from the index jobs of the outbox. A batch is written to the
// index (and on disk) before its jobs are removed, so a crash in between
// only means the batch is indexed again.
type Indexer struct {
	q     IndexQueue
	set   *index.Set
	cfg   Config
	log   *slog.Logger
	batch int
}

// NewIndexer returns an indexer over q writing to the indexes of set.
func NewIndexer(q IndexQueue, set *index.Set, cfg Config) *Indexer {
	w := New(nil, nil, cfg) // for the defaults
	return &Indexer{q: q, set: set, cfg: w.cfg, log: w.log, batch: 128}
}

// Run works until ctx ends.
func (x *Indexer) Run(ctx context.Context) {
	scheduler.Rounds(x.cfg.Poll, x.log, "indexing", x.RunOnce)(ctx)
}

// RunOnce indexes the jobs due now, a batch per tenant, and says how many
// it handled.
func (x *Indexer) RunOnce(ctx context.Context) (int, error) {
	tenants, err := x.q.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, t := range tenants {
		n, err := x.tenantOnce(ctx, t)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// Open opens every tenant's index before the server answers requests, so
// that an index found missing or outdated has its documents queued again
// (and counted by GET /api/v1/status) from the first request on.
func (x *Indexer) Open(ctx context.Context) error {
	tenants, err := x.q.Tenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		if _, err := x.open(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// open returns the tenant's index, queueing every document again when the
// index was created empty.
func (x *Indexer) open(ctx context.Context, t cpaudit.Tenant) (*index.Index, error) {
	ix, err := x.set.For(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	if x.set.Fresh(t.ID) {
		n, err := x.q.RequeueIndex(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		x.set.ClearFresh(t.ID)
		if n > 0 {
			x.log.Info("search index was empty or outdated: every document queued again", "tenant", t.Slug, "documents", n)
		}
	}
	return ix, nil
}

func (x *Indexer) tenantOnce(ctx context.Context, t cpaudit.Tenant) (int, error) {
	ix, err := x.open(ctx, t)
	if err != nil {
		return 0, err
	}
	jobs, finish, err := gatedClaim(x.cfg.Gate, func(maxText int64) ([]cpaudit.IndexJob, error) {
		return x.q.ClaimIndexJobs(ctx, t.ID, x.batch, x.cfg.Lease, maxText)
	}, func(j cpaudit.IndexJob) int64 { return int64(len(j.Source.Text)) })
	defer finish()
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	// The newest state of each document wins; jobs are in id order.
	latest := map[string]cpaudit.SearchSource{}
	ids := make([]int64, 0, len(jobs))
	for _, j := range jobs {
		latest[j.Source.DocumentID] = j.Source
		ids = append(ids, j.ID)
	}
	var put []index.Doc
	var gone []string
	for id, src := range latest {
		if src.Absent {
			gone = append(gone, id)
		} else {
			put = append(put, index.DocFrom(src))
		}
	}
	if err := ix.Put(put...); err != nil {
		if ctx.Err() != nil || cpaudit.IsKind(err, cpaudit.KindUnavailable) {
			return 0, err
		}
		// One document must not hold the others back, nor come back
		// forever: each is put alone, and one that fails alone is left
		// out of the index, its version's text marked failed.
		for _, d := range put {
			if err := ix.Put(d); err != nil {
				if err := x.giveUp(ctx, t, latest[d.ID], err); err != nil {
					return 0, err
				}
			}
		}
	}
	if err := ix.Delete(gone...); err != nil {
		return 0, err
	}
	// The documents are in the index now: that is recorded even when the
	// server is stopping, or their jobs would wait out their lease after
	// the restart.
	if err := x.q.CompleteIndexJobs(context.WithoutCancel(ctx), t.ID, ids); err != nil {
		return 0, err
	}
	return len(jobs), nil
}

// giveUp leaves out of the index a document that failed to be indexed
// on its own, unless the index itself is unavailable (closed, being
// rebuilt), when the whole batch waits: the cause goes to the log, and
// the version's text is marked failed so that its page and the API say
// it is not searchable.
func (x *Indexer) giveUp(ctx context.Context, t cpaudit.Tenant, src cpaudit.SearchSource, err error) error {
	if cpaudit.IsKind(err, cpaudit.KindUnavailable) {
		return err
	}
	x.log.Error("a document could not be indexed and is left out of search", "tenant", t.Slug, "document", src.DocumentID,
		"version", src.Version, "runes", utf8.RuneCountInString(src.Text), "err", err)
	return x.q.FailIndexing(context.WithoutCancel(ctx), t.ID, src.DocumentID, src.Version,
		"the text could not be added to the search index")
}
