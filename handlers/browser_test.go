package handlers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// shotsDir is where screenshots go when CPAUDIT_SCREENSHOTS is set, for a
// person to look at the pages; tests write no files otherwise.
const shotsDir = "/tmp/cpaudit-shots"

// TestBrowserUpload drives the real pages in headless Chromium: log in
// through the form, upload a file with a Chinese name and title through
// upload.js (XMLHttpRequest, CSRF header, progress), land on the document
// page, and find the document in the list.
func TestBrowserUpload(t *testing.T) {
	chromium := testenv.Chromium(t)
	e, email, token := webWorld(t)

	dir := t.TempDir()
	file := filepath.Join(dir, "清洁生产审核报告.txt")
	// Big enough (about 1 MB) for the throttled upload to take a few seconds.
	content := strings.Repeat("河北某化工有限公司清洁生产审核报告。第一章 筹划和组织。\n", 12000)
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	const title = "2024年度清洁生产审核报告（中期）"

	c := newChromium(t, chromium)
	ctx, do, text, shot := c.ctx, c.do, c.text, c.shot

	do("log in",
		chromedp.EmulateViewport(1280, 860),
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
	)
	shot("login")
	do("log in",
		chromedp.SendKeys(chromedp.CSS("#tenant"), "hebei"),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#home")), // the home page, the work queue, after the login
	)
	shot("home")

	// A consultant may not publish a guideline: the problem's detail
	// shows on the page.
	do("refused upload",
		chromedp.Navigate(e.srv.URL+"/upload"),
		chromedp.WaitEnabled(chromedp.CSS("#upload-submit")), // upload.js has run
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.SetValue(chromedp.CSS("#kind"), "guideline"),
		chromedp.Click(chromedp.CSS("#upload-submit")),
		chromedp.WaitVisible(chromedp.CSS("#upload-result.error")),
	)
	shot("upload-refused")
	if problem := text("#upload-result"); !strings.Contains(problem, "上传失败") || !strings.Contains(problem, "只有指南发布单位可以发布行业指南") {
		t.Errorf("refused upload shows %q", problem)
	}

	do("upload",
		chromedp.Navigate(e.srv.URL+"/upload"),
		chromedp.WaitEnabled(chromedp.CSS("#upload-submit")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.SetValue(chromedp.CSS("#kind"), "report"),
		chromedp.SendKeys(chromedp.CSS("#title"), title),
		chromedp.SetValue(chromedp.CSS("#step"), "1"),
	)
	shot("upload")

	// Throttle uploads, so the progress bar can be seen moving.
	throttle := func(bytesPerSecond float64) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			return throttleUploads(ctx, tg, bytesPerSecond)
		})
	}
	do("throttle", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{})
		return err
	}), throttle(512<<10))
	do("upload", chromedp.Click(chromedp.CSS("#upload-submit")))
	percent, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const f = document.querySelector("#upload-form");
		const p = f && f.querySelector("progress");
		return p && !p.parentElement.hidden && p.value > 0 && p.value < 100 && f.querySelector(".percent").textContent;
	})()`, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("no upload progress shown: %v", err)
	}
	if !regexp.MustCompile(`^[1-9][0-9]?%$`).MatchString(percent) {
		t.Errorf("progress shows %q, want a percentage", percent)
	}
	shot("upload-progress")
	do("upload",
		chromedp.WaitVisible(chromedp.CSS("#doc-title")), // upload.js went on to the document page
		throttle(-1),
	)
	shot("document")
	if shown := text("#doc-title"); shown != title {
		t.Errorf("document page title %q, want %q", shown, title)
	}
	if filename := text("#doc-filename"); filename != "清洁生产审核报告.txt" {
		t.Errorf("file name %q, want 清洁生产审核报告.txt", filename)
	}
	if step := text("#doc-step"); step != "1 取得领导支持" {
		t.Errorf("step %q, want 1 取得领导支持", step)
	}
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id, ok := strings.CutPrefix(location, e.srv.URL+"/documents/")
	if !ok || id == "" || strings.ContainsAny(id, "/?") {
		t.Fatalf("after the upload the browser is at %q, want a document page", location)
	}

	do("list",
		chromedp.Navigate(e.srv.URL+"/documents"),
		chromedp.WaitVisible(chromedp.CSS("#documents")),
	)
	shot("documents")
	if list, total := text("#documents"), text("#doc-total"); !strings.Contains(list, title) || !strings.Contains(list, "报告") || total != "共 1 个文档" {
		t.Errorf("documents list %q, total %q", list, total)
	}
	do("English pages",
		chromedp.Navigate(e.srv.URL+"/documents?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#documents")),
	)
	shot("documents-en")
	do("English pages",
		chromedp.Navigate(location),
		chromedp.WaitVisible(chromedp.CSS("#doc-title")),
	)
	shot("document-en")
	if kind := text("#doc-kind"); kind != "Report" {
		t.Errorf("English document page shows the kind %q", kind)
	}

	// The bytes stored are the bytes sent.
	status, body, _ := e.do("GET", "/api/v1/documents/"+id+"/content", token, nil, "")
	if status != 200 || string(body) != content {
		t.Errorf("stored content: %d %q", status, body)
	}
}

// screenshotter returns a func that saves a full-page screenshot of the
// current page under shotsDir when CPAUDIT_SCREENSHOTS is set, and does
// nothing otherwise.
func screenshotter(ctx context.Context, t *testing.T) func(name string) {
	if os.Getenv("CPAUDIT_SCREENSHOTS") == "" {
		return func(string) {}
	}
	if err := os.MkdirAll(shotsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	return func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shotsDir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// chrome is a headless Chromium driven by one test.
type chrome struct {
	t    *testing.T
	ctx  context.Context
	shot func(name string) // a screenshot, when CPAUDIT_SCREENSHOTS is set
}

// newChromium starts a headless Chromium for one test, stopped when the
// test ends, with a minute for everything the test does in it.
func newChromium(t *testing.T, chromium string) *chrome {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return newChromiumCtx(t, ctx, chromium)
}

// newChromiumCtx is newChromium within ctx, for a test that needs longer.
func newChromiumCtx(t *testing.T, ctx context.Context, chromium string) *chrome {
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // Chromium runs as root here
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)
	return &chrome{t: t, ctx: ctx, shot: screenshotter(ctx, t)}
}

// do runs actions, failing the test at step if one fails.
func (c *chrome) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, actions...); err != nil {
		c.t.Fatalf("%s: %v", step, err)
	}
}

// submitted clicks a form's submit button and waits until the page the
// submit leads to has loaded and cond (a JavaScript expression) holds on
// it. The page before the submit is marked first, so that a condition it
// already meets does not count; evaluations that fail while the browser
// is between the two pages are tried again.
func (c *chrome) submitted(step, button, cond string) {
	c.t.Helper()
	if _, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`(document.body.dataset.beforeSubmit = "1") === "1"`)); err != nil {
		c.t.Fatalf("%s: %v", step, err)
	}
	c.do(step, chromedp.Click(chromedp.CSS(button)))
	check := `document.readyState === "complete" && !document.body.dataset.beforeSubmit && !!(` + cond + `)`
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](check))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: %s never held after the submit (last error: %v)", step, cond, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// text is the visible text of the element sel selects.
func (c *chrome) text(sel string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		c.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// login logs in through the form at base and waits for the documents
// page the login leads to.
func (c *chrome) login(base, tenant, email string) {
	c.t.Helper()
	c.do("log in",
		chromedp.EmulateViewport(1280, 860),
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#tenant"), tenant),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#home")), // the work queue
	)
}

// Chromium's protocol moved "offline" between the versions Debian ships:
// some want it beside matchedNetworkConditions, newer ones inside each
// condition. Raw commands carry it in both places, and the deprecated
// Network.emulateNetworkConditions is the last resort.
var (
	emulateByRule = cdp.Command[map[string]any, struct{}]{Method: "Network.emulateNetworkConditionsByRule"}
	emulateGlobal = cdp.Command[map[string]any, struct{}]{Method: "Network.emulateNetworkConditions"}
)

// throttleUploads limits the page's upload speed (-1: no limit).
func throttleUploads(ctx context.Context, tg *chromedp.Target, bytesPerSecond float64) error {
	condition := map[string]any{"urlPattern": "", "offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytesPerSecond}
	_, err := cdp.Call(ctx, tg, emulateByRule, map[string]any{"offline": false, "matchedNetworkConditions": []any{condition}})
	if err == nil {
		return nil
	}
	_, err2 := cdp.Call(ctx, tg, emulateGlobal, condition)
	if err2 == nil {
		return nil
	}
	return fmt.Errorf("by rule: %v; global: %v", err, err2)
}
