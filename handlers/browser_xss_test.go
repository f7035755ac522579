package handlers_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/handlers"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// xssPayload is script in every form a page could let run, tagged with the
// field it was typed into so a failure names it: a script element after
// Chinese text, an attribute break-out into an image's onerror, an SVG's
// onload and a javascript: link.
func xssPayload(field string) string {
	set := `window.__xss="` + field + `"`
	return `报告<script>` + set + `</script>"><img src=x onerror=` + set + `><svg onload=` + set + `>` +
		`<a href="javascript:` + set + `">链</a>`
}

// watchScript runs before any script of each page (and is not subject to
// the page's CSP): it records every CSP violation the page reports.
const watchScript = `window.__csp = [];
document.addEventListener("securitypolicyviolation", e =>
	window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || "")));`

// pageCheck is what a page reports once loaded.
type pageCheck struct {
	XSS      any      `json:"xss"`      // window.__xss: must stay undefined (null here)
	CSP      []string `json:"csp"`      // CSP violations reported
	JSLinks  int      `json:"jslinks"`  // links to javascript: URLs in the page
	Shown    bool     `json:"shown"`    // the payload is on the page, as text
	Location string   `json:"location"` // where the browser ended up
}

const checkExpr = `JSON.stringify({xss: window.__xss === undefined ? null : window.__xss, csp: window.__csp || ["watch script missing"],
	jslinks: document.querySelectorAll('a[href^="javascript:" i]').length,
	shown: document.body.innerText.includes('window.__xss='), location: location.pathname})`

