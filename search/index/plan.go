package index

// Planning a substring search (see substringQuery): which documents to
// check (narrow), and which tiles to check in them (plan), from what the
// dictionary and the first postings say of each bigram (sample).

import (
	"context"
	"math"
	"slices"

	bleveindex "github.com/blevesearch/bleve_index_api"
)

// tile is one tile of a run: term says which bigram, pos its position
// after the run's first tile, and the masks and values what the runes
// around it must be (see gramField).
type tile struct {
	term               int
	pos                uint64
	startMask, startIs uint64 // against a tile of three numbers (pairCode)
	endMask, endIs     uint64
	quadMask, quadIs   uint64 // against a packed tile (quadCode)
	unpackable         bool   // a rune of rs around it has a code no packed tile holds
}

func (t tile) fits(l tileLoc) bool {
	if l.packed {
		return l.start&t.quadMask == t.quadIs && !t.unpackable
	}
	return l.start&t.startMask == t.startIs && l.end&t.endMask == t.endIs
}

// tileLoc is one tile of a term in a document, as gramField keeps it (see
// tileWords): packed, start is its quadCode; else start and end are the
// pairCodes of the runes before and after it.
type tileLoc struct {
	pos, start, end uint64
	packed          bool
}

// plan returns the run of tiles that pins down an occurrence of rs
// starting at an offset of parity align, and what checking it costs.
// termAt[j] is the term of the bigram at offset j of rs, weight[t] an
// estimate of term t's occurrences in a document holding it (see sample).
// The tile at offset j shows runes j-2 … j+3; a dynamic programme picks
// tiles covering rs at the least cost. A search decodes, in every
// candidate document, every tile of a run's terms (a matching document
// nearly always gets that far), so the cost of a run is the sum of its
// terms' weights and of a fixed cost per term (moving a reader): one tile
// of a bigram common in every report can cost more than two of rarer ones.
// The lightest tile comes first in the run (the lead): it is decoded
// first, and the others only where it fits.
func plan(rs []rune, align int, termAt []int, weight []uint64) ([]tile, uint64) {
	n := len(rs)
	best := make([]uint64, n+1) // best[c]: cost of covering runes c…n-1
	pick := make([]int, n+1)
	for c := n - 1; c >= 0; c-- {
		best[c] = math.MaxUint64
		for j := max(0, c-3); j <= min(c+2, n-2); j++ { // tiles showing rune c
			if (j-align)%2 != 0 {
				continue
			}
			if cost := perTerm + weight[termAt[j]] + best[min(j+4, n)]; cost < best[c] {
				best[c], pick[c] = cost, j
			}
		}
	}
	var run []tile
	for c := 0; c < n; c = pick[c] + 4 {
		run = append(run, newTile(rs, pick[c], termAt[pick[c]]))
	}
	first := run[0].pos
	lead := 0
	for k := range run {
		run[k].pos -= first
		if weight[run[k].term] < weight[run[lead].term] {
			lead = k
		}
	}
	run[0], run[lead] = run[lead], run[0]
	return run, best[0]
}

// perTerm is what moving one more located reader to a candidate costs, in
// the units of plan's weights: about as much as decoding six occurrences.
const perTerm = 6 * weightUnit

// newTile is the tile at offset j of rs: its position j/2 (made relative
// by plan) and the codes of the runes of rs around it, as gramField
// stores them (see pairCode).
func newTile(rs []rune, j, term int) tile {
	t := tile{term: term, pos: uint64(j) / 2}
	codes := gbCodes()
	// The runes of rs on either side, nearer first; a rune outside rs is
	// not compared (its bits are masked out).
	side := func(near, far int) (mask, is uint64) {
		for k, at := range [2]int{near, far} {
			if at >= 0 && at < len(rs) {
				mask |= [2]uint64{nearMask, farMask}[k]
				is |= spread(runeCode(codes, rs[at])) << k
			}
		}
		return mask, is
	}
	t.startMask, t.startIs = side(j-1, j-2)
	t.endMask, t.endIs = side(j+2, j+3)
	for k, at := range [4]int{j - 1, j - 2, j + 2, j + 3} { // the roles of quadCode
		if at >= 0 && at < len(rs) {
			c := runeCode(codes, rs[at])
			t.unpackable = t.unpackable || c >= packedCodes
			t.quadMask |= spread4(packedCodes-1) << k
			t.quadIs |= spread4(c&(packedCodes-1)) << k
		}
	}
	return t
}

// narrow restricts the readers in open (by term; nil for a term without
// one) to the documents that hold every one of terms (which may repeat), through scorch's
// conjunction optimisation: in each segment the postings bitmaps of all
// the terms are ANDed and the readers iterate the result, skipping the
// others' term vectors undecoded. A string of common bigrams is thus
// checked only where all of them occur, as a trigram index would find it,
// at the cost of a few bitmap ANDs.
func (s *substringSearcher) narrow(ctx context.Context, r bleveindex.IndexReader, open []bleveindex.TermFieldReader, terms []string) error {
	var octx bleveindex.OptimizableContext
	var plain []bleveindex.TermFieldReader
	defer func() {
		for _, p := range plain {
			p.Close()
		}
	}()
	seen := make(map[string]bool, len(terms))
	for k, t := range terms {
		if seen[t] {
			continue // a bigram of two terms: its bitmap is ANDed once
		}
		seen[t] = true
		var tfr bleveindex.TermFieldReader
		if k < len(open) {
			tfr = open[k]
		}
		if tfr == nil {
			p, err := r.TermFieldReader(ctx, []byte(t), fieldGrams, false, false, false)
			if err != nil {
				return err
			}
			plain = append(plain, p)
			tfr = p
		}
		o, ok := tfr.(bleveindex.Optimizable)
		if !ok {
			return nil // not scorch: unnarrowed, still exact
		}
		var err error
		if octx, err = o.Optimize("conjunction", octx); err != nil {
			return err
		}
	}
	if octx == nil {
		return nil
	}
	_, err := octx.Finish()
	return err
}

// sample returns how many documents hold term and an estimate of its
// occurrences in one of them, in weightUnits, from the first few.
func sample(ctx context.Context, r bleveindex.IndexReader, term string) (count, weight uint64, err error) {
	tfr, err := r.TermFieldReader(ctx, []byte(term), fieldGrams, true, false, false)
	if err != nil {
		return 0, 0, err
	}
	defer tfr.Close()
	count = tfr.Count()
	var tfd bleveindex.TermFieldDoc
	var n, freq uint64
	for ; n < 16; n++ {
		d, err := tfr.Next(tfd.Reset())
		if err != nil {
			return 0, 0, err
		}
		if d == nil {
			break
		}
		freq += d.Freq
	}
	if n == 0 {
		return count, 0, nil
	}
	return count, freq * weightUnit / n, nil
}

// weightUnit is one occurrence in sample's weights (which are fixed-point).
const weightUnit = 16

// bigrams returns the distinct bigrams of the query's string, or its one
// rune (a term too) when it has one: every document holding the string
// holds them.
func (q *substringQuery) bigrams() []string {
	if len(q.runes) == 1 {
		return []string{string(q.runes)}
	}
	var out []string
	for i := 0; i+1 < len(q.runes); i++ {
		if b := string(q.runes[i : i+2]); !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}
