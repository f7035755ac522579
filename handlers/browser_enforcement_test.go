package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserSiteCheck is issue 21's enforcement end in headless
// Chromium: the admin's dashboard lists an overdue enterprise with its
// days; the admin opens its site checks from the queue and records one
// with the form; the check is listed on the page.
func TestBrowserSiteCheck(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newDashWorld(t)
	c := newChromium(t, chromium)
	base := w.srv.URL
	c.login(base, "hebei", "admin@hebei.gov.cn")
	c.do("open the dashboard",
		chromedp.Navigate(base+"/dashboard#enforcement"),
		chromedp.WaitVisible(chromedp.CSS("#enforcement .enforcement-row")),
	)
	if got := c.text("#enforcement .enforcement-row td:nth-child(2)"); !strings.Contains(got, "未按期注册（") && !strings.Contains(got, "逾期（") {
		t.Errorf("reasons without days: %q", got)
	}
	c.do("open the site checks",
		chromedp.Click(chromedp.CSS("#enforcement .enforcement-row .site-checks-link")),
		chromedp.WaitVisible(chromedp.CSS("#site-check-form")),
		chromedp.SetValue(chromedp.CSS("#sc-date"), "2026-01-05"),
		chromedp.SendKeys(chromedp.CSS("#sc-finding"), "现场检查：企业未开展清洁生产审核注册"),
		chromedp.SetValue(chromedp.CSS("#sc-outcome"), "rectification_ordered"),
	)
	c.submitted("record the check", "#site-check-submit", `document.querySelector(".site-check-row") || document.querySelector("#sitecheck-error")`)
	if got := c.text(".site-check-row"); !strings.Contains(got, "责令整改") || !strings.Contains(got, "企业未开展清洁生产审核注册") || !strings.Contains(got, "admin@hebei.gov.cn") {
		t.Errorf("recorded row %q", got)
	}
	c.shot("site-check-recorded")
}
