package handlers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserAuditWorkflow is issue 4's end-to-end run in headless
// Chromium: a regulator creates a batch, imports an enterprise into it from
// an .xlsx sheet, opens the audit the import started and assigns it a
// consultancy, and sees it on the dashboard, overdue on registration (the
// empty county chart included); the
// consultant submits step 1; the regulator returns it with a reason; the
// consultant submits again and the regulator accepts; the dashboard moves.
// Each wait is for the element of the new state, never a sleep.
func TestBrowserAuditWorkflow(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newStepWorld(t)
	c := newChromium(t, chromium)
	base := w.e.srv.URL
	const regulator, consultant = "chen@hebei.gov.cn", "zhang@lvyuan.cn"
	logout := func() {
		c.do("log out",
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
			chromedp.WaitVisible(chromedp.CSS("#login-form")),
		)
	}
	// dashboard reads the number of audits, of overdue audits and of audits
	// overdue on registration (its bar in the overdue chart).
	dashboard := func(step string) (total, overdue, register string) {
		c.do(step,
			chromedp.Navigate(base+"/dashboard"),
			chromedp.WaitVisible(chromedp.CSS("#n-total")),
		)
		// A chart leaves out obligations nobody is overdue on.
		register, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](
			`(document.querySelector('#chart-overdue a[href="/audits?overdue=register"] .chart-value') || {textContent: "0"}).textContent.trim()`))
		if err != nil {
			t.Fatal(err)
		}
		return c.text("#n-total .value"), c.text("#n-overdue .value"), register
	}
	sheet := filepath.Join(t.TempDir(), "2025年第一批企业名单.xlsx")
	if err := os.WriteFile(sheet, importSheet(t, [][]any{importHeader,
		{"唐山钢铁集团有限公司", creditCode("91130200MA0CBBB01"), "C3120", "130203", "路北区", "", "正常生产"},
	}), 0o644); err != nil {
		t.Fatal(err)
	}

	c.login(base, "hebei", regulator)
	// The world has one audit already, outside any batch and not overdue.
	if total, overdue, _ := dashboard("dashboard before"); total != "1" || overdue != "0" {
		t.Errorf("dashboard before: %s audits, %s overdue; want 1, 0", total, overdue)
	}
	c.do("create a batch",
		chromedp.Click(chromedp.CSS("#nav-batches")),
		chromedp.WaitVisible(chromedp.CSS("#batch-form")),
		chromedp.SendKeys(chromedp.CSS("#b-name"), "2025年第一批"),
		chromedp.Click(chromedp.CSS(`input[name="reasons"][value="toxic"]`)),
		chromedp.SetValue(chromedp.CSS("#b-register"), "2025-03-01"),
		chromedp.SetValue(chromedp.CSS("#b-disclose"), "2025-03-31"),
		chromedp.Click(chromedp.CSS("#batch-submit")),
		chromedp.WaitVisible(chromedp.CSS("#start-audit")),
	)
	c.shot("batch")
	if got := c.text("#batch-name"); got != "2025年第一批" {
		t.Errorf("batch page heading %q", got)
	}
	batchURL, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	batchID := batchURL[strings.LastIndexByte(batchURL, '/')+1:]
	c.do("import the enterprise into the batch",
		chromedp.Navigate(base+"/enterprises/import"),
		chromedp.WaitVisible(chromedp.CSS("#import-form")),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{sheet}),
		chromedp.SetValue(chromedp.CSS("#import-batch"), batchID),
		chromedp.Click(chromedp.CSS("#import-submit")),
		chromedp.WaitVisible(chromedp.CSS("#import-result")),
	)
	if got := c.text("#audits-created"); got != "1" {
		t.Fatalf("the import started %q audits", got)
	}
	c.do("open the batch's audit",
		chromedp.Navigate(base+"/audits?batch_id="+batchID),
		chromedp.WaitVisible(chromedp.CSS("#audits tr.audit-row a")),
		chromedp.Click(chromedp.CSS("#audits tr.audit-row a")),
		chromedp.WaitVisible(chromedp.CSS("#consultancy-form")),
	)
	c.do("choose the consultancy", chromedp.SetValue(chromedp.CSS("#a-consultancy"), w.consID))
	// The page before the submit shows the same step states, so waiting
	// for them raced the navigation.
	c.submitted("assign the consultancy", "#consultancy-submit",
		`document.querySelector("#state-1.status-step-not_started")`)
	audit, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil || !strings.Contains(audit, "/audits/a") {
		t.Fatalf("after assigning the consultancy the browser is at %q (%v)", audit, err)
	}
	if got := c.text("#audit-consultancy"); got != "绿源环保咨询" {
		t.Errorf("consultancy %q", got)
	}
	if got := c.text("#state-1"); got != "未开始" {
		t.Errorf("new step 1: %q", got)
	}
	if total, overdue, register := dashboard("dashboard with the audit"); total != "2" || overdue != "1" || register != "1" {
		t.Errorf("dashboard with a new audit past its registration date: %s audits, %s overdue, %s on registration; want 2, 1, 1",
			total, overdue, register)
	}
	c.shot("dashboard-overdue")
	logout()

	c.login(base, "hebei", consultant)
	c.do("submit step 1",
		chromedp.Navigate(audit),
		chromedp.WaitVisible(chromedp.CSS("#submit-1")),
		chromedp.Click(chromedp.CSS("#submit-1")),
		chromedp.WaitVisible(chromedp.CSS("#state-1.status-step-submitted")),
	)
	if got := c.text("#state-1"); got != "已提交" {
		t.Errorf("submitted step 1: %q", got)
	}
	logout()

	c.login(base, "hebei", regulator)
	c.do("return step 1",
		chromedp.Navigate(audit),
		chromedp.WaitVisible(chromedp.CSS("#return-reason-1")),
		chromedp.SendKeys(chromedp.CSS("#return-reason-1"), "请补充领导承诺书"),
		chromedp.Click(chromedp.CSS("#return-1")),
		chromedp.WaitVisible(chromedp.CSS("#state-1.status-step-returned")),
	)
	c.shot("audit-returned")
	if got := c.text("#state-1"); got != "已退回" {
		t.Errorf("returned step 1: %q", got)
	}
	if got := c.text("#reason-1"); got != "退回原因：请补充领导承诺书" {
		t.Errorf("return reason %q", got)
	}
	logout()

	c.login(base, "hebei", consultant)
	c.do("submit step 1 again",
		chromedp.Navigate(audit),
		chromedp.WaitVisible(chromedp.CSS("#submit-1")),
		chromedp.Click(chromedp.CSS("#submit-1")),
		chromedp.WaitVisible(chromedp.CSS("#state-1.status-step-submitted")),
	)
	logout()

	c.login(base, "hebei", regulator)
	c.do("accept step 1",
		chromedp.Navigate(audit),
		chromedp.WaitVisible(chromedp.CSS("#accept-1")),
		chromedp.Click(chromedp.CSS("#accept-1")),
		chromedp.WaitVisible(chromedp.CSS("#state-1.status-step-accepted")),
	)
	c.shot("audit-accepted")
	if got := c.text("#state-1"); got != "已通过" {
		t.Errorf("accepted step 1: %q", got)
	}
	// Step 1 under way met the registration obligation; disclosure (due
	// 2025-03-31, recorded by a regulator as a milestone) is still overdue.
	if total, overdue, register := dashboard("dashboard after step 1"); total != "2" || overdue != "1" || register != "0" {
		t.Errorf("dashboard after step 1: %s audits, %s overdue, %s on registration; want 2, 1, 0", total, overdue, register)
	}
	c.shot("dashboard-after")
}
