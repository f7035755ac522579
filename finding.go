package cpaudit

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Findings (问题) are the problems a regulator, an expert or an admin
// records against an audit — at assessment, acceptance, a spot check, or
// by confirming a flag — and the consultancy evaluation built on them.
//
// A finding's life is a small state machine:
//
//	open      recorded; the audit's parties are to rectify it (by
//	          rectification_due when one is set)
//	answered  the consultancy or enterprise answered with its rectification;
//	          the regulator is to verify it (sent back: open again)
//	closed    verified, or closed by the regulator; final
//
// Transitions (storage.AnswerFinding, CloseFinding, ReturnFinding):
//
//	open     → answered  answer, by the audit's consultancy or enterprise
//	answered → open      return (sent back with a reason), by a regulator or an admin
//	open     → closed    close, by a regulator or an admin
//	answered → closed    close, likewise
//
// An open finding past its rectification_due (China time) is overdue.

// FindingCategory says what kind of problem a finding is.
type FindingCategory string

const (
	CategoryFalsifiedData    FindingCategory = "falsified_data"    // 数据弄虚作假
	CategoryFakeReport       FindingCategory = "fake_report"       // 虚假报告
	CategoryUntrueEvidence   FindingCategory = "untrue_evidence"   // 佐证材料不属实
	CategoryLawBreach        FindingCategory = "law_breach"        // 违反法律法规
	CategoryMissingContent   FindingCategory = "missing_content"   // 内容缺失
	CategoryWrongCalculation FindingCategory = "wrong_calculation" // 计算错误
	CategoryOther            FindingCategory = "other"             // 其他
)

// FindingCategories lists the categories in the order forms show them.
var FindingCategories = []FindingCategory{CategoryFalsifiedData, CategoryFakeReport, CategoryUntrueEvidence,
	CategoryLawBreach, CategoryMissingContent, CategoryWrongCalculation, CategoryOther}

// Veto reports whether a finding of this category is a one-vote veto
// (一票否决) of its consultancy's evaluation: falsified data, a fake report,
// untrue evidence or a breach of the law.
func (c FindingCategory) Veto() bool {
	switch c {
	case CategoryFalsifiedData, CategoryFakeReport, CategoryUntrueEvidence, CategoryLawBreach:
		return true
	}
	return false
}

// FindingSeverity is minor or major; it weighs in the evaluation's score.
type FindingSeverity string

const (
	SeverityMinor FindingSeverity = "minor" // 一般
	SeverityMajor FindingSeverity = "major" // 严重
)

// FindingState is where a finding is in its rectification (see above).
type FindingState string

const (
	FindingOpen     FindingState = "open"
	FindingAnswered FindingState = "answered"
	FindingClosed   FindingState = "closed"
)

// FindingStates lists the states in their order.
var FindingStates = []FindingState{FindingOpen, FindingAnswered, FindingClosed}

// Bounds of a finding.
const (
	MaxFindingDescription = 4000 // characters
	MaxFindingDocuments   = 100
)

// NewFinding is what recording a finding takes: the contract's
// {"audit_id","category","severity","description","document_ids","rectification_due"}.
type NewFinding struct {
	AuditID          string          `json:"audit_id"`
	Category         FindingCategory `json:"category"`
	Severity         FindingSeverity `json:"severity"`
	Description      string          `json:"description"`
	DocumentIDs      []string        `json:"document_ids"`
	RectificationDue string          `json:"rectification_due"` // YYYY-MM-DD, optional
	// Where it was raised, both optional: the step it concerns (1..35, a
	// returned step) and the expert review assignment of this audit it
	// came from.
	Step         int    `json:"step"`
	AssignmentID string `json:"assignment_id"`
	// What it cites besides whole documents, all optional (finding_cite.go):
	// passages of a document's text, figures by FigureID, images by ImageID.
	Passages  []CitedPassage `json:"passages"`
	FigureIDs []string       `json:"figure_ids"`
	ImageIDs  []string       `json:"image_ids"`
}

