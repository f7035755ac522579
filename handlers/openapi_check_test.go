package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Every API response the handler tests provoke is checked against
// ../openapi.yaml: newTestEnv puts checkAPI in front of the server, so a
// status, content type, header or body the document does not describe fails
// the test that made the request.

const openAPIFile = "../openapi.yaml"

// apiSpec is openapi.yaml, loaded, validated and routed once per test
// binary.
type apiSpec struct {
	doc    *openapi3.T
	router routers.Router
	// problem is components.schemas.Problem, for the 404 of paths that
	// are not in the document at all.
	problem *openapi3.Schema

	responses atomic.Int64 // API responses checked
	mu        sync.Mutex
	answered  map[string]bool // "METHOD /path" of operations answered at least once
}

var (
	specOnce sync.Once
	spec     *apiSpec
	specErr  error
)

func loadSpec() (*apiSpec, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(openAPIFile)
		if err != nil {
			specErr = fmt.Errorf("%s: %w", openAPIFile, err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			specErr = fmt.Errorf("%s is not a valid OpenAPI document: %w", openAPIFile, err)
			return
		}
		closeResponseObjects(doc)
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			specErr = fmt.Errorf("%s: %w", openAPIFile, err)
			return
		}
		p := doc.Components.Schemas["Problem"]
		if p == nil || p.Value == nil {
			specErr = fmt.Errorf("%s: no components.schemas.Problem", openAPIFile)
			return
		}
		spec = &apiSpec{doc: doc, router: router, problem: p.Value, answered: map[string]bool{}}
	})
	return spec, specErr
}

func mustSpec(t testing.TB) *apiSpec {
	t.Helper()
	s, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// closeResponseObjects makes every object schema of a response, with the
// properties it lists, refuse properties it does not list, so that a field
// the server sends must be documented. The document itself leaves response
// objects open, since adding a field to an answer must not break clients
// that validate against it; only these tests hold the server to it.
// Schemas that are members of an allOf are left open (closing one would
// refuse its siblings' properties), and so is an object that says what its
// other properties may be.
func closeResponseObjects(doc *openapi3.T) {
	var roots []*openapi3.SchemaRef
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, r := range op.Responses.Map() {
				for _, mt := range r.Value.Content {
					roots = append(roots, mt.Schema)
				}
			}
		}
	}
	walk := func(visit func(s *openapi3.Schema)) {
		seen := map[*openapi3.Schema]bool{}
		var rec func(sr *openapi3.SchemaRef)
		rec = func(sr *openapi3.SchemaRef) {
			if sr == nil || sr.Value == nil || seen[sr.Value] {
				return
			}
			v := sr.Value
			seen[v] = true
			visit(v)
			for _, p := range v.Properties {
				rec(p)
			}
			rec(v.Items)
			rec(v.AdditionalProperties.Schema)
			for _, group := range []openapi3.SchemaRefs{v.AllOf, v.AnyOf, v.OneOf} {
				for _, m := range group {
					rec(m)
				}
			}
		}
		for _, r := range roots {
			rec(r)
		}
	}
	members := map[*openapi3.Schema]bool{}
	walk(func(s *openapi3.Schema) {
		for _, m := range s.AllOf {
			if m.Value != nil {
				members[m.Value] = true
			}
		}
	})
	no := false
	walk(func(s *openapi3.Schema) {
		if len(s.Properties) > 0 && !members[s] && len(s.AllOf) == 0 &&
			s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			s.AdditionalProperties.Has = &no
		}
	})
}

