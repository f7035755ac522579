package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// webStep is one step as the audit page shows it.
type webStep struct {
	cpaudit.AuditStep
	Number     int
	Label      string
	StateLabel string
	Docs       []flagDoc // attached with the last submission
	Expected   []webExpected
	CanSubmit  bool
	CanReview  bool
}

type webExpected struct {
	Name     string
	Required bool
	DocID    string
}

// webPhase groups the steps of one of the 7 phases.
type webPhase struct {
	Code, Label string
	Steps       []webStep
}

func (s *Handler) auditPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAudit(w, r, http.StatusOK, "")
}

// renderAudit shows the audit of the path's {id} with, when errMsg is set,
// why the last action was refused.
func (s *Handler) renderAudit(w http.ResponseWriter, r *http.Request, status int, errMsg string) error {
	return s.renderAuditOf(w, r, httpx.Param(r, "id"), status, errMsg)
}

// renderAuditOf shows an audit with, when errMsg is set, why the last
// action was refused.
func (s *Handler) renderAuditOf(w http.ResponseWriter, r *http.Request, auditID string, status int, errMsg string) error {
	return s.renderAuditWith(w, r, auditID, status, errMsg, nil)
}

// renderAuditWith shows an audit with errMsg and extra data for the page
// (such as the rows an option import refused).
func (s *Handler) renderAuditWith(w http.ResponseWriter, r *http.Request, auditID string, status int, errMsg string, extra map[string]any) error {
	a := httpx.ActorOf(r)
	lang := webOf(r).Lang
	T := translator(lang)
	au, err := s.store.Audit(r.Context(), a, auditID)
	if err != nil {
		return err
	}
	ent, cons, err := s.store.AuditParties(r.Context(), a, au.ID)
	if err != nil {
		return err
	}
	consName := cons.Name
	docs, _, err := s.store.Documents(r.Context(), a, cpaudit.DocumentFilter{AuditID: au.ID, Limit: 200})
	if err != nil {
		return err
	}
	titles := map[string]string{}
	var docOpts []option
	for _, d := range docs {
		titles[d.ID] = d.Title
		label := d.Title
		if d.Step != 0 {
			label = strconv.Itoa(d.Step) + " · " + d.Title
		}
		docOpts = append(docOpts, option{Value: d.ID, Label: label})
	}
	phases, err := cpaudit.LoadPhases()
	if err != nil {
		return cpaudit.Internal("web.renderAudit", err)
	}
	submitter := a.Role == cpaudit.RoleAdmin ||
		(a.Role == cpaudit.RoleConsultant && a.OrgID != "" && a.OrgID == au.ConsultancyID) ||
		(a.Role == cpaudit.RoleEnterprise && a.OrgID != "" && a.OrgID == au.EnterpriseID)
	reviewer := a.Role == cpaudit.RoleAdmin || a.Role == cpaudit.RoleRegulator || a.Role == cpaudit.RoleExpert
	shown := make([]webPhase, len(phases))
	for i, ph := range phases {
		shown[i] = webPhase{Code: ph.Code, Label: ph.Code + " " + map[bool]string{true: ph.En, false: ph.Zh}[lang == "en"]}
		for _, def := range ph.Steps {
			st := au.Steps[def.Number-1]
			ws := webStep{AuditStep: st, Number: def.Number, Label: stepLabel(lang, def),
				StateLabel: T("state." + string(st.State)),
				CanSubmit:  submitter && (st.State == cpaudit.StepNotStarted || st.State == cpaudit.StepInProgress || st.State == cpaudit.StepReturned),
				CanReview:  reviewer && st.State == cpaudit.StepSubmitted}
			for _, id := range st.DocumentIDs {
				ws.Docs = append(ws.Docs, flagDoc{ID: id, Title: titles[id]})
			}
			for _, e := range st.Expected {
				name := e.Zh
				if lang == "en" {
					name = e.En
				}
				ws.Expected = append(ws.Expected, webExpected{Name: name, Required: e.Required, DocID: e.DocumentID})
			}
			shown[i].Steps = append(shown[i].Steps, ws)
		}
	}
	data := map[string]any{"Audit": au, "Enterprise": ent, "ConsultancyName": consName, "Phases": shown,
		"Documents": docOpts, "Error": errMsg, "CanManage": managesBatches(a)}
	if au.Batch != nil {
		data["Dates"] = obligationRows(lang, au.Batch.Obligations)
	}
	if managesBatches(a) {
		cons, err := s.store.Consultancies(r.Context(), a)
		if err != nil {
			return err
		}
		var opts []option
		for _, o := range cons {
			opts = append(opts, option{Value: o.ID, Label: o.Name, Selected: o.ID == au.ConsultancyID})
		}
		data["Consultancies"] = opts
	}
	if data["Findings"], data["FindingsTotal"], err = s.auditFindings(r, au, titles); err != nil {
		return err
	}
	if mayRecordFindings(a) {
		data["FindingCategories"], data["FindingSeverities"] = findingPickers(T)
		if err := s.findingFormData(r, au, titles, data); err != nil {
			return err
		}
	}
	if err := s.auditOptionsData(r, au, docOpts, data); err != nil {
		return err
	}
	if err := s.auditLevelsData(r, au, data); err != nil {
		return err
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("imported")); err == nil && n >= 0 {
		data["Imported"] = strings.ReplaceAll(T("option.import.done"), "{n}", strconv.Itoa(n))
	}
	if data["Requirements"], err = s.store.AuditRequirements(r.Context(), a, au.ID); err != nil {
		return err
	}
	for k, v := range extra {
		data[k] = v
	}
	if d, err := s.store.Letter(r.Context(), a, au.ID); err == nil {
		data["Letter"] = d
	} else if !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return err
	}
	return s.render(w, r, status, "audit", data)
}

