package web

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/letter"
)

// The review settings page (issue 18): an admin's or a regulator's forms
// for each campaign stage's checklist (items, veto items, pass mark, or
// back to the default) and for the Word templates of the notification
// letter and of the opinion. The API's PUT /api/v1/checklists,
// /opinion-template and /letter-template do the same; the rights and the
// checks are storage's and letter's, so the page and the API cannot
// disagree. Everyone else is refused the page as the API refuses the PUT.

// spareRows are the empty rows a checklist form offers for new items.
const spareRows = 3

// checklistRow is one item or veto row of a stage's form, as typed.
type checklistRow struct{ Key, Name, Max string }

// checklistForm is one stage's form: what is saved, or what was refused.
type checklistForm struct {
	Stage    cpaudit.CampaignStage
	Custom   bool
	PassMark string
	Items    []checklistRow
	Vetoes   []checklistRow
	Error    string
}

// templateSection is one Word template's download, placeholders and form.
type templateSection struct {
	Kind         string // letter, opinion
	Placeholders []placeholder
	Error        string
}

type placeholder struct {
	Name     string
	Required bool
}

// reviewSettingsAllowed refuses the page to anyone but an admin or a
// regulator, with the code the API's PUT answers.
func reviewSettingsAllowed(a cpaudit.Actor) error {
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeChecklistNotAllowed, "only an admin or a regulator may change the review settings")
	}
	return nil
}

// reviewSettingsPage shows every stage's checklist form and the two
// template sections.
func (s *Handler) reviewSettingsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	return s.renderReviewSettings(w, r, http.StatusOK, nil, nil, q.Get("saved"))
}

// renderReviewSettings renders the page; refused (if any) replaces the
// saved form of its stage, and tmplErr puts an error beside a template.
func (s *Handler) renderReviewSettings(w http.ResponseWriter, r *http.Request, status int, refused *checklistForm, tmplErr map[string]string, saved string) error {
	a := httpx.ActorOf(r)
	if err := reviewSettingsAllowed(a); err != nil {
		return err
	}
	list, own, err := s.store.Checklists(r.Context(), a)
	if err != nil {
		return err
	}
	forms := make([]checklistForm, len(list))
	for i, cl := range list {
		if refused != nil && refused.Stage == cl.Stage {
			refused.Custom = own[i]
			forms[i] = *refused
			continue
		}
		forms[i] = formOfChecklist(cl, own[i])
	}
	mark := func(names, required []string) []placeholder {
		out := make([]placeholder, len(names))
		for i, n := range names {
			out[i] = placeholder{n, slices.Contains(required, n)}
		}
		return out
	}
	templates := []templateSection{
		{Kind: "letter", Placeholders: mark(letter.Placeholders(), letter.Required), Error: tmplErr["letter"]},
		{Kind: "opinion", Placeholders: mark(letter.OpinionPlaceholders(), letter.RequiredOpinion), Error: tmplErr["opinion"]},
	}
	return s.render(w, r, status, "review_settings", map[string]any{"Checklists": forms, "Templates": templates, "Saved": saved})
}

// formOfChecklist is the form of a saved checklist, with spare rows.
func formOfChecklist(cl cpaudit.Checklist, custom bool) checklistForm {
	f := checklistForm{Stage: cl.Stage, Custom: custom, PassMark: strconv.FormatFloat(cl.PassMark, 'f', -1, 64)}
	for _, it := range cl.Items {
		f.Items = append(f.Items, checklistRow{it.Item, it.Name, strconv.FormatFloat(it.Max, 'f', -1, 64)})
	}
	for _, v := range cl.Vetoes {
		f.Vetoes = append(f.Vetoes, checklistRow{Key: v.Item, Name: v.Name})
	}
	return f.withSpareRows()
}

func (f checklistForm) withSpareRows() checklistForm {
	for range spareRows {
		f.Items = append(f.Items, checklistRow{})
		f.Vetoes = append(f.Vetoes, checklistRow{})
	}
	return f
}

