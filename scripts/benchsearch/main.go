// Command benchsearch measures cpaudit's full-text index (search/index)
// against a tuned SQLite FTS5 (see fts.go) and against the truth, in one
// run: it generates a reproducible corpus of report-like Chinese text,
// builds each engine's index in a child process of its own (wall time,
// CPU time and peak resident set from the kernel's rusage), computes for
// every query the exact number of matching documents by scanning all
// texts, and runs the same queries on both engines, alternating. It
// prints the baseline's configuration, wrong counts, latency p50/p99 and
// the ours/FTS5 ratios per query class, indexing time, CPU and memory, and
// index sizes.
//
// It is a benchmark, run by scripts/bench-search, not a test. It imports
// go-sqlite3 itself (not through storage/) because FTS5 is the baseline,
// not part of cpaudit; the binary must be built with -tags sqlite_fts5.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

	"github.com/cpaudit/cpaudit/scripts/internal/benchstat"
	"github.com/cpaudit/cpaudit/search/index"
)

type config struct {
	n, mean, batch      int
	phrases, multi, abs int
	reps, writers, slow int
	seed                uint64
	dir, profile, child string
	keep                bool
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 20000, "documents in the corpus")
	flag.IntVar(&c.mean, "mean", 7500, "mean bytes of text per document")
	flag.IntVar(&c.batch, "batch", 500, "documents per indexing batch (both engines)")
	flag.IntVar(&c.phrases, "q", 500, "random phrase queries of 1 to 8 characters")
	flag.IntVar(&c.multi, "multi", 100, "random multi-term queries (some with an exclusion)")
	flag.IntVar(&c.abs, "absent", 20, "queries for strings absent from the corpus")
	flag.IntVar(&c.slow, "slow", 0, "print this many queries where ours loses most against FTS5")
	flag.IntVar(&c.writers, "writers", 2, "goroutines calling Put at once")
	flag.IntVar(&c.reps, "reps", 3, "times each query runs on each engine, alternating")
	flag.Uint64Var(&c.seed, "seed", 1, "corpus and query seed")
	flag.StringVar(&c.dir, "dir", "", "work directory (a fresh temporary one by default)")
	flag.StringVar(&c.profile, "profile", "", "write CPU profiles of indexing and querying (ours) into this directory")
	flag.StringVar(&c.child, "child", "", "internal: build one engine's index (ours or fts) from -dir's corpus file and print what was measured")
	flag.BoolVar(&c.keep, "keep", false, "keep both indexes in -dir, and reuse those a previous run with the same -n, -mean and -seed left there: queries only, for profiling")
	flag.Parse()
	if err := run(context.Background(), c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchsearch:", err)
		os.Exit(1)
	}
}

// term is a query term as the index parses it (folded), for the truth and
// for FTS5.
type term struct {
	text    string
	exclude bool
}

type benchQuery struct {
	q     string // as typed
	group string // for the breakdown
	terms []term
	truth int
}

