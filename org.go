package cpaudit

import (
	"regexp"
	"strconv"
	"time"
)

// OrgKind is the kind of an organisation.
type OrgKind string

const (
	OrgRegulator   OrgKind = "regulator"   // an ecology and environment bureau, at a region
	OrgConsultancy OrgKind = "consultancy" // 咨询服务机构
	OrgEnterprise  OrgKind = "enterprise"  // 企业 under audit
	OrgPublisher   OrgKind = "publisher"   // publishes industry guidelines
)

// ParseOrgKind returns the kind named s, or a KindInvalid error.
func ParseOrgKind(s string) (OrgKind, error) {
	switch k := OrgKind(s); k {
	case OrgRegulator, OrgConsultancy, OrgEnterprise, OrgPublisher:
		return k, nil
	}
	return "", Refuse(KindInvalid, CodeOrgKindUnknown, "unknown organisation kind %q: use regulator, consultancy, enterprise or publisher", s).With("value", s)
}

// Organisation is a regulator office, consultancy, enterprise or publisher.
type Organisation struct {
	ID         string    `json:"id"`
	Kind       OrgKind   `json:"kind"`
	Name       string    `json:"name"`
	CreditCode string    `json:"credit_code,omitempty"` // 统一社会信用代码
	Industry   string    `json:"industry,omitempty"`    // GB/T 4754 code, e.g. C2710
	Region     string    `json:"region,omitempty"`      // 6-digit division code
	ParentID   string    `json:"parent_id,omitempty"`   // the regulator office above
	CreatedAt  time.Time `json:"created_at"`

	// The profile (see orgprofile.go); enterprises mostly.
	Address      string          `json:"address,omitempty"`
	PermitNumber string          `json:"permit_number,omitempty"` // 排污许可证编号
	Status       OperatingStatus `json:"status,omitempty"`        // enterprises: operating or stopped
}

var (
	industryPattern = regexp.MustCompile(`^[A-T](\d{2}|\d{3}|\d{4})?$`)
	regionPattern   = regexp.MustCompile(`^[1-9]\d{5}$`)
)

// ValidateIndustry checks a GB/T 4754 code: a section letter A-T followed by
// 2, 3 or 4 digits (division, group, class), e.g. C2710.
func ValidateIndustry(code string) error {
	if !industryPattern.MatchString(code) {
		return Refuse(KindUnprocessable, CodeIndustryInvalid, "industry %q is not a GB/T 4754 code such as C2710", code).With("value", code)
	}
	return nil
}

// ValidateRegion checks a 6-digit administrative division code (GB/T 2260).
func ValidateRegion(code string) error {
	if !regionPattern.MatchString(code) {
		return Refuse(KindUnprocessable, CodeRegionInvalid, "region %q is not a 6-digit administrative division code such as 130100", code).With("value", code)
	}
	return nil
}

// creditCodeAlphabet is GB 32100's 31 characters (no I, O, Z, S, V); a
// character's value is its index.
const creditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// ValidateCreditCode checks an 18-character unified social credit code
// (统一社会信用代码, GB 32100-2015) including its check character.
func ValidateCreditCode(code string) error {
	if len(code) != 18 {
		return Refuse(KindUnprocessable, CodeCreditCodeLength, "credit code %q must have 18 characters", code).With("value", code)
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := indexByte(creditCodeAlphabet, code[i])
		if v < 0 {
			return Refuse(KindUnprocessable, CodeCreditCodeCharacter, "credit code %q has an invalid character at position %d", code, i+1).With("value", code).With("position", strconv.Itoa(i+1))
		}
		sum += v * creditCodeWeights[i]
	}
	check := (31 - sum%31) % 31
	if code[17] != creditCodeAlphabet[check] {
		return Refuse(KindUnprocessable, CodeCreditCodeCheck, "credit code %q fails its check character", code).With("value", code)
	}
	return nil
}

// CreditCodeCheck returns the check character for the first 17 characters of
// a credit code; used to make valid codes in tests and demos.
func CreditCodeCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17 && i < len(first17); i++ {
		sum += indexByte(creditCodeAlphabet, first17[i]) * creditCodeWeights[i]
	}
	return creditCodeAlphabet[(31-sum%31)%31]
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
