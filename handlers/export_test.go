package handlers

import (
	"net/http"

	"github.com/gorilla/mux"
)

// Routes lists every route of a Server made by New, as method and path
// template, so that tests can try each one (tenant isolation) without a
// list of their own that a new route could be missing from.
func Routes(h http.Handler) [][2]string {
	var out [][2]string
	h.(*mux.Router).Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl, err := route.GetPathTemplate()
		if err != nil {
			return nil // a subrouter's own route: its routes come next
		}
		methods, err := route.GetMethods()
		if err != nil {
			return nil
		}
		for _, m := range methods {
			out = append(out, [2]string{m, tmpl})
		}
		return nil
	})
	return out
}
