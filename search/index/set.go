package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/cpaudit/cpaudit"
)

// DirFunc says where a tenant's index lives (one directory per tenant).
type DirFunc func(ctx context.Context, tenantID string) (string, error)

// Set holds the open indexes of every tenant, opened on first use. An
// index directory is locked while open, so a second process (cpaudit
// reindex while a server runs) fails fast instead of corrupting it.
type Set struct {
	dir DirFunc

	mu     sync.Mutex
	open   map[string]*Index
	locks  map[string]*os.File
	fresh  map[string]bool // opened empty: a new tenant, a deleted or outdated index
	closed bool
}

// NewSet returns a Set over the directories dir gives.
func NewSet(dir DirFunc) *Set {
	return &Set{dir: dir, open: map[string]*Index{}, locks: map[string]*os.File{}, fresh: map[string]bool{}}
}

// For returns the tenant's index, opening it if needed. An index of an
// outdated format is set aside (renamed, never deleted) and a new, empty
// one created: Fresh then reports true until ClearFresh is called, so the
// caller can queue every document again.
func (s *Set) For(ctx context.Context, tenantID string) (*Index, error) {
	const op = "index.Set.For"
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, cpaudit.Refuse(cpaudit.KindUnavailable, cpaudit.CodeSearchUnavail, "the search indexes are closed")
	}
	if ix, ok := s.open[tenantID]; ok {
		return ix, nil
	}
	dir, err := s.dir(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	lock, err := Lock(dir)
	if cpaudit.ErrorKind(err) == cpaudit.KindConflict {
		// Someone else (cpaudit reindex) has it: a passing state, for a
		// search to retry later, not a conflict of the caller's making.
		return nil, &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: op, Message: "the search index is being rebuilt; try again shortly", Err: err}
	}
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(filepath.Join(dir, "index_meta.json"))
	fresh := errors.Is(statErr, os.ErrNotExist)
	ix, err := Open(dir)
	if cpaudit.ErrorKind(err) == cpaudit.KindConflict {
		aside := fmt.Sprintf("%s.outdated-%d", dir, os.Getpid())
		if rerr := os.Rename(dir, aside); rerr != nil {
			lock.Close()
			return nil, cpaudit.Internal(op, rerr)
		}
		fresh = true
		ix, err = Open(dir)
	}
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.open[tenantID], s.locks[tenantID] = ix, lock
	if fresh {
		s.fresh[tenantID] = true
	}
	return ix, nil
}

// Fresh reports whether the tenant's index was created empty when it was
// opened (a new tenant, an index deleted or set aside as outdated) and the
// mark has not been cleared yet.
func (s *Set) Fresh(tenantID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fresh[tenantID]
}

// ClearFresh clears the mark Fresh reports, once the documents are queued.
func (s *Set) ClearFresh(tenantID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.fresh, tenantID)
}

// Close closes every index and releases the locks.
func (s *Set) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var errs []error
	for id, ix := range s.open {
		errs = append(errs, ix.Close())
		errs = append(errs, s.locks[id].Close())
	}
	clear(s.open)
	clear(s.locks)
	return errors.Join(errs...)
}

// Search runs q on the tenant's index.
func (s *Set) Search(ctx context.Context, tenantID string, q Query) (Result, error) {
	ix, err := s.For(ctx, tenantID)
	if err != nil {
		return Result{}, err
	}
	return ix.Search(ctx, q)
}

// Part is one tenant's index and the query it is asked: a search that
// spans tenants (a tenant's and the guideline library's) has several.
type Part struct {
	TenantID string
	Query    Query
}

// SearchParts runs each part's query in its tenant's index and answers
// one page of them all, as if they were one index: totals added, hits in
// the order of the first part's query, whose paging (Limit, Offset) and
// order (SortByDate) are used for all. Errors as Search's.
func (s *Set) SearchParts(ctx context.Context, parts []Part) (Result, error) {
	if len(parts) == 0 {
		return Result{}, nil
	}
	first := parts[0].Query
	limit, err := first.paging()
	if err != nil {
		return Result{}, err
	}
	answers := make([]Result, 0, len(parts))
	for _, p := range parts {
		ix, err := s.For(ctx, p.TenantID)
		if err != nil {
			return Result{}, err
		}
		q := p.Query
		q.SortByDate = first.SortByDate
		res, err := ix.top(ctx, q, first.Offset+limit)
		if err != nil {
			return Result{}, err
		}
		answers = append(answers, res)
	}
	return page(combine(first.SortByDate, answers...), first.Offset, limit), nil
}
