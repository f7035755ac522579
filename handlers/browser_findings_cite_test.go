package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserFindingFromPassage drives headless Chromium: a regulator
// selects a passage of a report on its text page, raises a finding citing
// it (finding_cite.js fills the range), records it on the audit page, and
// sees the finding there with the passage, which links back to the text.
func TestBrowserFindingFromPassage(t *testing.T) {
	chromium := testenv.Chromium(t)
	cw := newCiteWorld(t)
	c := newChromium(t, chromium)
	c.login(cw.e.srv.URL, "hebei", "chen@hebei.gov.cn")
	const passage = "节水量12000吨/年"
	c.do("open the report's text",
		chromedp.Navigate(cw.e.srv.URL+"/documents/"+cw.report+"/text"),
		chromedp.WaitVisible(chromedp.CSS("#extracted-text")),
	)
	c.shot("finding-cite-text")
	selected, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`(() => {
		const pre = document.getElementById("extracted-text"), node = pre.firstChild;
		const i = node.textContent.indexOf("`+passage+`");
		if (i < 0) return false;
		const r = document.createRange();
		r.setStart(node, i);
		r.setEnd(node, i + "`+passage+`".length);
		const s = window.getSelection();
		s.removeAllRanges();
		s.addRange(r);
		return true;
	})()`))
	if err != nil || !selected {
		t.Fatalf("select the passage: %v %v", selected, err)
	}
	c.do("the form takes the selection", chromedp.WaitEnabled(chromedp.CSS("#cite-passage")))
	c.submitted("raise a finding citing it", "#cite-passage", `document.getElementById("finding-cite-passage")`)
	if got := c.text("#finding-cite-passage"); !strings.Contains(got, passage) || !strings.Contains(got, "审核报告") {
		t.Fatalf("the form cites %q", got)
	}
	c.do("describe it",
		chromedp.SendKeys(chromedp.CSS("#finding-description"), "节水量与水平衡测试结果不符"),
	)
	c.shot("finding-cite-form")
	c.submitted("record it", "#finding-submit", `document.querySelector("#findings .finding-passage")`)
	got := c.text("#findings .finding-passage")
	if !strings.Contains(got, passage) {
		t.Errorf("the audit page shows the finding's passage as %q", got)
	}
	c.shot("finding-cite-audit")
	c.submitted("follow the passage", "#findings .finding-passage a", `document.getElementById("passage")`)
	if got := c.text("#passage"); got != passage {
		t.Errorf("the text page marks %q", got)
	}
}
