package cpaudit

// Code names why something was refused, stably: the API answers it as the
// problem's "code" and the web UI shows the text its message files hold
// under "err.CODE", in the page's language. A code, once published, keeps
// its meaning; a new refusal gets a new code. Codes are lower-case words
// joined by "_".
//
// Every code is declared here and listed in Codes, and a test of the
// handlers fails when one has no Chinese or English text.
type Code string

// The kinds' default codes, for errors made by Errorf and for any error
// whose cause a user need not know more of than its kind.
const (
	CodeInternal        Code = "internal"
	CodeInvalid         Code = "invalid"
	CodeUnprocessable   Code = "unprocessable"
	CodeUnauthenticated Code = "unauthenticated"
	CodeNotFound        Code = "not_found"
	CodeConflict        Code = "conflict"
	CodeTooLarge        Code = "too_large"
	CodeRateLimited     Code = "rate_limited"
	CodeUnavailable     Code = "unavailable"
)

var defaultCodes = map[Kind]Code{
	KindInternal:        CodeInternal,
	KindInvalid:         CodeInvalid,
	KindUnprocessable:   CodeUnprocessable,
	KindUnauthenticated: CodeUnauthenticated,
	KindNotFound:        CodeNotFound,
	KindConflict:        CodeConflict,
	KindTooLarge:        CodeTooLarge,
	KindRateLimited:     CodeRateLimited,
	KindUnavailable:     CodeUnavailable,
}

// DefaultCode is the code of an error of kind k that names no code itself.
func DefaultCode(k Kind) Code {
	if c, ok := defaultCodes[k]; ok {
		return c
	}
	return CodeInternal
}

// Fields, values and dates common to many forms. Params: field (the API's
// name of the field), value, max, min.
const (
	CodeDateInvalid   Code = "date_invalid"   // field (and mostly value): not YYYY-MM-DD
	CodeDateInFuture  Code = "date_in_future" // value
	CodeTextTooLong   Code = "text_too_long"  // field, max: too long or not valid text
	CodeFieldRequired Code = "field_required" // field
	CodeNumberRange   Code = "number_range"   // field, min, max
	CodeIDInvalid     Code = "id_invalid"     // field
	CodeSortInvalid   Code = "sort_invalid"   // value
)

// Sessions, forms and request bodies.
const (
	CodeLoginRequired   Code = "login_required"
	CodeLoginFailed     Code = "login_failed"
	CodeTokenRequired   Code = "token_required"
	CodeTokenInvalid    Code = "token_invalid"
	CodeFormExpired     Code = "form_expired"
	CodeCrossSite       Code = "cross_site"
	CodeFormUnreadable  Code = "form_unreadable"
	CodeBodyNotJSON     Code = "body_not_json"
	CodeBodyMalformed   Code = "body_malformed"
	CodeBodyTooLarge    Code = "body_too_large" // max (with its unit)
	CodePageNotFound    Code = "page_not_found"
	CodeNoSuchStep      Code = "no_such_step"
	CodeNoSuchAction    Code = "no_such_action"
	CodeNoSuchVersion   Code = "no_such_version"
	CodeNoSuchImage     Code = "no_such_image"
	CodeNoSuchOrg       Code = "no_such_organisation"
	CodeNoSuchAudit     Code = "no_such_audit"
	CodeDatabaseBusy    Code = "database_busy"
	CodeSearchUnavail   Code = "search_unavailable"
	CodeContentNotFound Code = "content_not_found"
)

// Steps and their documents (storage/step.go, storage/expected.go).
const (
	CodeStepOutOfRange          Code = "step_out_of_range" // value
	CodeStepActionUnknown       Code = "step_action_unknown"
	CodeStepSubmitterNotAllowed Code = "step_submitter_not_allowed"
	CodeStepReviewerNotAllowed  Code = "step_reviewer_not_allowed"
	CodeStepLocked              Code = "step_locked"        // step, state: submitted or accepted already
	CodeStepNotSubmitted        Code = "step_not_submitted" // step, state
	CodePhaseGateClosed         Code = "phase_gate_closed"  // step, phase, blocking (the first step of P1-P5 not accepted)
	CodeReasonRequired          Code = "reason_required"
	CodeReasonTooLong           Code = "reason_too_long" // max
	CodeDocumentIDsMisplaced    Code = "document_ids_misplaced"
	CodeDocumentIDsTooMany      Code = "document_ids_too_many" // max
	CodeDocumentNotOfAudit      Code = "document_not_of_audit" // value
	CodeDocumentsRequired       Code = "documents_required"    // step, documents_zh, documents_en
	CodeExpectedNotAllowed      Code = "expected_not_allowed"
	CodeExpectedInvalid         Code = "expected_invalid"
)

