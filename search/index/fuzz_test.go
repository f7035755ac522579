package index

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

// FuzzParseQuery: any query string ends in terms within the limits (at
// least one that must occur, none empty, each already normalised and
// folded) or in a refusal with one of the parser's codes.
func FuzzParseQuery(f *testing.F) {
	for _, q := range []string{
		"清洁生产 审核", `"节水 措施" -废水`, "ＣＯＤ１２", "－排放", "-", `"`, `""`, `-"`, "“中文引号” ＂全角＂",
		strings.Repeat("节", 257), strings.Repeat("a ", 17), "\x00\xff\xfe", "报告<script>window.__xss=1</script>",
		"\u200b\ufeff\u3000", "a* OR b:c ^2 ~ (x)", `"unterminated phrase`,
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		terms, err := ParseQuery(q)
		if err != nil {
			switch cpaudit.ErrorCode(err) {
			case cpaudit.CodeQueryTooLong, cpaudit.CodeQueryTooManyTerms, cpaudit.CodeQueryEmpty, cpaudit.CodeQueryOnlyExcludes:
			default:
				t.Fatalf("%q: %v", q, err)
			}
			if terms != nil {
				t.Fatalf("%q: terms with an error", q)
			}
			return
		}
		if len(terms) == 0 || len(terms) > MaxTerms {
			t.Fatalf("%q: %d terms", q, len(terms))
		}
		positive := false
		for _, term := range terms {
			if term.Text == "" || !utf8.ValidString(term.Text) {
				t.Fatalf("%q: term %q", q, term.Text)
			}
			if foldString(normalize(term.Text)) != term.Text {
				t.Fatalf("%q: term %q not normalised", q, term.Text)
			}
			positive = positive || !term.Exclude
		}
		if !positive {
			t.Fatalf("%q: only exclusions", q)
		}
	})
}
