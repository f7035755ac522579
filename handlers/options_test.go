package handlers_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestOptionsQuantitiesAndUnits: the quantities of issue 20 through POST
// /audits/{id}/options, figures stated in other units kept converted, and
// the bad input of the issue: an unknown quantity or unit answers 422
// naming the allowed ones, a negative investment 422, an audit out of
// reach 404.
func TestOptionsQuantitiesAndUnits(t *testing.T) {
	w := newWorld(t)
	e := w.e
	path := "/api/v1/audits/" + w.auditID + "/options"
	body := map[string]any{"code": "F1", "name": "燃煤锅炉改天然气", "category": "high_cost", "status": "implemented",
		"figures": map[string]float64{"investment": 120, "coal": 1500, "natural_gas": 80, "steam": 2000, "co2": 3100,
			"particulates": 2.5, "total_nitrogen": 0.4, "total_phosphorus": 0.05, "heavy_metals": 300,
			"hazardous_waste": 1.2, "general_waste": 45},
		"units": map[string]string{"investment": "万元", "natural_gas": "万m³", "heavy_metals": "g"}}
	var o cpaudit.AuditOption
	status, raw := e.postJSON(path, w.consultant, body, &o)
	if status != 201 {
		t.Fatalf("create: %d %s", status, raw)
	}
	want := map[cpaudit.Quantity]float64{"investment": 1200000, "coal": 1500, "natural_gas": 800000, "steam": 2000, "co2": 3100,
		"particulates": 2.5, "total_nitrogen": 0.4, "total_phosphorus": 0.05, "heavy_metals": 0.3,
		"hazardous_waste": 1.2, "general_waste": 45}
	for q, v := range want {
		if got := o.Figures[q]; got < v*(1-1e-9) || got > v*(1+1e-9) {
			t.Errorf("%s = %g, want %g", q, got, v)
		}
	}

	for _, c := range []struct {
		name    string
		figures map[string]float64
		units   map[string]string
		status  int
		code    cpaudit.Code
		detail  string // a word the detail must name
	}{
		{"unknown quantity", map[string]float64{"mercury": 1}, nil, 422, cpaudit.CodeOptionQuantityUnknown, "natural_gas"},
		{"unknown unit", map[string]float64{"cod": 1}, map[string]string{"cod": "斤"}, 422, cpaudit.CodeOptionUnitUnknown, "kg"},
		{"money in tonnes", map[string]float64{"investment": 1}, map[string]string{"investment": "t"}, 422, cpaudit.CodeOptionUnitUnknown, "万元"},
		{"negative investment", map[string]float64{"investment": -50000}, nil, 422, cpaudit.CodeOptionInvestmentNegative, ""},
		{"negative 万元", map[string]float64{"investment": -5}, map[string]string{"investment": "万元"}, 422, cpaudit.CodeOptionInvestmentNegative, ""},
		{"negative reduction", map[string]float64{"cod": -1}, nil, 422, cpaudit.CodeOptionFigureNegative, ""},
	} {
		status, raw := e.postJSON(path, w.consultant, map[string]any{"code": "F2", "name": "错误方案", "category": "low_cost",
			"figures": c.figures, "units": c.units}, nil)
		if status != c.status || refusalCode(t, status, raw) != string(c.code) {
			t.Errorf("%s: %d %s", c.name, status, raw)
			continue
		}
		var p struct{ Detail string }
		json.Unmarshal(raw, &p)
		if !strings.Contains(p.Detail, c.detail) {
			t.Errorf("%s: detail %q does not name %q", c.name, p.Detail, c.detail)
		}
	}
	// Nothing of the refused ones was saved.
	var list struct{ Options []cpaudit.AuditOption }
	if status := e.getJSON(path, w.consultant, &list); status != 200 || len(list.Options) != 1 {
		t.Errorf("after refusals: %d %+v", status, list)
	}
	// Another tenant's audit: 404, whatever the body.
	if status, raw := e.postJSON("/api/v1/audits/"+w.otherAuditID+"/options", w.consultant, body, nil); status != 404 {
		t.Errorf("other tenant's audit: %d %s", status, raw)
	}
}

