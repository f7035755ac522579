package web

import (
	"context"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/letter"
)

// Store is everything the web UI needs from storage, one small interface
// per group of pages, each over root types. It is declared here, by its
// consumer; cmd/cpaudit passes *storage.Store.
type Store interface {
	SessionStore
	AuditStore
	BatchStore
	ProgressStore
	EnterpriseStore
	DocumentStore
	FlagStore
	ResultStore
	HomeStore
	ReviewStore
	OptionStore
	LevelStore
	GuidelineStore
	ScreeningStore
}

// LevelStore is what the audit page's before/after section and the
// indicator sets page need (levels.go).
type LevelStore interface {
	IndicatorSets(ctx context.Context, a cpaudit.Actor) ([]cpaudit.IndicatorSet, error)
	SaveIndicatorSet(ctx context.Context, a cpaudit.Actor, set cpaudit.IndicatorSet) (cpaudit.IndicatorSet, bool, error)
	AuditLevels(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.AuditLevels, error)
	SaveAuditLevels(ctx context.Context, a cpaudit.Actor, auditID string, in cpaudit.LevelsInput) (cpaudit.AuditLevels, error)
}

// OptionStore is what the audit page's option table, its forms and its
// import need (options.go).
type OptionStore interface {
	AuditOptions(ctx context.Context, a cpaudit.Actor, auditID string) ([]cpaudit.AuditOption, error)
	MayEditOptions(ctx context.Context, a cpaudit.Actor, auditID string) error
	UnusualOptionFigures(ctx context.Context, a cpaudit.Actor, auditID string, o cpaudit.AuditOption) ([]cpaudit.UnusualFigure, error)
	OptionPeers(ctx context.Context, a cpaudit.Actor, auditID string) (map[cpaudit.Quantity][]float64, error)
	SaveAuditOption(ctx context.Context, a cpaudit.Actor, auditID string, o cpaudit.AuditOption) (cpaudit.AuditOption, bool, error)
	SaveAuditOptions(ctx context.Context, a cpaudit.Actor, auditID string, opts []cpaudit.AuditOption) (created, updated int, err error)
	OptionSettings(ctx context.Context, a cpaudit.Actor) (cpaudit.OptionSettings, error)
	SaveOptionSettings(ctx context.Context, a cpaudit.Actor, set cpaudit.OptionSettings) (cpaudit.OptionSettings, error)
}

// ReviewStore is what an expert's assignment page needs (assignments.go).
type ReviewStore interface {
	Assignment(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Assignment, error)
	SubmitReview(ctx context.Context, a cpaudit.Actor, id string, nr cpaudit.NewReview) (cpaudit.Review, error)
	// The campaign pages (campaigns.go).
	Campaigns(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Campaign, error)
	Campaign(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Campaign, error)
	CreateCampaign(ctx context.Context, a cpaudit.Actor, nc cpaudit.NewCampaign) (cpaudit.Campaign, error)
	CampaignAssignments(ctx context.Context, a cpaudit.Actor, id string) ([]cpaudit.Assignment, error)
	CampaignReviews(ctx context.Context, a cpaudit.Actor, campaignID string) (cpaudit.CampaignReviews, error)
	DrawAssignments(ctx context.Context, a cpaudit.Actor, campaignID string, n cpaudit.NewAssignments) (cpaudit.Assignments, error)
	ReplaceAssignment(ctx context.Context, a cpaudit.Actor, campaignID, assignmentID, expertID, reason string) (cpaudit.Assignment, error)
	ExpertPool(ctx context.Context, a cpaudit.Actor) ([]cpaudit.ExpertProfile, error)
	Guidelines(ctx context.Context, a cpaudit.Actor, industry string) ([]cpaudit.Guideline, error)
	letter.OpinionStore // issuing opinions (letter.Opinions)
	// The review settings page (review_settings.go).
	Checklists(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Checklist, []bool, error)
	SetChecklist(ctx context.Context, a cpaudit.Actor, cl cpaudit.Checklist) (cpaudit.Checklist, error)
	ResetChecklist(ctx context.Context, a cpaudit.Actor, stage cpaudit.CampaignStage) error
	SetOpinionTemplate(ctx context.Context, a cpaudit.Actor, docx []byte, filename string) error
	SetLetterTemplate(ctx context.Context, a cpaudit.Actor, docx []byte, filename string) error
}