// webFinding is a finding as the audit page lists it, its words in the
// page's language, with the forms the viewer may use on it.
type webFinding struct {
	cpaudit.Finding
	CategoryLabel, SeverityLabel, StateLabel string
	Veto                                     bool
	Docs                                     []flagDoc
	Events                                   []webFindingEvent
	PassageViews                             []citedPassage // its passages, with their documents' titles
	FigureLabels                             []string       // its figures, as name, value and unit
	CanAnswer, CanClose, CanReturn           bool
}

// webFindingEvent is one transition of a finding, in the page's language.
type webFindingEvent struct {
	cpaudit.FindingEvent
	ActionLabel string
	Docs        []flagDoc
}

// auditFindings lists the audit's findings, newest first (the newest 200,
// and how many there are), with their histories and what the viewer may
// do with each: the forms mirror storage's rules, which decide.
func (s *Handler) auditFindings(r *http.Request, au cpaudit.Audit, titles map[string]string) ([]webFinding, int, error) {
	a := httpx.ActorOf(r)
	T := translator(webOf(r).Lang)
	found, total, err := s.store.Findings(r.Context(), a, cpaudit.FindingFilter{AuditID: au.ID, Limit: 200})
	if err != nil {
		return nil, 0, err
	}
	histories, err := s.store.FindingHistories(r.Context(), a, au.ID)
	if err != nil {
		return nil, 0, err
	}
	docsOf := func(ids []string) []flagDoc {
		var out []flagDoc
		for _, id := range ids {
			title := titles[id]
			if title == "" {
				title = id // a document beyond the page's list, or deleted since
			}
			out = append(out, flagDoc{ID: id, Title: title})
		}
		return out
	}
	party := a.OrgID != "" && ((a.Role == cpaudit.RoleConsultant && a.OrgID == au.ConsultancyID) ||
		(a.Role == cpaudit.RoleEnterprise && a.OrgID == au.EnterpriseID))
	verifier := a.Role == cpaudit.RoleAdmin || a.Role == cpaudit.RoleRegulator
	out := make([]webFinding, len(found))
	for i, f := range found {
		out[i] = webFinding{Finding: f, CategoryLabel: T("finding.category." + string(f.Category)),
			SeverityLabel: T("finding.severity." + string(f.Severity)), StateLabel: T("finding.state." + string(f.State)),
			Veto: f.Category.Veto(), Docs: docsOf(f.DocumentIDs),
			CanAnswer:    party && f.State == cpaudit.FindingOpen,
			CanClose:     verifier && f.State != cpaudit.FindingClosed,
			CanReturn:    verifier && f.State == cpaudit.FindingAnswered,
			PassageViews: webPassages(f, titles)}
		for _, fig := range f.Figures {
			out[i].FigureLabels = append(out[i].FigureLabels, titles[fig.DocumentID]+"："+figureLabel(T, fig))
		}
		for _, e := range histories[f.ID] {
			out[i].Events = append(out[i].Events, webFindingEvent{FindingEvent: e,
				ActionLabel: T("finding.action." + string(e.Action)), Docs: docsOf(e.DocumentIDs)})
		}
	}
	return out, total, nil
}

