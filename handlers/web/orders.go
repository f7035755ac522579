package web

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/sheet"
)

// Rectification orders (督办整改): the findings that order a rectification
// by a due date, as a list (all not closed, or the overdue only) and as
// .xlsx of the open and overdue ones. Each reader sees the orders of the
// audits it may read, as everywhere.

// maxOrderRows bounds the orders page; the .xlsx has them all.
const maxOrderRows = 500

// orderRow is an order in the page's words.
type orderRow struct {
	cpaudit.Finding
	EnterpriseName, CategoryLabel, SeverityLabel, StateLabel string
}

// orders reads the orders not closed (open, then answered), or only the
// overdue ones, named by enterprise, up to limit of each state.
func (s *Handler) orders(r *http.Request, overdue bool, limit int) ([]orderRow, int, error) {
	a := httpx.ActorOf(r)
	T := translator(webOf(r).Lang)
	var all []cpaudit.Finding
	total := 0
	states := []cpaudit.FindingState{cpaudit.FindingOpen, cpaudit.FindingAnswered}
	if overdue {
		states = states[:1]
	}
	for _, st := range states {
		list, n, err := s.store.Findings(r.Context(), a, cpaudit.FindingFilter{State: st, Orders: true, Overdue: overdue, Limit: limit})
		if err != nil {
			return nil, 0, err
		}
		all, total = append(all, list...), total+n
	}
	ids := make([]string, len(all))
	for i, f := range all {
		ids[i] = f.AuditID
	}
	names, err := s.store.AuditNames(r.Context(), a, ids)
	if err != nil {
		return nil, 0, err
	}
	rows := make([]orderRow, len(all))
	for i, f := range all {
		rows[i] = orderRow{Finding: f, EnterpriseName: names[f.AuditID], CategoryLabel: T("finding.category." + string(f.Category)),
			SeverityLabel: T("finding.severity." + string(f.Severity)), StateLabel: T("finding.state." + string(f.State))}
	}
	return rows, total, nil
}

// ordersPage lists the orders not closed, or with ?overdue=true the overdue.
func (s *Handler) ordersPage(w http.ResponseWriter, r *http.Request) error {
	overdue, err := httpx.BoolParam(r.URL.Query(), "overdue")
	if err != nil {
		return err
	}
	rows, total, err := s.orders(r, overdue, maxOrderRows)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "orders", map[string]any{"Rows": rows, "Total": total, "OnlyOverdue": overdue})
}

// ordersExport is every open and overdue order as .xlsx: open and
// answered ones, overdue marked.
func (s *Handler) ordersExport(w http.ResponseWriter, r *http.Request) error {
	T := translator(webOf(r).Lang)
	rows, _, err := s.orders(r, false, 1000)
	if err != nil {
		return err
	}
	t := sheet.Table{Sheet: T("order.sheet"), Header: []string{T("order.col.finding"), T("due.col.enterprise"), T("finding.col.category"),
		T("finding.col.severity"), T("finding.col.state"), T("finding.col.due"), T("finding.overdue"), T("finding.col.description"),
		T("finding.col.recorded")}}
	for _, o := range rows {
		overdue := ""
		if o.Overdue {
			overdue = T("order.yes")
		}
		t.Rows = append(t.Rows, []any{o.ID, o.EnterpriseName, o.CategoryLabel, o.SeverityLabel, o.StateLabel, o.RectificationDue,
			overdue, o.Description, chinaTime(o.CreatedAt)})
	}
	return s.writeSheet(w, T("order.file"), t)
}
