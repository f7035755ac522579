// Command benchcompare measures the compare page's alignment
// (search/detect.Align: the detector's shared passages as anchors, a
// character diff per aligned segment) against a plain character diff of
// the whole texts (github.com/sergi/go-diff's DiffMain, checklines off, no
// pre-processing) on the same pairs of generated report-like Chinese
// texts of about 300,000 characters sharing 20% of their text: p50/p99
// time and peak heap in use of each, and the ratios. The plain diff is
// bounded by go-diff's own DiffTimeout per pair (past it, go-diff gives up
// and answers a coarse diff); the run prints the timeout and how many
// pairs hit it, since their time is then a lower bound.
//
// Run it through scripts/bench-compare.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit/scripts/internal/benchstat"
	"github.com/cpaudit/cpaudit/search/detect"
	"github.com/sergi/go-diff/diffmatchpatch"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchcompare:", err)
		os.Exit(1)
	}
}

func run() error {
	pairs := flag.Int("pairs", 10, "pairs of texts")
	chars := flag.Int("chars", 300000, "characters of each text")
	share := flag.Float64("share", 0.2, "share of the second text copied from the first")
	seed := flag.Uint64("seed", 18, "seed of the generated texts")
	timeout := flag.Duration("timeout", 30*time.Second, "the plain diff's per-pair timeout (go-diff DiffTimeout)")
	plain := flag.Bool("plain", true, "also run the plain diff")
	flag.Parse()
	if *pairs < 1 || *chars < 1000 || *share <= 0 || *share >= 1 {
		return fmt.Errorf("bad flags")
	}
	fmt.Printf("benchcompare: %d pairs of ~%d-character Chinese report texts sharing %.0f%%, seed %d, GOMAXPROCS %d\n",
		*pairs, *chars, *share*100, *seed, runtime.GOMAXPROCS(0))

	var oursT, plainT []time.Duration
	var oursM, plainM []uint64
	hit, anchors, similarity := 0, 0, 0.0
	for i := range *pairs {
		a, b := pair(*seed, i, *chars, *share)
		var al detect.Alignment
		d, m := measure(func() { al = detect.Align(a, b, detect.Defaults()) })
		oursT, oursM = append(oursT, d), append(oursM, m)
		anchors += len(al.Anchors)
		similarity += al.Similarity
		line := fmt.Sprintf("pair %2d: %d / %d chars, %d anchors, similarity %.3f, coarse %d; ours %v %s",
			i, utf8.RuneCountInString(a), utf8.RuneCountInString(b), len(al.Anchors), al.Similarity, al.Coarse, d.Round(time.Millisecond), mib(m))
		if *plain {
			dmp := diffmatchpatch.New()
			dmp.DiffTimeout = *timeout
			d, m := measure(func() { dmp.DiffMain(a, b, false) })
			plainT, plainM = append(plainT, d), append(plainM, m)
			if d >= *timeout {
				hit++
			}
			line += fmt.Sprintf("; plain %v %s", d.Round(time.Millisecond), mib(m))
		}
		fmt.Println(line)
	}
	fmt.Printf("\nours (detect.Align, as the compare page): p50 %v, p99 %v, peak heap in use p50 %s, max %s; %.1f anchors and similarity %.3f on average\n",
		ms(benchstat.Percentile(oursT, 50)), ms(benchstat.Percentile(oursT, 99)), mib(pct(oursM, 50)), mib(pct(oursM, 100)),
		float64(anchors)/float64(*pairs), similarity/float64(*pairs))
	if !*plain {
		return nil
	}
	fmt.Printf("plain (go-diff DiffMain(a, b, checklines=false) on the whole texts, DiffTimeout %v per pair, no pre-processing): p50 %v, p99 %v, peak heap in use p50 %s, max %s; %d of %d pairs hit the timeout (their time is a lower bound)\n",
		*timeout, ms(benchstat.Percentile(plainT, 50)), ms(benchstat.Percentile(plainT, 99)), mib(pct(plainM, 50)), mib(pct(plainM, 100)), hit, *pairs)
	r50 := float64(benchstat.Percentile(plainT, 50)) / float64(benchstat.Percentile(oursT, 50))
	r99 := float64(benchstat.Percentile(plainT, 99)) / float64(benchstat.Percentile(oursT, 99))
	bound := ""
	if hit > 0 {
		bound = "at least "
	}
	fmt.Printf("ratio plain/ours: p50 %s%.1fx, p99 %s%.1fx\n", bound, r50, bound, r99)
	p99 := benchstat.Percentile(oursT, 99)
	fmt.Printf("target: ours p99 <= 2s: %v (%v); >= 10x faster than the plain diff: %v\n", p99 <= 2*time.Second, ms(p99), r99 >= 10)
	return nil
}

// measure times f and samples the heap in use while it runs (every
// millisecond, runtime.ReadMemStats): the peak above what was in use
// before.
func measure(f func()) (time.Duration, uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	f()
	d := time.Since(start)
	close(stop)
	<-done
	if p := peak.Load(); p > base {
		return d, p - base
	}
	return d, 0
}

func pct(xs []uint64, p int) uint64 {
	ds := make([]time.Duration, len(xs))
	for i, x := range xs {
		ds[i] = time.Duration(x)
	}
	return uint64(benchstat.Percentile(ds, p))
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func ms(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
