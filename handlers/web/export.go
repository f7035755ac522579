package web

import (
	"bytes"
	"mime"
	"net/http"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/sheet"
)

// Exports: the audit list and the overdue list as .xlsx, with the filters
// of the page they are linked from, every page of them (up to
// maxExportRows), headers in the page's language.

// maxExportRows bounds one export; a province has a few thousand audits.
const maxExportRows = 100_000

// exportPages reads a list page by page from offset 0, handing each page
// to add, until the list's total or maxExportRows is reached.
func exportPages[T any](page func(offset int) ([]T, int, error), add func([]T)) error {
	for offset := 0; ; {
		rows, total, err := page(offset)
		if err != nil {
			return err
		}
		add(rows)
		offset += len(rows)
		if len(rows) == 0 || offset >= total || offset >= maxExportRows {
			return nil
		}
	}
}

func (s *Handler) auditsExport(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	T := translator(lang)
	f, err := httpx.AuditFilterOf(r.URL.Query(), 1000)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = 1000, 0
	t := sheet.Table{Sheet: T("due.sheet.audits"), Header: []string{
		T("due.col.audit"), T("due.col.enterprise"), T("due.col.region"), T("due.col.industry"), T("due.col.consultancy"),
		T("due.col.batch"), T("due.col.phase"), T("due.col.accepted"), T("due.col.changed"), T("due.col.next"),
		T("due.col.nextDue"), T("due.col.overdue")}}
	err = exportPages(func(offset int) ([]cpaudit.AuditRow, int, error) {
		f.Offset = offset
		return s.store.Audits(r.Context(), httpx.ActorOf(r), f)
	}, func(rows []cpaudit.AuditRow) {
		for _, row := range s.webAuditRows(lang, rows) {
			overdue := ""
			for i, o := range row.OverdueLabels {
				if i > 0 {
					overdue += "、"
				}
				overdue += o
			}
			t.Rows = append(t.Rows, []any{row.ID, row.EnterpriseName, row.RegionLabel, row.Industry, row.ConsultancyName,
				row.BatchName, row.PhaseLabel, row.Accepted, row.ChangedAt.In(cpaudit.ChinaLocation()).Format("2006-01-02 15:04"),
				row.NextLabel, row.NextDue, overdue})
		}
	})
	if err != nil {
		return err
	}
	return s.writeSheet(w, T("due.file.audits"), t)
}

func (s *Handler) overdueExport(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	T := translator(lang)
	f, err := httpx.AuditFilterOf(r.URL.Query(), 1000)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = 1000, 0
	t := sheet.Table{Sheet: T("due.sheet.overdue"), Header: []string{
		T("due.col.audit"), T("due.col.enterprise"), T("due.col.region"), T("due.col.obligation"), T("due.col.due"),
		T("due.col.daysOverdue")}}
	err = exportPages(func(offset int) ([]cpaudit.OverdueRow, int, error) {
		f.Offset = offset
		return s.store.Overdue(r.Context(), httpx.ActorOf(r), f)
	}, func(rows []cpaudit.OverdueRow) {
		for _, o := range rows {
			t.Rows = append(t.Rows, []any{o.AuditID, o.EnterpriseName, s.regionLabel(o.Region), T("due." + o.Obligation), o.Due, o.DaysOverdue})
		}
	})
	if err != nil {
		return err
	}
	return s.writeSheet(w, T("due.file.overdue"), t)
}

// writeSheet sends t as an .xlsx download named name (UTF-8, RFC 6266).
func (s *Handler) writeSheet(w http.ResponseWriter, name string, t sheet.Table) error {
	var buf bytes.Buffer
	if err := sheet.Write(&buf, t); err != nil {
		return cpaudit.Internal("web.writeSheet", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + "-" + s.now().In(cpaudit.ChinaLocation()).Format("20060102") + ".xlsx"}))
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

// enterprisesExport is the enterprise list as .xlsx, with the filters of
// the /enterprises page and its columns.
func (s *Handler) enterprisesExport(w http.ResponseWriter, r *http.Request) error {
	T := translator(webOf(r).Lang)
	f, err := httpx.EnterpriseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	f.Limit, f.Offset = 200, 0
	t := sheet.Table{Sheet: T("ent.title"), Header: []string{
		T("ent.col.name"), T("ent.col.creditCode"), T("ent.col.industry"), T("ent.col.region"), T("ent.col.address"),
		T("ent.col.permit"), T("ent.col.status")}}
	err = exportPages(func(offset int) ([]cpaudit.Organisation, int, error) {
		f.Offset = offset
		return s.store.ListEnterprises(r.Context(), httpx.ActorOf(r), f)
	}, func(list []cpaudit.Organisation) {
		for _, o := range list {
			status := ""
			if o.Status != "" {
				status = T("ent.status." + string(o.Status))
			}
			t.Rows = append(t.Rows, []any{o.Name, o.CreditCode, o.Industry, o.Region, o.Address, o.PermitNumber, status})
		}
	})
	if err != nil {
		return err
	}
	return s.writeSheet(w, T("ent.file.export"), t)
}

// enforcementExport is the enforcement queue as .xlsx: the rows
// GET /api/v1/enforcement answers the caller (admins and regulators, a
// regional office within its region), narrowed by the same region query.
func (s *Handler) enforcementExport(w http.ResponseWriter, r *http.Request) error {
	T := translator(webOf(r).Lang)
	items, err := s.store.Enforcement(r.Context(), httpx.ActorOf(r), r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	t := sheet.Table{Sheet: T("enforcement.sheet"), Header: []string{
		T("due.col.enterprise"), T("due.col.region"), T("due.col.audit"), T("enforcement.col.reasons"),
		T("due.col.overdue"), T("due.col.daysOverdue"), T("enforcement.col.reasonDays"), T("enforcement.col.resumption"),
		T("enforcement.col.siteChecks")}}
	for _, row := range enforcementRows(T, items) {
		var checks []string
		for _, e := range row.History {
			if e.Kind == "site_check" {
				checks = append(checks, e.Date+" "+T("sitecheck.outcome."+e.What)+"："+e.Note)
			}
		}
		t.Rows = append(t.Rows, []any{row.EnterpriseName, s.regionLabel(row.Region), row.AuditID,
			strings.Join(row.ReasonLabels, "、"), strings.Join(row.ObligationLabels, "、"), row.DaysOverdue,
			strings.Join(row.ReasonDayLabels, "、"), row.ResumptionLabel, strings.Join(checks, "\n")})
	}
	return s.writeSheet(w, T("enforcement.file"), t)
}
