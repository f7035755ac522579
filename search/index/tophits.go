package index

import (
	"container/heap"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// topHits keeps the k best hits seen (highest score, then smallest id),
// worst at the root of a heap.
//
// Candidates that tie with the root's score are not compared by id as
// they come: they are noted (tied) and settled once at the end (settle).
// When a query's scores all tie (a term of one rune does not rank), nearly
// every hit is such a candidate, and comparing each would read every hit's
// id; settled at the end, the smallest ids among many are found by walking
// the index's ids in order instead, reading a few dozen.
type topHits struct {
	k         int
	r         bleveindex.IndexReader
	segs      *segments // r's, nil when r is not scorch's
	h         []*hit
	tied      []uint64 // internal numbers of candidates scoring tiedScore
	tiedScore float64
	err       error // the first failure to read an id
}

type hit struct {
	score float64
	iid   bleveindex.IndexInternalID
	id    string // read from the index when first needed
}

func (t *topHits) offer(score float64, iid bleveindex.IndexInternalID) {
	if len(t.h) < t.k {
		heap.Push(t, &hit{score: score, iid: slices.Clone(iid)})
		return
	}
	root := t.h[0]
	switch {
	case score < root.score:
		return
	case score == root.score:
		// The root's score only grows, so earlier ties with a lower score
		// can no longer enter.
		if score != t.tiedScore {
			t.tied, t.tiedScore = t.tied[:0], score
		}
		t.tied = append(t.tied, iid.Value())
		return
	}
	root.score, root.iid, root.id = score, append(root.iid[:0], iid...), ""
	heap.Fix(t, 0)
}

// merge offers what other (another part of the same search) kept.
func (t *topHits) merge(other *topHits) {
	for _, h := range other.h {
		t.offer(h.score, h.iid)
	}
	if len(other.h) > 0 && other.tiedScore == other.h[0].score {
		for _, n := range other.tied {
			t.offer(other.tiedScore, bleveindex.NewIndexInternalID(nil, n))
		}
	}
}

// denseTies is the share of the index (1/denseTies) from which tied
// candidates are settled by walking the ids in order.
const denseTies = 16

// settle lets the tied candidates compete with the kept hits of the
// same score: the smallest ids win.
func (t *topHits) settle() {
	tied := t.tied
	t.tied = nil
	if len(tied) == 0 || len(t.h) == 0 || t.h[0].score != t.tiedScore {
		return
	}
	if t.segs != nil && uint64(len(tied))*denseTies >= t.segs.docs() {
		t.settleInOrder(tied)
		return
	}
	for _, n := range tied {
		root := t.h[0]
		id, err := t.segs.docID(t.r, n)
		if err != nil {
			t.fail(err)
			return
		}
		if string(id) < t.idOf(root) { // compared without a copy
			root.iid, root.id = bleveindex.NewIndexInternalID(root.iid, n), string(id)
			heap.Fix(t, 0)
		}
	}
}

// settleInOrder replaces the kept hits of the tied score by the ones of
// smallest id among them and tied, walking the index's ids in order until
// it has found as many.
func (t *topHits) settleInOrder(tied []uint64) {
	score := t.tiedScore
	in := make([]uint64, t.segs.docs()/64+1) // a bit per internal number
	mark := func(n uint64) {
		if n/64 < uint64(len(in)) {
			in[n/64] |= 1 << (n % 64)
		}
	}
	var kept []*hit
	for _, n := range tied {
		mark(n)
	}
	for _, h := range t.h {
		if h.score == score {
			mark(h.iid.Value())
		} else {
			kept = append(kept, h)
		}
	}
	need := len(t.h) - len(kept)
	dict, err := t.r.FieldDict("_id")
	if err != nil {
		t.fail(err)
		return
	}
	defer dict.Close()
	for need > 0 {
		e, err := dict.Next()
		if err != nil {
			t.fail(err)
			return
		}
		if e == nil {
			t.fail(fmt.Errorf("%d tied hits not found among the ids", need))
			return
		}
		iid, err := t.r.InternalID(e.Term)
		if err != nil {
			t.fail(err)
			return
		}
		if len(iid) == 0 { // deleted: an id left in the dictionary of an older segment
			continue
		}
		if n := iid.Value(); n/64 < uint64(len(in)) && in[n/64]&(1<<(n%64)) != 0 {
			kept = append(kept, &hit{score: score, iid: iid, id: e.Term})
			need--
		}
	}
	t.h = kept
	heap.Init(t)
}

func (t *topHits) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

func (t *topHits) idOf(h *hit) string {
	if h.id == "" {
		h.id = t.externalID(h.iid)
	}
	return h.id
}

func (t *topHits) externalID(iid bleveindex.IndexInternalID) string {
	id, err := t.r.ExternalID(iid)
	if err != nil {
		t.fail(err)
	}
	return id
}

// ranked returns the kept hits best first, with their ids.
func (t *topHits) ranked() []*hit {
	t.settle()
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

// segments reads document ids straight from a scorch snapshot's segments,
// without the copy IndexReader.ExternalID makes.
type segments struct {
	segs   []*scorch.SegmentSnapshot
	starts []uint64 // the first internal number of each
}

// segmentsOf returns r's segments, or nil when r is not a scorch snapshot.
func segmentsOf(r bleveindex.IndexReader) *segments {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil
	}
	s := &segments{segs: snap.Segments()}
	var n uint64
	for _, seg := range s.segs {
		s.starts = append(s.starts, n)
		n += uint64(seg.FullSize())
	}
	return s
}

// docs is how many internal numbers the segments span.
func (s *segments) docs() uint64 {
	if len(s.segs) == 0 {
		return 0
	}
	return s.starts[len(s.starts)-1] + uint64(s.segs[len(s.segs)-1].FullSize())
}

// docID returns the id of the document with internal number n: from the
// segment's memory (valid while the snapshot is open, not to be kept), or
// through r when s is nil.
func (s *segments) docID(r bleveindex.IndexReader, n uint64) ([]byte, error) {
	if s == nil {
		id, err := r.ExternalID(bleveindex.NewIndexInternalID(nil, n))
		return []byte(id), err
	}
	i := sort.Search(len(s.starts), func(i int) bool { return s.starts[i] > n }) - 1
	if i < 0 {
		return nil, fmt.Errorf("document number %d not found", n)
	}
	id, err := s.segs[i].DocID(n - s.starts[i])
	if err == nil && id == nil {
		err = fmt.Errorf("document number %d not found", n)
	}
	return id, err
}
