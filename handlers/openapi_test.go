package handlers_test

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The OpenAPI tests keep ../openapi.yaml honest: every route the router
// registers is documented with the same method, nothing is documented that
// the router does not serve, and every operation answers something in 2xx
// and, behind the token, 401. The route list is read from routes.go's
// source, since the handlers package exports nothing to walk the router.

const (
	openAPIFile = "../openapi.yaml"
	routesFile  = "routes.go"
)

// route is one registered method and full path, e.g. GET /api/v1/me.
type route struct{ method, path string }

func (r route) String() string { return r.method + " " + r.path }

var (
	// api := r.PathPrefix("/api/v1").Subrouter()
	apiPrefixRE = regexp.MustCompile(`(?m)^\s*api\s*:=\s*r\.PathPrefix\("([^"]+)"\)\.Subrouter\(\)`)
	// r.Handle("/healthz", ...).Methods("GET") and api.Handle("/me", ...).Methods("GET")
	handleRE = regexp.MustCompile(`^\s*(r|api)\.(?:Handle|HandleFunc)\("([^"]*)",.*\)\.Methods\(((?:\s*"[A-Z]+"\s*,?)+)\)\s*$`)
	// lines of routes.go that register something on r or api
	registerRE = regexp.MustCompile(`^\s*(r|api)\.(Handle|HandleFunc|Path|PathPrefix|Methods|Host|NewRoute|Name|Schemes|Headers|Queries)\(`)
	quotedRE   = regexp.MustCompile(`"([A-Z]+)"`)
	// {id:[0-9]+} in a mux template is {id} in OpenAPI
	muxVarRE  = regexp.MustCompile(`\{(\w+):[^}]*\}`)
	pathVarRE = regexp.MustCompile(`\{(\w+)\}`)
)

// registeredRoutes parses routes.go: the root routes (health, readiness,
// metrics) and the API subrouter's routes, prefixed with its path.
func registeredRoutes(t *testing.T) []route {
	t.Helper()
	src, err := os.ReadFile(routesFile)
	if err != nil {
		t.Fatal(err)
	}
	m := apiPrefixRE.FindAllStringSubmatch(string(src), -1)
	if len(m) != 1 {
		t.Fatalf("%s: want one `api := r.PathPrefix(\"...\").Subrouter()`, found %d; update this test", routesFile, len(m))
	}
	prefix := m[0][1]
	var routes []route
	for i, line := range strings.Split(string(src), "\n") {
		if !registerRE.MatchString(line) {
			continue
		}
		h := handleRE.FindStringSubmatch(line)
		if h == nil {
			// The static files are the web UI's, not part of the API.
			if strings.Contains(line, `r.PathPrefix("/static/")`) {
				continue
			}
			t.Errorf("%s:%d registers a route this test cannot read; write it as X.Handle(\"PATH\", ...).Methods(\"METHOD\") on one line, or teach the test:\n%s",
				routesFile, i+1, strings.TrimSpace(line))
			continue
		}
		path := muxVarRE.ReplaceAllString(h[2], "{$1}")
		if h[1] == "api" {
			path = prefix + path
		}
		for _, q := range quotedRE.FindAllStringSubmatch(h[3], -1) {
			routes = append(routes, route{method: q[1], path: path})
		}
	}
	// Guard against the parser silently finding nothing.
	have := map[string]bool{}
	nAPI := 0
	for _, r := range routes {
		have[r.String()] = true
		if strings.HasPrefix(r.path, prefix+"/") {
			nAPI++
		}
	}
	for _, want := range []string{"GET /healthz", "GET /readyz", "GET /metrics", "GET " + prefix + "/me"} {
		if !have[want] {
			t.Errorf("%s: did not find %s; the route parser is out of date", routesFile, want)
		}
	}
	if nAPI < 10 {
		t.Errorf("%s: found only %d API routes; the route parser is out of date", routesFile, nAPI)
	}
	return routes
}

