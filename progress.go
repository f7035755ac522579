package cpaudit

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Deadlines: when an audit has met each of its batch's obligations, and
// which ones are overdue. Some obligations follow from the step workflow,
// the others are events a regulator records as milestones:
//
//	register            a "register" milestone, or the first step the audit starts
//	disclose            a "disclose" milestone (信息公开)
//	apply_assessment    the assessment gate: steps 1-27 all accepted
//	assessment_done     an "assessment_done" milestone with result pass
//	implementation_done the steps of P6 (28-31) all accepted
//	apply_acceptance    the acceptance gate: all 35 steps accepted
//	acceptance_done     an "acceptance_done" milestone with result pass
//
// Dates are calendar days in China's time zone: an obligation due on
// 2026-03-01 is met in time by anything done that day, and overdue from
// 2026-03-02 on while it is not met.

// ChinaLocation is the time zone deadlines are counted in (Asia/Shanghai).
// China keeps no daylight saving time, so a fixed UTC+8 zone is exact when
// the system has no time zone database.
func ChinaLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("Asia/Shanghai", 8*3600)
}

// DateIn is t's calendar day (YYYY-MM-DD) in loc.
func DateIn(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// MilestoneResult is the outcome of an assessment or an acceptance.
type MilestoneResult string

const (
	ResultPass MilestoneResult = "pass"
	ResultFail MilestoneResult = "fail"
)

// RecordedObligations are the obligations met by a recorded milestone;
// the others follow from the steps.
var RecordedObligations = []string{"register", "disclose", "assessment_done", "acceptance_done"}

// needsResult says whether a milestone of this obligation carries a result.
func needsResult(obligation string) bool {
	return obligation == "assessment_done" || obligation == "acceptance_done"
}

// Milestone is an event a regulator recorded for an audit.
type Milestone struct {
	ID         string          `json:"id"`
	AuditID    string          `json:"audit_id"`
	Obligation string          `json:"obligation"`
	Date       string          `json:"date"` // YYYY-MM-DD, when it happened
	Result     MilestoneResult `json:"result,omitempty"`
	Note       string          `json:"note,omitempty"`
	RecordedBy string          `json:"recorded_by"`
	RecordedAt time.Time       `json:"recorded_at"`
}

// AuditFacts is what an audit's progress is computed from.
type AuditFacts struct {
	CreatedAt        time.Time
	Due              Obligations // the batch's due dates; empty without a batch
	States           [StepCount]StepState
	Changed          [StepCount]*time.Time // when each step last changed; nil if never
	AssessmentOpenAt *time.Time
	AcceptanceOpenAt *time.Time
	Milestones       []Milestone // in the order recorded
}

// ObligationStatus is one obligation of an audit: when it is due, when it
// was met, and whether it is overdue today.
type ObligationStatus struct {
	Name        string `json:"obligation"`
	Due         string `json:"due,omitempty"`
	MetOn       string `json:"met_on,omitempty"`
	Overdue     bool   `json:"overdue"`
	DaysOverdue int    `json:"days_overdue,omitempty"`
	// OverdueSince is the first day it was overdue: the day after Due.
	OverdueSince string `json:"overdue_since,omitempty"`
}

// Progress is where an audit stands, as lists and dashboards show it.
type Progress struct {
	// Phase is the lowest phase (P1..P7) with a step not accepted, or
	// PhaseDone when all 35 are.
	Phase       string             `json:"phase"`
	Accepted    int                `json:"accepted_steps"`
	ChangedAt   time.Time          `json:"changed_at"`
	Completed   bool               `json:"completed"` // acceptance done, with result pass
	Next        string             `json:"next_obligation,omitempty"`
	NextDue     string             `json:"next_due,omitempty"`
	Obligations []ObligationStatus `json:"obligations"`
}

// PhaseDone is the phase of an audit whose 35 steps are all accepted.
const PhaseDone = "done"

// Phases are the phase codes lists filter by, in order.
var Phases = []string{"P1", "P2", "P3", "P4", "P5", "P6", "P7", PhaseDone}

// OverdueMask has bit i set when obligation ObligationNames[i] is overdue.
func (p Progress) OverdueMask() int {
	mask := 0
	for i, o := range p.Obligations {
		if o.Overdue {
			mask |= 1 << i
		}
	}
	return mask
}

// ObligationBit is the bit of OverdueMask for the obligation named name,
// or 0 for an unknown name.
func ObligationBit(name string) int {
	for i, n := range ObligationNames {
		if n == name {
			return 1 << i
		}
	}
	return 0
}

// ComputeProgress works out an audit's progress as of today (YYYY-MM-DD
// in loc).
func ComputeProgress(f AuditFacts, today string, loc *time.Location) Progress {
	p := Progress{Phase: PhaseDone, ChangedAt: f.CreatedAt}
	var firstChange *time.Time
	for i, st := range f.States {
		if st == StepAccepted {
			p.Accepted++
		} else if p.Phase == PhaseDone {
			p.Phase = PhaseOfStep(i + 1)
		}
		if c := f.Changed[i]; c != nil {
			if c.After(p.ChangedAt) {
				p.ChangedAt = *c
			}
			if firstChange == nil || c.Before(*firstChange) {
				firstChange = c
			}
		}
	}
	met := map[string]string{}
	for _, m := range f.Milestones {
		if m.RecordedAt.After(p.ChangedAt) {
			p.ChangedAt = m.RecordedAt
		}
		if needsResult(m.Obligation) && m.Result != ResultPass {
			continue
		}
		if _, done := met[m.Obligation]; !done {
			met[m.Obligation] = m.Date
		}
	}
	if _, ok := met["register"]; !ok && firstChange != nil {
		met["register"] = DateIn(*firstChange, loc)
	}
	if f.AssessmentOpenAt != nil {
		met["apply_assessment"] = DateIn(*f.AssessmentOpenAt, loc)
	}
	if f.AcceptanceOpenAt != nil {
		met["apply_acceptance"] = DateIn(*f.AcceptanceOpenAt, loc)
	}
	if d := implementationDone(f, loc); d != "" {
		met["implementation_done"] = d
	}
	_, p.Completed = met["acceptance_done"]
	due := f.Due
	for i, dp := range due.Fields() {
		os := ObligationStatus{Name: ObligationNames[i], Due: *dp, MetOn: met[ObligationNames[i]]}
		if os.MetOn == "" && os.Due != "" {
			if days := daysBetween(os.Due, today); days > 0 {
				os.Overdue, os.DaysOverdue, os.OverdueSince = true, days, addDays(os.Due, 1)
			}
			if p.Next == "" {
				p.Next, p.NextDue = os.Name, os.Due
			}
		}
		p.Obligations = append(p.Obligations, os)
	}
	return p
}

// implementationDone is the day the last step of P6 (28-31) was accepted,
// or "" while one is not.
func implementationDone(f AuditFacts, loc *time.Location) string {
	var last time.Time
	for n := AssessmentLastStep + 1; n <= phaseLastStep[5]; n++ {
		if f.States[n-1] != StepAccepted || f.Changed[n-1] == nil {
			return ""
		}
		if f.Changed[n-1].After(last) {
			last = *f.Changed[n-1]
		}
	}
	return DateIn(last, loc)
}

// DaysBetween is to - from in days, for two YYYY-MM-DD dates (0 if
// either is malformed).
func DaysBetween(from, to string) int { return daysBetween(from, to) }

func daysBetween(from, to string) int {
	a, err1 := time.Parse(time.DateOnly, from)
	b, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(b.Sub(a).Hours() / 24)
}

func addDays(date string, n int) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return ""
	}
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}

