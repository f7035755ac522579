package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// apiCreateCampaign draws a spot-check campaign: the contract's
// {"name","stage","filter","size","seed","strata"}, answered with the
// campaign, its seed (drawn when none was given), the population's size
// and the audits drawn.
func (s *Handler) apiCreateCampaign(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.NewCampaign
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.store.CreateCampaign(r.Context(), httpx.ActorOf(r), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, c)
	return nil
}

func (s *Handler) apiGetCampaign(w http.ResponseWriter, r *http.Request) error {
	c, err := s.store.Campaign(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, c)
	return nil
}
