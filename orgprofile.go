package cpaudit

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// OperatingStatus is whether an enterprise is producing.
type OperatingStatus string

const (
	StatusOperating OperatingStatus = "operating" // 正常生产
	StatusStopped   OperatingStatus = "stopped"   // 停产
)

// ParseOperatingStatus accepts the code or its Chinese name (as an import
// sheet has it); "" is not a status.
func ParseOperatingStatus(s string) (OperatingStatus, error) {
	switch strings.TrimSpace(s) {
	case "operating", "正常", "生产", "正常生产", "在产":
		return StatusOperating, nil
	case "stopped", "停产", "停业":
		return StatusStopped, nil
	}
	return "", Refuse(KindUnprocessable, CodeStatusInvalid, "status %q is not operating (正常生产) or stopped (停产)", s).With("value", s)
}

// permitPattern is loose on purpose: national permit numbers are the
// credit code plus a 3-digit sequence and a letter (e.g.
// 91130100MA0CXXXX0X001P), but older local permits differ.
var permitPattern = regexp.MustCompile(`^[0-9A-Za-z\-]{6,40}$`)

// ValidatePermitNumber checks a discharge permit number (排污许可证编号).
func ValidatePermitNumber(s string) error {
	if !permitPattern.MatchString(s) {
		return Refuse(KindUnprocessable, CodePermitNumberInvalid, "discharge permit number %q must be 6-40 letters, digits or -", s).With("value", s)
	}
	return nil
}

// ValidateProfile checks and normalises the profile fields of o: trimmed
// texts, an upper-case permit number, a known status. An enterprise with no
// status is operating.
func (o *Organisation) ValidateProfile() error {
	o.Address = strings.TrimSpace(o.Address)
	o.PermitNumber = strings.ToUpper(strings.TrimSpace(o.PermitNumber))
	if !utf8.ValidString(o.Address) || utf8.RuneCountInString(o.Address) > 300 {
		return Refuse(KindInvalid, CodeTextTooLong, "address must be valid text of at most 300 characters").With("field", "address").With("max", "300")
	}
	if o.PermitNumber != "" {
		if err := ValidatePermitNumber(o.PermitNumber); err != nil {
			return err
		}
	}
	switch {
	case o.Status != "":
		st, err := ParseOperatingStatus(string(o.Status))
		if err != nil {
			return err
		}
		if o.Kind != "" && o.Kind != OrgEnterprise {
			return Refuse(KindUnprocessable, CodeStatusNotEnterprise, "only an enterprise has an operating status")
		}
		o.Status = st
	case o.Kind == OrgEnterprise:
		o.Status = StatusOperating
	}
	return nil
}

// Staff is a consultant of a consultancy qualified to run audits.
type Staff struct {
	ID            string    `json:"id"`
	ConsultancyID string    `json:"consultancy_id"`
	Name          string    `json:"name"`
	Certificate   string    `json:"certificate"`             // qualification certificate number
	Qualification string    `json:"qualification,omitempty"` // level or type, e.g. 清洁生产审核师
	ValidUntil    string    `json:"valid_until,omitempty"`   // YYYY-MM-DD
	CreatedAt     time.Time `json:"created_at"`
}

// Validate checks a staff entry before it is stored.
func (st *Staff) Validate() error {
	st.Name, st.Certificate = strings.TrimSpace(st.Name), strings.TrimSpace(st.Certificate)
	st.Qualification, st.ValidUntil = strings.TrimSpace(st.Qualification), strings.TrimSpace(st.ValidUntil)
	if err := ValidateName("name", st.Name, 100); err != nil {
		return err
	}
	if err := ValidateName("certificate", st.Certificate, 60); err != nil {
		return err
	}
	if utf8.RuneCountInString(st.Qualification) > 100 {
		return Refuse(KindInvalid, CodeTextTooLong, "qualification is longer than 100 characters").With("field", "qualification").With("max", "100")
	}
	if st.ValidUntil != "" {
		if _, err := time.Parse(time.DateOnly, st.ValidUntil); err != nil {
			return Refuse(KindInvalid, CodeDateInvalid, "valid_until %q is not a date of the form YYYY-MM-DD", st.ValidUntil).With("field", "valid_until").With("value", st.ValidUntil)
		}
	}
	return nil
}

// OrgProfile is a change to an organisation's profile: nil leaves a field
// as it is.
type OrgProfile struct {
	Name         *string          `json:"name"`
	Address      *string          `json:"address"`
	PermitNumber *string          `json:"permit_number"`
	Status       *OperatingStatus `json:"status"`
	Industry     *string          `json:"industry"`
	Region       *string          `json:"region"`
	ParentID     *string          `json:"parent_id"`
	// Kind cannot change: it is accepted only when it is the kind the
	// organisation has, so that a client sending it back is not refused
	// and one asking for another kind is told so rather than ignored.
	Kind *OrgKind `json:"kind"`
}

// EnterpriseFilter selects enterprises in a list.
type EnterpriseFilter struct {
	Region   string // a region code: the region and everything below (RegionPrefix)
	Industry string // a GB/T 4754 code or its prefix (C, C27, C2710)
	Query    string // part of the name
	Limit    int
	Offset   int
}
