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
