package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// ScreeningStore is what the screening pages need: source data, the
// candidates under rules and the batch of the chosen ones.
type ScreeningStore interface {
	ImportScreeningSource(ctx context.Context, a cpaudit.Actor, name string, rows []cpaudit.SourceRow, rejected []cpaudit.ImportRejection) (cpaudit.ScreeningSource, []cpaudit.ImportRejection, error)
	ScreeningSource(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.ScreeningSource, error)
	ScreenSource(ctx context.Context, a cpaudit.Actor, id string, rules cpaudit.ScreeningRules) ([]cpaudit.ScreenCandidate, error)
	BatchFromScreening(ctx context.Context, a cpaudit.Actor, sourceID string, in cpaudit.ScreeningBatch) (cpaudit.ScreeningBatchResult, error)
	BatchListings(ctx context.Context, a cpaudit.Actor, batchID string) ([]cpaudit.ScreeningListing, error)
}

func (s *Handler) screeningPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "screening", map[string]any{"MayImport": mayImport(webOf(r).User)})
}

// screeningImportSubmit imports an uploaded source and shows its page, or
// the form again with every rejected row and why (nothing imported).
func (s *Handler) screeningImportSubmit(w http.ResponseWriter, r *http.Request) error {
	wi := webOf(r)
	if wi.User == nil {
		return cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeLoginRequired, "please log in")
	}
	form, err := s.ReadSourceForm(w, r)
	if err == nil && subtle.ConstantTimeCompare([]byte(form.Fields["csrf"]), []byte(wi.CSRF)) != 1 {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFormExpired, "the form has expired; reload the page and try again")
	}
	var src cpaudit.ScreeningSource
	var rejected []cpaudit.ImportRejection
	if err == nil {
		var rows []cpaudit.SourceRow
		rows, rejected, err = cpaudit.ParseSourceRows(form.Header, form.Rows)
		if err == nil {
			name := form.Fields["name"]
			if name == "" {
				name = "源数据"
			}
			src, rejected, err = s.store.ImportScreeningSource(r.Context(), httpx.ActorOf(r), name, rows, rejected)
		}
	}
	data := map[string]any{"MayImport": mayImport(wi.User)}
	status := http.StatusOK
	switch {
	case err != nil:
		st, _ := httpx.ErrorStatus(err)
		if st >= 500 {
			return err
		}
		s.LogError(r, st, err)
		data["Error"], status = refusalText(wi.Lang, err), st
	case len(rejected) > 0:
		for i := range rejected {
			rejected[i].Reason = rejectionText(wi.Lang, rejected[i])
		}
		data["Rejected"], status = rejected, http.StatusUnprocessableEntity
		data["Error"] = refusalText(wi.Lang, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeScreeningRowsRejected, "rows rejected").With("value", strconv.Itoa(len(rejected))))
	default:
		http.Redirect(w, r, "/screening/sources/"+url.PathEscape(src.ID), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, status, "screening", data)
}

// rulesForm is the rules as the source page's form holds them.
type rulesForm struct {
	Emissions  []emissionField
	EnergyTce  string
	Industries string
	Regions    string
	Flags      []flagField
	Set        bool // some rule is filled in
}

type emissionField struct{ Code, Zh, Value string }
type flagField struct {
	Value, Zh string
	Checked   bool
}