// mayRecordFindings mirrors storage: admins, regulators and experts
// record findings on the audits they see.
func mayRecordFindings(a cpaudit.Actor) bool {
	return a.Role == cpaudit.RoleAdmin || a.Role == cpaudit.RoleRegulator || a.Role == cpaudit.RoleExpert
}

// findingPickers are the category and severity choices, in the page's
// language.
func findingPickers(T func(string) string) (cats, sevs []option) {
	for _, c := range cpaudit.FindingCategories {
		cats = append(cats, option{Value: string(c), Label: T("finding.category." + string(c))})
	}
	for _, v := range []cpaudit.FindingSeverity{cpaudit.SeverityMinor, cpaudit.SeverityMajor} {
		sevs = append(sevs, option{Value: string(v), Label: T("finding.severity." + string(v))})
	}
	return cats, sevs
}

// findingCreateSubmit records a finding from the audit page's form; the
// documents are picked from the audit's by name. A refusal shows the page
// again with its reason in the page's language.
func (s *Handler) findingCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	nf := cpaudit.NewFinding{AuditID: id, Category: cpaudit.FindingCategory(r.PostFormValue("category")),
		Severity: cpaudit.FindingSeverity(r.PostFormValue("severity")), Description: r.PostFormValue("description"),
		DocumentIDs: r.PostForm["document_ids"], RectificationDue: strings.TrimSpace(r.PostFormValue("rectification_due"))}
	formCitations(r, &nf)
	f, err := s.store.CreateFinding(r.Context(), httpx.ActorOf(r), nf)
	if err != nil {
		return s.findingRefused(w, r, id, err)
	}
	http.Redirect(w, r, "/audits/"+url.PathEscape(id)+"#finding-"+url.PathEscape(f.ID), http.StatusSeeOther)
	return nil
}

// findingActionSubmit answers, closes or sends back a finding from the
// audit page, then shows the audit again.
func (s *Handler) findingActionSubmit(action cpaudit.FindingAction) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error { return s.findingAction(w, r, action) }
}

