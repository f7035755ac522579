//go:build benchseed

// Command benchresults measures the accounting of the results (审核成效) on a
// generated province: 10,000 audits over Hebei's 11 cities and 170
// counties, 24 industries, 3 batches and 40 consultancies, with 8 options
// each (80,000; about half implemented or verified, so counted), seeded so
// runs compare. As a regulator of the province it times, interleaved,
// reps times each after 5 warm-up rounds:
//
//   - province totals: store.Results grouped by region at province level,
//     and GET /api/v1/results?group_by=region&level=province through the
//     real handler (httptest, with a token);
//   - the per-industry ranking: store.ResultRanking for industry C26 per
//     cod, and GET /api/v1/results/ranking through the handler;
//   - the baselines (baseline.go): the same answers as one plain GROUP BY
//     each, over the base tables, on a copy of the database with its own
//     indexes. Each baseline's answer is checked equal to ours first.
//
// Then, with the store closed, it exports every counted option
// (GET /results/options.xlsx, the real handler and session) in a child
// process, for the province and for one city, and reads each child's
// time and peak resident set (ru_maxrss): memory that stays flat while
// the rows grow 10-fold is the streaming at work.
//
// Run it through scripts/bench-results.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers"
	"github.com/cpaudit/cpaudit/letter"
	"github.com/cpaudit/cpaudit/scripts/internal/benchstat"
	"github.com/cpaudit/cpaudit/search/index"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob"
	"github.com/cpaudit/cpaudit/templates"
	_ "github.com/mattn/go-sqlite3"
)

type config struct {
	n, perAudit, reps int
	seed              uint64
	dir               string
	industry          string
	per               string
	// the child's: export with this session cookie and region
	exportCookie, exportRegion string
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 10000, "audits")
	flag.IntVar(&c.perAudit, "options", 8, "options per audit")
	flag.IntVar(&c.reps, "reps", 200, "timed requests of each (interleaved)")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed")
	flag.StringVar(&c.dir, "dir", "", "work directory (required; scripts/bench-results makes one)")
	flag.StringVar(&c.industry, "industry", "C26", "industry of the ranking")
	flag.StringVar(&c.per, "per", "cod", "quantity of the ranking")
	flag.StringVar(&c.exportCookie, "export-cookie", "", "internal: run one export as the child")
	flag.StringVar(&c.exportRegion, "export-region", "", "internal: the child's region filter")
	flag.Parse()
	var err error
	if c.exportCookie != "" {
		err = exportChild(context.Background(), c, os.Stdout)
	} else {
		err = run(context.Background(), c, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchresults:", err)
		os.Exit(1)
	}
}

func openStore(ctx context.Context, dir string) (*storage.Store, http.Handler, func(), error) {
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, nil, nil, err
	}
	store, err := storage.Open(ctx, storage.Config{DataDir: dir, Blobs: blobs,
		Passwords: storage.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		return nil, nil, nil, err
	}
	indexes := index.NewSet(func(ctx context.Context, tenantID string) (string, error) { return store.IndexDir("hebei"), nil })
	h, err := handlers.New(handlers.Config{Store: store, Search: indexes, Letters: letter.NewService(store, nil, nil), Templates: templates.FS})
	if err != nil {
		indexes.Close()
		store.Close()
		return nil, nil, nil, err
	}
	return store, h, func() { indexes.Close(); store.Close() }, nil
}

