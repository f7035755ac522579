package cpaudit

import (
	"slices"
	"time"
	"unicode/utf8"
)

// This file holds the linkage of an audit with the rest of environmental
// management: the record of its result written into the enterprise's
// discharge permit (排污许可证), and the enforcement queue of enterprises
// that stopped production or lag behind their batch's deadlines.

// PermitState is where a permit record stands. An audit whose 35 steps
// are all accepted has its record ready; later states (exported, loaded
// into the permit system) come with the regulator's review of the record.
type PermitState string

const (
	PermitReady    PermitState = "ready"    // prepared from the accepted audit
	PermitExported PermitState = "exported" // exported for the permit system
	PermitLoaded   PermitState = "loaded"   // loaded into the permit system (排污许可管理信息平台)
)

// PermitStates lists the states in the order a record moves through them.
var PermitStates = []PermitState{PermitReady, PermitExported, PermitLoaded}

// PermitStateChange is a regulator's review of a permit record: the state
// it sets, the day that happened (YYYY-MM-DD, China time; "" for today)
// and an optional note.
type PermitStateChange struct {
	State PermitState `json:"state"`
	Date  string      `json:"date"`
	Note  string      `json:"note"`
}

// Validate checks the change against the record's current state and
// today: a known state (KindUnprocessable, CodePermitStateUnknown), a real
// date not in the future (CodeDateInvalid), and a state after the current
// one (KindConflict, CodePermitStateBackwards: a record loaded into the
// permit system is not taken back by cpaudit). It fills an empty date.
func (c *PermitStateChange) Validate(current PermitState, today string) error {
	at := slices.Index(PermitStates, c.State)
	if at < 0 {
		return Refuse(KindUnprocessable, CodePermitStateUnknown, "unknown permit record state %q: use exported or loaded", c.State).With("value", string(c.State))
	}
	if c.Date == "" {
		c.Date = today
	}
	if t, err := time.Parse(time.DateOnly, c.Date); err != nil || t.Format(time.DateOnly) != c.Date || c.Date > today {
		return Refuse(KindUnprocessable, CodeDateInvalid, "date %q is not a date of the form YYYY-MM-DD up to today", c.Date).
			With("field", "date").With("value", c.Date)
	}
	if !utf8.ValidString(c.Note) || utf8.RuneCountInString(c.Note) > 2000 {
		return Refuse(KindUnprocessable, CodePermitNoteTooLong, "note: at most 2000 characters of UTF-8 text")
	}
	if at <= slices.Index(PermitStates, current) {
		return Refuse(KindConflict, CodePermitStateBackwards, "the record is %s already; it moves ready → exported → loaded", current).
			With("state", string(current))
	}
	return nil
}

// PermitRecord is what an accepted audit writes into its enterprise's
// discharge permit: the permit number ("" when the enterprise has none
// recorded), the options that were carried out and what they add up to,
// each quantity summed in its canonical unit.
type PermitRecord struct {
	AuditID        string               `json:"audit_id"`
	EnterpriseID   string               `json:"enterprise_id"`
	EnterpriseName string               `json:"enterprise_name"`
	PermitNumber   string               `json:"permit_number"`
	State          PermitState          `json:"state"`
	AcceptedOn     string               `json:"accepted_on"` // the day the 35th step was accepted, YYYY-MM-DD
	Options        []AuditOption        `json:"options"`
	Figures        map[Quantity]float64 `json:"figures"`
	// Units names the canonical unit of each quantity in Figures: the
	// committed reductions with their units.
	Units map[Quantity]string `json:"units"`
	// AcceptanceDate and AcceptanceOpinion are the last passed acceptance
	// milestone's date and note (验收意见); "" when none is recorded.
	AcceptanceDate    string `json:"acceptance_date"`
	AcceptanceOpinion string `json:"acceptance_opinion"`
	// StateOn, StateBy and StateNote say when (YYYY-MM-DD), by whom (an
	// e-mail) and with what note the state was last set; "" while the
	// record is as prepared.
	StateOn   string `json:"state_on"`
	StateBy   string `json:"state_by"`
	StateNote string `json:"state_note"`
	// LevelAfter is the cleaner production level reached (清洁生产水平),
	// rated after the audit against the indicator set of its industry
	// (LevelSet, "name version"); LevelBefore the level before it. ""
	// when none is reached or the values are not all entered
	// (LevelRated false). TargetLevel is the audit's target ("" none);
	// TargetLevelReached whether LevelAfter reaches it (with no target,
	// whether the audit was accepted: it is, for a record to exist).
	LevelBefore        Level   `json:"level_before"`
	LevelAfter         Level   `json:"level_after"`
	LevelRated         bool    `json:"level_rated"`
	LevelIndex         float64 `json:"level_index"` // the composite index of LevelAfter (Y_III when none is reached)
	LevelSet           string  `json:"level_set"`
	TargetLevel        Level   `json:"target_level"`
	TargetLevelReached bool    `json:"target_level_reached"`
}

