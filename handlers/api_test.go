package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers"
)

// world is two tenants, each with an enterprise, a consultancy, an audit
// and tokens for an admin, a consultant and a regulator.
type world struct {
	e                            *testEnv
	sys                          cpaudit.Actor // the hebei tenant's system actor
	admin, consultant, regulator string
	entID, consID, auditID       string
	otherAdmin, otherConsultant  string
	otherEntID, otherAuditID     string
	otherDocID                   string
}

func newWorld(t *testing.T, opts ...func(*handlers.Config)) *world {
	e := newTestEnv(t, opts...)
	w := &world{e: e}
	a := e.tenant("hebei")
	w.sys = a
	w.admin = e.user(a, "admin@hebei.gov.cn", cpaudit.RoleAdmin, "")
	w.regulator = e.user(a, "chen@hebei.gov.cn", cpaudit.RoleRegulator, "")

	var ent, cons struct{ ID string }
	status, body := e.postJSON("/api/v1/enterprises", w.admin, map[string]string{
		"name": "石家庄化工有限公司", "credit_code": "91350100M000100Y43", "industry": "C2710", "region": "130100"}, &ent)
	if status != 201 {
		t.Fatalf("create enterprise: %d %s", status, body)
	}
	status, body = e.postJSON("/api/v1/consultancies", w.admin, map[string]string{"name": "绿源环保咨询", "credit_code": "91110000600037341L"}, &cons)
	if status != 201 {
		t.Fatalf("create consultancy: %d %s", status, body)
	}
	w.entID, w.consID = ent.ID, cons.ID
	w.consultant = e.user(a, "zhang@lvyuan.cn", cpaudit.RoleConsultant, cons.ID)
	var au struct {
		ID    string
		Steps []struct{ Code string }
	}
	status, body = e.postJSON("/api/v1/audits", w.admin, map[string]string{"enterprise_id": ent.ID, "consultancy_id": cons.ID}, &au)
	if status != 201 || len(au.Steps) != 35 || au.Steps[0].Code != "1" || au.Steps[34].Code != "35" {
		t.Fatalf("create audit: %d %s", status, body)
	}
	w.auditID = au.ID

	b := e.tenant("beijing")
	w.otherAdmin = e.user(b, "admin@beijing.gov.cn", cpaudit.RoleAdmin, "")
	oe := e.org(b, cpaudit.OrgEnterprise, "北京印染厂", "91110108MA0AAAAA1")
	oc := e.org(b, cpaudit.OrgConsultancy, "北京咨询", "91110108MA0BBBBB2")
	w.otherConsultant = e.user(b, "liu@bj.cn", cpaudit.RoleConsultant, oc.ID)
	w.otherEntID = oe.ID
	status, body = e.postJSON("/api/v1/audits", w.otherAdmin, map[string]string{"enterprise_id": oe.ID, "consultancy_id": oc.ID}, &au)
	if status != 201 {
		t.Fatalf("other audit: %d %s", status, body)
	}
	w.otherAuditID = au.ID
	status, doc := e.upload(w.otherConsultant, [][2]string{{"kind", "report"}, {"audit_id", au.ID}}, "北京报告.txt", []byte("北京的审核报告"))
	if status != 201 {
		t.Fatalf("other upload: %d %v", status, doc)
	}
	w.otherDocID = doc["id"].(string)
	return w
}

func TestMe(t *testing.T) {
	w := newWorld(t)
	var me map[string]any
	if status := w.e.getJSON("/api/v1/me", w.consultant, &me); status != 200 {
		t.Fatalf("status %d", status)
	}
	if me["tenant"] != "hebei" || me["email"] != "zhang@lvyuan.cn" || me["role"] != "consultant" {
		t.Errorf("me = %v", me)
	}
}

