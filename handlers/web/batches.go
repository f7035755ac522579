package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// managesBatches: who sees the forms; storage enforces the same rule.
func managesBatches(a cpaudit.Actor) bool {
	return a.Role == cpaudit.RoleAdmin || a.Role == cpaudit.RoleRegulator
}

// obligationRow is one dated obligation as the forms and tables show it.
type obligationRow struct {
	Name, Label, Due string
}

func obligationRows(lang string, o cpaudit.Obligations) []obligationRow {
	T := translator(lang)
	rows := make([]obligationRow, len(cpaudit.ObligationNames))
	for i, p := range o.Fields() {
		name := cpaudit.ObligationNames[i]
		rows[i] = obligationRow{Name: name, Label: T("due." + name), Due: *p}
	}
	return rows
}

// reasonLabels names a batch's listing reasons.
func reasonLabels(lang string, reasons []cpaudit.ListingReason) string {
	T := translator(lang)
	var out []string
	for _, r := range reasons {
		out = append(out, T("reason."+string(r)))
	}
	return strings.Join(out, "、")
}

// batchRow is a batch in the list.
type batchRow struct {
	cpaudit.Batch
	Reasons string
}

// batchForm is what the create form holds, kept to show it again with
// its error.
type batchForm struct {
	Name, Year, Number, Industries string
	Reasons                        []option
	Obligations                    []obligationRow
}

func newBatchForm(lang string) batchForm {
	f := batchForm{Year: strconv.Itoa(time.Now().Year()), Number: "1", Obligations: obligationRows(lang, cpaudit.Obligations{})}
	for _, r := range cpaudit.ListingReasons {
		f.Reasons = append(f.Reasons, option{Value: string(r), Label: translator(lang)("reason." + string(r))})
	}
	return f
}

func (s *Handler) batchesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderBatches(w, r, http.StatusOK, newBatchForm(webOf(r).Lang), "")
}

