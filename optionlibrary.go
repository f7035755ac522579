package cpaudit

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the domain of the advanced options library (技术成果库,
// issue 20 item 4): the implemented and verified options of an industry
// ranked by what a tonne of a pollutant removed costs and by payback,
// and the regulators' recommendations for promotion (推荐推广), which make
// an option visible to every user of the tenant. Who sees which figures,
// links and names is stated once, in storage (storage/option_library.go).

// LibrarySort is the order of the library.
type LibrarySort string

const (
	// LibraryByCost: cheapest per unit of LibraryFilter.Per first; options
	// without an investment figure last.
	LibraryByCost LibrarySort = "cost"
	// LibraryByPayback: the shortest static payback first; options whose
	// payback is unknown or never reached last.
	LibraryByPayback LibrarySort = "payback"
)

// ParseLibrarySort reads sort: cost or payback; "" is cost when a
// quantity is chosen, else payback (there is no cost per unit of nothing).
// KindInvalid (sort_invalid) otherwise, or cost without a quantity.
func ParseLibrarySort(s string, per Quantity) (LibrarySort, error) {
	switch {
	case s == "" && per == "":
		return LibraryByPayback, nil
	case s == "":
		return LibraryByCost, nil
	case s == string(LibraryByPayback), s == string(LibraryByCost) && per != "":
		return LibrarySort(s), nil
	}
	return "", Refuse(KindInvalid, CodeSortInvalid, "sort must be cost (with per) or payback, not %q", s).With("value", s)
}

// LibraryFilter selects the options of the library.
type LibraryFilter struct {
	Industry    string   // a GB/T 4754 code or prefix, "" for all
	Per         Quantity // "" for every option; else only those reducing it
	Sort        LibrarySort
	Recommended bool // only the options recommended for promotion
	Limit       int
}

// MaxRecommendationNote bounds a recommendation's note, in characters.
const MaxRecommendationNote = 1000

// Recommendation is a regulator's mark that an option is recommended for
// promotion (推荐推广), with a note, and whether the enterprise's name is
// published with it.
type Recommendation struct {
	Note        string    `json:"note"`
	PublishName bool      `json:"publish_name"`
	By          string    `json:"by,omitempty"` // shown to the authority only
	At          time.Time `json:"at"`
}

// Validate checks a recommendation as entered: a note of valid text
// within MaxRecommendationNote characters (it may be empty).
func (r *Recommendation) Validate() error {
	r.Note = strings.TrimSpace(r.Note)
	if !utf8.ValidString(r.Note) || strings.IndexFunc(r.Note, hiddenInNote) >= 0 || utf8.RuneCountInString(r.Note) > MaxRecommendationNote {
		return Refuse(KindInvalid, CodeTextTooLong, "note must be valid text of at most %d characters", MaxRecommendationNote).
			With("field", "note").With("max", strconv.Itoa(MaxRecommendationNote))
	}
	return nil
}

// LibraryOption is one option of the library as the caller may see it.
// AuditID, DocumentIDs and EnterpriseID are set only when the caller may
// read the option's audit (Readable); EnterpriseName also when a regulator
// published it with the recommendation. Money is in 元, reductions in the
// quantity's canonical unit a year, CostPerUnit in 元 per unit.
type LibraryOption struct {
	ID             string               `json:"id"`
	Readable       bool                 `json:"readable"`
	AuditID        string               `json:"audit_id,omitempty"`
	EnterpriseID   string               `json:"enterprise_id,omitempty"`
	EnterpriseName string               `json:"enterprise_name,omitempty"`
	Industry       string               `json:"industry"`
	Code           string               `json:"code"`
	Name           string               `json:"name"`
	Category       OptionCategory       `json:"category"`
	Status         OptionStatus         `json:"status"`
	Figures        map[Quantity]float64 `json:"figures"`
	Investment     *float64             `json:"investment"`
	Reduction      *float64             `json:"reduction,omitempty"`
	CostPerUnit    *float64             `json:"cost_per_unit,omitempty"`
	PaybackYears   *float64             `json:"payback_years"`
	DocumentIDs    []string             `json:"document_ids,omitempty"`
	Recommendation *Recommendation      `json:"recommendation"`
	// CashFlows feed the payback; they are not shown.
	CashFlows []float64 `json:"-"`
}

// hiddenInNote: a note is several lines, so line breaks and tabs are
// text; other controls are not.
func hiddenInNote(r rune) bool { return r != '\n' && r != '\r' && r != '\t' && isHiddenControl(r) }
