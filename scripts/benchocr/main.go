// Command benchocr measures cpaudit's OCR (search/ocr, the code the
// server's ocr jobs run) on Chinese prose with a known text: real
// sentences from the machine's Simplified Chinese message catalogues,
// laid out to A4 pages by LibreOffice, rasterised at 300 and 200 dpi by
// pdftoppm, every third page turned by 1-3 degrees, with noise and JPEG
// compression. It reports, per resolution, the character error rate
// against the source, the share of pages found by 4-character phrases of
// their source, pages per minute per core and the peak memory of the
// tesseract processes; and the same for Tesseract run directly with its
// defaults on the same images (-l chi_sim, nothing else), as a baseline.
//
// It is a benchmark, run by scripts/bench-ocr, not a test.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

	"github.com/cpaudit/cpaudit/search/extract"
	"github.com/cpaudit/cpaudit/search/ocr"
)

type config struct {
	pages, chars, jobs, terms int
	seed                      uint64
	dir, source               string
	dpis                      []int
	noBaseline                bool
}

func main() {
	var c config
	var worker string
	flag.IntVar(&c.pages, "pages", 200, "pages of prose")
	flag.IntVar(&c.chars, "chars", 700, "characters per page at most (whole lines)")
	flag.IntVar(&c.jobs, "j", runtime.NumCPU(), "pages read at once")
	flag.IntVar(&c.terms, "terms", 5, "4-character phrases drawn from each page for the phrase search")
	flag.Uint64Var(&c.seed, "seed", 1, "seed of the degradation and of the phrases")
	flag.StringVar(&c.dir, "dir", "", "work directory (a fresh temporary one by default)")
	flag.StringVar(&c.source, "source", "/usr/share/locale/zh_CN/LC_MESSAGES", "directory of the zh_CN message catalogues (.mo) the prose is read from")
	flag.BoolVar(&c.noBaseline, "no-baseline", false, "skip the baseline (plain tesseract) runs")
	dpis := flag.String("dpi", "300,200", "resolutions")
	flag.StringVar(&worker, "worker", "", "internal: read the images named as arguments (project or baseline) and print JSON")
	flag.Parse()
	if worker != "" {
		if err := work(worker, c.jobs, flag.Args(), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "benchocr worker:", err)
			os.Exit(1)
		}
		return
	}
	for _, s := range strings.Split(*dpis, ",") {
		var d int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &d); err != nil || d < 50 {
			fmt.Fprintln(os.Stderr, "benchocr: bad -dpi", *dpis)
			os.Exit(2)
		}
		c.dpis = append(c.dpis, d)
	}
	if err := run(context.Background(), c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchocr:", err)
		os.Exit(1)
	}
}

// batch is what a worker process prints: the text of each image and what
// its children (the tesseract processes, nothing else) used.
type batch struct {
	Texts     []string `json:"texts"`
	Failed    int      `json:"failed"`
	MaxRSS    int64    `json:"max_rss"` // bytes, the largest child's peak
	CPU       float64  `json:"cpu"`     // seconds, user+system of all children
	Wall      float64  `json:"wall"`
	Engine    string   `json:"engine"`
	FirstFail string   `json:"first_fail,omitempty"`
}

// work reads images with jobs at once and prints a batch. It runs in a
// process of its own so that getrusage(RUSAGE_CHILDREN) sees only
// tesseract: "project" through search/ocr's Engine.Image, as the server's
// ocr jobs do, then extract.Normalize as the pipeline's merge does;
// "baseline" as `tesseract IMAGE stdout -l chi_sim`, Tesseract's defaults
// otherwise (automatic segmentation, plain text) but one thread
// (OMP_THREAD_LIMIT=1), as anyone running pages in parallel sets it: with
// its own threading on a loaded machine Tesseract spends CPU spinning, and
// pages/min/core would credit cpaudit with a setting, not with its work.
func work(kind string, jobs int, images []string, w io.Writer) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "benchocr-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	eng, err := ocr.Find(tmp)
	if err != nil {
		return err
	}
	b := batch{Texts: make([]string, len(images))}
	read := func(path string) (string, error) {
		if kind == "project" {
			p, err := eng.Image(ctx, path)
			return extract.Normalize(p.Text), err
		}
		var out, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, eng.Tesseract, path, "stdout", "-l", "chi_sim")
		cmd.Stdout, cmd.Stderr = &out, &stderr
		cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("%v: %s", err, stderr.Bytes())
		}
		return out.String(), nil
	}
	switch kind {
	case "project":
		b.Engine = eng.Describe() + " (search/ocr: --psm 3, TSV, one thread)"
	case "baseline":
		b.Engine = "tesseract -l chi_sim, defaults, one thread"
	default:
		return fmt.Errorf("unknown worker %q", kind)
	}
	start := time.Now()
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range max(1, jobs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				text, err := read(images[i])
				mu.Lock()
				b.Texts[i] = text
				if err != nil {
					b.Failed++
					if b.FirstFail == "" {
						b.FirstFail = err.Error()
					}
				}
				mu.Unlock()
			}
		}()
	}
	for i := range images {
		next <- i
	}
	close(next)
	wg.Wait()
	b.Wall = time.Since(start).Seconds()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err == nil {
		b.MaxRSS = ru.Maxrss << 10 // Linux reports KiB
		b.CPU = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	return json.NewEncoder(w).Encode(b)
}

