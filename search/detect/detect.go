// Package detect finds passages that two texts share, exactly or with
// light edits, by winnowing (Schleimer, Wilkerson and Aiken, 2003): every
// k-gram of a text's significant runes is hashed, and of each window of w
// consecutive hashes the smallest is kept as a fingerprint. Any stretch of
// at least k+w-1 significant runes that two texts share yields at least one
// common fingerprint, so fingerprints kept in an index find a copied
// paragraph inside a long report without the texts being compared pair by
// pair. Seeds (common fingerprints) are chained along their diagonal,
// allowing gaps where a name or a number was changed, and each chain is
// extended rune by rune at both ends into an exact passage pair.
//
// It also finds photos used twice (image.go), names of other enterprises
// and places (names.go), key figures in text and tables and whether they
// agree (fig*.go), and invoice, certificate and report numbers
// (idnumbers.go).
//
// It is pure: no storage, no I/O. Offsets are runes of the normalised
// extracted text (see search/extract.Normalize).
package detect

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

// Config tunes detection; Defaults gives the values used in production.
type Config struct {
	// K is the k-gram length in significant runes. 13 Chinese characters
	// are about one clause: long enough that two independent reports rarely
	// share one by chance, short enough to survive between edits.
	K int
	// Window is the winnowing window: a shared stretch of K+Window-1 = 20
	// significant runes is always detected, and about 2/(Window+1) of the
	// k-grams are kept.
	Window int
	// MinRunes is the shortest passage reported, in significant runes.
	MinRunes int
	// FormMinRunes is the shortest passage the analysis reports between
	// two documents that are not both reports (see ForPair): evidence
	// tables and forms share headers and labels by design (a header row
	// such as "方案编号 方案名称 投资(万元) 节水量(吨/年)" is some 35
	// characters, several of them 70).
	FormMinRunes int
	// MaxGap is how far apart (in runes of the text) two seeds of one
	// passage may be: an edit of e runes removes K+e-1 k-grams, and the
	// fingerprints around it may be up to Window further apart.
	MaxGap int
	// MaxDrift is how much the two texts' offsets may drift apart inside a
	// passage: a name replaced by a longer or shorter one.
	MaxDrift int
	// MinSeeds is the fewest fingerprints a chain needs to be extended
	// into a passage. With 1 (the default) any seed is extended and the
	// extension decides: a paraphrase keeps few k-grams whole. A lone
	// fingerprint at the edge of common text (selected in some documents'
	// windows but not in others') is no evidence even when the exact
	// extension around it is long: Match credits a long exact run only
	// with the seeds inside it (see explained).
	MinSeeds int
	// MaxRepeat skips, when comparing two texts directly, fingerprints that
	// occur more often than this in either text (repeated table headers).
	MaxRepeat int
	// PieceRunes is the shortest common run counted when the regions
	// around nearby short matches are compared exactly (a reordered or
	// split passage); 0 turns that comparison off.
	PieceRunes int
	// ClusterGap is how far apart (significant runes, on both sides)
	// short matches may be to be compared as one region.
	ClusterGap int
	// FillInRunes: two sides that differ only in figures, at least one
	// per FillInRunes significant runes, are a fill-in template, not a
	// copy; 0 keeps them.
	FillInRunes int
}

// Defaults are the production settings.
func Defaults() Config {
	return Config{K: 13, Window: 8, MinRunes: 34, FormMinRunes: 50, MaxGap: 50, MaxDrift: 12, MinSeeds: 1, MaxRepeat: 16,
		PieceRunes: 8, ClusterGap: 120, FillInRunes: 40}
}

