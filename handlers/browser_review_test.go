package handlers_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserReviewJourney is issue 18's journey end to end in headless
// Chromium: a regulator draws a campaign and its reviewers on the web,
// two experts score independently in their workspaces (neither sees the
// other's score before submitting its own), the regulator compares the
// audit's two reports side by side, issues the opinion, and the .docx,
// converted by headless LibreOffice, reads back with the right scores.
func TestBrowserReviewJourney(t *testing.T) {
	chromium := testenv.Chromium(t)
	rw := newReviewWorld(t)
	e := rw.e
	inAudit := [][2]string{{"kind", "report"}, {"audit_id", rw.auditID}}
	a1, a2 := prose(11, pools[0], 2500), prose(12, pools[0], 2500)
	interim := e.uploadText(rw.consultant, inAudit, "中期审核报告.txt", []byte(a1))
	final := e.uploadText(rw.consultant, inAudit, "最终审核报告.txt", []byte(a1+a2))
	e.process()

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := newChromiumCtx(t, ctx, chromium)
	base := e.srv.URL
	logout := func() {
		c.submitted("log out", `form[action="/logout"] button`, `document.querySelector("#login-form")`)
	}

	// The regulator draws the campaign through the form: every choice a picker.
	c.login(base, "hebei", "chen@hebei.gov.cn")
	c.do("campaign form",
		chromedp.Navigate(base+"/campaigns"),
		chromedp.WaitVisible(chromedp.CSS("#campaign-form")),
		chromedp.SendKeys(chromedp.CSS("#c-name"), "2026年评估抽查（网页）"),
		chromedp.SetValue(chromedp.CSS("#c-stage"), "assessment"),
		chromedp.SetValue(chromedp.CSS("#c-consultancy"), rw.consID),
		chromedp.SetValue(chromedp.CSS("#c-size"), "1"),
		chromedp.SendKeys(chromedp.CSS("#c-seed"), "1"),
		chromedp.Click(chromedp.CSS("#c-per-consultancy")),
	)
	c.shot("campaign-form")
	c.submitted("create campaign", "#campaign-submit", `document.querySelector("#draw-form")`)
	if got := c.text("#campaign-population"); got != "1" {
		t.Errorf("population shown %q", got)
	}
	if got := c.text("#campaign-seed"); got != "1" {
		t.Errorf("seed shown %q", got)
	}
	c.do("draw form", chromedp.SetValue(chromedp.CSS("#d-per-audit"), "2"), chromedp.SendKeys(chromedp.CSS("#d-seed"), "7"))
	c.submitted("draw reviewers", "#draw-submit", `document.querySelectorAll(".reviewer-row").length === 2`)
	c.shot("campaign-drawn")
	reviewers, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".reviewer-row td:first-child")].map(td => td.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if len(reviewers) != 2 {
		t.Fatalf("reviewers %v", reviewers)
	}
	logout()

	// Each expert scores in its own workspace, reached from its home page.
	points := [][4]string{{"28", "22", "20", "10"}, {"20", "15", "15", "10"}} // 80 and 60: mean 70
	items := []string{"data_truthfulness", "process_conformity", "option_soundness", "targets_met"}
	for i, email := range reviewers {
		c.login(base, "hebei", email)
		c.do("open the workspace", chromedp.Click(chromedp.CSS("#q-assignments a")), chromedp.WaitVisible(chromedp.CSS("#review-form")))
		page := c.text("main")
		for _, want := range []string{"石家庄化工有限公司", "中期审核报告.txt", "最终审核报告.txt", "数据真实性"} {
			if !strings.Contains(page, want) {
				t.Errorf("expert %d: the workspace lacks %q", i+1, want)
			}
		}
		// Independence: nothing of the other's review before one's own.
		if strings.Contains(page, "报告数据与台账基本一致") {
			t.Errorf("expert %d sees another review before submitting:\n%s", i+1, page)
		}
		if others, _ := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#others").length`)); others != 0 {
			t.Errorf("expert %d: #others shown before submitting", i+1)
		}
		for j, it := range items {
			c.do("score", chromedp.SendKeys(chromedp.CSS("#points-"+it), points[i][j]))
		}
		c.do("comment", chromedp.SendKeys(chromedp.CSS("#comment"), []string{"报告数据与台账基本一致。", "物料平衡分析不够深入。"}[i]))
		c.shot("workspace-" + points[i][0])
		c.submitted("submit the review", "#review-submit", `document.querySelector("#own-score")`)
		if got, want := c.text("#own-score"), []string{"80", "60"}[i]; got != want {
			t.Errorf("expert %d: own score %q, want %s", i+1, got, want)
		}
		if i == 1 { // the first has submitted: now the second sees it
			if got := c.text("#others .other-score"); got != "80" {
				t.Errorf("the second expert sees %q of the first", got)
			}
		}
		logout()
	}

	// The regulator follows the scores, compares the two reports and
	// issues the opinion.
	c.login(base, "hebei", "chen@hebei.gov.cn")
	c.do("campaigns", chromedp.Navigate(base+"/campaigns"), chromedp.WaitVisible(chromedp.CSS(".campaign-row a")))
	c.submitted("open the campaign", ".campaign-row a", `document.querySelector(".audit-mean")`)
	if got := c.text(".audit-mean"); got != "70" {
		t.Errorf("mean shown %q", got)
	}
	if got := c.text(".audit-result"); got != "通过" {
		t.Errorf("result shown %q", got)
	}
	campaignURL, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}

	c.do("compare", chromedp.Navigate(base+"/compare?a="+interim+"&b="+final), chromedp.WaitVisible(chromedp.CSS("#compare-similarity")))
	c.shot("compare")
	if sim := c.text("#compare-similarity"); !regexp.MustCompile(`^\d+\.\d%$`).MatchString(sim) {
		t.Errorf("similarity shown %q", sim)
	}
	if shared, _ := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".shared").length`)); shared == 0 {
		t.Errorf("no shared passage highlighted")
	}
	if page := c.text("main"); !strings.Contains(page, "中期审核报告.txt") || !strings.Contains(page, "最终审核报告.txt") {
		t.Errorf("the compare page does not name both reports")
	}

	c.do("back to the campaign", chromedp.Navigate(campaignURL), chromedp.WaitVisible(chromedp.CSS(".opinion-form textarea")),
		chromedp.SendKeys(chromedp.CSS(".opinion-form textarea"), "补充完善物料平衡数据"))
	c.submitted("issue the opinion", ".opinion-submit", `location.pathname.startsWith("/documents/")`)
	c.shot("opinion-document")
	loc, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	docID := strings.TrimPrefix(u.Path, "/documents/")
	if page := c.text("main"); !strings.Contains(page, "清洁生产审核技术审查意见") {
		t.Errorf("the opinion's document page:\n%s", page)
	}

	// The .docx, read by the enterprise, through LibreOffice.
	status, docx, _ := e.do("GET", "/api/v1/documents/"+docID+"/content", rw.ent, nil, "")
	if status != 200 {
		t.Fatalf("opinion content: %d", status)
	}
	text := sofficeText(t, docx)
	for _, want := range []string{"清洁生产审核技术审查意见", "石家庄化工有限公司", "2026年评估抽查（网页）", "平均分70分", "合格分70分",
		"数据真实性", "24.00", "28、20", "专家1", "80", "60", "报告数据与台账基本一致。", "审查结论：通过（有条件）",
		"整改要求：补充完善物料平衡数据"} {
		if !strings.Contains(text, want) {
			t.Errorf("the opinion lacks %q:\n%s", want, text)
		}
	}
}
