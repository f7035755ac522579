package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// TestPermitRecordPage: the audit page links to the record; before
// acceptance the page says why (409); then the regulator sees the record
// in Chinese with the review form and moves it to exported, the consultant
// reads it without the form, and the .xlsx holds the options and the
// committed reductions with their units.
func TestPermitRecordPage(t *testing.T) {
	w := newWorld(t)
	e := w.e
	page := "/audits/" + w.auditID + "/permit-record"
	if st, body := e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, map[string]any{"code": "F1", "name": "蒸汽冷凝水回收",
		"category": "low_cost", "status": "implemented", "figures": map[string]float64{"investment": 8000, "water": 2400}}, nil); st != 201 {
		t.Fatalf("option: %d %s", st, body)
	}
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	if r := reg.get("/audits/" + w.auditID); r.status != 200 || !strings.Contains(r.body, `href="`+page+`"`) {
		t.Errorf("the audit page does not link to the record: %d", r.status)
	}
	if r := reg.get(page); r.status != 409 || !strings.Contains(r.body, `id="permit-not-ready"`) || !strings.Contains(r.body, "目前已通过 0 个") {
		t.Errorf("not ready: %d", r.status)
	}
	for n := 1; n <= cpaudit.StepCount; n++ {
		for _, action := range []string{"submit", "accept"} {
			if st, body := e.postJSON(fmt.Sprintf("/api/v1/audits/%s/steps/%d/%s", w.auditID, n, action), w.admin, map[string]any{}, nil); st != 200 {
				t.Fatalf("step %d %s: %d %s", n, action, st, body)
			}
		}
	}
	r := reg.get(page)
	if r.status != 200 || !strings.Contains(r.body, "已生成") || !strings.Contains(r.body, `id="permit-state-form"`) ||
		!strings.Contains(r.body, "F1 蒸汽冷凝水回收") || !strings.Contains(r.body, "承诺削减量") {
		t.Fatalf("record page: %d %s", r.status, r.body)
	}
	csrf := loginCSRFField.FindStringSubmatch(r.body)[1]
	if r := reg.postForm(page+"/state", url.Values{"csrf": {csrf}, "state": {"loaded"}, "date": {"2099-01-01"}}); r.status != 422 || !strings.Contains(r.body, `id="permit-error"`) {
		t.Errorf("future date: %d", r.status)
	}
	if r := reg.postForm(page+"/state", url.Values{"csrf": {csrf}, "state": {"exported"}, "note": {"已导出"}}); r.status != 303 {
		t.Fatalf("exported: %d %s", r.status, r.body)
	}
	if r := reg.get(page); !strings.Contains(r.body, "已导出") || !strings.Contains(r.body, "chen@hebei.gov.cn") {
		t.Error("the page does not show the new state and who set it")
	}

	cons := e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	if r := cons.get(page); r.status != 200 || strings.Contains(r.body, `id="permit-state-form"`) {
		t.Errorf("consultant: %d, review form shown: %v", r.status, strings.Contains(r.body, `id="permit-state-form"`))
	}
	x := cons.get(page + ".xlsx")
	if x.status != 200 || !strings.Contains(x.header.Get("Content-Disposition"), url.PathEscape("排污许可证登记信息")) {
		t.Fatalf("export: %d %s", x.status, x.header.Get("Content-Disposition"))
	}
	tab, err := sheet.Read(context.Background(), bytes.NewReader([]byte(x.body)), sheet.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, row := range tab.Rows {
		fmt.Fprintln(&text, row...)
	}
	for _, want := range []string{"F1 蒸汽冷凝水回收", "已导出", "2400 t", "8000 元", "chen@hebei.gov.cn"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("export lacks %q:\n%s", want, text.String())
		}
	}
	other := e.browser()
	other.mustLogin("beijing", "admin@beijing.gov.cn")
	if r := other.get(page + ".xlsx"); r.status != 404 {
		t.Errorf("another tenant exports the record: %d", r.status)
	}
}
