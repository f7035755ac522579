package cpaudit

import "time"

// Work queues: what each role's home page lists as waiting for it (the
// web UI's "/"). The lists themselves are built from the audit list, the
// overdue list, flags, findings and review assignments; the types here
// are the ones those do not already give.

// StepItem is one step of an audit waiting in a queue: submitted for a
// regulator's decision, or returned to the consultancy with the reason.
type StepItem struct {
	AuditID         string
	EnterpriseID    string
	EnterpriseName  string
	ConsultancyID   string // "" for a self-audit
	ConsultancyName string
	Region          string
	Step            int
	State           StepState
	Reason          string // why it was returned; "" otherwise
	ChangedAt       time.Time
}

// StepQueueFilter selects the steps of a queue: those in State, oldest
// change first, at most Limit (default 20, at most 200).
type StepQueueFilter struct {
	State StepState
	Limit int
}

// AdminOverview is what an administrator's home page shows of its tenant.
type AdminOverview struct {
	UsersWithoutOrg []User          // users whose role needs an organisation and who have none
	UsersByRole     map[Role]int    // every user, by role
	OrgsByKind      map[OrgKind]int // every organisation, by kind
	Audits          int
	Documents       int // not deleted
}
