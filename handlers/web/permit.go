package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/sheet"
)

// The permit record page of an accepted audit (/audits/{id}/permit-record),
// its .xlsx export and the regulator's review form; the JSON export is
// GET /api/v1/audits/{id}/permit-record.

// permitFigure is a committed reduction as the page and export show it.
type permitFigure struct {
	Label, Unit string
	Value       float64
}

func permitFigures(T func(string) string, r cpaudit.PermitRecord) []permitFigure {
	qs := make([]string, 0, len(r.Figures))
	for q := range r.Figures {
		qs = append(qs, string(q))
	}
	slices.Sort(qs)
	out := make([]permitFigure, 0, len(qs))
	for _, q := range qs {
		out = append(out, permitFigure{Label: T("quantity." + q), Unit: r.Units[cpaudit.Quantity(q)], Value: r.Figures[cpaudit.Quantity(q)]})
	}
	return out
}

// permitPage shows the record; admins and regulators get the review form.
// A record not ready yet shows why (409).
func (s *Handler) permitPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderPermit(w, r, http.StatusOK, "")
}

func (s *Handler) renderPermit(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	lang := webOf(r).Lang
	T := translator(lang)
	a := httpx.ActorOf(r)
	id := httpx.Param(r, "id")
	data := map[string]any{"AuditID": id, "Error": problem}
	rec, err := s.store.PermitRecord(r.Context(), a, id)
	switch {
	case cpaudit.IsKind(err, cpaudit.KindConflict):
		data["NotReady"] = refusalText(lang, err)
		return s.render(w, r, http.StatusConflict, "permit", data)
	case err != nil:
		return err
	}
	data["Record"], data["Figures"] = rec, permitFigures(T, rec)
	data["StateLabel"] = T("permit.state." + string(rec.State))
	data["LevelAfter"], data["LevelBefore"], data["TargetLevel"] = permitLevel(T, rec, rec.LevelAfter), permitLevel(T, rec, rec.LevelBefore), ""
	if rec.TargetLevel != "" {
		data["TargetLevel"] = levelLabel(T, rec.TargetLevel)
	}
	data["Reviews"] = (a.Role == cpaudit.RoleAdmin || a.Role == cpaudit.RoleRegulator) && rec.State != cpaudit.PermitLoaded
	return s.render(w, r, status, "permit", data)
}

// permitStateSubmit records the review sent by the page's form.
func (s *Handler) permitStateSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	c := cpaudit.PermitStateChange{State: cpaudit.PermitState(r.PostFormValue("state")),
		Date: strings.TrimSpace(r.PostFormValue("date")), Note: strings.TrimSpace(r.PostFormValue("note"))}
	if _, err := s.store.SetPermitState(r.Context(), httpx.ActorOf(r), id, c); err != nil {
		if k := cpaudit.ErrorKind(err); k == cpaudit.KindConflict || k == cpaudit.KindUnprocessable {
			status, _ := httpx.ErrorStatus(err)
			return s.renderPermit(w, r, status, refusalText(webOf(r).Lang, err))
		}
		return err
	}
	http.Redirect(w, r, "/audits/"+url.PathEscape(id)+"/permit-record", http.StatusSeeOther)
	return nil
}

// permitLevel names a level of the record; "not rated" while the
// values are incomplete or no indicator set applies.
func permitLevel(T func(string) string, rec cpaudit.PermitRecord, l cpaudit.Level) string {
	if !rec.LevelRated {
		return T("permit.levelNotRated")
	}
	return levelLabel(T, l)
}

// permitExport is the record as .xlsx: one sheet, the record's fields
// then one row per option carried out and one per committed reduction.
func (s *Handler) permitExport(w http.ResponseWriter, r *http.Request) error {
	T := translator(webOf(r).Lang)
	rec, err := s.store.PermitRecord(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	t := sheet.Table{Sheet: T("permit.sheet"), Header: []string{T("permit.col.item"), T("permit.col.value"), T("permit.col.unit")}}
	add := func(k string, v any, unit string) { t.Rows = append(t.Rows, []any{T(k), v, unit}) }
	add("permit.enterprise", rec.EnterpriseName, "")
	add("permit.number", rec.PermitNumber, "")
	add("permit.audit", rec.AuditID, "")
	add("permit.acceptedOn", rec.AcceptedOn, "")
	add("permit.acceptanceDate", rec.AcceptanceDate, "")
	add("permit.acceptanceOpinion", rec.AcceptanceOpinion, "")
	add("permit.levelAfter", permitLevel(T, rec, rec.LevelAfter), "")
	add("permit.levelIndex", rec.LevelIndex, "")
	add("permit.levelBefore", permitLevel(T, rec, rec.LevelBefore), "")
	add("permit.levelSet", rec.LevelSet, "")
	if rec.TargetLevel != "" {
		add("permit.targetLevel", levelLabel(T, rec.TargetLevel), "")
		add("permit.targetReached", T("levels.targetMet."+strconv.FormatBool(rec.TargetLevelReached)), "")
	}
	add("permit.state", T("permit.state."+string(rec.State)), "")
	add("permit.stateOn", rec.StateOn, "")
	add("permit.stateBy", rec.StateBy, "")
	for _, o := range rec.Options {
		t.Rows = append(t.Rows, []any{T("permit.option"), o.Code + " " + o.Name, ""})
	}
	for _, f := range permitFigures(T, rec) {
		t.Rows = append(t.Rows, []any{f.Label, f.Value, f.Unit})
	}
	return s.writeSheet(w, T("permit.file"), t)
}
