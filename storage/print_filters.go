package storage

// This file owns the Bloom filters of the print runs (prints.go): one per
// run, kept in memory, so that looking a document's prints up in the runs
// costs a few nanoseconds per run and print, and a B-tree seek only for
// the prints a filter lets through (those shared, and about 0.5% more).
// Without them every print was sought in every run, which made the cost
// of a document grow with the number of runs (so with the tenant).
//
// A committed run never changes and its id is never reused (print_runs
// is AUTOINCREMENT), so a filter stays right whichever process wrote the
// run; filters of runs merged away are dropped when the runs are next
// listed. A filter is built from the prints once the transaction that
// appended the run has committed, or by reading the run's hashes the first
// time it is needed (a merged run, or after a restart).

import (
	"context"
	"database/sql"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// bloom is a blocked Bloom filter of 64-bit print hashes: each hash sets
// bloomProbes bits of one 64-bit word, with 16 to 32 bits of filter per
// print, so a lookup costs one memory access and lets fewer than 0.5% of
// absent hashes through. The word is picked by the top bits of the hash
// multiplied by an odd constant (Fibonacci hashing): winnowing keeps the
// smallest hash of each window, so the top bits of the prints themselves
// are far from uniform, while their low bits, which pick the bits in the
// word, are.
type bloom struct {
	words []uint64
	shift uint // 64 - log2(len(words))
}

const bloomProbes = 5

func newBloom(n int) *bloom {
	lg := bits.Len(uint(n / 4))
	return &bloom{words: make([]uint64, 1<<lg), shift: uint(64 - lg)}
}

// at returns the word of h and the bits h sets in it.
func (b *bloom) at(h uint64) (*uint64, uint64) {
	var m uint64
	for i := range bloomProbes {
		m |= 1 << (h >> (6 * i) & 63)
	}
	return &b.words[(h*0x9E3779B97F4A7C15)>>b.shift], m
}

func (b *bloom) add(h uint64) {
	w, m := b.at(h)
	*w |= m
}

func (b *bloom) mayHold(h uint64) bool {
	w, m := b.at(h)
	return *w&m == m
}

// runFilters holds the filters of the runs of every tenant; its zero
// value is ready to use.
type runFilters struct {
	mu    sync.Mutex
	byRun map[string]map[int64]*bloom // tenant id -> run -> filter
}

// put records the filter of a committed run (a rolled back run's id may
// be handed out again).
func (f *runFilters) put(tenantID string, run int64, b *bloom) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byRun == nil {
		f.byRun = map[string]map[int64]*bloom{}
	}
	if f.byRun[tenantID] == nil {
		f.byRun[tenantID] = map[int64]*bloom{}
	}
	f.byRun[tenantID][run] = b
}

// forRuns returns the filters of runs (committed ones, of the tenant),
// reading the hashes of those it has none for through tx, and forgets the
// filters of older runs no longer listed (merged away).
func (f *runFilters) forRuns(ctx context.Context, tx *sql.Tx, tenantID string, runs []printRun) (map[int64]*bloom, error) {
	f.mu.Lock()
	have := f.byRun[tenantID]
	out := make(map[int64]*bloom, len(runs))
	for _, r := range runs {
		if b := have[r.run]; b != nil {
			out[r.run] = b
		}
	}
	if len(runs) > 0 && len(have) > len(out) {
		listed := map[int64]bool{}
		for _, r := range runs {
			listed[r.run] = true
		}
		for run := range have {
			if !listed[run] && run < runs[len(runs)-1].run {
				delete(have, run)
			}
		}
	}
	f.mu.Unlock()
	for _, r := range runs {
		if out[r.run] != nil {
			continue
		}
		b, err := readFilter(ctx, tx, r)
		if err != nil {
			return nil, err
		}
		f.put(tenantID, r.run, b)
		out[r.run] = b
	}
	return out, nil
}

// readFilter builds the filter of a run from its stored hashes, read a
// chunk at a time as one string each (a row at a time would spend most
// of the time crossing into cgo).
func readFilter(ctx context.Context, tx *sql.Tx, r printRun) (*bloom, error) {
	const chunk = 1 << 16
	b := newBloom(int(r.prints))
	from := int64(math.MinInt64)
	for {
		var list sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT group_concat(hash) FROM
			(SELECT hash FROM prints WHERE run = ? AND hash >= ? ORDER BY hash LIMIT ?)`,
			r.run, from, chunk).Scan(&list); err != nil {
			return nil, err
		}
		n, last := 0, int64(0)
		for f := range strings.SplitSeq(list.String, ",") {
			if f == "" {
				continue
			}
			h, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return nil, err
			}
			b.add(uint64(h))
			n, last = n+1, h
		}
		if n < chunk || last == math.MaxInt64 {
			return b, nil
		}
		from = last + 1 // the rest of last's copies can only set the same bits
	}
}
