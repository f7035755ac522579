package web

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/sheet"
)

// The results as the .xlsx regulators report upward: /results.xlsx has one
// sheet per breakdown (region at the chosen level, industry, batch,
// consultancy, year), each group's sums with the count of options behind
// each; /results/options.xlsx has every counted option with what places it
// in each breakdown. Both are written with the streaming sheet.Book, rows
// as they come, so a province's 80,000 options are never held at once.
// Headers are in the page's language with units.

// resultSheets is the order of the breakdowns in the workbook.
var resultSheets = []cpaudit.ResultGroupBy{cpaudit.GroupByRegion, cpaudit.GroupByIndustry, cpaudit.GroupByBatch,
	cpaudit.GroupByConsultancy, cpaudit.GroupByYear}

// qtyHead is a quantity's column header with its unit: 投资（元）.
func qtyHead(T func(string) string, q cpaudit.Quantity) string {
	return T("quantity."+string(q)) + "（" + q.CanonicalUnit() + "）"
}

func (s *Handler) resultsExport(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	T := translator(lang)
	of, err := httpx.ResultOptionFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	f := of.ResultFilter
	// Each breakdown covers the same options: the quantities stated by
	// any are the columns of every sheet.
	byGroup := map[cpaudit.ResultGroupBy][]cpaudit.ResultGroup{}
	stated := map[cpaudit.Quantity]bool{}
	for _, g := range resultSheets {
		f.GroupBy = g
		groups, err := s.store.Results(r.Context(), httpx.ActorOf(r), f)
		if err != nil {
			return err
		}
		byGroup[g] = groups
		for _, gr := range groups {
			for q := range gr.Figures {
				stated[q] = true
			}
		}
	}
	var used []cpaudit.Quantity
	for _, q := range cpaudit.Quantities() {
		if stated[q] {
			used = append(used, q)
		}
	}
	b, err := sheet.NewBook()
	if err != nil {
		return cpaudit.Internal("web.resultsExport", err)
	}
	defer b.Close()
	for _, g := range resultSheets {
		f.GroupBy = g
		labels, err := s.resultLabels(r, g, T)
		if err != nil {
			return err
		}
		header := []string{T("results.col.key"), T("results.group"), T("results.audits"), T("results.options")}
		widths := []float64{16, 30, 10, 10}
		for _, q := range used {
			header = append(header, qtyHead(T, q), T("results.col.stating"))
			widths = append(widths, 18, 12)
		}
		name := T("results.by." + string(g))
		if g == cpaudit.GroupByRegion && f.Level != "" {
			name += "（" + T("results.level."+string(f.Level)) + "）"
		}
		if err := b.Sheet(name, header, widths); err != nil {
			return cpaudit.Internal("web.resultsExport", err)
		}
		for _, gr := range byGroup[g] {
			row := []any{gr.Key, labels(gr.Key), gr.Audits, gr.Options}
			for _, q := range used {
				if v, ok := gr.Figures[q]; ok {
					row = append(row, v, gr.Counts[q])
				} else {
					row = append(row, nil, 0)
				}
			}
			if err := b.Row(row...); err != nil {
				return cpaudit.Internal("web.resultsExport", err)
			}
		}
	}
	return s.sendBook(w, b, T("results.file"))
}

func (s *Handler) resultOptionsExport(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	T := translator(lang)
	f, err := httpx.ResultOptionFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	names := map[string]string{}
	cons, err := s.store.Consultancies(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	for _, c := range cons {
		names[c.ID] = c.Name
	}
	batches, err := s.store.Batches(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	for _, bt := range batches {
		names[bt.ID] = bt.Name
	}
	qs := cpaudit.Quantities()
	header := []string{T("resultOptions.col.audit"), T("resultOptions.col.enterprise"), T("results.col.regionCode"), T("resultOptions.col.region"),
		T("resultOptions.col.industry"), T("resultOptions.col.consultancy"), T("resultOptions.col.batch"), T("resultOptions.col.year"),
		T("resultOptions.col.code"), T("resultOptions.col.name"), T("resultOptions.col.status")}
	widths := []float64{30, 30, 10, 24, 10, 24, 16, 8, 8, 30, 10}
	for _, q := range qs {
		header = append(header, qtyHead(T, q))
		widths = append(widths, 16)
	}
	b, err := sheet.NewBook()
	if err != nil {
		return cpaudit.Internal("web.resultOptionsExport", err)
	}
	defer b.Close()
	if err := b.Sheet(T("results.sheet.options"), header, widths); err != nil {
		return cpaudit.Internal("web.resultOptionsExport", err)
	}
	statuses := map[cpaudit.OptionStatus]string{}
	for _, st := range []cpaudit.OptionStatus{cpaudit.OptionImplemented, cpaudit.OptionVerified} {
		statuses[st] = T("option.status." + string(st))
	}
	regions := map[string]string{}
	none := func(g cpaudit.ResultGroupBy, id string) string {
		if id == "" {
			return T("results.none." + string(g))
		}
		return names[id]
	}
	row := make([]any, len(header))
	err = s.store.ResultOptions(r.Context(), httpx.ActorOf(r), f, func(o cpaudit.ResultOption) error {
		region, ok := regions[o.Region]
		if !ok {
			region = s.regionLabel(o.Region)
			regions[o.Region] = region
		}
		row = append(row[:0], o.AuditID, o.EnterpriseName, o.Region, region, o.Industry,
			none(cpaudit.GroupByConsultancy, o.ConsultancyID), none(cpaudit.GroupByBatch, o.BatchID), o.Year,
			o.Code, o.Name, statuses[o.Status])
		for _, q := range qs {
			if v, ok := o.Figures[q]; ok {
				row = append(row, v)
			} else {
				row = append(row, nil)
			}
		}
		if err := b.Row(row...); err != nil {
			return cpaudit.Internal("web.resultOptionsExport", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.sendBook(w, b, T("results.file.options"))
}

// sendBook writes b into a buffer, then sends it as an .xlsx download
// named name: a failure while zipping gives an error page, not half a file.
func (s *Handler) sendBook(w http.ResponseWriter, b *sheet.Book, name string) error {
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return cpaudit.Internal("web.sendBook", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + "-" + s.now().In(cpaudit.ChinaLocation()).Format("20060102") + ".xlsx"}))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}