// WithLevels fills the record's levels from the audit's rating.
func (r *PermitRecord) WithLevels(l AuditLevels, reached bool) {
	r.LevelBefore, r.LevelAfter, r.LevelRated = l.Before.Level, l.After.Level, l.After.Rated
	r.TargetLevel, r.TargetLevelReached = l.TargetLevel, reached
	if l.Set != nil {
		r.LevelSet = l.Set.Name + " " + l.Set.Version
	}
	k := 2
	if i := slices.Index(Levels, l.After.Level); i >= 0 {
		k = i
	}
	r.LevelIndex = l.After.Index[k]
}

// OptionCarriedOut reports whether an option counts towards the results
// of its audit: an option implemented or verified. Until options record
// their status every option counts, as every entered option is one the
// audit states it carried out.
func OptionCarriedOut(o AuditOption) bool { return o.Status.Counted() }

// NewPermitRecord keeps the options carried out and sums their figures
// per quantity; options is never nil.
func NewPermitRecord(au Audit, ent Organisation, opts []AuditOption, loc *time.Location) PermitRecord {
	r := PermitRecord{AuditID: au.ID, EnterpriseID: ent.ID, EnterpriseName: ent.Name, PermitNumber: ent.PermitNumber,
		State: PermitReady, Options: []AuditOption{}, Figures: map[Quantity]float64{}, Units: map[Quantity]string{}}
	if t := au.Gates.AcceptanceOpenedAt; t != nil {
		r.AcceptedOn = DateIn(*t, loc)
	}
	for _, o := range opts {
		if !OptionCarriedOut(o) {
			continue
		}
		r.Options = append(r.Options, o)
		for q, v := range o.Figures {
			r.Figures[q] += v
			r.Units[q] = q.CanonicalUnit()
		}
	}
	return r
}

// AllStepsAccepted counts an audit's accepted steps and reports whether
// all StepCount are.
func AllStepsAccepted(au Audit) (int, bool) {
	n := 0
	for _, st := range au.Steps {
		if st.State == StepAccepted {
			n++
		}
	}
	return n, n == StepCount
}

// EnforcementReason is why an enterprise is handed to enforcement.
type EnforcementReason string

const (
	// ReasonStopped: the enterprise's operating status is stopped
	// production (停产); completing its audit is the precondition for
	// resuming.
	ReasonStopped EnforcementReason = "stopped"
	// ReasonOverdue: an obligation of its batch is past its date and not
	// met.
	ReasonOverdue EnforcementReason = "overdue"
	// ReasonRectificationOverdue: the audit has an open finding past its
	// rectification due date (Finding.OverdueOn, China time).
	ReasonRectificationOverdue EnforcementReason = "rectification_overdue"
	// ReasonNotRegistered: listed in a batch (an audit of the batch was
	// opened for it) and not registered by the batch's register date.
	ReasonNotRegistered EnforcementReason = "not_registered"
	// ReasonFailed: the last assessment or acceptance milestone recorded
	// for the audit failed, and no pass of the same obligation followed.
	ReasonFailed EnforcementReason = "failed"
)

// EnforcementItem is one entry of the enforcement queue: an enterprise,
// its audit ("" for a stopped enterprise with no audit) and why it is
// listed; Obligations names the overdue obligations (ObligationNames) and
// DaysOverdue counts the days since the oldest of them fell due (China
// time; 0 when none is overdue).
type EnforcementItem struct {
	EnterpriseID   string              `json:"enterprise_id"`
	EnterpriseName string              `json:"enterprise_name"`
	Region         string              `json:"region"`
	AuditID        string              `json:"audit_id"`
	Reasons        []EnforcementReason `json:"reasons"`
	Obligations    []string            `json:"obligations"`
	DaysOverdue    int                 `json:"days_overdue"`
	// ReasonDays counts, for each reason that has a date, the days since
	// it (China time): overdue and not_registered since the obligation
	// fell due, rectification_overdue since the oldest late finding's due
	// date, failed since the failed milestone. stopped has no date.
	ReasonDays map[EnforcementReason]int `json:"reason_days"`
	// History is what happened to the audit, oldest first: its milestones,
	// the obligations it fell overdue on and the site checks.
	History []EnforcementEvent `json:"history"`
	// Resumption is set for a stopped enterprise only.
	Resumption *Resumption `json:"resumption,omitempty"`
}

