// Command benchsimilar measures the similar-documents lookup
// (storage.SimilarDocuments, the 相似文档 card and GET
// /api/v1/documents/{id}/similar) on a seeded tenant of n analysed reports,
// and in the same run the same lookup without migration 027's index of
// shared_hashes by hash (what SQLite plans without it, at -n 300 slower
// than 5 minutes for three lookups): p50, p95 and max for an admin and a
// consultant, and the ratio.
//
// The detector's tables are written straight in SQL, as the analyses
// would have left them, without texts: every report has 11,000 prints;
// reports come in groups of four enterprises sharing 1,000 fingerprints (a
// consultancy's own template, too few enterprises to be boilerplate); each
// report shares 300 more with one other report somewhere, and one in 50 is
// a near-copy of another (8,000 shared); each holds 200 fingerprints
// recorded as shared before they became boilerplate, each of those in 5
// reports. A consultancy uploaded one report in three. No ANALYZE: the
// store never runs it, so the plan must be right without statistics.
//
// It is a benchmark, run by scripts/bench-similar, not a test.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/scripts/internal/benchstat"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob"
)

func main() {
	n := flag.Int("n", 2000, "analysed reports in the tenant")
	lookups := flag.Int("lookups", 300, "lookups per actor with the index")
	baseline := flag.Int("baseline-lookups", 20, "lookups per actor without the index (0: no baseline)")
	dir := flag.String("dir", "", "work directory (a fresh temporary one by default)")
	flag.Parse()
	if *n < 2 || *lookups < 1 || *baseline < 0 {
		fmt.Fprintln(os.Stderr, "benchsimilar: bad flags")
		os.Exit(2)
	}
	if err := run(context.Background(), *n, *lookups, *baseline, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "benchsimilar:", err)
		os.Exit(1)
	}
}

type actor struct {
	name string
	a    cpaudit.Actor
}

func run(ctx context.Context, n, lookups, baseline int, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "benchsimilar")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"))
	if err != nil {
		return err
	}
	cfg := storage.Config{DataDir: dir, Blobs: blobs}
	s, err := storage.Open(ctx, cfg)
	if err != nil {
		return err
	}
	tn, err := s.CreateTenant(ctx, "bench", "基准测试生态环境局")
	if err != nil {
		return err
	}
	sys := cpaudit.SystemActor(tn.ID)
	first17 := "91130100MA0CXXXX0"
	cons, err := s.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgConsultancy, Name: "绿源环保咨询",
		CreditCode: first17 + string(cpaudit.CreditCodeCheck(first17))})
	if err != nil {
		return err
	}
	var actors []actor
	for _, u := range []struct {
		email string
		role  cpaudit.Role
		org   string
	}{{"admin@hebei.gov.cn", cpaudit.RoleAdmin, ""}, {"zhang@lvyuan.cn", cpaudit.RoleConsultant, cons.ID}} {
		nu, err := s.CreateUser(ctx, sys, cpaudit.NewUser{Email: u.email, Role: u.role, Password: "密码足够长了吧abc", OrgID: u.org})
		if err != nil {
			return err
		}
		actors = append(actors, actor{string(u.role), cpaudit.Actor{TenantID: tn.ID, UserID: nu.ID, Email: nu.Email, Role: u.role, OrgID: u.org, ClientAddr: "10.0.0.1"}})
	}
	if err := s.Close(); err != nil {
		return err
	}
	file := filepath.Join(s.TenantDir("bench"), "tenant.db")
	start := time.Now()
	rows, err := seed(ctx, file, n, cons.ID)
	if err != nil {
		return err
	}
	fmt.Printf("benchsimilar: %d reports, %d shared_hashes rows, seeded in %v; no ANALYZE\n", n, rows, time.Since(start).Round(time.Second))

	ours, err := measure(ctx, cfg, actors, n, lookups)
	if err != nil {
		return err
	}
	print := func(what string, took map[string][]time.Duration) {
		for _, a := range actors {
			d := took[a.name]
			fmt.Printf("%s, %s: %d lookups, p50 %v, p95 %v, max %v\n", what, a.name, len(d),
				benchstat.Percentile(d, 50).Round(time.Microsecond), benchstat.Percentile(d, 95).Round(time.Microsecond),
				benchstat.Percentile(d, 100).Round(time.Microsecond))
		}
	}
	print("ours (shared_hashes indexed by hash, migration 027)", ours)
	if baseline == 0 {
		return nil
	}
	if err := exec(ctx, file, `DROP INDEX shared_hashes_hash`); err != nil {
		return err
	}
	base, err := measure(ctx, cfg, actors, n, baseline)
	if err != nil {
		return err
	}
	print("baseline (the same query without that index)", base)
	for _, a := range actors {
		fmt.Printf("ratio baseline/ours, %s: p50 %.0fx, p95 %.0fx\n", a.name,
			float64(benchstat.Percentile(base[a.name], 50))/float64(benchstat.Percentile(ours[a.name], 50)),
			float64(benchstat.Percentile(base[a.name], 95))/float64(benchstat.Percentile(ours[a.name], 95)))
	}
	return nil
}

