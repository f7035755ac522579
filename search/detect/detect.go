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
	"unicode"

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

// Text is a text prepared for detection: its runes, and the significant
// ones (letters, Han included, and digits, lower-cased) with their
// offsets. Punctuation and spaces are skipped, so that a changed comma or
// a line break does not break a match.
type Text struct {
	runes []rune
	sig   []rune // significant runes, folded
	at    []int  // at[i] is the offset in runes of sig[i]
}

// Prepare makes a Text of s.
func Prepare(s string) *Text {
	t := &Text{runes: []rune(s)}
	t.sig = make([]rune, 0, len(t.runes))
	t.at = make([]int, 0, len(t.runes))
	for i, r := range t.runes {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			t.sig = append(t.sig, unicode.ToLower(r))
			t.at = append(t.at, i)
		}
	}
	return t
}

// Len is the number of significant runes, the measure of scores.
func (t *Text) Len() int { return len(t.sig) }

// Runes is the length of the text in runes.
func (t *Text) Runes() int { return len(t.runes) }

// Fingerprints returns the winnowed k-gram hashes of t, each with the rune
// offset where its k-gram starts, in text order.
func Fingerprints(t *Text, c Config) []cpaudit.Fingerprint {
	n := len(t.sig) - c.K + 1
	if n <= 0 {
		return nil
	}
	hashes := kgramHashes(t.sig, c.K)
	w := min(c.Window, n)
	var out []cpaudit.Fingerprint
	last := -1
	for start := 0; start+w <= n; start++ {
		// The smallest hash of the window, the rightmost on ties, so that
		// sliding the window does not pick a new copy of the same value.
		m := start
		for i := start + 1; i < start+w; i++ {
			if hashes[i] <= hashes[m] {
				m = i
			}
		}
		if m != last {
			out = append(out, cpaudit.Fingerprint{Hash: hashes[m], Pos: t.at[m]})
			last = m
		}
	}
	return out
}

// kgramHashes hashes every k-gram of s with a polynomial rolling hash
// (mod 2^64), then mixes each value so that the minimum of a window is a
// fair sample.
func kgramHashes(s []rune, k int) []uint64 {
	const base = 1_000_003
	var pow uint64 = 1
	for i := 1; i < k; i++ {
		pow *= base
	}
	out := make([]uint64, len(s)-k+1)
	var h uint64
	for i, r := range s {
		if i >= k {
			h -= uint64(s[i-k]) * pow
		}
		h = h*base + uint64(r)
		if i >= k-1 {
			out[i-k+1] = mix(h)
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
