package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The guideline pages (issue 22): /guidelines lists the versions the user
// reads (its tenant's and the library's) and, for admins and publishers,
// holds the form that registers a draft version of one of their guideline
// documents; /guidelines/{id} shows a version, its publish button while a
// draft, and the link to the comparison with the version it supersedes.

// publishesGuidelines: who sees the forms; storage enforces the same rule.
func publishesGuidelines(a cpaudit.Actor) bool {
	return a.Role == cpaudit.RoleAdmin || a.Role == cpaudit.RolePublisher
}

// guidelineForm is what the registration form holds, kept to show it
// again with its error.
type guidelineForm struct {
	DocumentID, Title, IssuingBody, EffectiveDate, Industries, Supersedes string
}

func (s *Handler) guidelinesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderGuidelines(w, r, http.StatusOK, guidelineForm{Supersedes: r.URL.Query().Get("supersedes")}, "")
}

func (s *Handler) renderGuidelines(w http.ResponseWriter, r *http.Request, status int, form guidelineForm, errMsg string) error {
	a := httpx.ActorOf(r)
	industry := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("industry")))
	if industry != "" && cpaudit.ValidateIndustry(industry) != nil {
		industry = ""
	}
	list, err := s.store.Guidelines(r.Context(), a, industry)
	if err != nil {
		return err
	}
	var docs []option
	if publishesGuidelines(a) {
		used := map[string]bool{}
		for _, g := range list {
			used[g.DocumentID] = true
		}
		ds, _, err := s.store.Documents(r.Context(), a, cpaudit.DocumentFilter{Kind: cpaudit.DocGuideline, Limit: 200})
		if err != nil {
			return err
		}
		for _, d := range ds {
			if !used[d.ID] {
				docs = append(docs, option{Value: d.ID, Label: d.Title, Selected: d.ID == form.DocumentID})
			}
		}
	}
	return s.render(w, r, status, "guidelines", map[string]any{
		"Guidelines": list, "Industry": industry, "CanPublish": publishesGuidelines(a), "Documents": docs, "Form": form, "Error": errMsg})
}

// guidelineCreateSubmit registers a draft version from the form; bad
// facts show the form again with the reason in the page's language.
func (s *Handler) guidelineCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	form := guidelineForm{DocumentID: r.PostFormValue("document_id"), Title: r.PostFormValue("title"),
		IssuingBody: r.PostFormValue("issuing_body"), EffectiveDate: r.PostFormValue("effective_date"),
		Industries: r.PostFormValue("industries"), Supersedes: r.PostFormValue("supersedes")}
	ng := cpaudit.NewGuideline{DocumentID: form.DocumentID, Title: form.Title, IssuingBody: form.IssuingBody,
		EffectiveDate: form.EffectiveDate, Supersedes: form.Supersedes,
		Industries: strings.Fields(strings.NewReplacer(",", " ", "，", " ", "、", " ").Replace(form.Industries))}
	g, err := s.store.CreateGuideline(r.Context(), httpx.ActorOf(r), ng)
	switch {
	case err == nil:
		http.Redirect(w, r, "/guidelines/"+url.PathEscape(g.ID), http.StatusSeeOther)
		return nil
	case cpaudit.IsKind(err, cpaudit.KindUnprocessable), cpaudit.IsKind(err, cpaudit.KindInvalid),
		cpaudit.IsKind(err, cpaudit.KindConflict) && publishesGuidelines(httpx.ActorOf(r)):
		return s.renderGuidelines(w, r, http.StatusUnprocessableEntity, form, refusalText(webOf(r).Lang, err))
	}
	return err
}

// guidelinePage shows a version with what it supersedes and what
// superseded it.
func (s *Handler) guidelinePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderGuideline(w, r, http.StatusOK, "")
}

func (s *Handler) renderGuideline(w http.ResponseWriter, r *http.Request, status int, errMsg string) error {
	a := httpx.ActorOf(r)
	g, err := s.store.Guideline(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	data := map[string]any{"G": g, "Error": errMsg,
		"CanPublish":   publishesGuidelines(a) && !g.Library && g.State == cpaudit.GuidelineDraft,
		"CanSupersede": publishesGuidelines(a) && !g.Library && g.State == cpaudit.GuidelinePublished}
	if g.Supersedes != "" {
		_, prev, err := s.store.GuidelinePrevious(r.Context(), a, g.ID)
		switch {
		case err == nil:
			data["Previous"] = prev
			data["CompareURL"] = "/compare?a=" + url.QueryEscape(prev.DocumentID) + "&b=" + url.QueryEscape(g.DocumentID)
		case !cpaudit.IsKind(err, cpaudit.KindNotFound):
			return err
		}
	}
	return s.render(w, r, status, "guideline", data)
}

// guidelinePublishSubmit publishes a draft version.
func (s *Handler) guidelinePublishSubmit(w http.ResponseWriter, r *http.Request) error {
	g, err := s.store.PublishGuideline(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if cpaudit.IsKind(err, cpaudit.KindConflict) {
		return s.renderGuideline(w, r, http.StatusConflict, refusalText(webOf(r).Lang, err))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/guidelines/"+url.PathEscape(g.ID), http.StatusSeeOther)
	return nil
}