// The document, typed only as far as the checks need.
type oaDoc struct {
	OpenAPI  string                `yaml:"openapi"`
	Security []map[string][]string `yaml:"security"`
	Paths    map[string]map[string]yaml.Node
	Info     struct {
		Description string `yaml:"description"`
	} `yaml:"info"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `yaml:"type"`
			Scheme string `yaml:"scheme"`
		} `yaml:"securitySchemes"`
		Parameters map[string]oaParam    `yaml:"parameters"`
		Responses  map[string]oaResponse `yaml:"responses"`
	} `yaml:"components"`
}

type oaOperation struct {
	OperationID string                 `yaml:"operationId"`
	Security    *[]map[string][]string `yaml:"security"`
	Parameters  []oaParam              `yaml:"parameters"`
	Responses   map[string]oaResponse  `yaml:"responses"`
}

type oaParam struct {
	Ref      string `yaml:"$ref"`
	Name     string `yaml:"name"`
	In       string `yaml:"in"`
	Required bool   `yaml:"required"`
}

type oaResponse struct {
	Ref         string         `yaml:"$ref"`
	Description string         `yaml:"description"`
	Content     map[string]any `yaml:"content"`
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// operation is one documented method and path with its parsed operation
// and the parameters of its path item.
type operation struct {
	route
	op         oaOperation
	pathParams []oaParam
}

func loadOpenAPI(t *testing.T) (oaDoc, map[string]any, []operation) {
	t.Helper()
	raw, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc oaDoc
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	var generic map[string]any
	if err := yaml.Unmarshal(raw, &generic); err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	var ops []operation
	for path, item := range doc.Paths {
		var params []oaParam
		if n, ok := item["parameters"]; ok {
			if err := n.Decode(&params); err != nil {
				t.Errorf("%s: parameters: %v", path, err)
			}
		}
		for key, node := range item {
			switch {
			case httpMethods[key]:
				var op oaOperation
				if err := node.Decode(&op); err != nil {
					t.Errorf("%s %s: %v", key, path, err)
					continue
				}
				ops = append(ops, operation{route: route{method: strings.ToUpper(key), path: path}, op: op, pathParams: params})
			case key == "parameters", key == "summary", key == "description", key == "servers":
			default:
				t.Errorf("%s: unexpected key %q in a path item", path, key)
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].String() < ops[j].String() })
	return doc, generic, ops
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	routes := registeredRoutes(t)
	_, _, ops := loadOpenAPI(t)
	documented := map[string]bool{}
	for _, o := range ops {
		documented[o.String()] = true
	}
	registered := map[string]bool{}
	for _, r := range routes {
		registered[r.String()] = true
		if !documented[r.String()] {
			t.Errorf("%s is registered in %s but not documented in %s", r, routesFile, openAPIFile)
		}
	}
	for _, o := range ops {
		if !registered[o.String()] {
			t.Errorf("%s is documented in %s but not registered in %s", o.route, openAPIFile, routesFile)
		}
	}
}

func TestOpenAPIOperations(t *testing.T) {
	doc, _, ops := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi is %q, want 3.1.x", doc.OpenAPI)
	}
	if s, ok := doc.Components.SecuritySchemes["bearerAuth"]; !ok || s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("components.securitySchemes.bearerAuth must be http bearer, got %+v", s)
	}
	globalBearer := len(doc.Security) == 1 && doc.Security[0]["bearerAuth"] != nil
	if !globalBearer {
		t.Errorf("the document's security must be [bearerAuth: []], got %v", doc.Security)
	}
	if len(ops) == 0 {
		t.Fatal("no operations documented")
	}
	ids := map[string]string{}
	for _, o := range ops {
		name := o.String()
		api := strings.HasPrefix(o.path, "/api/")
		if o.op.OperationID == "" {
			t.Errorf("%s: no operationId", name)
		} else if prev, dup := ids[o.op.OperationID]; dup {
			t.Errorf("%s: operationId %q is also used by %s", name, o.op.OperationID, prev)
		}
		ids[o.op.OperationID] = name

		has2xx := false
		for code := range o.op.Responses {
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

		// Security: /api/v1 needs the bearer token (the document's default);
		// health, readiness and metrics need none.
		switch {
		case api && o.op.Security != nil:
			t.Errorf("%s: must not override security; every API route requires the bearer token", name)
		case !api && (o.op.Security == nil || len(*o.op.Security) != 0):
			t.Errorf("%s: needs no token, so it must say security: []", name)
		}
		if api {
			if _, ok := o.op.Responses["401"]; !ok {
				t.Errorf("%s: no 401 response, but every API route requires a token", name)
			}
			// API errors are problem+json.
			for code, resp := range o.op.Responses {
				if code[0] != '4' && code[0] != '5' {
					continue
				}
				if resp.Ref != "" {
					resp = doc.Components.Responses[strings.TrimPrefix(resp.Ref, "#/components/responses/")]
				}
				if _, ok := resp.Content["application/problem+json"]; !ok || len(resp.Content) != 1 {
					t.Errorf("%s: response %s must be application/problem+json only", name, code)
				}
			}
		}

		// Every {var} of the path is a declared, required path parameter.
		declared := map[string]bool{}
		for _, p := range append(append([]oaParam{}, o.pathParams...), o.op.Parameters...) {
			if p.Ref != "" {
				p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
			}
			if p.In == "path" {
				if !p.Required {
					t.Errorf("%s: path parameter %q must be required", name, p.Name)
				}
				declared[p.Name] = true
			}
		}
		for _, m := range pathVarRE.FindAllStringSubmatch(o.path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", name, m[1])
			}
			delete(declared, m[1])
		}
		for p := range declared {
			t.Errorf("%s: declares path parameter %q that is not in the path", name, p)
		}
	}
}

// TestOpenAPIRefsResolve checks that every $ref points at something in the
// document.
func TestOpenAPIRefsResolve(t *testing.T) {
	_, generic, _ := loadOpenAPI(t)
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := resolvePointer(generic, ref); err != nil {
					t.Errorf("%s: $ref %q: %v", where, ref, err)
				}
			}
			for k, e := range v {
				walk(where+"/"+k, e)
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s/%d", where, i), e)
			}
		}
	}
	walk("#", generic)
}

func resolvePointer(doc map[string]any, ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("only local references are used in this document")
	}
	var cur any = doc
	for _, tok := range strings.Split(ptr, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is not inside an object", tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("no %q", tok)
		}
	}
	return cur, nil
}