// SessionStore is what logging in and out and every page's session need
// (web.go).
type SessionStore interface {
	Login(ctx context.Context, tenantSlug, email, password string) (cpaudit.User, error)
	CreateSession(ctx context.Context, u cpaudit.User, clientAddr string, ttl time.Duration) (string, cpaudit.Session, error)
	SessionByCookie(ctx context.Context, cookie string, idle time.Duration) (cpaudit.Session, error)
	DeleteSession(ctx context.Context, a cpaudit.Actor, cookie string) error
	TenantByID(ctx context.Context, id string) (cpaudit.Tenant, error)
}

// AuditStore is what an audit's page and its forms need (audit.go).
type AuditStore interface {
	Audit(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Audit, error)
	AuditParties(ctx context.Context, a cpaudit.Actor, auditID string) (ent, cons cpaudit.Organisation, err error)
	TransitionStep(ctx context.Context, a cpaudit.Actor, auditID string, n int, c cpaudit.StepChange) (cpaudit.Audit, error)
	SetAuditConsultancy(ctx context.Context, a cpaudit.Actor, auditID, consultancyID string) (cpaudit.Audit, error)
	Letter(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.Document, error)
	Documents(ctx context.Context, a cpaudit.Actor, f cpaudit.DocumentFilter) ([]cpaudit.Document, int, error)
	Consultancies(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Organisation, error)
	Findings(ctx context.Context, a cpaudit.Actor, f cpaudit.FindingFilter) ([]cpaudit.Finding, int, error)
	FindingHistories(ctx context.Context, a cpaudit.Actor, auditID string) (map[string][]cpaudit.FindingEvent, error)
	Finding(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Finding, error)
	CreateFinding(ctx context.Context, a cpaudit.Actor, nf cpaudit.NewFinding) (cpaudit.Finding, error)
	// What the finding form may cite, and a cited image's thumbnail
	// (finding_cite.go).
	FindingCitables(ctx context.Context, a cpaudit.Actor, auditID string) ([]cpaudit.CitableDocument, error)
	DocumentImageThumb(ctx context.Context, a cpaudit.Actor, docID, entry string) ([]byte, error)
	// The evaluation, the ranking, the experts' record, the weights
	// (evaluations.go).
	ConsultancyEvaluation(ctx context.Context, a cpaudit.Actor, consultancyID string, p cpaudit.EvalPeriod) (cpaudit.Evaluation, error)
	ConsultancyRanking(ctx context.Context, a cpaudit.Actor, p cpaudit.EvalPeriod) ([]cpaudit.Evaluation, cpaudit.EvaluationWeights, error)
	ExpertRecords(ctx context.Context, a cpaudit.Actor, p cpaudit.EvalPeriod) ([]cpaudit.ExpertRecord, error)
	SaveEvaluationWeights(ctx context.Context, a cpaudit.Actor, w cpaudit.EvaluationWeights) (cpaudit.EvaluationWeights, error)
	// The user's notifications (notifications.go, and the badge of render).
	Notifications(ctx context.Context, a cpaudit.Actor, limit, offset int) ([]cpaudit.Notification, int, int, error)
	UnreadNotifications(ctx context.Context, a cpaudit.Actor) (int, error)
	MarkNotificationsRead(ctx context.Context, a cpaudit.Actor, ids []string) error
	AnswerFinding(ctx context.Context, a cpaudit.Actor, id string, c cpaudit.FindingChange) (cpaudit.Finding, error)
	CloseFinding(ctx context.Context, a cpaudit.Actor, id string, c cpaudit.FindingChange) (cpaudit.Finding, error)
	ReturnFinding(ctx context.Context, a cpaudit.Actor, id string, c cpaudit.FindingChange) (cpaudit.Finding, error)
}

