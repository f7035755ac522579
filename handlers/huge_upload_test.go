package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit/handlers"
)

// endless is a reader of n bytes generated as they are read, never held:
// a client streaming a file far larger than any limit.
type endless struct {
	left int64
	read atomic.Int64
}

func (r *endless) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.left)
	for i := range p[:n] {
		p[i] = '0' + byte(i%10)
	}
	r.left -= n
	r.read.Add(n)
	return int(n), nil
}

// TestTenGigabyteUpload streams 10 GB (generated, never in memory) to every
// upload route, once declaring its length and once chunked: the server
// answers 413 problem+json within seconds, having read little more than its
// limit, allocating a bounded amount, leaving no spool file, and serving
// the next request as before.
func TestTenGigabyteUpload(t *testing.T) {
	const limit = 8 << 20
	const tenGB = 10_000_000_000
	w := newWorld(t, func(c *handlers.Config) { c.MaxUploadBytes = limit })
	e := w.e
	docID := e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, "报告.txt", []byte("清洁生产审核报告"))
	b := e.browser()
	b.mustLogin("hebei", "zhang@lvyuan.cn")
	csrf := b.csrf()
	var session string
	for _, c := range b.c.Jar.Cookies(mustURL(t, e.srv.URL)) {
		if c.Name == "cpaudit_session" {
			session = c.Value
		}
	}

	const boundary = "cpauditBoundary7MA4YWxkTrZu0gW"
	for _, route := range []struct {
		name, path string
		fields     string
		web        bool
	}{
		{"API upload", "/api/v1/documents", "kind=report", false},
		{"API new version", "/api/v1/documents/" + docID + "/versions", "", false},
		{"API enterprise import", "/api/v1/enterprises/import", "", false},
		{"API screening source", "/api/v1/screening/sources", "", false},
		{"web upload", "/upload", "kind=report", true},
	} {
		for _, chunked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s chunked=%v", route.name, chunked), func(t *testing.T) {
				var head strings.Builder
				if k, v, ok := strings.Cut(route.fields, "="); ok {
					fmt.Fprintf(&head, "--%s\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", boundary, k, v)
				}
				fmt.Fprintf(&head, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"巨大的报告.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n", boundary)
				gen := &endless{left: tenGB}
				body := io.MultiReader(strings.NewReader(head.String()), gen, strings.NewReader("\r\n--"+boundary+"--\r\n"))
				req, err := http.NewRequest("POST", e.srv.URL+route.path, body)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
				if !chunked {
					req.ContentLength = int64(head.Len()) + tenGB + int64(len(boundary)) + 8
				}
				token := w.admin
				if route.web {
					req.AddCookie(&http.Cookie{Name: "cpaudit_session", Value: session})
					req.Header.Set("X-CSRF-Token", csrf)
					req.Header.Set("Accept", "application/json")
				} else {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				start := time.Now()
				resp, err := http.DefaultClient.Do(req)
				elapsed := time.Since(start)
				if err != nil {
					t.Fatalf("after %v and %d MiB sent: %v", elapsed, gen.read.Load()>>20, err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				runtime.ReadMemStats(&after)
				if resp.StatusCode != http.StatusRequestEntityTooLarge {
					t.Fatalf("status %d, want 413: %s", resp.StatusCode, got)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Errorf("Content-Type %q, want problem+json", ct)
				}
				sent := gen.read.Load()
				t.Logf("413 after %v, %d MiB generated, %d MiB allocated", elapsed.Round(time.Millisecond), sent>>20, (after.TotalAlloc-before.TotalAlloc)>>20)
				if elapsed > 10*time.Second {
					t.Errorf("took %v", elapsed)
				}
				// What the server read, plus what sits in socket buffers.
				if sent > limit+64<<20 {
					t.Errorf("the client got to send %d MiB past an %d MiB limit", sent>>20, limit>>20)
				}
				if a := after.TotalAlloc - before.TotalAlloc; a > 128<<20 {
					t.Errorf("allocated %d MiB for one refused upload", a>>20)
				}
			})
		}
	}
	// Nothing was spooled and kept, and the server goes on serving.
	spool, _ := os.ReadDir(filepath.Join(e.dir, "tmp"))
	if len(spool) != 0 {
		t.Errorf("spool files left: %d", len(spool))
	}
	if status, _, _ := e.do("GET", "/healthz", "", nil, ""); status != 200 {
		t.Errorf("healthz after the uploads: %d", status)
	}
	if status, doc := e.upload(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, "小报告.txt", []byte("清洁生产")); status != 201 {
		t.Errorf("a normal upload after them: %d %v", status, doc)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
