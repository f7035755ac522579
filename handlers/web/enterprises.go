package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// mayImport says whether the page offers the import: the storage decides.
func mayImport(u *cpaudit.User) bool {
	return u != nil && (u.Role == cpaudit.RoleAdmin || u.Role == cpaudit.RoleRegulator)
}

func (s *Handler) enterprisesPage(w http.ResponseWriter, r *http.Request) error {
	f, err := httpx.EnterpriseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	list, total, err := s.store.ListEnterprises(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	p := newPager(f.Offset, f.Limit, len(list), total, func(offset int) string { return enterprisesURL(f, offset) })
	return s.render(w, r, http.StatusOK, "enterprises", map[string]any{
		"Enterprises": list, "Total": total, "Pager": p, "Filter": f,
		"Export":   "/enterprises.xlsx" + strings.TrimPrefix(enterprisesURL(f, 0), "/enterprises"),
		"Filtered": f.Region != "" || f.Industry != "" || f.Query != "", "MayImport": mayImport(webOf(r).User),
	})
}

// enterprisesURL links to another page of the same filtered list.
func enterprisesURL(f cpaudit.EnterpriseFilter, offset int) string {
	q := url.Values{}
	for k, v := range map[string]string{"region": f.Region, "industry": f.Industry, "q": f.Query} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit != 20 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	if len(q) == 0 {
		return "/enterprises"
	}
	return "/enterprises?" + q.Encode()
}

// importPageData is the import form's choices: batches to start audits
// in and consultancies to run them.
func (s *Handler) importPageData(r *http.Request, data map[string]any) error {
	a := httpx.ActorOf(r)
	batches, err := s.store.Batches(r.Context(), a)
	if err != nil {
		return err
	}
	cons, err := s.store.Consultancies(r.Context(), a)
	if err != nil {
		return err
	}
	data["Batches"], data["Consultancies"], data["MayImport"] = batches, cons, mayImport(webOf(r).User)
	return nil
}

func (s *Handler) importPage(w http.ResponseWriter, r *http.Request) error {
	data := map[string]any{}
	if err := s.importPageData(r, data); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "enterprise_import", data)
}

// importSubmit imports an uploaded sheet and shows the result, or the
// form again with the reason a sheet was refused as a whole.
func (s *Handler) importSubmit(w http.ResponseWriter, r *http.Request) error {
	wi := webOf(r)
	if wi.User == nil {
		return cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeLoginRequired, "please log in")
	}
	form, err := s.ReadImportForm(w, r)
	if err == nil && subtle.ConstantTimeCompare([]byte(form.Fields["csrf"]), []byte(wi.CSRF)) != 1 {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFormExpired, "the form has expired; reload the page and try again")
	}
	var res cpaudit.ImportResult
	if err == nil {
		res, err = httpx.ImportEnterprises(r, s.store, form)
	}
	data := map[string]any{"Result": &res}
	status := http.StatusOK
	if err != nil {
		st, _ := httpx.ErrorStatus(err)
		if st >= 500 {
			return err
		}
		s.LogError(r, st, err)
		data["Result"], data["Error"], status = nil, refusalText(wi.Lang, err), st
	}
	for i := range res.Rejected {
		res.Rejected[i].Reason = rejectionText(wi.Lang, res.Rejected[i])
	}
	if err := s.importPageData(r, data); err != nil {
		return err
	}
	return s.render(w, r, status, "enterprise_import", data)
}

// rejectionText says in lang why a row was not imported, by its code; a
// rejection stored before rejections had codes keeps its reason.
func rejectionText(lang string, rj cpaudit.ImportRejection) string {
	if rj.Code == "" {
		return rj.Reason
	}
	return refusalText(lang, &cpaudit.Error{Kind: cpaudit.KindUnprocessable, Code: rj.Code, Params: rj.Params})
}

// importRejected downloads the rows an import rejected, with the reasons
// in the page's language.
func (s *Handler) importRejected(w http.ResponseWriter, r *http.Request) error {
	res, err := s.store.EnterpriseImportResult(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	lang := webOf(r).Lang
	return httpx.WriteRejected(w, res, func(rj cpaudit.ImportRejection) string { return rejectionText(lang, rj) })
}
