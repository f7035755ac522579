package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The site checks of an enterprise (/enterprises/{id}/site-checks),
// linked from the dashboard's enforcement queue: the list for whoever
// reaches the enterprise, and the form for enforcement staff. Photos are
// uploaded first on the upload page and named here by document id.

func (s *Handler) siteChecksPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderSiteChecks(w, r, http.StatusOK, "")
}

func (s *Handler) renderSiteChecks(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	T := translator(webOf(r).Lang)
	a := httpx.ActorOf(r)
	id := httpx.Param(r, "id")
	list, err := s.store.SiteChecks(r.Context(), a, id)
	if err != nil {
		return err
	}
	type row struct {
		cpaudit.SiteCheck
		OutcomeLabel string
	}
	rows := make([]row, 0, len(list))
	for _, c := range list {
		rows = append(rows, row{SiteCheck: c, OutcomeLabel: T("sitecheck.outcome." + string(c.Outcome))})
	}
	staff := a.Role == cpaudit.RoleAdmin
	if a.Role == cpaudit.RoleRegulator && a.OrgID != "" {
		if staff, err = s.store.IsEnforcementOffice(r.Context(), a, a.OrgID); err != nil {
			return err
		}
	}
	type option struct{ Value, Label string }
	var outcomes []option
	for _, o := range cpaudit.SiteCheckOutcomes {
		outcomes = append(outcomes, option{string(o), T("sitecheck.outcome." + string(o))})
	}
	return s.render(w, r, status, "sitechecks", map[string]any{"EnterpriseID": id, "Checks": rows, "Staff": staff,
		"Outcomes": outcomes, "Error": problem})
}

// siteCheckSubmit records the form's site check; photo ids are separated
// by commas or spaces.
func (s *Handler) siteCheckSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	n := cpaudit.NewSiteCheck{Date: strings.TrimSpace(r.PostFormValue("date")), Finding: strings.TrimSpace(r.PostFormValue("finding")),
		Outcome: cpaudit.SiteCheckOutcome(r.PostFormValue("outcome")), AuditID: strings.TrimSpace(r.PostFormValue("audit_id")),
		DocumentIDs: strings.FieldsFunc(r.PostFormValue("document_ids"), func(c rune) bool { return c == ',' || c == ' ' || c == '，' })}
	if _, err := s.store.RecordSiteCheck(r.Context(), httpx.ActorOf(r), id, n); err != nil {
		if k := cpaudit.ErrorKind(err); k == cpaudit.KindConflict || k == cpaudit.KindUnprocessable {
			status, _ := httpx.ErrorStatus(err)
			return s.renderSiteChecks(w, r, status, refusalText(webOf(r).Lang, err))
		}
		return err
	}
	http.Redirect(w, r, "/enterprises/"+url.PathEscape(id)+"/site-checks", http.StatusSeeOther)
	return nil
}
