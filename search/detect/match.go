package detect

import (
	"slices"
	"sort"

	"github.com/cpaudit/cpaudit"
)

// Seeds pairs the fingerprints that a and b share: {offset in a, offset
// in b}. Fingerprints repeated more than MaxRepeat times in either text
// are left out.
func Seeds(a, b []cpaudit.Fingerprint, c Config) [][2]int {
	inB := map[uint64][]int{}
	for _, f := range b {
		inB[f.Hash] = append(inB[f.Hash], f.Pos)
	}
	countA := map[uint64]int{}
	for _, f := range a {
		countA[f.Hash]++
	}
	var out [][2]int
	for _, f := range a {
		bs := inB[f.Hash]
		if len(bs) == 0 || len(bs) > c.MaxRepeat || countA[f.Hash] > c.MaxRepeat {
			continue
		}
		for _, p := range bs {
			out = append(out, [2]int{f.Pos, p})
		}
	}
	return out
}

// chain is a run of seeds along one diagonal, allowing gaps and drift.
type chain struct {
	first, last [2]int
	n           int
}

// chains groups seeds (offsets in runes of the texts) into runs: each seed
// joins the open run whose last seed it follows most closely along the
// diagonal, within MaxGap and MaxDrift.
func chains(seeds [][2]int, c Config) []chain {
	seeds = slices.Clone(seeds)
	slices.SortFunc(seeds, func(x, y [2]int) int {
		if x[0] != y[0] {
			return x[0] - y[0]
		}
		return x[1] - y[1]
	})
	var done, open []chain
	for _, s := range seeds {
		// Close runs that can no longer be continued.
		keep := open[:0]
		for _, ch := range open {
			if s[0]-ch.last[0] > c.MaxGap {
				done = append(done, ch)
			} else {
				keep = append(keep, ch)
			}
		}
		open = keep
		best, bestDrift := -1, c.MaxDrift+1
		for i, ch := range open {
			da, db := s[0]-ch.last[0], s[1]-ch.last[1]
			if da <= 0 || db <= 0 || db > c.MaxGap+c.MaxDrift {
				continue
			}
			if d := abs(da - db); d < bestDrift {
				best, bestDrift = i, d
			}
		}
		if best >= 0 {
			open[best].last = s
			open[best].n++
		} else {
			open = append(open, chain{first: s, last: s, n: 1})
		}
	}
	return append(done, open...)
}

// Promising reports whether seeds found against another document may make
// a passage of MinRunes: whether that document's text is worth reading to
// extend them. A chain's extent understates the passage by less than
// K+Window runes at each end.
func Promising(seeds [][2]int, c Config) bool {
	for _, ch := range chains(seeds, c) {
		if ch.n >= c.MinSeeds && ch.last[0]+c.K-ch.first[0] >= c.MinRunes-2*c.Window {
			return true
		}
	}
	return false
}

// Result is what Match finds: passage pairs, and how many significant
// runes of each text they cover.
type Result struct {
	Passages []cpaudit.Passage
	CoveredA int
	CoveredB int
}

// span is a passage in significant-rune indices of both texts.
type span struct{ a0, a1, b0, b1 int }

// Match turns seeds between a and b into exact passage pairs of at least
// MinRunes significant runes: each chain of at least MinSeeds seeds is
// extended at both ends while the texts agree (and across a short edit). Passages are in order of their offset in a.
func Match(a, b *Text, seeds [][2]int, c Config) Result {
	var spans []span
	for _, ch := range chains(seeds, c) {
		if ch.n < c.MinSeeds {
			continue
		}
		i, j := sigIndex(a, ch.first[0]), sigIndex(b, ch.first[1])
		ea, eb := sigIndex(a, ch.last[0])+c.K, sigIndex(b, ch.last[1])+c.K
		if i < 0 || j < 0 || ea > len(a.sig) || eb > len(b.sig) {
			continue // offsets that are not k-gram starts of these texts
		}
		i, j = extendLeft(a.sig, b.sig, i, j, c)
		ea, eb = extendRight(a.sig, b.sig, ea, eb, c)
		if ea-i >= c.MinRunes && eb-j >= c.MinRunes {
			spans = append(spans, span{i, ea, j, eb})
		}
	}
	slices.SortFunc(spans, func(x, y span) int {
		if x.a0 != y.a0 {
			return x.a0 - y.a0
		}
		return (y.a1 - y.a0) - (x.a1 - x.a0)
	})
	var res Result
	var kept []span
	for _, s := range spans {
		contained := false
		for _, k := range kept {
			if s.a0 >= k.a0 && s.a1 <= k.a1 && s.b0 >= k.b0 && s.b1 <= k.b1 {
				contained = true
				break
			}
		}
		if contained {
			continue
		}
		kept = append(kept, s)
		p := cpaudit.Passage{AStart: int(a.at[s.a0]), AEnd: int(a.at[s.a1-1]) + 1, BStart: int(b.at[s.b0]), BEnd: int(b.at[s.b1-1]) + 1}
		p.Text = a.slice(p.AStart, p.AEnd)
		p.BText = b.slice(p.BStart, p.BEnd)
		res.Passages = append(res.Passages, p)
	}
	res.CoveredA = covered(kept, func(s span) (int, int) { return s.a0, s.a1 })
	res.CoveredB = covered(kept, func(s span) (int, int) { return s.b0, s.b1 })
	return res
}

