package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers"
	"github.com/cpaudit/cpaudit/letter"
	"github.com/cpaudit/cpaudit/search/index"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob"
	"github.com/cpaudit/cpaudit/templates"
)

// newClockedEnv is newTestEnv with one settable clock for the server and
// its storage, so session times can be tested without sleeping.
func newClockedEnv(t *testing.T, clock *fakeClock, opts ...func(*handlers.Config)) *testEnv {
	t.Helper()
	dir := t.TempDir()
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.Open(context.Background(), storage.Config{DataDir: dir, Blobs: blobs, Passwords: cheapPasswords, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	indexes := index.NewSet(func(ctx context.Context, tenantID string) (string, error) {
		tn, err := store.TenantByID(ctx, tenantID)
		if err != nil {
			return "", err
		}
		return store.IndexDir(tn.Slug), nil
	})
	t.Cleanup(func() { indexes.Close() })
	cfg := handlers.Config{Store: store, Search: indexes, Letters: letter.NewService(store, nil, nil), Templates: templates.FS, Now: clock.now}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := handlers.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(checkAPI(t, h))
	t.Cleanup(srv.Close)
	return &testEnv{t: t, store: store, indexes: indexes, srv: srv, handler: h, dir: dir}
}

// sessionOf is the session cookie the browser holds, "" if none.
func (b *browser) sessionOf() string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "cpaudit_session" {
			return c.Value
		}
	}
	return ""
}

// withCookie answers whether a bare request carrying only this session
// cookie is let in (200) or sent to the login page (303).
func (e *testEnv) withCookie(cookie string) int {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/documents", nil)
	req.AddCookie(&http.Cookie{Name: "cpaudit_session", Value: cookie})
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSessionRenewedAtLogin: a login always gets a new session id, and a
// session cookie the browser carried into the login (planted by an
// attacker, or left by an earlier login) does not survive it.
func TestSessionRenewedAtLogin(t *testing.T) {
	e, email, _ := webWorld(t)
	a, err := e.store.TenantBySlug(context.Background(), "hebei")
	if err != nil {
		t.Fatal(err)
	}
	cons := e.org(cpaudit.SystemActor(a.ID), cpaudit.OrgConsultancy, "蓝天环保咨询", "91110000600037342")
	e.user(cpaudit.SystemActor(a.ID), "attacker@lantian.cn", cpaudit.RoleConsultant, cons.ID)
	liveSession := func(who string) string {
		b := e.browser()
		b.mustLogin("hebei", who)
		return b.sessionOf()
	}
	for _, c := range []struct {
		name    string
		planted func() string
		live    bool // the planted cookie worked before the login
	}{
		{"none", func() string { return "" }, false},
		{"forged value", func() string { return a.ID + ".attacker-chose-this-id" }, false},
		{"attacker's live session", func() string { return liveSession("attacker@lantian.cn") }, true},
		{"own earlier session", func() string { return liveSession(email) }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := e.browser()
			csrf := b.loginForm()
			planted := c.planted()
			if planted != "" {
				u, _ := url.Parse(e.srv.URL)
				b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "cpaudit_session", Value: planted, Path: "/"}})
				if got, want := e.withCookie(planted), map[bool]int{true: 200, false: 303}[c.live]; got != want {
					t.Fatalf("planted cookie before login: %d, want %d", got, want)
				}
			}
			r := b.postForm("/login", url.Values{"csrf": {csrf}, "tenant": {"hebei"}, "email": {email}, "password": {testPassword}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("login: %d", r.status)
			}
			now := b.sessionOf()
			if now == "" || now == planted {
				t.Fatalf("session id after login %q, planted %q: want a new one", now, planted)
			}
			if planted != "" {
				if got := e.withCookie(planted); got != http.StatusSeeOther {
					t.Errorf("the cookie presented at login still works after it: %d", got)
				}
			}
			if got := e.withCookie(now); got != http.StatusOK {
				t.Errorf("the new session: %d, want 200", got)
			}
		})
	}
}

// TestSessionIdleTimeout: through the router, a session unused for the idle
// time (default 30 minutes, or as configured) is sent to the login page,
// and stays out; one in use lives to its absolute lifetime and no longer.
func TestSessionIdleTimeout(t *testing.T) {
	for _, c := range []struct {
		name  string
		idle  time.Duration // 0: the default
		ttl   time.Duration // 0: the default, 12 hours
		uses  []time.Duration
		check time.Duration
		in    bool
	}{
		{"default, 29 minutes idle", 0, 0, nil, 29 * time.Minute, true},
		{"default, 30 minutes idle", 0, 0, nil, 30 * time.Minute, false},
		{"configured 10m, 9 minutes idle", 10 * time.Minute, 0, nil, 9 * time.Minute, true},
		{"configured 10m, 10 minutes idle", 10 * time.Minute, 0, nil, 10 * time.Minute, false},
		{"configured 2h, 90 minutes idle", 2 * time.Hour, 0, nil, 90 * time.Minute, true},
		{"in use every 20 minutes for 3 hours", 0, 0, []time.Duration{20, 40, 60, 80, 100, 120, 140, 160}, 180 * time.Minute, true},
		{"in use, past the lifetime", 0, time.Hour, []time.Duration{20, 40}, 60 * time.Minute, false},
		{"idle after use", 0, 0, []time.Duration{20, 40}, 70 * time.Minute, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The jar drops a cookie whose Expires has passed by the real
			// clock, so the test clock starts now.
			clock := &fakeClock{t: time.Now()}
			e := newClockedEnv(t, clock, func(cfg *handlers.Config) { cfg.SessionIdle, cfg.SessionTTL = c.idle, c.ttl })
			a := e.tenant("hebei")
			cons := e.org(a, cpaudit.OrgConsultancy, "绿源环保咨询", "91110000600037341")
			e.user(a, "zhang@lvyuan.cn", cpaudit.RoleConsultant, cons.ID)
			b := e.browser()
			b.mustLogin("hebei", "zhang@lvyuan.cn")
			start := clock.now()
			for _, m := range c.uses {
				clock.set(start.Add(m * time.Minute))
				b.page("/documents")
			}
			clock.set(start.Add(c.check))
			r := b.get("/documents")
			if c.in && r.status != http.StatusOK {
				t.Fatalf("at %v: %d, want the page", c.check, r.status)
			}
			if !c.in {
				if r.status != http.StatusSeeOther || r.header.Get("Location") == "" {
					t.Fatalf("at %v: %d, want a redirect to the login page", c.check, r.status)
				}
				// Back within the time, the ended session stays ended.
				clock.set(start.Add(time.Minute))
				if r := b.get("/documents"); r.status != http.StatusSeeOther && c.ttl == 0 {
					t.Errorf("an idle-ended session came back: %d", r.status)
				}
			}
		})
	}
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
