package handlers

import (
	"sync"
	"time"
)

// loginLimiter counts failed logins per account and per client address in
// a sliding window, so password guessing is slow whether it aims at one
// account from many addresses or at many accounts from one.
type loginLimiter struct {
	now      func() time.Time
	window   time.Duration
	perUser  int
	perAddr  int
	mu       sync.Mutex
	failures map[string][]time.Time // "u:tenant:email" or "a:address"
	sweptAt  time.Time
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, window: 15 * time.Minute, perUser: 5, perAddr: 20, failures: map[string][]time.Time{}}
}

func userKey(tenant, email string) string { return "u:" + tenant + ":" + email }
func addrKey(addr string) string          { return "a:" + addr }

// allowed reports whether another attempt may be made now.
func (l *loginLimiter) allowed(tenant, email, addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	return len(l.recent(userKey(tenant, email), now)) < l.perUser && len(l.recent(addrKey(addr), now)) < l.perAddr
}

// failed records a failed attempt.
func (l *loginLimiter) failed(tenant, email, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range []string{userKey(tenant, email), addrKey(addr)} {
		l.failures[k] = append(l.recent(k, now), now)
	}
	// Sweep old keys now and then, so the map cannot grow without bound.
	if now.Sub(l.sweptAt) > l.window {
		for k := range l.failures {
			if len(l.recent(k, now)) == 0 {
				delete(l.failures, k)
			}
		}
		l.sweptAt = now
	}
}

// succeeded forgets an account's failures (not the address's).
func (l *loginLimiter) succeeded(tenant, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, userKey(tenant, email))
}

func (l *loginLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.failures[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = ts
	return ts
}
