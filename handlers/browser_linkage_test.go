package handlers_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/internal/testenv"
	"github.com/cpaudit/cpaudit/sheet"
)

// TestBrowserScreeningToSiteCheck is issue 21's journey end to end in
// headless Chromium, every step through the pages: the admin marks the
// enforcement office on the offices page; a regulator imports source data
// as .xlsx, screens it and makes the batch of the candidates; it sets the
// batch's registration deadline in the past (10 days ago), so both
// enterprises appear in the enforcement queue, not registered, with their
// days; the enforcement office's regulator uploads a photo through the
// normal upload page and records a site check with it, which the queue's
// history then shows.
func TestBrowserScreeningToSiteCheck(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newWorld(t)
	zhifa := w.e.org(w.sys, cpaudit.OrgRegulator, "河北省生态环境保护综合执法总队", "")
	w.e.user(w.sys, "wang@zhifa.hebei.gov.cn", cpaudit.RoleRegulator, zhifa.ID)
	dir := t.TempDir()
	// The source data as Excel saves it: Chinese headers, one sheet.
	src := sheet.Table{Sheet: "污染源", Header: []string{"统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "标识", "综合能耗(吨标准煤)", "化学需氧量排放量(吨)"}}
	src.Rows = [][]any{
		{ccode("91130200MA0A00002"), "唐山钢铁有限公司", "130203", "C3110", "高耗能", 90000, nil},
		{ccode("91130500MA0A00007"), "邢台焦化有限公司", "130503", "C2520", "", 1500, 26.5},
		{ccode("91130900MA0A00006"), "沧州机械有限公司", "130902", "C3411", "", 300, 0},
	}
	var buf bytes.Buffer
	if err := sheet.Write(&buf, src); err != nil {
		t.Fatal(err)
	}
	xlsx := filepath.Join(dir, "2026年重点排污单位名录.xlsx")
	photo := filepath.Join(dir, "现场照片.png")
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var pic bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(xlsx, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, pic.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := newChromiumCtx(t, ctx, chromium)
	do, text, shot := c.do, c.text, c.shot
	base := w.e.srv.URL
	logout := func() {
		do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	}
	// clickRow clicks the link sel in the row of rowSel that names name.
	clickRow := func(step, rowSel, name, sel string) {
		t.Helper()
		js := `(() => { const r = [...document.querySelectorAll(` + strconv.Quote(rowSel) + `)].find(r => r.textContent.includes(` + strconv.Quote(name) + `));
			const a = r && r.querySelector(` + strconv.Quote(sel) + `); if (!a) return false; a.click(); return true; })()`
		ok, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](js))
		if err != nil || !ok {
			t.Fatalf("%s: no %s in a row naming %s (%v)", step, sel, name, err)
		}
	}

	// 1. The admin marks the enforcement office.
	c.login(base, "hebei", "admin@hebei.gov.cn")
	office := "#office-" + zhifa.ID
	do("open the offices", chromedp.Click(chromedp.CSS("#nav-organisations")), chromedp.WaitVisible(chromedp.CSS(office)))
	c.submitted("mark the office", office+" .office-toggle", `document.querySelector("`+office+` .office-mark")`)
	if got := text(office + " .office-mark"); got != "是" {
		t.Fatalf("office mark %q", got)
	}
	shot("offices-marked")
	logout()

	// 2. The regulator screens the source data and makes the batch.
	c.login(base, "hebei", "chen@hebei.gov.cn")
	do("import the source",
		chromedp.Click(chromedp.CSS("#nav-screening")),
		chromedp.WaitVisible(chromedp.CSS("#source-form")),
		chromedp.SendKeys(chromedp.CSS("#source-name"), "2026年重点排污单位名录"),
		chromedp.SetUploadFiles(chromedp.CSS("#source-file"), []string{xlsx}),
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
	if got := text("#candidate-count"); got != "2" {
		t.Fatalf("candidates %q", got)
	}
	if got := text("#candidates tbody"); !strings.Contains(got, "排放超标：cod 26.5 t > 10 t") || !strings.Contains(got, "标识：高耗能") ||
		strings.Contains(got, "沧州机械有限公司") {
		t.Errorf("candidates %q", got)
	}
	do("make the batch",
		chromedp.SendKeys(chromedp.CSS("#batch-year"), "2026"),
		chromedp.SendKeys(chromedp.CSS("#batch-number"), "9"),
		chromedp.SendKeys(chromedp.CSS("#batch-name"), "2026年第九批（筛选）"),
		chromedp.Click(chromedp.CSS("#batch-submit")),
		chromedp.WaitVisible(chromedp.CSS("#batch-listings")),
	)
	shot("linkage-batch")
	// The registration deadline passed 10 days ago.
	china := cpaudit.ChinaLocation()
	due := cpaudit.DateIn(time.Now().Add(-10*24*time.Hour), china)
	do("set the deadline", chromedp.SetValue(chromedp.CSS("#d-register"), due))
	c.submitted("save the dates", "#dates-submit", `document.querySelector("#batch-listings")`)
	do("open the enforcement queue", chromedp.Click(chromedp.CSS("#nav-enforcement")), chromedp.WaitVisible(chromedp.CSS("#enforcement-items")))
	shot("linkage-queue")
	rows := text("#enforcement-items tbody")
	for _, want := range []string{"唐山钢铁有限公司", "邢台焦化有限公司", "未按期注册（10 天）", "逾期（10 天）"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the queue lacks %q: %q", want, rows)
		}
	}
	if strings.Contains(rows, "沧州机械有限公司") {
		t.Errorf("an enterprise not listed is in the queue: %q", rows)
	}
	logout()

	// 3. The enforcer uploads a photo and records the site check.
	c.login(base, "hebei", "wang@zhifa.hebei.gov.cn")
	do("open the queue", chromedp.Navigate(base+"/enforcement"), chromedp.WaitVisible(chromedp.CSS("#enforcement-items")))
	clickRow("open the site checks", ".enforcement-item", "唐山钢铁有限公司", ".site-checks-link")
	do("the site checks page", chromedp.WaitVisible(chromedp.CSS("#site-check-form")))
	checks, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	do("upload the photo",
		chromedp.Click(chromedp.CSS("#site-check-new .hint a")),
		chromedp.WaitEnabled(chromedp.CSS("#upload-submit")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{photo}),
		chromedp.SetValue(chromedp.CSS("#kind"), "other"),
		chromedp.SendKeys(chromedp.CSS("#title"), "唐山钢铁现场照片"),
		chromedp.Click(chromedp.CSS("#upload-submit")),
		chromedp.WaitVisible(chromedp.CSS("#doc-title")),
	)
	do("back to the site checks",
		chromedp.Navigate(checks),
		chromedp.WaitVisible(chromedp.CSS("#site-check-form")),
		chromedp.Click(chromedp.CSS(`#sc-photos input[name="document_ids"]`)),
		chromedp.SetValue(chromedp.CSS("#sc-date"), cpaudit.DateIn(time.Now(), china)),
		chromedp.SendKeys(chromedp.CSS("#sc-finding"), "现场检查：企业未开展清洁生产审核注册"),
		chromedp.SetValue(chromedp.CSS("#sc-outcome"), "rectification_ordered"),
	)
	if got := text("#sc-photos"); !strings.Contains(got, "唐山钢铁现场照片") {
		t.Errorf("the form offers %q", got)
	}
	c.submitted("record the check", "#site-check-submit", `document.querySelector(".site-check-row") || document.querySelector("#sitecheck-error")`)
	shot("linkage-site-check")
	if got := text(".site-check-row"); !strings.Contains(got, "责令整改") || !strings.Contains(got, "企业未开展清洁生产审核注册") ||
		!strings.Contains(got, "wang@zhifa.hebei.gov.cn") || !strings.Contains(got, "唐山钢铁现场照片") {
		t.Errorf("recorded row %q", got)
	}
	do("the queue's history", chromedp.Navigate(base+"/enforcement"), chromedp.WaitVisible(chromedp.CSS("#enforcement-items")))
	clickRow("open the history", ".enforcement-item", "唐山钢铁有限公司", "summary")
	hist, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll(".enforcement-item")].find(r => r.textContent.includes("唐山钢铁有限公司")).querySelector(".enforcement-history").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hist, "逾期：注册并选择审核方式") || !strings.Contains(hist, "现场检查：责令整改：现场检查：企业未开展清洁生产审核注册") {
		t.Errorf("history %q", hist)
	}
	shot("linkage-history")
}
