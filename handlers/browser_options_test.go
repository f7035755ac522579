package handlers_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserOptionsEntry is issue 20's entry in headless Chromium: the
// consultant adds an option on the audit page (investment in 万元), sees
// its tce and payback in the table, opens the row's form and marks it
// implemented with a date; a regulator sees the table without forms.
func TestBrowserOptionsEntry(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newWorld(t)
	c := newChromium(t, chromium)
	base := w.e.srv.URL
	c.login(base, "hebei", "zhang@lvyuan.cn")
	c.do("open the audit",
		chromedp.Navigate(base+"/audits/"+w.auditID+"#options"),
		chromedp.WaitVisible(chromedp.CSS("#option-form-new")),
		chromedp.SendKeys(chromedp.CSS("#option-code-new"), "F1"),
		chromedp.SendKeys(chromedp.CSS("#option-name-new"), "空压机余热回收"),
		chromedp.SetValue(chromedp.CSS("#option-category-new"), "high_cost"),
		chromedp.SendKeys(chromedp.CSS("#option-investment-new"), "12"),
		chromedp.SendKeys(chromedp.CSS("#option-benefit-new"), "4"),
		chromedp.SendKeys(chromedp.CSS("#option-natural_gas-new"), "20000"),
	)
	c.shot("options-new")
	c.submitted("add the option", "#option-save-new", `document.querySelector("#option-F1")`)
	// 20 000 m³ × 1.2143 kgce = 24.286 tce; 12 万元 / 4 万元 a year = 3 years.
	if got := c.text("#option-tce-F1"); got != "24.286" {
		t.Errorf("tce %q", got)
	}
	if got := c.text("#option-payback-F1"); got != "3.00" {
		t.Errorf("payback %q", got)
	}
	id, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.querySelector("#option-F1 form.option-form").id`))
	if err != nil {
		t.Fatal(err)
	}
	oid := id[len("option-form-"):]
	// The form shows the day the option was entered as its proposed day;
	// the consultant states the real days, proposed before implemented.
	c.do("edit in place",
		chromedp.Click(chromedp.CSS("#option-F1 details summary")),
		chromedp.WaitVisible(chromedp.CSS("#option-statussel-"+oid)),
		chromedp.SetValue(chromedp.CSS("#option-statussel-"+oid), "implemented"),
		chromedp.SetValue(chromedp.CSS("#option-date-proposed-"+oid), "2026-03-01"),
		chromedp.SetValue(chromedp.CSS("#option-date-implemented-"+oid), "2026-09-30"),
	)
	c.submitted("mark it implemented", "#option-save-"+oid, `document.querySelector("#option-F1.option-implemented") || document.querySelector("#audit-error")`)
	if msg, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`(document.querySelector("#audit-error") || {textContent: ""}).textContent`)); err != nil || msg != "" {
		t.Fatalf("refused: %q %v", msg, err)
	}
	if got := c.text("#option-status-F1"); got != "已实施" {
		t.Errorf("status %q", got)
	}
	if got := c.text("#option-F1 td:nth-child(4)"); got != "已实施 2026-09-30" {
		t.Errorf("status cell %q", got)
	}
	c.shot("options-implemented")
}
