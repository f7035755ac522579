// Command benchdetect measures cpaudit's duplicate detection
// (search/detect through search/pipeline's Analyzer and storage) on a
// generated tenant with a known ground truth, in one run: precision and
// recall of duplicate_text (passage level) and duplicate_image (document
// pairs), the time to analyse the whole tenant and its growth from a
// quarter of the size (analysed before and after the full size, against
// drift) to the full size, the p95 time to analyse one new
// report against the full tenant, peak memory, and the time an exact
// all-pairs comparison takes on a sample, extrapolated, for the speed-up.
//
// It is a benchmark, run by scripts/bench-detect, not a test: real SQLite
// and blobs in a temporary directory, uploads through the storage layer,
// the real extraction and analysis, in this process.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit/scripts/internal/benchstat"
	"github.com/cpaudit/cpaudit/search/extract"
)

type config struct {
	n, chars, photos     int
	textPairs, imgPairs  int
	single, sample, base int
	seed                 uint64
	dir, profile         string
	noScale              bool
	hardN, hardChars     int
	hardPerCat           int
	hard, hardOnly       bool
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 2000, "enterprises, one report each")
	flag.IntVar(&c.chars, "chars", 50000, "characters per report")
	flag.IntVar(&c.photos, "photos", 2, "photos per enterprise")
	flag.IntVar(&c.textPairs, "text-pairs", -1, "pairs of enterprises with copied passages (default n/10)")
	flag.IntVar(&c.imgPairs, "image-pairs", -1, "reused photos (default n/10)")
	flag.IntVar(&c.single, "single", 20, "new reports analysed one at a time against the full tenant, for the p95")
	flag.IntVar(&c.sample, "sample", 40, "reports compared all pairs with all, exactly, for the speed-up")
	flag.IntVar(&c.base, "base", -1, "size of the smaller tenant for the growth measurement (default n/4)")
	flag.BoolVar(&c.noScale, "no-scale", false, "skip the growth measurement")
	flag.Uint64Var(&c.seed, "seed", 1, "corpus seed")
	flag.StringVar(&c.dir, "dir", "", "work directory (a fresh temporary one by default)")
	flag.StringVar(&c.profile, "profile", "", "write a CPU profile of the full tenant's analysis to this file")
	flag.BoolVar(&c.hard, "hard", true, "also run the hard corpus (real Chinese text, paraphrased, reordered, split and short copies, near misses, consultancy templates)")
	flag.BoolVar(&c.hardOnly, "hard-only", false, "run the hard corpus only")
	flag.IntVar(&c.hardN, "hard-n", 300, "reports of the hard corpus (at most about 300: the corpus of real text runs out)")
	flag.IntVar(&c.hardChars, "hard-chars", 8000, "characters of prose per report of the hard corpus (besides what is planted)")
	flag.IntVar(&c.hardPerCat, "hard-per-cat", -1, "planted copies per category, and near misses, in the hard corpus (default hard-n/10)")
	flag.Parse()
	if c.hardPerCat < 0 {
		c.hardPerCat = max(1, c.hardN/10)
	}
	if c.textPairs < 0 {
		c.textPairs = max(1, c.n/10)
	}
	if c.imgPairs < 0 {
		c.imgPairs = max(1, c.n/10)
	}
	if c.base < 0 {
		c.base = max(2, c.n/4)
	}
	if err := run(context.Background(), c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchdetect:", err)
		os.Exit(1)
	}
}

// result is what one tenant's run measured.
type result struct {
	n                  int
	upload, extract    time.Duration
	analyse            time.Duration
	peak               int64
	single             []time.Duration
	text, image        score
	figures            score // inconsistent_figure (figures.go)
	docs, textMB       int
	images             int
	perText, perPair   time.Duration
	exactFound, exWant int
	exactN             int
}

