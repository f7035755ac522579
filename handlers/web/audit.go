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

// renderAudit shows the audit with, when errMsg is set, why the last
// action was refused.
func (s *Handler) renderAudit(w http.ResponseWriter, r *http.Request, status int, errMsg string) error {
	a := httpx.ActorOf(r)
	lang := webOf(r).Lang
	T := translator(lang)
	au, err := s.store.Audit(r.Context(), a, httpx.Param(r, "id"))
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
	if data["Findings"], data["FindingsTotal"], err = s.auditFindings(r, au.ID, titles); err != nil {
		return err
	}
	if d, err := s.store.Letter(r.Context(), a, au.ID); err == nil {
		data["Letter"] = d
	} else if !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return err
	}
	return s.render(w, r, status, "audit", data)
}

// webFinding is a finding as the audit page lists it, its words in the
// page's language.
type webFinding struct {
	cpaudit.Finding
	CategoryLabel, SeverityLabel, StateLabel string
	Veto                                     bool
	Docs                                     []flagDoc
}

// auditFindings lists the audit's findings, newest first (the newest 200,
// and how many there are).
func (s *Handler) auditFindings(r *http.Request, auditID string, titles map[string]string) ([]webFinding, int, error) {
	T := translator(webOf(r).Lang)
	found, total, err := s.store.Findings(r.Context(), httpx.ActorOf(r), cpaudit.FindingFilter{AuditID: auditID, Limit: 200})
	if err != nil {
		return nil, 0, err
	}
	out := make([]webFinding, len(found))
	for i, f := range found {
		out[i] = webFinding{Finding: f, CategoryLabel: T("finding.category." + string(f.Category)),
			SeverityLabel: T("finding.severity." + string(f.Severity)), StateLabel: T("finding.state." + string(f.State)),
			Veto: f.Category.Veto()}
		for _, id := range f.DocumentIDs {
			title := titles[id]
			if title == "" {
				title = id // a document beyond the page's list, or deleted since
			}
			out[i].Docs = append(out[i].Docs, flagDoc{ID: id, Title: title})
		}
	}
	return out, total, nil
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
