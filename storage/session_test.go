package storage

import (
	"context"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// TestSessionIdleAndLifetime: a session ends when unused for the idle time
// or at its absolute expiry, whichever comes first; use keeps it alive up
// to the expiry, never beyond. Times are minutes after login on a test
// clock; the idle time is 30 minutes and the lifetime 2 hours.
func TestSessionIdleAndLifetime(t *testing.T) {
	const idle, ttl = 30 * time.Minute, 2 * time.Hour
	for _, c := range []struct {
		name  string
		uses  []int // minutes after login at which the session is used
		check int   // minute of the final request
		alive bool
	}{
		{"fresh", nil, 0, true},
		{"just inside idle", nil, 29, true},
		{"exactly idle", nil, 30, false},
		{"long idle", nil, 300, false},
		{"kept alive by use", []int{20, 45, 70, 95}, 120 - 1, true},
		{"use cannot pass the lifetime", []int{25, 50, 75, 100}, 120, false},
		{"idle after use", []int{20}, 50, false},
		{"inside idle after use", []int{20}, 49, true},
		// Writes are a minute apart: a use 30 s after the last write is not
		// recorded, so idle counts from that write (early, never late).
		{"unrecorded use within the minute", []int{10, 10}, 40, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s, clock := newClockedStore(t, "2026-03-02 09:00")
			f := newFixture(t, s, "hebei")
			u, err := s.Authenticate(ctx, f.sys.TenantID, "zhang@lvyuan.cn", "密码足够长了吧abc")
			if err != nil {
				t.Fatal(err)
			}
			login := chinaTime("2026-03-02 09:00")
			cookie, _, err := s.CreateSession(ctx, u, "10.0.0.2", ttl)
			if err != nil {
				t.Fatal(err)
			}
			at := func(min int, extra time.Duration) {
				clock.us.Store(login.Add(time.Duration(min)*time.Minute + extra).UnixMicro())
			}
			for i, m := range c.uses {
				extra := time.Duration(0)
				if i > 0 && c.uses[i-1] == m {
					extra = 30 * time.Second
				}
				at(m, extra)
				if _, err := s.SessionByCookie(ctx, cookie, idle); err != nil {
					t.Fatalf("use at minute %d: %v", m, err)
				}
			}
			at(c.check, 0)
			got, err := s.SessionByCookie(ctx, cookie, idle)
			if c.alive && (err != nil || got.User.ID != u.ID) {
				t.Fatalf("minute %d: %v, want the session", c.check, err)
			}
			if !c.alive {
				mustKind(t, err, cpaudit.KindUnauthenticated)
				// Once ended it stays ended, even if the clock were
				// to read an earlier time again.
				at(c.check-1, 0)
				_, err = s.SessionByCookie(ctx, cookie, 0)
				if c.check < 120 {
					mustKind(t, err, cpaudit.KindUnauthenticated)
				}
			}
		})
	}
}

// TestSessionTouchedOncePerMinute: requests within a minute of the last
// recorded one do not write; the first one after it does.
func TestSessionTouchedOncePerMinute(t *testing.T) {
	ctx := context.Background()
	s, clock := newClockedStore(t, "2026-03-02 09:00")
	f := newFixture(t, s, "hebei")
	u, err := s.Authenticate(ctx, f.sys.TenantID, "zhang@lvyuan.cn", "密码足够长了吧abc")
	if err != nil {
		t.Fatal(err)
	}
	cookie, _, err := s.CreateSession(ctx, u, "10.0.0.2", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	db, err := s.tenantDB(ctx, f.sys.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	login := chinaTime("2026-03-02 09:00")
	lastSeen := func() time.Time {
		var us int64
		if err := db.QueryRowContext(ctx, `SELECT last_seen_at FROM sessions WHERE secret_hash = ?`, secretHash(cookie)).Scan(&us); err != nil {
			t.Fatal(err)
		}
		return fromMicros(us)
	}
	for _, c := range []struct {
		after time.Duration
		want  time.Duration // last_seen_at afterwards, after login
	}{
		{10 * time.Second, 0},
		{59 * time.Second, 0},
		{60 * time.Second, 60 * time.Second},
		{61 * time.Second, 60 * time.Second},
		{119 * time.Second, 60 * time.Second},
		{125 * time.Second, 125 * time.Second},
	} {
		clock.us.Store(login.Add(c.after).UnixMicro())
		if _, err := s.SessionByCookie(ctx, cookie, 30*time.Minute); err != nil {
			t.Fatal(err)
		}
		if got := lastSeen(); !got.Equal(login.Add(c.want)) {
			t.Errorf("after %v: last seen %v after login, want %v", c.after, got.Sub(login), c.want)
		}
	}
}
