package cpaudit

import "time"

// This file holds the linkage of an audit with the rest of environmental
// management: the record of its result written into the enterprise's
// discharge permit (排污许可证), and the enforcement queue of enterprises
// that stopped production or lag behind their batch's deadlines.

// PermitState is where a permit record stands. An audit whose 35 steps
// are all accepted has its record ready; later states (exported, loaded
// into the permit system) come with the regulator's review of the record.
type PermitState string

const PermitReady PermitState = "ready" // prepared from the accepted audit

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
		State: PermitReady, Options: []AuditOption{}, Figures: map[Quantity]float64{}}
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
}
