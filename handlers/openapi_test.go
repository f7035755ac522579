package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cpaudit/cpaudit/handlers"
)

// The OpenAPI tests keep ../openapi.yaml honest. Loading it (mustSpec)
// resolves every $ref and validates the document, which also checks that
// operation ids are unique and every path's {variables} are exactly its
// required path parameters. The tests below check that the router and the
// document list the same routes, and the rules every operation follows.
// What each response looks like is checked by checkAPI, on every API
// request the handler tests make.

// {id:[0-9]+} in a mux template is {id} in OpenAPI.
var muxVarRE = regexp.MustCompile(`\{(\w+):[^}]*\}`)

// operations lists the document's operations as "METHOD /path".
func operations(doc *openapi3.T) map[string]*openapi3.Operation {
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[method+" "+path] = op
		}
	}
	return ops
}

// isAPI says whether a path is under the token-protected API; the other
// documented routes are /healthz, /readyz and /metrics.
func isAPI(path string) bool { return strings.HasPrefix(path, "/api/") }

// TestOpenAPIDocumentsEveryRoute walks the real router: every API route it
// registers is documented with the same method, and everything documented
// is registered.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	s := mustSpec(t)
	ops := operations(s.doc)
	registered := map[string]bool{}
	nAPI := 0
	for _, rt := range handlers.Routes(newTestEnv(t).handler) {
		name := rt[0] + " " + muxVarRE.ReplaceAllString(rt[1], "{$1}")
		registered[name] = true
		if !isAPI(rt[1]) {
			continue // the web UI's pages, /static/ and the operations routes
		}
		nAPI++
		if ops[name] == nil {
			t.Errorf("%s is registered but not documented in %s", name, openAPIFile)
		}
	}
	if nAPI < 10 {
		t.Fatalf("the router has only %d API routes; is handlers.Routes walking it?", nAPI)
	}
	for name := range ops {
		if !registered[name] {
			t.Errorf("%s is documented in %s but not registered", name, openAPIFile)
		}
	}
}

// TestOpenAPIOperations checks the rules of the whole API: the bearer token
// on every /api/v1 route and on nothing else, an operationId, a 2xx answer,
// a 401 behind the token, never a 403, and problem+json for every error.
func TestOpenAPIOperations(t *testing.T) {
	s := mustSpec(t)
	doc := s.doc
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi is %q, want 3.1.x", doc.OpenAPI)
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s == nil || s.Value == nil || s.Value.Type != "http" || s.Value.Scheme != "bearer" {
		t.Errorf("components.securitySchemes.bearerAuth must be http bearer, got %+v", s)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("the document's security must be [bearerAuth: []], got %v", doc.Security)
	}
	ops := operations(doc)
	names := make([]string, 0, len(ops))
	for name := range ops {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		op := ops[name]
		api := isAPI(strings.SplitN(name, " ", 2)[1])
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", name)
		}
		has2xx := false
		for code := range op.Responses.Map() {
			if len(code) == 3 && code[0] == '2' {
				has2xx = true
			}
			if code == "403" {
				t.Errorf("%s: documents 403, but cpaudit answers 404 for resources outside the caller's rights", name)
			}
		}
		if !has2xx {
			t.Errorf("%s: no 2xx response", name)
		}
		// /api/v1 needs the bearer token (the document's default); health,
		// readiness and metrics need none.
		switch {
		case api && op.Security != nil:
			t.Errorf("%s: must not override security; every API route requires the bearer token", name)
		case !api && (op.Security == nil || len(*op.Security) != 0):
			t.Errorf("%s: needs no token, so it must say security: []", name)
		}
		if !api {
			continue
		}
		if op.Responses.Status(401) == nil {
			t.Errorf("%s: no 401 response, but every API route requires a token", name)
		}
		// API errors are problem+json, with the Problem schema.
		for code, resp := range op.Responses.Map() {
			if code[0] != '4' && code[0] != '5' {
				continue
			}
			mt := resp.Value.Content["application/problem+json"]
			if mt == nil || len(resp.Value.Content) != 1 {
				t.Errorf("%s: response %s must be application/problem+json only", name, code)
			} else if mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Problem" {
				t.Errorf("%s: response %s must have the schema #/components/schemas/Problem", name, code)
			}
		}
	}
}

