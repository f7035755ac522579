package storage

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestSharedHashesAgain: a document analysed again with the same prints
// looks up only its recorded shared hashes, and finds exactly what a
// full lookup finds, whatever the order of analyses: earlier and later
// partners, hashes turning into boilerplate (in 5 enterprises) on the way,
// re-analyses of re-analyses, and a document whose prints changed.
func TestSharedHashesAgain(t *testing.T) {
	const n = 9
	rng := rand.New(rand.NewPCG(7, 11))
	// Groups of 20 hashes, each put in 2 to 7 of the reports.
	type group struct {
		members []int
		hashes  []cpaudit.Fingerprint
	}
	var groups []group
	for g := range 14 {
		members := rng.Perm(n)[:2+rng.IntN(6)]
		var hs []cpaudit.Fingerprint
		for k := range 20 {
			hs = append(hs, cpaudit.Fingerprint{Hash: uint64(77_000_000+g*1000+k) * 0x9E3779B97F4A7C15})
		}
		groups = append(groups, group{members, hs})
	}
	printsOf := func(i, salt int) []cpaudit.Fingerprint {
		p := own(i, salt)
		pos := 5000
		for _, g := range groups {
			if slices.Contains(g.members, i) {
				for _, h := range g.hashes {
					p = append(p, cpaudit.Fingerprint{Hash: h.Hash, Pos: pos})
					pos += 10
				}
			}
		}
		return p
	}
	// The same steps on two tenants: the second forgets every document's
	// prints sum before each analysis, so it always looks up everything.
	type step struct{ doc, salt int }
	var steps []step
	for i := range n {
		steps = append(steps, step{i, 0})
		if i >= 3 {
			steps = append(steps, step{rng.IntN(i), 0}) // again, same prints
		}
	}
	steps = append(steps, step{2, 1}, step{2, 1}, step{4, 0}, step{0, 0}, step{2, 1})
	restricted, full := newPrintsFixture(t, n), newPrintsFixture(t, n)
	fullDB := full.db(t)
	for k, st := range steps {
		got := restricted.analyse(t, st.doc, printsOf(st.doc, st.salt))
		if _, err := fullDB.Exec(`UPDATE analysed_docs SET prints_sum = 0`); err != nil {
			t.Fatal(err)
		}
		want := full.analyse(t, st.doc, printsOf(st.doc, st.salt))
		// Document ids differ between tenants: compare by report number.
		if !reflect.DeepEqual(byReport(restricted, got), byReport(full, want)) {
			t.Fatalf("step %d (report %d, salt %d): restricted lookup found %v, full lookup %v", k, st.doc, st.salt, byReport(restricted, got), byReport(full, want))
		}
	}
	for _, q := range []string{`SELECT count(*) FROM boilerplate`, `SELECT count(*) FROM analysed_docs`} {
		if a, b := restricted.count(t, q), full.count(t, q); a != b {
			t.Errorf("%s: %d restricted, %d full", q, a, b)
		}
	}
	if restricted.count(t, `SELECT count(*) FROM boilerplate`) == 0 {
		t.Error("no hash became boilerplate: the test does not test that")
	}
	// The lists the restricted lookups read were written.
	if restricted.count(t, `SELECT count(*) FROM shared_hashes`) == 0 {
		t.Error("no shared hashes recorded")
	}
}

// byReport keys a lookup's result by report number instead of document id.
func byReport(f *printsFixture, m map[string][][2]int) map[int][][2]int {
	out := map[int][][2]int{}
	for id, seeds := range m {
		out[slices.Index(f.docs, id)] = seeds
	}
	return out
}
