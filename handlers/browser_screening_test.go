package handlers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserScreening drives the screening in headless Chromium: a
// regulator follows the nav link, uploads source data, sets rules, sees
// each candidate with why it was selected, and makes the batch of the
// chosen ones, whose page lists each enterprise with its reasons.
func TestBrowserScreening(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newWorld(t)
	file := filepath.Join(t.TempDir(), "2026年污染源普查.csv")
	if err := os.WriteFile(file, []byte(sourceCSV()), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newChromium(t, chromium)
	do, text, shot := c.do, c.text, c.shot
	c.login(w.e.srv.URL, "hebei", "chen@hebei.gov.cn")
	do("open the screening",
		chromedp.Click(chromedp.CSS("#nav-screening")),
		chromedp.WaitVisible(chromedp.CSS("#source-form")),
	)
	do("import",
		chromedp.SendKeys(chromedp.CSS("#source-name"), "2026年污染源普查"),
		chromedp.SetUploadFiles(chromedp.CSS("#source-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#source-submit")),
		chromedp.WaitVisible(chromedp.CSS("#rules-form")),
	)
	if got := text("#source-rows"); got != "3" {
		t.Fatalf("rows %q", got)
	}
	do("screen",
		chromedp.SendKeys(chromedp.CSS("#rule-cod"), "10"),
		chromedp.Click(chromedp.CSS("#rule-flag-energy_intensive")),
		chromedp.Click(chromedp.CSS("#screen-submit")),
		chromedp.WaitVisible(chromedp.CSS("#candidates")),
	)
	shot("screening-candidates")
	if got := text("#candidate-count"); got != "2" {
		t.Errorf("candidates %q", got)
	}
	if got := text("#candidates tbody"); !strings.Contains(got, "排放超标：cod 15.5 t > 10 t") || !strings.Contains(got, "标识：高耗能") {
		t.Errorf("reasons %q", got)
	}
	do("make the batch",
		chromedp.SendKeys(chromedp.CSS("#batch-year"), "2026"),
		chromedp.SendKeys(chromedp.CSS("#batch-number"), "8"),
		chromedp.SendKeys(chromedp.CSS("#batch-name"), "2026年第八批（筛选）"),
		chromedp.Click(chromedp.CSS("#batch-submit")),
		chromedp.WaitVisible(chromedp.CSS("#batch-listings")),
	)
	shot("screening-batch")
	if got := text("#batch-name"); got != "2026年第八批（筛选）" {
		t.Errorf("batch %q", got)
	}
	if got := text("#batch-listings tbody"); !strings.Contains(got, "石家庄化工有限公司") || !strings.Contains(got, "唐山钢铁有限公司") ||
		!strings.Contains(got, "标识：高耗能") || !strings.Contains(got, "排放超标：cod 15.5 t > 10 t") {
		t.Errorf("listings %q", got)
	}
	if got := text("#batch-reasons"); !strings.Contains(got, "双超") || !strings.Contains(got, "高耗能") {
		t.Errorf("batch reasons %q", got)
	}
}
