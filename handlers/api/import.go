package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// apiImportEnterprises answers {"id","created","updated","audits_created","rejected"}.
func (s *Handler) apiImportEnterprises(w http.ResponseWriter, r *http.Request) error {
	if a := httpx.ActorOf(r); a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		// Refuse before reading a sheet nobody may import.
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeImportNotAllowed, "only an admin or a regulator may import enterprises")
	}
	form, err := s.ReadImportForm(w, r)
	if err != nil {
		return err
	}
	res, err := httpx.ImportEnterprises(r, s.store, form)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, res)
	return nil
}

// apiImportRejected downloads the rejected rows of an import as .xlsx,
// each with its English reason (the web UI's download says it in the
// page's language).
func (s *Handler) apiImportRejected(w http.ResponseWriter, r *http.Request) error {
	res, err := s.store.EnterpriseImportResult(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	return httpx.WriteRejected(w, res, func(rj cpaudit.ImportRejection) string { return rj.Reason })
}
