package handlers

import (
	"io/fs"
	"net/http"

	"github.com/cpaudit/cpaudit/handlers/api"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/handlers/web"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes composes the whole URL space of cpaudit: health and metrics here,
// the JSON API's routes in handlers/api/routes.go, the web UI's in
// handlers/web/routes.go. Those two files and this one read as the URL
// map, and no route is registered anywhere else.
func routes(kit *httpx.Kit, a *api.Handler, w *web.Handler, h health, registry *prometheus.Registry, static fs.FS) *mux.Router {
	r := mux.NewRouter()
	r.Use(kit.Instrument, kit.SecurityHeaders, kit.DropStalled)
	// Unknown paths get the page in the browser's language, with its session.
	r.NotFoundHandler = kit.Instrument(kit.SecurityHeaders(w.NotFound()))
	r.MethodNotAllowedHandler = kit.Instrument(kit.SecurityHeaders(http.HandlerFunc(methodNotAllowed)))

	r.Handle("/healthz", http.HandlerFunc(h.healthz)).Methods("GET")
	r.Handle("/readyz", http.HandlerFunc(h.readyz)).Methods("GET")
	r.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{})).Methods("GET")

	a.Routes(r.PathPrefix("/api/v1").Subrouter())

	r.PathPrefix("/static/").Handler(http.StripPrefix("/static/", http.FileServerFS(filesOnly{static}))).Methods("GET")
	w.Routes(r.NewRoute().Subrouter())
	return r
}

// filesOnly is a file system whose directories cannot be opened, so that
// http.FileServerFS answers 404 for them instead of listing them (or
// serving an index.html). Only the files themselves are served.
type filesOnly struct{ fsys fs.FS }

func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return file, nil
}
