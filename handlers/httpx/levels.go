package httpx

import (
	"context"
	"net/http"
	"strconv"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// An indicator set (清洁生产评价指标体系) as .xlsx: its template and its
// import (all rows or none), shared by the API and the settings page.

// IndicatorTemplate is the sheet an admin fills in from a published
// indicator system: the columns of cpaudit.IndicatorColumns and example
// rows whose figures are marked as examples.
func IndicatorTemplate() sheet.Table {
	t := sheet.Table{Sheet: "评价指标体系"}
	for _, c := range cpaudit.IndicatorColumns {
		t.Header = append(t.Header, c.Zh)
	}
	for _, ex := range cpaudit.IndicatorTemplateExample() {
		row := []any{}
		for i, c := range ex {
			if n, err := strconv.ParseFloat(c, 64); err == nil && i > 0 {
				row = append(row, n)
			} else {
				row = append(row, c)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// ServeIndicatorTemplate downloads IndicatorTemplate.
func ServeIndicatorTemplate(w http.ResponseWriter, r *http.Request) error {
	return WriteSheet(w, "indicator-set-template.xlsx", IndicatorTemplate())
}

// IndicatorSetSaver saves an indicator set.
type IndicatorSetSaver interface {
	SaveIndicatorSet(ctx context.Context, a cpaudit.Actor, set cpaudit.IndicatorSet) (cpaudit.IndicatorSet, bool, error)
}

// ImportIndicatorSet reads the uploaded table into the set the form's
// fields describe (industry, version, name, source, effective_on, note)
// and saves it, all rows or none: the rejections name every bad row and
// the error is cpaudit.IndicatorImportRefusal of them.
func ImportIndicatorSet(r *http.Request, store IndicatorSetSaver, form ImportForm) (cpaudit.IndicatorSet, bool, []cpaudit.ImportRejection, error) {
	inds, rejected, err := cpaudit.ParseIndicatorRows(form.Table.Header, form.Table.TextRows())
	if err != nil {
		return cpaudit.IndicatorSet{}, false, nil, err
	}
	if len(rejected) == 0 && len(inds) == 0 {
		rejected = []cpaudit.ImportRejection{{Row: 2, Reason: "the table has no indicator under its header"}}
	}
	if len(rejected) > 0 {
		return cpaudit.IndicatorSet{}, false, rejected, cpaudit.IndicatorImportRefusal(rejected)
	}
	f := form.Fields
	pass := 0.0 // the default, 85
	if v := f["pass"]; v != "" {
		var err error
		if pass, err = strconv.ParseFloat(v, 64); err != nil {
			return cpaudit.IndicatorSet{}, false, nil, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeIndicatorSetInvalid,
				"pass %q is not a number", v).With("field", "pass").With("value", v)
		}
	}
	set := cpaudit.IndicatorSet{Industry: f["industry"], Version: f["version"], Name: f["name"], Source: f["source"],
		EffectiveOn: f["effective_on"], Note: f["note"], Pass: pass, Indicators: inds}
	saved, created, err := store.SaveIndicatorSet(r.Context(), ActorOf(r), set)
	return saved, created, nil, err
}
