package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserSearch drives the search page in headless Chromium: log in,
// type a Chinese phrase, see the exact count and a highlighted fragment,
// follow the hit to the document's text, and find the match marked there.
func TestBrowserSearch(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newWorld(t)
	e := w.e
	e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}, {"title", "2025年清洁生产审核报告"}},
		"报告.txt", []byte("第四章 方案的产生和筛选\n中高费方案一：印染废水深度处理回\n用，预计节水量12000吨/年。"))
	e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "台账.txt", []byte("新鲜水取水量台账"))
	e.process()

	c := newChromium(t, chromium)
	do, text, shot := c.do, c.text, c.shot

	c.login(e.srv.URL, "hebei", "zhang@lvyuan.cn")
	do("open search",
		chromedp.Click(chromedp.CSS(`nav a[href="/search"]`)),
		chromedp.WaitVisible(chromedp.CSS("#search-q")),
		chromedp.SendKeys(chromedp.CSS("#search-q"), "深度处理回用"), // broken by a line break in the file
		chromedp.Click(chromedp.CSS("#search-submit")),
		chromedp.WaitVisible(chromedp.CSS("#search-total")),
	)
	shot("search-results")
	if got := text("#search-total"); got != "共找到 1 份文档" {
		t.Errorf("total %q", got)
	}
	if got := text("#hits .fragment mark"); got != "深度处理回用" {
		t.Errorf("highlighted %q", got)
	}
	if got := text("#hits .hit-title"); got != "2025年清洁生产审核报告" {
		t.Errorf("title %q", got)
	}
	do("open the text at the match",
		chromedp.Click(chromedp.CSS("#hits .hit-text")),
		chromedp.WaitVisible(chromedp.CSS("#m1")),
	)
	shot("search-text")
	if got := text("#m1"); got != "深度处理回用" {
		t.Errorf("marked %q", got)
	}
	url, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(url, "#m1") {
		t.Errorf("location %q %v", url, err)
	}
}
