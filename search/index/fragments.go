package index

import (
	"html"
	"slices"
	"strings"
)

// fragmentContext is how many runes of text a passage shows before its
// first match and after its last; maxPassage bounds the runes between the
// two, so a common term does not turn the whole text into one passage.
const (
	fragmentContext = 30
	maxPassage      = 120
)

// Fragments returns up to n passages of text (normalised, as indexed)
// around occurrences of the terms that are not excluded, HTML-escaped,
// each occurrence wrapped in <mark>…</mark>. Matching is the index's: case
// folded rune by rune, so the marks fall exactly where Search found the
// terms. Passages are in text order, do not overlap, and are cut at
// fragmentContext runes before their first match and after their last, with "…" where
// text was left out.
func Fragments(text string, terms []Term, n int) []string {
	if n <= 0 || text == "" {
		return nil
	}
	rs := []rune(text)
	merged := matches(rs, terms)
	if len(merged) == 0 {
		return nil
	}
	// Group marks into passages: a mark joins the passage before it when
	// the text between them fits in the context of both and the passage
	// stays within maxPassage.
	var out []string
	prevTo := 0
	for i := 0; i < len(merged) && len(out) < n; {
		j := i + 1
		for j < len(merged) && merged[j][0]-merged[j-1][1] <= 2*fragmentContext &&
			merged[j][1]-merged[i][0] <= maxPassage {
			j++
		}
		from := max(prevTo, merged[i][0]-fragmentContext)
		to := min(len(rs), merged[j-1][1]+fragmentContext)
		if j < len(merged) {
			to = min(to, merged[j][0]) // the next passage starts there at the latest
		}
		out = append(out, passage(rs, from, to, merged[i:j]))
		prevTo, i = to, j
	}
	return out
}

// passage renders rs[from:to] with marks (sorted, disjoint, inside).
func passage(rs []rune, from, to int, marks [][2]int) string {
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, m := range marks {
		b.WriteString(html.EscapeString(string(rs[at:m[0]])))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(string(rs[m[0]:m[1]])))
		b.WriteString("</mark>")
		at = m[1]
	}
	b.WriteString(html.EscapeString(string(rs[at:to])))
	if to < len(rs) {
		b.WriteString("…")
	}
	return b.String()
}

// Matches returns where the terms that are not excluded occur in text, as
// rune intervals [start, end), sorted, merged where they overlap or touch.
// Matching is the index's, so these are the places Search found.
func Matches(text string, terms []Term) [][2]int {
	return matches([]rune(text), terms)
}

func matches(rs []rune, terms []Term) [][2]int {
	folded := make([]rune, len(rs))
	for i, r := range rs {
		folded[i] = fold(r)
	}
	var marks [][2]int
	for _, t := range terms {
		if t.Exclude || t.Text == "" {
			continue
		}
		pat := []rune(t.Text)
		for i := 0; i+len(pat) <= len(folded); i++ {
			if slices.Equal(folded[i:i+len(pat)], pat) {
				marks = append(marks, [2]int{i, i + len(pat)})
			}
		}
	}
	if len(marks) == 0 {
		return nil
	}
	slices.SortFunc(marks, func(a, b [2]int) int { return a[0] - b[0] })
	merged := marks[:1]
	for _, m := range marks[1:] {
		last := &merged[len(merged)-1]
		if m[0] <= last[1] {
			last[1] = max(last[1], m[1])
		} else {
			merged = append(merged, m)
		}
	}
	return merged
}
