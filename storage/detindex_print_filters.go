package storage

// This file owns the Bloom filters of the print runs (detindex_prints.go): one per
// run, and one of every print of the tenant, kept in memory. A document's
// print is first checked against the filter of all prints, which lets
// through only those some run may hold (the shared ones, and a few per
// cent more); only those are checked against each run's filter, and a
// B-tree seek is made only where a run's filter lets a print through
// (about 1% more than the shared ones). Without the run filters every
// print was sought in every run; without the filter of all, every print
// cost one check per run, whose number grows with the tenant, which made
// the cost of a document grow with it (at 2,000 reports about 115 runs:
// 11,000 prints x 115 checks of ~50 ns, some 60 ms of a report's ~200).
//
// A committed run never changes and its id is never reused (print_runs
// is AUTOINCREMENT), so a filter stays right whichever process wrote the
// run; filters of runs merged away are dropped when the runs are next
// listed. A filter is built from the prints once the transaction that
// appended the run has committed, or by reading the run's hashes the first
// time it is needed (a merged run, one written by another process, or
// after a restart), which also adds them to the filter of all.

import (
	"context"
	"database/sql"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"sync"

	"github.com/cpaudit/cpaudit"
)

// bloom is a blocked Bloom filter of 64-bit print hashes: each hash sets
// bloomProbes bits of one 64-bit word, so a lookup costs one memory
// access. At runBloomBits bits of filter per print about 1% of absent
// hashes get through (TestBloom). The word is picked by the top bits of
// the hash multiplied by an odd constant (Fibonacci hashing), scaled to
// the number of words: winnowing keeps the smallest hash of each window,
// so the top bits of the prints themselves are far from uniform, while
// their low bits, which pick the bits in the word, are.
type bloom struct {
	words []uint64
}

const bloomProbes = 5

// Bits of filter per print, measured on winnowed hashes: 16 bits let
// 0.4% of absent hashes through, 12 bits 1.0%, 8 bits 3.4%. A run's filter
// is checked only for the prints the filter of all lets through, so 1% of
// those going on to a B-tree seek costs little. The filter of all is made
// for twice the prints the runs hold and made again once they outgrow it,
// so it has 8 to 16 bits a print. Memory counts: at 2,000 reports the runs
// hold some 25 million prints.
const (
	runBloomBits = 12
	allBloomBits = 8
)

// newBloom makes a filter for n hashes at bitsPer bits each.
func newBloom(n, bitsPer int) *bloom {
	return &bloom{words: make([]uint64, max(1, (n*bitsPer+63)/64))}
}

// at returns the word of h and the bits h sets in it.
func (b *bloom) at(h uint64) (*uint64, uint64) {
	var m uint64
	for i := range bloomProbes {
		m |= 1 << (h >> (6 * i) & 63)
	}
	w, _ := bits.Mul64(h*0x9E3779B97F4A7C15, uint64(len(b.words)))
	return &b.words[w], m
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
	mu      sync.Mutex
	tenants map[string]*tenantFilters
}

// tenantFilters are the filters of one tenant's runs, and one more of
// every print in them all: a new document's prints are mostly found in no
// run, and that filter answers them with one check each instead of one
// per run (whose number grows with the tenant: about 100 at 2,000
// reports). mu serialises its users; the analyses of a tenant are
// serialised by its database's write lock already, which the race
// detector cannot see.
type tenantFilters struct {
	mu    sync.Mutex
	byRun map[int64]*bloom
	// all holds the hashes of every listed run, and of some prints since
	// dead or rolled back (a superset costs only checks); nil until first
	// needed. It is made for allFor prints, twice what the runs held then,
	// and made again from the table once they hold more.
	all    *bloom
	allFor int64
}

// tenant returns the filters of a tenant.
func (f *runFilters) tenant(id string) *tenantFilters {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tenants == nil {
		f.tenants = map[string]*tenantFilters{}
	}
	t := f.tenants[id]
	if t == nil {
		t = &tenantFilters{byRun: map[int64]*bloom{}}
		f.tenants[id] = t
	}
	return t
}

// put records the filter of a committed run (a rolled back run's id may
// be handed out again). The caller holds t.mu.
func (t *tenantFilters) put(run int64, b *bloom) { t.byRun[run] = b }

// addAll adds prints to the filter of all prints. The caller holds t.mu,
// and has called forRuns.
func (t *tenantFilters) addAll(prints []cpaudit.Fingerprint) {
	for _, p := range prints {
		t.all.add(p.Hash)
	}
}

// forRuns returns the filters of runs (committed ones, of the tenant) and
// the filter of all their prints, reading through tx the hashes of the
// runs it has no filter for (and of every run when the filter of all is
// missing or outgrown), and forgets the filters of older runs no longer
// listed (merged away). The caller holds t.mu.
func (t *tenantFilters) forRuns(ctx context.Context, tx *sql.Tx, runs []printRun) (map[int64]*bloom, *bloom, error) {
	var total int64
	listed := make(map[int64]bool, len(runs))
	for _, r := range runs {
		total += r.prints
		listed[r.run] = true
	}
	if len(runs) > 0 {
		for run := range t.byRun {
			if !listed[run] && run < runs[len(runs)-1].run {
				delete(t.byRun, run)
			}
		}
	}
	// A new filter of all replaces the old only once it holds every run:
	// one left half-built by a failed read would miss prints for good.
	all, allFor := t.all, t.allFor
	rebuild := all == nil || total > allFor
	if rebuild {
		allFor = 2 * max(total, 1<<16)
		all = newBloom(int(allFor), allBloomBits)
	}
	out := make(map[int64]*bloom, len(runs))
	fresh := map[int64]*bloom{}
	for _, r := range runs {
		b := t.byRun[r.run]
		if b != nil && !rebuild {
			out[r.run] = b
			continue
		}
		// A run's hashes go into the filter of all whenever they are
		// read: a run merged from others, or written by another process,
		// is in it after this, whatever it held before.
		var add func(uint64)
		switch {
		case b == nil:
			b = newBloom(int(r.prints), runBloomBits)
			fresh[r.run] = b
			add = func(h uint64) { b.add(h); all.add(h) }
		default:
			add = all.add
		}
		if err := readRun(ctx, tx, r.run, add); err != nil {
			return nil, nil, err
		}
		out[r.run] = b
	}
	t.all, t.allFor = all, allFor
	for run, b := range fresh {
		t.put(run, b)
	}
	return out, all, nil
}

// readFilter builds the filter of a run from its stored hashes.
func readFilter(ctx context.Context, tx *sql.Tx, r printRun) (*bloom, error) {
	b := newBloom(int(r.prints), runBloomBits)
	return b, readRun(ctx, tx, r.run, b.add)
}

// readRun calls add with every distinct hash stored in a run, read a
// chunk at a time as one string each (a row at a time would spend most
// of the time crossing into cgo).
func readRun(ctx context.Context, tx *sql.Tx, run int64, add func(uint64)) error {
	const chunk = 1 << 16
	from := int64(math.MinInt64)
	for {
		var list sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT group_concat(hash) FROM
			(SELECT hash FROM prints WHERE run = ? AND hash >= ? ORDER BY hash LIMIT ?)`,
			run, from, chunk).Scan(&list); err != nil {
			return err
		}
		n, last := 0, int64(0)
		for f := range strings.SplitSeq(list.String, ",") {
			if f == "" {
				continue
			}
			h, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return err
			}
			add(uint64(h))
			n, last = n+1, h
		}
		if n < chunk || last == math.MaxInt64 {
			return nil
		}
		from = last + 1 // the rest of last's copies add nothing
	}
}