// clean is the text as measured: extract.Normalize (full-width forms
// folded), then every whitespace removed, since Chinese has none and the
// layout's line breaks are not content. Source and OCR text alike.
func clean(s string) []rune {
	var out []rune
	for _, r := range extract.Normalize(s) {
		if !unicode.IsSpace(r) {
			out = append(out, r)
		}
	}
	return out
}

// distance is the Levenshtein distance of a and b in runes.
func distance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c = min(c, prev[j], cur[j-1]) + 1
			} else {
				c = min(c, prev[j]+1, cur[j-1]+1)
			}
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// phrases draws up to n 4-character terms of Han characters from each
// source page.
func phrases(src [][]rune, n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 4))
	seen := map[string]bool{}
	var out []string
	for _, p := range src {
		var starts []int
		for i := 0; i+4 <= len(p); i++ {
			ok := true
			for _, r := range p[i : i+4] {
				ok = ok && unicode.Is(unicode.Han, r)
			}
			if ok {
				starts = append(starts, i)
			}
		}
		rng.Shuffle(len(starts), func(i, j int) { starts[i], starts[j] = starts[j], starts[i] })
		k := 0
		for _, s := range starts {
			if k == n {
				break
			}
			t := string(p[s : s+4])
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
				k++
			}
		}
	}
	return out
}

// score is one reading of every page at one resolution.
type score struct {
	engine        string
	cer           float64
	worstPage     float64
	found, wanted int
	pages, failed int
	cpu, wall     float64
	maxRSS        int64
	firstFail     string
}

func measure(b batch, src [][]rune, terms []string) score {
	s := score{engine: b.Engine, pages: len(src), failed: b.Failed, cpu: b.CPU, wall: b.Wall, maxRSS: b.MaxRSS, firstFail: b.FirstFail}
	edits, total := 0, 0
	got := make([]string, len(src))
	for i, p := range src {
		o := clean(b.Texts[i])
		got[i] = string(o)
		d := distance(p, o)
		edits += d
		total += len(p)
		s.worstPage = max(s.worstPage, float64(d)/float64(max(1, len(p))))
	}
	s.cer = float64(edits) / float64(max(1, total))
	for _, t := range terms {
		for i, p := range src {
			if strings.Contains(string(p), t) {
				s.wanted++
				if strings.Contains(got[i], t) {
					s.found++
				}
			}
		}
	}
	return s
}

