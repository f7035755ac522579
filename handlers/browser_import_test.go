package handlers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserImportEnterprises drives the import page in headless
// Chromium: a regulator logs in, follows the nav link to the enterprises,
// opens the import form, uploads an .xlsx with a bad row, and sees the
// counts and the rejected row with its column and reason.
func TestBrowserImportEnterprises(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newOrgWorld(t)
	file := filepath.Join(t.TempDir(), "2026年企业名单.xlsx")
	data := importSheet(t, [][]any{importHeader,
		{"石家庄焦化有限公司", creditCode("91130100MA0CAAA01"), "C2520", "130104", "长安区", "", "正常生产"},
		{"校验错误公司", creditCode("91130100MA0CAAA02")[:17] + "Y", "C2520", "130104"},
	})
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(creditCode("91130100MA0CAAA02"), "Y") {
		t.Fatal("pick another code for the bad row")
	}

	c := newChromium(t, chromium)
	do, text, shot := c.do, c.text, c.shot
	c.login(w.e.srv.URL, "hebei", "chen@hebei.gov.cn")
	do("open the enterprises",
		chromedp.Click(chromedp.CSS(`nav a[href="/enterprises"]`)),
		chromedp.WaitVisible(chromedp.CSS("#enterprises")),
		chromedp.Click(chromedp.CSS("#import-link")),
		chromedp.WaitVisible(chromedp.CSS("#import-form")),
	)
	shot("import-form")
	do("import",
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}),
		chromedp.SetValue(chromedp.CSS("#import-batch"), w.batch),
		chromedp.Click(chromedp.CSS("#import-submit")),
		chromedp.WaitVisible(chromedp.CSS("#import-result")),
	)
	shot("import-result")
	if got := text("#created"); got != "1" {
		t.Errorf("created %q", got)
	}
	if got := text("#audits-created"); got != "1" {
		t.Errorf("audits created %q", got)
	}
	row := text("#rejected tbody tr")
	if !strings.Contains(row, "3") || !strings.Contains(row, "统一社会信用代码") || !strings.Contains(row, "校验位") {
		t.Errorf("rejected row %q", row)
	}
	if got := text("#rejected-link"); !strings.Contains(got, "下载未导入的行") {
		t.Errorf("link %q", got)
	}
}
