package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// apiResults sums the implemented and verified options of the audits the
// caller may read: group_by (required) industry, region, consultancy,
// batch or year; optional region, industry and year filters.
func (s *Handler) apiResults(w http.ResponseWriter, r *http.Request) error {
	f, err := httpx.ResultFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	groups, err := s.store.Results(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"groups": groups})
	return nil
}

// apiResultRanking ranks the implemented and verified options that reduce
// per (required) by investment per unit reduced, cheapest first.
func (s *Handler) apiResultRanking(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := httpx.IntParam(q, "limit", 1000, 1, 10000)
	if err != nil {
		return err
	}
	list, err := s.store.ResultRanking(r.Context(), httpx.ActorOf(r), cpaudit.RankingFilter{
		Industry: q.Get("industry"), Per: cpaudit.Quantity(q.Get("per")), Limit: limit})
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"options": list})
	return nil
}
