package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// Tests of the findings of issue 24's hostile test that have no better
// home.

// TestAPICreateUserPasswordPolicy: POST /api/v1/users refuses the
// passwords that pass the length rule but nothing else.
func TestAPICreateUserPasswordPolicy(t *testing.T) {
	e := newTestEnv(t)
	admin := e.user(e.tenant("hebei"), "admin@hebei.gov.cn", cpaudit.RoleAdmin, "")
	for _, pw := range []string{"          ", strings.Repeat("\x00", 10), "password123", "QWERTYUIOP", "1234567890", "woaini1314", "bbbbbbbbbbbb"} {
		status, body := e.postJSON("/api/v1/users", admin, map[string]string{"email": "li@hebei.gov.cn", "role": "regulator", "password": pw}, nil)
		if status != http.StatusBadRequest || !strings.Contains(string(body), "password") {
			t.Errorf("password %q: %d %s, want 400 about the password", pw, status, body)
		}
	}
	if status, body := e.postJSON("/api/v1/users", admin, map[string]string{"email": "li@hebei.gov.cn", "role": "expert", "password": testPassword}, nil); status != http.StatusCreated {
		t.Errorf("good password: %d %s", status, body)
	}
}

// TestBidiControlsInNames: a right-to-left override in a file name or a
// title is dropped before it is stored, so that no page, API answer or
// download shows "报告\u202Efdp.exe" as 报告exe.pdf.
func TestBidiControlsInNames(t *testing.T) {
	e, email, token := webWorld(t)
	status, out := e.upload(token, [][2]string{{"kind", "report"}, {"title", "审核\u202E报告\u2066"}}, "报告\u202Efdp.exe", []byte("MZ"))
	id, _ := out["id"].(string)
	if status != 201 || id == "" {
		t.Fatalf("upload: %d %v", status, out)
	}
	if out["filename"] != "报告fdp.exe" || out["title"] != "审核报告" {
		t.Errorf("stored filename %q, title %q; want 报告fdp.exe, 审核报告", out["filename"], out["title"])
	}
	b := e.browser()
	b.mustLogin("hebei", email)
	// The title defaults to the file name.
	status, out = e.upload(token, [][2]string{{"kind", "report"}}, "\u202Bexe.\u202Cpdf", []byte("%PDF-"))
	if status != 201 || out["title"] != "exe.pdf" {
		t.Errorf("default title: %d %q, want exe.pdf", status, out["title"])
	}
	bidi := "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C"
	for _, path := range []string{"/documents", "/documents/" + id, "/api/v1/documents/" + id} {
		var body string
		if strings.HasPrefix(path, "/api/") {
			_, raw, _ := e.do("GET", path, token, nil, "")
			body = string(raw)
		} else {
			body = b.page(path)
		}
		if strings.ContainsAny(body, bidi) || strings.Contains(body, `\u202e`) || strings.Contains(body, `\u202E`) {
			t.Errorf("%s shows a bidirectional control", path)
		}
	}
	_, _, h := e.do("GET", "/api/v1/documents/"+id+"/content", token, nil, "")
	if cd := h.Get("Content-Disposition"); strings.Contains(cd, "%E2%80%AE") || strings.ContainsAny(cd, bidi) ||
		!strings.Contains(cd, "filename*=UTF-8''%E6%8A%A5%E5%91%8Afdp.exe") {
		t.Errorf("Content-Disposition %q", cd)
	}
}