// isJSON says whether a content type is JSON (application/json or a +json
// type such as application/problem+json), the only bodies checked against
// a schema; other bodies (document bytes, .xlsx, .docx) are matched on
// status, content type and headers.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// check validates one API response against the operation the request
// matches. A request that matches no operation must have been answered
// 404 problem+json, as the document says unknown API paths and methods are.
// It returns the operation, "METHOD /path/{template}", or "" for a
// redirect or a path the document does not have.
func (s *apiSpec) check(r *http.Request, status int, header http.Header, body []byte) (string, error) {
	ct := header.Get("Content-Type")
	if status == http.StatusMovedPermanently {
		// The router answers a path that is not clean (an empty, "." or
		// ".." segment) with a redirect to its clean form, before any
		// route is matched.
		u := *r.URL
		u.Path, u.RawPath = cleanPath(r.URL.Path), ""
		want := u.String()
		if u.Path == r.URL.Path || header.Get("Location") != want {
			return "", fmt.Errorf("%s %s answered 301 to %q; only a path that is not clean is redirected, to its clean form %q",
				r.Method, r.URL.Path, header.Get("Location"), want)
		}
		return "", nil
	}
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		if !errors.Is(err, routers.ErrPathNotFound) && !errors.Is(err, routers.ErrMethodNotAllowed) {
			return "", err
		}
		if status != http.StatusNotFound || !isJSON(ct) {
			return "", fmt.Errorf("%s %s is not in %s, yet it was answered %d %s", r.Method, r.URL.Path, openAPIFile, status, ct)
		}
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/problem+json" {
			return "", fmt.Errorf("%s %s (not in %s): 404 with %s, want application/problem+json", r.Method, r.URL.Path, openAPIFile, ct)
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return "", fmt.Errorf("%s %s (not in %s): 404 body is not JSON: %v", r.Method, r.URL.Path, openAPIFile, err)
		}
		if err := s.problem.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
			return "", fmt.Errorf("%s %s (not in %s): 404 body is not a Problem: %v", r.Method, r.URL.Path, openAPIFile, err)
		}
		return "", nil
	}
	name := r.Method + " " + route.Path
	ref := route.Operation.Responses.Status(status)
	if ref == nil {
		ref = route.Operation.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return "", fmt.Errorf("%s answered %d, which %s does not document: %s", name, status, openAPIFile, clip(body))
	}
	if len(ref.Value.Content) == 0 {
		if len(body) > 0 {
			return "", fmt.Errorf("%s answered %d with %d bytes of %s, but %s documents no body", name, status, len(body), ct, openAPIFile)
		}
	} else if ref.Value.Content.Get(ct) == nil {
		return "", fmt.Errorf("%s answered %d with content type %q, which %s does not document for it", name, status, ct, openAPIFile)
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		ExcludeResponseBody:   !isJSON(ct),
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Options:                opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(r.Context(), in); err != nil {
		return "", fmt.Errorf("%s answered %d, which does not match %s: %v\nbody: %s", name, status, openAPIFile, err, clip(body))
	}
	return name, nil
}

// cleanPath is path.Clean keeping a trailing slash, as gorilla/mux cleans
// a request's path.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// reporter is what checkAPI needs of a *testing.T; TestOpenAPICheckFails
// gives it a fake to see that it reports.
type reporter interface {
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// checkAPI wraps the server so that every response to /api/... is checked
// against the document. Failures are reported when t cleans up, which
// newTestEnv arranges to come after the test server has closed, so every
// request has finished by then.
func checkAPI(t reporter, next http.Handler) http.Handler {
	s, err := loadSpec()
	if err != nil {
		t.Fatalf("%v", err)
	}
	var (
		mu       sync.Mutex
		failures []string
	)
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, f := range failures {
			t.Errorf("openapi: %s", f)
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		// The handler consumes the body; the check needs only the method,
		// path and query.
		req := r.Clone(context.WithoutCancel(r.Context()))
		req.Body = http.NoBody
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if !rec.wrote {
			rec.WriteHeader(http.StatusOK)
		}
		op, err := s.check(req, rec.status, rec.header, rec.body.Bytes())
		if err != nil {
			mu.Lock()
			failures = append(failures, err.Error())
			mu.Unlock()
			return
		}
		s.responses.Add(1)
		if op != "" {
			s.mu.Lock()
			s.answered[op] = true
			s.mu.Unlock()
		}
	})
}

// recorder passes a response through and keeps a copy of its status,
// headers and (the first maxRecorded bytes of its) body.
type recorder struct {
	http.ResponseWriter
	wrote  bool
	status int
	header http.Header
	body   bytes.Buffer
}

const maxRecorded = 32 << 20

func (w *recorder) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.wrote, w.status, w.header = true, code, w.Header().Clone()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if room := maxRecorded - w.body.Len(); room > 0 {
		w.body.Write(b[:min(len(b), room)])
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (the server
// moves read and write deadlines as a body streams).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestMain reports, after the run, how many API responses were checked and
// how many of the documented API operations they covered.
func TestMain(m *testing.M) {
	code := m.Run()
	if s, err := loadSpec(); err == nil && s.responses.Load() > 0 {
		var all, missed []string
		for path, item := range s.doc.Paths.Map() {
			if !strings.HasPrefix(path, "/api/") {
				continue
			}
			for method := range item.Operations() {
				name := method + " " + path
				all = append(all, name)
				if !s.answered[name] {
					missed = append(missed, name)
				}
			}
		}
		slices.Sort(missed)
		fmt.Fprintf(os.Stderr, "openapi: %d API responses checked against %s; %d of %d API operations answered\n",
			s.responses.Load(), openAPIFile, len(all)-len(missed), len(all))
		if testing.Verbose() && len(missed) > 0 {
			fmt.Fprintf(os.Stderr, "openapi: not answered in this run: %s\n", strings.Join(missed, ", "))
		}
	}
	os.Exit(code)
}
