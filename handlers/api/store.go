package api

import (
	"context"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/letter"
)

// Store is everything the API needs from storage, one small interface per
// handler group, each over root types. It is declared here, by its
// consumer; cmd/cpaudit passes *storage.Store, and a test's fake need
// implement only the groups the routes it calls use.
type Store interface {
	AccountStore
	AuditStore
	BatchStore
	CampaignStore
	ReviewStore
	FindingStore
	DocumentStore
	SearchStore
	FlagStore
	ProgressStore
	OrgStore
	LetterStore
	OptionStore
	LevelStore
	LinkageStore
	ResultStore
	GuidelineStore
	ScreeningStore
}

// AccountStore is what the caller's identity and its tokens and users need
// (accounts.go), and the bearer token check in front of every route.
type AccountStore interface {
	httpx.TokenUsers
	TenantByID(ctx context.Context, id string) (cpaudit.Tenant, error)
	CreateUser(ctx context.Context, a cpaudit.Actor, nu cpaudit.NewUser) (cpaudit.User, error)
	CreateToken(ctx context.Context, a cpaudit.Actor, userID, name string) (string, cpaudit.Token, error)
	Tokens(ctx context.Context, a cpaudit.Actor, userID string) ([]cpaudit.Token, error)
	RevokeToken(ctx context.Context, a cpaudit.Actor, tokenID string) error
}

// AuditStore is what organisations, audits and their steps need
// (accounts.go, batches.go).
type AuditStore interface {
	CreateOrganisation(ctx context.Context, a cpaudit.Actor, o cpaudit.Organisation) (cpaudit.Organisation, error)
	Organisation(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Organisation, error)
	StartAudit(ctx context.Context, a cpaudit.Actor, na cpaudit.NewAudit) (cpaudit.Audit, error)
	Audit(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Audit, error)
	TransitionStep(ctx context.Context, a cpaudit.Actor, auditID string, n int, c cpaudit.StepChange) (cpaudit.Audit, error)
}

// BatchStore is what batches need (batches.go).
type BatchStore interface {
	CreateBatch(ctx context.Context, a cpaudit.Actor, b cpaudit.Batch) (cpaudit.Batch, error)
	UpdateBatch(ctx context.Context, a cpaudit.Actor, id string, p cpaudit.BatchPatch) (cpaudit.Batch, error)
	Batch(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Batch, error)
	Batches(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Batch, error)
}

// CampaignStore is what spot-check campaigns need (campaigns.go).
type CampaignStore interface {
	CreateCampaign(ctx context.Context, a cpaudit.Actor, nc cpaudit.NewCampaign) (cpaudit.Campaign, error)
	Campaign(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Campaign, error)
}

// ReviewStore is what the expert pool, the reviewers of campaigns and
// their reviews need (reviews.go).
type ReviewStore interface {
	ExpertPool(ctx context.Context, a cpaudit.Actor) ([]cpaudit.ExpertProfile, error)
	SetExpertProfile(ctx context.Context, a cpaudit.Actor, userID string, p cpaudit.ExpertProfile) (cpaudit.ExpertProfile, error)
	DrawAssignments(ctx context.Context, a cpaudit.Actor, campaignID string, n cpaudit.NewAssignments) (cpaudit.Assignments, error)
	ReplaceAssignment(ctx context.Context, a cpaudit.Actor, campaignID, assignmentID, expertID, reason string) (cpaudit.Assignment, error)
	MyAssignments(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Assignment, error)
	Assignment(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Assignment, error)
	SubmitReview(ctx context.Context, a cpaudit.Actor, id string, nr cpaudit.NewReview) (cpaudit.Review, error)
	CampaignReviews(ctx context.Context, a cpaudit.Actor, campaignID string) (cpaudit.CampaignReviews, error)
	letter.OpinionStore // issuing opinions (letter.Opinions)
	SetOpinionTemplate(ctx context.Context, a cpaudit.Actor, docx []byte, filename string) error
	Checklists(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Checklist, []bool, error)
	SetChecklist(ctx context.Context, a cpaudit.Actor, cl cpaudit.Checklist) (cpaudit.Checklist, error)
	httpx.Stager
}