// Validate checks and normalises a new finding; today is the current
// calendar day in China (YYYY-MM-DD), before which no rectification may be
// due. KindUnprocessable with a code for each fault; an audit id missing
// is field_required.
func (nf *NewFinding) Validate(today string) error {
	nf.AuditID = strings.TrimSpace(nf.AuditID)
	if nf.AuditID == "" {
		return Refuse(KindUnprocessable, CodeFieldRequired, "audit_id is required").With("field", "audit_id")
	}
	if !slices.Contains(FindingCategories, nf.Category) {
		return Refuse(KindUnprocessable, CodeFindingCategoryUnknown, "category %q: use falsified_data, fake_report, untrue_evidence, law_breach, missing_content, wrong_calculation or other", nf.Category).With("value", string(nf.Category))
	}
	if nf.Severity != SeverityMinor && nf.Severity != SeverityMajor {
		return Refuse(KindUnprocessable, CodeFindingSeverityUnknown, "severity %q: use minor or major", nf.Severity).With("value", string(nf.Severity))
	}
	nf.Description = strings.TrimSpace(nf.Description)
	if nf.Description == "" {
		return Refuse(KindUnprocessable, CodeFieldRequired, "description is required: what the problem is").With("field", "description")
	}
	if !utf8.ValidString(nf.Description) || utf8.RuneCountInString(nf.Description) > MaxFindingDescription {
		return Refuse(KindUnprocessable, CodeTextTooLong, "description must be valid text of at most %d characters", MaxFindingDescription).
			With("field", "description").With("max", strconv.Itoa(MaxFindingDescription))
	}
	if len(nf.DocumentIDs) > MaxFindingDocuments {
		return Refuse(KindUnprocessable, CodeDocumentIDsTooMany, "at most %d documents", MaxFindingDocuments).With("max", strconv.Itoa(MaxFindingDocuments))
	}
	if nf.Step < 0 || nf.Step > StepCount {
		return Refuse(KindUnprocessable, CodeNumberRange, "step must be a whole number from 1 to %d", StepCount).
			With("field", "step").With("min", "1").With("max", strconv.Itoa(StepCount))
	}
	nf.AssignmentID = strings.TrimSpace(nf.AssignmentID)
	if err := nf.validateCitations(); err != nil {
		return err
	}
	ids := make([]string, 0, len(nf.DocumentIDs))
	for _, id := range nf.DocumentIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	nf.DocumentIDs = ids
	if nf.RectificationDue != "" {
		d, err := time.Parse(time.DateOnly, nf.RectificationDue)
		if err != nil || d.Format(time.DateOnly) != nf.RectificationDue {
			return Refuse(KindUnprocessable, CodeDateInvalid, "rectification_due %q is not a date of the form YYYY-MM-DD", nf.RectificationDue).
				With("field", "rectification_due").With("value", nf.RectificationDue)
		}
		if nf.RectificationDue < today {
			return Refuse(KindUnprocessable, CodeFindingDueInPast, "rectification_due %s is before today (%s)", nf.RectificationDue, today).
				With("value", nf.RectificationDue)
		}
	}
	return nil
}

// Finding is a problem recorded against an audit, and so against its
// consultancy.
type Finding struct {
	ID               string          `json:"id"`
	AuditID          string          `json:"audit_id"`
	ConsultancyID    string          `json:"consultancy_id,omitempty"` // "" for a self-audit
	Category         FindingCategory `json:"category"`
	Severity         FindingSeverity `json:"severity"`
	State            FindingState    `json:"state"`
	Description      string          `json:"description"`
	DocumentIDs      []string        `json:"document_ids"`
	RectificationDue string          `json:"rectification_due,omitempty"`
	Overdue          bool            `json:"overdue"`                 // open and past rectification_due (China time)
	FlagID           string          `json:"flag_id,omitempty"`       // the confirmed flag it came from, if any
	FlagKind         string          `json:"flag_kind,omitempty"`     // that flag's kind
	Step             int             `json:"step,omitempty"`          // the audit step it concerns (a returned step)
	AssignmentID     string          `json:"assignment_id,omitempty"` // the expert review it came from
	Passages         []CitedPassage  `json:"passages"`                // cited passages, with their text
	Figures          []CitedFigure   `json:"figures"`                 // cited figures, as they were when cited
	Images           []CitedImage    `json:"images"`                  // cited images
	CreatedBy        string          `json:"created_by"`
	CreatedAt        time.Time       `json:"created_at"`
	// History lists its transitions, oldest first; filled only when one
	// finding is read (GET /api/v1/findings/{id}).
	History []FindingEvent `json:"history,omitempty"`
}

// OverdueOn reports whether the finding is overdue on a day in China
// (YYYY-MM-DD): open, with a due date before that day. A due date is the
// last day to rectify, so it is overdue from the day after.
func (f Finding) OverdueOn(today string) bool {
	return f.State == FindingOpen && f.RectificationDue != "" && f.RectificationDue < today
}

// FindingAction is a transition of a finding.
type FindingAction string

const (
	FindingAnswer FindingAction = "answer" // open → answered
	FindingClose  FindingAction = "close"  // open or answered → closed
	FindingReturn FindingAction = "return" // answered → open
)

// FindingEvent is one transition in a finding's history.
type FindingEvent struct {
	Action      FindingAction `json:"action"`
	From        FindingState  `json:"from"`
	To          FindingState  `json:"to"`
	Text        string        `json:"text"` // the answer, the closing comment or the reason for sending back
	DocumentIDs []string      `json:"document_ids"`
	By          string        `json:"by"`
	Role        Role          `json:"role"`
	At          time.Time     `json:"at"`
}

