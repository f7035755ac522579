package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The advanced options library (技术成果库, issue 20 item 4): the ranked
// implemented options the caller may see, and the regulators'
// recommendations for promotion. What each caller sees of an option
// (its audit, evidence, enterprise name) is storage's rule
// (storage/option_library.go).

// apiOptionLibrary lists the library: optional industry (GB/T 4754
// prefix), per (a quantity: only options reducing it, with their cost per
// unit), sort (cost or payback), recommended=true, limit.
func (s *Handler) apiOptionLibrary(w http.ResponseWriter, r *http.Request) error {
	f, err := httpx.LibraryFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	list, err := s.store.OptionLibrary(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"options": list})
	return nil
}

// apiRecommendOption marks an option as recommended for promotion:
// {"note","publish_name"}; answers the recommendation.
func (s *Handler) apiRecommendOption(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Note        string `json:"note"`
		PublishName bool   `json:"publish_name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rec, err := s.store.RecommendOption(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"),
		cpaudit.Recommendation{Note: in.Note, PublishName: in.PublishName})
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, rec)
	return nil
}

// apiUnrecommendOption takes the recommendation back: 204.
func (s *Handler) apiUnrecommendOption(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.UnrecommendOption(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
