package api

import (
	"io"
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/letter"
)

const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

func (s *Handler) apiGetLetterTemplate(w http.ResponseWriter, r *http.Request) error {
	docx, name, err := s.letters.Template(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", docxType)
	w.Header().Set("Content-Disposition", httpx.ContentDisposition(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(docx)
	return nil
}

// apiPutLetterTemplate replaces the tenant's template with the body, a
// .docx of at most letter.MaxTemplateBytes checked by letter.Check.
func (s *Handler) apiPutLetterTemplate(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		// Refused before the body is read.
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeLetterNotAllowed, "only an admin or a regulator may change the letter template")
	}
	if err := httpx.LimitBody(w, r, letter.MaxTemplateBytes, "the template"); err != nil {
		return err
	}
	docx, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if err := letter.Check(docx); err != nil {
		return err
	}
	name := r.URL.Query().Get("filename")
	if name == "" {
		name = letter.DefaultTemplateName
	}
	if err := s.store.SetLetterTemplate(r.Context(), a, docx, name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiGenerateLetter generates an audit's letter (again) and answers the
// document.
func (s *Handler) apiGenerateLetter(w http.ResponseWriter, r *http.Request) error {
	d, err := s.letters.Generate(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, httpx.DocumentJSON(d))
	return nil
}

// apiPatchAudit assigns, changes or removes (consultancy_id "") an
// audit's consultancy.
func (s *Handler) apiPatchAudit(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ConsultancyID *string `json:"consultancy_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.ConsultancyID == nil {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeConsultancyRequired, "consultancy_id is required (\"\" makes it a self-audit)")
	}
	au, err := s.store.SetAuditConsultancy(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), *in.ConsultancyID)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, au)
	return nil
}