// FindingStore is what findings and the consultancy evaluation need
// (findings.go).
type FindingStore interface {
	CreateFinding(ctx context.Context, a cpaudit.Actor, nf cpaudit.NewFinding) (cpaudit.Finding, error)
	FindingCitables(ctx context.Context, a cpaudit.Actor, auditID string) ([]cpaudit.CitableDocument, error)
	Findings(ctx context.Context, a cpaudit.Actor, f cpaudit.FindingFilter) ([]cpaudit.Finding, int, error)
	Finding(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Finding, error)
	AnswerFinding(ctx context.Context, a cpaudit.Actor, id string, c cpaudit.FindingChange) (cpaudit.Finding, error)
	CloseFinding(ctx context.Context, a cpaudit.Actor, id string, c cpaudit.FindingChange) (cpaudit.Finding, error)
	ReturnFinding(ctx context.Context, a cpaudit.Actor, id string, c cpaudit.FindingChange) (cpaudit.Finding, error)
	ConsultancyEvaluation(ctx context.Context, a cpaudit.Actor, consultancyID string, p cpaudit.EvalPeriod) (cpaudit.Evaluation, error)
}

// DocumentStore is what documents, their versions, bytes, log and text
// need (documents.go).
type DocumentStore interface {
	httpx.DocumentUploader
	httpx.ContentOpener
	DeleteDocument(ctx context.Context, a cpaudit.Actor, id string) error
	Documents(ctx context.Context, a cpaudit.Actor, f cpaudit.DocumentFilter) ([]cpaudit.Document, int, error)
	OwnDocument(ctx context.Context, a cpaudit.Actor, id string) error
	ObjectLog(ctx context.Context, a cpaudit.Actor, objectType, objectID string, limit int) ([]cpaudit.LogEntry, error)
	DocumentText(ctx context.Context, a cpaudit.Actor, docID string, version int) (cpaudit.ExtractedText, error)
	SimilarDocuments(ctx context.Context, a cpaudit.Actor, id string, limit int) ([]cpaudit.SimilarDocument, error)
}

// SearchStore is what search and the index status need (search.go).
type SearchStore interface {
	httpx.SearchStore
	SearchStatus(ctx context.Context, tenantID string) (cpaudit.SearchStatus, error)
}

// FlagStore is what flags, their review and the side-by-side comparison
// need (flags.go).
type FlagStore interface {
	Flags(ctx context.Context, a cpaudit.Actor, f cpaudit.FlagFilter) ([]cpaudit.Flag, int, error)
	ReviewFlag(ctx context.Context, a cpaudit.Actor, id string, decision cpaudit.FlagStatus, reason string, ff cpaudit.FlagFinding) (cpaudit.Flag, error)
	DocumentText(ctx context.Context, a cpaudit.Actor, docID string, version int) (cpaudit.ExtractedText, error)
}

// ProgressStore is what deadlines, audit lists and dashboards need from
// storage.
type ProgressStore interface {
	Audits(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.AuditRow, int, error)
	Overdue(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.OverdueRow, int, error)
	Dashboard(ctx context.Context, a cpaudit.Actor, stalledDays int) (cpaudit.Dashboard, error)
	Notices(ctx context.Context, a cpaudit.Actor, limit, offset int) ([]cpaudit.Notice, int, error)
	RecordMilestone(ctx context.Context, a cpaudit.Actor, auditID string, m cpaudit.NewMilestone) (cpaudit.Milestone, error)
	Deadlines(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.AuditDeadlines, error)
}

// OrgStore is what the organisation, import, carry and expected-document
// routes need from storage.
type OrgStore interface {
	ListEnterprises(ctx context.Context, a cpaudit.Actor, f cpaudit.EnterpriseFilter) ([]cpaudit.Organisation, int, error)
	UpdateOrganisation(ctx context.Context, a cpaudit.Actor, id string, p cpaudit.OrgProfile) (cpaudit.Organisation, error)
	AddStaff(ctx context.Context, a cpaudit.Actor, consultancyID string, st cpaudit.Staff) (cpaudit.Staff, error)
	ListStaff(ctx context.Context, a cpaudit.Actor, consultancyID string) ([]cpaudit.Staff, error)
	ImportEnterprises(ctx context.Context, a cpaudit.Actor, im cpaudit.EnterpriseImport) (cpaudit.ImportResult, error)
	EnterpriseImportResult(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.ImportResult, error)
	CarryAudit(ctx context.Context, a cpaudit.Actor, auditID, batchID string) (cpaudit.Audit, error)
	StepRequirements(ctx context.Context, a cpaudit.Actor) ([]cpaudit.StepRequirement, error)
	SetStepExpected(ctx context.Context, a cpaudit.Actor, n int, docs []cpaudit.ExpectedDocument) (cpaudit.StepRequirement, error)
}

