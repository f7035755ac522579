package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The results page (审核成效, /results): what the implemented and verified
// options of the audits the user may read add up to, grouped as
// GET /api/v1/results groups them (regions at a chosen level), the chosen
// quantity, investment and benefit drawn as bar charts and every quantity
// in a table with the count of options behind each sum, every sum and bar
// linking to those options (result_options.go), links to the .xlsx exports
// (results_export.go), and the options that cut a quantity ranked by cost
// per unit (GET /api/v1/results/ranking).

// resultBar is one laid-out bar of the results chart: a sum is a number
// with decimals, so it is shown as text.
type resultBar struct {
	Label, Shown, Href  string
	Y, W, TextY, ValueX int
}

// resultChart is a horizontal bar chart of one quantity by group, laid
// out like the dashboard's (svgchart.go).
type resultChart struct {
	ID, Title, Desc string
	Width, Height   int
	LabelW, LabelX  int
	Bars            []resultBar
}

// resultRow is one group in the table, its sums in Quantities' order.
// OptionsHref lists the group's counted options.
type resultRow struct {
	Label, Href, OptionsHref string
	Audits, Options          int
	Sums                     []resultSum
}

// resultSum is one figure of a group: the sum, how many options state it
// and the link to them (the click-through behind the figure).
type resultSum struct {
	Shown, Href string
	Count       int
}

// rankedRow is one option of the ranking with its numbers shown.
type rankedRow struct {
	cpaudit.RankedOption
	InvestmentShown, ReductionShown, CostShown string
}

