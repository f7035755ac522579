package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

func (s *Handler) apiListAudits(w http.ResponseWriter, r *http.Request) error {
	f, err := httpx.AuditFilterOf(r.URL.Query(), 50)
	if err != nil {
		return err
	}
	list, total, err := s.store.Audits(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"audits": list, "total": total, "limit": f.Limit, "offset": f.Offset})
	return nil
}

func (s *Handler) apiOverdue(w http.ResponseWriter, r *http.Request) error {
	f, err := httpx.AuditFilterOf(r.URL.Query(), 50)
	if err != nil {
		return err
	}
	list, total, err := s.store.Overdue(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"overdue": list, "total": total, "limit": f.Limit, "offset": f.Offset})
	return nil
}

func (s *Handler) apiDashboard(w http.ResponseWriter, r *http.Request) error {
	days, err := httpx.IntParam(r.URL.Query(), "stalled", httpx.DefaultStalledDays, 1, 3650)
	if err != nil {
		return err
	}
	d, err := s.store.Dashboard(r.Context(), httpx.ActorOf(r), days)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, d)
	return nil
}

func (s *Handler) apiNotices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := httpx.IntParam(q, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	offset, err := httpx.IntParam(q, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	list, total, err := s.store.Notices(r.Context(), httpx.ActorOf(r), limit, offset)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"notices": list, "total": total})
	return nil
}

func (s *Handler) apiRecordMilestone(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.NewMilestone
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.store.RecordMilestone(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, m)
	return nil
}

func (s *Handler) apiDeadlines(w http.ResponseWriter, r *http.Request) error {
	d, err := s.store.Deadlines(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, d)
	return nil
}
