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

// TestBrowserGuidelineNotice: in headless Chromium the library's publisher
// registers a second version from the first's page (新版本), types its
// requirements (one of steps 8-12) and publishes it; the list shows both
// versions; the consultant of the C2710 audit follows the home page's
// notice to the comparison of the two versions, and, from the audit page,
// one click on an addressed requirement's passage to the report's text.
func TestBrowserGuidelineNotice(t *testing.T) {
	chromium := testenv.Chromium(t)
	lw := newLibraryWorld(t)
	e := lw.e
	v1Doc := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "化学原料制造业清洁生产审核指南"}}, "化工指南2025.txt",
		[]byte("化学原料制造业清洁生产审核指南（2025年版）。企业应开展能源审计。废水排放应达到国家标准。"))
	v2Doc := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "化学原料制造业清洁生产审核指南"}}, "化工指南2026.txt",
		[]byte("化学原料制造业清洁生产审核指南（2026年版）。企业应开展能源审计。挥发性有机物应全面收集处理。"))
	var v1 guidelineJSON
	if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, map[string]any{"document_id": v1Doc, "issuing_body": "河北省生态环境厅",
		"effective_date": "2025-03-01", "industries": []string{"C27"}}, &v1); status != 201 {
		t.Fatalf("v1: %d %s", status, body)
	}
	if status, body := e.postJSON("/api/v1/guidelines/"+v1.ID+"/publish", lw.libPublisher, nil, nil); status != 200 {
		t.Fatalf("publish v1: %d %s", status, body)
	}
	report := e.uploadText(lw.consultant, [][2]string{{"kind", "report"}, {"audit_id", lw.auditID}, {"step", "22"}}, "中期审核报告.txt",
		[]byte("石家庄化工有限公司中期审核报告。本企业于2025年完成能源审计，单位产品综合能耗下降。"))
	e.process()
	base := e.srv.URL

	c := newChromium(t, chromium)
	c.login(base, "guides", "pub@guides.cn")
	c.do("open the first version", chromedp.Navigate(base+"/guidelines/"+v1.ID), chromedp.WaitVisible(chromedp.CSS("#g-new-version")))
	c.submitted("new version", "#g-new-version", `document.querySelector("#g-supersedes")`)
	c.do("fill the second version",
		chromedp.SetValue(chromedp.CSS("#g-doc"), v2Doc),
		chromedp.SetValue(chromedp.CSS("#g-body"), "河北省生态环境厅"),
		chromedp.SetValue(chromedp.CSS("#g-date"), "2026-01-01"),
		chromedp.SetValue(chromedp.CSS("#g-industries"), "C27"),
	)
	c.submitted("register the second version", "#guideline-submit", `document.querySelector("#requirements-form")`)
	c.do("type the requirements", chromedp.SetValue(chromedp.CSS("#g-reqs"), "开展能源审计 | 8,9,10,11,12 | 能源审计\n建立物料平衡 | 13 | 物料平衡 | 否决\n"))
	c.submitted("save the requirements", "#requirements-submit", `document.querySelectorAll("#requirements tr.requirement").length == 2`)
	c.submitted("publish", "#publish-submit", `document.querySelector("#g-compare")`)
	if got := c.text("#g-state"); got != "现行" {
		t.Errorf("state of the second version %q", got)
	}
	c.do("the list", chromedp.Navigate(base+"/guidelines"), chromedp.WaitVisible(chromedp.CSS("#guidelines")))
	if got := c.text("#guidelines"); !strings.Contains(got, "已被替代") || !strings.Contains(got, "现行") {
		t.Errorf("list %q", got)
	}
	e.process()

	cc := newChromium(t, chromium)
	cc.login(base, "hebei", "zhang@lvyuan.cn")
	cc.do("home", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#q-guideline-notices a.notice-compare")))
	cc.submitted("follow the notice", "#q-guideline-notices a.notice-compare", `document.querySelector("#compare-similarity")`)
	if got := cc.text("main"); !strings.Contains(got, "挥发性有机物应全面收集处理") || !strings.Contains(got, "废水排放应达到国家标准") {
		t.Errorf("comparison page %q", got)
	}
	cc.shot("guideline-notice-compare")
	cc.do("audit", chromedp.Navigate(base+"/audits/"+lw.auditID+"#requirements"), chromedp.WaitVisible(chromedp.CSS("#requirements-scope")))
	if got := cc.text("#requirements"); !strings.Contains(got, "已落实") || !strings.Contains(got, "建立物料平衡") || !strings.Contains(got, "未见落实") {
		t.Errorf("requirements section %q", got)
	}
	cc.submitted("open the passage", `#requirements tr.addressed a[href^="/documents/`+report+`/text"]`, `location.pathname == "/documents/`+report+`/text"`)
	if got := cc.text("main"); !strings.Contains(got, "完成能源审计") {
		t.Errorf("report text %q", got)
	}
}