// BatchStore is what the batch pages need (batches.go).
type BatchStore interface {
	Batch(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Batch, error)
	Batches(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Batch, error)
	CreateBatch(ctx context.Context, a cpaudit.Actor, b cpaudit.Batch) (cpaudit.Batch, error)
	UpdateBatch(ctx context.Context, a cpaudit.Actor, id string, p cpaudit.BatchPatch) (cpaudit.Batch, error)
	StartAudit(ctx context.Context, a cpaudit.Actor, na cpaudit.NewAudit) (cpaudit.Audit, error)
	ListEnterprises(ctx context.Context, a cpaudit.Actor, f cpaudit.EnterpriseFilter) ([]cpaudit.Organisation, int, error)
	Consultancies(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Organisation, error)
}

// ProgressStore is what the dashboard, the audit and overdue lists and
// their exports need (dashboard.go, export.go).
type ProgressStore interface {
	Audits(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.AuditRow, int, error)
	Overdue(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.OverdueRow, int, error)
	Dashboard(ctx context.Context, a cpaudit.Actor, stalledDays int) (cpaudit.Dashboard, error)
	Batches(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Batch, error)
	Enforcement(ctx context.Context, a cpaudit.Actor, region string) ([]cpaudit.EnforcementItem, error)
	PermitRecord(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.PermitRecord, error)
	SetPermitState(ctx context.Context, a cpaudit.Actor, auditID string, c cpaudit.PermitStateChange) (cpaudit.PermitRecord, error)
	SiteChecks(ctx context.Context, a cpaudit.Actor, enterpriseID string) ([]cpaudit.SiteCheck, error)
	RecordSiteCheck(ctx context.Context, a cpaudit.Actor, enterpriseID string, n cpaudit.NewSiteCheck) (cpaudit.SiteCheck, error)
	IsEnforcementOffice(ctx context.Context, a cpaudit.Actor, orgID string) (bool, error)
	// The admin's page of regulator offices (enforcement.go).
	RegulatorOffices(ctx context.Context, a cpaudit.Actor) ([]cpaudit.RegulatorOffice, error)
	MarkEnforcementOffice(ctx context.Context, a cpaudit.Actor, orgID string, mark *bool) error
}

// EnterpriseStore is what the enterprise list, its export and the import
// need (enterprises.go).
type EnterpriseStore interface {
	httpx.EnterpriseImporter
	ListEnterprises(ctx context.Context, a cpaudit.Actor, f cpaudit.EnterpriseFilter) ([]cpaudit.Organisation, int, error)
	EnterpriseImportResult(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.ImportResult, error)
	Batches(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Batch, error)
	Consultancies(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Organisation, error)
}

// DocumentStore is what the document pages, uploads, downloads and the
// search page need (documents.go, search.go).
type DocumentStore interface {
	httpx.DocumentUploader
	httpx.ContentOpener
	httpx.SearchStore
	Documents(ctx context.Context, a cpaudit.Actor, f cpaudit.DocumentFilter) ([]cpaudit.Document, int, error)
	ObjectLog(ctx context.Context, a cpaudit.Actor, objectType, objectID string, limit int) ([]cpaudit.LogEntry, error)
	DocumentText(ctx context.Context, a cpaudit.Actor, docID string, version int) (cpaudit.ExtractedText, error)
	SimilarDocuments(ctx context.Context, a cpaudit.Actor, id string, limit int) ([]cpaudit.SimilarDocument, error)
	// The pickers of the upload form and the filters (pickers.go) and the
	// names on the document page.
	Audits(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.AuditRow, int, error)
	AuditNames(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]string, error)
	AuditParties(ctx context.Context, a cpaudit.Actor, auditID string) (ent, cons cpaudit.Organisation, err error)
	ListEnterprises(ctx context.Context, a cpaudit.Actor, f cpaudit.EnterpriseFilter) ([]cpaudit.Organisation, int, error)
}