func TestAuthentication(t *testing.T) {
	w := newWorld(t)
	for _, auth := range []string{"", "Bearer ", "Bearer nonsense", "Basic abc", "Bearer " + w.admin + "x"} {
		req, _ := http.NewRequest("GET", w.e.srv.URL+"/api/v1/me", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("%q: status %d", auth, resp.StatusCode)
		}
		problemOf(t, resp.StatusCode, body, resp.Header)
	}
	// A token made through the API works, then is revoked.
	var tok struct{ ID, Token string }
	if status, body := w.e.postJSON("/api/v1/tokens", w.consultant, map[string]string{"name": "脚本"}, &tok); status != 201 {
		t.Fatalf("create token: %d %s", status, body)
	}
	if status := w.e.getJSON("/api/v1/me", tok.Token, nil); status != 200 {
		t.Fatalf("new token: %d", status)
	}
	if status, _, _ := w.e.do("DELETE", "/api/v1/tokens/"+tok.ID, w.consultant, nil, ""); status != 204 {
		t.Fatalf("revoke: %d", status)
	}
	status, body, h := w.e.do("GET", "/api/v1/me", tok.Token, nil, "")
	if status != 401 {
		t.Fatalf("revoked token: %d", status)
	}
	if d := problemOf(t, status, body, h); !strings.Contains(d, "revoked") {
		t.Errorf("detail %q", d)
	}
}

func TestUploadAndDownload(t *testing.T) {
	w := newWorld(t)
	content := []byte("清洁生产审核报告\n第一章 筹划和组织\n节水量12000吨/年，投资45万元。")
	// The file comes first, the fields after it: any order works.
	status, doc := w.e.upload(w.consultant, [][2]string{{"file", ""}, {"kind", "report"}, {"audit_id", w.auditID}, {"step", "22"}, {"title", "中期审核报告"}},
		"中期 审核报告(终稿).txt", content)
	if status != 201 {
		t.Fatalf("upload: %d %v", status, doc)
	}
	for _, k := range []string{"id", "sha256", "size", "content_type"} {
		if doc[k] == nil {
			t.Errorf("answer lacks %s: %v", k, doc)
		}
	}
	if doc["size"].(float64) != float64(len(content)) || doc["content_type"] != "text/plain; charset=utf-8" {
		t.Errorf("answer %v", doc)
	}
	id := doc["id"].(string)

	var meta map[string]any
	if status := w.e.getJSON("/api/v1/documents/"+id, w.regulator, &meta); status != 200 {
		t.Fatalf("metadata: %d", status)
	}
	if meta["text_status"] != "pending" || meta["title"] != "中期审核报告" || meta["step"].(float64) != 22 || meta["audit_id"] != w.auditID {
		t.Errorf("metadata %v", meta)
	}

	status, body, h := w.e.do("GET", "/api/v1/documents/"+id+"/content", w.regulator, nil, "")
	if status != 200 || !bytes.Equal(body, content) {
		t.Fatalf("content: %d %q", status, body)
	}
	if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") ||
		!strings.Contains(cd, "filename*=UTF-8''%E4%B8%AD%E6%9C%9F%20%E5%AE%A1%E6%A0%B8%E6%8A%A5%E5%91%8A%28%E7%BB%88%E7%A8%BF%29.txt") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}

	// A new version keeps the old one.
	body2, ct := multipartBody(t, nil, "终稿.txt", []byte("第二版"))
	status, b, _ := w.e.do("POST", "/api/v1/documents/"+id+"/versions", w.consultant, body2, ct)
	if status != 201 {
		t.Fatalf("new version: %d %s", status, b)
	}
	_, body, _ = w.e.do("GET", "/api/v1/documents/"+id+"/versions/1/content", w.regulator, nil, "")
	if !bytes.Equal(body, content) {
		t.Errorf("version 1 changed: %q", body)
	}
	_, body, _ = w.e.do("GET", "/api/v1/documents/"+id+"/content", w.regulator, nil, "")
	if string(body) != "第二版" {
		t.Errorf("current version: %q", body)
	}
	var list struct {
		Total     int
		Documents []map[string]any
	}
	if w.e.getJSON("/api/v1/documents?limit=1", w.consultant, &list); list.Total != 1 || list.Documents[0]["version"].(float64) != 2 {
		t.Errorf("list %+v", list)
	}
	var trail struct{ Entries []cpaudit.LogEntry }
	w.e.getJSON("/api/v1/documents/"+id+"/log", w.regulator, &trail)
	if len(trail.Entries) != 5 { // upload, 1 download, version, 2 downloads
		t.Errorf("trail has %d entries", len(trail.Entries))
	}
}

