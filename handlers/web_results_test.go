package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestResultsPage: the results page sums the implemented and verified
// options in Chinese first, draws the chosen quantity, ranks the options
// and refuses a bad grouping in Chinese.
func TestResultsPage(t *testing.T) {
	w := newWorld(t)
	e := w.e
	for _, o := range []map[string]any{
		{"code": "F1", "name": "中水回用系统", "category": "high_cost", "status": "implemented", "figures": map[string]float64{"investment": 450000, "cod": 3, "water": 12000}},
		{"code": "F2", "name": "VOCs 治理", "category": "high_cost", "status": "verified", "figures": map[string]float64{"investment": 100000, "vocs": 0.5, "cod": 1.5}},
		{"code": "F3", "name": "余热回收", "category": "low_cost", "figures": map[string]float64{"cod": 100}},
	} {
		if status, raw := e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, o, nil); status != 201 {
			t.Fatalf("option: %d %s", status, raw)
		}
	}
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	body := reg.page("/results")
	for _, want := range []string{"审核成效", `id="chart-results"`, "C2710", ">4.5<", "COD", "中水回用系统", "VOCs 治理",
		`href="/audits?industry=C2710"`, "150000", "66666.6667", `id="nav-results"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the results page lacks %q", want)
		}
	}
	if strings.Contains(body, "余热回收") || strings.Contains(body, ">104.5<") {
		t.Error("a proposed option counted")
	}
	// By region, the region is named; the chart draws the water saved.
	body = reg.page("/results?group_by=region&quantity=water&per=vocs")
	for _, want := range []string{"石家庄市", ">12000<", `href="/audits?region=130100"`, "200000"} {
		if !strings.Contains(body, want) {
			t.Errorf("by region: the page lacks %q", want)
		}
	}
	// The region filter is picked by name, never typed; a province named
	// by a link stays chosen.
	body = reg.page("/results?group_by=industry&region=130000")
	if !strings.Contains(body, `<select name="region" id="r-region">`) || !strings.Contains(body, `<option value="130100">`) ||
		!strings.Contains(body, `<option value="130000" selected>`) {
		t.Error("the results page does not offer its regions to pick")
	}
	body = reg.page("/results?group_by=consultancy")
	if !strings.Contains(body, "绿源环保咨询") {
		t.Error("by consultancy: the consultancy is not named")
	}
	// Another year has nothing.
	if body := reg.page("/results?year=2001"); !strings.Contains(body, `id="results-empty"`) {
		t.Error("2001 is not empty")
	}
	r := reg.get("/results?group_by=" + url.QueryEscape("企业"))
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "无法按“企业”汇总") {
		t.Errorf("bad grouping: %d %.300s", r.status, r.body)
	}
	// The other tenant's admin sees nothing of Hebei's.
	other := e.browser()
	other.mustLogin("beijing", "admin@beijing.gov.cn")
	if body := other.page("/results"); strings.Contains(body, "中水回用系统") || !strings.Contains(body, `id="results-empty"`) {
		t.Error("another tenant sees Hebei's results")
	}
	// English on request.
	if body := reg.page("/results?lang=en"); !strings.Contains(body, "Audit results") {
		t.Error("no English page")
	}
}
