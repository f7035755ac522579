package handlers_test

import (
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit/handlers"
)

// hostile is markup, an attribute break-out and template syntax, put into
// every field a user types that pages show.
const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>"'{{.}}`

// rawHostile are pieces of hostile that only an unescaped rendering
// contains; escapedHostile is how a page shows it as text.
var (
	rawHostile     = []string{"<script>alert", "<img src=x", "onerror=alert(2)>"}
	escapedHostile = "&lt;script&gt;alert(1)&lt;/script&gt;"
)

// TestEveryPageEscapes names the things of a tenant with hostile text
// (enterprise, consultancy, batch, document title and file name, an
// option, a step's return reason, a flag review's reason), then walks the
// router and opens every web page, with real ids and a hostile query, in
// Chinese and in English: no page contains the markup raw.
func TestEveryPageEscapes(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ids := victimThings(t, w)
	must := func(status int, body []byte) {
		t.Helper()
		if status >= 300 {
			t.Fatalf("%d %s", status, body)
		}
	}
	name := map[string]string{"name": hostile}
	patch := func(path string) {
		t.Helper()
		status, body, _ := e.do("PATCH", path, w.admin, jsonBody(name), "application/json")
		must(status, body)
	}
	patch("/api/v1/organisations/" + w.entID)
	patch("/api/v1/organisations/" + w.consID)
	patch("/api/v1/batches/" + ids["batch"])
	ids["document"] = e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}, {"step", "1"}, {"title", hostile}},
		hostile+".txt", []byte("清洁生产审核报告 "+hostile))
	must(e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, map[string]string{"code": "F1", "name": hostile, "category": "low_cost"}, nil))
	must(e.postJSON("/api/v1/audits/"+w.auditID+"/steps/1/submit", w.consultant, map[string]any{}, nil))
	must(e.postJSON("/api/v1/audits/"+w.auditID+"/steps/1/return", w.regulator, map[string]string{"reason": hostile}, nil))
	must(e.postJSON("/api/v1/flags/"+ids["flag"]+"/review", w.regulator, map[string]string{"decision": "dismiss", "reason": hostile}, nil))
	e.process()

	b := e.browser()
	b.mustLogin("hebei", "admin@hebei.gov.cn")
	pages, shown := 0, 0
	for _, rt := range handlers.Routes(e.handler) {
		method, tmpl := rt[0], rt[1]
		if method != "GET" || strings.HasPrefix(tmpl, "/api/") || strings.HasPrefix(tmpl, "/static/") {
			continue
		}
		path, msg := fillRoute(tmpl, ids)
		if msg != "" {
			t.Errorf("%s: %s", tmpl, msg)
			continue
		}
		for _, query := range []string{"?lang=zh", "?lang=en&q=" + url.QueryEscape(hostile) + "&name=" + url.QueryEscape(hostile)} {
			r := b.get(path + query)
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				continue // downloads and sheets are not rendered by the browser
			}
			pages++
			for _, raw := range rawHostile {
				if strings.Contains(r.body, raw) {
					t.Errorf("GET %s%s shows %q unescaped", path, query, raw)
				}
			}
			if strings.Contains(r.body, escapedHostile) {
				shown++
			}
		}
	}
	t.Logf("%d pages, %d showing the hostile text escaped", pages, shown)
	if shown < 10 {
		t.Errorf("only %d pages show the hostile text at all: the test no longer reaches the fields", shown)
	}
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return strings.NewReader(string(b))
}
