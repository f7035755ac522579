package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/index"
)

// Searcher is what the handlers need from the full-text indexes.
type Searcher interface {
	Search(ctx context.Context, tenantID string, q index.Query) (index.Result, error)
}

// searchFragments is how many highlighted passages a hit shows.
const searchFragments = 3

// searchRequest is a parsed search: the query for the index and the terms,
// kept for highlighting.
type searchRequest struct {
	query index.Query
	terms []index.Term
}

// searchHit is one result as both the API and the page show it.
type searchHit struct {
	DocumentID string    `json:"document_id"`
	Title      string    `json:"title"`
	Score      float64   `json:"score"`
	Fragments  []string  `json:"fragments"` // HTML-escaped, matches in <mark>
	Kind       string    `json:"kind"`
	Version    int       `json:"version"` // the version whose text matched
	UploadedAt time.Time `json:"uploaded_at"`
}

// parseSearch reads a search from query parameters: q and the optional
// limit, offset, kind, audit_id, enterprise_id, consultancy_id, industry,
// region, phase, step, from, to (dates, inclusive) and sort (relevance or
// date). Bad values are KindInvalid.
func parseSearch(v url.Values) (searchRequest, error) {
	var sr searchRequest
	q := &sr.query
	q.Q = v.Get("q")
	if strings.TrimSpace(q.Q) == "" {
		return sr, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeQueryRequired, "q is required: the text to look for")
	}
	var err error
	if sr.terms, err = index.ParseQuery(q.Q); err != nil {
		return sr, err
	}
	if q.Limit, err = intParam(v, "limit", index.DefaultLimit, 1, 100); err != nil {
		return sr, err
	}
	if q.Offset, err = intParam(v, "offset", 0, 0, 10000); err != nil {
		return sr, err
	}
	if k := v.Get("kind"); k != "" {
		kind, err := cpaudit.ParseDocKind(k)
		if err != nil {
			return sr, err
		}
		q.Kind = string(kind)
	}
	for _, id := range [...]struct {
		name string
		dst  *string
	}{{"audit_id", &q.AuditID}, {"enterprise_id", &q.EnterpriseID}, {"consultancy_id", &q.ConsultancyID}} {
		val := v.Get(id.name)
		if len(val) > 64 {
			return sr, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeIDInvalid, "%s is not an id", id.name).With("field", id.name)
		}
		*id.dst = val
	}
	if q.Industry = v.Get("industry"); q.Industry != "" {
		if err := cpaudit.ValidateIndustry(q.Industry); err != nil {
			return sr, asInvalid(err)
		}
	}
	if q.Region = v.Get("region"); q.Region != "" {
		if err := cpaudit.ValidateRegion(q.Region); err != nil {
			return sr, asInvalid(err)
		}
	}
	if q.Step, err = intParam(v, "step", 0, 1, cpaudit.StepCount); err != nil {
		return sr, err
	}
	if p := v.Get("phase"); p != "" {
		if len(p) != 2 || p[0] != 'P' || p[1] < '1' || p[1] > '7' {
			return sr, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodePhaseInvalid, "phase must be P1 to P7")
		}
		q.Phase = p
	}
	if q.From, err = dateParam(v, "from"); err != nil {
		return sr, err
	}
	if q.To, err = dateParam(v, "to"); err != nil {
		return sr, err
	}
	if !q.To.IsZero() {
		q.To = q.To.AddDate(0, 0, 1) // "to" names the last day included
	}
	switch v.Get("sort") {
	case "", "relevance":
	case "date":
		q.SortByDate = true
	default:
		return sr, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeSortInvalid, "sort must be relevance or date").With("value", v.Get("sort"))
	}
	return sr, nil
}

// chinaTime is the zone dates are entered in: a day starts at midnight in
// China, wherever the server runs.
var chinaTime = time.FixedZone("CST", 8*3600)

// dateParam reads an optional YYYY-MM-DD date, as the start of that day in
// China.
func dateParam(v url.Values, name string) (time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, chinaTime)
	// The index keeps times as nanoseconds since 1970 in an int64.
	if err != nil || t.Year() < 1970 || t.Year() > 2200 {
		return time.Time{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeDateInvalid, "%s must be a date such as 2026-03-01", name).With("field", name).With("value", v.Get(name))
	}
	return t, nil
}

// runSearch runs sr for the actor: the scope comes from storage, the
// matches from the index, titles and texts for the fragments from storage
// again, which also drops any hit the actor may not read (an index that
// lags behind a change never shows more than the database allows).
func (s *Server) runSearch(ctx context.Context, a cpaudit.Actor, sr searchRequest) (int, []searchHit, error) {
	if s.search == nil {
		return 0, nil, cpaudit.Refuse(cpaudit.KindUnavailable, cpaudit.CodeSearchUnavail, "search is not configured")
	}
	scope, err := s.store.SearchScope(ctx, a)
	if err != nil {
		return 0, nil, err
	}
	q := sr.query
	q.Scope(scope)
	res, err := s.search.Search(ctx, a.TenantID, q)
	if err != nil {
		return 0, nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	srcs, err := s.store.SearchHits(ctx, a, ids)
	if err != nil {
		return 0, nil, err
	}
	hits := make([]searchHit, 0, len(res.Hits))
	for _, h := range res.Hits {
		src, ok := srcs[h.ID]
		if !ok {
			continue
		}
		frags := index.Fragments(src.Text, sr.terms, searchFragments)
		if frags == nil {
			frags = []string{}
		}
		hits = append(hits, searchHit{DocumentID: h.ID, Title: src.Title, Score: h.Score, Fragments: frags,
			Kind: string(src.Kind), Version: src.Version, UploadedAt: src.UploadedAt})
	}
	return res.Total, hits, nil
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	sr, err := parseSearch(r.URL.Query())
	if err != nil {
		return err
	}
	total, hits, err := s.runSearch(r.Context(), actorOf(r), sr)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"total": total, "hits": hits})
	return nil
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.store.SearchStatus(r.Context(), actorOf(r).TenantID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, st)
	return nil
}

// asInvalid makes a rule's refusal of a search parameter (a region, an
// industry) a malformed query, 400, keeping its code and parameters so the
// page still says which rule.
func asInvalid(err error) error {
	return &cpaudit.Error{Kind: cpaudit.KindInvalid, Code: cpaudit.ErrorCode(err), Message: cpaudit.ErrorMessage(err), Params: cpaudit.ErrorParams(err)}
}
