package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// Cleaner production levels: the tenant's indicator sets and each
// audit's indicator values before and after (issue 20 item 2).

// apiIndicatorSets lists the sets the tenant rates audits against, its
// own and the built-in ones.
func (s *Handler) apiIndicatorSets(w http.ResponseWriter, r *http.Request) error {
	sets, err := s.store.IndicatorSets(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"indicator_sets": sets})
	return nil
}

// apiSaveIndicatorSet creates (201) or replaces (200) the tenant's set of
// the body's industry and version (an admin).
func (s *Handler) apiSaveIndicatorSet(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.IndicatorSet
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	set, created, err := s.store.SaveIndicatorSet(r.Context(), httpx.ActorOf(r), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	s.WriteJSON(w, r, status, set)
	return nil
}

// apiImportIndicatorSet imports a set from .xlsx (part "file", with the
// fields industry, version, name, source, effective_on, note, pass), all
// rows or none: 422 indicator_import_invalid names each bad row and why.
func (s *Handler) apiImportIndicatorSet(w http.ResponseWriter, r *http.Request) error {
	// Refused before the sheet is read.
	if err := cpaudit.MayEditIndicatorSets(httpx.ActorOf(r)); err != nil {
		return err
	}
	form, err := s.ReadImportForm(w, r)
	if err != nil {
		return err
	}
	set, created, _, err := httpx.ImportIndicatorSet(r, s.store, form)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	s.WriteJSON(w, r, status, set)
	return nil
}

// apiIndicatorTemplate downloads the indicator table's template.
func (s *Handler) apiIndicatorTemplate(w http.ResponseWriter, r *http.Request) error {
	return httpx.ServeIndicatorTemplate(w, r)
}

// apiAuditLevels answers an audit's indicator values and levels.
func (s *Handler) apiAuditLevels(w http.ResponseWriter, r *http.Request) error {
	l, err := s.store.AuditLevels(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, l)
	return nil
}

// apiSaveAuditLevels records an audit's target level and indicator values
// ({"target_level","indicators":[{"code","before","after","target","unit"}]})
// and answers its levels.
func (s *Handler) apiSaveAuditLevels(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.LevelsInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	l, err := s.store.SaveAuditLevels(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, l)
	return nil
}
