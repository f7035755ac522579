package api

import (
	"context"
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// apiCreateFinding records a finding against an audit: the contract's
// {"audit_id","category","severity","description","document_ids","rectification_due"},
// answered 201 with the finding, state open.
func (s *Handler) apiCreateFinding(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.NewFinding
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	f, err := s.store.CreateFinding(r.Context(), httpx.ActorOf(r), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, f)
	return nil
}

// apiFindings lists the findings on audits the caller may read, newest
// first, optionally of one audit, consultancy or state.
func (s *Handler) apiFindings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	state, err := cpaudit.ParseFindingState(q.Get("state"))
	if err != nil {
		return err
	}
	f := cpaudit.FindingFilter{AuditID: q.Get("audit_id"), ConsultancyID: q.Get("consultancy_id"), State: state}
	if f.Overdue, err = httpx.BoolParam(q, "overdue"); err != nil {
		return err
	}
	if f.Limit, err = httpx.IntParam(q, "limit", 100, 1, 1000); err != nil {
		return err
	}
	if f.Offset, err = httpx.IntParam(q, "offset", 0, 0, 1_000_000); err != nil {
		return err
	}
	findings, total, err := s.store.Findings(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"total": total, "findings": findings})
	return nil
}

// apiFinding answers one finding with its history.
func (s *Handler) apiFinding(w http.ResponseWriter, r *http.Request) error {
	f, err := s.store.Finding(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, f)
	return nil
}

// apiFindingAction answers (the contract's {"text","document_ids"}),
// closes ({"comment"}) or sends back ({"reason"}) a finding, answered 200
// with the finding and its history.
func (s *Handler) apiFindingAction(action cpaudit.FindingAction) func(http.ResponseWriter, *http.Request) error {
	move := map[cpaudit.FindingAction]func(context.Context, cpaudit.Actor, string, cpaudit.FindingChange) (cpaudit.Finding, error){
		cpaudit.FindingAnswer: s.store.AnswerFinding, cpaudit.FindingClose: s.store.CloseFinding, cpaudit.FindingReturn: s.store.ReturnFinding,
	}[action]
	return func(w http.ResponseWriter, r *http.Request) error {
		var in cpaudit.FindingChange
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		f, err := move(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), in)
		if err != nil {
			return err
		}
		s.WriteJSON(w, r, http.StatusOK, f)
		return nil
	}
}

// apiEvaluation rates a consultancy for a period: a year (default: this
// year in China time), or a quarter of it.
func (s *Handler) apiEvaluation(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	year, err := httpx.IntParam(q, "year", 0, 2000, 2100) // 0: the store's this year
	if err != nil {
		return err
	}
	quarter, err := httpx.IntParam(q, "quarter", 0, 1, 4) // 0: the whole year
	if err != nil {
		return err
	}
	ev, err := s.store.ConsultancyEvaluation(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), cpaudit.EvalPeriod{Year: year, Quarter: quarter})
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, ev)
	return nil
}

// apiFindingCitables answers what a finding on an audit may cite besides
// its documents: {"documents":[{"document_id","title","figures":[...],"images":[...]}]},
// each figure and image with the id that figure_ids and image_ids take.
func (s *Handler) apiFindingCitables(w http.ResponseWriter, r *http.Request) error {
	docs, err := s.store.FindingCitables(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"documents": docs})
	return nil
}