// Batches (batch.go, storage/batch.go), audits and their consultancy,
// carrying an audit into a later batch (storage/carry.go).
const (
	CodeCampaignNotAllowed        Code = "campaign_not_allowed"
	CodeCampaignStageUnknown      Code = "campaign_stage_unknown" // value
	CodeCampaignSizeRange         Code = "campaign_size_range"    // max
	CodeCampaignSeedRange         Code = "campaign_seed_range"
	CodeCampaignStratumUnknown    Code = "campaign_stratum_unknown" // value
	CodeCampaignPopulationEmpty   Code = "campaign_population_empty"
	CodeCampaignStrataExceedSize  Code = "campaign_strata_exceed_size" // required, size
	CodeExpertPoolNotAllowed      Code = "expert_pool_not_allowed"
	CodeExpertListTooLong         Code = "expert_list_too_long"        // field, max
	CodeExpertOrgUnknown          Code = "expert_organisation_unknown" // value
	CodeAssignNotAllowed          Code = "assignment_not_allowed"
	CodeAssignPerAuditRange       Code = "assignment_per_audit_range" // max
	CodeAssignmentsDrawn          Code = "assignments_already_drawn"
	CodeReviewersTooFew           Code = "reviewers_too_few" // audit_id, eligible, per_audit
	CodeExpertNotInPool           Code = "expert_not_in_pool"
	CodeExpertConflict            Code = "expert_conflict"         // audit_id
	CodeExpertAlreadyAssigned     Code = "expert_already_assigned" // audit_id
	CodeAssignmentNotActive       Code = "assignment_not_active"   // state
	CodeReviewSubmitted           Code = "review_already_submitted"
	CodeReviewItemUnknown         Code = "review_item_unknown"     // item
	CodeReviewItemTwice           Code = "review_item_twice"       // item
	CodeReviewItemMissing         Code = "review_item_missing"     // item
	CodeReviewPointsRange         Code = "review_points_range"     // item, max
	CodeReviewVetoUnknown         Code = "review_veto_unknown"     // item
	CodeReviewCommentTooLong      Code = "review_comment_too_long" // max
	CodeReviewsNotAllowed         Code = "campaign_reviews_not_allowed"
	CodeOpinionNotAllowed         Code = "opinion_not_allowed"
	CodeOpinionReviewsPending     Code = "opinion_reviews_pending" // submitted, assigned
	CodeChecklistInvalid          Code = "checklist_invalid"       // field
	CodeChecklistNotAllowed       Code = "checklist_not_allowed"
	CodeOpinionTemplateNotAllowed Code = "opinion_template_not_allowed"
	CodeBatchNotAllowed           Code = "batch_not_allowed"
	CodeBatchOutsideRegion        Code = "batch_outside_region"
	CodeBatchNameRequired         Code = "batch_name_required"
	CodeBatchNameInvalid          Code = "batch_name_invalid"
	CodeBatchYearRange            Code = "batch_year_range"   // value
	CodeBatchNumberRange          Code = "batch_number_range" // value
	CodeBatchTaken                Code = "batch_taken"
	CodeListingReasonUnknown      Code = "listing_reason_unknown" // value
	CodeObligationUnknown         Code = "obligation_unknown"     // value
	CodeDatesOutOfOrder           Code = "dates_out_of_order"     // earlier, later (obligation names)
	CodeAuditStartNotAllowed      Code = "audit_start_not_allowed"
	CodeEnterpriseRequired        Code = "enterprise_required"
	CodeOrganisationWrongKind     Code = "organisation_wrong_kind" // want (consultancy, enterprise...)
	CodeConsultancyNotAllowed     Code = "consultancy_assign_not_allowed"
	CodeConsultancyRequired       Code = "consultancy_required"
	CodeCarryNotAllowed           Code = "carry_not_allowed"
	CodeCarryBatchRequired        Code = "carry_batch_required"
	CodeCarryAlreadyCarried       Code = "carry_already_carried"
	CodeCarryAccepted             Code = "carry_accepted"
	CodeCarryBatchNotLater        Code = "carry_batch_not_later"
	CodeCarryEnterpriseHasAudit   Code = "carry_enterprise_has_audit"
	CodeOptionsNotAllowed         Code = "options_not_allowed"
	CodeOptionsTooMany            Code = "options_too_many" // max
	CodeOptionInvalid             Code = "option_invalid"
	CodeOptionStatusUnknown       Code = "option_status_unknown"      // value
	CodeOptionQuantityUnknown     Code = "option_quantity_unknown"    // value, allowed
	CodeOptionUnitUnknown         Code = "option_unit_unknown"        // quantity, value, allowed
	CodeOptionInvestmentNegative  Code = "option_investment_negative" // value
	CodeOptionFigureNegative      Code = "option_figure_negative"     // quantity, value
	CodeOptionDatesInconsistent   Code = "option_dates_inconsistent"  // status, value
	CodeOptionSettingsInvalid     Code = "option_settings_invalid"    // field
	CodeOptionSettingsNotAllowed  Code = "option_settings_not_allowed"
	CodeDiscountRateInvalid       Code = "discount_rate_invalid"    // value
	CodeOptionImportInvalid       Code = "option_import_invalid"    // rows
	CodeOptionImportDuplicate     Code = "option_import_duplicate"  // value, row
	CodeOptionImportNotNumber     Code = "option_import_not_number" // value
	CodeOptionFiguresUnusual      Code = "option_figures_unusual"   // value
	CodeResultsGroupByInvalid     Code = "results_group_by_invalid" // value
	CodeRankingPerInvalid         Code = "ranking_per_invalid"      // value
	CodeRecommendNotAllowed       Code = "option_recommend_not_allowed"
	CodeRecommendNotCounted       Code = "option_recommend_not_counted"
	CodeStaffNotAllowed           Code = "staff_not_allowed"
	CodeStaffTaken                Code = "staff_taken"
	CodeQuantityUnknown           Code = "quantity_unknown"
	CodeAuditFilterInvalid        Code = "audit_filter_invalid" // field, value
	CodeImportConsultancyNoBatch  Code = "import_consultancy_without_batch"
	CodeResultsLevelInvalid       Code = "results_level_invalid" // value
	CodeResultsKeyInvalid         Code = "results_key_invalid"   // value
)

