package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/sheet"
)

// The consultancy evaluation in the UI: one firm's record with its
// arithmetic and the findings that veto it; the ranking of every firm and
// the expert reviewers' record for regulators (an expert sees its own
// record), as a page and as .xlsx; the admin's form for the weights.

// periodOf reads ?year= (default this year) and ?quarter= (none: the
// whole year).
func periodOf(r *http.Request) (cpaudit.EvalPeriod, error) {
	q := r.URL.Query()
	year, err := httpx.IntParam(q, "year", 0, 2000, 2100)
	if err != nil {
		return cpaudit.EvalPeriod{}, err
	}
	quarter, err := httpx.IntParam(q, "quarter", 0, 1, 4)
	if err != nil {
		return cpaudit.EvalPeriod{}, err
	}
	return cpaudit.EvalPeriod{Year: year, Quarter: quarter}, nil
}

// periodQuery is a period as the query of a link.
func periodQuery(p cpaudit.EvalPeriod) string {
	v := url.Values{"year": {strconv.Itoa(p.Year)}}
	if p.Quarter != 0 {
		v.Set("quarter", strconv.Itoa(p.Quarter))
	}
	return v.Encode()
}

// vetoFinding is a finding that vetoes a firm, as its page names it; a
// reader who may not read its audit (a regional office, another region's
// audit) sees its category only.
type vetoFinding struct {
	ID, AuditID, CategoryLabel, Description string
}

// evaluationPage is one firm's record for a period.
func (s *Handler) evaluationPage(w http.ResponseWriter, r *http.Request) error {
	p, err := periodOf(r)
	if err != nil {
		return err
	}
	a := httpx.ActorOf(r)
	T := translator(webOf(r).Lang)
	ev, err := s.store.ConsultancyEvaluation(r.Context(), a, httpx.Param(r, "id"), p)
	if err != nil {
		return err
	}
	var vetoes []vetoFinding
	for i, id := range ev.VetoFindingIDs {
		v := vetoFinding{ID: id, CategoryLabel: T("finding.category." + string(ev.VetoCategories[i]))}
		if f, err := s.store.Finding(r.Context(), a, id); err == nil {
			v.AuditID, v.Description = f.AuditID, f.Description
		} else if cpaudit.ErrorKind(err) != cpaudit.KindNotFound {
			return err
		}
		vetoes = append(vetoes, v)
	}
	return s.render(w, r, http.StatusOK, "evaluation", map[string]any{"Ev": ev, "Vetoes": vetoes, "W": ev.Weights,
		"Period": periodLabel(T, cpaudit.EvalPeriod{Year: ev.Year, Quarter: ev.Quarter}), "Export": ""})
}

// periodLabel names a period: 2026 年 or 2026 年第 4 季度.
func periodLabel(T func(string) string, p cpaudit.EvalPeriod) string {
	if p.Quarter == 0 {
		return strconv.Itoa(p.Year) + T("eval.yearSuffix")
	}
	return strconv.Itoa(p.Year) + T("eval.yearSuffix") + " " + T("eval.q"+strconv.Itoa(p.Quarter))
}

// evaluationsPage ranks the firms and lists the experts' records
// (regulators and admins), or shows an expert its own record; anyone
// else: 404.
func (s *Handler) evaluationsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := periodOf(r)
	if err != nil {
		return err
	}
	a := httpx.ActorOf(r)
	T := translator(webOf(r).Lang)
	data := map[string]any{}
	if a.Role != cpaudit.RoleExpert {
		ranking, w8, err := s.store.ConsultancyRanking(r.Context(), a, p)
		if err != nil {
			return err
		}
		data["Ranking"], data["W"], data["CanSetWeights"] = ranking, w8, a.Role == cpaudit.RoleAdmin
	}
	experts, err := s.store.ExpertRecords(r.Context(), a, p)
	if err != nil {
		return err
	}
	if p.Year == 0 {
		p.Year = s.now().In(cpaudit.ChinaLocation()).Year()
	}
	data["Experts"], data["Period"], data["P"] = experts, periodLabel(T, p), p
	data["Export"] = "/evaluations.xlsx?" + periodQuery(p)
	data["Quarters"] = []int{1, 2, 3, 4}
	return s.render(w, r, http.StatusOK, "evaluations", data)
}

// evaluationsExport is the ranking as .xlsx, with the weights it used on
// a second sheet's worth of rows below.
func (s *Handler) evaluationsExport(w http.ResponseWriter, r *http.Request) error {
	p, err := periodOf(r)
	if err != nil {
		return err
	}
	T := translator(webOf(r).Lang)
	ranking, _, err := s.store.ConsultancyRanking(r.Context(), httpx.ActorOf(r), p)
	if err != nil {
		return err
	}
	t := sheet.Table{Sheet: T("eval.sheet"), Header: []string{T("eval.col.rank"), T("eval.col.firm"), T("eval.col.score"),
		T("eval.col.result"), T("eval.col.vetoes"), T("eval.col.findings"), T("eval.col.major"), T("eval.col.minor"),
		T("eval.col.overdue"), T("eval.col.onTime"), T("eval.col.late"), T("eval.col.reopened"), T("eval.col.obligations"),
		T("eval.col.flags"), T("eval.col.reviews"), T("eval.col.reviewAverage")}}
	for i, e := range ranking {
		result := T("eval.qualified")
		if !e.Qualified {
			result = T("eval.unqualified")
		}
		// The vetoing findings by category: their ids would name findings
		// of audits outside a regional office's reach.
		vetoes := ""
		for j, c := range e.VetoCategories {
			if j > 0 {
				vetoes += "、"
			}
			vetoes += T("finding.category." + string(c))
		}
		t.Rows = append(t.Rows, []any{i + 1, e.Name, e.Score, result, vetoes, e.Findings, e.Major, e.Minor, e.Overdue, e.OnTime,
			e.Late, e.Reopened, e.ObligationsLate, e.ConfirmedFlags, e.Reviews, e.ReviewAverage})
	}
	return s.writeSheet(w, T("eval.file"), t)
}

// weightFields are the weights' form fields, in the order the page shows
// them.
var weightFields = []string{"minor", "major", "overdue", "late", "reopened", "obligation_late", "confirmed_flag", "review_share", "pass_mark", "review_days"}

// weightsSubmit saves the admin's weights (every field required).
func (s *Handler) weightsSubmit(w http.ResponseWriter, r *http.Request) error {
	vals := map[string]int{}
	for _, f := range weightFields {
		n, err := strconv.Atoi(r.PostFormValue(f))
		if err != nil {
			return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeEvaluationWeightsInvalid, "%s must be a whole number", f).
				With("field", f).With("min", "0").With("max", "100")
		}
		vals[f] = n
	}
	wt := cpaudit.EvaluationWeights{Minor: vals["minor"], Major: vals["major"], Overdue: vals["overdue"], Late: vals["late"],
		Reopened: vals["reopened"], ObligationLate: vals["obligation_late"], ConfirmedFlag: vals["confirmed_flag"],
		ReviewShare: vals["review_share"], PassMark: vals["pass_mark"], ReviewDays: vals["review_days"]}
	if _, err := s.store.SaveEvaluationWeights(r.Context(), httpx.ActorOf(r), wt); err != nil {
		return err
	}
	http.Redirect(w, r, "/evaluations", http.StatusSeeOther)
	return nil
}