func run(ctx context.Context, c config, w io.Writer) error {
	if _, err := ocr.Find(os.TempDir()); err != nil {
		return err
	}
	dir := c.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "benchocr-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	lines, used, err := corpus(c.source, c.pages*c.chars)
	if err != nil {
		return err
	}
	pages := paginate(lines, c.pages, c.chars)
	src := make([][]rune, len(pages))
	runes := 0
	for i, p := range pages {
		src[i] = clean(strings.Join(p, "\n"))
		runes += len(src[i])
	}
	fmt.Fprintf(w, "source: %d pages, %d characters (whitespace removed) of real Chinese prose: the sentences of Debian's\n", len(pages), runes)
	fmt.Fprintf(w, "  Simplified Chinese message catalogues in %s: %s\n", c.source, strings.Join(used, ", "))
	fmt.Fprintf(w, "  e.g. %q\n", pages[0][0])
	t0 := time.Now()
	pdfs, err := layout(ctx, dir, pages)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "laid out by LibreOffice to %d one-page A4 PDFs in %v\n", len(pdfs), time.Since(t0).Round(time.Second))
	terms := phrases(src, c.terms, c.seed)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	type row struct {
		dpi            int
		project, plain score
		rotated        int
	}
	var rows []row
	for _, dpi := range c.dpis {
		t0 := time.Now()
		imgs := make([]string, len(pdfs))
		degs := make([]degradation, len(pdfs))
		errs := make([]error, len(pdfs))
		var wg sync.WaitGroup
		sem := make(chan struct{}, max(1, c.jobs))
		for i, p := range pdfs {
			imgs[i] = filepath.Join(dir, fmt.Sprintf("page%03d-%d.jpg", i+1, dpi))
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				degs[i], errs[i] = scan(ctx, p, dpi, c.seed*1000+uint64(i), imgs[i])
			}()
		}
		wg.Wait()
		r := row{dpi: dpi}
		for i, e := range errs {
			if e != nil {
				return e
			}
			if degs[i].angle != 0 {
				r.rotated++
			}
		}
		fmt.Fprintf(w, "%d dpi: %d page images (%d turned by 1-3 degrees, noise, JPEG quality 55-85) in %v\n", dpi, len(imgs), r.rotated, time.Since(t0).Round(time.Second))
		kinds := []string{"project", "baseline"}
		if c.noBaseline {
			kinds = kinds[:1]
		}
		for _, kind := range kinds {
			cmd := exec.CommandContext(ctx, exe, append([]string{"-worker", kind, "-j", fmt.Sprint(c.jobs)}, imgs...)...)
			var out, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("worker %s: %v: %s", kind, err, stderr.Bytes())
			}
			var b batch
			if err := json.Unmarshal(out.Bytes(), &b); err != nil {
				return fmt.Errorf("worker %s: %v", kind, err)
			}
			s := measure(b, src, terms)
			if kind == "project" {
				r.project = s
			} else {
				r.plain = s
			}
			fmt.Fprintf(w, "  %-8s read in %v (%d failed)\n", kind, time.Duration(b.Wall*float64(time.Second)).Round(time.Second), b.Failed)
			if b.FirstFail != "" {
				fmt.Fprintf(w, "    first failure: %s\n", b.FirstFail)
			}
		}
		rows = append(rows, r)
	}
	fmt.Fprintf(w, "\nphrase search: %d 4-character terms drawn from the source pages (up to %d a page)\n", len(terms), c.terms)
	fmt.Fprintf(w, "%-5s %-9s %8s %10s %14s %12s %12s %10s\n", "dpi", "reader", "CER", "worst page", "phrase recall", "pages/min/core", "pages/min", "peak RSS")
	line := func(dpi int, name string, s score) {
		fmt.Fprintf(w, "%-5d %-9s %7.2f%% %9.1f%% %6.1f%% %-7s %14.1f %12.1f %7.0f MiB\n", dpi, name, 100*s.cer, 100*s.worstPage,
			100*float64(s.found)/float64(max(1, s.wanted)), fmt.Sprintf("%d/%d", s.found, s.wanted),
			float64(s.pages)/(s.cpu/60), float64(s.pages)/(s.wall/60), float64(s.maxRSS)/(1<<20))
	}
	for _, r := range rows {
		line(r.dpi, "cpaudit", r.project)
		if r.plain.pages > 0 {
			line(r.dpi, "baseline", r.plain)
		}
	}
	fmt.Fprintf(w, "\ncpaudit:  %s\nbaseline: %s\n", rows[0].project.engine, rows[0].plain.engine)
	fmt.Fprintf(w, "CER: edit distance over the normalised texts (extract.Normalize, whitespace removed), summed over pages / source characters.\n")
	fmt.Fprintf(w, "pages/min/core: pages / CPU minutes of the tesseract processes (user+system); pages/min: wall clock with -j %d on %d cores.\n", c.jobs, runtime.NumCPU())
	fmt.Fprintf(w, "peak RSS: largest tesseract process (getrusage RUSAGE_CHILDREN of the worker).\n")
	var fails []string
	for _, r := range rows {
		target := 0.06
		if r.dpi >= 300 {
			target = 0.03
		}
		if r.dpi >= 200 && r.project.cer > target {
			fails = append(fails, fmt.Sprintf("CER %.2f%% at %d dpi > %.0f%%", 100*r.project.cer, r.dpi, 100*target))
		}
		if rec := float64(r.project.found) / float64(max(1, r.project.wanted)); rec < 0.95 {
			fails = append(fails, fmt.Sprintf("phrase recall %.1f%% at %d dpi < 95%%", 100*rec, r.dpi))
		}
	}
	if len(fails) > 0 {
		fmt.Fprintf(w, "targets missed: %s\n", strings.Join(fails, "; "))
	} else {
		fmt.Fprintf(w, "targets met: CER <= 3%% at 300 dpi, <= 6%% at 200 dpi, phrase recall >= 95%%\n")
	}
	return nil
}
