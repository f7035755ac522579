package cpaudit

import (
	_ "embed"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Role is what a user may do inside its tenant.
type Role string

const (
	RoleAdmin      Role = "admin"      // everything inside the tenant
	RoleRegulator  Role = "regulator"  // ecology and environment bureau staff
	RoleConsultant Role = "consultant" // staff of a consultancy (咨询服务机构)
	RoleEnterprise Role = "enterprise" // staff of an audited enterprise
	RolePublisher  Role = "publisher"  // publishes industry guidelines
	RoleExpert     Role = "expert"     // reviews reports at assessment and acceptance
)

// Roles lists every role, in the order the UI shows them.
var Roles = []Role{RoleAdmin, RoleRegulator, RoleConsultant, RoleEnterprise, RolePublisher, RoleExpert}

// ParseRole returns the role named s, or a KindInvalid error.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", Refuse(KindInvalid, CodeRoleUnknown, "unknown role %q: use one of admin, regulator, consultant, enterprise, publisher, expert", s).With("value", s)
}

// OrgKind returns the kind of organisation a user of this role belongs to,
// or "" when the role needs none.
func (r Role) OrgKind() OrgKind {
	switch r {
	case RoleConsultant:
		return OrgConsultancy
	case RoleEnterprise:
		return OrgEnterprise
	case RolePublisher:
		return OrgPublisher
	case RoleRegulator:
		return OrgRegulator
	}
	return ""
}

// NeedsOrg reports whether a user of this role sees nothing until tied to
// an organisation: consultants, enterprises and publishers see only their
// own organisation's work. (A regulator without an office sees the whole
// tenant, as a provincial bureau does.)
func (r Role) NeedsOrg() bool {
	switch r {
	case RoleConsultant, RoleEnterprise, RolePublisher:
		return true
	}
	return false
}

// CheckOrg checks that a user of this role may belong to an organisation
// of kind: admins and experts belong to none, the others only to their
// own kind.
func (r Role) CheckOrg(kind OrgKind) error {
	want := r.OrgKind()
	if want == "" {
		return Refuse(KindUnprocessable, CodeRoleWithoutOrg, "a %s does not belong to an organisation", r)
	}
	if kind != want {
		return Refuse(KindUnprocessable, CodeRoleOrgMismatch, "a %s belongs to a %s, not a %s", r, want, kind)
	}
	return nil
}

// User is a person who logs in to one tenant.
type User struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"-"`
	Email     string    `json:"email"`
	Role      Role      `json:"role"`
	OrgID     string    `json:"org_id,omitempty"` // the consultancy, enterprise, publisher or regulator office
	OrgRegion string    `json:"-"`                // the organisation's region, which bounds a regulator's view
	CreatedAt time.Time `json:"created_at"`
}

// Actor is u acting from addr.
func (u User) Actor(addr string) Actor {
	return Actor{TenantID: u.TenantID, UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID,
		Region: u.OrgRegion, ClientAddr: addr}
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ValidatePassword enforces the password policy, the one place it is
// kept (the command line and the API both create users through
// storage.CreateUser, which calls it): valid UTF-8 without control
// characters, which no keyboard types and some forms drop; long enough;
// not absurdly long (hashing cost); not white space or one character
// repeated, which pass the length rule but nothing else; and not one of
// the commonly used passwords of common_passwords.txt, whatever its case.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return Refuse(KindInvalid, CodePasswordNotText, "password is not valid UTF-8")
	case strings.IndexFunc(pw, unicode.IsControl) >= 0:
		return Refuse(KindInvalid, CodePasswordControl, "password holds a control character")
	case n < MinPasswordLength:
		return Refuse(KindInvalid, CodePasswordTooShort, "password is too weak: it needs at least %d characters", MinPasswordLength).With("min", strconv.Itoa(MinPasswordLength))
	case len(pw) > 256:
		return Refuse(KindInvalid, CodePasswordTooLong, "password is longer than 256 bytes")
	case strings.TrimFunc(pw, unicode.IsSpace) == "":
		return Refuse(KindInvalid, CodePasswordBlank, "password is too weak: it is only white space")
	case strings.Count(pw, pw[:firstRuneLen(pw)]) == n:
		return Refuse(KindInvalid, CodePasswordRepeated, "password is too weak: it is one character repeated")
	case commonPasswords[strings.ToLower(pw)]:
		return Refuse(KindInvalid, CodePasswordCommon, "password is too weak: it is one of the most commonly used passwords")
	}
	return nil
}

func firstRuneLen(s string) int {
	_, size := utf8.DecodeRuneInString(s)
	return size
}

//go:embed common_passwords.txt
var commonPasswordsFile string

// commonPasswords is common_passwords.txt as a set, lower-cased.
var commonPasswords = func() map[string]bool {
	set := map[string]bool{}
	for line := range strings.Lines(commonPasswordsFile) {
		if line = strings.TrimRight(line, "\r\n"); line != "" && !strings.HasPrefix(line, "#") {
			set[strings.ToLower(line)] = true
		}
	}
	return set
}()

// NormalizeEmail lower-cases and trims an address and checks its form.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return "", Refuse(KindInvalid, CodeEmailInvalid, "%q is not a valid e-mail address", email)
	}
	return email, nil
}

// Actor is who performs an operation: the authenticated user, inside one
// tenant, from one client address. Every service call that reads or changes
// tenant data takes one; it decides what is visible and is written to the
// audit log.
type Actor struct {
	TenantID   string
	UserID     string // "" for the command line (system)
	Email      string
	Role       Role
	OrgID      string
	Region     string // the organisation's region: a regulator office sees it and below
	ClientAddr string
}

// SystemActor is the command line or a background job acting with admin
// rights inside a tenant.
func SystemActor(tenantID string) Actor {
	return Actor{TenantID: tenantID, Email: "system", Role: RoleAdmin, ClientAddr: "local"}
}

// Token is an API token's metadata; the secret itself is shown once and only
// its hash is stored.
type Token struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// NewUser is what creating a user takes.
type NewUser struct {
	Email    string
	Role     Role
	Password string
	OrgID    string // optional; must be an organisation of the role's kind
}

// Session is a logged-in browser.
type Session struct {
	User      User
	CSRFToken string // must accompany every form the browser posts
	ExpiresAt time.Time
}
