package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// garbageVars are path values no route expects: each route must refuse
// them with a 4xx.
var garbageVars = []string{
	"x0nowhere", strings.Repeat("长", 300), "%00", "..%2F..%2Fplatform.db", "-1", "0", "99999999999999999999999",
	"1e999", "%27%3B%20DROP%20TABLE%20documents%3B--", "%3Cscript%3E",
}

// garbageBodies are request bodies no route expects.
var garbageBodies = []struct{ body, contentType string }{
	{"", ""},
	{"{", "application/json"},
	{"null", "application/json"},
	{"[]", "application/json"},
	{`{"name":123,"year":"二〇二六","reason":null,"step":[1],"batch_id":{}}`, "application/json"},
	{strings.Repeat("[", 100000), "application/json"},
	{"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n半截", "multipart/form-data; boundary=x"},
	{"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"},
}

// garbageQuery goes on every GET.
const garbageQuery = "?limit=-1&offset=abc&page=99999999999999999999&q=%ff%fe&kind=%00&a=..&b=&step=36&pair=-1&sort=%3Cx%3E&lang=xx"

// TestEveryRouteRefusesGarbage walks the router and sends every route,
// API and web, bad path values, bad bodies and a bad query, as the
// tenant's admin (so the requests get past the login to the code that
// reads them): every answer is below 500, and the API's are problem+json.
func TestEveryRouteRefusesGarbage(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ids := victimThings(t, w)
	b := e.browser()
	b.mustLogin("hebei", "admin@hebei.gov.cn")
	csrf := b.csrf()

	// What ends the session or removes things goes last, so that the
	// rest still reaches them.
	last := func(method, tmpl string) bool { return method == "DELETE" || tmpl == "/logout" }
	routes := routesLast(e, last)
	calls := 0
	for _, rt := range routes {
		method, tmpl := rt[0], rt[1]
		if strings.HasPrefix(tmpl, "/static/") {
			continue
		}
		var paths []string
		if real, msg := fillRoute(tmpl, ids); msg == "" {
			paths = append(paths, real)
		} else {
			t.Errorf("%s %s: %s", method, tmpl, msg)
		}
		if strings.Contains(tmpl, "{") {
			for _, g := range garbageVars {
				paths = append(paths, fillWith(tmpl, g))
			}
		}
		if len(paths) == 0 {
			paths = []string{fillWith(tmpl, "1")}
		}
		send := func(path, body, ct string) {
			t.Helper()
			calls++
			api := strings.HasPrefix(tmpl, "/api/")
			if method == "GET" {
				path += garbageQuery
			}
			var status int
			var got []byte
			var h http.Header
			if api {
				status, got, h = e.do(method, path, w.admin, strings.NewReader(body), ct)
			} else {
				req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if ct != "" {
					req.Header.Set("Content-Type", ct)
				}
				req.Header.Set("X-CSRF-Token", csrf)
				r := b.do(req)
				status, got, h = r.status, []byte(r.body), r.header
			}
			if !api && !last(method, tmpl) && status == http.StatusSeeOther && strings.HasPrefix(h.Get("Location"), "/login") {
				t.Errorf("%s %s: sent to the login page; the session was lost and the rest tests nothing", method, path)
			}
			if status >= 500 {
				t.Errorf("%s %s (%q, %d bytes): %d %s", method, path, ct, len(body), status, trim(got))
			}
			if api && status >= 400 {
				if !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
					t.Errorf("%s %s: %d with %s", method, path, status, h.Get("Content-Type"))
				}
			}
		}
		for _, p := range paths {
			send(p, "", "")
		}
		if method != "GET" && len(paths) > 0 {
			for _, g := range garbageBodies {
				send(paths[0], g.body, g.contentType)
			}
			// A web form with the CSRF field and nonsense in every field.
			if !strings.HasPrefix(tmpl, "/api/") {
				form := url.Values{"csrf": {csrf}, "reason": {strings.Repeat("长", 10000)}, "name": {"\x00"}, "year": {"-1"},
					"number": {"abc"}, "consultancy_id": {"x0nowhere"}, "decision": {"explode"}, "date": {"2026-13-45"}}
				send(paths[0], form.Encode(), "application/x-www-form-urlencoded")
			}
		}
	}
	t.Logf("%d routes, %d calls", len(routes), calls)
}

// fillWith puts v into every path variable of tmpl.
func fillWith(tmpl, v string) string {
	segs := strings.Split(tmpl, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = v
		}
	}
	return strings.Join(segs, "/")
}

func trim(b []byte) []byte {
	if len(b) > 300 {
		return append(bytes.Clone(b[:300]), "…"...)
	}
	return b
}