// Milestones (progress.go, storage/progress.go). Params: obligation.
const (
	CodeMilestoneNotAllowed      Code = "milestone_not_allowed"
	CodeMilestoneDerived         Code = "milestone_derived"          // obligation
	CodeMilestoneResultRequired  Code = "milestone_result_required"  // obligation
	CodeMilestoneResultMisplaced Code = "milestone_result_misplaced" // obligation
	CodeMilestoneDone            Code = "milestone_done"             // obligation, value (the date recorded)
	CodeMilestoneGateClosed      Code = "milestone_gate_closed"      // obligation, gate (assessment or acceptance)
	CodeMilestoneBeforeGate      Code = "milestone_before_gate"      // value, gate, opened
	CodeMilestoneNotAssessed     Code = "milestone_not_assessed"
	CodeMilestoneBeforeAssessed  Code = "milestone_before_assessed" // value, passed
)

// Findings and the consultancy evaluation (finding.go, storage/finding.go).
const (
	CodeFindingNotAllowed       Code = "finding_not_allowed"
	CodeFindingCategoryUnknown  Code = "finding_category_unknown" // value
	CodeFindingSeverityUnknown  Code = "finding_severity_unknown" // value
	CodeFindingStateUnknown     Code = "finding_state_unknown"    // value
	CodeFindingDueInPast        Code = "finding_due_in_past"      // value
	CodeNoSuchFinding           Code = "no_such_finding"
	CodeFindingAnswerNotAllowed Code = "finding_answer_not_allowed"
	CodeFindingVerifyNotAllowed Code = "finding_verify_not_allowed"
	CodeFindingClosed           Code = "finding_closed"
	CodeFindingNotOpen          Code = "finding_not_open"
	CodeFindingNotAnswered      Code = "finding_not_answered"
	// The evaluation's weights (evaluation.go, storage/evaluation.go).
	CodeEvaluationWeightsInvalid    Code = "evaluation_weights_invalid" // field, min, max
	CodeEvaluationWeightsNotAllowed Code = "evaluation_weights_not_allowed"
	CodeFindingAssignmentNotOfAudit Code = "finding_assignment_not_of_audit" // value
	// What a finding cites (finding_cite.go, storage/finding_cite.go).
	CodeFindingCitationsTooMany Code = "finding_citations_too_many" // field, max
	CodePassageInvalid          Code = "passage_invalid"            // value (the document), max
	CodePassageNotInText        Code = "passage_not_in_text"        // value (the document)
	CodeFigureNotOfAudit        Code = "figure_not_of_audit"        // value
	CodeImageNotOfAudit         Code = "image_not_of_audit"         // value
)