func run(ctx context.Context, c config, out io.Writer) error {
	if c.dir == "" {
		d, err := os.MkdirTemp("", "benchdetect-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		c.dir = d
	}
	fmt.Fprintf(out, "benchdetect: %d reports of %d characters, %d photos each, %d copy pairs, %d reused photos, seed %d; GOMAXPROCS %d, %d CPUs; load average at start %s\n",
		c.n, c.chars, c.photos, c.textPairs, c.imgPairs, c.seed, runtime.GOMAXPROCS(0), runtime.NumCPU(), loadavg())
	if c.hard || c.hardOnly {
		if err := runHard(ctx, c, out); err != nil {
			return err
		}
		if c.hardOnly {
			return nil
		}
	}
	if err := checkNormalised(c); err != nil {
		return err
	}
	// The smaller tenant is analysed before the full one and again after
	// it, and the growth taken against the mean of the two: this machine's
	// speed drifts by 10% over minutes (image resizing, which no change
	// touched, took 10% longer in one run than in the one before), and a
	// drift between two measurements minutes apart went straight into the
	// ratio of one to the other.
	var bases []*result
	if !c.noScale {
		r, err := runTenant(ctx, c, filepath.Join(c.dir, "base"), c.base, 0, out)
		if err != nil {
			return err
		}
		bases = append(bases, r)
	}
	full, err := runTenant(ctx, c, filepath.Join(c.dir, "full"), c.n, c.single, out)
	if err != nil {
		return err
	}
	if !c.noScale {
		fmt.Fprintf(out, "\n[%d reports] again, after the full tenant, for the growth\n", c.base)
		r, err := runTenant(ctx, c, filepath.Join(c.dir, "base-after"), c.base, 0, out)
		if err != nil {
			return err
		}
		bases = append(bases, r)
	}
	printTable(out, c, bases, full)
	return nil
}

// checkNormalised makes sure extraction leaves generated text as it is,
// so that planted offsets are offsets of the extracted text.
func checkNormalised(c config) error {
	cp := newCorpus(c.seed, 3, min(c.chars, 3000), 2)
	for e := range 3 {
		if r := cp.report(e); extract.Normalize(r) != r {
			return fmt.Errorf("generated text changes when normalised: offsets would not hold")
		}
	}
	return nil
}

// runTenant generates a tenant of n reports (plus single more, analysed
// one at a time), loads and analyses it, and scores the flags.
func runTenant(ctx context.Context, c config, dir string, n, single int, out io.Writer) (*result, error) {
	r := &result{n: n}
	pairs, imgPairs := c.textPairs*n/c.n, c.imgPairs*n/c.n
	cp := newCorpus(c.seed, n+single, c.chars, max(1, pairs))
	photos := planPhotos(c.seed, n+single, c.photos, max(1, imgPairs))
	t, err := openTenant(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer t.s.Close()
	fmt.Fprintf(out, "\n[%d reports] generating and uploading...\n", n)
	t0 := time.Now()
	if err := t.loadGuidelines(ctx, cp); err != nil {
		return nil, err
	}
	if err := t.load(ctx, cp, photos, c.photos, 0, n); err != nil {
		return nil, err
	}
	r.upload = time.Since(t0)
	t0 = time.Now()
	if err := t.extractAll(ctx); err != nil {
		return nil, err
	}
	r.extract = time.Since(t0)
	fmt.Fprintf(out, "[%d reports] %d documents uploaded in %s, extracted in %s; analysing...\n", n, len(t.docEnt), r.upload.Round(time.Second), r.extract.Round(time.Second))
	settle()
	resetPeak()
	stop := startProfile(c.profile, single > 0)
	if r.analyse, err = t.analyseAll(ctx); err != nil {
		return nil, err
	}
	stop()
	r.peak = peak()
	r.docs = len(t.docEnt)
	fmt.Fprintf(out, "[%d reports] %d analysis jobs (documents analysed again when text became boilerplate included) in %s (%.1f reports/s), peak RSS %s\n",
		n, t.jobs, r.analyse.Round(time.Millisecond), float64(n)/r.analyse.Seconds(), mib(r.peak))
	for e := n; e < n+single; e++ {
		if err := t.enterprise(ctx, e, cp.names[e]); err != nil {
			return nil, err
		}
		id, err := t.upload(ctx, e, "report", fmt.Sprintf("report-%d.txt", e), "text/plain; charset=utf-8", []byte(cp.report(e)))
		if err != nil {
			return nil, err
		}
		t.reports[e] = id
		if err := t.extractAll(ctx); err != nil {
			return nil, err
		}
		d, err := t.analyseAll(ctx)
		if err != nil {
			return nil, err
		}
		r.single = append(r.single, d)
		if err := t.loadPhotos(ctx, c.seed, photos, c.photos, e); err != nil {
			return nil, err
		}
		if err := t.extractAll(ctx); err != nil {
			return nil, err
		}
		if _, err := t.analyseAll(ctx); err != nil {
			return nil, err
		}
	}
	r.peak = max(r.peak, peak())
	if r.text, err = t.textScore(ctx, cp); err != nil {
		return nil, err
	}
	if r.image, _, err = t.imageScore(ctx, photos); err != nil {
		return nil, err
	}
	r.images = len(t.photoIDs)
	if r.figures, err = t.figureScore(ctx, cp); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "[%d reports] inconsistent_figure (enterprise, option, quantity): precision %.4f (%d/%d), recall %.4f (%d/%d); %s\n",
		n, r.figures.precision(), r.figures.tp, r.figures.tp+r.figures.fp, r.figures.recall(), r.figures.found, r.figures.want, t.plantedCounts(cp))
	fmt.Fprintf(out, "[%d reports] duplicate_text passages: precision %.4f (%d/%d), recall %.4f (%d/%d); duplicate_image pairs: precision %.4f (%d/%d), recall %.4f (%d/%d)\n",
		n, r.text.precision(), r.text.tp, r.text.tp+r.text.fp, r.text.recall(), r.text.found, r.text.want,
		r.image.precision(), r.image.tp, r.image.tp+r.image.fp, r.image.recall(), r.image.found, r.image.want)
	for _, x := range []struct {
		what string
		list []string
	}{{"duplicate_text missed", r.text.misses}, {"duplicate_text false", r.text.fps},
		{"duplicate_image missed", r.image.misses}, {"duplicate_image false", r.image.fps},
		{"inconsistent_figure missed", r.figures.misses}, {"inconsistent_figure false", r.figures.fps}} {
		for _, s := range x.list {
			fmt.Fprintf(out, "  %s: %s\n", x.what, s)
		}
	}
	if single > 0 && c.sample > 1 { // a pair at least
		r.exactN = min(c.sample, n)
		fmt.Fprintf(out, "[%d reports] comparing %d reports all pairs with all, exactly...\n", n, r.exactN)
		r.perText, r.perPair, r.exactFound, r.exWant = exactSample(cp, r.exactN)
	}
	return r, nil
}

func printTable(out io.Writer, c config, bases []*result, full *result) {
	fmt.Fprintf(out, "\n## bench-detect: %d reports of %d characters (+%d photos each, %d reused), seed %d\n\n", c.n, c.chars, c.photos, c.imgPairs, c.seed)
	fmt.Fprintln(out, "| measure | ours | target | ratio to target |")
	fmt.Fprintln(out, "|---|---|---|---|")
	row := func(name, value, target, ratio string) {
		fmt.Fprintf(out, "| %s | %s | %s | %s |\n", name, value, target, ratio)
	}
	pr := func(name string, v float64, a, b int) {
		row(name, fmt.Sprintf("%.4f (%d/%d)", v, a, b), "≥ 0.97", verdict(v >= 0.97, fmt.Sprintf("%.3f", v/0.97)))
	}
	pr("duplicate_text precision (passages)", full.text.precision(), full.text.tp, full.text.tp+full.text.fp)
	pr("duplicate_text recall (planted passages)", full.text.recall(), full.text.found, full.text.want)
	pr("duplicate_image precision (document pairs)", full.image.precision(), full.image.tp, full.image.tp+full.image.fp)
	pr("duplicate_image recall (pairs holding one photo)", full.image.recall(), full.image.found, full.image.want)
	pr("inconsistent_figure precision (enterprise, option, quantity)", full.figures.precision(), full.figures.tp, full.figures.tp+full.figures.fp)
	pr("inconsistent_figure recall (planted contradictions)", full.figures.recall(), full.figures.found, full.figures.want)
	row(fmt.Sprintf("analyse the whole tenant, %d reports (%d documents)", full.n, full.docs),
		full.analyse.Round(time.Millisecond).String(), "", "")
	var base *result
	if len(bases) == 2 {
		base = bases[0]
		before, after := bases[0].analyse, bases[1].analyse
		mean := (before + after) / 2
		g := full.analyse.Seconds() / mean.Seconds()
		x := float64(full.n) / float64(base.n)
		row(fmt.Sprintf("growth of that time from %d to %d reports (%.1fx the data; the smaller tenant analysed before and after the full one, see note)", base.n, full.n, x),
			fmt.Sprintf("%.2fx (mean of %s and %s → %s; %.2fx and %.2fx against each)", g,
				before.Round(time.Millisecond), after.Round(time.Millisecond), full.analyse.Round(time.Millisecond),
				full.analyse.Seconds()/before.Seconds(), full.analyse.Seconds()/after.Seconds()),
			fmt.Sprintf("≤ %.2fx", 4.5*x/4), verdict(g <= 4.5*x/4, fmt.Sprintf("%.2f", g/(4.5*x/4))))
	}
	if len(full.single) > 0 {
		p95 := pct(full.single, 95)
		row(fmt.Sprintf("one new report against the full tenant, p95 of %d (p50 %s)", len(full.single), pct(full.single, 50).Round(time.Millisecond)),
			p95.Round(time.Millisecond).String(), "≤ 2 s", verdict(p95 <= 2*time.Second, fmt.Sprintf("%.2f", p95.Seconds()/2)))
	}
	row("peak RSS while analysing", mib(full.peak), "", "")
	if full.exactN > 1 {
		n := float64(full.n)
		extrap := time.Duration(float64(full.perText)*n + float64(full.perPair)*n*(n-1)/2)
		row(fmt.Sprintf("exact all-pairs comparison: %d reports (%d pairs), %s a pair, %s a text; found %d/%d planted passages",
			full.exactN, full.exactN*(full.exactN-1)/2, full.perPair.Round(time.Microsecond), full.perText.Round(time.Microsecond), full.exactFound, full.exWant),
			"extrapolated to "+strconv.Itoa(full.n)+" reports: "+extrap.Round(time.Second).String(), "",
			fmt.Sprintf("speed-up of ours: %.1fx", extrap.Seconds()/full.analyse.Seconds()))
	}
	fmt.Fprintln(out)
	if base != nil {
		fmt.Fprintf(out, "Note: growth is measured from %d to %d reports (4x the data when -base is n/4), not from %d to %d: analysing 4x%d reports of %d characters takes this machine some 45 minutes more (run it with -n 8000 -no-scale). The smaller tenant is analysed before the full one and again after it, and the growth taken against the mean of the two times, so that a drift of the machine's speed during the run cancels; the two times show how large it was.\n",
			base.n, full.n, full.n, 4*full.n, full.n, c.chars)
		fmt.Fprintf(out, "At %d reports: duplicate_text precision %.4f recall %.4f, duplicate_image precision %.4f recall %.4f, inconsistent_figure precision %.4f recall %.4f.\n",
			base.n, base.text.precision(), base.text.recall(), base.image.precision(), base.image.recall(), base.figures.precision(), base.figures.recall())
	}
	fmt.Fprintf(out, "Load average at the end: %s.\n", loadavg())
}

func verdict(ok bool, ratio string) string {
	if ok {
		return ratio + " met"
	}
	return ratio + " **not met**"
}

func pct(ds []time.Duration, p int) time.Duration { return benchstat.Percentile(ds, p) }

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// settle lets the garbage collector return memory before a measurement.
func settle() {
	runtime.GC()
	time.Sleep(200 * time.Millisecond)
}

func resetPeak()  { benchstat.ResetPeak() }
func peak() int64 { return benchstat.Peak() }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// startProfile starts a CPU profile into file when asked; the returned
// function stops it.
func startProfile(file string, on bool) func() {
	if file == "" || !on {
		return func() {}
	}
	f, err := os.Create(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchdetect: profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
