package api

import (
	"bytes"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/letter"
)

// apiIssueOpinion issues the opinion (技术审查意见 / 验收意见) on a sampled
// audit of a campaign from its reviews, optionally with {"conditions"}:
// what a passing audit must still put right (making the result
// pass_with_conditions; on a failed audit they are printed as they are).
// The .docx is stored as a document of the audit (storage/opinion.go).
func (s *Handler) apiIssueOpinion(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	campaignID, auditID := httpx.Param(r, "id"), httpx.Param(r, "audit_id")
	var in struct {
		Conditions string `json:"conditions"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	in.Conditions = strings.TrimSpace(in.Conditions)
	if !utf8.ValidString(in.Conditions) || utf8.RuneCountInString(in.Conditions) > cpaudit.MaxOpinionConditions {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeTextTooLong, "conditions must be valid text of at most %d characters", cpaudit.MaxOpinionConditions).
			With("field", "conditions").With("max", "2000")
	}
	basis, err := s.store.OpinionBasis(r.Context(), a, campaignID, auditID)
	if err != nil {
		return err
	}
	result := letter.OpinionFail
	if basis.Reviews.Result == cpaudit.ReviewPass {
		result = letter.OpinionPass
		if in.Conditions != "" {
			result = letter.OpinionPassConditions
		}
	}
	tmpl, err := letter.DefaultOpinion()
	if err != nil {
		return cpaudit.Internal("api.apiIssueOpinion", err)
	}
	docx, err := letter.FillOpinion(tmpl, letter.OpinionFacts{Stage: basis.Campaign.Stage, Enterprise: basis.Enterprise,
		Consultancy: basis.Consultancy, Campaign: basis.Campaign.Name, Checklist: basis.Checklist, Reviews: basis.Reviews,
		Result: result, Conditions: in.Conditions, Authority: basis.Authority,
		Date: time.Now().In(cpaudit.ChinaLocation()).Format(time.DateOnly)})
	if err != nil {
		return err
	}
	st, err := s.store.Stage(bytes.NewReader(docx), int64(len(docx))+1)
	if err != nil {
		return err
	}
	defer st.Close()
	op, err := s.store.SaveOpinion(r.Context(), a, campaignID, auditID, result, letter.OpinionTitle(basis.Campaign.Stage), st)
	if err != nil {
		return err
	}
	out := map[string]any{"campaign_id": op.CampaignID, "audit_id": op.AuditID, "result": op.Result, "mean": op.Mean,
		"document": httpx.DocumentJSON(op.Document), "milestone": op.Milestone}
	if e := op.MilestoneRefused; e != nil {
		out["milestone_refused"] = map[string]string{"code": string(e.Code), "detail": e.Message}
	}
	s.WriteJSON(w, r, http.StatusCreated, out)
	return nil
}
