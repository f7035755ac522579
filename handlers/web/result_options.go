package web

import (
	"net/http"
	"net/url"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The options behind a figure of the results (/results/options): every
// sum on the results page links here with its group and quantity, so a
// regulator can see which implemented and verified options make it up,
// each linked to its audit.

// maxListedOptions bounds the page; the .xlsx holds every one.
const maxListedOptions = 1000

// resultOptionRow is one counted option as the page shows it.
type resultOptionRow struct {
	cpaudit.ResultOption
	RegionLabel, IndustryLabel, StatusLabel string
	Shown, Investment, Benefit              string
}

func (s *Handler) resultOptionsPage(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	T := translator(lang)
	f, err := httpx.ResultOptionFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	f.Limit = maxListedOptions + 1
	var rows []resultOptionRow
	figure := func(o cpaudit.ResultOption, q cpaudit.Quantity) string {
		if v, ok := o.Figures[q]; ok {
			return amount(v)
		}
		return "—"
	}
	err = s.store.ResultOptions(r.Context(), httpx.ActorOf(r), f, func(o cpaudit.ResultOption) error {
		row := resultOptionRow{ResultOption: o, RegionLabel: s.regionLabel(o.Region), IndustryLabel: industryLabel(lang, o.Industry),
			StatusLabel: T("option.status." + string(o.Status)),
			Investment:  figure(o, cpaudit.QtyInvestment), Benefit: figure(o, cpaudit.QtyBenefit)}
		if f.Quantity != "" {
			row.Shown = figure(o, f.Quantity)
		}
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return err
	}
	more := len(rows) > maxListedOptions
	if more {
		rows = rows[:maxListedOptions]
	}
	group := ""
	if f.Key != "" {
		labels, err := s.resultLabels(r, f.GroupBy, T)
		if err != nil {
			return err
		}
		group = T("results.by."+string(f.GroupBy)) + "：" + labels(f.Key)
	}
	qtyHead := ""
	if f.Quantity != "" {
		qtyHead = T("quantity."+string(f.Quantity)) + "（" + f.Quantity.CanonicalUnit() + "）"
	}
	back := url.Values{"group_by": {string(f.GroupBy)}}
	if f.GroupBy == "" {
		back.Set("group_by", string(cpaudit.GroupByIndustry))
	}
	export := url.Values{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 && v[0] != "" {
			back.Set(k, v[0])
			export.Set(k, v[0])
		}
	}
	back.Del("key")
	return s.render(w, r, http.StatusOK, "result_options", map[string]any{
		"Rows": rows, "More": more, "Max": maxListedOptions, "Group": group, "QtyHead": qtyHead,
		"BackHref": "/results?" + back.Encode(), "ExportHref": "/results/options.xlsx?" + export.Encode(),
	})
}
