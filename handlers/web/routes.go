package web

import (
	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"

	"github.com/gorilla/mux"
)

// Routes registers every page, form and download of the web UI on r, a
// subrouter of the whole URL space: this is the web UI's URL map, and no
// web route is registered anywhere else.
func (s *Handler) Routes(r *mux.Router) {
	r.Use(s.webContext, s.crossOrigin)
	r.Handle("/login", s.page(s.loginPage)).Methods("GET")
	r.Handle("/login", s.page(s.loginSubmit)).Methods("POST")
	r.Handle("/logout", s.page(s.requireSession(s.logout))).Methods("POST")
	r.Handle("/", s.page(s.requireSession(s.home))).Methods("GET")
	// Documents, search and flags (documents.go, search.go, flags.go).
	r.Handle("/documents", s.page(s.requireSession(s.documentsPage))).Methods("GET")
	r.Handle("/documents/{id}", s.page(s.requireSession(s.documentPage))).Methods("GET")
	r.Handle("/documents/{id}/content", s.page(s.requireSession(s.ServeContent(s.store)))).Methods("GET")
	r.Handle("/documents/{id}/text", s.page(s.requireSession(s.textPage))).Methods("GET")
	r.Handle("/documents/{id}/thumb", s.page(s.requireSession(s.documentThumb))).Methods("GET")
	r.Handle("/documents/{id}/versions/{version}/text", s.page(s.requireSession(s.textPage))).Methods("GET")
	r.Handle("/documents/{id}/versions/{version}/content", s.page(s.requireSession(s.ServeContent(s.store)))).Methods("GET")
	r.Handle("/documents/{id}/versions", s.script(s.requireSession(s.UploadVersion(s.store)))).Methods("POST")
	r.Handle("/compare", s.page(s.requireSession(s.comparePage))).Methods("GET")
	r.Handle("/guidelines", s.page(s.requireSession(s.guidelinesPage))).Methods("GET")
	r.Handle("/guidelines", s.page(s.requireSession(s.guidelineCreateSubmit))).Methods("POST")
	r.Handle("/guidelines/{id}", s.page(s.requireSession(s.guidelinePage))).Methods("GET")
	r.Handle("/guidelines/{id}/publish", s.page(s.requireSession(s.guidelinePublishSubmit))).Methods("POST")
	r.Handle("/guidelines/{id}/requirements", s.page(s.requireSession(s.guidelineRequirementsSubmit))).Methods("POST")
	r.Handle("/upload", s.page(s.requireSession(s.uploadPage))).Methods("GET")
	r.Handle("/upload", s.script(s.requireSession(s.UploadDocument(s.store)))).Methods("POST")
	r.Handle("/search", s.page(s.requireSession(s.searchPage))).Methods("GET")
	r.Handle("/flags", s.page(s.requireSession(s.flagsPage))).Methods("GET")
	r.Handle("/flags/{id}", s.page(s.requireSession(s.flagPage))).Methods("GET")
	// Spot-check campaigns: draw, reviewers, scores, opinions (campaigns.go).
	r.Handle("/campaigns", s.page(s.requireSession(s.campaignsPage))).Methods("GET")
	r.Handle("/campaigns", s.page(s.requireSession(s.campaignCreateSubmit))).Methods("POST")
	r.Handle("/campaigns/{id}", s.page(s.requireSession(s.campaignPage))).Methods("GET")
	r.Handle("/campaigns/{id}/assignments", s.page(s.requireSession(s.campaignDrawSubmit))).Methods("POST")
	r.Handle("/campaigns/{id}/assignments/{assignment_id}/replace", s.page(s.requireSession(s.campaignReplaceSubmit))).Methods("POST")
	r.Handle("/campaigns/{id}/audits/{audit_id}/opinion", s.page(s.requireSession(s.campaignOpinionSubmit))).Methods("POST")
	// The review settings: checklists and the letter and opinion templates
	// (review_settings.go); the uploads check their session themselves,
	// being multipart.
	r.Handle("/review-settings", s.page(s.requireSession(s.reviewSettingsPage))).Methods("GET")
	r.Handle("/review-settings/checklists", s.page(s.requireSession(s.checklistSubmit))).Methods("POST")
	r.Handle("/review-settings/checklists/default", s.page(s.requireSession(s.checklistResetSubmit))).Methods("POST")
	r.Handle("/review-settings/letter-template.docx", s.page(s.requireSession(s.letterTemplateDownload))).Methods("GET")
	r.Handle("/review-settings/letter-template", s.page(s.templateSubmit("letter"))).Methods("POST")
	r.Handle("/review-settings/opinion-template.docx", s.page(s.requireSession(s.opinionTemplateDownload))).Methods("GET")
	r.Handle("/review-settings/opinion-template", s.page(s.templateSubmit("opinion"))).Methods("POST")
	r.Handle("/assignments/{id}", s.page(s.requireSession(s.assignmentPage))).Methods("GET")
	r.Handle("/assignments/{id}/review", s.page(s.requireSession(s.assignmentReviewSubmit))).Methods("POST")
	r.Handle("/flags/{id}/review", s.page(s.requireSession(s.reviewFlagSubmit))).Methods("POST")
	r.Handle("/flags/{id}/images/{side}", s.page(s.requireSession(s.flagImage))).Methods("GET")
	// The dashboard and the audit and overdue lists (dashboard.go, export.go),
	// the results, the options behind them and their exports (results.go,
	// result_options.go, results_export.go).
	r.Handle("/dashboard", s.page(s.requireSession(s.dashboardPage))).Methods("GET")
	r.Handle("/results", s.page(s.requireSession(s.resultsPage))).Methods("GET")
	r.Handle("/results/options", s.page(s.requireSession(s.resultOptionsPage))).Methods("GET")
	r.Handle("/results.xlsx", s.page(s.requireSession(s.resultsExport))).Methods("GET")
	r.Handle("/results/options.xlsx", s.page(s.requireSession(s.resultOptionsExport))).Methods("GET")
	// The advanced options library and its recommendations (option_library.go).
	r.Handle("/option-library", s.page(s.requireSession(s.optionLibraryPage))).Methods("GET")
	r.Handle("/option-library/{id}/recommendation", s.page(s.requireSession(s.optionRecommendSubmit))).Methods("POST")
	r.Handle("/audits", s.page(s.requireSession(s.auditsPage))).Methods("GET")
	r.Handle("/audits.xlsx", s.page(s.requireSession(s.auditsExport))).Methods("GET")
	r.Handle("/overdue", s.page(s.requireSession(s.overduePage))).Methods("GET")
	r.Handle("/overdue.xlsx", s.page(s.requireSession(s.overdueExport))).Methods("GET")
	r.Handle("/enforcement", s.page(s.requireSession(s.enforcementPage))).Methods("GET")
	r.Handle("/enforcement.xlsx", s.page(s.requireSession(s.enforcementExport))).Methods("GET")
	r.Handle("/organisations", s.page(s.requireSession(s.organisationsPage))).Methods("GET")
	r.Handle("/organisations/{id}/enforcement", s.page(s.requireSession(s.enforcementOfficeSubmit))).Methods("POST")
	r.Handle("/enterprises/{id}/site-checks", s.page(s.requireSession(s.siteChecksPage))).Methods("GET")
	r.Handle("/enterprises/{id}/site-checks", s.page(s.requireSession(s.siteCheckSubmit))).Methods("POST")
	// Screening of audit candidates (screening.go); the upload checks its
	// session itself, being multipart.
	r.Handle("/screening", s.page(s.requireSession(s.screeningPage))).Methods("GET")
	r.Handle("/screening", s.page(s.screeningImportSubmit)).Methods("POST")
	r.Handle("/screening/sources/{id}", s.page(s.requireSession(s.screeningSourcePage))).Methods("GET")
	r.Handle("/screening/sources/{id}/batch", s.page(s.requireSession(s.screeningBatchSubmit))).Methods("POST")
	// Batches (batches.go) and one audit with its forms: step actions,
	// the consultancy, the letter (audit.go).
	r.Handle("/batches", s.page(s.requireSession(s.batchesPage))).Methods("GET")
	r.Handle("/batches", s.page(s.requireSession(s.createBatchSubmit))).Methods("POST")
	r.Handle("/batches/{id}", s.page(s.requireSession(s.batchPage))).Methods("GET")
	r.Handle("/batches/{id}", s.page(s.requireSession(s.updateBatchSubmit))).Methods("POST")
	r.Handle("/batches/{id}/audits", s.page(s.requireSession(s.startAuditSubmit))).Methods("POST")
	r.Handle("/audits/{id}", s.page(s.requireSession(s.auditPage))).Methods("GET")
	r.Handle("/audits/{id}/steps/{n}/{action}", s.page(s.requireSession(s.stepSubmit))).Methods("POST")
	r.Handle("/audits/{id}/consultancy", s.page(s.requireSession(s.consultancySubmit))).Methods("POST")
	r.Handle("/audits/{id}/letter", s.page(s.requireSession(s.letterSubmit))).Methods("POST")
	// The permit record: page, review form, .xlsx (permit.go).
	r.Handle("/audits/{id}/permit-record", s.page(s.requireSession(s.permitPage))).Methods("GET")
	r.Handle("/audits/{id}/permit-record/state", s.page(s.requireSession(s.permitStateSubmit))).Methods("POST")
	r.Handle("/audits/{id}/permit-record.xlsx", s.page(s.requireSession(s.permitExport))).Methods("GET")
	// Findings on the audit page: record, answer, close, send back (audit.go).
	r.Handle("/audits/{id}/findings", s.page(s.requireSession(s.findingCreateSubmit))).Methods("POST")
	r.Handle("/findings/{id}/answer", s.page(s.requireSession(s.findingActionSubmit(cpaudit.FindingAnswer)))).Methods("POST")
	r.Handle("/findings/{id}/close", s.page(s.requireSession(s.findingActionSubmit(cpaudit.FindingClose)))).Methods("POST")
	r.Handle("/findings/{id}/return", s.page(s.requireSession(s.findingActionSubmit(cpaudit.FindingReturn)))).Methods("POST")
	// Rectification orders and their .xlsx (orders.go); the user's
	// notifications (notifications.go); the consultancy evaluation, the
	// ranking and the experts' record, the weights (evaluations.go).
	r.Handle("/orders", s.page(s.requireSession(s.ordersPage))).Methods("GET")
	r.Handle("/orders.xlsx", s.page(s.requireSession(s.ordersExport))).Methods("GET")
	r.Handle("/notifications", s.page(s.requireSession(s.notificationsPage))).Methods("GET")
	r.Handle("/notifications/read", s.page(s.requireSession(s.notificationsReadSubmit))).Methods("POST")
	r.Handle("/evaluations", s.page(s.requireSession(s.evaluationsPage))).Methods("GET")
	r.Handle("/evaluations.xlsx", s.page(s.requireSession(s.evaluationsExport))).Methods("GET")
	r.Handle("/evaluations/weights", s.page(s.requireSession(s.weightsSubmit))).Methods("POST")
	r.Handle("/consultancies/{id}/evaluation", s.page(s.requireSession(s.evaluationPage))).Methods("GET")
	// The audit's options: a row's form, the .xlsx import (which checks
	// its session itself, being multipart) and its template (options.go).
	r.Handle("/audits/{id}/options", s.page(s.requireSession(s.optionSubmit))).Methods("POST")
	r.Handle("/audits/{id}/options/import", s.page(s.optionImportSubmit)).Methods("POST")
	r.Handle("/options/import-template.xlsx", s.page(s.requireSession(s.optionTemplate))).Methods("GET")
	// Cleaner production levels: the audit's before/after form, the
	// indicator sets, their .xlsx import (multipart: checks its session
	// itself) and template (levels.go).
	r.Handle("/audits/{id}/levels", s.page(s.requireSession(s.levelsSubmit))).Methods("POST")
	r.Handle("/indicator-sets", s.page(s.requireSession(s.indicatorSetsPage))).Methods("GET")
	r.Handle("/indicator-sets", s.page(s.requireSession(s.indicatorSetSubmit))).Methods("POST")
	r.Handle("/indicator-sets/import", s.page(s.indicatorSetImportSubmit)).Methods("POST")
	r.Handle("/indicator-sets/import-template.xlsx", s.page(s.requireSession(s.indicatorTemplate))).Methods("GET")
	r.Handle("/option-settings", s.page(s.requireSession(s.optionSettingsPage))).Methods("GET")
	r.Handle("/option-settings", s.page(s.requireSession(s.optionSettingsSubmit))).Methods("POST")
	// Enterprises and their .xlsx import (enterprises.go); the import
	// checks its session itself, to answer a form that lost it.
	r.Handle("/enterprises", s.page(s.requireSession(s.enterprisesPage))).Methods("GET")
	r.Handle("/enterprises.xlsx", s.page(s.requireSession(s.enterprisesExport))).Methods("GET")
	r.Handle("/enterprises/import", s.page(s.requireSession(s.importPage))).Methods("GET")
	r.Handle("/enterprises/import", s.page(s.importSubmit)).Methods("POST")
	r.Handle("/enterprises/import-template.xlsx", s.page(s.requireSession(httpx.ServeImportTemplate))).Methods("GET")
	r.Handle("/enterprises/imports/{id}/rejected.xlsx", s.page(s.requireSession(s.importRejected))).Methods("GET")
}
