package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// An expert's review workspace for one assignment: the audit's documents
// (reports first) and flags, the checklist form of the campaign's stage,
// and, once the expert's own review is submitted, the other reviewers'
// scores. The rights are storage's: only the assigned expert (and admins
// and regulators who manage the campaign) read it, only the expert scores.

// assignmentPage shows the workspace.
func (s *Handler) assignmentPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAssignment(w, r, http.StatusOK, "", nil)
}

func (s *Handler) renderAssignment(w http.ResponseWriter, r *http.Request, status int, errMsg string, form url.Values) error {
	a := httpx.ActorOf(r)
	as, err := s.store.Assignment(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	data := map[string]any{"Assignment": as, "Error": errMsg}
	// The audit's texts and flags are what the reviewer reads; an admin
	// or regulator outside the audit's region gets the page without them.
	if _, err := s.store.Audit(r.Context(), a, as.AuditID); err == nil {
		ent, cons, err := s.store.AuditParties(r.Context(), a, as.AuditID)
		if err != nil {
			return err
		}
		docs, _, err := s.store.Documents(r.Context(), a, cpaudit.DocumentFilter{AuditID: as.AuditID, Limit: 200})
		if err != nil {
			return err
		}
		// Reports (the interim and final) first, then by title.
		slices.SortStableFunc(docs, func(x, y cpaudit.Document) int {
			if (x.Kind == cpaudit.DocReport) != (y.Kind == cpaudit.DocReport) {
				if x.Kind == cpaudit.DocReport {
					return -1
				}
				return 1
			}
			return cmp.Compare(x.Title, y.Title)
		})
		flags, _, err := s.store.Flags(r.Context(), a, cpaudit.FlagFilter{AuditID: as.AuditID, Limit: 100})
		if err != nil {
			return err
		}
		shown, err := s.webFlagsOf(r, flags)
		if err != nil {
			return err
		}
		data["Enterprise"], data["Consultancy"], data["Documents"], data["Flags"] = ent.Name, cons.Name, docs, shown
		// The guideline of the enterprise's industry, beside the texts:
		// the published (current) versions covering it, the tenant's
		// then the library's, each with the compare page of the newest
		// report against it.
		guides, err := s.store.Guidelines(r.Context(), a, ent.Industry)
		if err != nil {
			return err
		}
		var current []cpaudit.Guideline
		for _, g := range guides {
			if g.State == cpaudit.GuidelinePublished && ent.Industry != "" {
				current = append(current, g)
			}
		}
		data["Guidelines"] = current
		var newest *cpaudit.Document
		for i, d := range docs {
			if d.Kind == cpaudit.DocReport && (newest == nil || d.CreatedAt.After(newest.CreatedAt)) {
				newest = &docs[i]
			}
		}
		if newest != nil {
			data["ReportID"] = newest.ID
		}
	} else if !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return err
	}
	if as.Checklist != nil {
		type itemRow struct {
			cpaudit.ChecklistItem
			Max, Value string
		}
		var items []itemRow
		names := map[string]string{}
		for _, it := range as.Checklist.Items {
			names[it.Item] = it.Name
			items = append(items, itemRow{it, strconv.FormatFloat(it.Max, 'f', -1, 64), form.Get("points." + it.Item)})
		}
		data["Items"], data["ItemNames"] = items, names
	}
	data["CanSubmit"] = as.ExpertID == a.UserID && as.State == cpaudit.AssignmentAssigned
	data["Comment"] = form.Get("comment")
	return s.render(w, r, status, "assignment", data)
}

// assignmentReviewSubmit records the checklist form: points.ITEM for each
// item, veto for each veto item ticked, comment. A refused review shows
// the form again with what was typed and why.
func (s *Handler) assignmentReviewSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	a := httpx.ActorOf(r)
	as, err := s.store.Assignment(r.Context(), a, id)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeBodyMalformed, "the form cannot be read")
	}
	nr := cpaudit.NewReview{Vetoes: r.PostForm["veto"], Comment: r.PostFormValue("comment")}
	if as.Checklist != nil {
		for _, it := range as.Checklist.Items {
			raw := strings.TrimSpace(r.PostFormValue("points." + it.Item))
			p, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				return s.renderAssignment(w, r, http.StatusUnprocessableEntity, refusalText(webOf(r).Lang,
					cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeReviewItemMissing, "item %q is not scored", it.Item).With("item", it.Name)), r.PostForm)
			}
			nr.Items = append(nr.Items, cpaudit.ItemScore{Item: it.Item, Points: p})
		}
	}
	if _, err := s.store.SubmitReview(r.Context(), a, id, nr); err != nil {
		if cpaudit.IsKind(err, cpaudit.KindUnprocessable) || cpaudit.IsKind(err, cpaudit.KindConflict) || cpaudit.IsKind(err, cpaudit.KindInvalid) {
			status, _ := httpx.ErrorStatus(err)
			return s.renderAssignment(w, r, status, refusalText(webOf(r).Lang, err), r.PostForm)
		}
		return err
	}
	http.Redirect(w, r, "/assignments/"+url.PathEscape(id)+"#others", http.StatusSeeOther)
	return nil
}
