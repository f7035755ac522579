package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The site checks of an enterprise (/enterprises/{id}/site-checks),
// linked from the dashboard's enforcement queue: the list for whoever
// reaches the enterprise, and the form for enforcement staff. Photos are
// uploaded first on the upload page and then ticked in the form, which
// lists the staff member's own recent uploads: nobody types an id.

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
	// The photos are shown by title (their ids mean nothing to a reader);
	// a photo the reader may not open keeps its id as its name.
	var ids []string
	for _, c := range list {
		ids = append(ids, c.DocumentIDs...)
	}
	titles, err := s.store.DocumentTitles(r.Context(), a, ids)
	if err != nil {
		return err
	}
	type photo struct{ ID, Title string }
	type row struct {
		cpaudit.SiteCheck
		OutcomeLabel string
		Photos       []photo
	}
	rows := make([]row, 0, len(list))
	for _, c := range list {
		rw := row{SiteCheck: c, OutcomeLabel: T("sitecheck.outcome." + string(c.Outcome))}
		for _, id := range c.DocumentIDs {
			rw.Photos = append(rw.Photos, photo{id, cmp.Or(titles[id], id)})
		}
		rows = append(rows, rw)
	}
	staff := a.Role == cpaudit.RoleAdmin
	if a.Role == cpaudit.RoleRegulator && a.OrgID != "" {
		if staff, err = s.store.IsEnforcementOffice(r.Context(), a, a.OrgID); err != nil {
			return err
		}
	}
	var photos []cpaudit.Document
	if staff {
		if photos, err = s.ownUploads(r, a); err != nil {
			return err
		}
	}
	type option struct{ Value, Label string }
	var outcomes []option
	for _, o := range cpaudit.SiteCheckOutcomes {
		outcomes = append(outcomes, option{string(o), T("sitecheck.outcome." + string(o))})
	}
	return s.render(w, r, status, "sitechecks", map[string]any{"EnterpriseID": id, "Checks": rows, "Staff": staff,
		"Outcomes": outcomes, "Photos": photos, "Error": problem})
}

// ownUploads is what the form offers as photos: the documents of kind
// other the actor uploaded, newest first (the store's order), at most 200.
func (s *Handler) ownUploads(r *http.Request, a cpaudit.Actor) ([]cpaudit.Document, error) {
	docs, _, err := s.store.Documents(r.Context(), a, cpaudit.DocumentFilter{Kind: cpaudit.DocOther, Limit: 200})
	if err != nil {
		return nil, err
	}
	own := docs[:0]
	for _, d := range docs {
		if d.CreatedBy == a.Email {
			own = append(own, d)
		}
	}
	return own, nil
}

// siteCheckSubmit records the form's site check; the photos are the
// ticked boxes (a client posting one field of ids separated by commas or
// spaces is understood too).
func (s *Handler) siteCheckSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	var photos []string
	for _, v := range r.PostForm["document_ids"] {
		photos = append(photos, strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ' ' || c == '，' })...)
	}
	n := cpaudit.NewSiteCheck{Date: strings.TrimSpace(r.PostFormValue("date")), Finding: strings.TrimSpace(r.PostFormValue("finding")),
		Outcome: cpaudit.SiteCheckOutcome(r.PostFormValue("outcome")), AuditID: strings.TrimSpace(r.PostFormValue("audit_id")),
		DocumentIDs: photos}
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