func TestSniffedContentTypes(t *testing.T) {
	w := newWorld(t)
	zip := []byte("PK\x03\x04\x14\x00\x06\x00" + strings.Repeat("\x00", 40))
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"report.docx", zip, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"data.xlsx", zip, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"evil.docx", []byte("<html><script>alert(1)</script>"), "text/html; charset=utf-8"},
		{"scan.pdf", []byte("%PDF-1.7\n..."), "application/pdf"},
		{"photo.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg"},
		{"gbk.txt", []byte("\xc7\xe5\xbd\xe0\xc9\xfa\xb2\xfa"), "text/plain"},
	} {
		status, doc := w.e.upload(w.consultant, [][2]string{{"kind", "evidence"}}, tc.name, tc.content)
		if status != 201 || doc["content_type"] != tc.want {
			t.Errorf("%s: %d %v, want %s", tc.name, status, doc["content_type"], tc.want)
		}
	}
}

func TestBadUploads(t *testing.T) {
	w := newWorld(t, func(c *handlers.Config) { c.MaxUploadBytes = 1 << 20 })
	cases := []struct {
		name   string
		fields [][2]string
		file   string
		size   int
		want   int
		detail string
	}{
		{"no file", [][2]string{{"kind", "report"}}, "", 0, 400, "no file"},
		{"no kind", nil, "a.txt", 10, 400, "kind is required"},
		{"unknown kind", [][2]string{{"kind", "photo"}}, "a.txt", 10, 400, "unknown kind"},
		{"step 0", [][2]string{{"kind", "report"}, {"step", "0"}}, "a.txt", 10, 400, "outside 1..35"},
		{"step 36", [][2]string{{"kind", "report"}, {"step", "36"}}, "a.txt", 10, 400, "outside 1..35"},
		{"step text", [][2]string{{"kind", "report"}, {"step", "第三步"}}, "a.txt", 10, 400, "outside 1..35"},
		{"oversized", [][2]string{{"kind", "report"}}, "big.bin", 1<<20 + 1, 413, "limit"},
		{"other tenant's audit", [][2]string{{"kind", "report"}, {"audit_id", "placeholder"}}, "a.txt", 10, 404, ""},
		{"guideline by a consultant", [][2]string{{"kind", "guideline"}}, "a.txt", 10, 409, "publishers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fields := tc.fields
			for i, f := range fields {
				if f[1] == "placeholder" {
					fields[i][1] = w.otherAuditID
				}
			}
			body, ct := multipartBody(t, fields, tc.file, bytes.Repeat([]byte("x"), tc.size))
			status, b, h := w.e.do("POST", "/api/v1/documents", w.consultant, body, ct)
			if status != tc.want {
				t.Fatalf("status %d, want %d: %s", status, tc.want, b)
			}
			if d := problemOf(t, status, b, h); !strings.Contains(d, tc.detail) {
				t.Errorf("detail %q lacks %q", d, tc.detail)
			}
		})
	}
	// Not multipart at all, and a truncated multipart body.
	status, b, h := w.e.do("POST", "/api/v1/documents", w.consultant, strings.NewReader(`{"kind":"report"}`), "application/json")
	if status != 400 {
		t.Errorf("json body: %d", status)
	}
	problemOf(t, status, b, h)
	body, ct := multipartBody(t, [][2]string{{"kind", "report"}}, "a.txt", []byte("cut off here"))
	cut, _ := io.ReadAll(body)
	status, b, _ = w.e.do("POST", "/api/v1/documents", w.consultant, bytes.NewReader(cut[:len(cut)-20]), ct)
	if status != 400 {
		t.Errorf("truncated body: %d %s", status, b)
	}
	// Nothing above left a document or a spool file behind.
	var list struct{ Total int }
	w.e.getJSON("/api/v1/documents", w.admin, &list)
	if list.Total != 0 {
		t.Errorf("%d documents after only bad uploads", list.Total)
	}
}

