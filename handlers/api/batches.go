package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

func (s *Handler) apiCreateBatch(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Year        int                 `json:"year"`
		Number      int                 `json:"number"`
		Name        string              `json:"name"`
		Reasons     []string            `json:"reasons"`
		Industries  []string            `json:"industries"`
		Obligations cpaudit.Obligations `json:"obligations"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	b := cpaudit.Batch{Year: in.Year, Number: in.Number, Name: in.Name, Industries: in.Industries, Obligations: in.Obligations}
	for _, code := range in.Reasons {
		reason, err := cpaudit.ParseListingReason(code)
		if err != nil {
			return err
		}
		b.Reasons = append(b.Reasons, reason)
	}
	b, err := s.store.CreateBatch(r.Context(), httpx.ActorOf(r), b)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, b)
	return nil
}

func (s *Handler) apiListBatches(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Batches(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"batches": list})
	return nil
}

func (s *Handler) apiGetBatch(w http.ResponseWriter, r *http.Request) error {
	b, err := s.store.Batch(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, b)
	return nil
}

// apiUpdateBatch changes the name or obligation dates of a batch: absent
// fields stay, a date given as "" or null is cleared.
func (s *Handler) apiUpdateBatch(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name        *string                    `json:"name"`
		Obligations map[string]json.RawMessage `json:"obligations"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p := cpaudit.BatchPatch{Name: in.Name, Obligations: map[string]*string{}}
	for name, raw := range in.Obligations {
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeDateInvalid, "obligations.%s must be a date string YYYY-MM-DD, \"\" or null", name).With("field", name)
		}
		if v == nil {
			v = new(string)
		}
		p.Obligations[name] = v
	}
	b, err := s.store.UpdateBatch(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), p)
	if err != nil {
		return err
	}
	httpx.RegenerateLettersNow(r.Context(), s.log, s.letters, httpx.ActorOf(r).TenantID)
	s.WriteJSON(w, r, http.StatusOK, b)
	return nil
}

// apiStepTransition submits, returns or accepts one step of an audit.
func (s *Handler) apiStepTransition(action cpaudit.StepAction) httpx.APIFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		n, err := stepParam(r)
		if err != nil {
			return err
		}
		var in struct {
			Reason      string   `json:"reason"`
			DocumentIDs []string `json:"document_ids"`
		}
		if r.ContentLength != 0 { // the body is optional: submit and accept need none
			if err := decodeJSON(r, &in); err != nil && !errors.Is(err, io.EOF) {
				return err
			}
		}
		au, err := s.store.TransitionStep(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), n, cpaudit.StepChange{
			Action: action, Reason: in.Reason, DocumentIDs: in.DocumentIDs})
		if err != nil {
			return err
		}
		s.WriteJSON(w, r, http.StatusOK, au)
		return nil
	}
}
