package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The dashboard (总览) and the lists behind its numbers: /audits (every
// audit the user may see, filtered like the API) and /overdue. Every number
// on the dashboard links to the list with the filter that reproduces it;
// either list downloads as .xlsx with the same filters (export.go).

// regionLabel names a division for pages: 石家庄市, 石家庄市长安区, or the
// code when the national table does not know it.
func (s *Handler) regionLabel(code string) string { return s.divisions.Label(code) }

// phaseLabels names the phases: "P3 审核" (or its English name), and
// "done" all 35 steps accepted. Built once per page, not per label.
func phaseLabels(lang string) map[string]string {
	names := map[string]string{cpaudit.PhaseDone: translator(lang)("due.phase.done")}
	phases, err := cpaudit.LoadPhases()
	if err != nil {
		return names // the codes themselves show
	}
	for _, p := range phases {
		if lang == "en" {
			names[p.Code] = p.Code + " " + p.En
		} else {
			names[p.Code] = p.Code + " " + p.Zh
		}
	}
	return names
}

func phaseLabel(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// listHref links to /audits (or /overdue) with exactly filter f.
func listHref(path string, f cpaudit.AuditListFilter) string {
	q := httpx.AuditFilterQuery(f)
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// dashNumber is one headline number and the list behind it.
type dashNumber struct {
	ID, Label string
	Count     int
	Href      string
}

func (s *Handler) dashboardPage(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	T := translator(lang)
	days, err := httpx.IntParam(r.URL.Query(), "stalled", httpx.DefaultStalledDays, 1, 3650)
	if err != nil {
		return err
	}
	a := httpx.ActorOf(r)
	d, err := s.store.Dashboard(r.Context(), a, days)
	if err != nil {
		return err
	}
	numbers := []dashNumber{
		{ID: "n-total", Label: T("due.total"), Count: d.Total, Href: "/audits"},
		{ID: "n-overdue", Label: T("due.overdueAudits"), Count: d.OverdueAudits, Href: listHref("/audits", cpaudit.AuditListFilter{Overdue: "true"})},
		{ID: "n-stalled", Label: T("due.stalled") + " (" + strconv.Itoa(days) + T("due.days") + ")", Count: d.Stalled,
			Href: listHref("/audits", cpaudit.AuditListFilter{StalledDays: days})},
	}
	// Rectification orders not closed and overdue, of the audits the
	// reader sees.
	_, open, err := s.store.Findings(r.Context(), a, cpaudit.FindingFilter{State: cpaudit.FindingOpen, Orders: true, Limit: 1})
	if err != nil {
		return err
	}
	_, late, err := s.store.Findings(r.Context(), a, cpaudit.FindingFilter{Overdue: true, Orders: true, Limit: 1})
	if err != nil {
		return err
	}
	numbers = append(numbers, dashNumber{ID: "n-orders-open", Label: T("order.open"), Count: open, Href: "/orders"},
		dashNumber{ID: "n-orders-overdue", Label: T("order.overdue"), Count: late, Href: "/orders?overdue=true"})
	var phases, industries, cities, counties, overdue []chartItem
	pl := phaseLabels(lang)
	for _, c := range d.ByPhase {
		phases = append(phases, chartItem{phaseLabel(pl, c.Key), c.Count, listHref("/audits", cpaudit.AuditListFilter{Phase: c.Key})})
	}
	for _, c := range d.ByIndustry {
		label := c.Key
		if label == "none" {
			label = T("due.none")
		}
		industries = append(industries, chartItem{label, c.Count, listHref("/audits", cpaudit.AuditListFilter{Industry: c.Key})})
	}
	for _, c := range d.ByCity {
		cities = append(cities, chartItem{s.regionLabel(c.Key), c.Count, listHref("/audits", cpaudit.AuditListFilter{Region: c.Key})})
	}
	for _, c := range d.ByCounty {
		counties = append(counties, chartItem{s.regionLabel(c.Key), c.Count, listHref("/audits", cpaudit.AuditListFilter{Region: c.Key})})
	}
	for _, c := range d.Overdue {
		overdue = append(overdue, chartItem{T("due." + c.Key), c.Count, listHref("/audits", cpaudit.AuditListFilter{Overdue: c.Key})})
	}
	data := map[string]any{
		"D": d, "Numbers": numbers, "StalledDays": days,
		"PhaseChart":    newBarChart("chart-phase", T("due.byPhase"), T("due.noData"), phases),
		"OverdueChart":  newBarChart("chart-overdue", T("due.byOverdue"), T("due.noData"), overdue),
		"IndustryChart": newBarChart("chart-industry", T("due.byIndustry"), T("due.noData"), industries),
		"CityChart":     newBarChart("chart-city", T("due.byCity"), T("due.noData"), cities),
		"CountyChart":   newBarChart("chart-county", T("due.byCounty"), T("due.noData"), counties),
		"BatchChart":    s.batchChart(lang, d),
		"Regional":      a.Role == cpaudit.RoleRegulator || a.Role == cpaudit.RoleAdmin || a.Role == cpaudit.RoleExpert,
		"Upcoming":      s.webAuditRows(lang, d.Upcoming),
	}
	if a.Role == cpaudit.RoleRegulator || a.Role == cpaudit.RoleAdmin {
		items, err := s.store.Enforcement(r.Context(), a, "")
		if err != nil {
			return err
		}
		data["Enforcement"], data["EnforcementMore"] = enforcementRows(T, items[:min(len(items), maxEnforcementRows)]), max(0, len(items)-maxEnforcementRows)
	}
	if a.Role == cpaudit.RoleEnterprise {
		own, _, err := s.store.Audits(r.Context(), a, cpaudit.AuditListFilter{Limit: 20})
		if err != nil {
			return err
		}
		var bars []progressBar
		for i, au := range own {
			bars = append(bars, newProgressBar("progress-"+strconv.Itoa(i), au.EnterpriseName, au.Accepted, cpaudit.StepCount))
		}
		data["Own"], data["OwnBars"] = s.webAuditRows(lang, own), bars
	}
	return s.render(w, r, http.StatusOK, "dashboard", data)
}

// batchChart is one bar per batch, split by phase, each part linking to
// the batch's audits in that phase.
func (s *Handler) batchChart(lang string, d cpaudit.Dashboard) stackChart {
	T := translator(lang)
	pl := phaseLabels(lang)
	c := stackChart{ID: "chart-batch", Title: T("due.byBatch"), Width: chartWidth, LabelW: chartLabelW, BarMax: chartWidth - chartLabelW - 60}
	c.LabelX, c.ValueX = c.LabelW-8, c.LabelW+c.BarMax+6
	desc := ""
	for i, b := range d.ByBatch {
		label := b.Name
		if b.ID == "none" {
			label = T("due.noBatch")
		}
		y := 4 + i*chartRow
		row := stackRow{Label: label, Total: b.Total, Href: listHref("/audits", cpaudit.AuditListFilter{BatchID: b.ID}), Y: y, TextY: y + chartBarH - 3}
		x := 0
		for _, ph := range cpaudit.Phases {
			n := b.ByPhase[ph]
			if n == 0 {
				continue
			}
			w := n * c.BarMax / max(b.Total, 1)
			row.Segs = append(row.Segs, stackSeg{X: c.LabelW + x, W: max(w, 1), Class: "phase-" + ph,
				Title: label + " · " + phaseLabel(pl, ph) + ": " + strconv.Itoa(n),
				Href:  listHref("/audits", cpaudit.AuditListFilter{BatchID: b.ID, Phase: ph})})
			x += w
		}
		desc += label + ": " + strconv.Itoa(b.Total) + "; "
		c.Rows = append(c.Rows, row)
	}
	c.Height, c.Desc = 8+len(d.ByBatch)*chartRow, desc
	return c
}

// webAuditRow is a list row with its labels for the page.
type webAuditRow struct {
	cpaudit.AuditRow
	PhaseLabel, RegionLabel, NextLabel string
	IndustryLabel                      string
	OverdueLabels                      []string
}

func (s *Handler) webAuditRows(lang string, rows []cpaudit.AuditRow) []webAuditRow {
	T := translator(lang)
	pl := phaseLabels(lang)
	out := make([]webAuditRow, len(rows))
	for i, r := range rows {
		w := webAuditRow{AuditRow: r, PhaseLabel: phaseLabel(pl, r.Phase), RegionLabel: s.regionLabel(r.Region), IndustryLabel: industryLabel(lang, r.Industry)}
		if r.Next != "" {
			w.NextLabel = T("due." + r.Next)
		}
		for _, o := range r.Overdue {
			w.OverdueLabels = append(w.OverdueLabels, T("due."+o))
		}
		out[i] = w
	}
	return out
}

const auditsPerPage = 50

// listPager links to the neighbouring pages of a filtered list.
func listPager(path string, f cpaudit.AuditListFilter, shown, total int) pager {
	link := func(offset int) string {
		q := httpx.AuditFilterQuery(f)
		if offset > 0 {
			q.Set("offset", strconv.Itoa(offset))
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	return newPager(f.Offset, f.Limit, shown, total, link)
}

// filterForm is what the filter bar of both lists shows.
func (s *Handler) filterForm(r *http.Request, f cpaudit.AuditListFilter) (map[string]any, error) {
	lang := webOf(r).Lang
	T := translator(lang)
	batches, err := s.store.Batches(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return nil, err
	}
	batchOpts := []option{{Value: "none", Label: T("due.noBatch"), Selected: f.BatchID == "none"}}
	for _, b := range batches {
		batchOpts = append(batchOpts, option{Value: b.ID, Label: b.Name, Selected: b.ID == f.BatchID})
	}
	var phaseOpts, overdueOpts []option
	pl := phaseLabels(lang)
	for _, ph := range cpaudit.Phases {
		phaseOpts = append(phaseOpts, option{Value: ph, Label: phaseLabel(pl, ph), Selected: ph == f.Phase})
	}
	overdueOpts = append(overdueOpts, option{Value: "true", Label: T("due.anyOverdue"), Selected: f.Overdue == "true"})
	for _, o := range cpaudit.ObligationNames {
		overdueOpts = append(overdueOpts, option{Value: o, Label: T("due." + o), Selected: f.Overdue == o})
	}
	stalled := ""
	if f.StalledDays > 0 {
		stalled = strconv.Itoa(f.StalledDays)
	}
	return map[string]any{"Batches": batchOpts, "Phases": phaseOpts, "OverdueOpts": overdueOpts, "F": f, "Stalled": stalled,
		"Filtered": len(httpx.AuditFilterQuery(f)) > 0}, nil
}

func (s *Handler) auditsPage(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("format") == "xlsx" {
		return s.auditsExport(w, r)
	}
	f, err := httpx.AuditFilterOf(r.URL.Query(), auditsPerPage)
	if err != nil {
		return err
	}
	rows, total, err := s.store.Audits(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	data, err := s.filterForm(r, f)
	if err != nil {
		return err
	}
	data["Rows"], data["Total"] = s.webAuditRows(webOf(r).Lang, rows), total
	data["Pager"] = listPager("/audits", f, len(rows), total)
	data["Export"] = listHref("/audits.xlsx", f)
	return s.render(w, r, http.StatusOK, "audits", data)
}

// webOverdueRow is an overdue row with its labels.
type webOverdueRow struct {
	cpaudit.OverdueRow
	ObligationLabel, RegionLabel string
}

func (s *Handler) overduePage(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("format") == "xlsx" {
		return s.overdueExport(w, r)
	}
	lang := webOf(r).Lang
	T := translator(lang)
	f, err := httpx.AuditFilterOf(r.URL.Query(), auditsPerPage)
	if err != nil {
		return err
	}
	rows, total, err := s.store.Overdue(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	data, err := s.filterForm(r, f)
	if err != nil {
		return err
	}
	shown := make([]webOverdueRow, len(rows))
	for i, o := range rows {
		shown[i] = webOverdueRow{OverdueRow: o, ObligationLabel: T("due." + o.Obligation), RegionLabel: s.regionLabel(o.Region)}
	}
	data["Rows"], data["Total"] = shown, total
	data["Pager"] = listPager("/overdue", f, len(rows), total)
	data["Export"] = listHref("/overdue.xlsx", f)
	return s.render(w, r, http.StatusOK, "overdue", data)
}

// maxEnforcementRows bounds the enforcement queue shown on the dashboard.
const maxEnforcementRows = 50

// enforcementRow is an item of the enforcement queue as the dashboard
// shows it: its reasons and overdue obligations in words.
type enforcementRow struct {
	cpaudit.EnforcementItem
	ReasonLabels, ObligationLabels []string
	// ReasonDayLabels are the reasons with the days since each, where
	// the reason has a date: 未按期注册（10 天）.
	ReasonDayLabels []string
	// ResumptionLabel says, for a stopped enterprise, whether the
	// precondition for resuming production is met; "" otherwise.
	ResumptionLabel string
}

func enforcementRows(T func(string) string, items []cpaudit.EnforcementItem) []enforcementRow {
	rows := make([]enforcementRow, 0, len(items))
	for _, it := range items {
		row := enforcementRow{EnforcementItem: it}
		for _, r := range it.Reasons {
			row.ReasonLabels = append(row.ReasonLabels, T("enforcement.reason."+string(r)))
			label := T("enforcement.reason." + string(r))
			if d, ok := it.ReasonDays[r]; ok {
				label += strings.Replace(T("enforcement.days"), "{days}", strconv.Itoa(d), 1)
			}
			row.ReasonDayLabels = append(row.ReasonDayLabels, label)
		}
		for _, o := range it.Obligations {
			row.ObligationLabels = append(row.ObligationLabels, T("due."+o))
		}
		if it.Resumption != nil {
			row.ResumptionLabel = T("enforcement.resumption.unmet")
			if it.Resumption.Met {
				row.ResumptionLabel = T("enforcement.resumption.met")
			}
		}
		rows = append(rows, row)
	}
	return rows
}
