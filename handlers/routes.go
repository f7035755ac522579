package handlers

import (
	"io/fs"
	"net/http"

	"github.com/cpaudit/cpaudit"
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

	api := r.PathPrefix("/api/v1").Subrouter()
	api.Use(s.RequireToken(s.store))
	api.Handle("/me", s.API(s.apiMe)).Methods("GET")
	api.Handle("/users", s.API(s.apiCreateUser)).Methods("POST")
	api.Handle("/tokens", s.API(s.apiCreateToken)).Methods("POST")
	api.Handle("/tokens", s.API(s.apiListTokens)).Methods("GET")
	api.Handle("/tokens/{id}", s.API(s.apiRevokeToken)).Methods("DELETE")
	api.Handle("/enterprises", s.API(s.apiCreateOrg("enterprise"))).Methods("POST")
	api.Handle("/consultancies", s.API(s.apiCreateOrg("consultancy"))).Methods("POST")
	api.Handle("/organisations", s.API(s.apiCreateOrg(""))).Methods("POST")
	api.Handle("/organisations/{id}", s.API(s.apiGetOrg)).Methods("GET")
	api.Handle("/organisations/{id}", s.API(s.apiUpdateOrg)).Methods("PATCH")
	api.Handle("/enterprises", s.API(s.apiListEnterprises)).Methods("GET")
	api.Handle("/enterprises/import-template", s.API(httpx.ServeImportTemplate)).Methods("GET")
	api.Handle("/enterprises/import", s.API(s.apiImportEnterprises)).Methods("POST")
	api.Handle("/enterprises/imports/{id}/rejected", s.API(s.apiImportRejected)).Methods("GET")
	api.Handle("/consultancies/{id}/staff", s.API(s.apiListStaff)).Methods("GET")
	api.Handle("/consultancies/{id}/staff", s.API(s.apiAddStaff)).Methods("POST")
	api.Handle("/audits/{id}/carry", s.API(s.apiCarryAudit)).Methods("POST")
	api.Handle("/steps", s.API(s.apiSteps)).Methods("GET")
	api.Handle("/steps/{n}/expected", s.API(s.apiSetExpected)).Methods("PUT")
	api.Handle("/audits", s.API(s.apiCreateAudit)).Methods("POST")
	api.Handle("/audits/{id}", s.API(s.apiGetAudit)).Methods("GET")
	api.Handle("/audits/{id}/steps/{n}/submit", s.API(s.apiStepTransition(cpaudit.StepSubmit))).Methods("POST")
	api.Handle("/audits/{id}/steps/{n}/return", s.API(s.apiStepTransition(cpaudit.StepReturn))).Methods("POST")
	api.Handle("/audits/{id}/steps/{n}/accept", s.API(s.apiStepTransition(cpaudit.StepAccept))).Methods("POST")
	api.Handle("/audits", s.API(s.apiListAudits)).Methods("GET")
	api.Handle("/audits/{id}/milestones", s.API(s.apiRecordMilestone)).Methods("POST")
	api.Handle("/audits/{id}/deadlines", s.API(s.apiDeadlines)).Methods("GET")
	api.Handle("/audits/{id}/options", s.API(s.apiAuditOptions)).Methods("GET")
	api.Handle("/audits/{id}/options", s.API(s.apiSaveAuditOption)).Methods("POST")
	api.Handle("/overdue", s.API(s.apiOverdue)).Methods("GET")
	api.Handle("/dashboard", s.API(s.apiDashboard)).Methods("GET")
	api.Handle("/notices", s.API(s.apiNotices)).Methods("GET")
	api.Handle("/batches", s.API(s.apiCreateBatch)).Methods("POST")
	api.Handle("/batches", s.API(s.apiListBatches)).Methods("GET")
	api.Handle("/batches/{id}", s.API(s.apiGetBatch)).Methods("GET")
	api.Handle("/batches/{id}", s.API(s.apiUpdateBatch)).Methods("PATCH")
	api.Handle("/letter-template", s.API(s.apiGetLetterTemplate)).Methods("GET")
	api.Handle("/letter-template", s.API(s.apiPutLetterTemplate)).Methods("PUT")
	api.Handle("/audits/{id}/letter", s.API(s.apiGenerateLetter)).Methods("POST")
	api.Handle("/audits/{id}", s.API(s.apiPatchAudit)).Methods("PATCH")
	api.Handle("/documents", s.API(s.UploadDocument(s.store))).Methods("POST")
	api.Handle("/documents", s.API(s.apiListDocuments)).Methods("GET")
	api.Handle("/documents/{id}", s.API(s.apiGetDocument)).Methods("GET")
	api.Handle("/documents/{id}", s.API(s.apiDeleteDocument)).Methods("DELETE")
	api.Handle("/documents/{id}/content", s.API(s.ServeContent(s.store))).Methods("GET")
	api.Handle("/documents/{id}/versions", s.API(s.UploadVersion(s.store))).Methods("POST")
	api.Handle("/documents/{id}/versions/{version}/content", s.API(s.ServeContent(s.store))).Methods("GET")
	api.Handle("/documents/{id}/log", s.API(s.apiDocumentLog)).Methods("GET")
	api.Handle("/documents/{id}/text", s.API(s.apiDocumentText)).Methods("GET")
	api.Handle("/documents/{id}/versions/{version}/text", s.API(s.apiDocumentText)).Methods("GET")
	api.Handle("/search", s.API(s.apiSearch)).Methods("GET")
	api.Handle("/status", s.API(s.apiStatus)).Methods("GET")
	api.Handle("/flags", s.API(s.apiFlags)).Methods("GET")
	api.Handle("/flags/{id}/review", s.API(s.apiReviewFlag)).Methods("POST")
	api.Handle("/compare", s.API(s.apiCompare)).Methods("GET")

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
