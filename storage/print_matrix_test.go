package storage

import (
	"math/rand/v2"
	"testing"
)

// Every hash put in a run's column is found in that run, whatever the
// number of runs (several slabs) and after columns are freed and reused;
// absent hashes get through a column of 250,000 hashes about as often as
// the comment on matrixWords says.
func TestRunMatrix(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var x runMatrix
	const runs = 150 // three slabs
	held := map[int64][]uint64{}
	for run := int64(1); run <= runs; run++ {
		col := x.column(run)
		for range 200 {
			h := rng.Uint64()
			x.add(col, h)
			held[run] = append(held[run], h)
		}
	}
	if len(x.slabs) != 3 {
		t.Fatalf("%d runs in %d slabs", runs, len(x.slabs))
	}
	found := func(h uint64, want int64) bool {
		ok := false
		x.mayHold(h, func(run int64) { ok = ok || run == want })
		return ok
	}
	for run, hs := range held {
		for _, h := range hs {
			if !found(h, run) {
				t.Fatalf("hash %x of run %d not found", h, run)
			}
		}
	}
	// Freed columns answer nothing and are handed out again, emptied.
	x.forget(7)
	x.forget(70)
	for _, h := range held[7] {
		if found(h, 7) {
			t.Fatalf("a forgotten run still answers")
		}
	}
	col := x.column(1000)
	if col != (matrixSlot{0, 6}) {
		t.Errorf("a new run got column %+v, not the freed (0, 6)", col)
	}
	for _, h := range held[7] {
		if found(h, 1000) {
			t.Fatalf("a reused column kept its old run's hashes")
		}
	}
	x.add(col, 42)
	if !found(42, 1000) || !found(held[71][0], 71) {
		t.Error("hashes missing after reuse")
	}

	// A top run's worth of hashes in one column.
	var big runMatrix
	bcol := big.column(1)
	for range 250_000 {
		big.add(bcol, rng.Uint64())
	}
	through := 0
	const tries = 100_000
	for range tries {
		big.mayHold(rng.Uint64(), func(int64) { through++ })
	}
	if rate := float64(through) / tries; rate > 0.05 {
		t.Errorf("%.1f%% of absent hashes get through a column of 250,000", 100*rate)
	} else {
		t.Logf("%.2f%% of absent hashes get through a column of 250,000", 100*rate)
	}
}
