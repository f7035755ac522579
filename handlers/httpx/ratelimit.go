package httpx

import (
	"slices"
	"sync"
	"time"
)

// LoginThrottle slows password guessing down without locking anyone out
// (issue 24: five wrong passwords used to lock an account's web login for
// fifteen minutes, whoever typed them, and twenty failures from one
// address shut out everyone behind it).
//
// Failures are counted per client address and account together, and per
// address alone. Past a few free failures, each further attempt must wait
// a delay that doubles with every failure, up to a cap; an attempt made
// sooner is refused before its password is looked at (429 and
// Retry-After), not slept on, so no goroutine waits and a refused guess
// learns nothing. The owner of an account, typing from another address,
// meets none of an attacker's delays: there is deliberately no bound per
// account alone. The bound per address is far looser, since an office's
// users may share one address behind NAT; it stops one address from
// trying account after account. Counts are forgotten after a quiet
// period, and the table is bounded: the entries quiet longest go first.
type LoginThrottle struct {
	now     func() time.Time
	pair    delays // per address and account
	addr    delays // per address
	forget  time.Duration
	max     int // entries kept at most
	mu      sync.Mutex
	entries map[string]*failures
	sweptAt time.Time
}

// delays says how long to wait after n failures: nothing for the first
// free ones, then first, doubling, up to most.
type delays struct {
	free        int
	first, most time.Duration
}

func (d delays) after(n int) time.Duration {
	if n < d.free {
		return 0
	}
	wait := d.first
	for i := d.free; i < n && wait < d.most; i++ {
		wait *= 2
	}
	return min(wait, d.most)
}

type failures struct {
	n    int
	last time.Time
}

// NewLoginThrottle makes the throttle with its production delays.
func NewLoginThrottle(now func() time.Time) *LoginThrottle {
	return &LoginThrottle{
		now:     now,
		pair:    delays{free: 3, first: time.Second, most: 15 * time.Minute},
		addr:    delays{free: 30, first: time.Second, most: time.Minute},
		forget:  time.Hour,
		max:     100_000,
		entries: map[string]*failures{},
	}
}

func pairKey(addr, tenant, email string) string {
	return "p\x00" + addr + "\x00" + tenant + "\x00" + email
}
func addrKey(addr string) string { return "a\x00" + addr }

// Admit decides on an attempt from addr at this account: it returns how
// long the client must wait first, or 0 and counts the attempt as failed
// until Succeeded says otherwise. Counting it at once, under the same lock
// as the decision, keeps a burst of attempts sent together from all
// passing before the first failure is recorded.
func (l *LoginThrottle) Admit(addr, tenant, email string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	pair, address := pairKey(addr, tenant, email), addrKey(addr)
	if wait := max(l.waitFor(pair, l.pair, now), l.waitFor(address, l.addr, now)); wait > 0 {
		return wait
	}
	if len(l.entries) >= l.max || now.Sub(l.sweptAt) > l.forget {
		l.sweep(now)
	}
	for _, key := range []string{pair, address} {
		f := l.entries[key]
		if f == nil || now.Sub(f.last) >= l.forget {
			f = &failures{}
			l.entries[key] = f
		}
		f.n++
		f.last = now
	}
	return 0
}

func (l *LoginThrottle) waitFor(key string, d delays, now time.Time) time.Duration {
	f := l.entries[key]
	if f == nil || now.Sub(f.last) >= l.forget {
		return 0
	}
	return max(0, f.last.Add(d.after(f.n)).Sub(now))
}

// Succeeded takes back the failure Admit counted: it forgets the failures
// of this address and account, and takes one off the address's count (its
// earlier failures stay: one good password does not license more guesses
// at other accounts, but the logins of an office behind one address do
// not add up to a delay either).
func (l *LoginThrottle) Succeeded(addr, tenant, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, pairKey(addr, tenant, email))
	if f := l.entries[addrKey(addr)]; f != nil {
		if f.n--; f.n <= 0 {
			delete(l.entries, addrKey(addr))
		}
	}
}

// sweep drops the forgotten entries and, if the table is still full, the
// quarter quiet longest. An attacker filling the table with fresh entries
// thus pushes out old, harmless ones before its own.
func (l *LoginThrottle) sweep(now time.Time) {
	l.sweptAt = now
	for k, f := range l.entries {
		if now.Sub(f.last) >= l.forget {
			delete(l.entries, k)
		}
	}
	if len(l.entries) < l.max {
		return
	}
	keys := make([]string, 0, len(l.entries))
	for k := range l.entries {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return l.entries[a].last.Compare(l.entries[b].last) })
	for _, k := range keys[:len(keys)/4+1] {
		delete(l.entries, k)
	}
}