type economicsJSON struct {
	EnergyTCE    *float64  `json:"energy_tce"`
	PaybackYears *float64  `json:"payback_years"`
	NPV          *float64  `json:"npv"`
	IRR          *float64  `json:"irr"`
	DiscountRate float64   `json:"discount_rate"`
	CashFlows    []float64 `json:"cash_flows"`
}

type optionJSON struct {
	Code        string             `json:"code"`
	Status      string             `json:"status"`
	Figures     map[string]float64 `json:"figures"`
	StatusDates map[string]string  `json:"status_dates"`
	DocumentIDs []string           `json:"document_ids"`
	Economics   *economicsJSON     `json:"economics"`
}

func near(got *float64, want, tol float64) bool {
	return got != nil && *got >= want-tol && *got <= want+tol
}

// TestOptionsEconomicsAPI: status dates and evidence through the API, the
// economics of each option (tce, payback, NPV, IRR) under the tenant's
// settings or a discount rate of the request, and the settings' rights.
func TestOptionsEconomicsAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	path := "/api/v1/audits/" + w.auditID + "/options"
	status, doc := e.upload(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}, {"title", "余热锅炉购置合同"}}, "合同.txt", []byte("余热锅炉购置合同 金额 十万元"))
	if status != 201 {
		t.Fatalf("upload: %d %v", status, doc)
	}
	docID := doc["id"].(string)
	var o optionJSON
	status, raw := e.postJSON(path, w.consultant, map[string]any{"code": "F1", "name": "余热锅炉", "category": "high_cost",
		"status": "implemented", "status_dates": map[string]string{"proposed": "2026-01-05", "implemented": "2026-06-30"},
		"document_ids": []string{docID}, "cash_flows": []float64{30000, 30000, 30000, 30000, 30000},
		"figures": map[string]float64{"investment": 10, "electricity": 10, "coal": 100}, "units": map[string]string{"investment": "万元", "electricity": "万kWh"}}, &o)
	if status != 201 || o.StatusDates["implemented"] != "2026-06-30" || len(o.DocumentIDs) != 1 || o.DocumentIDs[0] != docID {
		t.Fatalf("create: %d %s", status, raw)
	}
	// Worked by hand: 100 000 kWh × 0.1229 kgce + 100 t × 0.7143 tce =
	// 12.29 + 71.43 = 83.72 tce; 100 000 元 against 30 000 a year for 5
	// years: payback 3.3333, NPV at 8% = 30 000 × 3.992710 − 100 000 =
	// 19 781.30, IRR 15.2382%.
	if ec := o.Economics; ec == nil || !near(ec.EnergyTCE, 83.72, 1e-6) || !near(ec.PaybackYears, 3.3333, 1e-4) ||
		!near(ec.NPV, 19781.30, 0.01) || !near(ec.IRR, 0.152382, 1e-5) || ec.DiscountRate != 0.08 {
		t.Errorf("economics at the defaults: %s", raw)
	}
	// At 10% for this request: NPV 13 723.60 (AF 3.790787).
	var list struct{ Options []optionJSON }
	if status := e.getJSON(path+"?discount_rate=0.1", w.regulator, &list); status != 200 || len(list.Options) != 1 ||
		!near(list.Options[0].Economics.NPV, 13723.60, 0.01) {
		t.Errorf("at 10%%: %d %+v", status, list)
	}
	for _, bad := range []string{"8", "-0.1", "abc"} {
		status, raw, _ := e.do("GET", path+"?discount_rate="+bad, w.regulator, nil, "")
		if status != 400 || refusalCode(t, status, raw) != string(cpaudit.CodeDiscountRateInvalid) {
			t.Errorf("discount_rate=%s: %d %s", bad, status, raw)
		}
	}

	// The tenant's own coefficients and rate (an admin's).
	settings := map[string]any{"coefficients": map[string]float64{"coal": 0.6}, "discount_rate": 0.1, "life_years": 5}
	if status, raw := e.putJSON("/api/v1/option-settings", w.consultant, settings, nil); status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeOptionSettingsNotAllowed) {
		t.Errorf("consultant sets: %d %s", status, raw)
	}
	if status, raw := e.putJSON("/api/v1/option-settings", w.admin, map[string]any{"coefficients": map[string]float64{"coal": 714.3}}, nil); status != 422 ||
		refusalCode(t, status, raw) != string(cpaudit.CodeOptionSettingsInvalid) {
		t.Errorf("kgce for tce: %d %s", status, raw)
	}
	if status, raw := e.putJSON("/api/v1/option-settings", w.admin, settings, nil); status != 200 {
		t.Fatalf("admin sets: %d %s", status, raw)
	}
	var set struct {
		Coefficients map[string]float64
		DiscountRate float64 `json:"discount_rate"`
	}
	if status := e.getJSON("/api/v1/option-settings", w.consultant, &set); status != 200 || set.Coefficients["coal"] != 0.6 ||
		set.Coefficients["electricity"] != 0.1229e-3 || set.DiscountRate != 0.1 {
		t.Errorf("settings read: %d %+v", status, set)
	}
	// 12.29 + 100 × 0.6 = 72.29 tce, NPV at the tenant's 10%.
	if status := e.getJSON(path, w.consultant, &list); status != 200 || !near(list.Options[0].Economics.EnergyTCE, 72.29, 1e-6) ||
		!near(list.Options[0].Economics.NPV, 13723.60, 0.01) {
		t.Errorf("tenant settings: %d %+v", status, list.Options[0].Economics)
	}

	// Evidence of another tenant's audit, dates out of order: 422.
	for _, c := range []struct {
		name string
		body map[string]any
		code cpaudit.Code
	}{
		{"another tenant's document", map[string]any{"document_ids": []string{w.otherDocID}}, cpaudit.CodeDocumentNotOfAudit},
		{"date beyond the status", map[string]any{"status": "screened", "status_dates": map[string]string{"verified": "2026-07-01"}}, cpaudit.CodeOptionDatesInconsistent},
		{"dates out of order", map[string]any{"status": "implemented", "status_dates": map[string]string{"proposed": "2026-08-01"}}, cpaudit.CodeOptionDatesInconsistent},
		{"not a day", map[string]any{"status_dates": map[string]string{"proposed": "2026-13-01"}}, cpaudit.CodeDateInvalid},
	} {
		body := map[string]any{"code": "F1", "name": "余热锅炉", "category": "high_cost"}
		for k, v := range c.body {
			body[k] = v
		}
		if status, raw := e.postJSON(path, w.consultant, body, nil); status != 422 || refusalCode(t, status, raw) != string(c.code) {
			t.Errorf("%s: %d %s", c.name, status, raw)
		}
	}
}

