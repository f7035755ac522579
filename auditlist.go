package cpaudit

import "time"

// What audit lists, the overdue list and dashboards speak: their filter,
// their rows and their counts.

// AuditListFilter selects audits for lists, dashboards and exports. Every
// number on a dashboard is the total of the list with its filter.
type AuditListFilter struct {
	BatchID       string // "none": audits in no batch
	Region        string // a division code: that division and every one below
	Industry      string // a GB/T 4754 prefix (C, C27, C2710); "none": enterprises without one
	ConsultancyID string // "none": self-audits
	Phase         string // P1..P7 or done
	Overdue       string // "" any, "true" overdue on anything, or an obligation name
	StalledDays   int    // >0: no change for that many days, not completed
	// Sort: "" by enterprise name, "due" soonest next obligation first
	// (only audits that have one).
	Sort          string
	Limit, Offset int
}

// AuditRow is one audit of a list.
type AuditRow struct {
	ID              string    `json:"id"`
	EnterpriseID    string    `json:"enterprise_id"`
	EnterpriseName  string    `json:"enterprise_name"`
	Region          string    `json:"region"`
	Industry        string    `json:"industry"`
	ConsultancyID   string    `json:"consultancy_id,omitempty"`
	ConsultancyName string    `json:"consultancy_name,omitempty"`
	BatchID         string    `json:"batch_id,omitempty"`
	BatchName       string    `json:"batch_name,omitempty"`
	Phase           string    `json:"phase"`
	Accepted        int       `json:"accepted_steps"`
	ChangedAt       time.Time `json:"changed_at"`
	Next            string    `json:"next_obligation,omitempty"`
	NextDue         string    `json:"next_due,omitempty"`
	Overdue         []string  `json:"overdue"` // obligation names
	Completed       bool      `json:"completed"`
}

// OverdueRow is one overdue obligation of one audit.
type OverdueRow struct {
	AuditID        string `json:"audit_id"`
	EnterpriseID   string `json:"enterprise_id"`
	EnterpriseName string `json:"enterprise_name"`
	Region         string `json:"region"`
	ConsultancyID  string `json:"consultancy_id,omitempty"`
	Obligation     string `json:"obligation"`
	Due            string `json:"due"`
	DaysOverdue    int    `json:"days_overdue"`
}

// Notice tells regulators and the consultancy that an audit became overdue
// on an obligation.
type Notice struct {
	ID             string    `json:"id"`
	AuditID        string    `json:"audit_id"`
	EnterpriseName string    `json:"enterprise_name"`
	Obligation     string    `json:"obligation"`
	Due            string    `json:"due"`
	CreatedAt      time.Time `json:"created_at"`
}

// Count is one bar of a dashboard chart: a key (a phase, a division code,
// an industry division, an obligation) and how many audits it holds.
type Count struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// BatchCount is one batch's audits, by phase.
type BatchCount struct {
	ID      string         `json:"id"` // "none": audits in no batch
	Name    string         `json:"name"`
	Total   int            `json:"total"`
	ByPhase map[string]int `json:"by_phase"`
}

// Dashboard is the numbers behind /dashboard, over the audits the caller
// may see. Each count equals the total of /audits with the matching filter.
type Dashboard struct {
	Total         int          `json:"total"`
	StalledDays   int          `json:"stalled_days"`
	Stalled       int          `json:"stalled"`
	OverdueAudits int          `json:"overdue_audits"`
	ByPhase       []Count      `json:"by_phase"`
	ByBatch       []BatchCount `json:"by_batch"`
	ByIndustry    []Count      `json:"by_industry"` // GB/T 4754 divisions (C27); "none" without one
	ByCity        []Count      `json:"by_city"`     // 6-digit codes ending in 00
	ByCounty      []Count      `json:"by_county"`   // full codes of enterprises below a city
	Overdue       []Count      `json:"overdue"`     // audits overdue, per obligation
	// Upcoming are the audits with an obligation still to meet, soonest
	// due first (what consultancies and enterprises look at).
	Upcoming []AuditRow `json:"upcoming"`
}
