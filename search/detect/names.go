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
	ent    *cpaudit.EnterpriseName // an enterprise's name, or
	place  *place                  // a place's
	target string
}

// mineFor says whether the alias is own's name or a place in own's
// region, which are matched but not reported.
func (a *alias) mineFor(own cpaudit.EnterpriseName) bool {
	if a.ent != nil {
		return a.ent.ID == own.ID
	}
	return !foreignPlace(*a.place, own.Region)
}

// NameIndex holds a tenant's enterprise names and the places, ready to be
// sought in many texts. Building it is the dear part (every name of the
// tenant, sorted), so a batch of analyses builds it once: per text, it cost
// a tenant of 2,000 enterprises more than the scan itself. It is not
// modified after NewNameIndex and safe for concurrent use.
type NameIndex struct {
	// byHead holds the aliases by their first aliasHead runes (every alias
	// has as many), each bucket longest first: keyed by the first rune
	// alone, the thousands of names of a large tenant that begin alike
	// (河北…, 保定…) were all tried at every such rune.
	byHead map[[aliasHead]rune][]alias
}

// NewNameIndex indexes the names of all (registered, and short when
// ShortName gives one) and the places.
func NewNameIndex(all []cpaudit.EnterpriseName) *NameIndex {
	ents := slices.Clone(all) // the aliases point into it
	var aliases []alias
	for i := range ents {
		e := &ents[i]
		for _, n := range []string{strings.TrimSpace(e.Name), ShortName(e.Name)} {
			if len([]rune(n)) >= 4 {
				aliases = append(aliases, alias{runes: []rune(n), ent: e, target: e.Name})
			}
		}
	}
	for _, p := range placeAliases() {
		aliases = append(aliases, alias{runes: p.alias, place: &p, target: p.name})
	}
	slices.SortStableFunc(aliases, func(a, b alias) int { return len(b.runes) - len(a.runes) })
	x := &NameIndex{byHead: map[[aliasHead]rune][]alias{}}
	for _, a := range aliases {
		k := [aliasHead]rune(a.runes)
		x.byHead[k] = append(x.byHead[k], a)
	}
	return x
}

// ForeignNames finds the foreign names and places of text (an extracted,
// normalised text) for enterprise own among the enterprises of its tenant.
// It returns at most MaxForeignMentions mentions and how many there are.
// For many texts, build a NameIndex once instead.
func ForeignNames(text string, own cpaudit.EnterpriseName, all []cpaudit.EnterpriseName) ([]cpaudit.ForeignMention, int) {
	return NewNameIndex(all).Foreign(text, own)
}

// Foreign is ForeignNames with the index built.
func (x *NameIndex) Foreign(text string, own cpaudit.EnterpriseName) ([]cpaudit.ForeignMention, int) {
	rs := []rune(text)
	var out []cpaudit.ForeignMention
	total := 0
	for i := 0; i < len(rs); {
		var hit *alias
		if i+aliasHead <= len(rs) {
			hit = x.longestAt(rs, i, own)
		}
		if hit == nil {
			i++
			continue
		}
		end := i + len(hit.runes)
		if !hit.mineFor(own) {
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

// longestAt is the longest alias that rs holds at i; of equal ones, own's
// (a name own shares with another is its own), else the first indexed.
func (x *NameIndex) longestAt(rs []rune, i int, own cpaudit.EnterpriseName) *alias {
	bucket := x.byHead[[aliasHead]rune(rs[i:i+aliasHead])]
	var hit *alias
	for k := range bucket {
		a := &bucket[k]
		if hit != nil && len(a.runes) < len(hit.runes) {
			break // longest first: no own alias of hit's length left
		}
		if i+len(a.runes) > len(rs) || !slices.Equal(rs[i:i+len(a.runes)], a.runes) {
			continue
		}
		if a.mineFor(own) {
			return a
		}
		if hit == nil {
			hit = a
		}
	}
	return hit
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
