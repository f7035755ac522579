package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// apiClient calls a running server with a token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (c apiClient) get(path string, v any) int {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			c.t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// upload posts a file with the form fields given; kind is report unless
// a field says otherwise.
func (c apiClient) upload(filename, content string, fields ...[2]string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if !slices.ContainsFunc(fields, func(f [2]string) bool { return f[0] == "kind" }) {
		mw.WriteField("kind", "report")
	}
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/documents", &body)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		c.t.Fatalf("upload: %v %v", resp, err)
	}
	resp.Body.Close()
}

func (c apiClient) total(q string) int {
	c.t.Helper()
	var ans struct{ Total int }
	if status := c.get("/api/v1/search?q="+url.QueryEscape(q), &ans); status != 200 {
		c.t.Fatalf("search %q: %d", q, status)
	}
	return ans.Total
}

// waitIdle waits until the server has extracted, indexed and analysed
// everything.
func (c apiClient) waitIdle() {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct {
			IndexPending    int `json:"index_pending"`
			AnalysisPending int `json:"analysis_pending"`
		}
		if status := c.get("/api/v1/status", &st); status != 200 {
			c.t.Fatalf("status: %d", status)
		}
		if st.IndexPending == 0 && st.AnalysisPending == 0 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("still pending after 30 s: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSearchIndexLifecycle: the server indexes uploads in the background;
// reindex refuses to touch an index a server has open, rebuilds it when the
// server is stopped, and a server that finds its index gone queues every
// document again by itself.
func TestSearchIndexLifecycle(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北", "--data", data)
	mustCLI(t, "user", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--role", "admin", "--password", "一个足够长的密码abc", "--data", data)
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--data", data))

	base, stop, done := startServer(t, data)
	c := apiClient{t: t, base: base, token: token}
	c.upload("一.txt", "本企业全年节水量达到一万二千吨。")
	c.upload("二.txt", "余热回收发电，全年节水量一千吨。")
	c.upload("三.jpg.txt", "与检索无关的内容")
	c.waitIdle()
	if n := c.total("节水量"); n != 2 {
		t.Fatalf("节水量: %d documents, want 2", n)
	}

	_, errOut, err := cli(t, nil, "reindex", "--tenant", "hebei", "--data", data)
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("reindex beside a running server: %v\n%s", err, errOut)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil

	// The index is lost; reindex rebuilds it from the stored texts.
	indexDir := filepath.Join(data, "tenants", "hebei", "index")
	if err := os.RemoveAll(indexDir); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := cli(t, nil, "reindex", "--tenant", "hebei", "--data", data)
	if err != nil || !strings.Contains(out, "3 documents with text") || !strings.Contains(errOut, "indexing hebei") {
		t.Fatalf("reindex: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	if _, _, err := cli(t, nil, "reindex", "--tenant", "nowhere", "--data", data); err == nil || !strings.Contains(err.Error(), "unknown tenant") {
		t.Fatalf("reindex of an unknown tenant: %v", err)
	}
	base, stop, done = startServer(t, data)
	c.base = base
	if n := c.total("一万二千"); n != 1 { // searchable at once, nothing queued
		t.Fatalf("after reindex: %d", n)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil

	// Without reindex, a server that finds no index queues everything again.
	if err := os.RemoveAll(indexDir); err != nil {
		t.Fatal(err)
	}
	base, _, _ = startServer(t, data)
	c.base = base
	c.waitIdle()
	if n := c.total("节水量"); n != 2 {
		t.Fatalf("after the index was lost: %d documents, want 2", n)
	}
}
