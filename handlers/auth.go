package handlers

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/cpaudit/cpaudit"
)

type ctxKey int

const (
	actorKey ctxKey = iota
	webKey
)

// actorOf returns the authenticated actor of a request. Routes behind
// requireToken or requireSession always have one.
func actorOf(r *http.Request) cpaudit.Actor {
	a, _ := r.Context().Value(actorKey).(cpaudit.Actor)
	return a
}

func withActor(r *http.Request, u cpaudit.User, addr string) *http.Request {
	a := u.Actor(addr)
	return r.WithContext(context.WithValue(r.Context(), actorKey, a))
}

// clientAddr is the address the audit log records and login throttling
// counts: the peer's IP, or, when the server is configured to trust its
// proxy, the last X-Forwarded-For hop. The last is the one the proxy
// added; the ones before it are whatever the client sent, and a client
// that could choose its address would escape the throttle.
func (s *Server) clientAddr(r *http.Request) string {
	if s.trust {
		if fwd := r.Header.Values("X-Forwarded-For"); len(fwd) > 0 {
			hops := strings.Split(fwd[len(fwd)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// requireToken authenticates API requests by bearer token. The tenant comes
// from the token alone.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			s.writeProblem(w, r, cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeTokenRequired, "an API token is required: send Authorization: Bearer TOKEN"))
			return
		}
		u, err := s.store.UserByToken(r.Context(), strings.TrimSpace(token))
		if err != nil {
			s.writeProblem(w, r, err)
			return
		}
		next.ServeHTTP(w, withActor(r, u, s.clientAddr(r)))
	})
}
