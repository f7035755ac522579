package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
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
	c.upload("铭牌.txt", "设备铭牌：型号 YX3-280M-4，出厂编号 20250042", [2]string{"kind", "evidence"}, [2]string{"audit_id", audits[0]})
	c.upload("铭牌.txt", "设备铭牌：型号 YX3-280M-4，出厂编号 20250042", [2]string{"kind", "evidence"}, [2]string{"audit_id", audits[1]})
	c.waitIdle()
	var fl struct {
		Flags []struct{ Kind string }
	}
	if status := c.get("/api/v1/flags", &fl); status != 200 || len(fl.Flags) != 1 || fl.Flags[0].Kind != "duplicate_file" {
		t.Fatalf("flags: %d %+v", status, fl)
	}
}