// EnforcementEvent is one entry of an enforcement item's history.
type EnforcementEvent struct {
	Date   string `json:"date"`   // YYYY-MM-DD
	Kind   string `json:"kind"`   // milestone, overdue or site_check
	What   string `json:"what"`   // the obligation, or the site check's outcome
	Result string `json:"result"` // pass or fail for a milestone; "" otherwise
	Note   string `json:"note"`
}

// SiteCheckOutcome is what a site check (现场检查) concluded.
type SiteCheckOutcome string

const (
	OutcomeCompliant SiteCheckOutcome = "compliant"             // nothing to act on
	OutcomeRectify   SiteCheckOutcome = "rectification_ordered" // ordered to rectify (责令整改)
	OutcomePenalised SiteCheckOutcome = "penalised"             // an administrative penalty (行政处罚)
	OutcomeReferred  SiteCheckOutcome = "referred"              // handed on to another authority
)

// SiteCheckOutcomes lists the outcomes in display order.
var SiteCheckOutcomes = []SiteCheckOutcome{OutcomeCompliant, OutcomeRectify, OutcomePenalised, OutcomeReferred}

// NewSiteCheck is what enforcement staff record after a site check of an
// enterprise: the day, what they found, the outcome, optionally the audit
// it concerns, and the photos, as ids of documents uploaded through
// POST /api/v1/documents.
type NewSiteCheck struct {
	AuditID     string           `json:"audit_id"`
	Date        string           `json:"date"`
	Finding     string           `json:"finding"`
	Outcome     SiteCheckOutcome `json:"outcome"`
	DocumentIDs []string         `json:"document_ids"`
}

// Validate checks a site check against today (China time): a real date
// not in the future (CodeDateInvalid), a finding of 1 to 5000 characters
// (CodeSiteCheckFindingInvalid), a known outcome
// (CodeSiteCheckOutcomeUnknown), at most 50 photos; all KindUnprocessable.
func (n *NewSiteCheck) Validate(today string) error {
	if t, err := time.Parse(time.DateOnly, n.Date); err != nil || t.Format(time.DateOnly) != n.Date || n.Date > today {
		return Refuse(KindUnprocessable, CodeDateInvalid, "date %q is not a date of the form YYYY-MM-DD up to today", n.Date).
			With("field", "date").With("value", n.Date)
	}
	if l := utf8.RuneCountInString(n.Finding); !utf8.ValidString(n.Finding) || l == 0 || l > 5000 {
		return Refuse(KindUnprocessable, CodeSiteCheckFindingInvalid, "finding: say what was found, in 1 to 5000 characters")
	}
	if !slices.Contains(SiteCheckOutcomes, n.Outcome) {
		return Refuse(KindUnprocessable, CodeSiteCheckOutcomeUnknown, "unknown outcome %q: use compliant, rectification_ordered, penalised or referred", n.Outcome).
			With("value", string(n.Outcome))
	}
	if n.DocumentIDs == nil {
		n.DocumentIDs = []string{}
	}
	if len(n.DocumentIDs) > 50 {
		return Refuse(KindUnprocessable, CodeSiteCheckFindingInvalid, "at most 50 photos per site check")
	}
	return nil
}

// SiteCheck is a recorded site check.
type SiteCheck struct {
	ID           string           `json:"id"`
	EnterpriseID string           `json:"enterprise_id"`
	AuditID      string           `json:"audit_id"`
	Date         string           `json:"date"`
	Finding      string           `json:"finding"`
	Outcome      SiteCheckOutcome `json:"outcome"`
	DocumentIDs  []string         `json:"document_ids"`
	RecordedBy   string           `json:"recorded_by"`
	RecordedAt   time.Time        `json:"recorded_at"`
}

// Resumption is the precondition for a stopped enterprise to resume
// production: its audit completed (acceptance passed) and the target
// level reached. Where the audit has a target level (TargetLevel), it is
// reached when the level rated after the audit is that level or better
// (AuditLevels.TargetLevelReached); an audit without one counts as
// reaching its target when the acceptance passed (the acceptance judges
// the level the audit set out to reach). Met is both.
type Resumption struct {
	AuditCompleted     bool  `json:"audit_completed"`
	TargetLevel        Level `json:"target_level,omitempty"`
	TargetLevelReached bool  `json:"target_level_reached"`
	Met                bool  `json:"met"`
}

// RegulatorOffice is a regulator office as the admin's page of offices
// shows it: whether it is marked as enforcement (执法), whose regulators
// record site checks.
type RegulatorOffice struct {
	Organisation
	Enforcement bool `json:"enforcement"`
}
