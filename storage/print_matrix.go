package storage

// This file owns the run matrix: the print runs' filters laid out so that
// one hash is checked against every run at once.

import "math/bits"

// A print that the filter of all lets through is checked against the
// filter of every run, and the runs grow in number with the tenant (about
// 100 top runs at 2,000 reports). Each run's filter is a separate array,
// so each check was a cache miss of ~50 ns: a document analysed again,
// whose every print passes the filter of all (its own earlier prints are
// in it), cost a million misses at 2,000 reports, and that cost per
// analysis grew with the tenant (a CPU profile: the run checks took 9.6x
// the time for 4x the reports).
//
// The matrix keeps a second, coarser filter of every run, all of one
// size (matrixWords words), in slabs of 64 runs where word w of the 64
// runs lies side by side: checking a hash reads 64 consecutive words (8
// cache lines) a slab. A run the matrix may hold the hash in is then
// checked in its own filter, so a print goes on to a B-tree seek only if
// both let it through.

// matrixWords is the size of a run's column, in 64-bit words: 2 Mbit, 8
// bits a print for a top run of 250,000 prints, so that about 3% of
// absent hashes get past the matrix to the run's own filter (print_filters
// .go measures 3.4% at 8 bits). A slab is 16 MiB.
const matrixWords = 1 << 15

// matrixWidth is the number of runs in a slab: one bit each in a word.
const matrixWidth = 64

type matrixSlab struct {
	words []uint64 // matrixWords × matrixWidth: word w of column c at w*matrixWidth+c
	runs  [matrixWidth]int64
	used  uint64 // the columns holding a run
}

type matrixSlot struct {
	slab, col int
}

// runMatrix holds a column per run. Its zero value is ready to use; its
// user serialises access (tenantFilters.mu).
type runMatrix struct {
	slabs []*matrixSlab
	slots map[int64]matrixSlot
}

// matrixWord is the word of h in a column, picked as bloom.at picks one
// (with the same bits of h in the word, but another word).
func matrixWord(h uint64) (int, uint64) {
	var m uint64
	for i := range bloomProbes {
		m |= 1 << (h >> (6 * i) & 63)
	}
	w, _ := bits.Mul64(h*0x9E3779B97F4A7C15, matrixWords)
	return int(w), m
}

// column returns an empty column for run, taking a free one or a new
// slab; a run that had one gets it back emptied.
func (x *runMatrix) column(run int64) matrixSlot {
	if x.slots == nil {
		x.slots = map[int64]matrixSlot{}
	}
	if s, ok := x.slots[run]; ok {
		x.clear(s)
		return s
	}
	for i, sl := range x.slabs {
		if sl.used != ^uint64(0) {
			s := matrixSlot{i, bits.TrailingZeros64(^sl.used)}
			sl.used |= 1 << s.col
			sl.runs[s.col] = run
			x.slots[run] = s
			return s
		}
	}
	x.slabs = append(x.slabs, &matrixSlab{words: make([]uint64, matrixWords*matrixWidth)})
	s := matrixSlot{len(x.slabs) - 1, 0}
	x.slabs[s.slab].used = 1
	x.slabs[s.slab].runs[0] = run
	x.slots[run] = s
	return s
}

// add sets h in run's column s.
func (x *runMatrix) add(s matrixSlot, h uint64) {
	w, m := matrixWord(h)
	x.slabs[s.slab].words[w*matrixWidth+s.col] |= m
}

// clear empties a column.
func (x *runMatrix) clear(s matrixSlot) {
	words := x.slabs[s.slab].words
	for i := s.col; i < len(words); i += matrixWidth {
		words[i] = 0
	}
}

// forget frees run's column, if it has one.
func (x *runMatrix) forget(run int64) {
	s, ok := x.slots[run]
	if !ok {
		return
	}
	x.clear(s)
	sl := x.slabs[s.slab]
	sl.used &^= 1 << s.col
	sl.runs[s.col] = 0
	delete(x.slots, run)
}

// has says whether run has a column.
func (x *runMatrix) has(run int64) bool {
	_, ok := x.slots[run]
	return ok
}

// mayHold calls fn with every run whose column may hold h.
func (x *runMatrix) mayHold(h uint64, fn func(run int64)) {
	w, m := matrixWord(h)
	for _, sl := range x.slabs {
		row := sl.words[w*matrixWidth : (w+1)*matrixWidth]
		for c, word := range row {
			if word&m == m && sl.used&(1<<c) != 0 {
				fn(sl.runs[c])
			}
		}
	}
}
