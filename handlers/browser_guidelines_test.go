package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserGuidelines is issue 22's publisher workflow in headless
// Chromium: the library's publisher registers a version of its uploaded
// guideline, sets its bottom-line requirements and publishes it; the
// consultant of the C2710 audit sees the notice on its home page and the
// requirements its report misses on the audit page.
func TestBrowserGuidelines(t *testing.T) {
	chromium := testenv.Chromium(t)
	lw := newLibraryWorld(t)
	e := lw.e
	guide := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "化学原料制造业清洁生产审核指南"}}, "化工指南.txt", []byte("化学原料制造业清洁生产审核指南正文"))
	e.uploadText(lw.consultant, [][2]string{{"kind", "report"}, {"audit_id", lw.auditID}}, "审核报告.txt", []byte("本企业于2025年完成能源审计。"))
	e.process()
	base := e.srv.URL

	c := newChromium(t, chromium)
	c.login(base, "guides", "pub@guides.cn")
	c.do("open the guidelines",
		chromedp.Navigate(base+"/guidelines"),
		chromedp.WaitVisible(chromedp.CSS("#guideline-form")),
		chromedp.SetValue(chromedp.CSS("#g-doc"), guide),
		chromedp.SendKeys(chromedp.CSS("#g-body"), "河北省生态环境厅"),
		chromedp.SetValue(chromedp.CSS("#g-date"), "2026-01-01"),
		chromedp.SendKeys(chromedp.CSS("#g-industries"), "C27"),
	)
	c.submitted("register the version", "#guideline-submit", `document.querySelector("#requirements-form")`)
	if got := c.text("#g-state"); got != "草稿" {
		t.Errorf("state %q", got)
	}
	c.do("type the requirements",
		chromedp.SendKeys(chromedp.CSS("#g-reqs"), "开展能源审计 | 8 | 能源审计\n厂区实行雨污分流 | 15 | 雨污分流 | 否决\n"),
	)
	c.submitted("save the requirements", "#requirements-submit", `document.querySelectorAll("#requirements tr.requirement").length == 2`)
	c.submitted("publish", "#publish-submit", `document.querySelector("#g-new-version")`)
	if got := c.text("#g-state"); got != "现行" {
		t.Errorf("state after publishing %q", got)
	}
	c.shot("guideline-published")
	e.process() // the audit's report is analysed again against the published version

	cc := newChromium(t, chromium)
	cc.login(base, "hebei", "zhang@lvyuan.cn")
	cc.do("home", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#q-guideline-notices")))
	if got := cc.text("#q-guideline-notices"); !strings.Contains(got, "化学原料制造业清洁生产审核指南") {
		t.Errorf("notice %q", got)
	}
	cc.do("audit", chromedp.Navigate(base+"/audits/"+lw.auditID+"#requirements"), chromedp.WaitVisible(chromedp.CSS("#requirements")))
	got := cc.text("#requirements")
	for _, want := range []string{"已落实", "未见落实", "厂区实行雨污分流", "完成能源审计"} {
		if !strings.Contains(got, want) {
			t.Errorf("requirements section lacks %q: %q", want, got)
		}
	}
	cc.shot("audit-requirements")
}