// TestOptionsImportAPI: the template downloads and reads back as an
// import; a table with bad rows answers every bad row and why and saves
// nothing; a good one saves all its rows in their units.
func TestOptionsImportAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	status, tmpl, h := e.do("GET", "/api/v1/options/import-template", w.consultant, nil, "")
	if status != 200 || h.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("template: %d %s", status, h)
	}
	post := func(token, auditID string, content []byte) (int, []byte) {
		t.Helper()
		body, ct := multipartBody(t, nil, "方案汇总表.xlsx", content)
		status, b, _ := e.do("POST", "/api/v1/audits/"+auditID+"/options/import", token, body, ct)
		return status, b
	}
	// The template as downloaded, with its example row: one option.
	if status, raw := post(w.consultant, w.auditID, tmpl); status != 200 || !strings.Contains(string(raw), `"created":1`) {
		t.Fatalf("template imported: %d %s", status, raw)
	}
	head := []any{"方案编号", "方案名称", "方案类别", "实施状态", "投资（万元）", "节电（万kWh）", "削减COD（kg）", "削减重金属（g）"}
	bad := importSheet(t, [][]any{head,
		{"F2", "电机变频改造", "无/低费", "已实施", 8, 12, 500, 20},
		{"F3", "负投资", "中/高费", "已实施", -3, 0, 0, 0},
		{"F4", "坏状态", "中/高费", "完成", 1, 0, 0, 0},
		{"F2", "重复编号", "中/高费", "备选", 1, 0, 0, 0},
		{"F5", "坏数字", "中/高费", "备选", "四十五", 0, 0, 0},
	})
	status, raw := post(w.consultant, w.auditID, bad)
	if status != 422 || refusalCode(t, status, raw) != string(cpaudit.CodeOptionImportInvalid) {
		t.Fatalf("bad rows: %d %s", status, raw)
	}
	var p struct{ Detail string }
	json.Unmarshal(raw, &p)
	for _, want := range []string{"row 3 (投资（万元）)", "negative", "row 4", "完成", "row 5", "also on row 2", "row 6", "四十五"} {
		if !strings.Contains(p.Detail, want) {
			t.Errorf("detail %q lacks %q", p.Detail, want)
		}
	}
	if strings.Contains(p.Detail, "row 2 ") {
		t.Errorf("a good row is named: %q", p.Detail)
	}
	var list struct{ Options []optionJSON }
	if e.getJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, &list); len(list.Options) != 1 {
		t.Fatalf("a refused table saved something: %+v", list.Options)
	}
	// A unit its quantity is not measured in: the header is refused.
	wrongUnit := importSheet(t, [][]any{{"方案编号", "方案名称", "方案类别", "投资（吨）"}, {"F2", "变频", "无/低费", 1}})
	if status, raw := post(w.consultant, w.auditID, wrongUnit); status != 422 || !strings.Contains(string(raw), "万元") {
		t.Errorf("wrong unit: %d %s", status, raw)
	}
	good := importSheet(t, [][]any{head,
		{"F1", "中水回用系统", "中/高费", "已验证", 45, 0, 3000, 0},
		{"F2", "电机变频改造", "无/低费", "已实施", 8, 12, 500, 20},
	})
	if status, raw := post(w.consultant, w.auditID, good); status != 200 || !strings.Contains(string(raw), `"created":1,"updated":1`) {
		t.Fatalf("good table: %d %s", status, raw)
	}
	e.getJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, &list)
	if len(list.Options) != 2 || list.Options[0].Status != "verified" || list.Options[0].Figures["investment"] != 450000 ||
		list.Options[0].Figures["cod"] != 3 || list.Options[1].Figures["electricity"] != 120000 || list.Options[1].Figures["heavy_metals"] != 0.02 {
		t.Errorf("imported: %+v", list.Options)
	}
	// Rights: a regulator may not; another tenant's audit is 404.
	if status, raw := post(w.regulator, w.auditID, good); status != 409 {
		t.Errorf("regulator imports: %d %s", status, raw)
	}
	if status, raw := post(w.consultant, w.otherAuditID, good); status != 404 {
		t.Errorf("other tenant's audit: %d %s", status, raw)
	}
}