// TestBrowserScriptPayloads types script payloads into every field a user
// fills that pages show (enterprise, consultancy and batch names, a
// document's title, file name and text, an option, a step's return reason,
// a flag review's reason, a finding; a letter names the enterprise and its
// batch), then opens every web page in
// headless Chromium as the admin (and the search, compare and flag pages
// with the payload's text in them) and checks on each that no script ran
// (window.__xss stays unset), that no javascript: link exists, and that
// the page reported no CSP violation, which the escaped markup must not
// cause either.
func TestBrowserScriptPayloads(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newWorld(t)
	e := w.e
	ids := victimThings(t, w)
	check := func(what string, status int, body []byte) {
		t.Helper()
		if status >= 300 {
			t.Fatalf("%s: %d %s", what, status, body)
		}
	}
	must := func(what string) func(int, []byte) {
		return func(status int, body []byte) { t.Helper(); check(what, status, body) }
	}
	patch := func(path, field string) {
		t.Helper()
		status, body, _ := e.do("PATCH", path, w.admin, jsonBody(map[string]string{"name": xssPayload(field)}), "application/json")
		check(path, status, body)
	}
	patch("/api/v1/organisations/"+w.entID, "enterprise")
	patch("/api/v1/organisations/"+w.consID, "consultancy")
	patch("/api/v1/batches/"+ids["batch"], "batch")
	// A report whose text is copied into another enterprise's report:
	// search, compare and the duplicate text flag show the payload in
	// fragments and passages.
	other, otherAudit := w.enterpriseOf(7, "唐山"+xssPayload("ent2"))
	shared := "清洁生产审核报告：" + xssPayload("text") + copied("石家庄化工有限公司", "12000") + xssPayload("text")
	ids["document"] = e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}, {"step", "1"}, {"title", xssPayload("title")}},
		xssPayload("filename")+".txt", []byte(prose(1, pools[0], 2000)+shared+prose(2, pools[0], 2000)))
	copyID := e.uploadText(other, [][2]string{{"kind", "report"}, {"audit_id", otherAudit}, {"title", xssPayload("title2")}},
		"抄袭"+xssPayload("filename2")+".txt", []byte(prose(3, pools[1], 1500)+shared+prose(4, pools[1], 1500)))
	must("option")(e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, map[string]string{"code": "F1", "name": xssPayload("option"), "category": "low_cost"}, nil))
	must("submit")(e.postJSON("/api/v1/audits/"+w.auditID+"/steps/1/submit", w.consultant, map[string]any{}, nil))
	must("return")(e.postJSON("/api/v1/audits/"+w.auditID+"/steps/1/return", w.regulator, map[string]string{"reason": xssPayload("return")}, nil))
	must("review")(e.postJSON("/api/v1/flags/"+ids["flag"]+"/review", w.regulator, map[string]string{"decision": "dismiss", "reason": xssPayload("review")}, nil))
	must("finding")(e.postJSON("/api/v1/findings", w.regulator, map[string]any{"audit_id": w.auditID, "category": "other",
		"severity": "minor", "description": xssPayload("finding"), "document_ids": []string{ids["document"]}}, nil))
	// A letter to the enterprise, whose text names it and its batch.
	var inBatch, letter struct{ ID string }
	must("audit in batch")(e.postJSON("/api/v1/audits", w.admin, map[string]string{"enterprise_id": w.entID, "consultancy_id": w.consID, "batch_id": ids["batch"]}, &inBatch))
	must("letter")(e.postJSON("/api/v1/audits/"+inBatch.ID+"/letter", w.admin, nil, &letter))
	e.process()
	textFlags := e.flags(w.regulator, "?kind=duplicate_text")
	if len(textFlags.Flags) == 0 {
		t.Fatal("no duplicate_text flag from the copied passage")
	}

	// The pages: every GET page of the router with real ids, and pages
	// whose queries reach the payload.
	b := e.browser()
	b.mustLogin("hebei", "admin@hebei.gov.cn")
	var paths []string
	for _, rt := range handlers.Routes(e.handler) {
		method, tmpl := rt[0], rt[1]
		if method != "GET" || strings.HasPrefix(tmpl, "/api/") || strings.HasPrefix(tmpl, "/static/") || tmpl == "/login" {
			continue
		}
		path, msg := fillRoute(tmpl, ids)
		if msg != "" {
			t.Errorf("%s: %s", tmpl, msg)
			continue
		}
		if q, ok := idQueries["GET "+tmpl]; ok {
			path += "?" + fillQuery(q, ids)
		}
		paths = append(paths, path)
	}
	q := url.QueryEscape
	paths = append(paths,
		"/search?q="+q("清洁生产审核报告"), "/search?q="+q("script window"), "/search?q="+q(`"onerror"`),
		"/compare?a="+ids["document"]+"&b="+copyID, "/flags/"+textFlags.Flags[0].ID, "/flags?kind=duplicate_text",
		"/documents?q="+q(xssPayload("query")), "/documents/"+copyID, "/audits/"+otherAudit,
		"/audits/"+inBatch.ID, "/documents/"+letter.ID, "/documents/"+letter.ID+"/text")
	var pages []string
	for _, p := range paths {
		// Downloads are not rendered; a page must answer HTML.
		if r := b.get(p); r.status == 200 && strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			pages = append(pages, p)
		}
	}
	slices.Sort(pages)
	pages = slices.Compact(pages)
	if len(pages) < 25 {
		t.Errorf("only %d pages to open: the walk lost routes", len(pages))
	}

	// One Chromium for all pages; its own deadline, as the walk is long.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := newChromiumCtx(t, ctx, chromium)
	var cspConsole []string
	consoleCtx, stopConsole := context.WithCancel(c.ctx)
	defer stopConsole()
	messages := chromedp.Console(consoleCtx)
	c.do("watch CSP", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchScript})
		return err
	}))
	c.login(e.srv.URL, "hebei", "admin@hebei.gov.cn")
	shown := 0
	for _, p := range pages {
		c.do("open "+p, chromedp.Navigate(e.srv.URL+p))
		// Give event handlers (an image's onerror, deferred scripts) a
		// moment after the load event.
		time.Sleep(50 * time.Millisecond)
		raw, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](checkExpr))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var got pageCheck
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got.Location == "/login" {
			t.Errorf("%s: sent to the login page", p)
		}
		if got.XSS != nil {
			t.Errorf("%s: a script ran, from the field %v", p, got.XSS)
		}
		if got.JSLinks > 0 {
			t.Errorf("%s: %d javascript: links", p, got.JSLinks)
		}
		if len(got.CSP) > 0 {
			t.Errorf("%s: CSP violations %q", p, got.CSP)
		}
		if got.Shown {
			shown++
		} else {
			t.Logf("%s does not show the payload", p)
		}
	}
	stopConsole()
	for m, err := range messages {
		if err != nil {
			break
		}
		if strings.Contains(m.Text, "Content Security Policy") {
			cspConsole = append(cspConsole, m.Text)
		}
	}
	if len(cspConsole) > 0 {
		t.Errorf("the console reported CSP violations: %q", cspConsole)
	}
	t.Logf("%d pages opened, %d showing the payload as text", len(pages), shown)
	if shown < 15 {
		t.Errorf("only %d pages show the payload at all: the test no longer reaches the fields", shown)
	}
}
