package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestEveryFormNeedsCSRF walks the router and sends every web route that
// changes something a request from a logged-in browser without the
// session's CSRF token, and with a wrong one, as a forged form would: each
// is refused, the session survives, and nothing changes.
func TestEveryFormNeedsCSRF(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ids := victimThings(t, w)
	b := e.browser()
	b.mustLogin("hebei", "admin@hebei.gov.cn")

	// Logging out goes last: were it let through, the session would end
	// and the rest be refused for want of one, which proves nothing.
	routes := routesLast(e, func(_, tmpl string) bool { return tmpl == "/logout" })
	tried := 0
	for _, rt := range routes {
		method, tmpl := rt[0], rt[1]
		if method == "GET" || strings.HasPrefix(tmpl, "/api/") {
			continue
		}
		path, msg := fillRoute(tmpl, ids)
		if msg != "" {
			t.Errorf("%s: %s", tmpl, msg)
			continue
		}
		for _, token := range []string{"", "forged-token"} {
			tried++
			var r response
			if tmpl == "/upload" || tmpl == "/enterprises/import" || tmpl == "/screening" || strings.HasSuffix(tmpl, "/versions") {
				r = b.postUpload(path, token, [][2]string{{"csrf", token}, {"kind", "report"}}, "伪造.txt", []byte("伪造"))
			} else {
				r = b.postForm(path, url.Values{"csrf": {token}, "reason": {"伪造"}, "name": {"伪造"}, "decision": {"dismiss"},
					"year": {"2027"}, "number": {"9"}, "consultancy_id": {""}, "tenant": {"hebei"}, "email": {"admin@hebei.gov.cn"},
					"password": {testPassword}})
			}
			// 400 is the CSRF refusal; without a session it would be a
			// redirect to the login page or 401.
			if r.status != http.StatusBadRequest {
				t.Errorf("%s %s with CSRF token %q: %d, want 400", method, path, token, r.status)
			}
		}
	}
	t.Logf("%d forged requests", tried)
	if tried < 2*10 {
		t.Errorf("only %d forged requests: the walk lost routes", tried)
	}
	if r := b.get("/documents"); r.status != http.StatusOK {
		t.Errorf("the session did not survive the forged requests: %d", r.status)
	}
	checkVictimIntact(t, w, ids)
}
