package detect

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// referenceFingerprints is winnowing as written first: every k-gram's hash
// in a slice, then the rightmost minimum of each window.
func referenceFingerprints(t *Text, c Config) []cpaudit.Fingerprint {
	n := len(t.sig) - c.K + 1
	if n <= 0 {
		return nil
	}
	const base = 1_000_003
	var pow uint64 = 1
	for i := 1; i < c.K; i++ {
		pow *= base
	}
	hashes := make([]uint64, n)
	var h uint64
	for i, r := range t.sig {
		if i >= c.K {
			h -= uint64(t.sig[i-c.K]) * pow
		}
		h = h*base + uint64(r)
		if i >= c.K-1 {
			hashes[i-c.K+1] = mix(h)
		}
	}
	w := min(c.Window, n)
	var out []cpaudit.Fingerprint
	last := -1
	for start := 0; start+w <= n; start++ {
		m := start
		for i := start + 1; i < start+w; i++ {
			if hashes[i] <= hashes[m] {
				m = i
			}
		}
		if m != last {
			out = append(out, cpaudit.Fingerprint{Hash: hashes[m], Pos: int(t.at[m])})
			last = m
		}
	}
	return out
}

// TestFingerprintsStreamed checks that winnowing over a sliding window of
// hashes (which keeps memory to one window, issue 24) picks exactly the
// fingerprints of the whole-slice version, repeats and short texts
// included.
func TestFingerprintsStreamed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("清洁生产审核报告节水能耗，。 ab12")
	for _, n := range []int{0, 5, 12, 13, 14, 20, 21, 100, 5000} {
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		for _, c := range []Config{Defaults(), {K: 3, Window: 1}, {K: 5, Window: 30}} {
			text := Prepare(b.String())
			want := referenceFingerprints(text, c)
			if got := Fingerprints(text, c); !slices.Equal(got, want) {
				t.Errorf("n=%d K=%d W=%d: %d fingerprints, want %d", n, c.K, c.Window, len(got), len(want))
			}
			// Straight from the string, as the analysis does.
			if got, runes := FingerprintsOf(b.String(), c); !slices.Equal(got, want) || runes != text.Len() {
				t.Errorf("FingerprintsOf, n=%d K=%d W=%d: %d fingerprints of %d runes, want %d of %d", n, c.K, c.Window, len(got), runes, len(want), text.Len())
			}
		}
	}
}

// TestTextSliceByRunes checks the rune offsets of a Text against the
// runes of its string, across the marks Text keeps.
func TestTextSliceByRunes(t *testing.T) {
	s := strings.Repeat("清洁生产a，", 300) + "末"
	rs := []rune(s)
	text := Prepare(s)
	if text.Runes() != len(rs) {
		t.Fatalf("Runes() = %d, want %d", text.Runes(), len(rs))
	}
	for _, span := range [][2]int{{0, 1}, {0, 256}, {255, 257}, {511, 1024}, {700, len(rs)}, {len(rs), len(rs)}} {
		if got, want := text.slice(span[0], span[1]), string(rs[span[0]:span[1]]); got != want {
			t.Errorf("slice(%d, %d) = %q, want %q", span[0], span[1], got, want)
		}
	}
	for i, off := range text.at {
		if rs[off] != text.sig[i] && rs[off] != 'A' {
			t.Fatalf("at[%d] = %d: rune %q, significant %q", i, off, rs[off], text.sig[i])
		}
	}
}