// Organisations (org.go, orgprofile.go, storage/org.go, storage/enterprise.go).
const (
	CodeOrgKindUnknown        Code = "org_kind_unknown" // value
	CodeIndustryInvalid       Code = "industry_invalid" // value
	CodeRegionInvalid         Code = "region_invalid"   // value
	CodeCreditCodeLength      Code = "credit_code_length"
	CodeCreditCodeCharacter   Code = "credit_code_character" // value, position
	CodeCreditCodeCheck       Code = "credit_code_check"
	CodeCreditCodeTaken       Code = "credit_code_taken" // value
	CodePermitNumberInvalid   Code = "permit_number_invalid"
	CodeStatusInvalid         Code = "status_invalid" // value
	CodeStatusNotEnterprise   Code = "status_not_enterprise"
	CodeOrgRegisterNotAllowed Code = "org_register_not_allowed"
	CodeOrgOwnParent          Code = "org_own_parent"
	CodeOrgChangeNotAllowed   Code = "org_change_not_allowed"
	CodeOrgOwnOffice          Code = "org_own_office"
	CodeOrgKindAdminOnly      Code = "org_kind_admin_only"
	CodeOrgOutsideRegion      Code = "org_outside_region"
	CodeOrgRegionOutside      Code = "org_region_outside" // value
	CodeOrgParentAdminOnly    Code = "org_parent_admin_only"
	CodeOrgKindImmutable      Code = "org_kind_immutable"
)

// Users, passwords and tokens (user.go, storage/user.go, storage/token.go).
const (
	CodeRoleUnknown          Code = "role_unknown" // value
	CodeRoleWithoutOrg       Code = "role_without_organisation"
	CodeRoleOrgMismatch      Code = "role_organisation_mismatch"
	CodePasswordNotText      Code = "password_not_text"
	CodePasswordControl      Code = "password_control_character"
	CodePasswordTooShort     Code = "password_too_short" // min
	CodePasswordTooLong      Code = "password_too_long"
	CodePasswordBlank        Code = "password_blank"
	CodePasswordRepeated     Code = "password_repeated"
	CodePasswordCommon       Code = "password_common"
	CodeEmailInvalid         Code = "email_invalid"
	CodeEmailTaken           Code = "email_taken"
	CodeUserCreateNotAllowed Code = "user_create_not_allowed"
	CodeUserOrgNotAllowed    Code = "user_organisation_not_allowed"
	CodeTenantSlugInvalid    Code = "tenant_slug_invalid"
	CodeTenantTaken          Code = "tenant_taken"
	CodeLibraryExists        Code = "library_exists"         // slug
	CodeNameControl          Code = "name_control_character" // field
)

// Documents and uploads (document.go, storage/document.go, handlers/httpx/upload.go).
const (
	CodeDocKindRequired       Code = "document_kind_required"
	CodeDocKindUnknown        Code = "document_kind_unknown" // value
	CodeUploadExpert          Code = "upload_expert"
	CodeUploadGuideline       Code = "upload_guideline_publisher_only"
	CodeUploadReport          Code = "upload_report_not_allowed"
	CodeVersionNotOwner       Code = "version_not_owner"
	CodeDeleteNotOwner        Code = "delete_not_owner"
	CodeUploadTooLarge        Code = "upload_too_large" // max (MiB)
	CodeUploadNoFile          Code = "upload_no_file"
	CodeUploadTooManyFields   Code = "upload_too_many_fields"
	CodeUploadFieldTooLong    Code = "upload_field_too_long" // field
	CodeUploadOneFile         Code = "upload_one_file"
	CodeUploadMalformed       Code = "upload_malformed"
	CodeUploadInterrupted     Code = "upload_interrupted"
	CodeDocumentHasNoText     Code = "document_has_no_text"
	CodeFlagDocumentsRequired Code = "flag_documents_required"
)

