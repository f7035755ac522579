package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit/handlers/httpx"
)

func (s *Handler) apiSearch(w http.ResponseWriter, r *http.Request) error {
	sr, err := httpx.ParseSearch(r.URL.Query())
	if err != nil {
		return err
	}
	total, hits, err := httpx.RunSearch(r.Context(), s.store, s.search, httpx.ActorOf(r), sr)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"total": total, "hits": hits})
	return nil
}

func (s *Handler) apiStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.store.SearchStatus(r.Context(), httpx.ActorOf(r).TenantID)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, st)
	return nil
}
