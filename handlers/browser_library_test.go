package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserOptionLibrary is issue 20 item 4's done-when in headless
// Chromium: a consultant enters an implemented option on the audit page;
// the province's regulator sees the results' totals change and
// recommends the option in the library; a consultant of another firm and
// audit sees it in its library, without the enterprise's name.
func TestBrowserOptionLibrary(t *testing.T) {
	chromium := testenv.Chromium(t)
	lw := newLibWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	t.Cleanup(cancel)
	c := newChromiumCtx(t, ctx, chromium)
	base := lw.e.srv.URL
	logout := func() {
		c.t.Helper()
		c.do("log out",
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
			chromedp.WaitVisible(chromedp.CSS("#login-form")),
		)
	}

	// The regulator's results before: nothing implemented yet.
	c.login(base, "hebei", "chen@hebei.gov.cn")
	c.do("results before", chromedp.Navigate(base+"/results?group_by=region&quantity=cod"), chromedp.WaitVisible(chromedp.CSS("#results-empty")))
	logout()

	// The consultant enters the option on the audit page.
	c.login(base, "hebei", "zhang@lvyuan.cn")
	c.do("enter the option",
		chromedp.Navigate(base+"/audits/"+lw.auditID+"#options"),
		chromedp.WaitVisible(chromedp.CSS("#option-form-new")),
		chromedp.SendKeys(chromedp.CSS("#option-code-new"), "F1"),
		chromedp.SendKeys(chromedp.CSS("#option-name-new"), "废水深度处理回用"),
		chromedp.SetValue(chromedp.CSS("#option-category-new"), "high_cost"),
		chromedp.SetValue(chromedp.CSS("#option-statussel-new"), "implemented"),
		chromedp.SendKeys(chromedp.CSS("#option-investment-new"), "20"),
		chromedp.SendKeys(chromedp.CSS("#option-benefit-new"), "10"),
		chromedp.SendKeys(chromedp.CSS("#option-cod-new"), "4"),
	)
	c.submitted("save the option", "#option-save-new", `document.querySelector("#option-F1") || document.querySelector("#audit-error")`)
	if got := c.text("#option-status-F1"); got != "已实施" {
		t.Fatalf("status %q", got)
	}
	logout()

	// The regulator sees the province's totals change, then recommends.
	c.login(base, "hebei", "chen@hebei.gov.cn")
	c.do("results after", chromedp.Navigate(base+"/results?group_by=region&quantity=cod"), chromedp.WaitVisible(chromedp.CSS("#results")))
	if got := c.text("#results tbody"); !strings.Contains(got, "4") {
		t.Errorf("results after the option: %q", got)
	}
	c.shot("library-results")
	c.do("open the library",
		chromedp.Click(chromedp.CSS("#nav-library")),
		chromedp.WaitVisible(chromedp.CSS("#library-filters")),
		chromedp.SetValue(chromedp.CSS("#l-per"), "cod"),
	)
	c.submitted("rank per COD", "#l-apply", `document.querySelector("#library .lib-cost")`)
	if got := c.text("#library .lib-cost"); got != "5" {
		t.Errorf("cost per tonne %q, want 5 (万元/t)", got)
	}
	id, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.querySelector("#library tbody tr").id.slice(4)`))
	if err != nil {
		t.Fatal(err)
	}
	c.do("recommend",
		chromedp.Click(chromedp.CSS("#lib-"+id+" details summary")),
		chromedp.WaitVisible(chromedp.CSS("#lib-note-"+id)),
		chromedp.SendKeys(chromedp.CSS("#lib-note-"+id), "化工行业废水回用，建议推广"),
	)
	c.submitted("recommend it", "#lib-recommend-"+id, `document.querySelector("#lib-`+id+`.lib-recommended") || document.querySelector("#library-error")`)
	if got := c.text("#lib-" + id + " .lib-note"); got != "化工行业废水回用，建议推广" {
		t.Errorf("note %q", got)
	}
	c.shot("library-recommended")
	logout()

	// A consultant of another firm and audit sees it, without the name.
	c.login(base, "hebei", "wang@huabei.cn")
	c.do("the other firm's library", chromedp.Click(chromedp.CSS("#nav-library")), chromedp.WaitVisible(chromedp.CSS("#library")))
	row := c.text("#lib-" + id)
	if !strings.Contains(row, "废水深度处理回用") || !strings.Contains(row, "企业名称未公开") || !strings.Contains(row, "推荐推广") {
		t.Errorf("row as another firm sees it: %q", row)
	}
	body := c.text("body")
	if strings.Contains(body, "石家庄") {
		t.Errorf("the enterprise's name shows: %q", body)
	}
	if n, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#library a.lib-audit, #library form").length`)); err != nil || n != 0 {
		t.Errorf("links or forms for another firm: %d %v", n, err)
	}
	c.shot("library-other-firm")
}
