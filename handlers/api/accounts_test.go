package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/api"
	"github.com/cpaudit/cpaudit/handlers/httpx"

	"github.com/gorilla/mux"
)

// fakeAccounts is an in-memory store for the routes of accounts.go, built
// from the API's narrow interfaces: it implements AccountStore's token and
// tenant lookups, and the embedded (nil) Store panics if a route reaches
// for anything else, so the test shows exactly what the routes use.
type fakeAccounts struct {
	api.Store
	users   map[string]cpaudit.User // by token
	tenants map[string]cpaudit.Tenant
}

func (f fakeAccounts) UserByToken(_ context.Context, token string) (cpaudit.User, error) {
	u, ok := f.users[token]
	if !ok {
		return cpaudit.User{}, cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeUnauthenticated, "no such token")
	}
	return u, nil
}

func (f fakeAccounts) TenantByID(_ context.Context, id string) (cpaudit.Tenant, error) {
	t, ok := f.tenants[id]
	if !ok {
		return cpaudit.Tenant{}, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNotFound, "no such tenant")
	}
	return t, nil
}

func newAPI(t *testing.T, store api.Store) *httptest.Server {
	t.Helper()
	r := mux.NewRouter()
	api.New(api.Config{Kit: httpx.New(httpx.Config{}), Store: store}).Routes(r.PathPrefix("/api/v1").Subrouter())
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// TestMeWithFakeStore answers /me from the token's user and tenant, and
// refuses a missing or unknown token with problem+json, without storage.
func TestMeWithFakeStore(t *testing.T) {
	store := fakeAccounts{
		users:   map[string]cpaudit.User{"tok": {ID: "u1", TenantID: "t1", Email: "zhang@example.cn", Role: cpaudit.RoleRegulator}},
		tenants: map[string]cpaudit.Tenant{"t1": {ID: "t1", Slug: "hebei", Name: "河北省生态环境厅"}},
	}
	srv := newAPI(t, store)
	get := func(token string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	resp := get("tok")
	var me map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	if me["tenant"] != "hebei" || me["email"] != "zhang@example.cn" || me["role"] != "regulator" || me["user_id"] != "u1" {
		t.Errorf("me = %v", me)
	}
	for _, token := range []string{"", "wrong"} {
		resp := get(token)
		var p struct {
			Status int
			Code   string
		}
		json.NewDecoder(resp.Body).Decode(&p)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/problem+json" || p.Status != 401 || p.Code == "" {
			t.Errorf("token %q: status %d %q, problem %+v", token, resp.StatusCode, resp.Header.Get("Content-Type"), p)
		}
	}
}
