package index

import (
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/extract"
)

// Limits on a query, so that one request cannot ask for unbounded work.
const (
	MaxQueryRunes = 256 // the whole query as typed
	MaxTerms      = 16
)

// Term is one term of a query, in the form the index compares: normalised
// like extracted text (full-width folded, spaces between Han characters
// removed) and folded to lower case. Text may contain spaces when the
// term was a "quoted phrase".
type Term struct {
	Text    string
	Exclude bool // -term: documents containing it are left out
}

// ParseQuery splits q into terms: whitespace separates terms; "..." (or
// “...” or ＂...＂) keeps a phrase with its spaces as one term; a leading
// - (or －) excludes a term, -"a phrase" too. A lone - is the character
// itself. Each term is then normalised the way extracted text is (see
// extract.Normalize) and lower-cased, so "ＣＯＤ１２" is "cod12" and "COD"
// finds "cod" and "Cod".
//
// It returns a KindInvalid error when q has no term, only exclusions, more
// than MaxTerms terms or more than MaxQueryRunes runes.
func ParseQuery(q string) ([]Term, error) {
	if utf8.RuneCountInString(q) > MaxQueryRunes {
		return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeQueryTooLong, "the query is too long: at most %d characters", MaxQueryRunes).With("max", strconv.Itoa(MaxQueryRunes))
	}
	var terms []Term
	positive := false
	rs := []rune(q)
	for i := 0; i < len(rs); {
		if isSeparator(rs[i]) {
			i++
			continue
		}
		exclude := false
		if isMinus(rs[i]) && i+1 < len(rs) && !isSeparator(rs[i+1]) {
			exclude = true
			i++
		}
		var raw string
		if isQuote(rs[i]) {
			j := i + 1
			for j < len(rs) && !isQuote(rs[j]) {
				j++
			}
			raw = string(rs[i+1 : j])
			i = j + 1 // past the closing quote (or the end)
		} else {
			j := i
			for j < len(rs) && !isSeparator(rs[j]) && !isQuote(rs[j]) {
				j++
			}
			raw = string(rs[i:j])
			i = j
		}
		text := foldString(normalize(raw))
		if text == "" {
			continue
		}
		if len(terms) == MaxTerms {
			return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeQueryTooManyTerms, "the query has too many terms: at most %d", MaxTerms).With("max", strconv.Itoa(MaxTerms))
		}
		terms = append(terms, Term{Text: text, Exclude: exclude})
		positive = positive || !exclude
	}
	switch {
	case len(terms) == 0:
		return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeQueryEmpty, "the query is empty")
	case !positive:
		return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeQueryOnlyExcludes, "the query only excludes: add a term that must occur")
	}
	return terms, nil
}

// normalize is the normalisation of extracted text, applied to a term.
func normalize(s string) string { return extract.Normalize(s) }

// isSeparator reports whether r separates terms: whitespace as
// normalisation sees it (U+3000 included) and other invisible controls.
func isSeparator(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == 0x3000 || r == 0x200b || r == 0xfeff
}

func isQuote(r rune) bool {
	return r == '"' || r == '＂' || r == '“' || r == '”'
}

func isMinus(r rune) bool { return r == '-' || r == '－' }