func (s *Handler) renderBatches(w http.ResponseWriter, r *http.Request, status int, form batchForm, errMsg string) error {
	lang := webOf(r).Lang
	list, err := s.store.Batches(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	rows := make([]batchRow, len(list))
	for i, b := range list {
		rows[i] = batchRow{Batch: b, Reasons: reasonLabels(lang, b.Reasons)}
	}
	return s.render(w, r, status, "batches", map[string]any{
		"Batches": rows, "CanManage": managesBatches(httpx.ActorOf(r)), "Form": form, "Error": errMsg})
}

// createBatchSubmit creates a batch from the form; invalid input shows
// the form again with the reason in the page's language.
func (s *Handler) createBatchSubmit(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	form := newBatchForm(lang)
	form.Name = strings.TrimSpace(r.PostFormValue("name"))
	form.Year, form.Number = strings.TrimSpace(r.PostFormValue("year")), strings.TrimSpace(r.PostFormValue("number"))
	form.Industries = strings.TrimSpace(r.PostFormValue("industries"))
	b := cpaudit.Batch{Name: form.Name, Industries: strings.Fields(strings.ReplaceAll(form.Industries, ",", " "))}
	for i, o := range form.Reasons {
		for _, v := range r.PostForm["reasons"] {
			if v == o.Value {
				form.Reasons[i].Selected = true
				b.Reasons = append(b.Reasons, cpaudit.ListingReason(v))
			}
		}
	}
	for i, p := range b.Obligations.Fields() {
		*p = strings.TrimSpace(r.PostFormValue(cpaudit.ObligationNames[i]))
		form.Obligations[i].Due = *p
	}
	var errMsg string
	var err error
	// A year or number that is no number at all is out of range too.
	if b.Year, err = strconv.Atoi(form.Year); err != nil {
		b.Year = -1
	}
	if b.Number, err = strconv.Atoi(form.Number); err != nil {
		b.Number = -1
	}
	errMsg = batchProblem(lang, b)
	if errMsg == "" {
		created, err := s.store.CreateBatch(r.Context(), httpx.ActorOf(r), b)
		switch {
		case err == nil:
			http.Redirect(w, r, "/batches/"+url.PathEscape(created.ID), http.StatusSeeOther)
			return nil
		case cpaudit.IsKind(err, cpaudit.KindConflict) && managesBatches(httpx.ActorOf(r)):
			errMsg = refusalText(lang, err)
		default:
			return err
		}
	}
	return s.renderBatches(w, r, http.StatusUnprocessableEntity, form, errMsg)
}

// batchProblem checks a batch's fields and says what is wrong in the
// page's language, or "" when nothing is.
func batchProblem(lang string, b cpaudit.Batch) string {
	if err := b.Validate(); err != nil {
		return refusalText(lang, err)
	}
	return ""
}

// batchPage shows a batch, its dates (a form for those who manage
// batches) and the form that starts an audit in it.
func (s *Handler) batchPage(w http.ResponseWriter, r *http.Request) error {
	b, err := s.store.Batch(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	return s.renderBatch(w, r, http.StatusOK, b, obligationRows(webOf(r).Lang, b.Obligations), "", "")
}

func (s *Handler) renderBatch(w http.ResponseWriter, r *http.Request, status int, b cpaudit.Batch, dates []obligationRow, dateErr, auditErr string) error {
	a := httpx.ActorOf(r)
	data := map[string]any{"Batch": b, "Reasons": reasonLabels(webOf(r).Lang, b.Reasons), "Dates": dates,
		"CanManage": managesBatches(a), "DateError": dateErr, "AuditError": auditErr,
		"AuditsURL": "/audits?batch_id=" + url.QueryEscape(b.ID)}
	if managesBatches(a) {
		ents, _, err := s.store.ListEnterprises(r.Context(), a, cpaudit.EnterpriseFilter{Limit: 200})
		if err != nil {
			return err
		}
		cons, err := s.store.Consultancies(r.Context(), a)
		if err != nil {
			return err
		}
		var entOpts, consOpts []option
		for _, o := range ents {
			entOpts = append(entOpts, option{Value: o.ID, Label: o.Name + " " + o.CreditCode})
		}
		for _, o := range cons {
			consOpts = append(consOpts, option{Value: o.ID, Label: o.Name})
		}
		data["Enterprises"], data["Consultancies"] = entOpts, consOpts
		// Why each enterprise was listed, when the batch came from a
		// screening (screening.go).
		listings, err := s.store.BatchListings(r.Context(), a, b.ID)
		if err != nil {
			return err
		}
		data["Listings"] = listings
	}
	return s.render(w, r, status, "batch", data)
}

// updateBatchSubmit saves the dates form; every letter of the batch's
// audits is then regenerated, as through the API.
func (s *Handler) updateBatchSubmit(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	lang := webOf(r).Lang
	b, err := s.store.Batch(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	p := cpaudit.BatchPatch{Obligations: map[string]*string{}}
	want := b
	for i, f := range want.Obligations.Fields() {
		v := strings.TrimSpace(r.PostFormValue(cpaudit.ObligationNames[i]))
		*f = v
		p.Obligations[cpaudit.ObligationNames[i]] = &v
	}
	dates := obligationRows(lang, want.Obligations)
	if msg := batchProblem(lang, want); msg != "" {
		return s.renderBatch(w, r, http.StatusUnprocessableEntity, b, dates, msg, "")
	}
	if _, err := s.store.UpdateBatch(r.Context(), a, b.ID, p); err != nil {
		return err
	}
	httpx.RegenerateLettersNow(r.Context(), s.log, s.letters, a.TenantID)
	http.Redirect(w, r, "/batches/"+url.PathEscape(b.ID), http.StatusSeeOther)
	return nil
}

// startAuditSubmit starts an audit of the chosen enterprise in the batch
// and shows it.
func (s *Handler) startAuditSubmit(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	b, err := s.store.Batch(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	na := cpaudit.NewAudit{EnterpriseID: r.PostFormValue("enterprise_id"), ConsultancyID: r.PostFormValue("consultancy_id"), BatchID: b.ID}
	if na.EnterpriseID == "" {
		return s.renderBatch(w, r, http.StatusUnprocessableEntity, b, obligationRows(webOf(r).Lang, b.Obligations), "",
			refusalText(webOf(r).Lang, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeEnterpriseRequired, "enterprise_id is required")))
	}
	au, err := s.store.StartAudit(r.Context(), a, na)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/audits/"+url.PathEscape(au.ID), http.StatusSeeOther)
	return nil
}
