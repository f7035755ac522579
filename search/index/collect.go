package index

import (
	"context"
	"github.com/blevesearch/bleve/v2"
	"math"
	"runtime"
	"sync"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// byRelevance runs q and returns the exact number of matches and the hits
// ranked offset … offset+limit-1 by score, then by document id.
//
// It replaces bleve's collector for this one order. Bleve breaks ties in
// score by internal document number, which changes whenever scorch merges
// segments, so pages taken a moment apart could repeat or skip a document;
// asking bleve to break ties by id instead makes it read every hit's id
// from its stored fields, which doubled the cost of a cheap query. Here
// ids are read only where scores tie at the edge of the page, and for the
// page itself.
//
// A query with many candidates is run as two halves of the internal
// document numbers at once, each with its own searcher (see split): one
// query then uses two cores, and the halves' counts add up while their
// best hits merge, since a document's score does not depend on the half.
func byRelevance(ctx context.Context, b bleve.Index, q query.Query, offset, limit int) (Result, error) {
	r, err := reader(b)
	if err != nil {
		return Result{}, err
	}
	defer r.Close()
	s, err := q.Searcher(ctx, r, b.Mapping(), search.SearcherOptions{})
	if err != nil {
		return Result{}, err
	}
	defer s.Close()
	segs := segmentsOf(r)
	top := &topHits{k: offset + limit, r: r, segs: segs}
	mid := split(segs, s)
	if mid == 0 {
		total, err := collect(ctx, r, s, top, 0, math.MaxUint64)
		if err != nil {
			return Result{}, err
		}
		return top.page(total, offset)
	}
	upper := &topHits{k: offset + limit, r: r, segs: segs}
	var upperTotal int
	var upperErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		us, err := q.Searcher(ctx, r, b.Mapping(), search.SearcherOptions{})
		if err != nil {
			upperErr = err
			return
		}
		defer us.Close()
		upperTotal, upperErr = collect(ctx, r, us, upper, mid, math.MaxUint64)
	})
	total, err := collect(ctx, r, s, top, 0, mid)
	wg.Wait()
	if err == nil {
		err = upperErr
	}
	if err == nil {
		err = upper.err
	}
	if err != nil {
		return Result{}, err
	}
	top.merge(upper)
	return top.page(total+upperTotal, offset)
}

// parallelFrom is the number of candidate documents (as a searcher
// estimates them) from which a query runs as two halves: below it the
// second searcher and goroutine cost more than they save. A variable for
// the tests, which split small indexes.
var parallelFrom uint64 = 2048

// split returns the internal document number where the upper half of a
// run of s begins, or 0 when s is better run whole: one core, a small
// index, or few candidates. Internal numbers run over scorch's segments
// one after another, so the middle of their range halves the index.
func split(segs *segments, s search.Searcher) uint64 {
	if runtime.GOMAXPROCS(0) < 2 || segs == nil || s.Count() < parallelFrom {
		return 0
	}
	docs := segs.docs()
	if docs < 2*parallelFrom {
		return 0
	}
	return docs / 2
}

// collect counts the matches of s with internal numbers in [from, to) and
// offers them to top.
func collect(ctx context.Context, r bleveindex.IndexReader, s search.Searcher, top *topHits, from, to uint64) (int, error) {
	sctx := &search.SearchContext{
		DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0),
		IndexReader:       r,
	}
	var dm *search.DocumentMatch
	var err error
	if from > 0 {
		dm, err = s.Advance(sctx, bleveindex.NewIndexInternalID(nil, from))
	} else {
		dm, err = s.Next(sctx)
	}
	total := 0
	for ; dm != nil && err == nil; dm, err = s.Next(sctx) {
		if dm.IndexInternalID.Value() >= to {
			break
		}
		if total%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		total++
		top.offer(dm.Score, dm.IndexInternalID)
		sctx.DocumentMatchPool.Put(dm)
	}
	return total, err
}

// page returns the hits ranked offset … of the kept ones, with total.
func (t *topHits) page(total, offset int) (Result, error) {
	if t.err != nil {
		return Result{}, t.err
	}
	ranked := t.ranked()
	if t.err != nil {
		return Result{}, t.err
	}
	out := Result{Total: total}
	if offset < len(ranked) {
		for _, h := range ranked[offset:] {
			out.Hits = append(out.Hits, Hit{ID: h.id, Score: h.score})
		}
	}
	return out, nil
}