// bridge is the shortest exact run that an extension reaches across an
// edit for: a changed name at the very start or end of a copied passage,
// where seeds are too few to chain.
const bridge = 8

// extendLeft moves the start (i, j) of a match left while a and b agree,
// and across an edit of up to MaxDrift runes on either side when at least
// bridge agreeing runes lie beyond it.
func extendLeft(a, b []rune, i, j int, c Config) (int, int) {
	for {
		for i > 0 && j > 0 && a[i-1] == b[j-1] {
			i, j = i-1, j-1
		}
		bi, bj, best := 0, 0, 0
		for si := 0; si <= c.MaxDrift && i-si >= bridge; si++ {
			for sj := 0; sj <= c.MaxDrift && j-sj >= bridge; sj++ {
				if si == 0 && sj == 0 {
					continue
				}
				n := 0
				for i-si-n > 0 && j-sj-n > 0 && a[i-si-n-1] == b[j-sj-n-1] {
					n++
				}
				if n >= bridge && n > best {
					bi, bj, best = i-si-n, j-sj-n, n
				}
			}
		}
		if best == 0 {
			return i, j
		}
		i, j = bi, bj
	}
}

// extendRight is extendLeft at the end (ea, eb, exclusive) of a match.
func extendRight(a, b []rune, ea, eb int, c Config) (int, int) {
	for {
		for ea < len(a) && eb < len(b) && a[ea] == b[eb] {
			ea, eb = ea+1, eb+1
		}
		be, bf, best := 0, 0, 0
		for si := 0; si <= c.MaxDrift && ea+si+bridge <= len(a); si++ {
			for sj := 0; sj <= c.MaxDrift && eb+sj+bridge <= len(b); sj++ {
				if si == 0 && sj == 0 {
					continue
				}
				n := 0
				for ea+si+n < len(a) && eb+sj+n < len(b) && a[ea+si+n] == b[eb+sj+n] {
					n++
				}
				if n >= bridge && n > best {
					be, bf, best = ea+si+n, eb+sj+n, n
				}
			}
		}
		if best == 0 {
			return ea, eb
		}
		ea, eb = be, bf
	}
}

// covered is the size of the union of the spans' ranges on one side.
func covered(spans []span, side func(span) (int, int)) int {
	rs := make([][2]int, 0, len(spans))
	for _, s := range spans {
		x, y := side(s)
		rs = append(rs, [2]int{x, y})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i][0] < rs[j][0] })
	n, end := 0, -1
	for _, r := range rs {
		if r[0] > end {
			n += r[1] - r[0]
			end = r[1]
		} else if r[1] > end {
			n += r[1] - end
			end = r[1]
		}
	}
	return n
}

// sigIndex is the index among t's significant runes of the one at rune
// offset off, or -1 if that rune is not significant.
func sigIndex(t *Text, off int) int {
	i, ok := slices.BinarySearch(t.at, int32(off))
	if !ok {
		return -1
	}
	return i
}

// Compare finds the passages two texts share, with no boilerplate removed:
// what a reviewer asks for when putting two documents side by side.
// Similarity is the share of both texts' significant runes that the
// passages cover.
func Compare(a, b string, c Config) cpaudit.Comparison {
	ta, tb := Prepare(a), Prepare(b)
	res := Match(ta, tb, Seeds(Fingerprints(ta, c), Fingerprints(tb, c), c), c)
	out := cpaudit.Comparison{Passages: res.Passages}
	if out.Passages == nil {
		out.Passages = []cpaudit.Passage{}
	}
	if total := ta.Len() + tb.Len(); total > 0 {
		out.Similarity = float64(res.CoveredA+res.CoveredB) / float64(total)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
