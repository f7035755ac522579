package detect

import (
	"slices"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// Align puts two texts side by side for a reviewer: the passages Compare
// finds are the anchors, and the texts are cut at them into aligned
// segments, each diffed character by character (Chinese has no spaces to
// diff by words) and cleaned up into readable chunks.
//
// A character diff of two whole reports is quadratic in their difference
// (a plain diffmatchpatch.DiffMain of two 300,000-character reports that
// share a fifth does not finish in minutes), so the diff runs per segment:
// inside a shared passage the two sides differ by a few edits at most,
// which is cheap; between passages, a gap whose two sides share almost no
// short runs (scraps of unrelated text) is shown as replaced without a
// diff, since the detector already found no passage in it and a diff
// would only pick out coincidental characters. Every diff has a deadline,
// and so has the whole alignment: past it, what remains is shown as
// replaced, never computed for long.
func Align(a, b string, c Config) Alignment {
	return AlignWithin(a, b, c, alignBudget)
}

// alignBudget is how long Align spends on character diffs in all.
const alignBudget = 1500 * time.Millisecond

// Alignment is two texts aligned: Compare's answer, the passages used as
// anchors (in order on both sides) and the segments.
type Alignment struct {
	cpaudit.Comparison
	Anchors  []cpaudit.Passage
	Segments []Segment
	// Coarse counts gaps shown as replaced without a diff because the
	// budget ran out (not those too unlike to be worth one).
	Coarse int
}

// Segment is one aligned stretch: a shared passage (Match ≥ 1, its
// number among the anchors) or the gap before, between or after them
// (Match 0). A holds the chunks of a's side (equal and deleted), B those of
// b's side (equal and inserted).
type Segment struct {
	Match int
	A, B  []Chunk
}

// Chunk is a run of text that is the same on both sides (Changed false) or
// only on its own side.
type Chunk struct {
	Text    string
	Changed bool
}

// Gaps whose shorter side exceeds smallGap runes are diffed only when at
// least minShared of the shingles of the shorter side occur in the other.
const (
	smallGap  = 300
	shingle   = 12
	minShared = 0.3
	// segmentTimeout bounds one segment's diff.
	segmentTimeout = 200 * time.Millisecond
)

// AlignWithin is Align with a budget of its own (tests and the benchmark).
func AlignWithin(a, b string, c Config, budget time.Duration) Alignment {
	cmp := Compare(a, b, c)
	out := Alignment{Comparison: cmp, Anchors: anchors(cmp.Passages)}
	ra, rb := []rune(a), []rune(b)
	deadline := time.Now().Add(budget)
	dmp := diffmatchpatch.New()
	ia, ib := 0, 0
	seg := func(a0, a1, b0, b1, match int) {
		if a0 >= a1 && b0 >= b1 {
			return
		}
		s, coarse := diffSegment(dmp, ra[a0:a1], rb[b0:b1], match > 0, deadline)
		s.Match = match
		if coarse {
			out.Coarse++
		}
		out.Segments = append(out.Segments, s)
	}
	for k, p := range out.Anchors {
		seg(ia, p.AStart, ib, p.BStart, 0)
		seg(p.AStart, p.AEnd, p.BStart, p.BEnd, k+1)
		ia, ib = p.AEnd, p.BEnd
	}
	seg(ia, len(ra), ib, len(rb), 0)
	return out
}

// anchors picks, of the passages, the heaviest chain in order on both
// sides without overlap (longest first when passages cross): the
// alignment a side-by-side view can show. Quadratic in the passages,
// which are few (one per copied stretch of 50 characters or more).
func anchors(ps []cpaudit.Passage) []cpaudit.Passage {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(x, y cpaudit.Passage) int {
		if x.AStart != y.AStart {
			return x.AStart - y.AStart
		}
		return x.BStart - y.BStart
	})
	if len(ps) == 0 {
		return nil
	}
	best := make([]int, len(ps)) // weight of the best chain ending at i
	prev := make([]int, len(ps))
	end := 0
	for i, p := range ps {
		best[i], prev[i] = p.AEnd-p.AStart, -1
		for j := range i {
			q := ps[j]
			if q.AEnd <= p.AStart && q.BEnd <= p.BStart && best[j]+p.AEnd-p.AStart > best[i] {
				best[i], prev[i] = best[j]+p.AEnd-p.AStart, j
			}
		}
		if best[i] > best[end] {
			end = i
		}
	}
	var chain []cpaudit.Passage
	for i := end; i >= 0; i = prev[i] {
		chain = append(chain, ps[i])
	}
	slices.Reverse(chain)
	return chain
}

// diffSegment diffs one aligned segment; coarse reports that the budget
// was spent and the segment shown as replaced.
func diffSegment(dmp *diffmatchpatch.DiffMatchPatch, a, b []rune, shared bool, deadline time.Time) (Segment, bool) {
	replaced := func() Segment {
		var s Segment
		if len(a) > 0 {
			s.A = []Chunk{{Text: string(a), Changed: true}}
		}
		if len(b) > 0 {
			s.B = []Chunk{{Text: string(b), Changed: true}}
		}
		return s
	}
	if len(a) == 0 || len(b) == 0 {
		return replaced(), false
	}
	if !shared && min(len(a), len(b)) > smallGap && sharedShingles(a, b) < minShared {
		return replaced(), false
	}
	left := time.Until(deadline)
	if left <= 0 {
		return replaced(), true
	}
	dmp.DiffTimeout = min(left, segmentTimeout)
	diffs := dmp.DiffMainRunes(a, b, false)
	diffs = dmp.DiffCleanupSemantic(diffs)
	var s Segment
	for _, d := range diffs {
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			s.A = append(s.A, Chunk{Text: d.Text})
			s.B = append(s.B, Chunk{Text: d.Text})
		case diffmatchpatch.DiffDelete:
			s.A = append(s.A, Chunk{Text: d.Text, Changed: true})
		case diffmatchpatch.DiffInsert:
			s.B = append(s.B, Chunk{Text: d.Text, Changed: true})
		}
	}
	return s, false
}

// sharedShingles is the share of the shorter side's shingles (runs of
// shingle runes) that occur in the longer: near 0 for unrelated text,
// near 1 for a lightly edited copy.
func sharedShingles(a, b []rune) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < shingle {
		return 0
	}
	hash := func(rs []rune) uint64 {
		h := uint64(14695981039346656037)
		for _, r := range rs {
			h = (h ^ uint64(r)) * 1099511628211
		}
		return h
	}
	in := make(map[uint64]struct{}, len(b))
	for i := 0; i+shingle <= len(b); i++ {
		in[hash(b[i:i+shingle])] = struct{}{}
	}
	n, hit := 0, 0
	for i := 0; i+shingle <= len(a); i++ {
		n++
		if _, ok := in[hash(a[i:i+shingle])]; ok {
			hit++
		}
	}
	return float64(hit) / float64(n)
}
