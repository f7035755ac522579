package handlers

import (
	"io/fs"
	"net/http"

	"github.com/cpaudit/cpaudit/handlers/api"
	"github.com/cpaudit/cpaudit/handlers/httpx"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is the whole URL space of cpaudit, in one place: it reads as the
// URL map, and no route is registered anywhere else.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	r.Use(s.Instrument, s.SecurityHeaders, s.DropStalled)
	// Unknown paths get the page in the browser's language, with its session.
	r.NotFoundHandler = s.Instrument(s.SecurityHeaders(s.webContext(http.HandlerFunc(s.notFound))))
	r.MethodNotAllowedHandler = s.Instrument(s.SecurityHeaders(http.HandlerFunc(s.methodNotAllowed)))

	r.Handle("/healthz", http.HandlerFunc(s.healthz)).Methods("GET")
	r.Handle("/readyz", http.HandlerFunc(s.readyz)).Methods("GET")
	r.Handle("/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})).Methods("GET")

	// The JSON API (handlers/api/routes.go).
	api.New(api.Config{Kit: s.Kit, Store: s.store, Search: s.search, Letters: s.letters}).Routes(r.PathPrefix("/api/v1").Subrouter())

	r.PathPrefix("/static/").Handler(http.StripPrefix("/static/", http.FileServerFS(filesOnly{s.static}))).Methods("GET")
	web := r.NewRoute().Subrouter()
	web.Use(s.webContext, s.crossOrigin)
	web.Handle("/login", s.page(s.loginPage)).Methods("GET")
	web.Handle("/login", s.page(s.loginSubmit)).Methods("POST")
	web.Handle("/logout", s.page(s.requireSession(s.logout))).Methods("POST")
	web.Handle("/", s.page(s.requireSession(s.home))).Methods("GET")
	// Documents, search and flags (web_documents.go, web_search.go, web_flags.go).
	web.Handle("/documents", s.page(s.requireSession(s.documentsPage))).Methods("GET")
	web.Handle("/documents/{id}", s.page(s.requireSession(s.documentPage))).Methods("GET")
	web.Handle("/documents/{id}/content", s.page(s.requireSession(s.ServeContent(s.store)))).Methods("GET")
	web.Handle("/documents/{id}/text", s.page(s.requireSession(s.textPage))).Methods("GET")
	web.Handle("/documents/{id}/versions/{version}/text", s.page(s.requireSession(s.textPage))).Methods("GET")
	web.Handle("/documents/{id}/versions/{version}/content", s.page(s.requireSession(s.ServeContent(s.store)))).Methods("GET")
	web.Handle("/documents/{id}/versions", s.script(s.requireSession(s.UploadVersion(s.store)))).Methods("POST")
	web.Handle("/upload", s.page(s.requireSession(s.uploadPage))).Methods("GET")
	web.Handle("/upload", s.script(s.requireSession(s.UploadDocument(s.store)))).Methods("POST")
	web.Handle("/search", s.page(s.requireSession(s.searchPage))).Methods("GET")
	web.Handle("/flags", s.page(s.requireSession(s.flagsPage))).Methods("GET")
	web.Handle("/flags/{id}", s.page(s.requireSession(s.flagPage))).Methods("GET")
	web.Handle("/flags/{id}/review", s.page(s.requireSession(s.reviewFlagSubmit))).Methods("POST")
	web.Handle("/flags/{id}/images/{side}", s.page(s.requireSession(s.flagImage))).Methods("GET")
	// The dashboard and the audit and overdue lists (web_dashboard.go, web_export.go).
	web.Handle("/dashboard", s.page(s.requireSession(s.dashboardPage))).Methods("GET")
	web.Handle("/audits", s.page(s.requireSession(s.auditsPage))).Methods("GET")
	web.Handle("/audits.xlsx", s.page(s.requireSession(s.auditsExport))).Methods("GET")
	web.Handle("/overdue", s.page(s.requireSession(s.overduePage))).Methods("GET")
	web.Handle("/overdue.xlsx", s.page(s.requireSession(s.overdueExport))).Methods("GET")
	// Batches (web_batches.go) and one audit with its forms: step actions,
	// the consultancy, the letter (web_audit.go).
	web.Handle("/batches", s.page(s.requireSession(s.batchesPage))).Methods("GET")
	web.Handle("/batches", s.page(s.requireSession(s.createBatchSubmit))).Methods("POST")
	web.Handle("/batches/{id}", s.page(s.requireSession(s.batchPage))).Methods("GET")
	web.Handle("/batches/{id}", s.page(s.requireSession(s.updateBatchSubmit))).Methods("POST")
	web.Handle("/batches/{id}/audits", s.page(s.requireSession(s.startAuditSubmit))).Methods("POST")
	web.Handle("/audits/{id}", s.page(s.requireSession(s.auditPage))).Methods("GET")
	web.Handle("/audits/{id}/steps/{n}/{action}", s.page(s.requireSession(s.stepSubmit))).Methods("POST")
	web.Handle("/audits/{id}/consultancy", s.page(s.requireSession(s.consultancySubmit))).Methods("POST")
	web.Handle("/audits/{id}/letter", s.page(s.requireSession(s.letterSubmit))).Methods("POST")
	// Enterprises and their .xlsx import (web_enterprises.go); the import
	// checks its session itself, to answer a form that lost it.
	web.Handle("/enterprises", s.page(s.requireSession(s.enterprisesPage))).Methods("GET")
	web.Handle("/enterprises.xlsx", s.page(s.requireSession(s.enterprisesExport))).Methods("GET")
	web.Handle("/enterprises/import", s.page(s.requireSession(s.importPage))).Methods("GET")
	web.Handle("/enterprises/import", s.page(s.importSubmit)).Methods("POST")
	web.Handle("/enterprises/import-template.xlsx", s.page(s.requireSession(httpx.ServeImportTemplate))).Methods("GET")
	web.Handle("/enterprises/imports/{id}/rejected.xlsx", s.page(s.requireSession(s.importRejected))).Methods("GET")
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