// Flags and their review (analysis.go, storage/flag_review.go).
const (
	CodeFlagKindUnknown     Code = "flag_kind_unknown"   // value
	CodeFlagStatusUnknown   Code = "flag_status_unknown" // value
	CodeDecisionInvalid     Code = "decision_invalid"
	CodeReviewNotAllowed    Code = "review_not_allowed"
	CodeFlagAlreadyReviewed Code = "flag_already_reviewed" // status
	CodeFlagReasonRequired  Code = "flag_reason_required"
	CodeFlagReasonTooLong   Code = "flag_reason_too_long" // max
)

// Search (handlers/httpx/search.go, search/index/query.go).
const (
	CodeQueryRequired     Code = "query_required"
	CodeQueryTooLong      Code = "query_too_long" // max
	CodeQueryTooManyTerms Code = "query_too_many_terms"
	CodeQueryEmpty        Code = "query_empty"
	CodeQueryOnlyExcludes Code = "query_only_excludes"
	CodePhaseInvalid      Code = "phase_invalid"
	CodeLimitRange        Code = "limit_range"
)

// Letters and their template (letter/, storage/letter.go).
const (
	CodeLetterNotAllowed            Code = "letter_not_allowed"
	CodeTemplateTooLarge            Code = "template_too_large" // max (MiB)
	CodeTemplateNotDocx             Code = "template_not_docx"
	CodeTemplateTooManyFiles        Code = "template_too_many_files"
	CodeTemplateDamaged             Code = "template_damaged" // value (the part)
	CodeTemplateTooDeep             Code = "template_too_deep"
	CodeTemplateMissingPlaceholders Code = "template_missing_placeholders" // value
	CodeTemplateUnknownPlaceholders Code = "template_unknown_placeholders" // value
	CodeTemplateNotWord             Code = "template_not_word"
)

// Screening of audit candidates (screening.go, storage/screening.go).
const (
	CodeScreeningNotAllowed    Code = "screening_not_allowed"
	CodeNoSuchScreeningSource  Code = "no_such_screening_source"
	CodeScreeningRowsRejected  Code = "screening_rows_rejected"  // value (how many rows)
	CodeScreeningFlagUnknown   Code = "screening_flag_unknown"   // value
	CodeScreeningNumberInvalid Code = "screening_number_invalid" // field, value
	CodeScreeningRuleInvalid   Code = "screening_rule_invalid"   // value
	CodeScreeningNoRules       Code = "screening_no_rules"
	CodeScreeningNoChoice      Code = "screening_no_choice"
	CodeScreeningNotCandidate  Code = "screening_not_candidate" // value (credit code)
	CodeScreeningCSVInvalid    Code = "screening_csv_invalid"
)

// Enterprise import (enterprise_import.go, storage/import.go, sheet/).
const (
	CodeImportNotAllowed       Code = "import_not_allowed"
	CodeImportColumnsMissing   Code = "import_columns_missing" // value
	CodeImportNameEmpty        Code = "import_name_empty"
	CodeImportCreditCodeEmpty  Code = "import_credit_code_empty"
	CodeImportCreditCodeRepeat Code = "import_credit_code_repeated" // row
	CodeImportNoFile           Code = "import_no_file"
	CodeSheetTooLarge          Code = "sheet_too_large" // max (MiB)
	CodeSheetNotXLSX           Code = "sheet_not_xlsx"
	CodeSheetNoWorksheet       Code = "sheet_no_worksheet"
	CodeSheetTooManyRows       Code = "sheet_too_many_rows" // max
	CodeSheetTooSlow           Code = "sheet_too_slow"
	CodeSheetRowUnreadable     Code = "sheet_row_unreadable" // row
	CodeSheetEmpty             Code = "sheet_empty"
	CodeNoSuchImport           Code = "no_such_import"
)

// Permit record and enforcement (linkage.go, storage/linkage.go).
const (
	CodePermitRecordNotReady          Code = "permit_record_not_ready" // accepted (steps accepted so far)
	CodeEnforcementNotAllowed         Code = "enforcement_not_allowed"
	CodePermitStateUnknown            Code = "permit_state_unknown"   // value
	CodePermitStateBackwards          Code = "permit_state_backwards" // state (the current one)
	CodePermitStateNotAllowed         Code = "permit_state_not_allowed"
	CodePermitNoteTooLong             Code = "permit_note_too_long"
	CodeSiteCheckNotAllowed           Code = "site_check_not_allowed"
	CodeSiteCheckFindingInvalid       Code = "site_check_finding_invalid"
	CodeSiteCheckOutcomeUnknown       Code = "site_check_outcome_unknown"  // value
	CodeSiteCheckDocumentUnknown      Code = "site_check_document_unknown" // value
	CodeSiteCheckAuditNotOfEnterprise Code = "site_check_audit_not_of_enterprise"
	CodeEnforcementOfficeNotAllowed   Code = "enforcement_office_not_allowed"
	CodeEnforcementOfficeNotRegulator Code = "enforcement_office_not_regulator"
)

