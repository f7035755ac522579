package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The expert pool, the reviewers of a campaign's sampled audits and their
// reviews. The rights are storage's (storage/review.go).

// apiExperts lists the expert pool with each expert's profile.
func (s *Handler) apiExperts(w http.ResponseWriter, r *http.Request) error {
	pool, err := s.store.ExpertPool(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"experts": pool})
	return nil
}

// apiSetExpert replaces an expert's profile: {"industries","specialities",
// "organisation_id","region","conflicts"}.
func (s *Handler) apiSetExpert(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.ExpertProfile
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.store.SetExpertProfile(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, p)
	return nil
}

// apiDrawAssignments draws {"per_audit","seed"} reviewers per sampled
// audit of a campaign.
func (s *Handler) apiDrawAssignments(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.NewAssignments
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	as, err := s.store.DrawAssignments(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, as)
	return nil
}

// apiReplaceAssignment replaces a reviewer: {"expert_id","reason"},
// answered with the new assignment.
func (s *Handler) apiReplaceAssignment(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ExpertID string `json:"expert_id"`
		Reason   string `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	as, err := s.store.ReplaceAssignment(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), httpx.Param(r, "assignment_id"), in.ExpertID, in.Reason)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, as)
	return nil
}

// apiCampaignReviews answers a campaign's review results per audit.
func (s *Handler) apiCampaignReviews(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.store.CampaignReviews(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, rv)
	return nil
}

// apiMyAssignments lists the caller's own assignments.
func (s *Handler) apiMyAssignments(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.MyAssignments(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"assignments": list})
	return nil
}

func (s *Handler) apiGetAssignment(w http.ResponseWriter, r *http.Request) error {
	as, err := s.store.Assignment(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, as)
	return nil
}

// apiSubmitReview records the caller's review of its assignment:
// {"items":[{"item","points"}],"vetoes":[...],"comment"}.
func (s *Handler) apiSubmitReview(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.NewReview
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rv, err := s.store.SubmitReview(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, rv)
	return nil
}
