package cpaudit

import "time"

// StepState is where one step of an audit stands.
type StepState string

const (
	StepNotStarted StepState = "not_started"
	StepInProgress StepState = "in_progress"
	StepSubmitted  StepState = "submitted"
	StepReturned   StepState = "returned"
	StepAccepted   StepState = "accepted"
)

// Audit ties an enterprise to a consultancy (or a self-audit) for one run of
// the 7 phases and 35 steps.
type Audit struct {
	ID            string      `json:"id"`
	EnterpriseID  string      `json:"enterprise_id"`
	ConsultancyID string      `json:"consultancy_id,omitempty"` // "" for a self-audit
	BatchID       string      `json:"batch_id,omitempty"`       // "" when the audit belongs to no batch
	Batch         *Batch      `json:"batch,omitempty"`          // the batch, when there is one
	Gates         Gates       `json:"gates"`
	Findings      int         `json:"findings"` // confirmed flags recorded against it (see FlagReview)
	CreatedAt     time.Time   `json:"created_at"`
	Steps         []AuditStep `json:"steps"`

	// CarriedFrom and CarriedTo link an audit carried into a later batch
	// (POST /api/v1/audits/{id}/carry) with the audit it continues.
	CarriedFrom string `json:"carried_from,omitempty"`
	CarriedTo   string `json:"carried_to,omitempty"`
}

// NewAudit is what starting an audit takes.
type NewAudit struct {
	EnterpriseID  string
	ConsultancyID string // "" for a self-audit
	BatchID       string // optional
}

// AuditStep is one of an audit's 35 steps and its state.
type AuditStep struct {
	Code      string    `json:"code"`
	Phase     string    `json:"phase"`
	Zh        string    `json:"zh"`
	En        string    `json:"en"`
	State     StepState `json:"state"`
	UpdatedAt time.Time `json:"updated_at"`
	// ChangedBy and ChangedAt say who made the last transition and when;
	// empty while the step was never transitioned.
	ChangedBy   string     `json:"changed_by,omitempty"`
	ChangedAt   *time.Time `json:"changed_at,omitempty"`
	Reason      string     `json:"reason,omitempty"` // why the step was returned
	DocumentIDs []string   `json:"document_ids,omitempty"`
	// Expected are the documents the tenant expects for this step and
	// which document, uploaded to the step or submitted with it, serves each.
	Expected []ExpectedAttachment `json:"expected"`
}
