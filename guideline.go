package cpaudit

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Guidelines as versioned publications (issue 22, item 2). A guideline
// series (the 印染行业清洁生产审核指南, say) has versions; each version is a
// guideline document of its tenant (the library's, or a tenant's local
// one) with the facts of its publication: the issuing body, the day it
// takes effect and the industries it applies to. A version is a draft
// until its publisher publishes it; publishing a version supersedes the
// series' version published before it, so a series has at most one
// published version at a time.

// GuidelineState is where a guideline version stands.
type GuidelineState string

const (
	GuidelineDraft      GuidelineState = "draft"
	GuidelinePublished  GuidelineState = "published"
	GuidelineSuperseded GuidelineState = "superseded"
)

// NewGuideline is what a publisher gives to make a guideline version of a
// document it uploaded (kind guideline). Supersedes, when set, names a
// version of the series this one is the next version of.
type NewGuideline struct {
	DocumentID    string   `json:"document_id"`
	Title         string   `json:"title"`
	IssuingBody   string   `json:"issuing_body"`
	EffectiveDate string   `json:"effective_date"` // YYYY-MM-DD
	Industries    []string `json:"industries"`     // GB/T 4754 codes; C27 covers C2710
	Supersedes    string   `json:"supersedes,omitempty"`
}

// MaxGuidelineIndustries bounds the industries of one version.
const MaxGuidelineIndustries = 50

// Validate checks the publication's facts: a document, an effective
// date, at least one industry, each a GB/T 4754 code (upper-cased, without
// repeats). KindInvalid for a missing document; KindUnprocessable for the
// rest.
func (g *NewGuideline) Validate() error {
	g.DocumentID = strings.TrimSpace(g.DocumentID)
	g.Title = strings.TrimSpace(g.Title)
	g.IssuingBody = strings.TrimSpace(g.IssuingBody)
	g.EffectiveDate = strings.TrimSpace(g.EffectiveDate)
	g.Supersedes = strings.TrimSpace(g.Supersedes)
	if g.DocumentID == "" {
		return Refuse(KindInvalid, CodeFieldRequired, "document_id is required").With("field", "document_id")
	}
	if g.IssuingBody == "" {
		return Refuse(KindUnprocessable, CodeFieldRequired, "issuing_body is required").With("field", "issuing_body")
	}
	for field, v := range map[string]string{"title": g.Title, "issuing_body": g.IssuingBody} {
		if utf8.RuneCountInString(v) > 200 {
			return Refuse(KindUnprocessable, CodeTextTooLong, "%s is longer than 200 characters", field).With("field", field).With("max", "200")
		}
	}
	if g.EffectiveDate == "" {
		return Refuse(KindUnprocessable, CodeGuidelineDateRequired, "effective_date is required")
	}
	if d, err := time.Parse(time.DateOnly, g.EffectiveDate); err != nil || d.Format(time.DateOnly) != g.EffectiveDate {
		return Refuse(KindUnprocessable, CodeDateInvalid, "effective_date %q is not a date of the form YYYY-MM-DD", g.EffectiveDate).
			With("field", "effective_date").With("value", g.EffectiveDate)
	}
	if len(g.Industries) == 0 {
		return Refuse(KindUnprocessable, CodeGuidelineIndustryRequired, "industries: at least one GB/T 4754 code is required")
	}
	if len(g.Industries) > MaxGuidelineIndustries {
		return Refuse(KindUnprocessable, CodeGuidelineIndustryRequired, "industries: at most %d codes", MaxGuidelineIndustries)
	}
	var codes []string
	for _, c := range g.Industries {
		c = strings.ToUpper(strings.TrimSpace(c))
		if err := ValidateIndustry(c); err != nil {
			return err
		}
		if !contains(codes, c) {
			codes = append(codes, c)
		}
	}
	g.Industries = codes
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Guideline is one version of a guideline series.
type Guideline struct {
	ID            string         `json:"id"`
	SeriesID      string         `json:"series_id"`
	Version       int            `json:"version"`
	DocumentID    string         `json:"document_id"`
	Title         string         `json:"title"`
	IssuingBody   string         `json:"issuing_body"`
	EffectiveDate string         `json:"effective_date"`
	Industries    []string       `json:"industries"`
	State         GuidelineState `json:"state"`
	Supersedes    string         `json:"supersedes,omitempty"`    // the series' previous version
	SupersededBy  string         `json:"superseded_by,omitempty"` // the version that superseded this one
	Library       bool           `json:"library"`                 // published by the installation's library
	CreatedBy     string         `json:"created_by"`
	CreatedAt     time.Time      `json:"created_at"`
	PublishedAt   *time.Time     `json:"published_at,omitempty"`
}

// AppliesTo says whether the guideline covers an enterprise of the given
// GB/T 4754 industry: one of its codes is the industry or a prefix of it
// (a guideline for C27 applies to C2710).
func (g Guideline) AppliesTo(industry string) bool {
	for _, c := range g.Industries {
		if industry != "" && strings.HasPrefix(industry, c) {
			return true
		}
	}
	return false
}

// GuidelineChanges is what changed in a guideline version against the
// version it supersedes: the similarity of their texts and the stretches
// only in the new version (added) or only in the previous (removed), in
// the order of their texts.
type GuidelineChanges struct {
	GuidelineID string   `json:"guideline_id"`
	PreviousID  string   `json:"previous_id"`
	DocumentID  string   `json:"document_id"`
	PreviousDoc string   `json:"previous_document_id"`
	Similarity  float64  `json:"similarity"`
	Added       []string `json:"added"`
	Removed     []string `json:"removed"`
}

// HasLetters says whether s holds a letter or a digit: a change of
// whitespace and punctuation alone is no change worth showing.
func HasLetters(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// GuidelineNotice tells a regulator or a consultancy of a version
// published lately that applies to an industry of its audits: the
// version, the industries of its audits it covers, and the documents
// whose comparison shows what changed (PreviousDocumentID "" for a first
// version).
type GuidelineNotice struct {
	Guideline          Guideline `json:"guideline"`
	Industries         []string  `json:"industries"`
	PreviousDocumentID string    `json:"previous_document_id,omitempty"`
}

// GuidelineNoticeDays is how long a newly published version is noticed.
const GuidelineNoticeDays = 90