// Text is a text prepared for detection: the text, and its significant
// runes (letters, Han included, and digits, lower-cased) with their
// offsets. Punctuation and spaces are skipped, so that a changed comma or
// a line break does not break a match.
//
// A Text takes about 8 bytes per significant rune besides the text: the
// text is kept as the string it was made of, with the byte offset of
// every markEvery-th rune, not as runes (a 50 MB text of 16.7 million
// runes took 270 MB as runes, significant runes and int offsets).
type Text struct {
	s     string
	base  int     // the rune offset of s in the whole text (prepareRange)
	whole int     // the whole text's length in runes
	runes int     // the length of s in runes
	marks []int   // marks[k] is the byte offset of rune k·markEvery
	sig   []rune  // significant runes, folded
	at    []int32 // at[i] is the offset in runes of sig[i]
}

// markEvery is how many runes apart Text keeps byte offsets.
const markEvery = 256

// Prepare makes a Text of s.
func Prepare(s string) *Text {
	n := utf8.RuneCountInString(s)
	return prepare(s, 0, n)
}

// prepareRange prepares runes [lo, hi) of s, a text of n runes, with the
// offsets of the whole text: the part of another document that seeds can
// reach (MatchNear).
func prepareRange(s string, lo, hi, n int) *Text {
	from, to, i := len(s), len(s), 0
	for off := range s {
		if i == lo {
			from = off
		}
		if i == hi {
			to = off
			break
		}
		i++
	}
	t := prepare(s[from:to], lo, n)
	return t
}

// prepare makes a Text of s, which starts at rune base of a text of
// whole runes.
func prepare(s string, base, whole int) *Text {
	n := utf8.RuneCountInString(s)
	t := &Text{s: s, base: base, whole: whole, runes: n, marks: make([]int, 0, n/markEvery+1)}
	sig := 0
	for _, r := range s {
		if _, ok := significant(r); ok {
			sig++
		}
	}
	t.sig = make([]rune, 0, sig)
	t.at = make([]int32, 0, sig)
	i := 0
	for off, r := range s {
		if i%markEvery == 0 {
			t.marks = append(t.marks, off)
		}
		if r, ok := significant(r); ok {
			t.sig = append(t.sig, r)
			t.at = append(t.at, int32(base+i))
		}
		i++
	}
	return t
}

// Len is the number of significant runes, the measure of scores.
func (t *Text) Len() int { return len(t.sig) }

// Runes is the length of the text in runes.
func (t *Text) Runes() int { return t.whole }

// slice returns runes [from, to) of the text, as a string of its own (a
// passage must not keep a long text in memory).
func (t *Text) slice(from, to int) string {
	return strings.Clone(t.s[t.byteAt(from-t.base):t.byteAt(to-t.base)])
}

// byteAt is the byte offset of rune r, len(t.s) at or past the end.
func (t *Text) byteAt(r int) int {
	if r >= t.runes {
		return len(t.s)
	}
	off := t.marks[r/markEvery]
	for k := r % markEvery; k > 0; k-- {
		_, size := utf8.DecodeRuneInString(t.s[off:])
		off += size
	}
	return off
}

// Fingerprints returns the winnowed k-gram hashes of t, each with the rune
// offset where its k-gram starts, in text order.
func Fingerprints(t *Text, c Config) []cpaudit.Fingerprint {
	w := newWinnower(c, len(t.sig))
	for i, r := range t.sig {
		w.push(r, int(t.at[i]))
	}
	return w.finish()
}

// FingerprintsOf returns what Fingerprints(Prepare(s), c) returns, and
// the number of significant runes of s, without preparing s: only the
// fingerprints are kept, not a rune array of the text (a 50 MB text's is
// 134 MB), which the analysis of a document needs only when another
// document shares some of them.
func FingerprintsOf(s string, c Config) ([]cpaudit.Fingerprint, int) {
	w := newWinnower(c, utf8.RuneCountInString(s))
	pos := 0
	for _, r := range s {
		if sig, ok := significant(r); ok {
			w.push(sig, pos)
		}
		pos++
	}
	return w.finish(), w.n
}

