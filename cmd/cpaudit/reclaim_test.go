package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeReclaimsDeadLeases: a job leased for an hour by a server that
// was killed is done within seconds of the next start, not after its lease.
func TestServeReclaimsDeadLeases(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北", "--data", data)
	mustCLI(t, "user", "create", "--tenant", "hebei", "--email", "admin@hebei.gov.cn", "--role", "admin", "--password", "一个足够长的密码abc", "--data", data)
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--tenant", "hebei", "--email", "admin@hebei.gov.cn", "--data", data))

	base, stop, done := startServer(t, data)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", "report")
	fw, _ := mw.CreateFormFile("file", "审核报告.txt")
	fw.Write([]byte("清洁生产审核报告"))
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/documents", &body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %v", resp, err)
	}
	var doc struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	waitPending(t, base, token, 20*time.Second)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil // for startServer's cleanup

	// The state a SIGKILL leaves: an extraction claimed for an hour by a
	// run that is gone.
	db, err := sql.Open("sqlite3", filepath.Join(data, "tenants", "hebei", "tenant.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMicro()
	_, err = db.Exec(`INSERT INTO jobs (kind, document_id, version, attempts, not_before, created_at, lease_run)
		VALUES ('extract', ?, 1, 1, ?, ?, 'run-killed')`, doc.ID, now+time.Hour.Microseconds(), now)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	base, _, _ = startServer(t, data)
	waitPending(t, base, token, 20*time.Second)
}

// waitPending waits until the server has no index or analysis work left.
func waitPending(t *testing.T, base, token string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		req, _ := http.NewRequest("GET", base+"/api/v1/status", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Index    int `json:"index_pending"`
			Analysis int `json:"analysis_pending"`
		}
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if st.Index == 0 && st.Analysis == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still pending after %s: %+v", within, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
