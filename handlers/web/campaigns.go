package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// Spot-check campaigns (抽查任务) on the web: the list with the form that
// draws one, and a campaign's page where its manager draws the reviewers,
// replaces one with a reason, follows the scores and issues the opinion.
// Every choice is a picker (batches, consultancies, regions and industries
// of the audits the user sees, the expert pool); the rules and rights are
// storage's, as through the API.

var campaignStages = []cpaudit.CampaignStage{cpaudit.StageInProgress, cpaudit.StageAssessment, cpaudit.StageAcceptance, cpaudit.StageAfterAcceptance}

// campaignForm is what the create form holds, kept to show it again.
type campaignForm struct {
	Name, Size, Seed                                    string
	Stages, Batches, Consultancies, Regions, Industries []option
	ReachedStage, PerConsultancy, Flagged               bool
	Proportional, OnlyFlagged, From, To                 string
}

func (s *Handler) campaignsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCampaigns(w, r, http.StatusOK, url.Values{"size": {"5"}, "stage": {string(cpaudit.StageAssessment)}}, "")
}

func (s *Handler) renderCampaigns(w http.ResponseWriter, r *http.Request, status int, in url.Values, errMsg string) error {
	a, lang := httpx.ActorOf(r), webOf(r).Lang
	T := translator(lang)
	list, err := s.store.Campaigns(r.Context(), a)
	if err != nil {
		return err
	}
	data := map[string]any{"Campaigns": list, "Error": errMsg, "CanManage": managesBatches(a)}
	if managesBatches(a) {
		f := campaignForm{Name: in.Get("name"), Size: in.Get("size"), Seed: in.Get("seed"), ReachedStage: in.Get("reached_stage") != "",
			PerConsultancy: slices.Contains(in["strata"], string(cpaudit.StratumPerConsultancy)),
			Flagged:        slices.Contains(in["strata"], string(cpaudit.StratumFlagged)),
			Proportional:   in.Get("proportional"), OnlyFlagged: in.Get("only_flagged"), From: in.Get("started_from"), To: in.Get("started_to")}
		for _, st := range campaignStages {
			f.Stages = append(f.Stages, option{string(st), T("campaign.stage." + string(st)), in.Get("stage") == string(st)})
		}
		batches, err := s.store.Batches(r.Context(), a)
		if err != nil {
			return err
		}
		for _, b := range batches {
			f.Batches = append(f.Batches, option{b.ID, b.Name, in.Get("batch") == b.ID})
		}
		cons, err := s.store.Consultancies(r.Context(), a)
		if err != nil {
			return err
		}
		for _, c := range cons {
			f.Consultancies = append(f.Consultancies, option{c.ID, c.Name, in.Get("consultancy") == c.ID})
		}
		if f.Regions, f.Industries, err = s.auditPickers(r.Context(), a, lang, in.Get("region"), in.Get("industry")); err != nil {
			return err
		}
		data["Form"] = f
	}
	return s.render(w, r, status, "campaigns", data)
}

// campaignCreateSubmit draws a campaign from the form; a refusal (an
// empty population, strata larger than the size) shows the form again
// with what was chosen and why.
func (s *Handler) campaignCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	nc := cpaudit.NewCampaign{Name: r.PostFormValue("name"), Stage: cpaudit.CampaignStage(r.PostFormValue("stage")),
		Filter: cpaudit.CampaignFilter{BatchID: r.PostFormValue("batch"), Region: r.PostFormValue("region"),
			Industry: r.PostFormValue("industry"), ConsultancyID: r.PostFormValue("consultancy"),
			ReachedStage: r.PostFormValue("reached_stage") != "",
			StartedFrom:  r.PostFormValue("started_from"), StartedTo: r.PostFormValue("started_to")}}
	switch r.PostFormValue("only_flagged") {
	case "yes":
		nc.Filter.Flagged = &[]bool{true}[0]
	case "no":
		nc.Filter.Flagged = &[]bool{false}[0]
	}
	for _, st := range r.PostForm["strata"] {
		nc.Strata = append(nc.Strata, cpaudit.Stratum(st))
	}
	if p := r.PostFormValue("proportional"); p != "" {
		nc.Strata = append(nc.Strata, cpaudit.Stratum(p))
	}
	var err error
	if nc.Size, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("size"))); err != nil {
		nc.Size = 0 // refused as out of range below
	}
	if raw := strings.TrimSpace(r.PostFormValue("seed")); raw != "" {
		seed, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			seed = -1 // refused as out of range below
		}
		nc.Seed = &seed
	}
	c, err := s.store.CreateCampaign(r.Context(), httpx.ActorOf(r), nc)
	if err != nil {
		status, _ := httpx.ErrorStatus(err)
		if status == http.StatusUnprocessableEntity || status == http.StatusBadRequest || status == http.StatusConflict ||
			status == http.StatusNotFound && managesBatches(httpx.ActorOf(r)) {
			return s.renderCampaigns(w, r, status, r.PostForm, refusalText(lang, err))
		}
		return err
	}
	http.Redirect(w, r, "/campaigns/"+url.PathEscape(c.ID), http.StatusSeeOther)
	return nil
}

// reviewerRow is a reviewer of a sampled audit with its score once
// submitted ("" before).
type reviewerRow struct {
	cpaudit.Assignment
	Score string
}

