package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/search/index"
)

// webHit is one search result as the page shows it.
type webHit struct {
	Title, URL, TextURL string
	Kind                string
	UploadedAt          string
	Fragments           []template.HTML
}

// phaseOptions are the 7 phases for a select, labelled in lang.
func phaseOptions(lang, selected string) ([]option, error) {
	phases, err := cpaudit.LoadPhases()
	if err != nil {
		return nil, cpaudit.Internal("web.phaseOptions", err)
	}
	opts := make([]option, len(phases))
	for i, p := range phases {
		name := p.Zh
		if lang == "en" {
			name = p.En
		}
		opts[i] = option{Value: p.Code, Label: p.Code + " " + name, Selected: p.Code == selected}
	}
	return opts, nil
}

// searchPage is the regulators' spot check: the search form with its
// filters and, once q is given, one page of hits with their fragments.
// The parameters are the API's (httpx.ParseSearch), so a page's address is a
// search anyone with the same rights can repeat.
func (s *Handler) searchPage(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	v := r.URL.Query()
	step, _ := strconv.Atoi(v.Get("step"))
	steps, err := stepOptions(lang, step)
	if err != nil {
		return err
	}
	phases, err := phaseOptions(lang, v.Get("phase"))
	if err != nil {
		return err
	}
	a := httpx.ActorOf(r)
	audits, err := s.auditOptions(r.Context(), a, lang, v.Get("audit_id"))
	if err != nil {
		return err
	}
	enterprises, err := s.enterpriseOptions(r.Context(), a, v.Get("enterprise_id"))
	if err != nil {
		return err
	}
	kind := cpaudit.DocKind(v.Get("kind"))
	data := map[string]any{
		"Form": v, "Kinds": kindOptions(lang, kind), "Steps": steps, "Phases": phases,
		"Audits": audits, "Enterprises": enterprises,
		"ByDate": v.Get("sort") == "date",
	}
	if strings.TrimSpace(v.Get("q")) == "" { // the form, before any search
		return s.render(w, r, http.StatusOK, "search", data)
	}
	sr, err := httpx.ParseSearch(v)
	if cpaudit.ErrorKind(err) == cpaudit.KindInvalid || cpaudit.ErrorKind(err) == cpaudit.KindUnprocessable {
		data["Error"] = refusalText(lang, err)
		return s.render(w, r, http.StatusBadRequest, "search", data)
	}
	if err != nil {
		return err
	}
	total, hits, err := httpx.RunSearch(r.Context(), s.store, s.search, a, sr)
	if err != nil {
		return err
	}
	shown := make([]webHit, len(hits))
	for i, h := range hits {
		frags := make([]template.HTML, len(h.Fragments))
		for k, f := range h.Fragments {
			// index.Fragments escapes the text itself and adds only <mark>
			// and </mark>: this is the one place user text is not escaped
			// by the template, and it is escaped already (tested).
			frags[k] = template.HTML(f)
		}
		shown[i] = webHit{
			Title: h.Title, URL: "/documents/" + url.PathEscape(h.DocumentID),
			TextURL: "/documents/" + url.PathEscape(h.DocumentID) + "/versions/" + strconv.Itoa(h.Version) +
				"/text?" + url.Values{"q": {sr.Query.Q}}.Encode() + "#m1",
			Kind: translateOr(lang, "kind."+h.Kind, h.Kind), UploadedAt: h.UploadedAt.In(httpx.ChinaTime).Format("2006-01-02"),
			Fragments: frags,
		}
	}
	q := sr.Query
	// A page of hits is whole but for the last one, so Limit stands for
	// what is shown (some hits may be dropped as no longer readable).
	p := newPager(q.Offset, q.Limit, q.Limit, total, func(offset int) string { return searchURL(v, offset) })
	data["Searched"], data["Total"], data["Hits"], data["Pager"] = true, total, shown, p
	return s.render(w, r, http.StatusOK, "search", data)
}

// searchURL links to another page of the same search, filters kept.
func searchURL(v url.Values, offset int) string {
	q := url.Values{}
	for k, vals := range v {
		if k != "offset" && len(vals) > 0 && vals[0] != "" {
			q.Set(k, vals[0])
		}
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	return "/search?" + q.Encode()
}

// textSegment is a run of extracted text, marked when it matches the
// search the reader came from.
type textSegment struct {
	Text string
	ID   string // "m1", "m2", … on a match
}

// markedText cuts text into segments around the matches of q (the index's
// matching, so marks fall where the search found the terms); nil when q is
// empty or not a valid query.
func markedText(text, q string) []textSegment {
	if q == "" {
		return nil
	}
	terms, err := index.ParseQuery(q)
	if err != nil {
		return nil
	}
	matches := index.Matches(text, terms)
	if len(matches) == 0 {
		return nil
	}
	rs := []rune(text)
	var segs []textSegment
	at := 0
	for i, m := range matches {
		if m[0] > at {
			segs = append(segs, textSegment{Text: string(rs[at:m[0]])})
		}
		segs = append(segs, textSegment{Text: string(rs[m[0]:m[1]]), ID: "m" + strconv.Itoa(i+1)})
		at = m[1]
	}
	if at < len(rs) {
		segs = append(segs, textSegment{Text: string(rs[at:])})
	}
	return segs
}
