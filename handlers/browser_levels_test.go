package handlers_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserLevelsEntry is issue 20 item 2 in headless Chromium: with the
// hand-worked indicator set of C2710 saved by an admin, the consultant
// enters the values after the audit on the audit page and sees the level
// reached, capped at II by the limiting indicator (取水量 7 m³/t meets
// level II only, though Y_I = 95).
func TestBrowserLevelsEntry(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newWorld(t)
	if st, raw := w.e.postJSON("/api/v1/indicator-sets", w.admin, levelSetBody(), nil); st != 201 {
		t.Fatalf("set: %d %s", st, raw)
	}
	c := newChromium(t, chromium)
	base := w.e.srv.URL
	c.login(base, "hebei", "zhang@lvyuan.cn")
	c.do("open the audit",
		chromedp.Navigate(base+"/audits/"+w.auditID+"#levels"),
		chromedp.WaitVisible(chromedp.CSS("#levels-form")),
		chromedp.SendKeys(chromedp.CSS("#after-A1"), "7"),
		chromedp.SendKeys(chromedp.CSS("#after-A2"), "0.25"),
		chromedp.SendKeys(chromedp.CSS("#after-B1"), "96"),
		chromedp.SendKeys(chromedp.CSS("#after-B2"), "1"),
		chromedp.SendKeys(chromedp.CSS("#target-A1"), "8"),
		chromedp.SetValue(chromedp.CSS("#level-target-select"), "II"),
	)
	c.shot("levels-entry")
	c.submitted("save the values", "#levels-save", `document.querySelector("#target-met-A1") && document.querySelector("#target-met-A1").textContent !== ""`)
	if got := c.text("#level-after"); got != "Ⅱ级（国内清洁生产先进水平）" {
		t.Errorf("level after %q", got)
	}
	if got := c.text("#met-after-A1"); got != "Ⅱ级（国内清洁生产先进水平）" {
		t.Errorf("取水量 meets %q", got)
	}
	if got := c.text("#level-target-reached"); got != "已达到目标" {
		t.Errorf("target %q", got)
	}
	if got := c.text("#target-met-A1"); got != "已达到" {
		t.Errorf("target of A1 %q", got)
	}
	c.shot("levels-saved")
}