func run(ctx context.Context, c config, out io.Writer) error {
	if c.dir == "" {
		return fmt.Errorf("-dir is required")
	}
	store, h, closeAll, err := openStore(ctx, c.dir)
	if err != nil {
		return err
	}
	defer func() { closeAll() }()
	tn, err := store.CreateTenant(ctx, "hebei", "河北省生态环境厅")
	if err != nil {
		return err
	}
	sys := cpaudit.SystemActor(tn.ID)
	rng := rand.New(rand.NewPCG(c.seed, 2026))
	start := time.Now()
	audits, err := generate(ctx, store, sys, rng, c)
	if err != nil {
		return err
	}
	if err := store.SeedAuditsForBench(ctx, sys, audits); err != nil {
		return err
	}
	if _, err := store.RecomputeDeadlines(ctx, tn.ID); err != nil {
		return err
	}
	nOpts, err := store.SeedOptionsForBench(ctx, sys, func(string) []cpaudit.AuditOption { return options(rng, c.perAudit) })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded %d audits and %d options in %s\n", len(audits), nOpts, time.Since(start).Round(time.Millisecond))

	reg, err := login(ctx, store, sys, "130000")
	if err != nil {
		return err
	}
	base, err := openBaseline(ctx, filepath.Join(store.TenantDir("hebei"), "tenant.db"), filepath.Join(c.dir, "baseline.db"))
	if err != nil {
		return err
	}
	defer base.Close()
	fmt.Fprintln(out, base.config(ctx, c))

	// The answers first: the baselines must give ours.
	totals := cpaudit.ResultFilter{GroupBy: cpaudit.GroupByRegion, Level: cpaudit.LevelProvince}
	ours, err := store.Results(ctx, reg.actor, totals)
	if err != nil {
		return err
	}
	theirs, err := base.totals(ctx, "130000")
	if err != nil {
		return err
	}
	if d := diffGroups(ours, theirs); d != "" {
		return fmt.Errorf("the baseline's province totals differ from ours: %s", d)
	}
	rf := cpaudit.RankingFilter{Industry: c.industry, Per: cpaudit.Quantity(c.per), Limit: 1000}
	ranked, err := store.ResultRanking(ctx, reg.actor, rf)
	if err != nil {
		return err
	}
	theirRank, err := base.ranking(ctx, "130000", c.industry, c.per, 1000)
	if err != nil {
		return err
	}
	if d := diffRanking(ranked, theirRank); d != "" {
		return fmt.Errorf("the baseline's ranking differs from ours: %s", d)
	}
	counted := 0
	for _, g := range ours {
		counted += g.Options
	}
	fmt.Fprintf(out, "province totals: %d group(s), %d counted options of %d audits; ranking of %s per %s: %d options. Both baselines gave the same answers.\n",
		len(ours), counted, ours[0].Audits, c.industry, c.per, len(ranked))

	type item struct {
		what string
		fn   func() error
		d    []time.Duration
	}
	q := "/api/v1/results/ranking?industry=" + c.industry + "&per=" + c.per
	items := []*item{
		{what: "baseline province totals (SQL GROUP BY)", fn: func() error { _, err := base.totals(ctx, "130000"); return err }},
		{what: "ours province totals: store.Results", fn: func() error { _, err := store.Results(ctx, reg.actor, totals); return err }},
		{what: "ours province totals: API", fn: func() error { return request(h, reg, "/api/v1/results?group_by=region&level=province") }},
		{what: "baseline ranking (SQL ORDER BY LIMIT)", fn: func() error { _, err := base.ranking(ctx, "130000", c.industry, c.per, 1000); return err }},
		{what: "ours ranking: store.ResultRanking", fn: func() error { _, err := store.ResultRanking(ctx, reg.actor, rf); return err }},
		{what: "ours ranking: API", fn: func() error { return request(h, reg, q) }},
	}
	const warm = 5
	for round := 0; round < c.reps+warm; round++ {
		for k := range items {
			it := items[(k+round)%len(items)]
			t0 := time.Now()
			if err := it.fn(); err != nil {
				return fmt.Errorf("%s: %w", it.what, err)
			}
			if round >= warm {
				it.d = append(it.d, time.Since(t0))
			}
		}
	}
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "what\tp50\tp99\tratio p50\tratio p99\tpaired ratio p50\ttarget p99 ≤ 100 ms and ≤ 1.5x\t")
	for i, it := range items {
		p50, p99 := benchstat.Percentile(it.d, 50), benchstat.Percentile(it.d, 99)
		if i%3 == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t\t\t\n", it.what, ms(p50), ms(p99))
			continue
		}
		b := items[i-i%3]
		bp50, bp99 := benchstat.Percentile(b.d, 50), benchstat.Percentile(b.d, 99)
		ok := p99 <= 100*time.Millisecond && float64(p99) <= 1.5*float64(bp99)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2fx\t%.2fx\t%.2fx\t%s\t\n", it.what, ms(p50), ms(p99), float64(p50)/float64(bp50),
			float64(p99)/float64(bp99), pairedRatio(it.d, b.d), verdict(ok))
	}
	tw.Flush()
	fmt.Fprintf(out, "%d of each, interleaved (one of each in turn, the order rotated every round) after %d warm-up rounds; p99 is the %dth of %d;\n"+
		"ratio = ours / the baseline of the same question; paired ratio p50 = median over rounds of ours / baseline in the same round.\n",
		c.reps, warm, (c.reps*99+99)/100, c.reps)

	// The exports, each in a child process of its own, the store closed.
	rowsOf := map[string]int{}
	for _, region := range []string{"130100", "130000"} {
		groups, err := store.Results(ctx, reg.actor, cpaudit.ResultFilter{GroupBy: cpaudit.GroupByYear, Region: region})
		if err != nil {
			return err
		}
		for _, g := range groups {
			rowsOf[region] += g.Options
		}
	}
	closeAll()
	closeAll = func() {}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	for _, region := range []string{"130100", "130000"} {
		res, err := runChild(exe, c.dir, reg.cookie, region)
		if err != nil {
			return err
		}
		res.rows = rowsOf[region]
		fmt.Fprintf(out, "export of every counted option, region %s (/results/options.xlsx, child process): %s, %d options, %.1f MiB .xlsx, peak RSS %.1f MiB; target ≤ 10 s: %s\n",
			region, res.took.Round(time.Millisecond), res.rows, float64(res.bytes)/(1<<20), float64(res.peak)/(1<<20), verdict(res.took <= 10*time.Second))
	}
	return nil
}

