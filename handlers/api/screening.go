package api

import (
	"context"
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// ScreeningStore is what the screening of audit candidates needs: source
// data, the candidates under rules, the batch of the chosen ones.
type ScreeningStore interface {
	ImportScreeningSource(ctx context.Context, a cpaudit.Actor, name string, rows []cpaudit.SourceRow, rejected []cpaudit.ImportRejection) (cpaudit.ScreeningSource, []cpaudit.ImportRejection, error)
	ScreeningSource(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.ScreeningSource, error)
	ScreenSource(ctx context.Context, a cpaudit.Actor, id string, rules cpaudit.ScreeningRules) ([]cpaudit.ScreenCandidate, error)
	BatchFromScreening(ctx context.Context, a cpaudit.Actor, sourceID string, in cpaudit.ScreeningBatch) (cpaudit.ScreeningBatchResult, error)
	BatchListings(ctx context.Context, a cpaudit.Actor, batchID string) ([]cpaudit.ScreeningListing, error)
}

// apiImportSource takes a multipart upload (file: .xlsx or CSV; name:
// optional) and answers 201 with the source, or 422 naming every bad row
// when any row is bad (nothing is imported then).
func (s *Handler) apiImportSource(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		// Refuse before reading a file nobody may import.
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeScreeningNotAllowed, "only an admin or a regulator may import source data")
	}
	form, err := s.ReadSourceForm(w, r)
	if err != nil {
		return err
	}
	rows, rejected, err := cpaudit.ParseSourceRows(form.Header, form.Rows)
	if err != nil {
		return err
	}
	name := form.Fields["name"]
	if name == "" {
		name = "源数据"
	}
	src, rejected, err := s.store.ImportScreeningSource(r.Context(), a, name, rows, rejected)
	if err != nil {
		return err
	}
	if len(rejected) > 0 {
		s.WriteRejectedRows(w, r, rejected)
		return nil
	}
	s.WriteJSON(w, r, http.StatusCreated, src)
	return nil
}

func (s *Handler) apiGetSource(w http.ResponseWriter, r *http.Request) error {
	src, err := s.store.ScreeningSource(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, src)
	return nil
}

// apiScreenSource takes the rules and answers {"source_id","candidates"},
// each candidate with the reasons that selected it.
func (s *Handler) apiScreenSource(w http.ResponseWriter, r *http.Request) error {
	a, id := httpx.ActorOf(r), httpx.Param(r, "id")
	// The source's reach first: another's id is 404 whatever the body.
	if _, err := s.store.ScreeningSource(r.Context(), a, id); err != nil {
		return err
	}
	var rules cpaudit.ScreeningRules
	if err := decodeJSON(r, &rules); err != nil {
		return err
	}
	cands, err := s.store.ScreenSource(r.Context(), a, id, rules)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"source_id": id, "candidates": cands})
	return nil
}

// apiBatchFromSource takes {"batch","rules","credit_codes","consultancy_id"}
// and answers 201 with the batch and each listed enterprise's audit and
// reasons.
func (s *Handler) apiBatchFromSource(w http.ResponseWriter, r *http.Request) error {
	a, id := httpx.ActorOf(r), httpx.Param(r, "id")
	if _, err := s.store.ScreeningSource(r.Context(), a, id); err != nil {
		return err
	}
	var in cpaudit.ScreeningBatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	res, err := s.store.BatchFromScreening(r.Context(), a, id, in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, res)
	return nil
}

// apiBatchListings answers {"batch_id","listings"}: why each enterprise
// of a batch made from a screening was listed.
func (s *Handler) apiBatchListings(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	ls, err := s.store.BatchListings(r.Context(), httpx.ActorOf(r), id)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"batch_id": id, "listings": ls})
	return nil
}