// peerOptions gives the world five options of another C27 audit (C2720)
// and one of a C26 audit, for the unit check: investments around 45 万元,
// COD cuts around 4 t.
func peerOptions(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	e := w.e
	for _, p := range []struct {
		name, first17, industry string
		inv, cod                []float64
	}{
		{"保定制药有限公司", "91130600MA0PEER0", "C2720", []float64{100000, 200000, 450000, 800000, 3000000}, []float64{1, 2, 4, 8, 13}},
		{"沧州化工有限公司", "91130900MA0PEER1", "C2614", []float64{1}, []float64{0.001}},
	} {
		org, err := e.store.CreateOrganisation(ctx, w.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: p.name,
			CreditCode: p.first17 + "1" + string(cpaudit.CreditCodeCheck(p.first17+"1")), Industry: p.industry, Region: "130600"})
		if err != nil {
			t.Fatal(err)
		}
		au, err := e.store.CreateAudit(ctx, w.sys, org.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		for i := range p.inv {
			if status, raw := e.postJSON("/api/v1/audits/"+au.ID+"/options", w.admin, map[string]any{"code": "F" + strconv.Itoa(i+1),
				"name": "同行方案", "category": "high_cost", "figures": map[string]float64{"investment": p.inv[i], "cod": p.cod[i]}}, nil); status != 201 {
				t.Fatalf("peer option: %d %s", status, raw)
			}
		}
	}
}

