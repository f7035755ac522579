package pipeline

import (
	"runtime/debug"
	"slices"
	"sync"
)

// DefaultLongText is the size, in bytes of file or of text, from which a
// job's text counts as long (see Gate).
const DefaultLongText = 4 << 20

// Gate lets one worker at a time hold a long text. Extraction, indexing
// and analysis each hold a document's whole text while they work on it,
// and each needs several times its size besides (a bigram segment, the
// fingerprints); right after a 50 MB text was extracted, the indexer and
// the analyser both read it and worked on it at once, and with extraction
// of the next file the process's heap briefly held some 350 MB of live
// data (issue 24). With one Gate shared by the workers, the others leave
// long texts for later (their claims cap the size) while one of them
// works on some, so memory is bounded by one long text, not three.
//
// A worker takes the gate without waiting, before claiming: with it, the
// claim is uncapped; without it, capped at the gate's threshold. A worker
// that claimed no long text gives the gate back at once; one that did
// keeps it until done, then returns the memory (returnMemory).
type Gate struct {
	long int64
	ch   chan struct{}
}

// NewGate returns a gate for texts of long bytes or more; long <= 0
// means DefaultLongText.
func NewGate(long int64) *Gate {
	if long <= 0 {
		long = DefaultLongText
	}
	return &Gate{long: long, ch: make(chan struct{}, 1)}
}

// take tries to take g for a claim. It returns the claim's size cap
// (0, no cap, when g was taken) and a function that gives g back; that
// function may be called more than once.
func (g *Gate) take() (maxText int64, release func()) {
	select {
	case g.ch <- struct{}{}:
		return 0, sync.OnceFunc(func() { <-g.ch })
	default:
		return g.long, func() {}
	}
}

// gatedClaim is a worker's claim through g, as the three workers make it:
// it takes g, claims with the cap that allows (claim's maxText), and keeps
// g only if one of the jobs is long (size says a job's bytes). The worker
// calls done once finished with the jobs: done returns a long text's
// memory (returnMemory) and gives g back; it does nothing when g was
// given back at once.
func gatedClaim[J any](g *Gate, claim func(maxText int64) ([]J, error), size func(J) int64) (jobs []J, done func(), err error) {
	maxText, release := g.take()
	defer func() { // also when claim panics
		if done == nil {
			release()
			done = func() {}
		}
	}()
	jobs, err = claim(maxText)
	if err == nil && slices.ContainsFunc(jobs, func(j J) bool { return g.isLong(size(j)) }) {
		done = func() { returnMemory(); release() }
	}
	return jobs, done, err
}

// isLong reports whether n bytes are a long text.
func (g *Gate) isLong(n int64) bool { return n > g.long }

// returnMemory gives the operating system back the heap a long text took,
// once its worker is done with it: the Go runtime keeps freed heap for a
// while, and the next worker's long text would otherwise come on top of
// it (a full collection, tens of milliseconds, after each long text only).
func returnMemory() { debug.FreeOSMemory() }
