package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit/storage/blob/blobtest"
)

// outageTimeout is the --s3-timeout of the outage test, and outageBound
// the longest any request may take while the object store is down: the
// timeout plus minio-go's few quick retries, far from a hang.
const (
	outageTimeout = 3 * time.Second
	outageBound   = 20 * time.Second
)

// TestObjectStoreOutage (issue 25): MinIO is killed while clients upload
// and download. Every request ends within outageBound with its success or
// a 503 problem+json carrying Retry-After, never a 500; /readyz turns not
// ready; when MinIO comes back on the same port and directory the same
// server process serves again; every acknowledged upload downloads intact
// and `cpaudit verify` finds no document without its blob.
func TestObjectStoreOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MinIO")
	}
	minio := blobtest.StartServer(t)
	data := t.TempDir()
	s3 := []string{"--s3-endpoint", minio.Endpoint, "--s3-access-key", minio.AccessKey, "--s3-secret-key", minio.SecretKey,
		"--s3-bucket", "cpaudit-outage", "--s3-secure=false"}
	mustCLI(t, append([]string{"tenant", "create", "hebei", "--name", "河北", "--data", data}, s3...)...)
	mustCLI(t, append([]string{"user", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--role", "consultant", "--password", "一个足够长的密码abc", "--data", data}, s3...)...)
	token := strings.TrimSpace(mustCLI(t, append([]string{"token", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--data", data}, s3...)...))
	base, stop, done := startServer(t, data, append(s3, "--s3-timeout", outageTimeout.String())...)
	c := outageClient{t: t, base: base, token: token, client: &http.Client{Timeout: time.Minute}}

	// Before the outage: a document to download throughout.
	first := randomContent(1 << 20)
	r := c.upload("审核报告-停机前.bin", first)
	if r.status != http.StatusCreated {
		t.Fatalf("upload before the outage: %d %s", r.status, r.body)
	}
	var acked sync.Map // id → SHA-256 of every upload answered 201
	acked.Store(r.id, sha256.Sum256(first))
	if r := c.get("/readyz"); r.status != http.StatusOK {
		t.Fatalf("readyz before the outage: %d %s", r.status, r.body)
	}

	// Clients upload and download without pause; MinIO is killed among
	// them, and they go on a while against the dead store.
	ctx, stopClients := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[string]int{}
	record := func(what string, r outageResult) {
		mu.Lock()
		counts[fmt.Sprintf("%s %d", what, r.status)]++
		mu.Unlock()
	}
	for i := range 4 {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				content := randomContent(2<<20 + n*4096)
				r := c.upload(fmt.Sprintf("证据-%d-%d.bin", i, n), content)
				record("upload", r)
				c.checkDuringOutage("upload", r, http.StatusCreated)
				if r.status == http.StatusCreated {
					acked.Store(r.id, sha256.Sum256(content))
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				r := c.download(r.id)
				record("download", r)
				c.checkDuringOutage("download", r, http.StatusOK)
			}
		})
	}
	time.Sleep(time.Second)
	minio.Stop()
	time.Sleep(2 * time.Second)
	stopClients()
	wg.Wait()
	t.Logf("requests around the outage: %v", counts)
	// The outage must have met both kinds of request, not only one.
	if counts["upload 503"] == 0 || counts["download 503"] == 0 {
		t.Errorf("MinIO stopped without meeting both uploads and downloads: %v", counts)
	}

	// During the outage, on a fresh request: 503s, and not ready.
	for _, r := range []outageResult{c.upload("停机中.bin", randomContent(4096)), c.download(r.id)} {
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s during the outage: %d, want 503 %s", r.what, r.status, r.body)
		}
		c.checkDuringOutage(r.what, r, 0)
	}
	if r := c.get("/readyz"); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Errorf("readyz during the outage: %d (Retry-After %q), want 503 with Retry-After", r.status, r.header.Get("Retry-After"))
	}

	// A hung store (it accepts connections, answers nothing) is no better
	// than a dead one, and is not waited on past the timeout either.
	minio.Start()
	c.waitReady()
	minio.Freeze()
	for _, r := range []outageResult{c.upload("挂起中.bin", randomContent(4<<20)), c.download(r.id), c.get("/readyz")} {
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s while MinIO hangs: %d, want 503 %s", r.what, r.status, r.body)
		}
		if r.elapsed > outageBound {
			t.Errorf("%s while MinIO hangs took %s, more than %s", r.what, r.elapsed, outageBound)
		}
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s while MinIO hangs: 503 without Retry-After", r.what)
		}
	}
	minio.Thaw()
	minio.Stop()

	// MinIO comes back: the same process serves again.
	minio.Start()
	c.waitReady()
	after := randomContent(1 << 20)
	if r := c.upload("审核报告-恢复后.bin", after); r.status != http.StatusCreated {
		t.Fatalf("upload after the outage: %d %s", r.status, r.body)
	} else {
		acked.Store(r.id, sha256.Sum256(after))
	}
	n := 0
	acked.Range(func(id, sum any) bool {
		n++
		r := c.download(id.(string))
		if r.status != http.StatusOK || sha256.Sum256(r.raw) != sum.([32]byte) {
			t.Errorf("acknowledged document %s after the outage: %d, %d bytes, SHA-256 differs or missing", id, r.status, len(r.raw))
		}
		return true
	})
	t.Logf("%d acknowledged uploads download intact", n)

	// Nothing half-written counts as a document: the tenant holds exactly
	// the documents acknowledged (an upload refused with 503 left no row,
	// and a blob it may have left is no document).
	var list struct{ Total int }
	if r := c.get("/api/v1/documents?limit=1"); r.status != http.StatusOK || json.Unmarshal(r.raw, &list) != nil || list.Total != n {
		t.Errorf("the tenant lists %d documents (%d %s), want the %d acknowledged", list.Total, r.status, r.body, n)
	}
	// The background work resumes too, without a restart: the queues
	// drain and no document is left failed because its blob could not
	// be read during the outage (a job that met the outage is put back
	// without counting the attempt, and retried after its backoff).
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var st struct {
			Index    int `json:"index_pending"`
			Analysis int `json:"analysis_pending"`
		}
		r := c.get("/api/v1/status")
		if r.status == http.StatusOK && json.Unmarshal(r.raw, &st) == nil && st.Index == 0 && st.Analysis == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queues not drained 3 minutes after MinIO came back: %d %s", r.status, r.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	acked.Range(func(id, _ any) bool {
		var meta struct {
			TextStatus string `json:"text_status"`
		}
		r := c.get("/api/v1/documents/" + id.(string))
		if json.Unmarshal(r.raw, &meta); meta.TextStatus == "failed" || meta.TextStatus == "pending" {
			t.Errorf("document %s after the outage: text_status %s", id, meta.TextStatus)
		}
		return true
	})

	// Nothing half-written: every document row has its blob.
	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	done <- nil // for startServer's cleanup
	if out := mustCLI(t, append([]string{"verify", "--data", data}, s3...)...); !strings.Contains(out, fmt.Sprintf(" %d blobs: 0 problems", n)) {
		t.Errorf("verify after the outage: %s", out)
	}
}

