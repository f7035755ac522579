package httpx

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/index"
)

// Searcher is what the handlers need from the full-text indexes.
type Searcher interface {
	Search(ctx context.Context, tenantID string, q index.Query) (index.Result, error)
	// SearchParts answers one page over several tenants' indexes: a
	// tenant's own and the guideline library's.
	SearchParts(ctx context.Context, parts []index.Part) (index.Result, error)
}

// searchFragments is how many highlighted passages a hit shows.
const searchFragments = 3

// SearchRequest is a parsed search: the query for the index and the terms,
// kept for highlighting.
type SearchRequest struct {
	Query index.Query
	Terms []index.Term
}

// SearchHit is one result as both the API and the page show it.
type SearchHit struct {
	DocumentID string    `json:"document_id"`
	Title      string    `json:"title"`
	Score      float64   `json:"score"`
	Fragments  []string  `json:"fragments"` // HTML-escaped, matches in <mark>
	Kind       string    `json:"kind"`
	Version    int       `json:"version"` // the version whose text matched
	UploadedAt time.Time `json:"uploaded_at"`
}

// ParseSearch reads a search from query parameters: q and the optional
// limit, offset, kind, audit_id, enterprise_id, consultancy_id, industry,
// region, phase, step, from, to (dates, inclusive) and sort (relevance or
// date). Bad values are KindInvalid.
func ParseSearch(v url.Values) (SearchRequest, error) {
	var sr SearchRequest
	q := &sr.Query
	q.Q = v.Get("q")
	if strings.TrimSpace(q.Q) == "" {
		return sr, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeQueryRequired, "q is required: the text to look for")
	}
	var err error
	if sr.Terms, err = index.ParseQuery(q.Q); err != nil {
		return sr, err
	}
	if q.Limit, err = IntParam(v, "limit", index.DefaultLimit, 1, 100); err != nil {
		return sr, err
	}
	if q.Offset, err = IntParam(v, "offset", 0, 0, 10000); err != nil {
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
	if q.Step, err = IntParam(v, "step", 0, 1, cpaudit.StepCount); err != nil {
		return sr, err
	}
	if p := v.Get("phase"); p != "" {
		if len(p) != 2 || p[0] != 'P' || p[1] < '1' || p[1] > '7' {
			return sr, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodePhaseInvalid, "phase must be P1 to P7")
		}
		q.Phase = p
	}
	if q.From, err = DateParam(v, "from"); err != nil {
		return sr, err
	}
	if q.To, err = DateParam(v, "to"); err != nil {
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

// ChinaTime is the zone dates are entered in: a day starts at midnight in
// China, wherever the server runs.
var ChinaTime = time.FixedZone("CST", 8*3600)

// DateParam reads an optional YYYY-MM-DD date, as the start of that day in
// China.
func DateParam(v url.Values, name string) (time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, ChinaTime)
	// The index keeps times as nanoseconds since 1970 in an int64.
	if err != nil || t.Year() < 1970 || t.Year() > 2200 {
		return time.Time{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeDateInvalid, "%s must be a date such as 2026-03-01", name).With("field", name).With("value", v.Get(name))
	}
	return t, nil
}

// SearchStore is what a search needs from storage: the actor's scope, and
// the titles and texts of the hits it may read.
type SearchStore interface {
	SearchScope(ctx context.Context, a cpaudit.Actor) (cpaudit.SearchScope, error)
	SearchHits(ctx context.Context, a cpaudit.Actor, ids []string) (map[string]cpaudit.SearchSource, error)
}

// RunSearch runs sr for the actor: the scope comes from storage, the
// matches from the index, titles and texts for the fragments from storage
// again, which also drops any hit the actor may not read (an index that
// lags behind a change never shows more than the database allows).
func RunSearch(ctx context.Context, store SearchStore, indexes Searcher, a cpaudit.Actor, sr SearchRequest) (int, []SearchHit, error) {
	if indexes == nil {
		return 0, nil, cpaudit.Refuse(cpaudit.KindUnavailable, cpaudit.CodeSearchUnavail, "search is not configured")
	}
	scope, err := store.SearchScope(ctx, a)
	if err != nil {
		return 0, nil, err
	}
	q := sr.Query
	q.Scope(scope)
	var res index.Result
	if lq, ok := libraryQuery(sr.Query, scope); ok {
		res, err = indexes.SearchParts(ctx, []index.Part{{TenantID: a.TenantID, Query: q}, {TenantID: scope.Library.TenantID, Query: lq}})
	} else {
		res, err = indexes.Search(ctx, a.TenantID, q)
	}
	if err != nil {
		return 0, nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	srcs, err := store.SearchHits(ctx, a, ids)
	if err != nil {
		return 0, nil, err
	}
	hits := make([]SearchHit, 0, len(res.Hits))
	for _, h := range res.Hits {
		src, ok := srcs[h.ID]
		if !ok {
			continue
		}
		frags := index.Fragments(src.Text, sr.Terms, searchFragments)
		if frags == nil {
			frags = []string{}
		}
		hits = append(hits, SearchHit{DocumentID: h.ID, Title: src.Title, Score: h.Score, Fragments: frags,
			Kind: string(src.Kind), Version: src.Version, UploadedAt: src.UploadedAt})
	}
	return res.Total, hits, nil
}

// libraryQuery is the query a search asks of the guideline library's
// index (scope.Library), and whether it asks one at all: only a query
// that may find guidelines (no kind, or kind guideline), asking for
// guidelines alone, with the library's stale documents. The other filters
// stay: a library guideline has no audit, enterprise or step, so a query
// narrowed to one finds none there.
func libraryQuery(q index.Query, scope cpaudit.SearchScope) (index.Query, bool) {
	if scope.Library == nil || (q.Kind != "" && q.Kind != string(cpaudit.DocGuideline)) {
		return index.Query{}, false
	}
	q.Kind = string(cpaudit.DocGuideline)
	q.AllowKinds = nil // not the caller's query's slice
	q.Scope(cpaudit.SearchScope{Kinds: []cpaudit.DocKind{cpaudit.DocGuideline}, Stale: scope.Library.Stale})
	return q, true
}

// asInvalid makes a rule's refusal of a search parameter (a region, an
// industry) a malformed query, 400, keeping its code and parameters so the
// page still says which rule.
func asInvalid(err error) error {
	return &cpaudit.Error{Kind: cpaudit.KindInvalid, Code: cpaudit.ErrorCode(err), Message: cpaudit.ErrorMessage(err), Params: cpaudit.ErrorParams(err)}
}
