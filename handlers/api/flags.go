package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/search/detect"
)

// apiFlags lists the flags of the caller's tenant whose every document the
// caller may read, highest score first (or newest first with sort=date),
// optionally of one kind, document, audit, consultancy or review status.
func (s *Handler) apiFlags(w http.ResponseWriter, r *http.Request) error {
	f, err := httpx.FlagFilterOf(r.URL.Query(), 100)
	if err != nil {
		return err
	}
	flags, total, err := s.store.Flags(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"total": total, "flags": flags})
	return nil
}

// apiReviewFlag records a regulator's or expert's decision on a flag:
// {"decision": "confirm"|"dismiss", "reason": "..."}; a confirmation may
// say its findings' "category", "severity" and "rectification_due".
func (s *Handler) apiReviewFlag(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Decision string `json:"decision"`
		Reason   string `json:"reason"`
		cpaudit.FlagFinding
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	decision, err := cpaudit.ParseFlagDecision(in.Decision)
	if err != nil {
		return err
	}
	fl, err := s.store.ReviewFlag(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), decision, in.Reason, in.FlagFinding)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, fl)
	return nil
}

// apiCompare puts two documents side by side: the passages their newest
// extracted texts share, with rune offsets into each.
func (s *Handler) apiCompare(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ids := [2]string{q.Get("a"), q.Get("b")}
	if ids[0] == "" || ids[1] == "" {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFlagDocumentsRequired, "a and b, the ids of two documents, are required")
	}
	var texts [2]string
	for i, id := range ids {
		t, err := s.store.DocumentText(r.Context(), httpx.ActorOf(r), id, 0)
		if err != nil {
			return err
		}
		if t.Status != cpaudit.TextDone {
			return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeDocumentHasNoText, "document %s has no extracted text (%s)", id, t.Status)
		}
		texts[i] = t.Text
	}
	s.WriteJSON(w, r, http.StatusOK, detect.Compare(texts[0], texts[1], detect.Defaults()))
	return nil
}
