package handlers

import (
	"io/fs"
	"net/http"

	"github.com/cpaudit/cpaudit"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is the whole URL space of cpaudit, in one place: it reads as the
// URL map, and no route is registered anywhere else.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	r.Use(s.instrument, s.securityHeaders, s.dropStalled)
	// Unknown paths get the page in the browser's language, with its session.
	r.NotFoundHandler = s.instrument(s.securityHeaders(s.webContext(http.HandlerFunc(s.notFound))))
	r.MethodNotAllowedHandler = s.instrument(s.securityHeaders(http.HandlerFunc(s.methodNotAllowed)))

	r.Handle("/healthz", http.HandlerFunc(s.healthz)).Methods("GET")
	r.Handle("/readyz", http.HandlerFunc(s.readyz)).Methods("GET")
	r.Handle("/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})).Methods("GET")

	api := r.PathPrefix("/api/v1").Subrouter()
	api.Use(s.requireToken)
	api.Handle("/me", s.api(s.apiMe)).Methods("GET")
	api.Handle("/users", s.api(s.apiCreateUser)).Methods("POST")
	api.Handle("/tokens", s.api(s.apiCreateToken)).Methods("POST")
	api.Handle("/tokens", s.api(s.apiListTokens)).Methods("GET")
	api.Handle("/tokens/{id}", s.api(s.apiRevokeToken)).Methods("DELETE")
	api.Handle("/enterprises", s.api(s.apiCreateOrg("enterprise"))).Methods("POST")
	api.Handle("/consultancies", s.api(s.apiCreateOrg("consultancy"))).Methods("POST")
	api.Handle("/organisations", s.api(s.apiCreateOrg(""))).Methods("POST")
	api.Handle("/organisations/{id}", s.api(s.apiGetOrg)).Methods("GET")
	api.Handle("/organisations/{id}", s.api(s.apiUpdateOrg)).Methods("PATCH")
	api.Handle("/enterprises", s.api(s.apiListEnterprises)).Methods("GET")
	api.Handle("/enterprises/import-template", s.api(s.apiImportTemplate)).Methods("GET")
	api.Handle("/enterprises/import", s.api(s.apiImportEnterprises)).Methods("POST")
	api.Handle("/enterprises/imports/{id}/rejected", s.api(s.apiImportRejected)).Methods("GET")
	api.Handle("/consultancies/{id}/staff", s.api(s.apiListStaff)).Methods("GET")
	api.Handle("/consultancies/{id}/staff", s.api(s.apiAddStaff)).Methods("POST")
	api.Handle("/audits/{id}/carry", s.api(s.apiCarryAudit)).Methods("POST")
	api.Handle("/steps", s.api(s.apiSteps)).Methods("GET")
	api.Handle("/steps/{n}/expected", s.api(s.apiSetExpected)).Methods("PUT")
	api.Handle("/audits", s.api(s.apiCreateAudit)).Methods("POST")
	api.Handle("/audits/{id}", s.api(s.apiGetAudit)).Methods("GET")
	api.Handle("/audits/{id}/steps/{n}/submit", s.api(s.apiStepTransition(cpaudit.StepSubmit))).Methods("POST")
	api.Handle("/audits/{id}/steps/{n}/return", s.api(s.apiStepTransition(cpaudit.StepReturn))).Methods("POST")
	api.Handle("/audits/{id}/steps/{n}/accept", s.api(s.apiStepTransition(cpaudit.StepAccept))).Methods("POST")
	api.Handle("/audits", s.api(s.apiListAudits)).Methods("GET")
	api.Handle("/audits/{id}/milestones", s.api(s.apiRecordMilestone)).Methods("POST")
	api.Handle("/audits/{id}/deadlines", s.api(s.apiDeadlines)).Methods("GET")
	api.Handle("/audits/{id}/options", s.api(s.apiAuditOptions)).Methods("GET")
	api.Handle("/audits/{id}/options", s.api(s.apiSaveAuditOption)).Methods("POST")
	api.Handle("/overdue", s.api(s.apiOverdue)).Methods("GET")
	api.Handle("/dashboard", s.api(s.apiDashboard)).Methods("GET")
	api.Handle("/notices", s.api(s.apiNotices)).Methods("GET")
	api.Handle("/batches", s.api(s.apiCreateBatch)).Methods("POST")
	api.Handle("/batches", s.api(s.apiListBatches)).Methods("GET")
	api.Handle("/batches/{id}", s.api(s.apiGetBatch)).Methods("GET")
	api.Handle("/batches/{id}", s.api(s.apiUpdateBatch)).Methods("PATCH")
	api.Handle("/letter-template", s.api(s.apiGetLetterTemplate)).Methods("GET")
	api.Handle("/letter-template", s.api(s.apiPutLetterTemplate)).Methods("PUT")
	api.Handle("/audits/{id}/letter", s.api(s.apiGenerateLetter)).Methods("POST")
	api.Handle("/audits/{id}", s.api(s.apiPatchAudit)).Methods("PATCH")
	api.Handle("/documents", s.api(s.apiUploadDocument)).Methods("POST")
	api.Handle("/documents", s.api(s.apiListDocuments)).Methods("GET")
	api.Handle("/documents/{id}", s.api(s.apiGetDocument)).Methods("GET")
	api.Handle("/documents/{id}", s.api(s.apiDeleteDocument)).Methods("DELETE")
	api.Handle("/documents/{id}/content", s.api(s.apiDocumentContent)).Methods("GET")
	api.Handle("/documents/{id}/versions", s.api(s.apiUploadVersion)).Methods("POST")
	api.Handle("/documents/{id}/versions/{version}/content", s.api(s.apiDocumentContent)).Methods("GET")
	api.Handle("/documents/{id}/log", s.api(s.apiDocumentLog)).Methods("GET")
	api.Handle("/documents/{id}/text", s.api(s.apiDocumentText)).Methods("GET")
	api.Handle("/documents/{id}/versions/{version}/text", s.api(s.apiDocumentText)).Methods("GET")
	api.Handle("/search", s.api(s.apiSearch)).Methods("GET")
	api.Handle("/status", s.api(s.apiStatus)).Methods("GET")
	api.Handle("/flags", s.api(s.apiFlags)).Methods("GET")
	api.Handle("/flags/{id}/review", s.api(s.apiReviewFlag)).Methods("POST")
	api.Handle("/compare", s.api(s.apiCompare)).Methods("GET")

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
	web.Handle("/documents/{id}/content", s.page(s.requireSession(s.serveContent))).Methods("GET")
	web.Handle("/documents/{id}/text", s.page(s.requireSession(s.textPage))).Methods("GET")
	web.Handle("/documents/{id}/versions/{version}/text", s.page(s.requireSession(s.textPage))).Methods("GET")
	web.Handle("/documents/{id}/versions/{version}/content", s.page(s.requireSession(s.serveContent))).Methods("GET")
	web.Handle("/documents/{id}/versions", s.script(s.requireSession(s.apiUploadVersion))).Methods("POST")
	web.Handle("/upload", s.page(s.requireSession(s.uploadPage))).Methods("GET")
	web.Handle("/upload", s.script(s.requireSession(s.apiUploadDocument))).Methods("POST")
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
	web.Handle("/enterprises/import-template.xlsx", s.page(s.requireSession(s.apiImportTemplate))).Methods("GET")
	web.Handle("/enterprises/imports/{id}/rejected.xlsx", s.page(s.requireSession(s.apiImportRejected))).Methods("GET")
	return r
}

// param reads a path parameter; the one place that knows the router.
func param(r *http.Request, name string) string { return mux.Vars(r)[name] }

// routeName labels metrics with the route's template, not the raw path,
// so ids do not explode the label set.
func routeName(r *http.Request) string {
	if route := mux.CurrentRoute(r); route != nil {
		if t, err := route.GetPathTemplate(); err == nil {
			return t
		}
	}
	return "unmatched"
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		// Everything is self-hosted: deployments run on intranets.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		if s.hsts {
			// A year, the usual; without includeSubDomains, since an
			// intranet name's siblings may well be served over plain HTTP.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
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
