package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// apiAuditOptions lists an audit's options.
func (s *Handler) apiAuditOptions(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.store.AuditOptions(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"options": opts})
	return nil
}

// apiSaveAuditOption creates an option (201) or replaces the one with the
// same code (200); its status is proposed unless the body says otherwise.
func (s *Handler) apiSaveAuditOption(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Code     string                       `json:"code"`
		Name     string                       `json:"name"`
		Category string                       `json:"category"`
		Status   string                       `json:"status"`
		Figures  map[cpaudit.Quantity]float64 `json:"figures"`
		// Units: the unit a figure is stated in, by quantity, when it is
		// not the canonical one (e.g. "investment": "万元").
		Units map[cpaudit.Quantity]string `json:"units"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	figures, err := cpaudit.ConvertFigures(in.Figures, in.Units)
	if err != nil {
		return err
	}
	o, created, err := s.store.SaveAuditOption(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), cpaudit.AuditOption{
		Code: in.Code, Name: in.Name, Category: cpaudit.OptionCategory(in.Category),
		Status: cpaudit.OptionStatus(in.Status), Figures: figures})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	s.WriteJSON(w, r, status, o)
	return nil
}
