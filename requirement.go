package cpaudit

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bottom-line requirements (底线要求, issue 22 item 3): each guideline
// version carries a list of what an audit in its industries must address,
// with the steps a requirement applies to, the phrases or figures (any of
// which will do) that show a report addresses it, and whether missing it
// vetoes the audit. A report addresses a requirement when its extracted
// text (table cells included: extraction flattens them into the text)
// contains one of the phrases.

// FlagMissingRequirement is raised on an audit's newest analysed report
// when its reports address none of the phrases of a veto requirement of a
// published guideline of the enterprise's industry.
const FlagMissingRequirement FlagKind = "missing_requirement"

// Requirement is one bottom-line requirement of a guideline version.
// Phrases are kept as the text normaliser writes text (the API and the
// pages normalise them), so that they match the extracted texts.
type Requirement struct {
	Number  int      `json:"number"`
	Text    string   `json:"text"`
	Steps   []int    `json:"steps"`
	Phrases []string `json:"phrases"`
	Veto    bool     `json:"veto"`
}

// Bounds of a requirement list.
const (
	MaxRequirements       = 200
	MaxRequirementPhrases = 20
	MaxRequirementText    = 2000
)

// ValidateRequirements checks a version's list and numbers it 1..n in
// order: a text, steps each in 1..35 (none: the whole audit), at least one
// phrase. KindUnprocessable with requirement_text_required,
// requirement_steps_range or requirement_phrases_required.
func ValidateRequirements(rs []Requirement) error {
	if len(rs) > MaxRequirements {
		return Refuse(KindUnprocessable, CodeRequirementTextRequired, "at most %d requirements", MaxRequirements)
	}
	for i := range rs {
		r := &rs[i]
		r.Number = i + 1
		n := strconv.Itoa(r.Number)
		r.Text = strings.TrimSpace(r.Text)
		if r.Text == "" {
			return Refuse(KindUnprocessable, CodeRequirementTextRequired, "requirement %d has no text", r.Number).With("number", n)
		}
		if utf8.RuneCountInString(r.Text) > MaxRequirementText {
			return Refuse(KindUnprocessable, CodeTextTooLong, "requirement %d is longer than %d characters", r.Number, MaxRequirementText).
				With("field", "text").With("max", strconv.Itoa(MaxRequirementText))
		}
		var steps []int
		for _, s := range r.Steps {
			if s < 1 || s > 35 {
				return Refuse(KindUnprocessable, CodeRequirementStepsRange, "requirement %d: step %d is not between 1 and 35", r.Number, s).
					With("number", n).With("value", strconv.Itoa(s))
			}
			if !containsInt(steps, s) {
				steps = append(steps, s)
			}
		}
		r.Steps = steps
		if r.Steps == nil {
			r.Steps = []int{}
		}
		var phrases []string
		for _, p := range r.Phrases {
			if p = strings.TrimSpace(p); p != "" && !contains(phrases, p) {
				phrases = append(phrases, p)
			}
		}
		if len(phrases) == 0 || len(phrases) > MaxRequirementPhrases {
			return Refuse(KindUnprocessable, CodeRequirementPhrasesRequired, "requirement %d needs 1 to %d phrases", r.Number, MaxRequirementPhrases).With("number", n)
		}
		r.Phrases = phrases
	}
	return nil
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// RequirementText is one extracted text a requirement may be looked for
// in: a report of the audit, or another of its documents tied to a step.
type RequirementText struct {
	DocumentID string
	Title      string
	Kind       DocKind
	Step       int // 1..35, 0 when not tied to a step
	Text       string
}

// Covers says whether a requirement of the steps is looked for in t. A
// report tied to step n is written at step n about the audit so far (the
// interim report at 22 covers steps 1..22, the final report at 35 all of
// them), so it covers every step up to n; a report tied to no step may
// cover any. Any other document of the audit (evidence, an option list)
// covers only the step it is tied to, and none when tied to none. A
// requirement of no steps is of the whole audit: every report and every
// document tied to a step counts.
func (t RequirementText) Covers(steps []int) bool {
	if t.Kind == DocReport {
		return t.Step == 0 || len(steps) == 0 || slices.Min(steps) <= t.Step
	}
	return t.Step > 0 && (len(steps) == 0 || slices.Contains(steps, t.Step))
}

// RequirementPassage is where a report addresses a requirement: the
// phrase found and the passage around it, in runes of the document's
// extracted text.
type RequirementPassage struct {
	DocumentID string `json:"document_id"`
	Title      string `json:"title"`
	Phrase     string `json:"phrase"`
	Start      int    `json:"start"`
	End        int    `json:"end"`
	Passage    string `json:"passage"`
}

// RequirementCoverage is a requirement and whether the audit's documents
// that cover its steps address it, with the passages that do (one per
// document at most) and how many documents were searched.
type RequirementCoverage struct {
	Requirement
	Addressed bool                 `json:"addressed"`
	Searched  int                  `json:"searched"` // documents covering its steps (RequirementText.Covers)
	Passages  []RequirementPassage `json:"passages"`
}

// GuidelineCoverage is one applicable guideline version and its
// requirements as the audit's reports cover them.
type GuidelineCoverage struct {
	Guideline    Guideline             `json:"guideline"`
	Requirements []RequirementCoverage `json:"requirements"`
}

// AuditRequirements is what an audit's reports address of the
// requirements of the published guidelines of its enterprise's industry.
type AuditRequirements struct {
	AuditID     string              `json:"audit_id"`
	Industry    string              `json:"industry"`
	Guidelines  []GuidelineCoverage `json:"guidelines"`
	Missing     int                 `json:"missing"`      // requirements addressed by no report
	MissingVeto int                 `json:"missing_veto"` // of which veto items
}

// passageContext is how many runes a passage shows either side of the
// phrase.
const passageContext = 30

// CoverRequirement looks for the requirement's phrases in the texts that
// cover its steps: the first phrase found in each text gives its passage. Whitespace does not
// count (a layout puts spaces between a Latin word and a Chinese one, or
// none) and Latin letters match whatever their case; the offsets are those
// of the text as it is.
func CoverRequirement(r Requirement, texts []RequirementText) RequirementCoverage {
	c := RequirementCoverage{Requirement: r, Passages: []RequirementPassage{}}
	for _, t := range texts {
		if !t.Covers(r.Steps) {
			continue
		}
		c.Searched++
		runes := []rune(t.Text)
		squeezed, at := squeeze(runes)
		for _, p := range r.Phrases {
			sp, _ := squeeze([]rune(p))
			if len(sp) == 0 {
				continue
			}
			i := indexRunes(squeezed, sp)
			if i < 0 {
				continue
			}
			start, end := at[i], at[i+len(sp)-1]+1
			from, to := max(0, start-passageContext), min(len(runes), end+passageContext)
			c.Passages = append(c.Passages, RequirementPassage{DocumentID: t.DocumentID, Title: t.Title, Phrase: p,
				Start: start, End: end, Passage: string(runes[from:to])})
			break
		}
	}
	c.Addressed = len(c.Passages) > 0
	return c
}

// squeeze lower-cases rs without its whitespace, and says where each rune
// kept was in rs.
func squeeze(rs []rune) ([]rune, []int) {
	out, at := make([]rune, 0, len(rs)), make([]int, 0, len(rs))
	for i, r := range rs {
		if unicode.IsSpace(r) {
			continue
		}
		out, at = append(out, unicode.ToLower(r)), append(at, i)
	}
	return out, at
}

// indexRunes is strings.Index over runes.
func indexRunes(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i] == sub[0] && slices.Equal(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// MissingRequirement names a veto requirement no report addresses: the
// detail of a missing_requirement flag.
type MissingRequirement struct {
	GuidelineID string `json:"guideline_id"`
	Title       string `json:"title"`
	Version     int    `json:"version"`
	Number      int    `json:"number"`
	Text        string `json:"text"`
}

// VetoGaps lists the veto requirements ar finds unaddressed.
func (ar AuditRequirements) VetoGaps() []MissingRequirement {
	out := []MissingRequirement{}
	for _, g := range ar.Guidelines {
		for _, r := range g.Requirements {
			if r.Veto && !r.Addressed {
				out = append(out, MissingRequirement{GuidelineID: g.Guideline.ID, Title: g.Guideline.Title, Version: g.Guideline.Version, Number: r.Number, Text: r.Text})
			}
		}
	}
	return out
}

// VetoMissingRequirement is the veto item a review checklist gains when
// the audit's reports miss a veto requirement of a guideline.
const VetoMissingRequirement = "missing_requirement"

// WithMissingRequirements is the checklist of an audit whose reports miss
// the veto requirements ms: it lists them, and a reviewer may tick them
// as a veto item. The checklist is unchanged when ms is empty.
func (c Checklist) WithMissingRequirements(ms []MissingRequirement) Checklist {
	if len(ms) == 0 {
		return c
	}
	texts := make([]string, len(ms))
	for i, m := range ms {
		texts[i] = m.Text
	}
	c.Vetoes = append(slices.Clone(c.Vetoes), VetoItem{Item: VetoMissingRequirement, Name: "缺失指南底线要求：" + strings.Join(texts, "；")})
	c.MissingRequirements = ms
	return c
}
