package handlers_test

import (
	"encoding/json"
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