func run(ctx context.Context, c config, out io.Writer) error {
	if c.child != "" {
		return child(c, c.child, out)
	}
	if c.keep && c.dir == "" {
		return fmt.Errorf("-keep needs -dir")
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "benchsearch-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		c.dir = d
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	load0 := loadavg()
	fmt.Fprintf(out, "benchsearch: %d documents, mean %d bytes, seed %d, batches of %d (%d writers for ours, 1 for FTS5), GOMAXPROCS %d, %d CPUs; load average at start %s\n",
		c.n, c.mean, c.seed, c.batch, c.writers, runtime.GOMAXPROCS(0), runtime.NumCPU(), load0)
	fmt.Fprintf(out, "baseline: %s\n", ftsConfig)
	fmt.Fprintf(out, "ours: search/index (bleve scorch, bigrams and tiles), compacted into one segment after loading\n")

	t0 := time.Now()
	docs := genCorpus(c.seed, c.n, c.mean)
	var bytes, runes int64
	for _, d := range docs {
		bytes += int64(len(d.text))
		runes += int64(len([]rune(d.text)))
	}
	mb := float64(bytes) / 1e6
	fmt.Fprintf(out, "corpus: %d documents, %.1f MB of text, %.1fM characters, generated in %s\n",
		len(docs), mb, float64(runes)/1e6, time.Since(t0).Round(time.Millisecond))

	queries, err := makeQueries(c, docs)
	if err != nil {
		return err
	}
	ours, fb, err := buildBoth(c, docs)
	if err != nil {
		return err
	}
	ix, err := index.Open(filepath.Join(c.dir, "ours"))
	if err != nil {
		return err
	}
	defer ix.Close()
	f, err := openFTS(filepath.Join(c.dir, "fts.db"))
	if err != nil {
		return err
	}
	defer f.close()

	// The truth.
	truthTime := truth(docs, queries)
	docs = nil

	// Queries: an unmeasured pass over all of them on both engines (caches
	// warm alike), then each query reps times on each, alternating
	// engines and which goes first, so both see the same machine load.
	for _, q := range queries {
		if _, err := oursCount(ctx, ix, q); err != nil {
			return err
		}
		if _, err := f.count(ctx, q.terms); err != nil {
			return fmt.Errorf("fts5 %q: %w", q.q, err)
		}
	}
	stopProfile := startProfile(c.profile, "query.pprof")
	lat := make([][2][]time.Duration, len(queries)) // per query, per engine, every run
	var oursWrong, ftsWrong []string
	for qi, q := range queries {
		for rep := range c.reps {
			for k := range 2 {
				engine := (k + rep) % 2 // 0 ours, 1 FTS5
				t := time.Now()
				var n int
				var err error
				if engine == 0 {
					n, err = oursCount(ctx, ix, q)
				} else {
					n, err = f.count(ctx, q.terms)
				}
				d := time.Since(t)
				if err != nil {
					return fmt.Errorf("%q: %w", q.q, err)
				}
				lat[qi][engine] = append(lat[qi][engine], d)
				if n != q.truth && rep == 0 {
					w := fmt.Sprintf("%q: %d, truth %d", q.q, n, q.truth)
					if engine == 0 {
						oursWrong = append(oursWrong, w)
					} else {
						ftsWrong = append(ftsWrong, w)
					}
				}
			}
		}
	}
	stopProfile()
	load1 := loadavg()
	if c.slow > 0 {
		// The queries where ours loses most against FTS5, to see why.
		idx := make([]int, len(queries))
		for i := range idx {
			idx[i] = i
		}
		r := func(i int) float64 { return float64(pct(lat[i][0], 50)) / float64(pct(lat[i][1], 50)) }
		slices.SortFunc(idx, func(a, b int) int { return cmpFloat(r(b), r(a)) })
		for _, i := range idx[:min(c.slow, len(idx))] {
			fmt.Fprintf(out, "slow: %-24q %-9s truth %6d  ours %s  FTS5 %s\n", queries[i].q, queries[i].group, queries[i].truth,
				ms(pct(lat[i][0], 50)), ms(pct(lat[i][1], 50)))
		}
	}

	// Sizes on disk once both are closed: scorch removes the files of
	// merged segments lazily, SQLite folds its write-ahead log back.
	if err := ix.Close(); err != nil {
		return err
	}
	if err := f.close(); err != nil {
		return err
	}
	oursSize := dirSize(filepath.Join(c.dir, "ours"))
	ftsSize := fileSize(filepath.Join(c.dir, "fts.db")) + fileSize(filepath.Join(c.dir, "fts.db-wal"))

	// Report.
	fmt.Fprintf(out, "queries: %d (%d phrases of 1-8 characters drawn from the corpus, %d multi-term of which some with an exclusion, %d absent), "+
		"each run %d× per engine, alternating; percentiles over every run; truth by parallel substring scan: %s in all\n\n",
		len(queries), c.phrases, c.multi, c.abs, c.reps, truthTime.Round(time.Millisecond))
	row := func(name, ours, fts, ratio string) {
		fmt.Fprintf(out, "%-34s %18s %18s %16s\n", name, ours, fts, ratio)
	}
	row("", "ours (bleve)", "FTS5 (tuned)", "ours/FTS5")
	row("wrong counts (target 0)", fmt.Sprintf("%d/%d", len(oursWrong), len(queries)), fmt.Sprintf("%d/%d", len(ftsWrong), len(queries)), "")
	var allOurs, allFTS []time.Duration
	for _, l := range lat {
		allOurs, allFTS = append(allOurs, l[0]...), append(allFTS, l[1]...)
	}
	row("latency p50, every query", ms(pct(allOurs, 50)), ms(pct(allFTS, 50)), ratio(pct(allOurs, 50), pct(allFTS, 50)))
	row("latency p99, every query", ms(pct(allOurs, 99)), ms(pct(allFTS, 99)), ratio(pct(allOurs, 99), pct(allFTS, 99)))
	if ours.reused {
		row("indexing", "reused (-keep)", "reused (-keep)", "")
	} else {
		row("indexing: load, wall", dur(ours.Load), dur(fb.Load), ratio(ours.Load, fb.Load))
		row("  then merge (compact / optimize)", dur(ours.Finish), dur(fb.Finish), "")
		row("  wall in all", dur(ours.Load+ours.Finish), dur(fb.Load+fb.Finish), ratio(ours.Load+ours.Finish, fb.Load+fb.Finish))
		row("  CPU of load + merge", dur(ours.LoadCPU+ours.FinishCPU), dur(fb.LoadCPU+fb.FinishCPU), ratio(ours.LoadCPU+ours.FinishCPU, fb.LoadCPU+fb.FinishCPU))
		row("  CPU, whole child (rusage)", dur(ours.cpu), dur(fb.cpu), ratio(ours.cpu, fb.cpu)+" (≤1.5)")
		row("  MB of text per wall second", fmt.Sprintf("%.2f", mb/(ours.Load+ours.Finish).Seconds()), fmt.Sprintf("%.2f", mb/(fb.Load+fb.Finish).Seconds()), "")
		row("  peak RSS, child (ru_maxrss)", mib(ours.peak), mib(fb.peak), "(≤256 MiB)")
		row("  peak anonymous memory", mib(ours.Anon), mib(fb.Anon), "")
	}
	row("index size on disk, closed", mib(oursSize), mib(ftsSize), fmt.Sprintf("%.2fx (≤1.5)", float64(oursSize)/float64(ftsSize)))

	fmt.Fprintf(out, "\nby query class: p50 and p99 over every run (ms), ratios ours/FTS5 (target ≤1.00 each); median of the per-query ratios\n")
	fmt.Fprintf(out, "  %-10s %5s %17s %17s %17s %17s %9s %9s %9s\n", "class", "n", "ours p50", "FTS5 p50", "ours p99", "FTS5 p99", "p50 ratio", "p99 ratio", "med ratio")
	for _, g := range groups(queries) {
		var o, t []time.Duration
		var rs []time.Duration // per-query ratios, scaled by 1e6
		n := 0
		for qi, q := range queries {
			if q.group != g {
				continue
			}
			n++
			o, t = append(o, lat[qi][0]...), append(t, lat[qi][1]...)
			rs = append(rs, time.Duration(1e6*float64(pct(lat[qi][0], 50))/float64(pct(lat[qi][1], 50))))
		}
		fmt.Fprintf(out, "  %-10s %5d %17s %17s %17s %17s %9s %9s %9s\n", g, n, ms(pct(o, 50)), ms(pct(t, 50)), ms(pct(o, 99)), ms(pct(t, 99)),
			ratio(pct(o, 50), pct(t, 50)), ratio(pct(o, 99), pct(t, 99)), fmt.Sprintf("%.2fx", float64(pct(rs, 50))/1e6))
	}
	fmt.Fprintf(out, "\nload average at start %s, at end %s (other work on the machine shows here)\n", load0, load1)
	for _, w := range oursWrong[:min(10, len(oursWrong))] {
		fmt.Fprintln(out, "ours wrong:", w)
	}
	for _, w := range ftsWrong[:min(10, len(ftsWrong))] {
		fmt.Fprintln(out, "FTS5 wrong:", w)
	}
	return nil
}

func oursCount(ctx context.Context, ix *index.Index, q benchQuery) (int, error) {
	res, err := ix.Search(ctx, index.Query{Q: q.q, AllowAll: true, Limit: 20})
	return res.Total, err
}

// makeQueries draws the queries from the corpus, reproducibly.
func makeQueries(c config, docs []corpusDoc) ([]benchQuery, error) {
	r := rand.New(rand.NewPCG(c.seed, 99))
	substring := func(minRunes, maxRunes int) string {
		for {
			rs := []rune(docs[r.IntN(len(docs))].text)
			n := minRunes + r.IntN(maxRunes-minRunes+1)
			if len(rs) < n {
				continue
			}
			i := r.IntN(len(rs) - n + 1)
			s := string(rs[i : i+n])
			if strings.TrimSpace(s) != s || strings.ContainsAny(s, `"“”＂`) || strings.HasPrefix(s, "-") {
				continue // not typeable as one term
			}
			if strings.Contains(s, " ") {
				s = `"` + s + `"`
			}
			return s
		}
	}
	var qs []benchQuery
	for range c.phrases {
		s := substring(1, 8)
		qs = append(qs, benchQuery{q: s})
	}
	for range c.multi {
		parts := []string{substring(2, 6)}
		for range 1 + r.IntN(2) {
			parts = append(parts, substring(1, 6))
		}
		group := "multi"
		if r.IntN(3) == 0 {
			parts = append(parts, "-"+substring(2, 6))
			group = "exclusion"
		}
		qs = append(qs, benchQuery{q: strings.Join(parts, " "), group: group})
	}
	han := []rune("龘靐齉爩鱻麤龖犇骉羴猋")
	for range c.abs {
		var b strings.Builder
		for range 2 + r.IntN(5) {
			b.WriteRune(han[r.IntN(len(han))])
		}
		qs = append(qs, benchQuery{q: b.String(), group: "absent"})
	}
	for i := range qs {
		ts, err := index.ParseQuery(qs[i].q)
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", qs[i].q, err)
		}
		for _, t := range ts {
			qs[i].terms = append(qs[i].terms, term{text: t.Text, exclude: t.Exclude})
		}
		if qs[i].group == "" {
			n := len([]rune(ts[0].Text))
			switch {
			case len(ts) > 1:
				qs[i].group = "multi"
			case n == 1:
				qs[i].group = "1 char"
			case n == 2:
				qs[i].group = "2 chars"
			case n <= 4:
				qs[i].group = "3-4 chars"
			default:
				qs[i].group = "5-8 chars"
			}
		}
	}
	return qs, nil
}

