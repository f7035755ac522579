package web

import (
	"net/http"
	"net/url"
	"strconv"
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
			if !used[d.ID] && (a.Role == cpaudit.RoleAdmin || d.CreatedBy == a.Email) {
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
	return s.renderGuidelineForm(w, r, status, errMsg, "")
}

// renderGuidelineForm is renderGuideline with the requirements form
// holding form (when not "").
func (s *Handler) renderGuidelineForm(w http.ResponseWriter, r *http.Request, status int, errMsg, form string) error {
	a := httpx.ActorOf(r)
	g, err := s.store.Guideline(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	data := map[string]any{"G": g, "Error": errMsg,
		"RequirementsError": map[bool]string{true: errMsg}[form != ""],
		"CanPublish":        publishesGuidelines(a) && !g.Library && g.State == cpaudit.GuidelineDraft,
		"CanSupersede":      publishesGuidelines(a) && !g.Library && g.State == cpaudit.GuidelinePublished}
	if form != "" {
		data["RequirementsForm"], data["Error"] = form, ""
	}
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
	if data["Requirements"], err = s.store.GuidelineRequirements(r.Context(), a, g.ID); err != nil {
		return err
	}
	if _, ok := data["RequirementsForm"]; !ok && data["CanPublish"] == true {
		data["RequirementsForm"] = requirementLines(data["Requirements"].([]cpaudit.Requirement))
	}
	return s.render(w, r, status, "guideline", data)
}

// The requirements form is a text area, one requirement a line: its text,
// its steps, its phrases and 否决 for a veto item, separated by |
// (full-width ｜ too); steps by commas, phrases by semicolons.
func requirementLines(rs []cpaudit.Requirement) string {
	var b strings.Builder
	for _, r := range rs {
		steps := make([]string, len(r.Steps))
		for i, n := range r.Steps {
			steps[i] = strconv.Itoa(n)
		}
		b.WriteString(r.Text + " | " + strings.Join(steps, ",") + " | " + strings.Join(r.Phrases, ";"))
		if r.Veto {
			b.WriteString(" | 否决")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// parseRequirementLines reads the form's text area; a step that is no
// number is step 0, which validation refuses.
func parseRequirementLines(text string) []cpaudit.Requirement {
	rs := []cpaudit.Requirement{}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(strings.ReplaceAll(line, "｜", "|"), "|")
		for len(f) < 4 {
			f = append(f, "")
		}
		r := cpaudit.Requirement{Text: f[0], Steps: []int{}}
		for _, st := range strings.FieldsFunc(f[1], func(c rune) bool { return c == ',' || c == '，' || c == '、' || c == ' ' }) {
			n, err := strconv.Atoi(st)
			if err != nil {
				n = 0
			}
			r.Steps = append(r.Steps, n)
		}
		r.Phrases = strings.FieldsFunc(f[2], func(c rune) bool { return c == ';' || c == '；' })
		v := strings.TrimSpace(f[3])
		r.Veto = v == "否决" || strings.EqualFold(v, "veto")
		rs = append(rs, r)
	}
	return rs
}

// guidelineRequirementsSubmit replaces a draft's requirements from the
// form; a bad line shows the form again with the reason.
func (s *Handler) guidelineRequirementsSubmit(w http.ResponseWriter, r *http.Request) error {
	text := r.PostFormValue("requirements")
	rs := parseRequirementLines(text)
	httpx.NormalizePhrases(rs)
	_, err := s.store.SetGuidelineRequirements(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), rs)
	switch {
	case err == nil:
		http.Redirect(w, r, "/guidelines/"+url.PathEscape(httpx.Param(r, "id"))+"#requirements", http.StatusSeeOther)
		return nil
	case cpaudit.IsKind(err, cpaudit.KindUnprocessable), cpaudit.IsKind(err, cpaudit.KindConflict):
		return s.renderGuidelineForm(w, r, http.StatusUnprocessableEntity, refusalText(webOf(r).Lang, err), text)
	}
	return err
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