func TestBadJSONAndParameters(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/api/v1/enterprises", `{"name":`, 400},
		{"POST", "/api/v1/enterprises", ``, 400},
		{"POST", "/api/v1/enterprises", `{"name":"某厂","credit_code":"91350100M000100Y44","industry":"C2710","region":"130100"}`, 422},
		{"POST", "/api/v1/enterprises", `{"name":"某厂","credit_code":"91350100M000100Y43","industry":"化工","region":"130100"}`, 422},
		{"POST", "/api/v1/enterprises", `{"name":"某厂","credit_code":"91350100M000100Y43","industry":"C2710","region":"13"}`, 422},
		{"POST", "/api/v1/enterprises", `{"name":"","credit_code":"91350100M000100Y43","industry":"C2710","region":"130100"}`, 400},
		{"POST", "/api/v1/enterprises", `{"name":["x"]}`, 400},
		{"POST", "/api/v1/audits", `{"enterprise_id":""}`, 400},
		{"POST", "/api/v1/audits", `{"enterprise_id":"nope"}`, 404},
		{"GET", "/api/v1/documents?limit=-1", ``, 400},
		{"GET", "/api/v1/documents?limit=abc", ``, 400},
		{"GET", "/api/v1/documents?offset=-5", ``, 400},
		{"GET", "/api/v1/documents?kind=photo", ``, 400},
		{"GET", "/api/v1/documents/nope/versions/abc/content", ``, 404},
		{"GET", "/api/v1/no-such-route", ``, 404},
	} {
		status, b, h := w.e.do(tc.method, tc.path, w.admin, strings.NewReader(tc.body), "application/json")
		if status != tc.want {
			t.Errorf("%s %s %s: %d, want %d: %s", tc.method, tc.path, tc.body, status, tc.want, b)
			continue
		}
		problemOf(t, status, b, h)
	}
	// A duplicate credit code is a conflict.
	status, _ := w.e.postJSON("/api/v1/enterprises", w.admin, map[string]string{
		"name": "重复", "credit_code": "91350100M000100Y43", "industry": "C2710", "region": "130100"}, nil)
	if status != 409 {
		t.Errorf("duplicate credit code: %d", status)
	}
}

// TestTenantIsolation: things cannot be made to point at another tenant's
// things, and lists never show them. (Every route that takes an id is
// tried with another tenant's ids in TestEveryRouteIsolatesTenants.)
func TestTenantIsolation(t *testing.T) {
	w := newWorld(t)
	var otherBatch struct{ ID string }
	if status, body := w.e.postJSON("/api/v1/batches", w.otherAdmin, map[string]any{"year": 2026, "number": 1, "name": "北京第一批"}, &otherBatch); status != 201 {
		t.Fatalf("other batch: %d %s", status, body)
	}
	// Creating things that point at another tenant's ids.
	if status, _ := w.e.postJSON("/api/v1/audits", w.admin, map[string]string{"enterprise_id": w.otherEntID}, nil); status != 404 {
		t.Errorf("audit of another tenant's enterprise: %d", status)
	}
	if status, _ := w.e.postJSON("/api/v1/audits", w.admin, map[string]string{"enterprise_id": w.entID, "batch_id": otherBatch.ID}, nil); status != 404 {
		t.Errorf("audit in another tenant's batch: %d", status)
	}
	var batches struct{ Batches []any }
	if w.e.getJSON("/api/v1/batches", w.admin, &batches); len(batches.Batches) != 0 {
		t.Errorf("hebei lists beijing's batches: %v", batches.Batches)
	}
	status, _ := w.e.upload(w.admin, [][2]string{{"kind", "other"}, {"audit_id", w.otherAuditID}}, "x.txt", []byte("x"))
	if status != 404 {
		t.Errorf("upload into another tenant's audit: %d", status)
	}
	// Lists never show another tenant's documents.
	var list struct{ Total int }
	w.e.getJSON("/api/v1/documents", w.admin, &list)
	if list.Total != 0 {
		t.Errorf("hebei lists %d documents", list.Total)
	}
}