// truth counts, for every query, the documents whose folded text contains
// every term and no excluded one, scanning all texts on all cores.
func truth(docs []corpusDoc, qs []benchQuery) time.Duration {
	folded := make([]string, len(docs))
	for i, d := range docs {
		folded[i] = strings.Map(unicode.ToLower, d.text) // rune by rune, as the index folds
	}
	t0 := time.Now()
	workers := runtime.GOMAXPROCS(0)
	for qi := range qs {
		counts := make([]int, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(folded); i += workers {
					ok := true
					for _, t := range qs[qi].terms {
						if strings.Contains(folded[i], t.text) == t.exclude {
							ok = false
							break
						}
					}
					if ok {
						counts[w]++
					}
				}
			})
		}
		wg.Wait()
		for _, n := range counts {
			qs[qi].truth += n
		}
	}
	return time.Since(t0)
}

func groups(qs []benchQuery) []string {
	var gs []string
	for _, q := range qs {
		if !slices.Contains(gs, q.group) {
			gs = append(gs, q.group)
		}
	}
	order := []string{"1 char", "2 chars", "3-4 chars", "5-8 chars", "multi", "exclusion", "absent"}
	slices.SortFunc(gs, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
	return gs
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func pct(ds []time.Duration, p int) time.Duration { return benchstat.Percentile(ds, p) }

func mean(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t / time.Duration(max(1, len(ds)))
}

func dur(d time.Duration) string      { return fmt.Sprintf("%.2f s", d.Seconds()) }
func ms(d time.Duration) string       { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }
func mib(n int64) string              { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
func ratio(a, b time.Duration) string { return fmt.Sprintf("%.2fx", float64(a)/float64(b)) }

// sampleAnon samples the process's anonymous resident memory (RssAnon:
// the heap, not the index files scorch maps, which VmHWM also counts)
// every 20 ms until the returned function is called, which returns the
// highest sample.
func sampleAnon() func() int64 {
	var (
		mu   sync.Mutex
		high int64
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			v := benchstat.Status("RssAnon:")
			mu.Lock()
			high = max(high, v)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() int64 {
		close(done)
		wg.Wait()
		return high
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func fileSize(file string) int64 {
	info, err := os.Stat(file)
	if err != nil {
		return 0
	}
	return info.Size()
}

// startProfile writes a CPU profile into dir/name until the returned
// function is called; without dir it does nothing.
func startProfile(dir, name string) func() {
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsearch: profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