// outageClient is an API client of the outage test.
type outageClient struct {
	t      *testing.T
	base   string
	token  string
	client *http.Client
}

// outageResult is an answer, or status -1 when the request failed on the
// network (a body cut short counts as read, in raw).
type outageResult struct {
	what    string
	status  int
	header  http.Header
	body    string // up to 512 bytes, for messages
	raw     []byte
	id      string // of a 201 upload
	elapsed time.Duration
	err     error
}

func (c outageClient) do(what string, req *http.Request) outageResult {
	req.Header.Set("Authorization", "Bearer "+c.token)
	start := time.Now()
	resp, err := c.client.Do(req)
	r := outageResult{what: what, status: -1, err: err}
	if err == nil {
		r.status, r.header = resp.StatusCode, resp.Header
		r.raw, r.err = io.ReadAll(resp.Body)
		resp.Body.Close()
		r.body = string(r.raw[:min(len(r.raw), 512)])
	}
	r.elapsed = time.Since(start)
	if r.status == http.StatusCreated {
		var created struct{ ID string }
		json.Unmarshal(r.raw, &created)
		r.id = created.ID
	}
	return r
}

func (c outageClient) upload(name string, content []byte) outageResult {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", "evidence")
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/documents", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do("upload", req)
}

func (c outageClient) download(id string) outageResult {
	req, _ := http.NewRequest("GET", c.base+"/api/v1/documents/"+id+"/content", nil)
	return c.do("download", req)
}

// waitReady waits for /readyz to answer ready, at most 30 s.
func (c outageClient) waitReady() {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for c.get("/readyz").status != http.StatusOK {
		if time.Now().After(deadline) {
			c.t.Fatal("readyz not ready 30 s after MinIO came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c outageClient) get(path string) outageResult {
	req, _ := http.NewRequest("GET", c.base+path, nil)
	return c.do("GET "+path, req)
}

// checkDuringOutage checks an answer given while the object store may be
// down: within outageBound; ok (the success status, or 0 for none) or 503
// problem+json with Retry-After. A download whose 200 was sent before the
// store died may end cut short: its status cannot change any more.
func (c outageClient) checkDuringOutage(what string, r outageResult, ok int) {
	c.t.Helper()
	if r.elapsed > outageBound {
		c.t.Errorf("%s took %s, more than %s", what, r.elapsed, outageBound)
	}
	switch {
	case r.status == ok && ok != 0:
	case r.status == http.StatusServiceUnavailable:
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" || !strings.Contains(r.body, `"status":503`) {
			c.t.Errorf("%s: 503 as %q: %s", what, ct, r.body)
		}
		if r.header.Get("Retry-After") == "" {
			c.t.Errorf("%s: 503 without Retry-After", what)
		}
	default:
		c.t.Errorf("%s: status %d (%v), want %d or 503: %s", what, r.status, r.err, ok, r.body)
	}
}

func randomContent(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
