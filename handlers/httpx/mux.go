package httpx

import (
	"net/http"

	"github.com/gorilla/mux"
)

// Param reads a path parameter; the one place that knows the router.
func Param(r *http.Request, name string) string { return mux.Vars(r)[name] }

// RouteName labels metrics with the route's template, not the raw path,
// so ids do not explode the label set.
func RouteName(r *http.Request) string {
	if route := mux.CurrentRoute(r); route != nil {
		if t, err := route.GetPathTemplate(); err == nil {
			return t
		}
	}
	return "unmatched"
}

// SecurityHeaders sets the headers every answer carries: no sniffing, no
// framing, a strict content security policy, and HSTS when configured.
func (k *Kit) SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		// Everything is self-hosted: deployments run on intranets.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		if k.hsts {
			// A year, the usual; without includeSubDomains, since an
			// intranet name's siblings may well be served over plain HTTP.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}
