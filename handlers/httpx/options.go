package httpx

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// The option table of an audit as .xlsx: its template, and its import
// (all rows or none), shared by the API and the audit page.

// OptionTemplate is the sheet consultants fill in: the columns of
// cpaudit.OptionTemplateHeader, each quantity's unit in its header (any
// unit of the quantity may replace it), and one example row.
func OptionTemplate() sheet.Table {
	t := sheet.Table{Sheet: "方案汇总表", Header: cpaudit.OptionTemplateHeader()}
	row := []any{}
	for _, c := range cpaudit.OptionTemplateExample() {
		if n, err := strconv.ParseFloat(c, 64); err == nil {
			row = append(row, n)
		} else {
			row = append(row, c)
		}
	}
	t.Rows = [][]any{row}
	return t
}

// ServeOptionTemplate downloads OptionTemplate.
func ServeOptionTemplate(w http.ResponseWriter, r *http.Request) error {
	return WriteSheet(w, "option-table-template.xlsx", OptionTemplate())
}

// OptionImporter saves an imported option table, all or nothing.
type OptionImporter interface {
	OptionPeers(ctx context.Context, a cpaudit.Actor, auditID string) (map[cpaudit.Quantity][]float64, error)
	SaveAuditOptions(ctx context.Context, a cpaudit.Actor, auditID string, opts []cpaudit.AuditOption) (created, updated int, err error)
}

// OptionImportResult is what an import saved.
type OptionImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// ImportOptions parses the uploaded table and saves its options, all of
// them or, when a row is bad, none: the rejections then name every bad row
// found while parsing (or the one storage refused) and the error is
// cpaudit.OptionImportRefusal of them. With checkUnits, rows whose figures
// look like unit mistakes against the industry's other options
// (cpaudit.UnusualFigures) are rejections too, with code
// option_figures_unusual, and the error is a 409 of that code: the caller
// sends the table again unchecked to import it as it is.
func ImportOptions(r *http.Request, store OptionImporter, auditID string, form ImportForm, checkUnits bool) (OptionImportResult, []cpaudit.ImportRejection, error) {
	rows := make([][]string, len(form.Table.Rows))
	for i, row := range form.Table.Rows {
		rows[i] = make([]string, len(row))
		for j, c := range row {
			switch v := c.(type) {
			case string:
				rows[i][j] = v
			case float64:
				rows[i][j] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
	}
	valid, rejected, err := cpaudit.ParseOptionRows(form.Table.Header, rows)
	if err != nil {
		return OptionImportResult{}, nil, err
	}
	if len(rejected) > 0 {
		return OptionImportResult{}, rejected, cpaudit.OptionImportRefusal(rejected)
	}
	if len(valid) == 0 {
		rj := []cpaudit.ImportRejection{{Row: 2, Reason: "the table has no option under its header"}}
		return OptionImportResult{}, rj, cpaudit.OptionImportRefusal(rj)
	}
	if checkUnits {
		peers, err := store.OptionPeers(r.Context(), ActorOf(r), auditID)
		if err != nil {
			return OptionImportResult{}, nil, err
		}
		var odd []cpaudit.UnusualFigure
		for _, v := range valid {
			if u := cpaudit.UnusualFigures(v.Option, peers); len(u) > 0 {
				e := cpaudit.UnusualRefusal(u)
				rejected = append(rejected, cpaudit.ImportRejection{Row: v.Row, Reason: cpaudit.ErrorMessage(e), Code: cpaudit.ErrorCode(e), Params: cpaudit.ErrorParams(e)})
				odd = append(odd, u...)
			}
		}
		if len(rejected) > 0 {
			var why []string
			for _, rj := range rejected {
				why = append(why, "row "+strconv.Itoa(rj.Row)+": "+rj.Reason)
			}
			return OptionImportResult{}, rejected, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOptionFiguresUnusual,
				"nothing was imported; %s", strings.Join(why, "; ")).With("value", cpaudit.ErrorParams(cpaudit.UnusualRefusal(odd))["value"])
		}
	}
	opts := make([]cpaudit.AuditOption, len(valid))
	for i, v := range valid {
		opts[i] = v.Option
	}
	created, updated, err := store.SaveAuditOptions(r.Context(), ActorOf(r), auditID, opts)
	if err != nil {
		i, ierr := strconv.Atoi(cpaudit.ErrorParams(err)["index"])
		if ierr != nil || i < 0 || i >= len(valid) || cpaudit.IsKind(err, cpaudit.KindNotFound) {
			return OptionImportResult{}, nil, err
		}
		rj := []cpaudit.ImportRejection{{Row: valid[i].Row, Reason: cpaudit.ErrorMessage(err), Code: cpaudit.ErrorCode(err), Params: cpaudit.ErrorParams(err)}}
		return OptionImportResult{}, rj, cpaudit.OptionImportRefusal(rj)
	}
	return OptionImportResult{Created: created, Updated: updated}, nil, nil
}
