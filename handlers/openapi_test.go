package handlers_test

import (
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