// LetterStore is what the letter routes and assigning a consultancy need
// from storage.
type LetterStore interface {
	SetLetterTemplate(ctx context.Context, a cpaudit.Actor, docx []byte, filename string) error
	Letter(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.Document, error)
	SetAuditConsultancy(ctx context.Context, a cpaudit.Actor, auditID, consultancyID string) (cpaudit.Audit, error)
	AuditParties(ctx context.Context, a cpaudit.Actor, auditID string) (ent, cons cpaudit.Organisation, err error)
}

// OptionStore is what the routes of an audit's structured options need
// from storage.
type OptionStore interface {
	AuditOptions(ctx context.Context, a cpaudit.Actor, auditID string) ([]cpaudit.AuditOption, error)
	SaveAuditOption(ctx context.Context, a cpaudit.Actor, auditID string, o cpaudit.AuditOption) (cpaudit.AuditOption, bool, error)
	MayEditOptions(ctx context.Context, a cpaudit.Actor, auditID string) error
	UnusualOptionFigures(ctx context.Context, a cpaudit.Actor, auditID string, o cpaudit.AuditOption) ([]cpaudit.UnusualFigure, error)
	OptionPeers(ctx context.Context, a cpaudit.Actor, auditID string) (map[cpaudit.Quantity][]float64, error)
	// SaveAuditOptions saves an imported option table, all or nothing.
	SaveAuditOptions(ctx context.Context, a cpaudit.Actor, auditID string, opts []cpaudit.AuditOption) (created, updated int, err error)
	OptionSettings(ctx context.Context, a cpaudit.Actor) (cpaudit.OptionSettings, error)
	SaveOptionSettings(ctx context.Context, a cpaudit.Actor, set cpaudit.OptionSettings) (cpaudit.OptionSettings, error)
}

// LevelStore is what cleaner production levels need from storage
// (levels.go).
type LevelStore interface {
	IndicatorSets(ctx context.Context, a cpaudit.Actor) ([]cpaudit.IndicatorSet, error)
	SaveIndicatorSet(ctx context.Context, a cpaudit.Actor, set cpaudit.IndicatorSet) (cpaudit.IndicatorSet, bool, error)
	AuditLevels(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.AuditLevels, error)
	SaveAuditLevels(ctx context.Context, a cpaudit.Actor, auditID string, in cpaudit.LevelsInput) (cpaudit.AuditLevels, error)
}

// ResultStore is what the results and their cost ranking need
// (results.go).
type ResultStore interface {
	Results(ctx context.Context, a cpaudit.Actor, f cpaudit.ResultFilter) ([]cpaudit.ResultGroup, error)
	ResultRanking(ctx context.Context, a cpaudit.Actor, f cpaudit.RankingFilter) ([]cpaudit.RankedOption, error)
	// The options library and its recommendations (option_library.go).
	OptionLibrary(ctx context.Context, a cpaudit.Actor, f cpaudit.LibraryFilter) ([]cpaudit.LibraryOption, error)
	RecommendOption(ctx context.Context, a cpaudit.Actor, optionID string, rec cpaudit.Recommendation) (cpaudit.Recommendation, error)
	UnrecommendOption(ctx context.Context, a cpaudit.Actor, optionID string) error
}

// Letters builds the audits' notification letters (letter.Service).
type Letters interface {
	Template(ctx context.Context, a cpaudit.Actor) ([]byte, string, error)
	Generate(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.Document, error)
	RunTenant(ctx context.Context, tenantID string) (int, error)
}

// LinkageStore is what the permit record and the enforcement queue need
// from storage (linkage.go).
type LinkageStore interface {
	PermitRecord(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.PermitRecord, error)
	SetPermitState(ctx context.Context, a cpaudit.Actor, auditID string, c cpaudit.PermitStateChange) (cpaudit.PermitRecord, error)
	MarkEnforcementOffice(ctx context.Context, a cpaudit.Actor, orgID string, mark *bool) error
	RecordSiteCheck(ctx context.Context, a cpaudit.Actor, enterpriseID string, n cpaudit.NewSiteCheck) (cpaudit.SiteCheck, error)
	SiteChecks(ctx context.Context, a cpaudit.Actor, enterpriseID string) ([]cpaudit.SiteCheck, error)
	Enforcement(ctx context.Context, a cpaudit.Actor, region string) ([]cpaudit.EnforcementItem, error)
}

// GuidelineStore is what guideline versions need (guidelines.go).
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