// checklistSubmit saves one stage's checklist from its form: rows left
// wholly empty are dropped (that is how an item is removed); a refusal
// shows the page again with what was typed and why, beside that stage.
func (s *Handler) checklistSubmit(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	if err := reviewSettingsAllowed(a); err != nil {
		return err
	}
	lang := webOf(r).Lang
	stage := cpaudit.CampaignStage(r.PostFormValue("stage"))
	typed := checklistForm{Stage: stage, PassMark: strings.TrimSpace(r.PostFormValue("pass_mark"))}
	cl := cpaudit.Checklist{Stage: stage}
	var bad error
	refuse := func(field string) {
		if bad == nil {
			bad = cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeChecklistInvalid, "checklist %s: not a number", field).With("field", field)
		}
	}
	for i := 0; i < cpaudit.MaxChecklistItems+spareRows; i++ {
		n := strconv.Itoa(i)
		row := checklistRow{strings.TrimSpace(r.PostFormValue("item_key." + n)), strings.TrimSpace(r.PostFormValue("item_name." + n)),
			strings.TrimSpace(r.PostFormValue("item_max." + n))}
		if row != (checklistRow{}) {
			typed.Items = append(typed.Items, row)
			max, err := strconv.ParseFloat(row.Max, 64)
			if err != nil {
				refuse("items")
			}
			cl.Items = append(cl.Items, cpaudit.ChecklistItem{Item: row.Key, Name: row.Name, Max: max})
		}
		row = checklistRow{Key: strings.TrimSpace(r.PostFormValue("veto_key." + n)), Name: strings.TrimSpace(r.PostFormValue("veto_name." + n))}
		if row != (checklistRow{}) {
			typed.Vetoes = append(typed.Vetoes, row)
			cl.Vetoes = append(cl.Vetoes, cpaudit.VetoItem{Item: row.Key, Name: row.Name})
		}
	}
	var err error
	if cl.PassMark, err = strconv.ParseFloat(typed.PassMark, 64); err != nil {
		refuse("pass_mark")
	}
	if bad == nil {
		_, bad = s.store.SetChecklist(r.Context(), a, cl)
	}
	if bad != nil {
		switch cpaudit.ErrorKind(bad) {
		case cpaudit.KindUnprocessable, cpaudit.KindInvalid:
			if !knownStage(stage) {
				return bad // no form of that stage to show it beside
			}
			status, _ := httpx.ErrorStatus(bad)
			typed.Error = refusalText(lang, bad)
			typed = typed.withSpareRows()
			return s.renderReviewSettings(w, r, status, &typed, nil, "")
		}
		return bad
	}
	http.Redirect(w, r, "/review-settings?saved="+string(stage)+"#checklist-"+string(stage), http.StatusSeeOther)
	return nil
}

func knownStage(st cpaudit.CampaignStage) bool {
	switch st {
	case cpaudit.StageInProgress, cpaudit.StageAssessment, cpaudit.StageAcceptance, cpaudit.StageAfterAcceptance:
		return true
	}
	return false
}

// checklistResetSubmit puts a stage back on the built-in checklist.
func (s *Handler) checklistResetSubmit(w http.ResponseWriter, r *http.Request) error {
	stage := cpaudit.CampaignStage(r.PostFormValue("stage"))
	if err := s.store.ResetChecklist(r.Context(), httpx.ActorOf(r), stage); err != nil {
		return err
	}
	http.Redirect(w, r, "/review-settings?saved="+string(stage)+"#checklist-"+string(stage), http.StatusSeeOther)
	return nil
}

// letterTemplateDownload and opinionTemplateDownload serve the template in
// use (the built-in one while the tenant has none), to edit in Word.
func (s *Handler) letterTemplateDownload(w http.ResponseWriter, r *http.Request) error {
	if err := reviewSettingsAllowed(httpx.ActorOf(r)); err != nil {
		return err
	}
	docx, name, err := s.letters.Template(r.Context(), httpx.ActorOf(r))
	return serveDocx(w, docx, name, err)
}

func (s *Handler) opinionTemplateDownload(w http.ResponseWriter, r *http.Request) error {
	if err := reviewSettingsAllowed(httpx.ActorOf(r)); err != nil {
		return err
	}
	docx, name, err := s.opinions.Template(r.Context(), httpx.ActorOf(r))
	return serveDocx(w, docx, name, err)
}

func serveDocx(w http.ResponseWriter, docx []byte, name string, err error) error {
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
	w.Header().Set("Content-Disposition", httpx.ContentDisposition(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(docx)
	return nil
}

// templateSubmit uploads a letter or opinion template. It checks its
// session and CSRF token itself (the form is multipart), and the caller's
// right before reading the file; the template's own check (letter.Check,
// letter.CheckOpinion) is shown beside its form when it refuses.
func (s *Handler) templateSubmit(kind string) func(http.ResponseWriter, *http.Request) error {
	check, code := letter.Check, cpaudit.CodeLetterNotAllowed
	if kind == "opinion" {
		check, code = letter.CheckOpinion, cpaudit.CodeOpinionTemplateNotAllowed
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		wi := webOf(r)
		if wi.User == nil {
			return cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeLoginRequired, "please log in")
		}
		a := httpx.ActorOf(r)
		if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
			return cpaudit.Refuse(cpaudit.KindConflict, code, "only an admin or a regulator may change the %s template", kind)
		}
		fields, docx, err := s.ReadDocxForm(w, r, letter.MaxTemplateBytes)
		if err == nil && subtle.ConstantTimeCompare([]byte(fields["csrf"]), []byte(wi.CSRF)) != 1 {
			return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFormExpired, "the form has expired; reload the page and try again")
		}
		if err == nil {
			err = check(docx)
		}
		if err == nil {
			if kind == "opinion" {
				err = s.store.SetOpinionTemplate(r.Context(), a, docx, letter.DefaultOpinionName)
			} else {
				err = s.store.SetLetterTemplate(r.Context(), a, docx, letter.DefaultTemplateName)
			}
		}
		if err != nil {
			switch cpaudit.ErrorKind(err) {
			case cpaudit.KindUnprocessable, cpaudit.KindInvalid, cpaudit.KindTooLarge:
				status, _ := httpx.ErrorStatus(err)
				return s.renderReviewSettings(w, r, status, nil, map[string]string{kind: refusalText(wi.Lang, err)}, "")
			}
			return err
		}
		http.Redirect(w, r, "/review-settings?saved="+kind+"#template-"+kind, http.StatusSeeOther)
		return nil
	}
}
