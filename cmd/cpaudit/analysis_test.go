package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

func (c apiClient) post(path string, in, out any) {
	c.t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		c.t.Fatalf("POST %s: %v %v", path, resp, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		c.t.Fatal(err)
	}
}

func (c apiClient) uploadTo(auditID, filename, content string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", "evidence")
	mw.WriteField("audit_id", auditID)
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

// TestServerAnalyses: the server analyses uploads in the background, and
// analysis_pending reaches 0 with the flag raised.
func TestServerAnalyses(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北", "--data", data)
	mustCLI(t, "user", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--role", "admin", "--password", "一个足够长的密码abc", "--data", data)
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--data", data))
	base, _, _ := startServer(t, data)
	c := apiClient{t: t, base: base, token: token}

	var audits []string
	for _, e := range []struct{ name, code string }{{"石家庄化工有限公司", "91350100M000100Y43"}, {"绿源环保咨询", "91110000600037341L"}} {
		var ent, au struct{ ID string }
		c.post("/api/v1/enterprises", map[string]string{"name": e.name, "credit_code": e.code, "industry": "C2710", "region": "130100"}, &ent)
		c.post("/api/v1/audits", map[string]string{"enterprise_id": ent.ID}, &au)
		audits = append(audits, au.ID)
	}
	c.uploadTo(audits[0], "铭牌.txt", "设备铭牌：型号 YX3-280M-4，出厂编号 20250042")
	c.uploadTo(audits[1], "铭牌.txt", "设备铭牌：型号 YX3-280M-4，出厂编号 20250042")
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct {
			IndexPending    int `json:"index_pending"`
			AnalysisPending int `json:"analysis_pending"`
		}
		if status := c.get("/api/v1/status", &st); status != 200 {
			t.Fatalf("status: %d", status)
		}
		if st.IndexPending == 0 && st.AnalysisPending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still pending after 30 s: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var fl struct {
		Flags []struct{ Kind string }
	}
	if status := c.get("/api/v1/flags", &fl); status != 200 || len(fl.Flags) != 1 || fl.Flags[0].Kind != "duplicate_file" {
		t.Fatalf("flags: %d %+v", status, fl)
	}
}