// readRules reads the rules from form values (the query of the source
// page, or the batch form's hidden copy); a threshold that is no number
// is KindInvalid.
func readRules(v url.Values) (rulesForm, cpaudit.ScreeningRules, error) {
	var f rulesForm
	rules := cpaudit.ScreeningRules{Emissions: map[string]float64{}}
	num := func(field, s string) (float64, error) {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeScreeningNumberInvalid, "%s: %q is not a number", field, s).With("field", field).With("value", s)
		}
		return x, nil
	}
	for _, p := range cpaudit.Pollutants {
		val := strings.TrimSpace(v.Get(p.Code))
		f.Emissions = append(f.Emissions, emissionField{p.Code, p.Zh, val})
		if val != "" {
			x, err := num(p.Code, val)
			if err != nil {
				return f, rules, err
			}
			rules.Emissions[p.Code], f.Set = x, true
		}
	}
	if f.EnergyTce = strings.TrimSpace(v.Get("energy_tce")); f.EnergyTce != "" {
		x, err := num("energy_tce", f.EnergyTce)
		if err != nil {
			return f, rules, err
		}
		rules.EnergyTce, f.Set = x, true
	}
	split := func(s string) []string {
		return strings.Fields(strings.NewReplacer(",", " ", "，", " ", "、", " ").Replace(s))
	}
	f.Industries, f.Regions = strings.TrimSpace(v.Get("industries")), strings.TrimSpace(v.Get("regions"))
	rules.Industries, rules.Regions = split(strings.ToUpper(f.Industries)), split(f.Regions)
	f.Set = f.Set || len(rules.Industries) > 0 || len(rules.Regions) > 0
	for _, fl := range []flagField{{Value: "double_exceed", Zh: "双超"}, {Value: "toxic", Zh: "双有"}, {Value: "energy_intensive", Zh: "高耗能"}} {
		for _, x := range v["flag"] {
			if x == fl.Value {
				fl.Checked, f.Set = true, true
				rules.Flags = append(rules.Flags, cpaudit.ListingReason(x))
			}
		}
		f.Flags = append(f.Flags, fl)
	}
	return f, rules, nil
}

// screeningSourcePage shows a source, the rules form and, once a rule is
// set, the candidates with why each was selected and the batch form.
func (s *Handler) screeningSourcePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderSource(w, r, r.URL.Query(), http.StatusOK, "", nil)
}

func (s *Handler) renderSource(w http.ResponseWriter, r *http.Request, v url.Values, status int, errMsg string, batch url.Values) error {
	a, lang := httpx.ActorOf(r), webOf(r).Lang
	src, err := s.store.ScreeningSource(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	form, rules, err := readRules(v)
	data := map[string]any{"Source": src, "Rules": form, "Error": errMsg, "Query": v.Encode(), "BatchForm": batch,
		"MayBatch": managesBatches(a)}
	if err == nil && form.Set {
		var cands []cpaudit.ScreenCandidate
		if cands, err = s.store.ScreenSource(r.Context(), a, src.ID, rules); err == nil {
			data["Candidates"] = cands
			cons, err := s.store.Consultancies(r.Context(), a)
			if err != nil {
				return err
			}
			data["Consultancies"] = cons
		}
	}
	if err != nil {
		st, _ := httpx.ErrorStatus(err)
		if st >= 500 {
			return err
		}
		data["Error"], status = refusalText(lang, err), st
	}
	return s.render(w, r, status, "screening_source", data)
}

// screeningBatchSubmit makes the batch of the chosen candidates and shows
// it, or the source page again with why not.
func (s *Handler) screeningBatchSubmit(w http.ResponseWriter, r *http.Request) error {
	a, lang := httpx.ActorOf(r), webOf(r).Lang
	id := httpx.Param(r, "id")
	if _, err := s.store.ScreeningSource(r.Context(), a, id); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeBodyMalformed, "the form cannot be read")
	}
	_, rules, err := readRules(r.PostForm)
	if err != nil {
		return s.renderSource(w, r, r.PostForm, http.StatusBadRequest, refusalText(lang, err), r.PostForm)
	}
	in := cpaudit.ScreeningBatch{Rules: rules, CreditCodes: r.PostForm["credit_code"], ConsultancyID: strings.TrimSpace(r.PostFormValue("consultancy_id")),
		Batch: cpaudit.Batch{Name: strings.TrimSpace(r.PostFormValue("name"))}}
	if in.Batch.Year, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("year"))); err != nil {
		in.Batch.Year = -1
	}
	if in.Batch.Number, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("number"))); err != nil {
		in.Batch.Number = -1
	}
	res, err := s.store.BatchFromScreening(r.Context(), a, id, in)
	if err != nil {
		st, _ := httpx.ErrorStatus(err)
		if st >= 500 {
			return err
		}
		s.LogError(r, st, err)
		return s.renderSource(w, r, r.PostForm, st, refusalText(lang, err), r.PostForm)
	}
	http.Redirect(w, r, "/batches/"+url.PathEscape(res.Batch.ID), http.StatusSeeOther)
	return nil
}