// campaignAuditRow is one sampled audit on the campaign's page.
type campaignAuditRow struct {
	AuditID, Enterprise string
	Reviewers           []reviewerRow
	Outcome             *cpaudit.AuditReviews
	ResultLabel         string
}

func (s *Handler) campaignPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCampaign(w, r, http.StatusOK, "", "")
}

// renderCampaign shows a campaign; errMsg is a refused action's reason,
// shown by the form of the row named by errAt (an assignment or audit id,
// or "draw").
func (s *Handler) renderCampaign(w http.ResponseWriter, r *http.Request, status int, errMsg, errAt string) error {
	a, lang := httpx.ActorOf(r), webOf(r).Lang
	T := translator(lang)
	c, err := s.store.Campaign(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	names, err := s.store.AuditNames(r.Context(), a, c.AuditIDs)
	if err != nil {
		return err
	}
	rows := make([]campaignAuditRow, len(c.AuditIDs))
	for i, id := range c.AuditIDs {
		rows[i] = campaignAuditRow{AuditID: id, Enterprise: names[id]}
	}
	data := map[string]any{"Campaign": c, "Audits": rows, "Error": errMsg, "ErrorAt": errAt,
		"StageLabel": T("campaign.stage." + string(c.Stage)), "CanManage": managesBatches(a)}
	var strata []string
	for _, st := range c.Strata {
		strata = append(strata, T("campaign.stratum."+string(st)))
	}
	data["Strata"] = strings.Join(strata, "、")
	if managesBatches(a) {
		assigned, err := s.store.CampaignAssignments(r.Context(), a, c.ID)
		if err != nil {
			return err
		}
		reviews, err := s.store.CampaignReviews(r.Context(), a, c.ID)
		if err != nil {
			return err
		}
		for i := range rows {
			for j := range reviews.Audits {
				if reviews.Audits[j].AuditID != rows[i].AuditID {
					continue
				}
				for _, as := range assigned {
					if as.AuditID != rows[i].AuditID {
						continue
					}
					row := reviewerRow{Assignment: as}
					for _, rv := range reviews.Audits[j].Reviews {
						if rv.AssignmentID == as.ID {
							row.Score = strconv.FormatFloat(rv.Score, 'f', -1, 64)
						}
					}
					rows[i].Reviewers = append(rows[i].Reviewers, row)
				}
				rows[i].Outcome = &reviews.Audits[j]
				if len(rows[i].Reviewers) > 0 { // before the draw, nothing is pending
					rows[i].ResultLabel = T("campaign.result." + reviews.Audits[j].Result)
				}
			}
		}
		pool, err := s.store.ExpertPool(r.Context(), a)
		if err != nil {
			return err
		}
		var experts []option
		for _, p := range pool {
			experts = append(experts, option{Value: p.UserID, Label: p.Email})
		}
		data["Drawn"], data["Experts"] = len(assigned) > 0, experts
	}
	return s.render(w, r, status, "campaign", data)
}

// campaignActionError shows a refused action on the campaign's page; an
// error that is no refusal goes to the error page.
func (s *Handler) campaignActionError(w http.ResponseWriter, r *http.Request, err error, at string) error {
	status, _ := httpx.ErrorStatus(err)
	switch status {
	case http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity:
		return s.renderCampaign(w, r, status, refusalText(webOf(r).Lang, err), at)
	}
	return err
}

// campaignDrawSubmit draws the campaign's reviewers: per_audit, seed
// (optional).
func (s *Handler) campaignDrawSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	n := cpaudit.NewAssignments{}
	var err error
	if n.PerAudit, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("per_audit"))); err != nil {
		n.PerAudit = 0 // refused as out of range
	}
	if raw := strings.TrimSpace(r.PostFormValue("seed")); raw != "" {
		seed, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			seed = -1
		}
		n.Seed = &seed
	}
	if _, err := s.store.DrawAssignments(r.Context(), httpx.ActorOf(r), id, n); err != nil {
		return s.campaignActionError(w, r, err, "draw")
	}
	http.Redirect(w, r, "/campaigns/"+url.PathEscape(id)+"#reviewers", http.StatusSeeOther)
	return nil
}

// campaignReplaceSubmit replaces a reviewer by an expert of the pool,
// with the reason the form requires.
func (s *Handler) campaignReplaceSubmit(w http.ResponseWriter, r *http.Request) error {
	id, asID := httpx.Param(r, "id"), httpx.Param(r, "assignment_id")
	if _, err := s.store.ReplaceAssignment(r.Context(), httpx.ActorOf(r), id, asID, r.PostFormValue("expert"), r.PostFormValue("reason")); err != nil {
		return s.campaignActionError(w, r, err, asID)
	}
	http.Redirect(w, r, "/campaigns/"+url.PathEscape(id)+"#reviewers", http.StatusSeeOther)
	return nil
}

// campaignOpinionSubmit issues the opinion on a sampled audit (with the
// conditions typed, if any) and opens the document that holds it.
func (s *Handler) campaignOpinionSubmit(w http.ResponseWriter, r *http.Request) error {
	id, auditID := httpx.Param(r, "id"), httpx.Param(r, "audit_id")
	op, err := s.opinions.Issue(r.Context(), httpx.ActorOf(r), id, auditID, r.PostFormValue("conditions"))
	if err != nil {
		return s.campaignActionError(w, r, err, auditID)
	}
	http.Redirect(w, r, "/documents/"+url.PathEscape(op.Document.ID), http.StatusSeeOther)
	return nil
}
