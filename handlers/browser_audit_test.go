package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserAuditWorkflow drives the batch and audit pages in headless
// Chromium: a regulator creates a batch and starts an audit with a
// consultancy; the consultant submits step 1; the regulator returns it
// with a reason; the consultant submits again and the regulator accepts.
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

	c.login(base, "hebei", regulator)
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
	c.do("start an audit",
		chromedp.SetValue(chromedp.CSS("#s-enterprise"), w.entID),
		chromedp.SetValue(chromedp.CSS("#s-consultancy"), w.consID),
		chromedp.Click(chromedp.CSS("#start-submit")),
		chromedp.WaitVisible(chromedp.CSS("#state-1.status-step-not_started")),
	)
	audit, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil || !strings.Contains(audit, "/audits/a") {
		t.Fatalf("after starting the audit the browser is at %q (%v)", audit, err)
	}
	if got := c.text("#audit-consultancy"); got != "绿源环保咨询" {
		t.Errorf("consultancy %q", got)
	}
	if got := c.text("#state-1"); got != "未开始" {
		t.Errorf("new step 1: %q", got)
	}
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
}
