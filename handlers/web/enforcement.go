package web

import (
	"net/http"
	"net/url"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The enforcement queue as a page of its own (/enforcement): every item
// GET /api/v1/enforcement answers the caller (the dashboard shows the
// first 50), each with its reasons and days, its resumption precondition
// and its history — milestones, obligations fallen overdue, site checks —
// and the admin's page of regulator offices (/organisations), where an
// office is marked as enforcement with a button: nobody types its id.

// enforcementEvent is one line of an item's history in words.
type enforcementEvent struct {
	Date, Label, Note string
	Kind              string // milestone, overdue or site_check: the CSS class
}

func enforcementHistory(T func(string) string, evs []cpaudit.EnforcementEvent) []enforcementEvent {
	out := make([]enforcementEvent, 0, len(evs))
	for _, e := range evs {
		ev := enforcementEvent{Date: e.Date, Note: e.Note, Kind: e.Kind}
		switch e.Kind {
		case "milestone":
			ev.Label = T("due." + e.What)
			if e.Result != "" {
				ev.Label += " " + T("enforcement.result."+e.Result)
			}
		case "overdue":
			ev.Label = T("enforcement.event.overdue") + T("due."+e.What)
		case "site_check":
			ev.Label = T("sitecheck.title") + "：" + T("sitecheck.outcome."+e.What)
		default:
			ev.Label = e.What
		}
		out = append(out, ev)
	}
	return out
}

// enforcementPage lists the whole queue, narrowed by the region query as
// the API and the export are; the export link keeps it.
func (s *Handler) enforcementPage(w http.ResponseWriter, r *http.Request) error {
	T := translator(webOf(r).Lang)
	region := r.URL.Query().Get("region")
	items, err := s.store.Enforcement(r.Context(), httpx.ActorOf(r), region)
	if err != nil {
		return err
	}
	type item struct {
		enforcementRow
		RegionLabel string
		History     []enforcementEvent
	}
	rows := make([]item, 0, len(items))
	for _, row := range enforcementRows(T, items) {
		rows = append(rows, item{enforcementRow: row, RegionLabel: s.regionLabel(row.Region), History: enforcementHistory(T, row.History)})
	}
	export := "/enforcement.xlsx"
	if region != "" {
		export += "?" + url.Values{"region": {region}}.Encode()
	}
	return s.render(w, r, http.StatusOK, "enforcement", map[string]any{"Items": rows, "Export": export})
}

// organisationsPage lists the regulator offices with their enforcement
// mark and a button that turns it on or off; admins only (409 otherwise,
// as the API's mark).
func (s *Handler) organisationsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrganisations(w, r, http.StatusOK, "")
}

func (s *Handler) renderOrganisations(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	offices, err := s.store.RegulatorOffices(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	type office struct {
		cpaudit.RegulatorOffice
		RegionLabel string
	}
	rows := make([]office, 0, len(offices))
	for _, o := range offices {
		rows = append(rows, office{RegulatorOffice: o, RegionLabel: s.regionLabel(o.Region)})
	}
	return s.render(w, r, status, "organisations", map[string]any{"Offices": rows, "Error": problem})
}

// enforcementOfficeSubmit marks or unmarks the office: the form's
// enforcement field is "true" or "false", as the API's body.
func (s *Handler) enforcementOfficeSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	var mark *bool
	switch r.PostFormValue("enforcement") {
	case "true":
		on := true
		mark = &on
	case "false":
		off := false
		mark = &off
	}
	if err := s.store.MarkEnforcementOffice(r.Context(), httpx.ActorOf(r), id, mark); err != nil {
		if k := cpaudit.ErrorKind(err); k == cpaudit.KindUnprocessable || k == cpaudit.KindInvalid {
			status, _ := httpx.ErrorStatus(err)
			return s.renderOrganisations(w, r, status, refusalText(webOf(r).Lang, err))
		}
		return err
	}
	http.Redirect(w, r, "/organisations#office-"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}