// FindingChange is what a transition takes: the contract's answer
// {"text","document_ids"}, close {"comment"} or return {"reason"}.
type FindingChange struct {
	Text        string   `json:"text"`
	Comment     string   `json:"comment"`
	Reason      string   `json:"reason"`
	DocumentIDs []string `json:"document_ids"`
}

// Validate checks and normalises a change for an action and says the text
// it records: an answer needs its text (the rectification done), a return
// its reason; a closing comment is optional. Documents come only with an
// answer. KindUnprocessable with a code for each fault.
func (c *FindingChange) Validate(action FindingAction) (string, error) {
	field, text := "text", c.Text
	switch action {
	case FindingClose:
		field, text = "comment", c.Comment
	case FindingReturn:
		field, text = "reason", c.Reason
	}
	text = strings.TrimSpace(text)
	if text == "" && action != FindingClose {
		return "", Refuse(KindUnprocessable, CodeFieldRequired, "%s is required", field).With("field", field)
	}
	if !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxFindingDescription {
		return "", Refuse(KindUnprocessable, CodeTextTooLong, "%s must be valid text of at most %d characters", field, MaxFindingDescription).
			With("field", field).With("max", strconv.Itoa(MaxFindingDescription))
	}
	if action != FindingAnswer {
		c.DocumentIDs = nil
	}
	if len(c.DocumentIDs) > MaxFindingDocuments {
		return "", Refuse(KindUnprocessable, CodeDocumentIDsTooMany, "at most %d documents", MaxFindingDocuments).With("max", strconv.Itoa(MaxFindingDocuments))
	}
	ids := make([]string, 0, len(c.DocumentIDs))
	for _, id := range c.DocumentIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	c.DocumentIDs = ids
	return text, nil
}

// Next says the state an action takes a finding to from a state, or the
// refusal (KindConflict) when the action does not apply there.
func (action FindingAction) Next(from FindingState) (FindingState, error) {
	if from == FindingClosed {
		return "", Refuse(KindConflict, CodeFindingClosed, "the finding is closed")
	}
	switch action {
	case FindingAnswer:
		if from != FindingOpen {
			return "", Refuse(KindConflict, CodeFindingNotOpen, "the finding is %s: it was answered and awaits the regulator", from).With("value", string(from))
		}
		return FindingAnswered, nil
	case FindingReturn:
		if from != FindingAnswered {
			return "", Refuse(KindConflict, CodeFindingNotAnswered, "the finding is %s: only an answered finding is sent back", from).With("value", string(from))
		}
		return FindingOpen, nil
	case FindingClose:
		return FindingClosed, nil
	}
	return "", Refuse(KindNotFound, CodeNoSuchAction, "no such action %q", action)
}

// FindingFilter narrows a list of findings; every field is optional.
type FindingFilter struct {
	AuditID       string
	ConsultancyID string
	State         FindingState
	Overdue       bool // only open findings past their due date (China time)
	Orders        bool // only findings that order a rectification (with a due date)
	Limit, Offset int
}

// ParseFindingState reads a state filter: "" (any) or one of the states;
// KindInvalid otherwise.
func ParseFindingState(s string) (FindingState, error) {
	st := FindingState(s)
	if s == "" || slices.Contains(FindingStates, st) {
		return st, nil
	}
	return "", Refuse(KindInvalid, CodeFindingStateUnknown, "state %q: use open, answered or closed", s).With("value", s)
}

// YearIn is the span of a calendar year in loc: [start, end).
func YearIn(year int, loc *time.Location) (time.Time, time.Time) {
	return time.Date(year, 1, 1, 0, 0, 0, 0, loc), time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
}

// FlagFinding is what confirming a flag records in its findings: the
// category, severity and rectification due date; each optional (other,
// minor, no order).
type FlagFinding struct {
	Category         FindingCategory `json:"category"`
	Severity         FindingSeverity `json:"severity"`
	RectificationDue string          `json:"rectification_due"`
}

// Validate fills in the defaults and checks the rest like a new finding's
// (today: the current day in China).
func (ff *FlagFinding) Validate(today string) error {
	if ff.Category == "" {
		ff.Category = CategoryOther
	}
	if ff.Severity == "" {
		ff.Severity = SeverityMinor
	}
	nf := NewFinding{AuditID: "-", Category: ff.Category, Severity: ff.Severity, Description: "-", RectificationDue: strings.TrimSpace(ff.RectificationDue)}
	if err := nf.Validate(today); err != nil {
		return err
	}
	ff.RectificationDue = nf.RectificationDue
	return nil
}
