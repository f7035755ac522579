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
	// MaxGap is how far apart (in runes of the text) two seeds of one
	// passage may be: an edit of e runes removes K+e-1 k-grams, and the
	// fingerprints around it may be up to Window further apart.
	MaxGap int
	// MaxDrift is how much the two texts' offsets may drift apart inside a
	// passage: a name replaced by a longer or shorter one.
	MaxDrift int
	// MinSeeds is the fewest fingerprints a chain needs to become a
	// passage. A copied stretch of MinRunes runes holds about
	// 2*(MinRunes-K)/(Window+1) of them; a lone fingerprint at the edge of
	// common text (selected in some documents' windows but not in others')
	// is not evidence, even when the exact extension around it is long.
	MinSeeds int
	// MaxRepeat skips, when comparing two texts directly, fingerprints that
	// occur more often than this in either text (repeated table headers).
	MaxRepeat int
}

// Defaults are the production settings.
func Defaults() Config {
	return Config{K: 13, Window: 8, MinRunes: 50, MaxGap: 50, MaxDrift: 12, MinSeeds: 3, MaxRepeat: 16}
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
	runes int     // the text's length in runes
	marks []int   // marks[k] is the byte offset of rune k·markEvery
	sig   []rune  // significant runes, folded
	at    []int32 // at[i] is the offset in runes of sig[i]
}

// markEvery is how many runes apart Text keeps byte offsets.
const markEvery = 256

// Prepare makes a Text of s.
func Prepare(s string) *Text {
	n := utf8.RuneCountInString(s)
	t := &Text{s: s, runes: n, marks: make([]int, 0, n/markEvery+1)}
	sig := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
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
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			t.sig = append(t.sig, unicode.ToLower(r))
			t.at = append(t.at, int32(i))
		}
		i++
	}
	return t
}

// Len is the number of significant runes, the measure of scores.
func (t *Text) Len() int { return len(t.sig) }

// Runes is the length of the text in runes.
func (t *Text) Runes() int { return t.runes }

// slice returns runes [from, to) of the text, as a string of its own (a
// passage must not keep a long text in memory).
func (t *Text) slice(from, to int) string {
	return strings.Clone(t.s[t.byteAt(from):t.byteAt(to)])
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
// offset where its k-gram starts, in text order. The k-grams are hashed
// as the windows slide (a polynomial rolling hash mod 2^64, each value
// mixed so that the minimum of a window is a fair sample): only one
// window's hashes are kept, not one per rune.
func Fingerprints(t *Text, c Config) []cpaudit.Fingerprint {
	n := len(t.sig) - c.K + 1
	if n <= 0 {
		return nil
	}
	const base = 1_000_003
	var pow uint64 = 1
	for i := 1; i < c.K; i++ {
		pow *= base
	}
	w := min(c.Window, n)
	window := make([]uint64, w) // the hash of k-gram g is window[g%w]
	// Winnowing keeps about 2/(w+1) of the k-grams: sized once, a long
	// text's fingerprints are not copied as the slice grows.
	out := make([]cpaudit.Fingerprint, 0, 2*n/(w+1)+16)
	last := -1
	var h uint64
	for i, r := range t.sig {
		if i >= c.K {
			h -= uint64(t.sig[i-c.K]) * pow
		}
		h = h*base + uint64(r)
		g := i - c.K + 1 // the k-gram ending here
		if g < 0 {
			continue
		}
		window[g%w] = mix(h)
		start := g - w + 1
		if start < 0 {
			continue
		}
		// The smallest hash of the window, the rightmost on ties, so that
		// sliding the window does not pick a new copy of the same value.
		m := start
		for j := start + 1; j <= g; j++ {
			if window[j%w] <= window[m%w] {
				m = j
			}
		}
		if m != last {
			out = append(out, cpaudit.Fingerprint{Hash: window[m%w], Pos: int(t.at[m])})
			last = m
		}
	}
	return out
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
