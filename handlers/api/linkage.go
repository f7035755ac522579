package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// apiPermitRecord answers the discharge permit record of an audit whose 35
// steps are accepted (409 permit_record_not_ready before).
func (s *Handler) apiPermitRecord(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.store.PermitRecord(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, rec)
	return nil
}

// apiEnforcement lists the enforcement queue, narrowed by an optional
// region.
func (s *Handler) apiEnforcement(w http.ResponseWriter, r *http.Request) error {
	items, err := s.store.Enforcement(r.Context(), httpx.ActorOf(r), r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"items": items})
	return nil
}

// apiSetPermitState records the regulator's review of a permit record:
// {"state":"exported"|"loaded","date","note"}; it answers the record.
func (s *Handler) apiSetPermitState(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.PermitStateChange
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rec, err := s.store.SetPermitState(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, rec)
	return nil
}

// apiMarkEnforcementOffice marks a regulator office as enforcement (or
// not): {"enforcement": true}. Admins only.
func (s *Handler) apiMarkEnforcementOffice(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Enforcement *bool `json:"enforcement"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	id := httpx.Param(r, "id")
	if err := s.store.MarkEnforcementOffice(r.Context(), httpx.ActorOf(r), id, in.Enforcement); err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"organisation_id": id, "enforcement": *in.Enforcement})
	return nil
}

// apiRecordSiteCheck records a site check of an enterprise.
func (s *Handler) apiRecordSiteCheck(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.NewSiteCheck
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.store.RecordSiteCheck(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, c)
	return nil
}

// apiSiteChecks lists an enterprise's site checks, newest first.
func (s *Handler) apiSiteChecks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.SiteChecks(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"site_checks": list})
	return nil
}
