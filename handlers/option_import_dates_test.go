package handlers_test

import (
	"strings"
	"testing"
)

// TestOptionsImportDatesAndFlows: the option table also carries the day
// each status was reached (text or a date cell's day number) and the
// yearly net cash flows in one cell, in its header's money unit; a bad
// date names its row and column and saves nothing.
func TestOptionsImportDatesAndFlows(t *testing.T) {
	w := newWorld(t)
	e := w.e
	post := func(content []byte) (int, string) {
		t.Helper()
		body, ct := multipartBody(t, nil, "方案汇总表.xlsx", content)
		status, b, _ := e.do("POST", "/api/v1/audits/"+w.auditID+"/options/import", w.consultant, body, ct)
		return status, string(b)
	}
	head := []any{"方案编号", "方案名称", "方案类别", "实施状态", "投资（万元）", "备选日期", "实施日期", "各年净现金流（万元）"}
	bad := importSheet(t, [][]any{head, {"F1", "中水回用系统", "中/高费", "已实施", 45, "2026-01-05", "六月底", "12, 12"}})
	if status, raw := post(bad); status != 422 || !strings.Contains(raw, "row 2 (实施日期)") {
		t.Fatalf("bad date: %d %s", status, raw)
	}
	// 46203 is the day number of 2026-06-30 in a date cell.
	good := importSheet(t, [][]any{head, {"F1", "中水回用系统", "中/高费", "已实施", 45, "2026/1/5", 46203, "12、15，18"}})
	if status, raw := post(good); status != 200 {
		t.Fatalf("good table: %d %s", status, raw)
	}
	var list struct {
		Options []struct {
			StatusDates map[string]string `json:"status_dates"`
			CashFlows   []float64         `json:"cash_flows"`
		}
	}
	e.getJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, &list)
	if len(list.Options) != 1 {
		t.Fatalf("options: %+v", list.Options)
	}
	o := list.Options[0]
	if o.StatusDates["proposed"] != "2026-01-05" || o.StatusDates["implemented"] != "2026-06-30" {
		t.Errorf("dates: %+v", o.StatusDates)
	}
	if len(o.CashFlows) != 3 || o.CashFlows[0] != 120000 || o.CashFlows[2] != 180000 {
		t.Errorf("cash flows: %+v", o.CashFlows)
	}
}
