package cpaudit

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// ListingReason is why enterprises were listed for a mandatory audit.
type ListingReason string

const (
	ReasonDoubleExceed    ListingReason = "double_exceed"    // 双超: over discharge standards or total-load quota
	ReasonToxic           ListingReason = "toxic"            // 双有: toxic inputs or outputs
	ReasonEnergyIntensive ListingReason = "energy_intensive" // 高耗能: high energy use
	ReasonKeyTask         ListingReason = "key_task"         // 重点任务: a key task set by the authority
)

// ListingReasons lists every reason, in display order.
var ListingReasons = []ListingReason{ReasonDoubleExceed, ReasonToxic, ReasonEnergyIntensive, ReasonKeyTask}

// ParseListingReason returns the reason coded s, or a KindInvalid error.
func ParseListingReason(s string) (ListingReason, error) {
	for _, r := range ListingReasons {
		if string(r) == s {
			return r, nil
		}
	}
	return "", Refuse(KindInvalid, CodeListingReasonUnknown, "unknown listing reason %q: use double_exceed (双超), toxic (双有), energy_intensive (高耗能) or key_task (重点任务)", s).With("value", s)
}

// Obligations are a batch's dated obligations, as Hebei's notification
// letters list them, in the order they fall due. Each is a date
// (YYYY-MM-DD) or "" when not set yet.
type Obligations struct {
	Register           string `json:"register"`            // register in the system, choose self-audit or a consultant
	Disclose           string `json:"disclose"`            // disclose information (信息公开)
	ApplyAssessment    string `json:"apply_assessment"`    // apply for assessment (评估)
	AssessmentDone     string `json:"assessment_done"`     // assessment done
	ImplementationDone string `json:"implementation_done"` // medium/high-cost options implemented
	ApplyAcceptance    string `json:"apply_acceptance"`    // apply for acceptance (验收)
	AcceptanceDone     string `json:"acceptance_done"`     // acceptance done
}

// ObligationNames are the JSON names of the obligations, in order.
var ObligationNames = []string{"register", "disclose", "apply_assessment", "assessment_done",
	"implementation_done", "apply_acceptance", "acceptance_done"}

// Fields returns pointers to the obligations, in ObligationNames order.
func (o *Obligations) Fields() []*string {
	return []*string{&o.Register, &o.Disclose, &o.ApplyAssessment, &o.AssessmentDone,
		&o.ImplementationDone, &o.ApplyAcceptance, &o.AcceptanceDone}
}

// Validate checks that every set date is a real date (KindInvalid) and that
// the set dates never run backwards (KindUnprocessable).
func (o Obligations) Validate() error {
	prev, prevName := "", ""
	for i, p := range o.Fields() {
		d := *p
		if d == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return Refuse(KindInvalid, CodeDateInvalid, "%s: %q is not a date of the form YYYY-MM-DD", ObligationNames[i], d).With("field", ObligationNames[i]).With("value", d)
		}
		if prev != "" && d < prev {
			return Refuse(KindUnprocessable, CodeDatesOutOfOrder, "%s (%s) falls before %s (%s): obligations must fall due in order",
				ObligationNames[i], d, prevName, prev).With("later", ObligationNames[i]).With("earlier", prevName)
		}
		prev, prevName = d, ObligationNames[i]
	}
	return nil
}

// Batch is one group of enterprises listed together for mandatory audits,
// with the dates by which each obligation falls due.
type Batch struct {
	ID          string          `json:"id"`
	Year        int             `json:"year"`
	Number      int             `json:"number"`
	Name        string          `json:"name"`
	Reasons     []ListingReason `json:"reasons"`
	Industries  []string        `json:"industries"` // GB/T 4754 codes
	Obligations Obligations     `json:"obligations"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// Validate checks a batch before it is stored: KindInvalid for malformed
// fields, KindUnprocessable for well-formed ones that break a rule.
func (b *Batch) Validate() error {
	switch {
	case b.Name == "":
		return Refuse(KindInvalid, CodeBatchNameRequired, "name is required")
	case !utf8.ValidString(b.Name) || utf8.RuneCountInString(b.Name) > 200:
		return Refuse(KindInvalid, CodeBatchNameInvalid, "name must be valid text of at most 200 characters")
	case b.Year < 2000 || b.Year > 2100:
		return Refuse(KindUnprocessable, CodeBatchYearRange, "year %d is outside 2000..2100", b.Year).With("value", strconv.Itoa(b.Year))
	case b.Number < 1 || b.Number > 1000:
		return Refuse(KindUnprocessable, CodeBatchNumberRange, "number %d is outside 1..1000", b.Number).With("value", strconv.Itoa(b.Number))
	}
	seen := map[ListingReason]bool{}
	reasons := []ListingReason{}
	for _, r := range b.Reasons {
		if _, err := ParseListingReason(string(r)); err != nil {
			return err
		}
		if !seen[r] {
			seen[r] = true
			reasons = append(reasons, r)
		}
	}
	b.Reasons = reasons
	inds := []string{}
	seenInd := map[string]bool{}
	for _, code := range b.Industries {
		if err := ValidateIndustry(code); err != nil {
			return err
		}
		if !seenInd[code] {
			seenInd[code] = true
			inds = append(inds, code)
		}
	}
	b.Industries = inds
	return b.Obligations.Validate()
}

// StepAction is a transition of an audit step.
type StepAction string

const (
	StepSubmit StepAction = "submit" // the consultancy or enterprise hands the step in
	StepReturn StepAction = "return" // a reviewer sends it back, with a reason
	StepAccept StepAction = "accept" // a reviewer accepts it
)

// AssessmentLastStep is the last step of P5: once steps 1..27 are accepted
// the assessment (评估) opens, and steps of P6/P7 may be submitted.
const AssessmentLastStep = 27

// Gates says when an audit reached its assessment and acceptance gates.
type Gates struct {
	AssessmentOpen     bool       `json:"assessment_open"` // P1-P5 all accepted
	AssessmentOpenedAt *time.Time `json:"assessment_opened_at,omitempty"`
	AcceptanceOpen     bool       `json:"acceptance_open"` // all 35 steps accepted
	AcceptanceOpenedAt *time.Time `json:"acceptance_opened_at,omitempty"`
}

// BatchPatch changes a batch's name or obligation dates; nil fields stay,
// a date set to "" is cleared.
type BatchPatch struct {
	Name        *string
	Obligations map[string]*string // by ObligationNames
}

// LetterJob is a letter to generate again because its batch's dates changed.
type LetterJob struct {
	ID         int64
	TenantID   string
	AuditID    string
	DocumentID string
	Attempts   int // including this one
}
