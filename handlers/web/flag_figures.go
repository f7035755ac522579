package web

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// The evidence of inconsistent_figure and duplicate_number flags, as the
// flag page shows it: a small table of the values that disagree and where
// each was read, and the numbers found on both sides with their sentences.

// webMismatch is one disagreement of an inconsistent_figure flag.
type webMismatch struct {
	Quantity cpaudit.Quantity
	Context  string
	Diff     string // a percentage
	Values   []webFigureSource
}

type webFigureSource struct {
	cpaudit.FigureSource
	Canonical string // the value in the canonical unit, without float noise
}

// flagFiguresOf reads an inconsistent_figure flag's disagreements; none
// for other kinds.
func flagFiguresOf(fl cpaudit.Flag) []webMismatch {
	if fl.Kind != cpaudit.FlagInconsistentFigure {
		return nil
	}
	var d struct {
		Mismatches []cpaudit.FigureMismatch `json:"mismatches"`
	}
	if json.Unmarshal(fl.Detail, &d) != nil {
		return nil
	}
	var out []webMismatch
	for _, m := range d.Mismatches {
		wm := webMismatch{Quantity: m.Quantity, Context: m.Context, Diff: strconv.FormatFloat(m.Diff*100, 'f', 1, 64) + "%"}
		for _, v := range m.Values {
			c := strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v.Value, 'f', 4, 64), "0"), ".")
			wm.Values = append(wm.Values, webFigureSource{FigureSource: v, Canonical: c + " " + v.Unit})
		}
		out = append(out, wm)
	}
	return out
}

// flagNumbersOf reads a duplicate_number flag's numbers; none for other
// kinds.
func flagNumbersOf(fl cpaudit.Flag) []cpaudit.NumberPair {
	if fl.Kind != cpaudit.FlagDuplicateNumber {
		return nil
	}
	var d struct {
		Numbers []cpaudit.NumberPair `json:"numbers"`
	}
	if json.Unmarshal(fl.Detail, &d) != nil {
		return nil
	}
	return d.Numbers
}

// flagMissingOf reads the veto requirements of a missing_requirement
// flag, and the audit they are missing from.
func flagMissingOf(fl cpaudit.Flag) *missingDetail {
	if fl.Kind != cpaudit.FlagMissingRequirement {
		return nil
	}
	var d missingDetail
	if json.Unmarshal(fl.Detail, &d) != nil || len(d.Requirements) == 0 {
		return nil
	}
	return &d
}

type missingDetail struct {
	AuditID      string                       `json:"audit_id"`
	Requirements []cpaudit.MissingRequirement `json:"requirements"`
}
