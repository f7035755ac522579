package cpaudit

import "time"

// Notifications (站内通知) tell each party of an audit what concerns it in
// its findings and rectification orders: recorded, answered, sent back,
// closed, due within NotifyDueDays, overdue. They are per user, read on the
// notifications page (the navigation counts the unread) and, where an SMTP
// server is configured, sent in a daily e-mail digest.

// NotificationEvent says what happened.
type NotificationEvent string

const (
	NotifyFindingCreated  NotificationEvent = "finding_created"  // to the audit's consultancy and enterprise users
	NotifyFindingAnswered NotificationEvent = "finding_answered" // to whoever recorded the finding
	NotifyFindingReturned NotificationEvent = "finding_returned" // to the parties
	NotifyFindingClosed   NotificationEvent = "finding_closed"   // to the parties
	NotifyDueSoon         NotificationEvent = "due_soon"         // to the parties, once per order
	NotifyOverdue         NotificationEvent = "overdue"          // to the parties and the recorder, once per order
)

// NotifyDueDays: an open order due within this many days (today included)
// is announced once as due soon.
const NotifyDueDays = 7

// Notification is one event for one user, with what its page shows of
// the finding it concerns.
type Notification struct {
	ID               string            `json:"id"`
	Event            NotificationEvent `json:"event"`
	FindingID        string            `json:"finding_id"`
	AuditID          string            `json:"audit_id"`
	EnterpriseName   string            `json:"enterprise_name"`
	Category         FindingCategory   `json:"category"`
	RectificationDue string            `json:"rectification_due,omitempty"`
	CreatedAt        time.Time         `json:"created_at"`
	Read             bool              `json:"read"`
}

// Digest is one user's unmailed notifications, for the daily e-mail.
type Digest struct {
	TenantID      string
	TenantName    string
	UserID, Email string
	Items         []Notification
}
