package httpx

import (
	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/extract"
)

// NormalizePhrases writes each requirement's phrases as the text
// normaliser writes extracted text, so that they match it: the API and
// the guideline page both take phrases as people type them.
func NormalizePhrases(rs []cpaudit.Requirement) {
	for i := range rs {
		for j, p := range rs[i].Phrases {
			rs[i].Phrases[j] = extract.Normalize(p)
		}
	}
}
