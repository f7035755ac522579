package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// printsFixture is a tenant with n enterprises, each with one report
// (by the system actor), to be analysed with made-up prints.
type printsFixture struct {
	*fixture
	docs, ents []string
}

func newPrintsFixture(t *testing.T, n int) *printsFixture {
	t.Helper()
	ctx := context.Background()
	f := &printsFixture{fixture: newFixture(t, newTestStore(t, nil), "hebei")}
	for i := range n {
		o, err := f.s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: fmt.Sprintf("企业%d有限公司", i),
			CreditCode: code(fmt.Sprintf("91130100MA%07d", i)), Industry: "C2610", Region: "130100"})
		if err != nil {
			t.Fatal(err)
		}
		au, err := f.s.CreateAudit(ctx, f.sys, o.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		d, err := f.upload(t, f.sys, cpaudit.NewDocument{Kind: cpaudit.DocReport, AuditID: au.ID, Filename: "r.txt", ContentType: "text/plain"}, "报告")
		if err != nil {
			t.Fatal(err)
		}
		f.docs, f.ents = append(f.docs, d.ID), append(f.ents, o.ID)
	}
	return f
}

// analyse stores prints for report i and returns what it shares.
func (f *printsFixture) analyse(t *testing.T, i int, prints []cpaudit.Fingerprint) map[string][][2]int {
	t.Helper()
	j := cpaudit.AnalysisJob{ID: int64(1000 + i), TenantID: f.sys.TenantID,
		Source: cpaudit.AnalysisSource{DocumentID: f.docs[i], EnterpriseID: f.ents[i], Kind: cpaudit.DocReport, Version: 1}}
	got, err := f.s.MatchFingerprints(context.Background(), j, prints, 1000, 5)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][2]int{}
	for _, m := range got {
		out[m.DocumentID] = m.Seeds
	}
	return out
}

// own is 100 prints found only in report i (salt tells analyses apart).
func own(i, salt int) []cpaudit.Fingerprint {
	var p []cpaudit.Fingerprint
	for k := range 100 {
		p = append(p, cpaudit.Fingerprint{Hash: uint64(i*1_000_003+salt*7919+k) * 0x9E3779B97F4A7C15, Pos: 10 * k})
	}
	return p
}