// FlagStore is what the flag pages, their review and their images need
// (flags.go, flag_images.go).
type FlagStore interface {
	httpx.ContentOpener
	Flags(ctx context.Context, a cpaudit.Actor, f cpaudit.FlagFilter) ([]cpaudit.Flag, int, error)
	ReviewFlag(ctx context.Context, a cpaudit.Actor, id string, decision cpaudit.FlagStatus, reason string, ff cpaudit.FlagFinding) (cpaudit.Flag, error)
	DocumentTitles(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]string, error)
	Consultancies(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Organisation, error)
}

// ResultStore is what the results page needs (results.go).
type ResultStore interface {
	Results(ctx context.Context, a cpaudit.Actor, f cpaudit.ResultFilter) ([]cpaudit.ResultGroup, error)
	ResultRanking(ctx context.Context, a cpaudit.Actor, f cpaudit.RankingFilter) ([]cpaudit.RankedOption, error)
	ResultOptions(ctx context.Context, a cpaudit.Actor, f cpaudit.ResultOptionFilter, each func(cpaudit.ResultOption) error) error
	Batches(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Batch, error)
	Consultancies(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Organisation, error)
	// The options library and its recommendations (option_library.go).
	OptionLibrary(ctx context.Context, a cpaudit.Actor, f cpaudit.LibraryFilter) ([]cpaudit.LibraryOption, error)
	RecommendOption(ctx context.Context, a cpaudit.Actor, optionID string, rec cpaudit.Recommendation) (cpaudit.Recommendation, error)
	UnrecommendOption(ctx context.Context, a cpaudit.Actor, optionID string) error
	DocumentTitles(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]string, error)
}

// HomeStore is what the home page's work queues need (home.go).
type HomeStore interface {
	StepQueue(ctx context.Context, a cpaudit.Actor, f cpaudit.StepQueueFilter) ([]cpaudit.StepItem, int, error)
	AuditNames(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]string, error)
	AdminOverview(ctx context.Context, a cpaudit.Actor) (cpaudit.AdminOverview, error)
	Audits(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.AuditRow, int, error)
	Overdue(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.OverdueRow, int, error)
	Flags(ctx context.Context, a cpaudit.Actor, f cpaudit.FlagFilter) ([]cpaudit.Flag, int, error)
	DocumentTitles(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]string, error)
	Findings(ctx context.Context, a cpaudit.Actor, f cpaudit.FindingFilter) ([]cpaudit.Finding, int, error)
	MyAssignments(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Assignment, error)
	Documents(ctx context.Context, a cpaudit.Actor, f cpaudit.DocumentFilter) ([]cpaudit.Document, int, error)
}

// Letters makes an audit's notification letter and runs the letter jobs a
// batch change queued (letter.Service).
type Letters interface {
	httpx.LetterRunner
	Generate(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.Document, error)
	// Template is the tenant's letter template, or the built-in one.
	Template(ctx context.Context, a cpaudit.Actor) ([]byte, string, error)
}

// GuidelineStore is what the guideline pages need (guidelines.go).
type GuidelineStore interface {
	CreateGuideline(ctx context.Context, a cpaudit.Actor, ng cpaudit.NewGuideline) (cpaudit.Guideline, error)
	PublishGuideline(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Guideline, error)
	Guideline(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Guideline, error)
	Guidelines(ctx context.Context, a cpaudit.Actor, industry string) ([]cpaudit.Guideline, error)
	GuidelinePrevious(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Guideline, cpaudit.Guideline, error)
	SetGuidelineRequirements(ctx context.Context, a cpaudit.Actor, id string, rs []cpaudit.Requirement) ([]cpaudit.Requirement, error)
	GuidelineRequirements(ctx context.Context, a cpaudit.Actor, id string) ([]cpaudit.Requirement, error)
	AuditRequirements(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.AuditRequirements, error)
	GuidelineNotices(ctx context.Context, a cpaudit.Actor, since time.Time) ([]cpaudit.GuidelineNotice, error)
}