func TestConcurrentUploads(t *testing.T) {
	w := newWorld(t)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body, ct := multipartBody(t, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, fmt.Sprintf("现场照片%d.txt", i), bytes.Repeat([]byte{byte(i)}, 100<<10))
			req, _ := http.NewRequest("POST", w.e.srv.URL+"/api/v1/documents", body)
			req.Header.Set("Authorization", "Bearer "+w.consultant)
			req.Header.Set("Content-Type", ct)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 201 {
				errs <- fmt.Sprint("status ", resp.StatusCode)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var list struct{ Total int }
	w.e.getJSON("/api/v1/documents", w.consultant, &list)
	if list.Total != 16 {
		t.Errorf("%d documents", list.Total)
	}
	rep, err := w.e.store.Verify(context.Background(), nil)
	if err != nil || len(rep.Problems) != 0 {
		t.Errorf("verify after concurrent uploads: %+v %v", rep.Problems, err)
	}
}

func TestOperationsEndpoints(t *testing.T) {
	w := newWorld(t)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		status, body, _ := w.e.do("GET", path, "", nil, "")
		if status != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
	// 1234 bytes here and the 21 that newWorld uploads make 1255.
	w.e.upload(w.consultant, [][2]string{{"kind", "evidence"}}, "a.txt", bytes.Repeat([]byte("x"), 1234))
	status, body, _ := w.e.do("GET", "/metrics", "", nil, "")
	m := string(body)
	if status != 200 || !strings.Contains(m, `cpaudit_http_requests_total{method="POST",route="/api/v1/documents",status="201"}`) ||
		!strings.Contains(m, "cpaudit_uploaded_bytes_total 1255") || !strings.Contains(m, "cpaudit_http_request_duration_seconds_bucket") {
		t.Errorf("metrics:\n%s", m)
	}
	// Raw ids never become labels.
	if strings.Contains(m, w.otherDocID) {
		t.Error("a document id is a metric label")
	}
}

func TestDocumentText(t *testing.T) {
	w := newWorld(t)
	status, doc := w.e.upload(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, "报告.txt", []byte("节水量12000吨/年"))
	if status != 201 {
		t.Fatal(status)
	}
	id := doc["id"].(string)
	status, b, h := w.e.do("GET", "/api/v1/documents/"+id+"/text", w.regulator, nil, "")
	if status != 404 || !strings.Contains(problemOf(t, status, b, h), "not been extracted") {
		t.Fatalf("before extraction: %d %s", status, b)
	}
	// Stand in for the pipeline worker.
	tn, _ := w.e.store.TenantBySlug(context.Background(), "hebei")
	jobs, err := w.e.store.ClaimTextJobs(context.Background(), tn.ID, 10, time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		w.e.store.CompleteTextJob(context.Background(), j, cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: "节水量12000吨/年"})
	}
	var txt cpaudit.ExtractedText
	if status := w.e.getJSON("/api/v1/documents/"+id+"/text", w.regulator, &txt); status != 200 || txt.Text != "节水量12000吨/年" || txt.Status != cpaudit.TextDone {
		t.Fatalf("text: %d %+v", status, txt)
	}
	if status := w.e.getJSON("/api/v1/documents/"+id+"/versions/1/text", w.regulator, &txt); status != 200 {
		t.Fatalf("version text: %d", status)
	}
	var meta map[string]any
	w.e.getJSON("/api/v1/documents/"+id, w.regulator, &meta)
	if meta["text_status"] != "done" {
		t.Errorf("text_status %v", meta["text_status"])
	}
	if status := w.e.getJSON("/api/v1/documents/"+w.otherDocID+"/text", w.admin, nil); status != 404 {
		t.Errorf("another tenant's text: %d", status)
	}
}