// TestOpenAPICheckFails shows that checkAPI is not validating nothing: it
// passes a good answer and reports answers that break the document, by
// hand and through the hook, and the handler tests' requests are counted.
func TestOpenAPICheckFails(t *testing.T) {
	s := mustSpec(t)
	me := `{"tenant":"hebei","tenant_name":"河北省生态环境厅","email":"a@b.cn","role":"admin","user_id":"u1","org_id":""}`
	jsonCT := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	problemCT := http.Header{"Content-Type": {"application/problem+json"}, "Www-Authenticate": {`Bearer realm="cpaudit"`}}
	for _, c := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		want               string // in the error; "" for none
	}{
		{"good", "GET", "/api/v1/me", 200, jsonCT, me, ""},
		{"good 401", "GET", "/api/v1/me", 401, problemCT, `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"no"}`, ""},
		{"unknown path 404", "GET", "/api/v1/nowhere", 404, problemCT, `{"type":"about:blank","title":"Not Found","status":404,"detail":"no"}`, ""},
		{"missing required field", "GET", "/api/v1/me", 200, jsonCT, strings.Replace(me, `"role":"admin",`, "", 1), "role"},
		{"undocumented field", "GET", "/api/v1/me", 200, jsonCT, strings.Replace(me, `{`, `{"secret":"x",`, 1), "secret"},
		{"wrong type", "GET", "/api/v1/me", 200, jsonCT, strings.Replace(me, `"u1"`, `1`, 1), "user_id"},
		{"unknown enum", "GET", "/api/v1/me", 200, jsonCT, strings.Replace(me, `"admin"`, `"root"`, 1), "role"},
		{"undocumented status", "GET", "/api/v1/me", 418, problemCT, `{"type":"about:blank","title":"I'm a teapot","status":418,"detail":"no"}`, "does not document"},
		{"wrong content type", "GET", "/api/v1/me", 200, http.Header{"Content-Type": {"text/html"}}, "<p>me</p>", "content type"},
		{"problem without detail", "GET", "/api/v1/me", 401, problemCT, `{"type":"about:blank","title":"Unauthorized","status":401}`, "detail"},
		{"header breaks its schema", "GET", "/api/v1/me", 401, http.Header{"Content-Type": {"application/problem+json"}, "Www-Authenticate": {"Basic"}},
			`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"no"}`, "WWW-Authenticate"},
		{"body where none is documented", "DELETE", "/api/v1/tokens/k1", 204, jsonCT, `{}`, "no body"},
		{"unknown path answered 200", "GET", "/api/v1/nowhere", 200, jsonCT, `{}`, "not in"},
		{"redirect of a clean path", "GET", "/api/v1/me", 301, http.Header{"Location": {"/api/v1/you"}}, "", "not clean"},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		_, err := s.check(r, c.status, c.header, []byte(c.body))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && err == nil:
			t.Errorf("%s: not reported", c.name)
		case c.want != "" && !strings.Contains(err.Error(), c.want):
			t.Errorf("%s: reported without %q: %v", c.name, c.want, err)
		}
	}

	// Through the hook: a handler that drops a required field fails the
	// test whose request it answered.
	fake := &fakeT{}
	srv := httptest.NewServer(checkAPI(fake, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"tenant":"hebei"}`)
	})))
	for _, p := range []string{"/api/v1/me", "/healthz"} { // /healthz is not the API's: not checked
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	srv.Close()
	fake.cleanup()
	if len(fake.errors) != 1 || !strings.Contains(fake.errors[0], "GET /api/v1/me answered 200") {
		t.Errorf("the hook reported %q, want one error for GET /api/v1/me", fake.errors)
	}

	// And the real server's answers are checked.
	before := s.responses.Load()
	w := newWorld(t)
	if status := w.e.getJSON("/api/v1/me", w.consultant, nil); status != 200 {
		t.Fatalf("GET /api/v1/me: %d", status)
	}
	if s.responses.Load() <= before {
		t.Error("a request to the test server was not checked")
	}
}

// fakeT collects what checkAPI reports.
type fakeT struct {
	errors   []string
	cleanups []func()
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (f *fakeT) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) cleanup() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}