// childResult is what one export child reports.
type childResult struct {
	took        time.Duration
	rows, bytes int
	peak        int64
}

// runChild runs the export in a child process and reads its ru_maxrss.
func runChild(exe, dir, cookie, region string) (childResult, error) {
	cmd := exec.Command(exe, "-dir", dir, "-export-cookie", cookie, "-export-region", region)
	var outb, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &outb, &errb
	if err := cmd.Run(); err != nil {
		return childResult{}, fmt.Errorf("export child: %v: %s", err, errb.String())
	}
	var r childResult
	var tookNs int64
	if _, err := fmt.Sscanf(strings.TrimSpace(outb.String()), "%d %d", &tookNs, &r.bytes); err != nil {
		return r, fmt.Errorf("export child said %q: %v", outb.String(), err)
	}
	r.took = time.Duration(tookNs)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.peak = ru.Maxrss << 10 // kB on Linux
	}
	return r, nil
}

// exportChild opens the store and sends one GET /results/options.xlsx
// through the real handler to a writer that counts and drops the bytes;
// it prints the time, the counted options and the size.
func exportChild(ctx context.Context, c config, out io.Writer) error {
	store, h, closeAll, err := openStore(ctx, c.dir)
	if err != nil {
		return err
	}
	defer closeAll()
	req := httptest.NewRequest("GET", "/results/options.xlsx?region="+c.exportRegion, nil)
	req.AddCookie(&http.Cookie{Name: "cpaudit_session", Value: c.exportCookie})
	w := &countingWriter{header: http.Header{}}
	t0 := time.Now()
	h.ServeHTTP(w, req)
	took := time.Since(t0)
	if w.status != 0 && w.status != 200 {
		return fmt.Errorf("export: status %d", w.status)
	}
	_ = store
	fmt.Fprintf(out, "%d %d\n", took.Nanoseconds(), w.n)
	return nil
}

// countingWriter is a ResponseWriter that keeps only the byte count.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) WriteHeader(s int)           { w.status = s }
func (w *countingWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// request sends one API request through the handler with the token.
func request(h http.Handler, l *office, path string) error {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+l.token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		return fmt.Errorf("%s: status %d: %s", path, rec.Code, rec.Body.String())
	}
	return nil
}

// pairedRatio is the median over rounds of ours/theirs.
func pairedRatio(ours, theirs []time.Duration) float64 {
	r := make([]float64, len(ours))
	for i := range ours {
		r[i] = float64(ours[i]) / float64(theirs[i])
	}
	slices.Sort(r)
	return r[(len(r)*50+99)/100-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
