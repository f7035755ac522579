package handlers_test

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

type resultGroupJSON struct {
	Key     string             `json:"key"`
	Audits  int                `json:"audits"`
	Options int                `json:"options"`
	Figures map[string]float64 `json:"figures"`
}

type rankedJSON struct {
	AuditID     string  `json:"audit_id"`
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Investment  float64 `json:"investment"`
	Reduction   float64 `json:"reduction"`
	CostPerUnit float64 `json:"cost_per_unit"`
}

// TestResultsAPI: option statuses through POST /audits/{id}/options, and
// the results and their ranking through the contract's routes, for the
// audits each caller may read.
func TestResultsAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ctx := context.Background()
	sys := w.sys
	// A Tangshan (130200) enterprise of C2614 with a self-audit, its user
	// and Tangshan's office.
	ts, err := e.store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "唐山化工有限公司",
		CreditCode: "91130200MA0TTTTT1" + string(cpaudit.CreditCodeCheck("91130200MA0TTTTT1")), Industry: "C2614", Region: "130200"})
	if err != nil {
		t.Fatal(err)
	}
	tsAudit, err := e.store.CreateAudit(ctx, sys, ts.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	tsBoss := e.user(sys, "boss@tshg.cn", cpaudit.RoleEnterprise, ts.ID)
	office, err := e.store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "唐山市生态环境局", Region: "130200"})
	if err != nil {
		t.Fatal(err)
	}
	tangshan := e.user(sys, "li@ts.gov.cn", cpaudit.RoleRegulator, office.ID)

	// Statuses: given, left out (proposed), unknown (422).
	post := func(token, auditID string, body map[string]any) (int, []byte, cpaudit.AuditOption) {
		t.Helper()
		var o cpaudit.AuditOption
		status, raw := e.postJSON("/api/v1/audits/"+auditID+"/options", token, body, &o)
		return status, raw, o
	}
	opt := func(code, name, status string, figs map[string]float64) map[string]any {
		m := map[string]any{"code": code, "name": name, "category": "high_cost", "figures": figs}
		if status != "" {
			m["status"] = status
		}
		return m
	}
	for _, c := range []struct {
		token, audit string
		body         map[string]any
		want         cpaudit.OptionStatus
	}{
		{w.consultant, w.auditID, opt("F1", "中水回用系统", "implemented", map[string]float64{"investment": 450000, "cod": 3, "water": 12000}), "implemented"},
		{w.consultant, w.auditID, opt("F2", "VOCs 治理", "verified", map[string]float64{"investment": 100000, "vocs": 0.5, "co2": 20}), "verified"},
		{w.consultant, w.auditID, opt("F3", "余热回收", "", map[string]float64{"investment": 1, "cod": 100}), "proposed"},
		{w.consultant, w.auditID, opt("F4", "更换电机", "feasible", map[string]float64{"cod": 100}), "feasible"},
		{tsBoss, tsAudit.ID, opt("F1", "脱硫改造", "verified", map[string]float64{"investment": 200000, "cod": 1, "so2": 2.5}), "verified"},
		{tsBoss, tsAudit.ID, opt("F2", "无组织排放收集", "implemented", map[string]float64{"vocs": 1}), "implemented"},
		{tsBoss, tsAudit.ID, opt("F3", "雨污分流", "screened", map[string]float64{"cod": 50}), "screened"},
	} {
		status, raw, o := post(c.token, c.audit, c.body)
		if status != 201 || o.Status != c.want {
			t.Fatalf("%v: %d %s", c.body, status, raw)
		}
	}
	status, raw, _ := post(w.consultant, w.auditID, opt("F5", "错误状态", "done", nil))
	if status != 422 || refusalCode(t, status, raw) != string(cpaudit.CodeOptionStatusUnknown) {
		t.Errorf("unknown status: %d %s", status, raw)
	}
	var list struct{ Options []cpaudit.AuditOption }
	if status := e.getJSON("/api/v1/audits/"+w.auditID+"/options", w.regulator, &list); status != 200 || len(list.Options) != 4 ||
		list.Options[0].Status != "implemented" || list.Options[2].Status != "proposed" {
		t.Fatalf("options read back: %d %+v", status, list)
	}

	results := func(token, query string) (int, []resultGroupJSON) {
		t.Helper()
		var out struct{ Groups []resultGroupJSON }
		status := e.getJSON("/api/v1/results?"+query, token, &out)
		return status, out.Groups
	}
	c2710 := resultGroupJSON{"C2710", 1, 2, map[string]float64{"investment": 550000, "cod": 3, "water": 12000, "vocs": 0.5, "co2": 20}}
	c2614 := resultGroupJSON{"C2614", 1, 2, map[string]float64{"investment": 200000, "cod": 1, "so2": 2.5, "vocs": 1}}
	both := resultGroupJSON{"", 2, 4, map[string]float64{"investment": 750000, "cod": 4, "water": 12000, "vocs": 1.5, "co2": 20, "so2": 2.5}}
	with := func(g resultGroupJSON, key string) resultGroupJSON { g.Key = key; return g }
	year := strconv.Itoa(time.Now().In(cpaudit.ChinaLocation()).Year())
	for _, c := range []struct {
		name, token, query string
		want               []resultGroupJSON
	}{
		{"by industry", w.admin, "group_by=industry", []resultGroupJSON{c2614, c2710}},
		{"by region", w.regulator, "group_by=region", []resultGroupJSON{with(c2710, "130100"), with(c2614, "130200")}},
		{"by consultancy", w.admin, "group_by=consultancy", sortedGroups(with(c2710, w.consID), with(c2614, "none"))},
		{"by batch", w.admin, "group_by=batch", []resultGroupJSON{with(both, "none")}},
		{"by year", w.admin, "group_by=year", []resultGroupJSON{with(both, year)}},
		{"this year", w.admin, "group_by=industry&year=" + year, []resultGroupJSON{c2614, c2710}},
		{"another year", w.admin, "group_by=industry&year=2001", []resultGroupJSON{}},
		{"in Tangshan", w.admin, "group_by=industry&region=130200", []resultGroupJSON{c2614}},
		{"in the province", w.admin, "group_by=year&region=130000", []resultGroupJSON{with(both, year)}},
		{"C27", w.admin, "group_by=region&industry=C27", []resultGroupJSON{with(c2710, "130100")}},
		{"C", w.admin, "group_by=year&industry=C", []resultGroupJSON{with(both, year)}},
		{"Tangshan's office", tangshan, "group_by=industry", []resultGroupJSON{c2614}},
		{"the consultancy", w.consultant, "group_by=industry", []resultGroupJSON{c2710}},
		{"Tangshan's enterprise", tsBoss, "group_by=industry", []resultGroupJSON{c2614}},
		{"another tenant", w.otherAdmin, "group_by=industry", []resultGroupJSON{}},
		{"another tenant's consultancy", w.otherConsultant, "group_by=region", []resultGroupJSON{}},
	} {
		status, got := results(c.token, c.query)
		if status != 200 || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %d\n got %+v\nwant %+v", c.name, status, got, c.want)
		}
	}
	for _, c := range []struct{ query, code string }{
		{"", string(cpaudit.CodeResultsGroupByInvalid)},
		{"group_by=enterprise", string(cpaudit.CodeResultsGroupByInvalid)},
		{"group_by=industry&year=1999", string(cpaudit.CodeNumberRange)},
		{"group_by=industry&year=二〇二六", string(cpaudit.CodeNumberRange)},
		{"group_by=industry&region=河北", string(cpaudit.CodeRegionInvalid)},
		{"group_by=industry&industry=化工", string(cpaudit.CodeIndustryInvalid)},
	} {
		status, raw, _ := e.do("GET", "/api/v1/results?"+c.query, w.admin, nil, "")
		if status != 400 || refusalCode(t, status, raw) != c.code {
			t.Errorf("%q: %d %s, want 400 %s", c.query, status, raw, c.code)
		}
	}

	ranking := func(token, query string) (int, []rankedJSON) {
		t.Helper()
		var out struct{ Options []rankedJSON }
		status := e.getJSON("/api/v1/results/ranking?"+query, token, &out)
		return status, out.Options
	}
	r := func(auditID, code, name string, inv, red float64) rankedJSON {
		return rankedJSON{auditID, code, name, inv, red, inv / red}
	}
	for _, c := range []struct {
		name, token, query string
		want               []rankedJSON
	}{
		// 450000 for 3 t (150000 a tonne) is cheaper than 200000 for 1 t.
		{"cod", w.admin, "per=cod", []rankedJSON{r(w.auditID, "F1", "中水回用系统", 450000, 3), r(tsAudit.ID, "F1", "脱硫改造", 200000, 1)}},
		// The Tangshan F2 has no investment: left out.
		{"vocs", w.regulator, "per=vocs", []rankedJSON{r(w.auditID, "F2", "VOCs 治理", 100000, 0.5)}},
		{"co2", w.admin, "per=co2", []rankedJSON{r(w.auditID, "F2", "VOCs 治理", 100000, 20)}},
		{"so2 in C26", w.admin, "per=so2&industry=C26", []rankedJSON{r(tsAudit.ID, "F1", "脱硫改造", 200000, 2.5)}},
		{"cod in C2614", w.admin, "per=cod&industry=C2614", []rankedJSON{r(tsAudit.ID, "F1", "脱硫改造", 200000, 1)}},
		{"nox", w.admin, "per=nox", []rankedJSON{}},
		{"limit", w.admin, "per=cod&limit=1", []rankedJSON{r(w.auditID, "F1", "中水回用系统", 450000, 3)}},
		{"Tangshan's office", tangshan, "per=cod", []rankedJSON{r(tsAudit.ID, "F1", "脱硫改造", 200000, 1)}},
		{"the consultancy", w.consultant, "per=cod", []rankedJSON{r(w.auditID, "F1", "中水回用系统", 450000, 3)}},
		{"another tenant", w.otherAdmin, "per=cod", []rankedJSON{}},
	} {
		status, got := ranking(c.token, c.query)
		if status != 200 || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %d\n got %+v\nwant %+v", c.name, status, got, c.want)
		}
	}
	for _, c := range []struct{ query, code string }{
		{"", string(cpaudit.CodeRankingPerInvalid)},
		{"per=investment", string(cpaudit.CodeRankingPerInvalid)},
		{"per=二氧化碳", string(cpaudit.CodeRankingPerInvalid)},
		{"per=cod&industry=27", string(cpaudit.CodeIndustryInvalid)},
		{"per=cod&limit=0", string(cpaudit.CodeNumberRange)},
	} {
		status, raw, _ := e.do("GET", "/api/v1/results/ranking?"+c.query, w.admin, nil, "")
		if status != 400 || refusalCode(t, status, raw) != c.code {
			t.Errorf("%q: %d %s, want 400 %s", c.query, status, raw, c.code)
		}
	}
}

func sortedGroups(gs ...resultGroupJSON) []resultGroupJSON {
	if len(gs) == 2 && gs[1].Key < gs[0].Key {
		gs[0], gs[1] = gs[1], gs[0]
	}
	return gs
}
