package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers"
	"github.com/cpaudit/cpaudit/letter"
	"github.com/cpaudit/cpaudit/search/extract"
	"github.com/cpaudit/cpaudit/search/index"
	"github.com/cpaudit/cpaudit/search/pipeline"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob"
	"github.com/cpaudit/cpaudit/templates"
)

// testEnv is a real server over real storage (SQLite in a temp dir, blobs
// on the local file system) behind httptest.
type testEnv struct {
	t       *testing.T
	store   *storage.Store
	indexes *index.Set
	srv     *httptest.Server
	handler http.Handler // the server's own handler, without checkAPI
	dir     string
}

// testPassword satisfies the password policy.
const testPassword = "correct horse battery"

// cheapPasswords keeps argon2id fast under -race; the production cost is
// tested in storage.
var cheapPasswords = storage.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

func newTestEnv(t *testing.T, opts ...func(*handlers.Config)) *testEnv {
	t.Helper()
	dir := t.TempDir()
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.Open(context.Background(), storage.Config{DataDir: dir, Blobs: blobs, Passwords: cheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	indexes := index.NewSet(func(ctx context.Context, tenantID string) (string, error) {
		tn, err := store.TenantByID(ctx, tenantID)
		if err != nil {
			return "", err
		}
		return store.IndexDir(tn.Slug), nil
	})
	t.Cleanup(func() { indexes.Close() }) // before the store closes
	cfg := handlers.Config{Store: store, Search: indexes, Letters: letter.NewService(store, nil, nil), Templates: templates.FS}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := handlers.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// checkAPI reports at cleanup, after srv.Close has waited for every
	// request: it must be set up first.
	srv := httptest.NewServer(checkAPI(t, h))
	t.Cleanup(srv.Close)
	return &testEnv{t: t, store: store, indexes: indexes, srv: srv, handler: h, dir: dir}
}

// process runs the real pipeline — text extraction, then indexing and
// analysis — until no job is left, as the workers beside the server would.
func (e *testEnv) process() {
	e.t.Helper()
	ctx := context.Background()
	cfg := pipeline.Config{TempDir: e.t.TempDir()}
	extractor := pipeline.New(e.store, pipeline.ExtractWith(slog.New(slog.DiscardHandler), extract.DefaultLimits()), cfg)
	indexer := pipeline.NewIndexer(e.store, e.indexes, cfg)
	analyzer := pipeline.NewAnalyzer(e.store, pipeline.AnalyzerConfig{Config: cfg})
	for {
		n, err := extractor.RunOnce(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		m, err := indexer.RunOnce(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		k, err := analyzer.RunOnce(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		if n+m+k == 0 {
			return
		}
	}
}

// tenant creates a tenant and returns a system actor for it.
func (e *testEnv) tenant(slug string) cpaudit.Actor {
	e.t.Helper()
	tn, err := e.store.CreateTenant(context.Background(), slug, slug+" 生态环境局")
	if err != nil {
		e.t.Fatal(err)
	}
	return cpaudit.SystemActor(tn.ID)
}

// org registers an organisation of kind in the actor's tenant.
func (e *testEnv) org(a cpaudit.Actor, kind cpaudit.OrgKind, name, first17 string) cpaudit.Organisation {
	e.t.Helper()
	o := cpaudit.Organisation{Kind: kind, Name: name}
	if kind == cpaudit.OrgEnterprise || kind == cpaudit.OrgConsultancy {
		o.CreditCode = first17 + string(cpaudit.CreditCodeCheck(first17))
	}
	if kind == cpaudit.OrgEnterprise {
		o.Industry, o.Region = "C2710", "130100"
	}
	if kind == cpaudit.OrgRegulator {
		o.Region = "130000"
	}
	o, err := e.store.CreateOrganisation(context.Background(), a, o)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// user creates a user and returns an API token for it.
func (e *testEnv) user(a cpaudit.Actor, email string, role cpaudit.Role, orgID string) string {
	e.t.Helper()
	u, err := e.store.CreateUser(context.Background(), a, cpaudit.NewUser{Email: email, Role: role, Password: testPassword, OrgID: orgID})
	if err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.store.CreateToken(context.Background(), a, u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// do sends an API request with a token and returns status and body.
func (e *testEnv) do(method, path, token string, body io.Reader, contentType string) (int, []byte, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func (e *testEnv) getJSON(path, token string, v any) int {
	e.t.Helper()
	status, body, _ := e.do("GET", path, token, nil, "")
	if v != nil && status < 300 {
		if err := json.Unmarshal(body, v); err != nil {
			e.t.Fatalf("GET %s: %v: %s", path, err, body)
		}
	}
	return status
}

func (e *testEnv) postJSON(path, token string, in, out any) (int, []byte) {
	e.t.Helper()
	b, _ := json.Marshal(in)
	status, body, _ := e.do("POST", path, token, bytes.NewReader(b), "application/json")
	if out != nil && status < 300 {
		if err := json.Unmarshal(body, out); err != nil {
			e.t.Fatalf("POST %s: %v: %s", path, err, body)
		}
	}
	return status, body
}

// multipartBody builds an upload form; fields are written in order, the
// file where "file" appears in the order (or last).
func multipartBody(t *testing.T, fields [][2]string, filename string, content []byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	wroteFile := false
	writeFile := func() {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
		wroteFile = true
	}
	for _, f := range fields {
		if f[0] == "file" {
			writeFile()
			continue
		}
		mw.WriteField(f[0], f[1])
	}
	if !wroteFile && filename != "" {
		writeFile()
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// upload posts a document and decodes the answer.
func (e *testEnv) upload(token string, fields [][2]string, filename string, content []byte) (int, map[string]any) {
	e.t.Helper()
	body, ct := multipartBody(e.t, fields, filename, content)
	status, b, _ := e.do("POST", "/api/v1/documents", token, body, ct)
	var out map[string]any
	json.Unmarshal(b, &out)
	return status, out
}

// problemOf checks an error answer is problem+json and returns its detail.
func problemOf(t *testing.T, status int, body []byte, header http.Header) string {
	t.Helper()
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("status %d: content type %q, want application/problem+json", status, ct)
	}
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Code   string `json:"code"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Status != status || p.Title == "" || p.Detail == "" {
		t.Errorf("bad problem document for %d: %s", status, body)
	}
	if !slices.Contains(cpaudit.Codes, cpaudit.Code(p.Code)) {
		t.Errorf("problem for %d: code %q is no declared code: %s", status, p.Code, body)
	}
	return p.Detail
}
