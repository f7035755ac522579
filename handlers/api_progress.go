package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cpaudit/cpaudit"
)

// progressStore is what deadlines, audit lists and dashboards need from
// storage.
type progressStore interface {
	Audits(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.AuditRow, int, error)
	Overdue(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.OverdueRow, int, error)
	Dashboard(ctx context.Context, a cpaudit.Actor, stalledDays int) (cpaudit.Dashboard, error)
	Notices(ctx context.Context, a cpaudit.Actor, limit, offset int) ([]cpaudit.Notice, int, error)
	RecordMilestone(ctx context.Context, a cpaudit.Actor, auditID string, m cpaudit.NewMilestone) (cpaudit.Milestone, error)
	Deadlines(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.AuditDeadlines, error)
}

// defaultStalledDays is N of "no change in N days" unless ?stalled= says.
const defaultStalledDays = 30

// auditFilterKeys are the query parameters of an audit list, in the order
// links write them.
var auditFilterKeys = []string{"batch_id", "region", "industry", "consultancy_id", "phase", "overdue", "stalled"}

// auditFilterOf reads an audit list's filters, shared by the API, the
// pages and the exports.
func auditFilterOf(q url.Values, limit int) (cpaudit.AuditListFilter, error) {
	f := cpaudit.AuditListFilter{BatchID: q.Get("batch_id"), Region: q.Get("region"), Industry: q.Get("industry"),
		ConsultancyID: q.Get("consultancy_id"), Phase: q.Get("phase"), Overdue: q.Get("overdue")}
	var err error
	if f.StalledDays, err = intParam(q, "stalled", 0, 0, 3650); err != nil {
		return f, err
	}
	if f.Limit, err = intParam(q, "limit", limit, 1, 1000); err != nil {
		return f, err
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, 1<<30); err != nil {
		return f, err
	}
	return f, nil
}

// auditFilterQuery is f as query parameters (without paging), so links
// and exports reproduce a list exactly.
func auditFilterQuery(f cpaudit.AuditListFilter) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("batch_id", f.BatchID)
	set("region", f.Region)
	set("industry", f.Industry)
	set("consultancy_id", f.ConsultancyID)
	set("phase", f.Phase)
	set("overdue", f.Overdue)
	if f.StalledDays > 0 {
		q.Set("stalled", strconv.Itoa(f.StalledDays))
	}
	return q
}

func (s *Server) apiListAudits(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilterOf(r.URL.Query(), 50)
	if err != nil {
		return err
	}
	list, total, err := s.store.Audits(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"audits": list, "total": total, "limit": f.Limit, "offset": f.Offset})
	return nil
}

func (s *Server) apiOverdue(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilterOf(r.URL.Query(), 50)
	if err != nil {
		return err
	}
	list, total, err := s.store.Overdue(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"overdue": list, "total": total, "limit": f.Limit, "offset": f.Offset})
	return nil
}

func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) error {
	days, err := intParam(r.URL.Query(), "stalled", defaultStalledDays, 1, 3650)
	if err != nil {
		return err
	}
	d, err := s.store.Dashboard(r.Context(), actorOf(r), days)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, d)
	return nil
}

func (s *Server) apiNotices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := intParam(q, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	offset, err := intParam(q, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	list, total, err := s.store.Notices(r.Context(), actorOf(r), limit, offset)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"notices": list, "total": total})
	return nil
}

func (s *Server) apiRecordMilestone(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.NewMilestone
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.store.RecordMilestone(r.Context(), actorOf(r), param(r, "id"), in)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, m)
	return nil
}

func (s *Server) apiDeadlines(w http.ResponseWriter, r *http.Request) error {
	d, err := s.store.Deadlines(r.Context(), actorOf(r), param(r, "id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, d)
	return nil
}
