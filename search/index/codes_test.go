package index

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRuneCodes pins the codes down: they are written into every index, so
// a change would misread existing ones (bump format instead).
func TestRuneCodes(t *testing.T) {
	codes := gbCodes()
	for _, tc := range []struct {
		r    rune
		want uint64
	}{
		{0, 0},
		{'a', 'a'},
		{'。', 128 + 2},         // GB2312 A1A3
		{'啊', 128 + 9*94},      // B0A1, the first hanzi
		{'齄', 128 + 81*94 - 1}, // F7FE, the last cell
		{'龘', gbBase + '龘'},    // not in GB2312
		{'𠀀', gbBase + '𠀀'},
	} {
		if got := runeCode(codes, tc.r); got != tc.want {
			t.Errorf("runeCode(%q) = %d, want %d", tc.r, got, tc.want)
		}
	}
	seen := map[uint64]rune{}
	for r := rune(0); r <= 0xffff; r++ {
		c := runeCode(codes, r)
		if other, dup := seen[c]; dup {
			t.Fatalf("%q and %q share code %d", other, r, c)
		}
		seen[c] = r
	}
}

// TestSearchUnpackedTiles mixes tiles of one number and of three: runes
// outside GB2312 around a tile, and a bigram whose tiles lie further apart
// than a packed gap reaches.
func TestSearchUnpackedTiles(t *testing.T) {
	alphabet := []rune("a生龘𠀀。")
	r := rand.New(rand.NewPCG(5, 5))
	var texts []string
	for range 60 {
		rs := make([]rune, 1+r.IntN(40))
		for i := range rs {
			rs[i] = alphabet[r.IntN(len(alphabet))]
		}
		texts = append(texts, string(rs))
	}
	// Far apart: 2·maxPackedGap runes of filler between the pieces.
	filler := strings.Repeat("清洁", maxPackedGap+7)
	texts = append(texts, "龘生a"+filler+"龘生a"+filler+"x生a", "a生龘"+filler+filler+"生a"+filler+"。生")
	ix, _ := openTest(t)
	putCorpus(t, ix, texts)
	queries := []string{"龘生a", "生a", "x生a", "清龘", "洁龘生", "a生龘", "。生", "洁。生", "生a清", "洁x生a"}
	for range 1500 {
		queries = append(queries, randomSubstring(r, texts, 8))
	}
	checkCounts(t, ix, texts, queries)
}
