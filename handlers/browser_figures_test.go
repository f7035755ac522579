package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserFigureFlag: a regulator opens an inconsistent_figure flag in
// Chromium and sees the report's value and the structured option's side
// by side in a table, with where each was read.
func TestBrowserFigureFlag(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newWorld(t)
	e := w.e
	opt := map[string]any{"code": "F1", "name": "中水回用系统", "category": "high_cost", "figures": map[string]float64{"investment": 500000}}
	if status, body := e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, opt, nil); status != 201 {
		t.Fatalf("option: %d %s", status, body)
	}
	e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}, {"title", "2025年清洁生产审核报告"}},
		"报告.txt", []byte("第六章 方案的确定\n方案F1中水回用系统：投资45万元，节水量12000吨/年。"))
	e.process()
	fl := e.flags(w.regulator, "?kind=inconsistent_figure")
	if len(fl.Flags) != 1 {
		t.Fatalf("flags %+v", fl.Flags)
	}

	c := newChromium(t, chromium)
	c.login(e.srv.URL, "hebei", "chen@hebei.gov.cn")
	c.do("open the flag",
		chromedp.Navigate(e.srv.URL+"/flags/"+fl.Flags[0].ID),
		chromedp.WaitVisible(chromedp.CSS("#flag-figures table.figures")),
	)
	c.shot("flag-figures")
	got := c.text("#flag-figures")
	for _, want := range []string{"投资", "方案 F1", "45万元", "450000 元", "500000 元", "2025年清洁生产审核报告", "结构化方案数据 F1", "10.0%"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q missing from the figures table:\n%s", want, got)
		}
	}
}