// significant returns r folded, and whether it is significant: letters,
// Han included, and digits.
func significant(r rune) (rune, bool) {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF:
		return r, true // CJK Unified Ideographs: letters, without case
	case r < utf8.RuneSelf:
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return r, true
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A', true
		}
		return 0, false
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return unicode.ToLower(r), true
	}
	return 0, false
}

// winnower computes a text's fingerprints as its significant runes come:
// the k-grams are hashed with a polynomial rolling hash (mod 2^64), each
// value mixed so that the minimum of a window is a fair sample, and of
// each window of c.Window consecutive k-grams the smallest hash is kept,
// the rightmost on ties, so that sliding the window does not pick a new
// copy of the same value. Only the last k-gram's runes, and one window's
// hashes and positions, are kept.
type winnower struct {
	k, w   int
	pow, h uint64
	n      int      // significant runes pushed
	runes  []rune   // runes[i%k] is significant rune i, of the last k
	pos    []int    // pos[i%len(pos)] is the rune offset of significant rune i
	hashes []uint64 // hashes[g%w] is the hash of k-gram g, of the last w
	last   int      // the k-gram last kept
	out    []cpaudit.Fingerprint
}

const hashBase = 1_000_003

// newWinnower returns a winnower for a text of about runes runes (to size
// its result once).
func newWinnower(c Config, runes int) *winnower {
	c.Window = max(c.Window, 1)
	w := &winnower{k: c.K, w: c.Window, pow: 1, last: -1,
		runes: make([]rune, c.K), pos: make([]int, c.K+c.Window), hashes: make([]uint64, c.Window)}
	for i := 1; i < c.K; i++ {
		w.pow *= hashBase
	}
	if n := runes - c.K + 1; n > 0 {
		w.out = make([]cpaudit.Fingerprint, 0, 2*n/(c.Window+1)+16)
	}
	return w
}

// push adds the next significant rune, at rune offset pos of the text.
func (w *winnower) push(r rune, pos int) {
	i := w.n
	w.n++
	w.pos[i%len(w.pos)] = pos
	if i >= w.k {
		w.h -= uint64(w.runes[i%w.k]) * w.pow // significant rune i-k leaves
	}
	w.runes[i%w.k] = r
	w.h = w.h*hashBase + uint64(r)
	g := i - w.k + 1 // the k-gram ending here
	if g < 0 {
		return
	}
	w.hashes[g%w.w] = mix(w.h)
	if start := g - w.w + 1; start >= 0 {
		w.keep(start, g)
	}
}

// keep keeps the smallest hash of k-grams [start, end], the rightmost on
// ties, unless it was kept already.
func (w *winnower) keep(start, end int) {
	m := start
	for j := start + 1; j <= end; j++ {
		if w.hashes[j%w.w] <= w.hashes[m%w.w] {
			m = j
		}
	}
	if m != w.last {
		w.out = append(w.out, cpaudit.Fingerprint{Hash: w.hashes[m%w.w], Pos: w.pos[m%len(w.pos)]})
		w.last = m
	}
}

// finish returns the fingerprints. A text of fewer k-grams than a window
// is one window: its smallest hash.
func (w *winnower) finish() []cpaudit.Fingerprint {
	if n := w.n - w.k + 1; n > 0 && n < w.w {
		w.keep(0, n-1)
	}
	if len(w.out) == 0 {
		return nil
	}
	return w.out
}

// mix is SplitMix64's finaliser. The top bit is cleared so that a hash
// fits in SQLite's signed 64-bit integers unchanged.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x >> 1
}

// ForPair is c for comparing two documents, bothReports telling whether
// both are reports. Otherwise the stricter rules that hold for tables and
// forms apply: passages of FormMinRunes, grown from chains of 3 seeds or
// more, and no clusters of short matches (a form's labels, reordered, are
// still the same form).
func (c Config) ForPair(bothReports bool) Config {
	if !bothReports {
		c.MinRunes = max(c.MinRunes, c.FormMinRunes)
		c.MinSeeds = max(c.MinSeeds, 3)
		c.PieceRunes = 0
	}
	return c
}
