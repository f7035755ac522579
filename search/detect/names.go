package detect

import (
	"slices"
	"strings"
	"unicode"

	"github.com/cpaudit/cpaudit"
)

// Foreign names: a report copied from another enterprise's often still
// names that enterprise, or its city. ForeignNames finds, in a text of
// enterprise own, the names of the others (registered name, or the name
// without its legal suffix when that keeps at least 4 characters) and the
// places (see places.go) outside own's region. Its own names and places
// are matched too, so that a shorter foreign name inside them (唐山钢铁
// inside 唐山钢铁集团) does not count.

// MaxForeignMentions caps the mentions reported for one document.
const MaxForeignMentions = 200

// legalSuffixes are cut from a registered name, longest first, repeatedly
// (…集团有限公司 loses both).
var legalSuffixes = []string{"股份有限公司", "有限责任公司", "有限公司", "集团"}

// ShortName is an enterprise's name without its legal suffixes, or "" when
// that leaves fewer than 4 characters or nothing was cut.
func ShortName(name string) string {
	short := strings.TrimSpace(name)
	for cut := true; cut; {
		cut = false
		for _, suf := range legalSuffixes {
			if s, ok := cutSuffix(short, suf); ok {
				short, cut = s, true
			}
		}
	}
	if short == name || len([]rune(short)) < 4 {
		return ""
	}
	return short
}

// aliasHead is the length of the shortest alias: names are sought from 4
// runes, places from 3 (placeAliases; TestForeignNamesMany checks it).
const aliasHead = 3

type alias struct {
	runes  []rune
	mine   bool
	ent    *cpaudit.EnterpriseName
	place  *place
	target string
}

// ForeignNames finds the foreign names and places of text (an extracted,
// normalised text) for enterprise own among the enterprises of its tenant.
// It returns at most MaxForeignMentions mentions and how many there are.
func ForeignNames(text string, own cpaudit.EnterpriseName, all []cpaudit.EnterpriseName) ([]cpaudit.ForeignMention, int) {
	var aliases []alias
	for i := range all {
		e := &all[i]
		mine := e.ID == own.ID
		for _, n := range []string{strings.TrimSpace(e.Name), ShortName(e.Name)} {
			if len([]rune(n)) >= 4 {
				aliases = append(aliases, alias{runes: []rune(n), mine: mine, ent: e, target: e.Name})
			}
		}
	}
	for _, p := range placeAliases() {
		aliases = append(aliases, alias{runes: p.alias, mine: !foreignPlace(p, own.Region), place: &p, target: p.name})
	}
	// Longest first; of equal ones, the enterprise's own (a name it shares
	// with another is its own).
	slices.SortStableFunc(aliases, func(a, b alias) int {
		if d := len(b.runes) - len(a.runes); d != 0 {
			return d
		}
		switch {
		case a.mine && !b.mine:
			return -1
		case b.mine && !a.mine:
			return 1
		}
		return 0
	})
	// Keyed by the first aliasHead runes (every alias has as many): by
	// the first rune alone, the thousands of names of a large tenant that
	// begin alike (河北…, 保定…) were all tried at every such rune.
	byHead := map[[aliasHead]rune][]alias{}
	for _, a := range aliases {
		k := [aliasHead]rune(a.runes)
		byHead[k] = append(byHead[k], a)
	}

	rs := []rune(text)
	var out []cpaudit.ForeignMention
	total := 0
	for i := 0; i < len(rs); {
		var hit *alias
		if i+aliasHead <= len(rs) {
			bucket := byHead[[aliasHead]rune(rs[i:i+aliasHead])]
			for k, a := range bucket {
				if i+len(a.runes) <= len(rs) && slices.Equal(rs[i:i+len(a.runes)], a.runes) {
					hit = &bucket[k]
					break
				}
			}
		}
		if hit == nil {
			i++
			continue
		}
		end := i + len(hit.runes)
		if !hit.mine {
			total++
			if len(out) < MaxForeignMentions {
				m := cpaudit.ForeignMention{Found: string(hit.runes), Start: i, End: end, Name: hit.target}
				if hit.ent != nil {
					m.Kind, m.EnterpriseID = "enterprise", hit.ent.ID
				} else {
					m.Kind, m.Code = "place", hit.place.code
				}
				m.SentenceStart, m.SentenceEnd = sentenceAround(rs, i, end)
				m.Sentence = string(rs[m.SentenceStart:m.SentenceEnd])
				out = append(out, m)
			}
		}
		i = end
	}
	return out, total
}

// maxSentence bounds a sentence quoted as evidence, in runes either side.
const maxSentence = 120

// sentenceAround is the sentence holding rs[start:end]: from after the
// previous sentence end (。！？；!?; or a line break) to the next one
// included.
func sentenceAround(rs []rune, start, end int) (int, int) {
	isEnd := func(r rune) bool { return strings.ContainsRune("。！？；!?;\n", r) }
	s := start
	for s > 0 && start-s < maxSentence && !isEnd(rs[s-1]) {
		s--
	}
	for s < start && unicode.IsSpace(rs[s]) {
		s++
	}
	e := end
	for e < len(rs) && e-end < maxSentence && !isEnd(rs[e]) {
		e++
	}
	if e < len(rs) && isEnd(rs[e]) && rs[e] != '\n' {
		e++
	}
	return s, e
}

func cutSuffix(s, suf string) (string, bool) { return strings.CutSuffix(s, suf) }

func sortByLength(ps []place) {
	slices.SortStableFunc(ps, func(a, b place) int { return len(b.alias) - len(a.alias) })
}
