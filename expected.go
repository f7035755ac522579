package cpaudit

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// ExpectedDocument is one document a step of an audit is expected to
// have attached: what it is called, which kind of upload it is, and whether
// the step may be submitted without it.
type ExpectedDocument struct {
	Key      string  `json:"key"` // stable within a step, e.g. "commitment"
	Zh       string  `json:"zh"`
	En       string  `json:"en"`
	Kind     DocKind `json:"kind"`     // report, evidence or other
	Required bool    `json:"required"` // submitting the step is refused without it
}

// StepRequirement is the list of expected documents of one of the 35 steps.
type StepRequirement struct {
	Step      int                `json:"step"` // 1..35
	Code      string             `json:"code"`
	Phase     string             `json:"phase"`
	Zh        string             `json:"zh"`
	En        string             `json:"en"`
	Documents []ExpectedDocument `json:"documents"`
}

// ExpectedAttachment is an expected document as an audit's step shows it:
// the document attached for it, if any.
type ExpectedAttachment struct {
	ExpectedDocument
	DocumentID string `json:"document_id,omitempty"` // "" while missing
}

//go:embed expected_documents.json
var expectedJSON []byte

// DefaultStepRequirements returns the expected documents of the 35 steps
// as the national handbook and DOMAIN.md describe them.
//
// None of the defaults is required: the handbook names the documents a
// step produces, but which of them must be on file before a step may be
// submitted is each authority's decision, made per tenant with
// PUT /api/v1/steps/{n}/expected. So a tenant that configured nothing keeps
// the workflow it had, and one that did gets its rule enforced.
func DefaultStepRequirements() ([]StepRequirement, error) {
	defs, err := Steps()
	if err != nil {
		return nil, err
	}
	var table map[string][]ExpectedDocument
	if err := json.Unmarshal(expectedJSON, &table); err != nil {
		return nil, fmt.Errorf("expected_documents.json: %w", err)
	}
	out := make([]StepRequirement, 0, len(defs))
	for _, d := range defs {
		docs := table[d.Code]
		if err := ValidateExpected(docs); err != nil {
			return nil, fmt.Errorf("expected_documents.json step %s: %w", d.Code, err)
		}
		if docs == nil {
			docs = []ExpectedDocument{}
		}
		out = append(out, StepRequirement{Step: d.Number, Code: d.Code, Phase: d.Phase, Zh: d.Zh, En: d.En, Documents: docs})
	}
	return out, nil
}

var expectedKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// MaxExpectedPerStep bounds one step's list.
const MaxExpectedPerStep = 20

// ValidateExpected checks one step's list of expected documents, trimming
// names in place: KindInvalid for a malformed entry, KindUnprocessable for
// a repeated key or a kind a step's upload cannot have (guideline).
func ValidateExpected(docs []ExpectedDocument) error {
	if len(docs) > MaxExpectedPerStep {
		return Refuse(KindInvalid, CodeExpectedInvalid, "a step expects at most %d documents", MaxExpectedPerStep)
	}
	seen := map[string]bool{}
	for i := range docs {
		d := &docs[i]
		d.Key, d.Zh, d.En = strings.TrimSpace(d.Key), strings.TrimSpace(d.Zh), strings.TrimSpace(d.En)
		if !expectedKeyPattern.MatchString(d.Key) {
			return Refuse(KindInvalid, CodeExpectedInvalid, "expected document %d: key %q must be lower-case letters, digits and _ (at most 40), starting with a letter", i+1, d.Key)
		}
		if seen[d.Key] {
			return Refuse(KindUnprocessable, CodeExpectedInvalid, "expected document key %q is repeated", d.Key)
		}
		seen[d.Key] = true
		if err := ValidateName("expected document "+d.Key+": zh", d.Zh, 100); err != nil {
			return err
		}
		if err := ValidateName("expected document "+d.Key+": en", d.En, 200); err != nil {
			return err
		}
		if _, err := ParseDocKind(string(d.Kind)); err != nil {
			return err
		}
		if d.Kind == DocGuideline {
			return Refuse(KindUnprocessable, CodeExpectedInvalid, "expected document %s: a step's document cannot be a guideline", d.Key)
		}
	}
	return nil
}

// MatchExpected pairs a step's expected documents with the documents
// attached to it. A document whose title names an expected document (its
// Chinese or English name) goes to that one first; the rest fill the
// remaining expected documents of their kind in order, so "two evidence
// files" satisfy two expected evidence documents whatever their titles.
// Each document serves one expected document at most.
func MatchExpected(expected []ExpectedDocument, attached []Document) []ExpectedAttachment {
	out := make([]ExpectedAttachment, len(expected))
	used := make([]bool, len(attached))
	for i, e := range expected {
		out[i].ExpectedDocument = e
		for j, d := range attached {
			if !used[j] && d.Kind == e.Kind && titleNames(d.Title, e) {
				out[i].DocumentID, used[j] = d.ID, true
				break
			}
		}
	}
	for i := range out {
		if out[i].DocumentID != "" {
			continue
		}
		for j, d := range attached {
			if !used[j] && d.Kind == out[i].Kind {
				out[i].DocumentID, used[j] = d.ID, true
				break
			}
		}
	}
	return out
}

func titleNames(title string, e ExpectedDocument) bool {
	t := strings.ToLower(title)
	return strings.Contains(t, strings.ToLower(e.Zh)) || (e.En != "" && strings.Contains(t, strings.ToLower(e.En)))
}

// MissingRequired lists the names ("中文 (English)") of required expected
// documents that have no document.
func MissingRequired(m []ExpectedAttachment) []string {
	var missing []string
	for _, e := range m {
		if e.Required && e.DocumentID == "" {
			missing = append(missing, e.Zh+" ("+e.En+")")
		}
	}
	return missing
}