// NewMilestone is what recording a milestone takes.
type NewMilestone struct {
	Obligation string          `json:"obligation"`
	Date       string          `json:"date"`
	Result     MilestoneResult `json:"result"`
	Note       string          `json:"note"`
}

// CheckMilestone validates a milestone against the audit it is recorded
// for, today being YYYY-MM-DD in loc. KindInvalid for a malformed field,
// KindUnprocessable for an obligation that follows from the steps or a
// date in the future, KindConflict when the order is impossible: an
// assessment before the assessment gate opened, an acceptance before the
// acceptance gate or before a passed assessment, a date before the gate,
// or an obligation already met by a milestone. A date before the audit was
// entered is fine: registration or disclosure may precede it.
func CheckMilestone(f AuditFacts, m *NewMilestone, today string, loc *time.Location) error {
	m.Note = strings.TrimSpace(m.Note)
	recorded := false
	for _, o := range RecordedObligations {
		recorded = recorded || o == m.Obligation
	}
	switch {
	case !recorded && ObligationBit(m.Obligation) != 0:
		return Refuse(KindUnprocessable, CodeMilestoneDerived, "%s follows from the steps and cannot be recorded: record register, disclose, assessment_done or acceptance_done", m.Obligation).With("obligation", m.Obligation)
	case !recorded:
		return Refuse(KindInvalid, CodeObligationUnknown, "unknown obligation %q: record register, disclose, assessment_done or acceptance_done", m.Obligation).With("value", m.Obligation)
	case !utf8.ValidString(m.Note) || utf8.RuneCountInString(m.Note) > 2000:
		return Refuse(KindInvalid, CodeTextTooLong, "note must be valid text of at most 2000 characters").With("field", "note").With("max", "2000")
	}
	if _, err := time.Parse(time.DateOnly, m.Date); err != nil {
		return Refuse(KindInvalid, CodeDateInvalid, "date %q is not a date of the form YYYY-MM-DD", m.Date).With("field", "date").With("value", m.Date)
	}
	if m.Date > today {
		return Refuse(KindUnprocessable, CodeDateInFuture, "date %s is in the future", m.Date).With("value", m.Date)
	}
	if needsResult(m.Obligation) {
		if m.Result != ResultPass && m.Result != ResultFail {
			return Refuse(KindInvalid, CodeMilestoneResultRequired, "result must be pass or fail for %s", m.Obligation).With("obligation", m.Obligation)
		}
	} else if m.Result != "" {
		return Refuse(KindInvalid, CodeMilestoneResultMisplaced, "result goes with assessment_done and acceptance_done only").With("obligation", m.Obligation)
	}
	passed := func(obligation string) (string, bool) {
		for _, x := range f.Milestones {
			if x.Obligation == obligation && (!needsResult(obligation) || x.Result == ResultPass) {
				return x.Date, true
			}
		}
		return "", false
	}
	if d, ok := passed(m.Obligation); ok {
		return Refuse(KindConflict, CodeMilestoneDone, "%s was already recorded as done on %s", m.Obligation, d).With("obligation", m.Obligation).With("value", d)
	}
	gate := func(at *time.Time, what, key string) error {
		if at == nil {
			return Refuse(KindConflict, CodeMilestoneGateClosed, "%s cannot be recorded before the %s is open", m.Obligation, what).With("obligation", m.Obligation).With("gate", key)
		}
		if d := DateIn(*at, loc); m.Date < d {
			return Refuse(KindConflict, CodeMilestoneBeforeGate, "date %s falls before the %s opened (%s)", m.Date, what, d).With("value", m.Date).With("gate", key).With("opened", d)
		}
		return nil
	}
	switch m.Obligation {
	case "assessment_done":
		return gate(f.AssessmentOpenAt, "assessment (评估: steps 1-27 accepted)", "assessment")
	case "acceptance_done":
		if err := gate(f.AcceptanceOpenAt, "acceptance (验收: all 35 steps accepted)", "acceptance"); err != nil {
			return err
		}
		d, ok := passed("assessment_done")
		if !ok {
			return Refuse(KindConflict, CodeMilestoneNotAssessed, "acceptance_done cannot be recorded before a passed assessment_done")
		}
		if m.Date < d {
			return Refuse(KindConflict, CodeMilestoneBeforeAssessed, "date %s falls before the assessment was passed (%s)", m.Date, d).With("value", m.Date).With("passed", d)
		}
	}
	return nil
}

// AuditDeadlines is an audit's progress computed now, with its milestones.
type AuditDeadlines struct {
	Progress
	Milestones []Milestone `json:"milestones"`
}
