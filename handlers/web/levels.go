package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The audit page's before/after section (清洁生产水平) and the indicator
// sets page: cleaner production levels (issue 20 item 2).

// webIndicator is one indicator row of the audit page: its inputs'
// values as entered, and what it meets.
type webIndicator struct {
	cpaudit.IndicatorRow
	BeforeText, AfterText, TargetText string
	MetBefore, MetAfter               string // the level met, "Ⅰ级"…, "—"
	TargetMetLabel                    string
	Benchmarks                        string
}

// num shows a value as entered, "" for none.
func num(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// levelLabel names a level in the page's language ("" is none reached).
func levelLabel(T func(string) string, l cpaudit.Level) string {
	if l == "" {
		return T("levels.none")
	}
	return T("levels.level." + string(l))
}

func metLabel(T func(string) string, met int) string {
	switch {
	case met < 0:
		return "—"
	case met == 0:
		return T("levels.none")
	}
	return T("levels.level." + string(cpaudit.Levels[met-1]))
}

// auditLevelsData adds the before/after section to the audit page's data.
func (s *Handler) auditLevelsData(r *http.Request, au cpaudit.Audit, data map[string]any) error {
	T := translator(webOf(r).Lang)
	l, err := s.store.AuditLevels(r.Context(), httpx.ActorOf(r), au.ID)
	if err != nil {
		return err
	}
	rows := make([]webIndicator, 0, len(l.Values))
	for _, v := range l.Values {
		wi := webIndicator{IndicatorRow: v, BeforeText: num(v.Before), AfterText: num(v.After), TargetText: num(v.Target),
			MetBefore: metLabel(T, v.LevelBefore), MetAfter: metLabel(T, v.LevelAfter)}
		if v.TargetMet != nil {
			wi.TargetMetLabel = T("levels.targetMet." + strconv.FormatBool(*v.TargetMet))
		}
		if v.Direction == cpaudit.Qualitative {
			wi.Benchmarks = T("levels.qualitative")
		} else {
			var b []string
			for _, x := range v.Benchmarks {
				if x == nil {
					b = append(b, "?")
				} else {
					b = append(b, num(x))
				}
			}
			wi.Benchmarks = strings.Join(b, " / ")
		}
		rows = append(rows, wi)
	}
	var targets []option
	for _, lv := range append([]cpaudit.Level{""}, cpaudit.Levels...) {
		label := T("levels.noTarget")
		if lv != "" {
			label = levelLabel(T, lv)
		}
		targets = append(targets, option{Value: string(lv), Label: label, Selected: lv == l.TargetLevel})
	}
	data["Levels"], data["LevelRows"], data["LevelTargets"] = l, rows, targets
	data["LevelBefore"], data["LevelAfter"] = levelLabel(T, l.Before.Level), levelLabel(T, l.After.Level)
	return nil
}

// levelsSubmit saves the section's form: the target level and each
// indicator's before, after and target (an empty input clears it).
func (s *Handler) levelsSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	l, err := s.store.AuditLevels(r.Context(), httpx.ActorOf(r), id)
	if err != nil {
		return err
	}
	target := r.PostFormValue("target_level")
	in := cpaudit.LevelsInput{TargetLevel: &target}
	if l.Set != nil {
		for _, ind := range l.Set.Indicators {
			v := cpaudit.IndicatorInput{IndicatorValue: cpaudit.IndicatorValue{Code: ind.Code}}
			for field, into := range map[string]**float64{"before": &v.Before, "after": &v.After, "target": &v.Target} {
				text := strings.TrimSpace(r.PostFormValue(field + "." + ind.Code))
				if text == "" {
					continue
				}
				n, err := strconv.ParseFloat(strings.ReplaceAll(text, ",", ""), 64)
				if err != nil {
					return s.levelsRefused(w, r, id, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeIndicatorValueInvalid,
						"%q is not a number", text).With("value", text))
				}
				*into = &n
			}
			in.Values = append(in.Values, v)
		}
	}
	if _, err := s.store.SaveAuditLevels(r.Context(), httpx.ActorOf(r), id, in); err != nil {
		return s.levelsRefused(w, r, id, err)
	}
	http.Redirect(w, r, "/audits/"+url.PathEscape(id)+"#levels", http.StatusSeeOther)
	return nil
}

// levelsRefused shows the audit page with the reason the form was
// refused; an audit out of reach goes the ordinary error path.
func (s *Handler) levelsRefused(w http.ResponseWriter, r *http.Request, auditID string, err error) error {
	switch cpaudit.ErrorKind(err) {
	case cpaudit.KindConflict, cpaudit.KindUnprocessable, cpaudit.KindInvalid:
		status, _ := httpx.ErrorStatus(err)
		return s.renderAuditOf(w, r, auditID, status, translator(webOf(r).Lang)("levels.err")+refusalText(webOf(r).Lang, err))
	}
	return err
}

// indicatorSetsPage lists the indicator sets; an admin imports one.
func (s *Handler) indicatorSetsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderIndicatorSets(w, r, http.StatusOK, "", nil, r.URL.Query().Get("saved") == "1")
}