func (f *printsFixture) count(t *testing.T, q string) int {
	t.Helper()
	db := f.db(t)
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPrintRuns: prints found in any run match, whatever merges happened
// in between; runs stay few (fewer than runFanIn of each level); a document analysed again matches with its new prints only,
// and its old ones are left out when their run is merged; prints in
// 5 enterprises' reports become boilerplate and stop matching.
func TestPrintRuns(t *testing.T) {
	f := newPrintsFixture(t, 16)
	shared := func(pos int) []cpaudit.Fingerprint { // copied between reports 0 and 6
		return []cpaudit.Fingerprint{{Hash: 1 << 40, Pos: pos}, {Hash: 1<<40 + 1, Pos: pos + 9}, {Hash: 1<<63 + 5, Pos: pos + 20}}
	}
	common := cpaudit.Fingerprint{Hash: 77, Pos: 995} // in reports 1 to 5
	for i := range 16 {
		p := own(i, 0)
		switch {
		case i == 0:
			p = append(p, shared(1000)...)
		case i >= 1 && i <= 5:
			p = append(p, common)
		}
		var got map[string][][2]int
		if i == 6 {
			got = f.analyse(t, i, append(append(p, shared(50)...), common))
		} else {
			got = f.analyse(t, i, p)
		}
		want := map[string][][2]int{}
		switch i {
		case 2, 3, 4: // the common print is not common yet
			for k := 1; k < i; k++ {
				want[f.docs[k]] = [][2]int{{995, 995}}
			}
		case 6: // only the copied prints: the common one is boilerplate now
			want[f.docs[0]] = [][2]int{{50, 1000}, {59, 1009}, {70, 1020}}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("report %d shares %v, want %v", i, got, want)
		}
		if n := f.count(t, `SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM print_runs GROUP BY level)`); n >= runFanIn {
			t.Errorf("after %d reports: %d runs of one level", i+1, n)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM boilerplate`); n != 1 {
		t.Errorf("%d boilerplate prints, want the common one", n)
	}
	// Report 0 analysed again without the copied passage: report 6 no
	// longer finds it, and the dead prints go with the next full merge.
	f.analyse(t, 0, own(0, 1))
	if got := f.analyse(t, 6, append(own(6, 0), shared(50)...)); len(got) != 0 {
		t.Errorf("report 6 still shares %v with report 0's old text", got)
	}
	if n := f.count(t, `SELECT count(*) FROM prints WHERE doc NOT IN (SELECT doc FROM analysed_docs)`); n == 0 {
		t.Errorf("dead prints dropped before their run was merged")
	}
	// Report 1 analysed twice more: its first new run dies at once, and
	// the merge of the level-0 runs (8 of them after 4 more reports)
	// leaves its prints out.
	deadQ := `SELECT count(*) FROM prints WHERE doc NOT IN (SELECT doc FROM analysed_docs)`
	f.analyse(t, 1, own(1, 3))
	f.analyse(t, 1, own(1, 4))
	if n := f.count(t, deadQ+` AND run IN (SELECT run FROM print_runs WHERE level = 0)`); n != 100 {
		t.Fatalf("%d dead prints in level-0 runs, want 100", n)
	}
	for i := 2; i <= 5; i++ {
		f.analyse(t, i, own(i, 3))
	}
	if n := f.count(t, `SELECT count(*) FROM print_runs WHERE level = 0`); n != 0 {
		t.Fatalf("%d level-0 runs left, want them merged", n)
	}
	if n := f.count(t, deadQ+` AND run = (SELECT max(run) FROM print_runs)`); n != 0 {
		t.Errorf("the merge kept %d dead prints", n)
	}
	// A top-level run is not merged with others, but rewritten alone once
	// half its prints are dead: the first level-1 run (reports 0 to 7,
	// seven of them analysed again since) made a top run here.
	db := f.db(t)
	if _, err := db.Exec(`UPDATE print_runs SET level = ? WHERE run = (SELECT min(run) FROM print_runs WHERE level = 1)`, topLevel); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, deadQ+` AND run IN (SELECT run FROM print_runs WHERE level = 2)`); n < 700 {
		t.Fatalf("%d dead prints in the top run, want those of 7 reports", n)
	}
	f.analyse(t, 8, own(8, 3))
	if n := f.count(t, deadQ+` AND run IN (SELECT run FROM print_runs WHERE level = 2)`); n != 0 {
		t.Errorf("%d dead prints left in the top run", n)
	}
	if n := f.count(t, `SELECT count(*) FROM print_runs WHERE level = 2 AND (dead <> 0 OR prints <> 100)`); n != 0 {
		t.Errorf("the rewritten top run should hold report 7's 100 prints, none dead")
	}
	if n := f.count(t, `SELECT count(*) FROM analysed_docs a JOIN print_runs r USING (run) WHERE r.level = 2`); n != 1 {
		t.Errorf("%d documents in the top run, want report 7", n)
	}
	if n, live := f.count(t, `SELECT sum(prints) FROM print_runs`), f.count(t, `SELECT count(*) FROM prints`); n != live {
		t.Errorf("runs count %d prints, the table holds %d", n, live)
	}
}

// TestPrintRunsMigration: migration 014 turns the fingerprints of a
// tenant analysed before it (one indexed table with text ids) into one
// run, keeping enterprises and guidelines apart, so a new report finds
// what it copied from them without anything being analysed again.
func TestPrintRunsMigration(t *testing.T) {
	ctx := context.Background()
	f := newPrintsFixture(t, 3)
	g, err := f.upload(t, f.publisher, cpaudit.NewDocument{Kind: cpaudit.DocGuideline, Filename: "g.txt", ContentType: "text/plain"}, "指南")
	if err != nil {
		t.Fatal(err)
	}
	db := f.db(t)
	// The state before 014, as the analysis left it: reports 0 and 1
	// and the guideline analysed.
	for _, q := range []string{`DROP TABLE prints`, `DROP TABLE print_runs`, `DROP TABLE analysed_docs`, `DROP TABLE analysis_enterprises`,
		`CREATE TABLE fingerprints (hash INTEGER NOT NULL, document_id TEXT NOT NULL REFERENCES documents(id),
			pos INTEGER NOT NULL, enterprise_id TEXT NOT NULL, guideline INTEGER NOT NULL)`,
		`CREATE INDEX fingerprints_hash ON fingerprints(hash)`,
		`CREATE INDEX fingerprints_document ON fingerprints(document_id)`,
		`CREATE TABLE analysed_texts (document_id TEXT PRIMARY KEY REFERENCES documents(id), version INTEGER NOT NULL,
			enterprise_id TEXT NOT NULL, runes INTEGER NOT NULL, uploaded_at INTEGER NOT NULL, analysed_at INTEGER NOT NULL)`,
		`DELETE FROM schema_migrations WHERE version = 14`,
		// 017 changes a table 014 makes: it runs again after it.
		`DROP TABLE shared_hashes`, `DELETE FROM schema_migrations WHERE version = 17`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old := []struct {
		doc, ent  string
		guideline int
		prints    []cpaudit.Fingerprint
	}{
		{f.docs[0], f.ents[0], 0, append(own(0, 0), cpaudit.Fingerprint{Hash: 1 << 63, Pos: 7}, cpaudit.Fingerprint{Hash: 5, Pos: 14}, cpaudit.Fingerprint{Hash: 6, Pos: 21})},
		{f.docs[1], f.ents[1], 0, append(own(1, 0), cpaudit.Fingerprint{Hash: 9, Pos: 30})},
		{g.ID, "", 1, []cpaudit.Fingerprint{{Hash: 9, Pos: 0}}},
	}
	for _, o := range old {
		if _, err := db.Exec(`INSERT INTO analysed_texts VALUES (?, 1, ?, 1000, 0, 0)`, o.doc, o.ent); err != nil {
			t.Fatal(err)
		}
		for _, p := range o.prints {
			if _, err := db.Exec(`INSERT INTO fingerprints VALUES (?, ?, ?, ?, ?)`, int64(p.Hash), o.doc, p.Pos, o.ent, o.guideline); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.Exec(`INSERT INTO boilerplate (hash, cause) VALUES (9, 1)`); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, db, "tenant"); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM prints WHERE run = 1`); n != 205 {
		t.Errorf("%d prints migrated, want 205", n)
	}
	if n := f.count(t, `SELECT count(*) FROM print_runs WHERE run = 1 AND prints = 205`); n != 1 {
		t.Errorf("the migrated run is not recorded")
	}
	if n := f.count(t, `SELECT count(*) FROM analysed_docs WHERE run = 1 AND prints IN (103, 101, 1)`); n != 3 {
		t.Errorf("%d migrated documents know their run and prints, want 3", n)
	}
	if n := f.count(t, `SELECT count(*) FROM analysed_docs WHERE ent = 0`); n != 1 {
		t.Errorf("%d guidelines among the analysed documents, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM jobs WHERE kind = 'analyse'`); n != 0 {
		t.Errorf("%d documents queued for analysis again, want none", n)
	}
	// Report 2 copies from report 0 (and holds the guideline's print).
	got := f.analyse(t, 2, append(own(2, 0), cpaudit.Fingerprint{Hash: 1 << 63, Pos: 100}, cpaudit.Fingerprint{Hash: 5, Pos: 107},
		cpaudit.Fingerprint{Hash: 6, Pos: 114}, cpaudit.Fingerprint{Hash: 9, Pos: 120}))
	want := map[string][][2]int{f.docs[0]: {{100, 7}, {107, 14}, {114, 21}}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after the migration report 2 shares %v, want %v", got, want)
	}
}

// TestBloom: a run's filter never misses a hash it holds (a miss would
// hide a copied passage), whatever its size, and lets few others through,
// for uniform hashes and for winnowed ones (the smallest of 8).
func TestBloom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	uniform := r.Uint64
	winnowed := func() uint64 {
		m := r.Uint64()
		for range 7 {
			m = min(m, r.Uint64())
		}
		return m
	}
	for _, gen := range []func() uint64{uniform, winnowed} {
		for _, n := range []int{0, 1, 3, 100, 11_000, 200_000} {
			b := newBloom(n, runBloomBits)
			held := make([]uint64, n)
			for i := range held {
				held[i] = gen()
				b.add(held[i])
			}
			for _, h := range held {
				if !b.mayHold(h) {
					t.Fatalf("n=%d: hash %x missed", n, h)
				}
			}
			through := 0
			const tries = 100_000
			for range tries {
				if b.mayHold(gen()) {
					through++
				}
			}
			if n >= 100 && through > tries/50 {
				t.Errorf("n=%d: %d of %d absent hashes let through", n, through, tries)
			}
		}
	}
}

// TestReadFilter: a run's filter read back from the table (after a
// restart, or for a merged run), in chunks, holds every hash of the run.
func TestReadFilter(t *testing.T) {
	f := newPrintsFixture(t, 1)
	var p []cpaudit.Fingerprint
	for k := range 70_000 { // more than one chunk
		p = append(p, cpaudit.Fingerprint{Hash: uint64(k) * 0x9E3779B97F4A7C15, Pos: k})
	}
	f.analyse(t, 0, p)
	db := f.db(t)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	b, err := readFilter(context.Background(), tx, printRun{run: 1, prints: int64(len(p))})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range p {
		if !b.mayHold(x.Hash) {
			t.Fatalf("hash %x missing from the filter read back", x.Hash)
		}
	}
}

// TestPrintFiltersAcrossStores: two stores on one data directory (the
// server and the command line) each cache run filters; a run written by
// one is found by the other, whose cache never had it.
func TestPrintFiltersAcrossStores(t *testing.T) {
	ctx := context.Background()
	f := newPrintsFixture(t, 2)
	other, err := Open(ctx, Config{DataDir: f.s.dataDir, Blobs: f.s.blobs, Passwords: cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	copied := []cpaudit.Fingerprint{{Hash: 11, Pos: 500}, {Hash: 12, Pos: 507}, {Hash: 13, Pos: 515}}
	f.analyse(t, 0, append(own(0, 0), copied...))
	g := &printsFixture{fixture: &fixture{s: other, sys: f.sys}, docs: f.docs, ents: f.ents}
	if got := g.analyse(t, 1, append(own(1, 0), copied...)); len(got[f.docs[0]]) != 3 {
		t.Errorf("the second store finds %v, want the 3 copied prints of report 0", got)
	}
	if got := f.analyse(t, 0, append(own(0, 1), copied...)); len(got[f.docs[1]]) != 3 {
		t.Errorf("the first store finds %v, want the 3 copied prints of report 1", got)
	}
}

// TestPrintFilterOfAll: the filter of every print, which lets a print
// found in no run skip the runs' filters, is built again larger once the
// runs outgrow it, and prints copied from a run stored before (and from
// one stored by another store, which the filter never saw being
// written) are still found.
func TestPrintFilterOfAll(t *testing.T) {
	ctx := context.Background()
	f := newPrintsFixture(t, 4)
	many := func(i int) []cpaudit.Fingerprint { // 50,000 prints of report i's own
		var p []cpaudit.Fingerprint
		for k := range 50_000 {
			p = append(p, cpaudit.Fingerprint{Hash: uint64(i*10_000_019+k) * 0x9E3779B97F4A7C15, Pos: k})
		}
		return p
	}
	copied := []cpaudit.Fingerprint{{Hash: 21, Pos: 900_000}, {Hash: 22, Pos: 900_007}, {Hash: 23, Pos: 900_015}}
	f.analyse(t, 0, append(many(0), copied...))
	tf := f.s.runFilters.tenant(f.sys.TenantID)
	first := tf.allFor
	f.analyse(t, 1, many(1))
	f.analyse(t, 2, many(2))
	// A run written by another store on the same data.
	other, err := Open(ctx, Config{DataDir: f.s.dataDir, Blobs: f.s.blobs, Passwords: cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	g := &printsFixture{fixture: &fixture{s: other, sys: f.sys}, docs: f.docs, ents: f.ents}
	g.analyse(t, 3, append(many(3), cpaudit.Fingerprint{Hash: 31, Pos: 5}))
	got := f.analyse(t, 1, append(many(1), append(copied, cpaudit.Fingerprint{Hash: 31, Pos: 7})...))
	if len(got[f.docs[0]]) != 3 || len(got[f.docs[3]]) != 1 {
		t.Errorf("found %v, want the 3 copied prints of report 0 and the one of report 3 (stored by the other store)", got)
	}
	if tf.allFor <= first || tf.allFor < 400_000 {
		t.Errorf("the filter of all was built for %d prints, then %d: not rebuilt for the 250,000 prints of the runs", first, tf.allFor)
	}
	through := 0
	for k := range 10_000 {
		if tf.all.mayHold(uint64(77_000_000+k) * 0x9E3779B97F4A7C15) {
			through++
		}
	}
	if through > 500 {
		t.Errorf("%d of 10,000 absent hashes pass the filter of all", through)
	}
}

// TestPrintFiltersFailedRead: a read of the runs that fails leaves no
// half-built filter behind; the next read builds it whole.
func TestPrintFiltersFailedRead(t *testing.T) {
	f := newPrintsFixture(t, 1)
	f.analyse(t, 0, own(0, 0))
	db := f.db(t)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	runs, err := listRuns(context.Background(), tx)
	if err != nil || len(runs) != 1 {
		t.Fatal(runs, err)
	}
	tf := &tenantFilters{byRun: map[int64]*bloom{}}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := tf.forRuns(cancelled, tx, runs); err == nil {
		t.Fatal("a cancelled read succeeded")
	}
	if tf.all != nil || len(tf.byRun) != 0 {
		t.Fatalf("a failed read left filters behind: all %v, runs %d", tf.all != nil, len(tf.byRun))
	}
	_, all, err := tf.forRuns(context.Background(), tx, runs)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range own(0, 0) {
		if !all.mayHold(p.Hash) || !tf.byRun[runs[0].run].mayHold(p.Hash) {
			t.Fatalf("hash %x missing after the second read", p.Hash)
		}
	}
}