// Cleaner production levels and indicator sets (levels.go, storage/levels.go).
const (
	CodeLevelUnknown           Code = "level_unknown"         // value
	CodeIndicatorSetInvalid    Code = "indicator_set_invalid" // field, value
	CodeIndicatorSetNotAllowed Code = "indicator_set_not_allowed"
	CodeIndicatorImportInvalid Code = "indicator_import_invalid" // rows
	CodeIndicatorUnknown       Code = "indicator_unknown"        // value, allowed
	CodeIndicatorUnitUnknown   Code = "indicator_unit_unknown"   // value, allowed
	CodeIndicatorValueInvalid  Code = "indicator_value_invalid"  // value
	CodeNoIndicatorSet         Code = "no_indicator_set"         // industry
)

// Codes lists every code, in the order declared; TestCodesListed keeps it
// whole and TestErrorCodesTranslated checks each has its texts.
// Guideline versions and their bottom-line requirements (guideline.go,
// storage/guideline.go).
const (
	CodeGuidelineNotAllowed        Code = "guideline_not_allowed"
	CodeGuidelineDateRequired      Code = "guideline_effective_date_required"
	CodeGuidelineIndustryRequired  Code = "guideline_industry_required"
	CodeGuidelineDocumentKind      Code = "guideline_document_not_guideline"
	CodeGuidelineDocumentUsed      Code = "guideline_document_used"
	CodeGuidelineNotDraft          Code = "guideline_not_draft"
	CodeGuidelineNoPrevious        Code = "guideline_no_previous"
	CodeRequirementTextRequired    Code = "requirement_text_required"
	CodeRequirementStepsRange      Code = "requirement_steps_range"
	CodeRequirementPhrasesRequired Code = "requirement_phrases_required"
)

