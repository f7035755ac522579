package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// flagDoc is one document of a flag, as the review pages show it.
type flagDoc struct {
	ID, Title string
}

// webFlag is a flag with its documents' titles, for the pages.
type webFlag struct {
	cpaudit.Flag
	Docs     []flagDoc
	Percent  string
	Passages []cpaudit.Passage // duplicate_text: the shared passages, side by side
	Detail   string            // the evidence of other kinds, as indented JSON
}

// webFlagsOf adds the documents' titles (read in one query) and the
// evidence in a form the pages show.
func (s *Handler) webFlagsOf(r *http.Request, flags []cpaudit.Flag) ([]webFlag, error) {
	var ids []string
	for _, fl := range flags {
		ids = append(ids, fl.DocumentIDs...)
	}
	titles, err := s.store.DocumentTitles(r.Context(), httpx.ActorOf(r), ids)
	if err != nil {
		return nil, err
	}
	out := make([]webFlag, len(flags))
	for i, fl := range flags {
		out[i] = webFlagOf(fl, titles)
	}
	return out, nil
}

func webFlagOf(fl cpaudit.Flag, titles map[string]string) webFlag {
	wf := webFlag{Flag: fl, Percent: strconv.FormatFloat(fl.Score*100, 'f', 0, 64) + "%"}
	for _, id := range fl.DocumentIDs {
		wf.Docs = append(wf.Docs, flagDoc{ID: id, Title: titles[id]})
	}
	var detail struct {
		Passages []cpaudit.Passage `json:"passages"`
	}
	if json.Unmarshal(fl.Detail, &detail) == nil && len(detail.Passages) > 0 {
		wf.Passages = detail.Passages
	} else if b, err := json.MarshalIndent(json.RawMessage(fl.Detail), "", "  "); err == nil {
		wf.Detail = string(b) // escaped by the template like any text
	}
	return wf
}

// flagsPage lists the flags the user may read, highest score first or
// newest first, filtered like the API: by kind, audit (/flags?audit_id=X,
// linked from an audit), consultancy and review status.
func (s *Handler) flagsPage(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	q := r.URL.Query()
	f, err := httpx.FlagFilterOf(q, flagsPerPage)
	if err != nil {
		return err
	}
	flags, total, err := s.store.Flags(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	shown, err := s.webFlagsOf(r, flags)
	if err != nil {
		return err
	}
	cons, err := s.store.Consultancies(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	T := translator(lang)
	var kinds, consultancies, statuses, sorts []option
	for _, k := range []cpaudit.FlagKind{cpaudit.FlagDuplicateFile, cpaudit.FlagDuplicateText, cpaudit.FlagTemplateText, cpaudit.FlagDuplicateImage,
		cpaudit.FlagForeignName, cpaudit.FlagInconsistentFigure, cpaudit.FlagDuplicateNumber, cpaudit.FlagMissingRequirement} {
		kinds = append(kinds, option{Value: string(k), Label: translateOr(lang, "flag."+string(k), string(k)), Selected: k == f.Kind})
	}
	for _, o := range cons {
		consultancies = append(consultancies, option{Value: o.ID, Label: o.Name, Selected: o.ID == f.ConsultancyID})
	}
	for _, st := range []cpaudit.FlagStatus{cpaudit.FlagOpen, cpaudit.FlagConfirmed, cpaudit.FlagDismissed} {
		statuses = append(statuses, option{Value: string(st), Label: T("flag.status." + string(st)), Selected: st == f.Status})
	}
	for _, so := range []cpaudit.FlagSort{cpaudit.FlagsByScore, cpaudit.FlagsByDate} {
		sorts = append(sorts, option{Value: string(so), Label: T("flags.sort." + string(so)), Selected: so == f.Sort})
	}
	// Links to the neighbouring pages keep the filters.
	page := func(offset int) string {
		v := url.Values{}
		for _, k := range []string{"kind", "audit_id", "consultancy_id", "status", "sort", "limit"} {
			if q.Get(k) != "" {
				v.Set(k, q.Get(k))
			}
		}
		v.Set("offset", strconv.Itoa(offset))
		return "/flags?" + v.Encode()
	}
	data := map[string]any{"Flags": shown, "Total": total, "Kinds": kinds, "Consultancies": consultancies,
		"Statuses": statuses, "Sorts": sorts, "AuditID": f.AuditID}
	if f.Offset > 0 {
		data["Prev"] = page(max(0, f.Offset-f.Limit))
	}
	if f.Offset+len(flags) < total {
		data["Next"] = page(f.Offset + len(flags))
	}
	return s.render(w, r, http.StatusOK, "flags", data)
}

// flagsPerPage is the length of a page of the flag list.
const flagsPerPage = 50

// flagPage shows one flag's evidence, both sides next to each other, and
// the review form.
func (s *Handler) flagPage(w http.ResponseWriter, r *http.Request) error {
	flags, _, err := s.store.Flags(r.Context(), httpx.ActorOf(r), cpaudit.FlagFilter{ID: httpx.Param(r, "id"), Limit: 1})
	if err != nil {
		return err
	}
	if len(flags) == 0 {
		return cpaudit.Errorf(cpaudit.KindNotFound, "no such flag")
	}
	shown, err := s.webFlagsOf(r, flags)
	if err != nil {
		return err
	}
	wf := shown[0]
	role := httpx.ActorOf(r).Role
	canReview := wf.Status == cpaudit.FlagOpen &&
		(role == cpaudit.RoleRegulator || role == cpaudit.RoleExpert || role == cpaudit.RoleAdmin)
	data := map[string]any{"Flag": wf, "CanReview": canReview, "Images": flagImagesOf(wf.Flag),
		"Figures": flagFiguresOf(wf.Flag), "Numbers": flagNumbersOf(wf.Flag), "Missing": flagMissingOf(wf.Flag)}
	if canReview {
		data["FindingCategories"], data["FindingSeverities"] = findingPickers(translator(webOf(r).Lang))
	}
	if wf.Kind == cpaudit.FlagTemplateText {
		// The consultancy whose template it is, by name when the reader
		// may look it up.
		var d struct {
			ConsultancyID string `json:"consultancy_id"`
		}
		if json.Unmarshal(wf.Flag.Detail, &d) == nil && d.ConsultancyID != "" {
			tmpl := option{Value: d.ConsultancyID, Label: d.ConsultancyID}
			if cons, err := s.store.Consultancies(r.Context(), httpx.ActorOf(r)); err == nil {
				for _, o := range cons {
					if o.ID == d.ConsultancyID {
						tmpl.Label = o.Name
					}
				}
			}
			data["Template"] = tmpl
		}
	}
	return s.render(w, r, http.StatusOK, "flag", data)
}

// reviewFlagSubmit records the review form's decision and shows the flag
// again.
func (s *Handler) reviewFlagSubmit(w http.ResponseWriter, r *http.Request) error {
	decision, err := cpaudit.ParseFlagDecision(r.PostFormValue("decision"))
	if err != nil {
		return err
	}
	id := httpx.Param(r, "id")
	if _, err := s.store.ReviewFlag(r.Context(), httpx.ActorOf(r), id, decision, r.PostFormValue("reason"), cpaudit.FlagFinding{
		Category: cpaudit.FindingCategory(r.PostFormValue("category")), Severity: cpaudit.FindingSeverity(r.PostFormValue("severity")),
		RectificationDue: r.PostFormValue("rectification_due")}); err != nil {
		return err
	}
	http.Redirect(w, r, "/flags/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}