// TestOptionsUnitCheck: with check_units an investment entered in 万元
// as if 元, or COD in kg as if t, is asked about (409, nothing saved)
// against the other C27 options; sent again without the check it is
// saved; a figure in range passes the check.
func TestOptionsUnitCheck(t *testing.T) {
	w := newWorld(t)
	e := w.e
	peerOptions(t, w)
	path := "/api/v1/audits/" + w.auditID + "/options"
	body := map[string]any{"code": "F1", "name": "中水回用系统", "category": "high_cost", "check_units": true,
		"figures": map[string]float64{"investment": 45, "cod": 3000}}
	status, raw := e.postJSON(path, w.consultant, body, nil)
	if status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeOptionFiguresUnusual) ||
		!strings.Contains(string(raw), "investment 45 元 is about 0.0001 times the median of 5 options") || !strings.Contains(string(raw), "cod 3000 t is about 1000 times") {
		t.Fatalf("unusual: %d %s", status, raw)
	}
	var list struct{ Options []optionJSON }
	if e.getJSON(path, w.consultant, &list); len(list.Options) != 0 {
		t.Fatalf("an unconfirmed option was saved")
	}
	body["units"] = map[string]string{"investment": "万元", "cod": "kg"}
	if status, raw := e.postJSON(path, w.consultant, body, nil); status != 201 {
		t.Errorf("in range: %d %s", status, raw)
	}
	delete(body, "units")
	body["check_units"] = false
	if status, raw := e.postJSON(path, w.consultant, body, nil); status != 200 {
		t.Errorf("confirmed: %d %s", status, raw)
	}
}

// TestOptionsImportUnitCheck: the API import with check_units answers
// 409 naming the row whose figures look like unit mistakes and saves
// nothing; without the check the same table imports.
func TestOptionsImportUnitCheck(t *testing.T) {
	w := newWorld(t)
	e := w.e
	peerOptions(t, w)
	table := importSheet(t, [][]any{{"code", "name", "category", "investment (元)", "cod (t)"},
		{"F1", "中水回用", "high_cost", 450000, 3}, {"F2", "雨污分流", "high_cost", 45, 2500}})
	post := func(fields [][2]string) (int, []byte) {
		body, ct := multipartBody(t, fields, "options.xlsx", table)
		status, raw, _ := e.do("POST", "/api/v1/audits/"+w.auditID+"/options/import", w.consultant, body, ct)
		return status, raw
	}
	status, raw := post([][2]string{{"check_units", "true"}})
	if status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeOptionFiguresUnusual) || !strings.Contains(string(raw), "row 3: ") ||
		strings.Contains(string(raw), "row 2: ") {
		t.Fatalf("checked: %d %s", status, raw)
	}
	var list struct{ Options []optionJSON }
	if e.getJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, &list); len(list.Options) != 0 {
		t.Fatal("a checked import saved rows")
	}
	if status, raw := post(nil); status != 200 || !strings.Contains(string(raw), `"created":2`) {
		t.Errorf("unchecked: %d %s", status, raw)
	}
}
