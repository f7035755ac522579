package httpx

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// actorKey is the context key of the request's actor.
type actorKey struct{}

// ActorOf returns the authenticated actor of a request. Routes behind
// RequireToken, or behind the web UI's session check, always have one.
func ActorOf(r *http.Request) cpaudit.Actor {
	a, _ := r.Context().Value(actorKey{}).(cpaudit.Actor)
	return a
}

// WithActor returns r carrying u, acting from addr, as its actor.
func WithActor(r *http.Request, u cpaudit.User, addr string) *http.Request {
	a := u.Actor(addr)
	return r.WithContext(context.WithValue(r.Context(), actorKey{}, a))
}

// ClientAddr is the address the audit log records and login throttling
// counts: the peer's IP, or, when the server is configured to trust its
// proxy, the last X-Forwarded-For hop. The last is the one the proxy
// added; the ones before it are whatever the client sent, and a client
// that could choose its address would escape the throttle.
func (k *Kit) ClientAddr(r *http.Request) string {
	if k.trust {
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

// TokenUsers finds the user an API token belongs to.
type TokenUsers interface {
	UserByToken(ctx context.Context, token string) (cpaudit.User, error)
}

// RequireToken authenticates API requests by bearer token, as middleware.
// The tenant comes from the token alone.
func (k *Kit) RequireToken(users TokenUsers) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok || strings.TrimSpace(token) == "" {
				k.WriteProblem(w, r, cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeTokenRequired, "an API token is required: send Authorization: Bearer TOKEN"))
				return
			}
			u, err := users.UserByToken(r.Context(), strings.TrimSpace(token))
			if err != nil {
				k.WriteProblem(w, r, err)
				return
			}
			next.ServeHTTP(w, WithActor(r, u, k.ClientAddr(r)))
		})
	}
}