// measure opens the store and times count lookups per actor of reports
// the consultancy uploaded (one in three), after one untimed lookup to warm
// the cache.
func measure(ctx context.Context, cfg storage.Config, actors []actor, n, count int) (map[string][]time.Duration, error) {
	s, err := storage.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	took := map[string][]time.Duration{}
	for _, a := range actors {
		if _, err := s.SimilarDocuments(ctx, a.a, "d00000000", 10); err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(1, 2))
		for range count {
			id := fmt.Sprintf("d%08d", rng.IntN(n)/3*3)
			t0 := time.Now()
			if _, err := s.SimilarDocuments(ctx, a.a, id, 10); err != nil {
				return nil, err
			}
			took[a.name] = append(took[a.name], time.Since(t0))
		}
	}
	return took, nil
}

func exec(ctx context.Context, file, q string) error {
	db, err := sql.Open("sqlite3", "file:"+file+"?_foreign_keys=1")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, q)
	return err
}

// seed writes the analyses' tables of n reports into the tenant's
// database, and returns how many shared_hashes rows it holds.
func seed(ctx context.Context, file string, n int, consID string) (int, error) {
	db, err := sql.Open("sqlite3", "file:"+file+"?_foreign_keys=1")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // the temporary table lives on one connection
	const series = `WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x + 1 < ?) `
	steps := []struct {
		q    string
		args []any
	}{
		{`DROP INDEX shared_hashes_hash`, nil},
		{series + `INSERT INTO organisations (id, kind, name, industry, region, created_at)
			SELECT printf('o%08d', x), 'enterprise', printf('企业%d', x), printf('C%02d', x % 20), '130100', 0 FROM s`, []any{n}},
		{series + `INSERT INTO documents (id, kind, title, org_id, created_by, created_at)
			SELECT printf('d%08d', x), 'report', printf('报告%d', x),
				CASE WHEN x % 3 = 0 THEN ?2 ELSE printf('o%08d', x) END, 'bench', x FROM s`, []any{n, consID}},
		{series + `INSERT INTO document_versions (document_id, number, sha256, size, content_type, filename, uploaded_by, uploaded_at, text_status)
			SELECT printf('d%08d', x), 1, printf('%064d', x), 1, 'text/plain', 'r.txt', 'bench', x, 'done' FROM s`, []any{n}},
		{series + `INSERT INTO analysis_enterprises (ent, enterprise_id) SELECT x + 1, printf('o%08d', x) FROM s`, []any{n}},
		{series + `INSERT INTO analysed_docs (doc, document_id, version, ent, runes, uploaded_at, analysed_at, run, prints)
			SELECT x + 1, printf('d%08d', x), 1, x + 1, 50000, x, x, 1, 11000 FROM s`, []any{n}},
		// Hash ranges, apart: groups from 0, pairs from 2^40, near-copies
		// from 2^41, boilerplate from 2^42.
		{`CREATE TEMP TABLE k(k INTEGER PRIMARY KEY)`, nil},
		{series + `INSERT INTO k SELECT x FROM s`, []any{8000}},
		{series + `INSERT OR IGNORE INTO shared_hashes (doc, hash)
			SELECT x + 1, (x / 4) * 1000 + k FROM s, k WHERE k < 1000 ORDER BY 1, 2`, []any{n}},
		// Report x shares 300 with report (x * 7919 + 13) mod n, and one in
		// 50 is a near-copy of the next.
		{series + `INSERT OR IGNORE INTO shared_hashes (doc, hash)
			SELECT CASE WHEN side = 0 THEN x + 1 ELSE (x * 7919 + 13) % ?2 + 1 END, (1 << 40) + x * 300 + k
			FROM s, k, (SELECT 0 AS side UNION ALL SELECT 1) WHERE k < 300 ORDER BY 1, 2`, []any{n, n}},
		{series + `INSERT OR IGNORE INTO shared_hashes (doc, hash)
			SELECT CASE WHEN side = 0 THEN x + 1 ELSE (x + 1) % ?2 + 1 END, (1 << 41) + x * 8000 + k
			FROM s, k, (SELECT 0 AS side UNION ALL SELECT 1) WHERE x % 50 = 0 ORDER BY 1, 2`, []any{n, n}},
		{series + `INSERT OR IGNORE INTO shared_hashes (doc, hash)
			SELECT x + 1, (1 << 42) + ((x * 200 + k) / 5) FROM s, k WHERE k < 200 ORDER BY 1, 2`, []any{n}},
		{series + `INSERT OR IGNORE INTO boilerplate (hash, cause) SELECT (1 << 42) + x, 0 FROM s`, []any{n*200/5 + 1}},
		{`CREATE INDEX shared_hashes_hash ON shared_hashes(hash)`, nil},
	}
	for _, st := range steps {
		if _, err := db.ExecContext(ctx, st.q, st.args...); err != nil {
			return 0, fmt.Errorf("%w\n%s", err, st.q)
		}
	}
	var rows int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM shared_hashes`).Scan(&rows)
	return rows, err
}