func (s *Handler) renderIndicatorSets(w http.ResponseWriter, r *http.Request, status int, errMsg string, rejected []string, saved bool) error {
	a := httpx.ActorOf(r)
	sets, err := s.store.IndicatorSets(r.Context(), a)
	if err != nil {
		return err
	}
	data := map[string]any{"Sets": sets, "CanEdit": cpaudit.MayEditIndicatorSets(a) == nil, "Error": errMsg, "Rejected": rejected, "Saved": saved}
	return s.render(w, r, status, "indicator_sets", data)
}

// indicatorSetImportSubmit imports a set from .xlsx. It checks its session
// and CSRF token itself (the form is multipart), and the caller's right
// before reading the sheet. A table with bad rows saves nothing and the
// page lists each bad row and why.
func (s *Handler) indicatorSetImportSubmit(w http.ResponseWriter, r *http.Request) error {
	wi := webOf(r)
	if wi.User == nil {
		return cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeLoginRequired, "please log in")
	}
	refused := func(err error, rows []string) error {
		switch cpaudit.ErrorKind(err) {
		case cpaudit.KindConflict, cpaudit.KindUnprocessable, cpaudit.KindInvalid, cpaudit.KindTooLarge:
			status, _ := httpx.ErrorStatus(err)
			return s.renderIndicatorSets(w, r, status, refusalText(wi.Lang, err), rows, false)
		}
		return err
	}
	if err := cpaudit.MayEditIndicatorSets(httpx.ActorOf(r)); err != nil {
		return refused(err, nil)
	}
	form, err := s.ReadImportForm(w, r)
	if err == nil && subtle.ConstantTimeCompare([]byte(form.Fields["csrf"]), []byte(wi.CSRF)) != 1 {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFormExpired, "the form has expired; reload the page and try again")
	}
	if err != nil {
		return refused(err, nil)
	}
	_, _, rejected, err := httpx.ImportIndicatorSet(r, s.store, form)
	if err != nil {
		var rows []string
		for _, rj := range rejected {
			line := strings.ReplaceAll(translator(wi.Lang)("option.import.row"), "%d", strconv.Itoa(rj.Row))
			if rj.Column != "" {
				line += "（" + rj.Column + "）"
			}
			rows = append(rows, line+rejectionText(wi.Lang, rj))
		}
		return refused(err, rows)
	}
	http.Redirect(w, r, "/indicator-sets?saved=1", http.StatusSeeOther)
	return nil
}

// indicatorSetSubmit saves the weights, benchmarks, limiting flags,
// source and note an admin edited on the sets page for the set of the
// form's industry and version; a built-in set saved so becomes the
// tenant's own version of it. An empty input clears the figure.
func (s *Handler) indicatorSetSubmit(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	lang := webOf(r).Lang
	refused := func(err error) error {
		status, _ := httpx.ErrorStatus(err)
		return s.renderIndicatorSets(w, r, status, refusalText(lang, err), nil, false)
	}
	if err := cpaudit.MayEditIndicatorSets(a); err != nil {
		return refused(err)
	}
	sets, err := s.store.IndicatorSets(r.Context(), a)
	if err != nil {
		return err
	}
	var set *cpaudit.IndicatorSet
	for i := range sets {
		if sets[i].Industry == r.PostFormValue("industry") && sets[i].Version == r.PostFormValue("version") {
			set = &sets[i]
		}
	}
	if set == nil {
		return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNotFound, "no such indicator set")
	}
	set.Source, set.Note = strings.TrimSpace(r.PostFormValue("source")), strings.TrimSpace(r.PostFormValue("note"))
	for i := range set.Indicators {
		in := &set.Indicators[i]
		fields := map[string]**float64{"gw": &in.GroupWeight, "w": &in.Weight, "b0": &in.Benchmarks[0], "b1": &in.Benchmarks[1], "b2": &in.Benchmarks[2]}
		for name, into := range fields {
			text := strings.TrimSpace(r.PostFormValue(name + "." + in.Code))
			if text == "" {
				*into = nil
				continue
			}
			n, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return refused(cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeIndicatorSetInvalid, "%s: %q is not a number", in.Code, text).
					With("field", in.Code).With("value", text))
			}
			*into = &n
		}
		in.Limiting = r.PostFormValue("lim."+in.Code) == "1"
	}
	if _, _, err := s.store.SaveIndicatorSet(r.Context(), a, *set); err != nil {
		switch cpaudit.ErrorKind(err) {
		case cpaudit.KindConflict, cpaudit.KindUnprocessable, cpaudit.KindInvalid:
			return refused(err)
		}
		return err
	}
	http.Redirect(w, r, "/indicator-sets?saved=1", http.StatusSeeOther)
	return nil
}

// indicatorTemplate downloads the indicator table's template.
func (s *Handler) indicatorTemplate(w http.ResponseWriter, r *http.Request) error {
	return httpx.ServeIndicatorTemplate(w, r)
}
