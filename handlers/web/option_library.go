package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The advanced options library page (技术成果库, /option-library): the
// implemented and verified options the user may see (GET
// /api/v1/option-library), ranked by cost per unit of a chosen quantity
// (shown in 万元 per unit, as the issue asks) or by payback. A row links
// to its audit and evidence only when storage says the user may read the
// audit; the enterprise's name is shown only then or when a regulator
// published it. Admins and regulators mark and unmark the options of
// their reach as recommended for promotion, with a note, from the row.

// libraryRow is one option of the library with its numbers shown.
type libraryRow struct {
	cpaudit.LibraryOption
	IndustryShown, InvestmentShown, ReductionShown, CostShown, PaybackShown string
	Evidence                                                                []libraryDoc
	CanRecommend                                                            bool
}

// libraryDoc is one evidence document linked from a row.
type libraryDoc struct{ ID, Title string }

func (s *Handler) optionLibraryPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderOptionLibrary(w, r, http.StatusOK, "")
}

func (s *Handler) renderOptionLibrary(w http.ResponseWriter, r *http.Request, status int, errMsg string) error {
	lang := webOf(r).Lang
	T := translator(lang)
	a := httpx.ActorOf(r)
	q := r.URL.Query()
	f, err := httpx.LibraryFilterOf(q)
	if err != nil {
		return err
	}
	f.Limit = 200
	list, err := s.store.OptionLibrary(r.Context(), a, f)
	if err != nil {
		return err
	}
	var docIDs []string
	for _, o := range list {
		docIDs = append(docIDs, o.DocumentIDs...)
	}
	titles := map[string]string{}
	if len(docIDs) > 0 {
		if titles, err = s.store.DocumentTitles(r.Context(), a, docIDs); err != nil {
			return err
		}
	}
	authority := a.Role == cpaudit.RoleAdmin || a.Role == cpaudit.RoleRegulator
	rows := make([]libraryRow, len(list))
	for i, o := range list {
		row := libraryRow{LibraryOption: o, IndustryShown: industryLabel(lang, o.Industry), CanRecommend: authority && o.Readable,
			InvestmentShown: "—", ReductionShown: "—", CostShown: "—", PaybackShown: "—"}
		if o.Investment != nil {
			row.InvestmentShown = amount(*o.Investment / 1e4)
		}
		if o.Reduction != nil {
			row.ReductionShown = amount(*o.Reduction)
		}
		if o.CostPerUnit != nil {
			row.CostShown = amount(*o.CostPerUnit / 1e4)
		}
		if o.PaybackYears != nil {
			row.PaybackShown = strconv.FormatFloat(*o.PaybackYears, 'f', 2, 64)
		}
		for _, id := range o.DocumentIDs {
			if t, ok := titles[id]; ok {
				row.Evidence = append(row.Evidence, libraryDoc{ID: id, Title: t})
			}
		}
		rows[i] = row
	}
	type choice struct {
		Value, Label string
		Selected     bool
	}
	pers := []choice{{"", T("library.perAny"), f.Per == ""}}
	for _, qt := range cpaudit.Quantities() {
		if qt != cpaudit.QtyInvestment {
			pers = append(pers, choice{string(qt), T("quantity." + string(qt)), qt == f.Per})
		}
	}
	sortBy, _ := cpaudit.ParseLibrarySort(string(f.Sort), f.Per)
	sorts := []choice{
		{string(cpaudit.LibraryByCost), T("library.sort.cost"), sortBy == cpaudit.LibraryByCost},
		{string(cpaudit.LibraryByPayback), T("library.sort.payback"), sortBy == cpaudit.LibraryByPayback},
	}
	perUnit, perLabel := "", ""
	if f.Per != "" {
		perUnit, perLabel = f.Per.CanonicalUnit(), T("quantity."+string(f.Per))
	}
	return s.render(w, r, status, "option_library", map[string]any{
		"Filter": f, "Pers": pers, "Sorts": sorts, "Rows": rows, "PerUnit": perUnit, "PerLabel": perLabel,
		"Authority": authority, "Error": errMsg, "Back": libraryQuery(f),
	})
}

// libraryQuery is the page's filter as a query, so that a recommendation
// comes back to the list it was made from.
func libraryQuery(f cpaudit.LibraryFilter) string {
	q := url.Values{}
	for k, v := range map[string]string{"industry": f.Industry, "per": string(f.Per), "sort": string(f.Sort)} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Recommended {
		q.Set("recommended", "true")
	}
	return q.Encode()
}

// optionRecommendSubmit marks (action=recommend, with note and
// publish_name) or unmarks (action=unmark) an option, then shows the
// library again with the filter of the form (back).
func (s *Handler) optionRecommendSubmit(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	a := httpx.ActorOf(r)
	id := httpx.Param(r, "id")
	back, _ := url.ParseQuery(r.PostFormValue("back"))
	var err error
	switch r.PostFormValue("action") {
	case "unmark":
		err = s.store.UnrecommendOption(r.Context(), a, id)
	default:
		_, err = s.store.RecommendOption(r.Context(), a, id, cpaudit.Recommendation{
			Note: r.PostFormValue("note"), PublishName: r.PostFormValue("publish_name") == "1"})
	}
	if err != nil {
		switch cpaudit.ErrorKind(err) {
		case cpaudit.KindConflict, cpaudit.KindUnprocessable, cpaudit.KindInvalid:
			status, _ := httpx.ErrorStatus(err)
			r.URL.RawQuery = back.Encode()
			return s.renderOptionLibrary(w, r, status, refusalText(lang, err))
		}
		return err
	}
	http.Redirect(w, r, "/option-library?"+back.Encode()+"#lib-"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}
