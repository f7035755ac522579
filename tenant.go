package cpaudit

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Tenant is one deployment of an authority (a province or a city). Tenants
// never see each other's data: each has its own database, search index and
// blob prefix.
type Tenant struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// Library marks the installation's one guideline library: its
	// guidelines are read, searched and counted as common text by every
	// tenant, and it reads nothing of theirs.
	Library bool `json:"library,omitempty"`
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidateSlug checks a tenant slug: lower-case letters, digits and hyphens,
// 1 to 63 characters, starting with a letter or digit. Slugs name directories
// and object prefixes, so nothing else is allowed.
func ValidateSlug(slug string) error {
	if !slugPattern.MatchString(slug) {
		return Refuse(KindInvalid, CodeTenantSlugInvalid, "tenant slug %q must be 1-63 lower-case letters, digits or hyphens", slug)
	}
	return nil
}

// ValidateName checks a display name: not blank, at most max characters.
func ValidateName(what, name string, max int) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return Refuse(KindInvalid, CodeFieldRequired, "%s is required", what).With("field", what)
	}
	if len([]rune(name)) > max {
		return Refuse(KindInvalid, CodeTextTooLong, "%s is longer than %d characters", what, max).With("field", what).With("max", strconv.Itoa(max))
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, isHiddenControl) >= 0 {
		return Refuse(KindInvalid, CodeNameControl, "%s must not contain control characters", what).With("field", what)
	}
	return nil
}

// isHiddenControl reports control characters (line breaks and tabs among
// them) and the bidirectional controls that reorder text as it is shown
// (U+202E and its kin): neither belongs in a name shown to others.
func isHiddenControl(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}
