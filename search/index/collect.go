package index

import (
	"container/heap"
	"context"
	"slices"
	"strings"

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
func (ix *Index) byRelevance(ctx context.Context, q query.Query, offset, limit int) (Result, error) {
	adv, err := ix.b.Advanced()
	if err != nil {
		return Result{}, err
	}
	r, err := adv.Reader()
	if err != nil {
		return Result{}, err
	}
	defer r.Close()
	s, err := q.Searcher(ctx, r, ix.b.Mapping(), search.SearcherOptions{})
	if err != nil {
		return Result{}, err
	}
	defer s.Close()
	sctx := &search.SearchContext{
		DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0),
		IndexReader:       r,
	}
	top := &topHits{k: offset + limit, r: r}
	total := 0
	for {
		if total%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return Result{}, err
			}
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return Result{}, err
		}
		if dm == nil {
			break
		}
		total++
		top.offer(dm.Score, dm.IndexInternalID)
		sctx.DocumentMatchPool.Put(dm)
	}
	if top.err != nil {
		return Result{}, top.err
	}
	ranked := top.ranked()
	if top.err != nil {
		return Result{}, top.err
	}
	out := Result{Total: total}
	if offset < len(ranked) {
		for _, h := range ranked[offset:] {
			out.Hits = append(out.Hits, Hit{ID: h.id, Score: h.score})
		}
	}
	return out, nil
}

// topHits keeps the k best hits seen, worst at the root of a heap.
type topHits struct {
	k   int
	r   bleveindex.IndexReader
	h   []*hit
	err error // the first failure to read an id
}

type hit struct {
	score float64
	iid   bleveindex.IndexInternalID
	id    string // read from the index when first needed
}

func (t *topHits) offer(score float64, iid bleveindex.IndexInternalID) {
	if len(t.h) == t.k {
		root := t.h[0]
		if score < root.score {
			return
		}
		if score == root.score && t.compareID(iid, root) >= 0 {
			return
		}
		root.score, root.iid, root.id = score, append(root.iid[:0], iid...), ""
		heap.Fix(t, 0)
		return
	}
	heap.Push(t, &hit{score: score, iid: slices.Clone(iid)})
}

// compareID orders a candidate and a kept hit of the same score by id.
func (t *topHits) compareID(iid bleveindex.IndexInternalID, h *hit) int {
	return strings.Compare(t.externalID(iid), t.idOf(h))
}

func (t *topHits) idOf(h *hit) string {
	if h.id == "" {
		h.id = t.externalID(h.iid)
	}
	return h.id
}

func (t *topHits) externalID(iid bleveindex.IndexInternalID) string {
	id, err := t.r.ExternalID(iid)
	if err != nil && t.err == nil {
		t.err = err
	}
	return id
}

// ranked returns the kept hits best first, with their ids.
func (t *topHits) ranked() []*hit {
	out := slices.Clone(t.h)
	for _, h := range out {
		t.idOf(h)
	}
	slices.SortFunc(out, func(a, b *hit) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return strings.Compare(a.id, b.id)
	})
	return out
}

// heap.Interface: the worst hit (lowest score, then highest id) at the root.
func (t *topHits) Len() int { return len(t.h) }
func (t *topHits) Less(i, j int) bool {
	a, b := t.h[i], t.h[j]
	if a.score != b.score {
		return a.score < b.score
	}
	return t.idOf(a) > t.idOf(b)
}
func (t *topHits) Swap(i, j int) { t.h[i], t.h[j] = t.h[j], t.h[i] }
func (t *topHits) Push(x any)    { t.h = append(t.h, x.(*hit)) }
func (t *topHits) Pop() any {
	x := t.h[len(t.h)-1]
	t.h = t.h[:len(t.h)-1]
	return x
}