func (s *Handler) findingAction(w http.ResponseWriter, r *http.Request, action cpaudit.FindingAction) error {
	a := httpx.ActorOf(r)
	id := httpx.Param(r, "id")
	f, err := s.store.Finding(r.Context(), a, id) // its audit, or 404
	if err != nil {
		return err
	}
	c := cpaudit.FindingChange{Text: r.PostFormValue("text"), Comment: r.PostFormValue("comment"),
		Reason: r.PostFormValue("reason"), DocumentIDs: r.PostForm["document_ids"]}
	switch action {
	case cpaudit.FindingAnswer:
		_, err = s.store.AnswerFinding(r.Context(), a, id, c)
	case cpaudit.FindingClose:
		_, err = s.store.CloseFinding(r.Context(), a, id, c)
	case cpaudit.FindingReturn:
		_, err = s.store.ReturnFinding(r.Context(), a, id, c)
	default:
		return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchAction, "no such action")
	}
	if err != nil {
		return s.findingRefused(w, r, f.AuditID, err)
	}
	http.Redirect(w, r, "/audits/"+url.PathEscape(f.AuditID)+"#finding-"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// findingRefused shows the audit page with why storage refused a finding
// form (a refusal the user can fix or understand); anything else, such as
// an audit out of reach, goes the ordinary error path.
func (s *Handler) findingRefused(w http.ResponseWriter, r *http.Request, auditID string, err error) error {
	switch cpaudit.ErrorKind(err) {
	case cpaudit.KindConflict, cpaudit.KindUnprocessable, cpaudit.KindInvalid:
		status, _ := httpx.ErrorStatus(err)
		return s.renderAuditOf(w, r, auditID, status, translator(webOf(r).Lang)("finding.err")+refusalText(webOf(r).Lang, err))
	}
	return err
}

// stepSubmit submits, returns or accepts a step from the audit page; a
// refusal shows the page again with the reason in the page's language.
func (s *Handler) stepSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	n, err := strconv.Atoi(httpx.Param(r, "n"))
	if err != nil || n < 1 || n > cpaudit.StepCount {
		return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchStep, "no such step")
	}
	action := cpaudit.StepAction(httpx.Param(r, "action"))
	switch action {
	case cpaudit.StepSubmit, cpaudit.StepReturn, cpaudit.StepAccept:
	default:
		return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchAction, "no such action")
	}
	c := cpaudit.StepChange{Action: action, Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if action == cpaudit.StepSubmit {
		c.DocumentIDs = r.PostForm["document_ids"]
	}
	if action == cpaudit.StepReturn && c.Reason == "" {
		return s.renderAudit(w, r, http.StatusBadRequest, stepRefusal(webOf(r).Lang, n,
			cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeReasonRequired, "reason is required to return a step")))
	}
	if _, err := s.store.TransitionStep(r.Context(), httpx.ActorOf(r), id, n, c); err != nil {
		kind := cpaudit.ErrorKind(err)
		if kind == cpaudit.KindConflict || kind == cpaudit.KindUnprocessable || kind == cpaudit.KindInvalid {
			status, _ := httpx.ErrorStatus(err)
			return s.renderAudit(w, r, status, stepRefusal(webOf(r).Lang, n, err))
		}
		return err
	}
	if action == cpaudit.StepReturn && r.PostFormValue("raise_finding") != "" && mayRecordFindings(httpx.ActorOf(r)) {
		http.Redirect(w, r, returnedStepFinding(id, n, c.Reason), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/audits/"+url.PathEscape(id)+"#step-"+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}

// stepRefusal says in the page's language why storage refused a step
// action: the text of the refusal's code, after the step it concerns.
func stepRefusal(lang string, n int, err error) string {
	prefix := strings.ReplaceAll(translator(lang)("audit.err.step"), "%d", strconv.Itoa(n))
	return prefix + refusalText(lang, err)
}

// consultancySubmit assigns or changes the audit's consultancy.
func (s *Handler) consultancySubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	if _, err := s.store.SetAuditConsultancy(r.Context(), httpx.ActorOf(r), id, r.PostFormValue("consultancy_id")); err != nil {
		if cpaudit.IsKind(err, cpaudit.KindConflict) {
			return s.renderAudit(w, r, http.StatusConflict, refusalText(webOf(r).Lang, err))
		}
		return err
	}
	http.Redirect(w, r, "/audits/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// letterSubmit generates the audit's letter (a new version when it has one).
func (s *Handler) letterSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	if _, err := s.letters.Generate(r.Context(), httpx.ActorOf(r), id); err != nil {
		if cpaudit.IsKind(err, cpaudit.KindConflict) {
			return s.renderAudit(w, r, http.StatusConflict, refusalText(webOf(r).Lang, err))
		}
		return err
	}
	http.Redirect(w, r, "/audits/"+url.PathEscape(id)+"#letter", http.StatusSeeOther)
	return nil
}
