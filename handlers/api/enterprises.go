package api

import (
	"net/http"
	"strconv"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

func (s *Handler) apiListEnterprises(w http.ResponseWriter, r *http.Request) error {
	f, err := httpx.EnterpriseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	list, total, err := s.store.ListEnterprises(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"enterprises": list, "total": total, "limit": f.Limit, "offset": f.Offset})
	return nil
}

// apiUpdateOrg changes the profile fields present in the body; absent
// fields stay as they are.
func (s *Handler) apiUpdateOrg(w http.ResponseWriter, r *http.Request) error {
	var p cpaudit.OrgProfile
	if err := decodeJSON(r, &p); err != nil {
		return err
	}
	o, err := s.store.UpdateOrganisation(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), p)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *Handler) apiListStaff(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListStaff(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"staff": list})
	return nil
}

func (s *Handler) apiAddStaff(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name          string `json:"name"`
		Certificate   string `json:"certificate"`
		Qualification string `json:"qualification"`
		ValidUntil    string `json:"valid_until"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	st, err := s.store.AddStaff(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), cpaudit.Staff{
		Name: in.Name, Certificate: in.Certificate, Qualification: in.Qualification, ValidUntil: in.ValidUntil})
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, st)
	return nil
}

func (s *Handler) apiCarryAudit(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		BatchID string `json:"batch_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	au, err := s.store.CarryAudit(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), in.BatchID)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, au)
	return nil
}

func (s *Handler) apiSteps(w http.ResponseWriter, r *http.Request) error {
	reqs, err := s.store.StepRequirements(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"steps": reqs})
	return nil
}

// apiSetExpected replaces one step's expected documents:
// {"documents":[{"key","zh","en","kind","required"}]}.
func (s *Handler) apiSetExpected(w http.ResponseWriter, r *http.Request) error {
	n, err := stepParam(r)
	if err != nil {
		return err
	}
	var in struct {
		Documents *[]cpaudit.ExpectedDocument `json:"documents"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Documents == nil {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFieldRequired, "documents is required: a list, empty for none").With("field", "documents")
	}
	req, err := s.store.SetStepExpected(r.Context(), httpx.ActorOf(r), n, *in.Documents)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, req)
	return nil
}

// stepParam reads the {n} path parameter, a step number from 1 to 35.
func stepParam(r *http.Request) (int, error) {
	n, err := strconv.Atoi(httpx.Param(r, "n"))
	if err != nil || n < 1 || n > cpaudit.StepCount {
		return 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeStepOutOfRange, "step must be a number from 1 to 35")
	}
	return n, nil
}