var Codes = []Code{
	CodeInternal,
	CodeInvalid,
	CodeUnprocessable,
	CodeUnauthenticated,
	CodeNotFound,
	CodeConflict,
	CodeTooLarge,
	CodeRateLimited,
	CodeUnavailable,
	CodeDateInvalid,
	CodeDateInFuture,
	CodeTextTooLong,
	CodeFieldRequired,
	CodeNumberRange,
	CodeIDInvalid,
	CodeSortInvalid,
	CodeLoginRequired,
	CodeLoginFailed,
	CodeTokenRequired,
	CodeTokenInvalid,
	CodeFormExpired,
	CodeCrossSite,
	CodeFormUnreadable,
	CodeBodyNotJSON,
	CodeBodyMalformed,
	CodeBodyTooLarge,
	CodePageNotFound,
	CodeNoSuchStep,
	CodeNoSuchAction,
	CodeNoSuchVersion,
	CodeNoSuchImage,
	CodeNoSuchOrg,
	CodeNoSuchAudit,
	CodeDatabaseBusy,
	CodeSearchUnavail,
	CodeContentNotFound,
	CodeStepOutOfRange,
	CodeStepActionUnknown,
	CodeStepSubmitterNotAllowed,
	CodeStepReviewerNotAllowed,
	CodeStepLocked,
	CodeStepNotSubmitted,
	CodePhaseGateClosed,
	CodeReasonRequired,
	CodeReasonTooLong,
	CodeDocumentIDsMisplaced,
	CodeDocumentIDsTooMany,
	CodeDocumentNotOfAudit,
	CodeDocumentsRequired,
	CodeExpectedNotAllowed,
	CodeExpectedInvalid,
	CodeCampaignNotAllowed,
	CodeCampaignStageUnknown,
	CodeCampaignSizeRange,
	CodeCampaignSeedRange,
	CodeCampaignStratumUnknown,
	CodeCampaignPopulationEmpty,
	CodeCampaignStrataExceedSize,
	CodeExpertPoolNotAllowed,
	CodeExpertListTooLong,
	CodeExpertOrgUnknown,
	CodeAssignNotAllowed,
	CodeAssignPerAuditRange,
	CodeAssignmentsDrawn,
	CodeReviewersTooFew,
	CodeExpertNotInPool,
	CodeExpertConflict,
	CodeExpertAlreadyAssigned,
	CodeAssignmentNotActive,
	CodeReviewSubmitted,
	CodeReviewItemUnknown,
	CodeReviewItemTwice,
	CodeReviewItemMissing,
	CodeReviewPointsRange,
	CodeReviewVetoUnknown,
	CodeReviewCommentTooLong,
	CodeReviewsNotAllowed,
	CodeOpinionNotAllowed,
	CodeOpinionReviewsPending,
	CodeChecklistInvalid,
	CodeChecklistNotAllowed,
	CodeOpinionTemplateNotAllowed,
	CodeBatchNotAllowed,
	CodeBatchOutsideRegion,
	CodeBatchNameRequired,
	CodeBatchNameInvalid,
	CodeBatchYearRange,
	CodeBatchNumberRange,
	CodeBatchTaken,
	CodeListingReasonUnknown,
	CodeObligationUnknown,
	CodeDatesOutOfOrder,
	CodeAuditStartNotAllowed,
	CodeEnterpriseRequired,
	CodeOrganisationWrongKind,
	CodeConsultancyNotAllowed,
	CodeConsultancyRequired,
	CodeCarryNotAllowed,
	CodeCarryBatchRequired,
	CodeCarryAlreadyCarried,
	CodeCarryAccepted,
	CodeCarryBatchNotLater,
	CodeCarryEnterpriseHasAudit,
	CodeOptionsNotAllowed,
	CodeOptionsTooMany,
	CodeOptionInvalid,
	CodeOptionStatusUnknown,
	CodeOptionQuantityUnknown,
	CodeOptionUnitUnknown,
	CodeOptionInvestmentNegative,
	CodeOptionFigureNegative,
	CodeOptionDatesInconsistent,
	CodeOptionSettingsInvalid,
	CodeOptionSettingsNotAllowed,
	CodeDiscountRateInvalid,
	CodeOptionImportInvalid,
	CodeOptionImportDuplicate,
	CodeOptionImportNotNumber,
	CodeOptionFiguresUnusual,
	CodeResultsGroupByInvalid,
	CodeRankingPerInvalid,
	CodeRecommendNotAllowed,
	CodeRecommendNotCounted,
	CodeResultsLevelInvalid,
	CodeResultsKeyInvalid,
	CodeStaffNotAllowed,
	CodeStaffTaken,
	CodeQuantityUnknown,
	CodeAuditFilterInvalid,
	CodeImportConsultancyNoBatch,
	CodeFindingNotAllowed,
	CodeFindingCategoryUnknown,
	CodeFindingSeverityUnknown,
	CodeFindingStateUnknown,
	CodeFindingDueInPast,
	CodeNoSuchFinding,
	CodeFindingAnswerNotAllowed,
	CodeFindingVerifyNotAllowed,
	CodeFindingClosed,
	CodeFindingNotOpen,
	CodeFindingNotAnswered,
	CodeEvaluationWeightsInvalid,
	CodeEvaluationWeightsNotAllowed,
	CodeFindingAssignmentNotOfAudit,
	CodeFindingCitationsTooMany,
	CodePassageInvalid,
	CodePassageNotInText,
	CodeFigureNotOfAudit,
	CodeImageNotOfAudit,
	CodeMilestoneNotAllowed,
	CodeMilestoneDerived,
	CodeMilestoneResultRequired,
	CodeMilestoneResultMisplaced,
	CodeMilestoneDone,
	CodeMilestoneGateClosed,
	CodeMilestoneBeforeGate,
	CodeMilestoneNotAssessed,
	CodeMilestoneBeforeAssessed,
	CodeOrgKindUnknown,
	CodeIndustryInvalid,
	CodeRegionInvalid,
	CodeCreditCodeLength,
	CodeCreditCodeCharacter,
	CodeCreditCodeCheck,
	CodeCreditCodeTaken,
	CodePermitNumberInvalid,
	CodeStatusInvalid,
	CodeStatusNotEnterprise,
	CodeOrgRegisterNotAllowed,
	CodeOrgOwnParent,
	CodeOrgChangeNotAllowed,
	CodeOrgOwnOffice,
	CodeOrgKindAdminOnly,
	CodeOrgOutsideRegion,
	CodeOrgRegionOutside,
	CodeOrgParentAdminOnly,
	CodeOrgKindImmutable,
	CodeRoleUnknown,
	CodeRoleWithoutOrg,
	CodeRoleOrgMismatch,
	CodePasswordNotText,
	CodePasswordControl,
	CodePasswordTooShort,
	CodePasswordTooLong,
	CodePasswordBlank,
	CodePasswordRepeated,
	CodePasswordCommon,
	CodeEmailInvalid,
	CodeEmailTaken,
	CodeUserCreateNotAllowed,
	CodeUserOrgNotAllowed,
	CodeTenantSlugInvalid,
	CodeTenantTaken,
	CodeLibraryExists,
	CodeNameControl,
	CodeDocKindRequired,
	CodeDocKindUnknown,
	CodeUploadExpert,
	CodeUploadGuideline,
	CodeUploadReport,
	CodeVersionNotOwner,
	CodeDeleteNotOwner,
	CodeUploadTooLarge,
	CodeUploadNoFile,
	CodeUploadTooManyFields,
	CodeUploadFieldTooLong,
	CodeUploadOneFile,
	CodeUploadMalformed,
	CodeUploadInterrupted,
	CodeDocumentHasNoText,
	CodeFlagDocumentsRequired,
	CodeFlagKindUnknown,
	CodeFlagStatusUnknown,
	CodeDecisionInvalid,
	CodeReviewNotAllowed,
	CodeFlagAlreadyReviewed,
	CodeFlagReasonRequired,
	CodeFlagReasonTooLong,
	CodeQueryRequired,
	CodeQueryTooLong,
	CodeQueryTooManyTerms,
	CodeQueryEmpty,
	CodeQueryOnlyExcludes,
	CodePhaseInvalid,
	CodeLimitRange,
	CodeLetterNotAllowed,
	CodeTemplateTooLarge,
	CodeTemplateNotDocx,
	CodeTemplateTooManyFiles,
	CodeTemplateDamaged,
	CodeTemplateTooDeep,
	CodeTemplateMissingPlaceholders,
	CodeTemplateUnknownPlaceholders,
	CodeTemplateNotWord,
	CodeImportNotAllowed,
	CodeImportColumnsMissing,
	CodeImportNameEmpty,
	CodeImportCreditCodeEmpty,
	CodeImportCreditCodeRepeat,
	CodeImportNoFile,
	CodeSheetTooLarge,
	CodeSheetNotXLSX,
	CodeSheetNoWorksheet,
	CodeSheetTooManyRows,
	CodeSheetTooSlow,
	CodeSheetRowUnreadable,
	CodeSheetEmpty,
	CodeNoSuchImport,
	CodePermitRecordNotReady,
	CodeEnforcementNotAllowed,
	CodePermitStateUnknown,
	CodePermitStateBackwards,
	CodePermitStateNotAllowed,
	CodePermitNoteTooLong,
	CodeSiteCheckNotAllowed,
	CodeSiteCheckFindingInvalid,
	CodeSiteCheckOutcomeUnknown,
	CodeSiteCheckDocumentUnknown,
	CodeSiteCheckAuditNotOfEnterprise,
	CodeEnforcementOfficeNotAllowed,
	CodeEnforcementOfficeNotRegulator,
	CodeGuidelineNotAllowed,
	CodeGuidelineDateRequired,
	CodeGuidelineIndustryRequired,
	CodeGuidelineDocumentKind,
	CodeGuidelineDocumentUsed,
	CodeGuidelineNotDraft,
	CodeGuidelineNoPrevious,
	CodeRequirementTextRequired,
	CodeRequirementStepsRange,
	CodeRequirementPhrasesRequired,
	CodeScreeningNotAllowed,
	CodeNoSuchScreeningSource,
	CodeScreeningRowsRejected,
	CodeScreeningFlagUnknown,
	CodeScreeningNumberInvalid,
	CodeScreeningRuleInvalid,
	CodeScreeningNoRules,
	CodeScreeningNoChoice,
	CodeScreeningNotCandidate,
	CodeScreeningCSVInvalid,
	CodeLevelUnknown,
	CodeIndicatorSetInvalid,
	CodeIndicatorSetNotAllowed,
	CodeIndicatorImportInvalid,
	CodeIndicatorUnknown,
	CodeIndicatorUnitUnknown,
	CodeIndicatorValueInvalid,
	CodeNoIndicatorSet,
}