// amount shows a sum without trailing zeros: 12000, 2.5, 0.125.
func amount(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

func (s *Handler) resultsPage(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	T := translator(lang)
	a := httpx.ActorOf(r)
	q := r.URL.Query()
	if q.Get("group_by") == "" {
		q.Set("group_by", string(cpaudit.GroupByIndustry))
	}
	f, err := httpx.ResultFilterOf(q)
	if err != nil {
		return err
	}
	shown := cpaudit.Quantity(q.Get("quantity"))
	if shown == "" {
		shown = cpaudit.QtyCOD
	}
	if _, err := cpaudit.ParseQuantity(string(shown)); err != nil {
		return err
	}
	per := cpaudit.Quantity(q.Get("per"))
	if per == "" {
		per = cpaudit.QtyCOD
	}
	groups, err := s.store.Results(r.Context(), a, f)
	if err != nil {
		return err
	}
	ranked, err := s.store.ResultRanking(r.Context(), a, cpaudit.RankingFilter{Industry: f.Industry, Per: per, Limit: 100})
	if err != nil {
		return err
	}
	labels, err := s.resultLabels(r, f.GroupBy, T)
	if err != nil {
		return err
	}
	// The quantities any group states, in their display order.
	var used []cpaudit.Quantity
	for _, qt := range cpaudit.Quantities() {
		for _, g := range groups {
			if _, ok := g.Figures[qt]; ok {
				used = append(used, qt)
				break
			}
		}
	}
	rows := make([]resultRow, len(groups))
	for i, g := range groups {
		rows[i] = resultRow{Label: labels(g.Key), Href: resultHref(f, g.Key), OptionsHref: resultOptionsHref(f, g.Key, ""),
			Audits: g.Audits, Options: g.Options}
		for _, qt := range used {
			sum := resultSum{Shown: "—"}
			if v, ok := g.Figures[qt]; ok {
				sum = resultSum{Shown: amount(v), Count: g.Counts[qt], Href: resultOptionsHref(f, g.Key, qt)}
			}
			rows[i].Sums = append(rows[i].Sums, sum)
		}
	}
	// The chosen quantity, then investment and benefit, each drawn once.
	var charts []resultChart
	for _, qt := range []cpaudit.Quantity{shown, cpaudit.QtyInvestment, cpaudit.QtyBenefit} {
		if len(charts) > 0 && qt == shown {
			continue
		}
		id := "chart-" + string(qt)
		if len(charts) == 0 {
			id = "chart-results" // the chosen quantity's
		}
		charts = append(charts, resultsChart(id, f, groups, qt, labels, T))
	}
	var heads []string
	for _, qt := range used {
		heads = append(heads, T("quantity."+string(qt))+" ("+qt.CanonicalUnit()+")")
	}
	rrows := make([]rankedRow, len(ranked))
	for i, o := range ranked {
		rrows[i] = rankedRow{RankedOption: o, InvestmentShown: amount(o.Investment), ReductionShown: amount(o.Reduction), CostShown: amount(o.CostPerUnit)}
	}
	type choice struct {
		Value, Label string
		Selected     bool
	}
	var groupBys, quantities, pers, levels []choice
	levels = append(levels, choice{"", T("results.level.recorded"), f.Level == ""})
	for _, l := range cpaudit.RegionLevels {
		levels = append(levels, choice{string(l), T("results.level." + string(l)), l == f.Level})
	}
	for _, g := range cpaudit.ResultGroupBys {
		groupBys = append(groupBys, choice{string(g), T("results.by." + string(g)), g == f.GroupBy})
	}
	for _, qt := range cpaudit.Quantities() {
		quantities = append(quantities, choice{string(qt), T("quantity." + string(qt)), qt == shown})
		if qt != cpaudit.QtyInvestment {
			pers = append(pers, choice{string(qt), T("quantity." + string(qt)), qt == per})
		}
	}
	year := ""
	if f.Year != 0 {
		year = strconv.Itoa(f.Year)
	}
	// The region is picked among those of the audits the user sees; one
	// named by a link (a province, say) stays chosen.
	regions, _, err := s.auditPickers(r.Context(), a, lang, f.Region, "")
	if err != nil {
		return err
	}
	if f.Region != "" && !slices.ContainsFunc(regions, func(o option) bool { return o.Selected }) {
		regions = append([]option{{f.Region, s.regionLabel(f.Region), true}}, regions...)
	}
	return s.render(w, r, http.StatusOK, "results", map[string]any{
		"Filter": f, "Year": year, "Regions": regions, "GroupBys": groupBys, "Quantities": quantities, "Pers": pers,
		"Charts": charts, "Rows": rows, "Heads": heads, "Ranked": rrows, "Levels": levels,
		"PerUnit": per.CanonicalUnit(), "PerLabel": T("quantity." + string(per)), "ExportHref": "/results.xlsx" + resultExportQuery(f), "OptionsExportHref": "/results/options.xlsx" + resultExportQuery(f),
	})
}

// resultsChart draws qt of each group as a bar, each bar linking to the
// options behind it.
func resultsChart(id string, f cpaudit.ResultFilter, groups []cpaudit.ResultGroup, qt cpaudit.Quantity,
	labels func(string) string, T func(string) string) resultChart {
	chart := resultChart{ID: id, Title: T("quantity."+string(qt)) + " (" + qt.CanonicalUnit() + ")",
		Width: chartWidth, LabelW: chartLabelW, LabelX: chartLabelW - 8}
	top := 0.0
	for _, g := range groups {
		top = max(top, g.Figures[qt])
	}
	var desc []string
	for i, g := range groups {
		label := labels(g.Key)
		v := g.Figures[qt]
		bw := 0
		if top > 0 {
			bw = int(v / top * float64(chartWidth-chartLabelW-80))
		}
		if v > 0 {
			bw = max(bw, 2)
		}
		y := 4 + i*chartRow
		chart.Bars = append(chart.Bars, resultBar{Label: label, Shown: amount(v), Href: resultOptionsHref(f, g.Key, qt),
			Y: y, W: bw, TextY: y + chartBarH - 3, ValueX: chartLabelW + bw + 6})
		desc = append(desc, label+": "+amount(v))
	}
	chart.Height, chart.Desc = 8+len(groups)*chartRow, strings.Join(desc, "; ")
	return chart
}

// resultExportQuery is the filter of the page (not its grouping) as a
// query string ("" or "?..."), for the exports, which hold every breakdown.
func resultExportQuery(f cpaudit.ResultFilter) string {
	q := url.Values{}
	for k, v := range map[string]string{"level": string(f.Level), "region": f.Region, "industry": f.Industry} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Year != 0 {
		q.Set("year", strconv.Itoa(f.Year))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// resultOptionsHref links a figure to the counted options behind it: the
// group key of the page's grouping and filter, stating qt ("" any).
func resultOptionsHref(f cpaudit.ResultFilter, key string, qt cpaudit.Quantity) string {
	q := url.Values{"group_by": {string(f.GroupBy)}, "key": {key}}
	if f.Level != "" {
		q.Set("level", string(f.Level))
	}
	if f.Region != "" {
		q.Set("region", f.Region)
	}
	if f.Industry != "" {
		q.Set("industry", f.Industry)
	}
	if f.Year != 0 {
		q.Set("year", strconv.Itoa(f.Year))
	}
	if qt != "" {
		q.Set("quantity", string(qt))
	}
	return "/results/options?" + q.Encode()
}

// resultLabels names a grouping's keys for the page: regions by name,
// consultancies and batches by name, "none" in words.
func (s *Handler) resultLabels(r *http.Request, g cpaudit.ResultGroupBy, T func(string) string) (func(string) string, error) {
	names := map[string]string{}
	switch g {
	case cpaudit.GroupByConsultancy:
		cons, err := s.store.Consultancies(r.Context(), httpx.ActorOf(r))
		if err != nil {
			return nil, err
		}
		for _, c := range cons {
			names[c.ID] = c.Name
		}
	case cpaudit.GroupByBatch:
		batches, err := s.store.Batches(r.Context(), httpx.ActorOf(r))
		if err != nil {
			return nil, err
		}
		for _, b := range batches {
			names[b.ID] = b.Name
		}
	}
	return func(key string) string {
		switch {
		case key == "none":
			return T("results.none." + string(g))
		case g == cpaudit.GroupByRegion:
			return s.regionLabel(key)
		case names[key] != "":
			return names[key]
		}
		return key
	}, nil
}

// resultHref links a group to the audit list with the filter that
// selects it (and the page's region and industry); a year has no list
// filter, so it links to the results of that year.
func resultHref(f cpaudit.ResultFilter, key string) string {
	lf := cpaudit.AuditListFilter{Region: f.Region, Industry: f.Industry}
	switch f.GroupBy {
	case cpaudit.GroupByIndustry:
		lf.Industry = key
	case cpaudit.GroupByRegion:
		if key == "none" {
			return ""
		}
		lf.Region = key
	case cpaudit.GroupByConsultancy:
		lf.ConsultancyID = key
	case cpaudit.GroupByBatch:
		lf.BatchID = key
	case cpaudit.GroupByYear:
		q := url.Values{"group_by": {string(cpaudit.GroupByIndustry)}, "year": {key}}
		if f.Region != "" {
			q.Set("region", f.Region)
		}
		if f.Industry != "" {
			q.Set("industry", f.Industry)
		}
		return "/results?" + q.Encode()
	}
	return listHref("/audits", lf)
}
