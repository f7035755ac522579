package handlers_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserDashboard: a regulator opens the dashboard from the menu,
// sees the SVG charts, clicks Shijiazhuang's bar and lands on the audit
// list with as many rows as the bar said.
func TestBrowserDashboard(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newDashWorld(t)
	c := newChromium(t, chromium)
	c.login(w.srv.URL, "hebei", w.provinceEmail)
	const bar = `#chart-city a[href="/audits?region=130100"]`
	c.do("open the dashboard",
		chromedp.Click(chromedp.CSS(`nav a[href="/dashboard"]`)),
		chromedp.WaitVisible(chromedp.CSS("svg#chart-phase")),
		chromedp.WaitVisible(chromedp.CSS(bar+" rect")),
	)
	c.shot("dashboard")
	if got := c.text("#chart-city-h"); got != "按设区市" {
		t.Errorf("chart heading %q", got)
	}
	label, err := chromedp.Run(c.ctx, chromedp.TextContent(chromedp.CSS(bar+" .chart-value")))
	if err != nil {
		t.Fatal(err)
	}
	want, err := strconv.Atoi(strings.TrimSpace(label))
	if err != nil || want != 3 {
		t.Fatalf("Shijiazhuang's bar says %q, want 3", label)
	}
	c.do("click the bar",
		chromedp.Click(chromedp.CSS(bar+" rect")),
		chromedp.WaitVisible(chromedp.CSS("#audits")),
	)
	// Counted once the page has loaded completely, not while it streams.
	rows, err := chromedp.Run(c.ctx, chromedp.Poll[int](
		`document.readyState === "complete" ? document.querySelectorAll("#audits tr.audit-row").length : 0`))
	if err != nil {
		t.Fatal(err)
	}
	c.shot("audits-shijiazhuang")
	if loc, _ := chromedp.Run(c.ctx, chromedp.Location()); !strings.HasSuffix(loc, "/audits?region=130100") {
		t.Errorf("the bar led to %s", loc)
	}
	if rows != want {
		t.Errorf("the list has %d rows, the bar said %d", rows, want)
	}
	if got := c.text("#audit-total"); got != "共 3 条" {
		t.Errorf("total %q", got)
	}
}
