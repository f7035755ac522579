package detect

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

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
// a passage: whether that document's text is worth reading to extend
// them. With MinSeeds 1 (the default) any seed is: a paraphrase keeps few
// k-grams whole, and a reordered passage puts its sentences on several
// diagonals, so the exact extension, not the seed count, decides.
// Otherwise a chain of MinSeeds seeds long enough for MinRunes is.
func Promising(seeds [][2]int, c Config) bool {
	if c.MinSeeds <= 1 {
		return len(seeds) > 0
	}
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

// Match turns seeds between a and b into exact passage pairs:
//   - each chain of seeds is extended at both ends while the texts agree
//     (and across a short edit: a word swapped for a synonym, a changed
//     name or figure); an extension of at least MinRunes significant runes
//     on both sides is a passage, however few seeds it grew from;
//   - shorter extensions near each other on both sides (a passage whose
//     sentences were reordered, or cut short) are a cluster: the two
//     regions around it are compared exactly (every common run of at
//     least PieceRunes), and if there are clusterRuns runs or more, that
//     add up to MinRunes and fill half the stretch they span, they are
//     passages;
//   - a passage (or cluster) whose two sides differ only in their figures,
//     at least two of them and one per FillInRunes significant runes or
//     more, is a fill-in template (the same sentences with another
//     enterprise's figures), not a copy, and is dropped.
//
// Passages are in order of their offset in a.
func Match(a, b *Text, seeds [][2]int, c Config) Result {
	var spans, short []span
	sa, sb := seedIndices(a, b, seeds)
	for _, ch := range chains(seeds, c) {
		i, j := sigIndex(a, ch.first[0]), sigIndex(b, ch.first[1])
		ea, eb := sigIndex(a, ch.last[0])+c.K, sigIndex(b, ch.last[1])+c.K
		if i < 0 || j < 0 || ea > len(a.sig) || eb > len(b.sig) {
			continue // offsets that are not k-gram starts of these texts
		}
		i, j = extendLeft(a.sig, b.sig, i, j, c)
		ea, eb = extendRight(a.sig, b.sig, ea, eb, c)
		s := span{i, ea, j, eb}
		switch {
		case ea-i >= c.MinRunes && eb-j >= c.MinRunes && ch.n >= c.MinSeeds:
			if !fillIn(a, b, s, c) && !figureBound(a, b, s, c) && explained(a, b, []span{s}, sa, sb, c) >= c.MinRunes {
				spans = append(spans, s)
			}
		case c.PieceRunes > 0:
			short = append(short, s)
		}
	}
	spans = append(spans, clusters(a, b, short, spans, sa, sb, c)...)
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

// clusters groups the short extensions that lie within ClusterGap of each
// other in both texts (and outside the passages already found), compares
// each group's two regions exactly, and returns the common runs of a
// group whose runs add up to MinRunes and that is no fill-in template.
func clusters(a, b *Text, short, long []span, sa, sb []int, c Config) []span {
	var free []span
	for _, s := range short {
		inside := false
		for _, l := range long {
			if s.a0 >= l.a0 && s.a1 <= l.a1 {
				inside = true
				break
			}
		}
		if !inside {
			free = append(free, s)
		}
	}
	if len(free) == 0 {
		return nil
	}
	slices.SortFunc(free, func(x, y span) int { return x.a0 - y.a0 })
	var out []span
	group := []span{free[0]}
	flush := func() {
		a0, a1, b0, b1 := group[0].a0, group[0].a1, group[0].b0, group[0].b1
		for _, g := range group[1:] {
			a0, a1, b0, b1 = min(a0, g.a0), max(a1, g.a1), min(b0, g.b0), max(b1, g.b1)
		}
		// The regions reach past the outermost runs: a sentence too
		// short for a k-gram may sit at either end.
		// A reordered passage's sentences spread over about its length
		// on the other side.
		pad := c.ClusterGap / 2
		padB := max(pad, a1-a0)
		region := span{max(0, a0-pad), min(len(a.sig), a1+pad), max(0, b0-padB), min(len(b.sig), b1+padB)}
		runs := commonRuns(a.sig, b.sig, region, c.PieceRunes)
		// Runs stopped by a figure are the wording around other
		// figures (a sentence listing options and their figures, filled
		// in by another enterprise), not pieces of a copy.
		runs = slices.DeleteFunc(runs, func(r span) bool { return figureBound(a, b, r, c) })
		if len(runs) < clusterRuns {
			return
		}
		// The common runs must fill at least half of the stretch they
		// span on each side: a passage taken apart, not two phrases
		// that two texts happen to share a few lines apart.
		total, all := 0, cover(runs)
		for _, r := range runs {
			total += r.a1 - r.a0
		}
		if 2*total < all.a1-all.a0 || 2*total < all.b1-all.b0 {
			return
		}
		if explained(a, b, runs, sa, sb, c) >= c.MinRunes && !fillIn(a, b, all, c) {
			out = append(out, runs...)
		}
	}
	for _, s := range free[1:] {
		last := group[len(group)-1]
		g := group[0]
		b0, b1 := g.b0, g.b1
		for _, x := range group {
			b0, b1 = min(b0, x.b0), max(b1, x.b1)
		}
		if s.a0-last.a1 <= c.ClusterGap && s.b0 <= b1+c.ClusterGap && s.b1 >= b0-c.ClusterGap {
			group = append(group, s)
			continue
		}
		flush()
		group = []span{s}
	}
	flush()
	return out
}

// seedIndices converts seeds (rune offsets) to significant-rune indices
// of a and b, sorted by a's; seeds that are not k-gram starts are left out.
func seedIndices(a, b *Text, seeds [][2]int) ([]int, []int) {
	sorted := slices.Clone(seeds)
	slices.SortFunc(sorted, func(x, y [2]int) int { return x[0] - y[0] })
	var sa, sb []int
	for _, s := range sorted {
		i, j := sigIndex(a, s[0]), sigIndex(b, s[1])
		if i >= 0 && j >= 0 {
			sa, sb = append(sa, i), append(sb, j)
		}
	}
	return sa, sb
}

// explained is how many significant runes of spans the seeds vouch for.
// Any window of Window consecutive k-grams inside a run two texts share
// exactly holds a fingerprint common to both (winnowing's guarantee), so
// in a long exact run, Window or more consecutive k-gram starts without a
// seed are text whose fingerprints were left out as boilerplate (guideline
// or common text, a table header many documents have), met from a seed at
// its edge: those runes do not count. Stretches outside exact runs of
// K+Window-1 or more (between the edits of a paraphrase, sentences too
// short for the guarantee) count whole.
func explained(a, b *Text, spans []span, sa, sb []int, c Config) int {
	n := 0
	w := max(c.Window, 1)
	for _, s := range spans {
		runs := commonRuns(a.sig, b.sig, s, c.K+w-1)
		long := 0
		for _, r := range runs {
			var starts []int // k-gram starts of seeds inside r, relative to r
			for k := range sa {
				if sa[k] >= r.a0 && sa[k]+c.K <= r.a1 && sb[k]-r.b0 == sa[k]-r.a0 {
					starts = append(starts, sa[k]-r.a0)
				}
			}
			slices.Sort(starts)
			l := r.a1 - r.a0
			unvouched, prev := 0, -1
			for _, x := range append(starts, l-c.K+1) {
				if gap := x - prev - 1; gap >= w {
					unvouched += gap
				}
				prev = x
			}
			n += max(0, l-unvouched)
			long += l
		}
		n += max(0, (s.a1-s.a0)-long)
	}
	return n
}

// clusterRuns is the fewest common runs a cluster needs: a passage taken
// apart leaves several; two short phrases near each other in two texts
// are, in real prose, as often chance.
const clusterRuns = 3

// cover is the smallest span holding every run on both sides.
func cover(runs []span) span {
	s := runs[0]
	for _, r := range runs[1:] {
		s = span{min(s.a0, r.a0), max(s.a1, r.a1), min(s.b0, r.b0), max(s.b1, r.b1)}
	}
	return s
}

// commonRuns finds the maximal runs of at least n significant runes that
// the two sides of region share exactly, each part of a's side used once,
// longest first.
func commonRuns(a, b []rune, region span, n int) []span {
	if region.a1-region.a0 < n || region.b1-region.b0 < n {
		return nil
	}
	at := map[string][]int{}
	for j := region.b0; j+n <= region.b1; j++ {
		k := string(b[j : j+n])
		at[k] = append(at[k], j)
	}
	var cands []span
	for i := region.a0; i+n <= region.a1; i++ {
		for _, j := range at[string(a[i:i+n])] {
			if i > region.a0 && j > region.b0 && a[i-1] == b[j-1] {
				continue // not the start of a maximal run
			}
			e := n
			for i+e < region.a1 && j+e < region.b1 && a[i+e] == b[j+e] {
				e++
			}
			cands = append(cands, span{i, i + e, j, j + e})
		}
	}
	slices.SortFunc(cands, func(x, y span) int { return (y.a1 - y.a0) - (x.a1 - x.a0) })
	var out []span
	for _, s := range cands {
		clash := false
		for _, o := range out {
			if s.a0 < o.a1 && o.a0 < s.a1 || s.b0 < o.b1 && o.b0 < s.b1 {
				clash = true
				break
			}
		}
		if !clash {
			out = append(out, s)
		}
	}
	return out
}

// fillIn reports whether the two sides of s differ only in their
// figures, with at least two figures differing and one per FillInRunes
// significant runes or more: the same fill-in sentences with other
// figures, not a copy.
func fillIn(a, b *Text, s span, c Config) bool {
	if c.FillInRunes <= 0 {
		return false
	}
	ta, na := digitRuns(a.sig[s.a0:s.a1])
	tb, nb := digitRuns(b.sig[s.b0:s.b1])
	if ta != tb || len(na) != len(nb) {
		return false
	}
	diff := 0
	for i := range na {
		if na[i] != nb[i] {
			diff++
		}
	}
	return diff >= 2 && (s.a1-s.a0) <= diff*c.FillInRunes
}

// figureBound reports whether s is shorter than FormMinRunes and stops,
// at either end, at a figure on both sides: the runes just outside s are
// digits (that differ, or the match would go on), written against it
// (joinedDigit). Such a
// match is the wording of a fill-in sentence around figures that differ
// ("…年经济效益" 2.3 against 8.1 万元), which two enterprises' reports share
// by design, however few of its figures it reaches (fillIn needs two);
// a copy with a figure changed is extended across it (extendLeft,
// extendRight) and goes on.
func figureBound(a, b *Text, s span, c Config) bool {
	if s.a1-s.a0 >= c.FormMinRunes || s.b1-s.b0 >= c.FormMinRunes {
		return false
	}
	left := joinedDigit(a, s.a0-1, s.a0) && joinedDigit(b, s.b0-1, s.b0)
	right := joinedDigit(a, s.a1, s.a1-1) && joinedDigit(b, s.b1, s.b1-1)
	return left || right
}

// joinedDigit reports whether significant rune i of t is a digit written
// against significant rune j (its neighbour), with at most spaces between:
// a figure of the same sentence ("效益2.3万元"), not the number of the
// next heading or table after a line break or a full stop.
func joinedDigit(t *Text, i, j int) bool {
	if i < 0 || i >= len(t.sig) || j < 0 || j >= len(t.sig) || !isDigit(t.sig[i]) {
		return false
	}
	from, to := int(min(t.at[i], t.at[j]))+1, int(max(t.at[i], t.at[j]))
	if from >= to {
		return true
	}
	return strings.Trim(t.slice(from, to), " \t") == ""
}

// digitRuns returns rs with each run of digits replaced by '#', and the
// runs.
func digitRuns(rs []rune) (string, []string) {
	var t []rune
	var nums []string
	for i := 0; i < len(rs); {
		if rs[i] < '0' || rs[i] > '9' {
			t = append(t, rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
			j++
		}
		t = append(t, '#')
		nums = append(nums, string(rs[i:j]))
		i = j
	}
	return string(t), nums
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

// nearReach is how far (in runes) around the seeds MatchNear prepares the
// other text, beyond the seeds' own spread: more than a cluster's regions
// (ClusterGap, and the passage's length again for a reordered one) and
// an extension's usual reach; a passage that reaches the edge is matched
// again against the whole text.
const nearReach = 1024

// MatchNear is Match(a, Prepare(b), seeds, c) for a text b whose seeds
// lie close together (a few seeds: a short copy, a
// clause shared by chance): only the part of b that they can reach is
// prepared, and the whole of b only when a passage reaches that part's
// edge. Preparing every document that shares one seed with a new one,
// whole, made the work grow with the tenant. It returns what Match
// returns and whether b was prepared whole, and then b's Len.
func MatchNear(a *Text, b string, seeds [][2]int, c Config) (Result, int, bool) {
	bRunes := utf8.RuneCountInString(b)
	lo, hi := bRunes, 0
	loA, hiA := a.whole, 0
	for _, s := range seeds {
		lo, hi = min(lo, s[1]), max(hi, s[1])
		loA, hiA = min(loA, s[0]), max(hiA, s[0])
	}
	reach := nearReach + (hiA - loA) + (hi - lo)
	lo, hi = max(0, lo-reach), min(bRunes, hi+c.K+reach)
	if len(seeds) == 0 || bRunes <= 0 || 2*(hi-lo) >= bRunes {
		tb := Prepare(b)
		return Match(a, tb, seeds, c), tb.Len(), true
	}
	tb := prepareRange(b, lo, hi, bRunes)
	res := Match(a, tb, seeds, c)
	for _, p := range res.Passages {
		if lo > 0 && p.BStart <= int(tb.at[0]) || hi < bRunes && p.BEnd > int(tb.at[len(tb.at)-1]) {
			tb = Prepare(b)
			return Match(a, tb, seeds, c), tb.Len(), true
		}
	}
	return res, 0, false
}
