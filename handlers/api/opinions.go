package api

import (
	"io"
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/letter"
)

// apiIssueOpinion issues the opinion (技术审查意见 / 验收意见) on a sampled
// audit of a campaign from its reviews, optionally with {"conditions"}:
// what a passing audit must still put right (making the result
// pass_with_conditions; on a failed audit they are printed as they are).
// The .docx is filled from the tenant's opinion template (letter.Opinions)
// and stored as a document of the audit (storage/opinion.go).
func (s *Handler) apiIssueOpinion(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Conditions string `json:"conditions"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	op, err := s.opinions.Issue(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), httpx.Param(r, "audit_id"), in.Conditions)
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

// apiGetOpinionTemplate answers the tenant's opinion template (the
// built-in one while it has none); every user of the tenant reads it.
func (s *Handler) apiGetOpinionTemplate(w http.ResponseWriter, r *http.Request) error {
	docx, name, err := s.opinions.Template(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", docxType)
	w.Header().Set("Content-Disposition", httpx.ContentDisposition(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(docx)
	return nil
}

// apiPutOpinionTemplate replaces the tenant's opinion template with the
// body, a .docx of at most letter.MaxTemplateBytes checked by
// letter.CheckOpinion; later opinions are filled from it.
func (s *Handler) apiPutOpinionTemplate(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		// Refused before the body is read.
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOpinionTemplateNotAllowed, "only an admin or a regulator may change the opinion template")
	}
	if err := httpx.LimitBody(w, r, letter.MaxTemplateBytes, "the template"); err != nil {
		return err
	}
	docx, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if err := letter.CheckOpinion(docx); err != nil {
		return err
	}
	name := r.URL.Query().Get("filename")
	if name == "" {
		name = letter.DefaultOpinionName
	}
	if err := s.store.SetOpinionTemplate(r.Context(), a, docx, name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checklistJSON is a stage's checklist with whether it is the tenant's own.
type checklistJSON struct {
	cpaudit.Checklist
	Custom bool `json:"custom"`
}

// apiChecklists answers the checklist of every campaign stage; every user
// of the tenant reads them.
func (s *Handler) apiChecklists(w http.ResponseWriter, r *http.Request) error {
	list, own, err := s.store.Checklists(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	out := make([]checklistJSON, len(list))
	for i := range list {
		out[i] = checklistJSON{list[i], own[i]}
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"checklists": out})
	return nil
}

// apiPutChecklist sets the tenant's checklist of the body's stage:
// {"stage","items":[{"item","name","max"}],"vetoes":[{"item","name"}],"pass_mark"}.
// Campaigns drawn afterwards are scored on it; those drawn before keep
// theirs.
func (s *Handler) apiPutChecklist(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.Checklist
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	cl, err := s.store.SetChecklist(r.Context(), httpx.ActorOf(r), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, checklistJSON{cl, true})
	return nil
}
