package index

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cpaudit/cpaudit"
)

// Paging limits.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
	MaxOffset    = 100000
)

// Query is one search. Q is what the user typed (see ParseQuery). The
// filters narrow the documents; an empty filter does not filter.
//
// Visibility is exact: a document is counted only if AllowAll is set, or
// its kind is in AllowKinds (guidelines), or it was uploaded by
// AllowUserID or by an organisation in AllowOrgIDs, or it belongs to an
// audit in AllowAuditIDs, or its enterprise lies in AllowRegion — the rule of storage's docVisible, with the
// audits the caller's organisation runs computed by the caller at query
// time (so reassigning an audit needs no reindexing). With none of them
// set the result is empty.
//
// Stale documents are the exception: their entries may be out of date
// (see cpaudit.SearchScope), so for them the index's fields are not
// asked. One is counted when it contains the terms, storage says the
// caller may read it (not Absent) and its fields as storage has them now
// pass the filters (admits); otherwise it is not counted, whatever its
// entry says. A document deleted, or moved out of the caller's region, is
// thus never counted once the change is committed, and one moved in is
// counted before the indexer has rewritten it.
type Query struct {
	Q             string
	Limit, Offset int // Limit 0 means DefaultLimit

	Kind, AuditID, EnterpriseID, ConsultancyID string
	Industry                                   string
	Region                                     string // this division or any below it
	Step                                       int
	Phase                                      string    // P1..P7
	From, To                                   time.Time // uploaded in [From, To); zero: unbounded

	AllowAll      bool
	AllowKinds    []string
	AllowUserID   string
	AllowOrgIDs   []string
	AllowAuditIDs []string
	AllowRegion   string
	Stale         []cpaudit.SearchSource

	SortByDate bool // newest first; otherwise by relevance
}

// Hit is one matching document.
type Hit struct {
	ID    string
	Score float64
	date  string // while the indexes' answers are merged (see merge)
}

// Result is one page of hits and the exact number of matching documents.
type Result struct {
	Total int
	Hits  []Hit
}

// Search runs q. Total is the exact number of documents the caller may
// read that contain every term and none of the excluded ones; Hits is the
// page [Offset, Offset+Limit) of them. By relevance (BM25 over the
// terms' frequency and rarity and the document's length; terms of one
// rune do not rank), ties broken by document id so that pages stay
// stable while the index merges; or by upload date, newest first, ties
// by id. It returns KindInvalid errors for a malformed query or paging
// (see ParseQuery), and ctx's error when ctx ends first.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	limit, err := q.paging()
	if err != nil {
		return Result{}, err
	}
	res, err := ix.top(ctx, q, q.Offset+limit)
	if err != nil {
		return Result{}, err
	}
	return page(res, q.Offset, limit), nil
}

// paging checks q's paging and returns its limit (DefaultLimit for 0).
func (q Query) paging() (int, error) {
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeLimitRange, "limit must be between 1 and %d", MaxLimit)
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		return 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeLimitRange, "offset must be between 0 and %d", MaxOffset)
	}
	return limit, nil
}

// top returns the exact total of q and its first n hits in q's order,
// dates kept for a further merge (ignoring q's paging).
func (ix *Index) top(ctx context.Context, q Query, n int) (Result, error) {
	const op = "index.Search"
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	terms, err := ParseQuery(q.Q)
	if err != nil {
		return Result{}, err
	}
	filter, ok := q.filter()
	if !ok {
		return Result{}, nil // the caller may read nothing
	}
	// Each index is asked for the first n hits, and the two lists are
	// merged in the page's order.
	run := func(b bleve.Index) (Result, error) {
		bq := buildQuery(terms, filter) // a query's searchers share state of one reader
		if q.SortByDate {
			return byDate(ctx, b, bq, 0, n)
		}
		return byRelevance(ctx, b, bq, 0, n)
	}
	res, err := run(ix.b)
	if err == nil {
		var long Result
		if long, err = run(ix.long); err == nil {
			res = combine(q.SortByDate, res, long)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		return Result{}, cpaudit.Internal(op, err)
	}
	return res, nil
}

// byDate runs q through bleve's collector, newest first, ties by id. With
// scoring off and a sort on a field, bleve still counts every match.
func byDate(ctx context.Context, b bleve.Index, q query.Query, offset, limit int) (Result, error) {
	req := bleve.NewSearchRequestOptions(q, limit, offset, false)
	req.Score = bleve.ScoreNone
	req.SortBy([]string{"-" + fieldDate, "_id"})
	res, err := b.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, err
	}
	out := Result{Total: int(res.Total), Hits: make([]Hit, len(res.Hits))}
	for i, h := range res.Hits {
		out.Hits[i] = Hit{ID: h.ID, Score: h.Score}
		if len(h.Sort) > 0 {
			out.Hits[i].date = h.Sort[0] // the date as bleve encodes it to sort: in order as strings
		}
	}
	return out, nil
}

// combine merges the answers of several indexes (each its first hits in
// order, with its total): totals added, hits by date, newest first, or
// by score, ties by id either way, as each index orders its own. Dates
// are kept, for page or a further combine.
func combine(byDate bool, rs ...Result) Result {
	var out Result
	for _, r := range rs {
		out.Total += r.Total
		out.Hits = append(out.Hits, r.Hits...)
	}
	slices.SortFunc(out.Hits, func(x, y Hit) int {
		if byDate {
			if c := strings.Compare(y.date, x.date); c != 0 {
				return c
			}
		} else if c := cmp.Compare(y.Score, x.Score); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}

// page returns the page [offset, offset+limit) of a combined answer.
func page(r Result, offset, limit int) Result {
	out := Result{Total: r.Total}
	if offset < len(r.Hits) {
		out.Hits = r.Hits[offset:min(offset+limit, len(r.Hits))]
		for i := range out.Hits {
			out.Hits[i].date = ""
		}
	}
	return out
}

// buildQuery combines the terms and the filter. A lone term without filter
// is its own query, sparing a conjunction wrapper on every hit.
func buildQuery(terms []Term, filter query.Query) query.Query {
	var must, not []query.Query
	var required, excluded []*substringQuery
	chunks := &chunkCache{}
	for _, t := range terms {
		q := newSubstringQuery(t.Text)
		q.chunks = chunks
		if t.Exclude {
			not, excluded = append(not, q), append(excluded, q)
		} else {
			must, required = append(must, q), append(required, q)
		}
	}
	// A document matches only if it holds every bigram of every required
	// term: each term's searcher checks only those. An excluded term is
	// asked only about documents the required ones match, so its searcher
	// checks only those too.
	for _, q := range required {
		for _, other := range required {
			if other != q {
				q.also = append(q.also, other.bigrams()...)
			}
		}
	}
	for _, q := range excluded {
		for _, r := range required {
			q.also = append(q.also, r.bigrams()...)
		}
	}
	if len(must) == 1 && len(not) == 0 && filter == nil {
		return must[0]
	}
	bq := query.NewBooleanQuery(nil, nil, nil)
	if len(must) == 1 {
		bq.Must = must[0] // a substringQuery never yields bleve's MatchNoneSearcher, which BooleanQuery would drop
	} else {
		bq.AddMust(must...)
	}
	bq.AddMustNot(not...)
	bq.AddFilter(filter)
	return bq
}

// filter is what q's filters and visibility admit, nil when nothing
// filters; ok is false when nothing is admitted. For the Stale documents
// it is decided here, from storage's word: the entries of all of them are
// set aside and those admitted added back by id.
func (q Query) filter() (f query.Query, ok bool) {
	f, ok = q.indexedFilter()
	if len(q.Stale) == 0 {
		return f, ok
	}
	stale := make([]string, 0, len(q.Stale))
	var admitted []string
	for _, src := range q.Stale {
		stale = append(stale, src.DocumentID)
		if !src.Absent && q.admits(DocFrom(src)) {
			admitted = append(admitted, src.DocumentID)
		}
	}
	var anyOf []query.Query
	if ok {
		rest := query.NewBooleanQuery(nil, nil, []query.Query{query.NewDocIDQuery(stale)})
		if f != nil {
			rest.AddMust(f)
		}
		anyOf = append(anyOf, rest)
	}
	if len(admitted) > 0 {
		anyOf = append(anyOf, query.NewDocIDQuery(admitted))
	}
	switch len(anyOf) {
	case 0:
		return nil, false
	case 1:
		return anyOf[0], true
	}
	return query.NewDisjunctionQuery(anyOf), true
}

// admits reports whether a document with the fields of d passes q's
// filters (visibility aside): the test filter's queries make of the
// fields newDocument writes, made in Go for a document whose entry may be
// out of date.
func (q Query) admits(d Doc) bool {
	for _, kw := range [...]struct{ want, has string }{
		{q.Kind, d.Kind},
		{q.AuditID, d.AuditID},
		{q.EnterpriseID, d.EnterpriseID},
		{q.ConsultancyID, d.ConsultancyID},
		{q.Industry, d.Industry},
		{q.Phase, d.Phase},
	} {
		if kw.want != "" && kw.want != kw.has {
			return false
		}
	}
	if q.Region != "" && !slices.Contains(cpaudit.RegionAncestors(d.Region), q.Region) {
		return false
	}
	if q.Step != 0 && q.Step != d.Step {
		return false
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		t := d.UploadedAt
		if t.IsZero() || (!q.From.IsZero() && t.Before(q.From)) || (!q.To.IsZero() && !t.Before(q.To)) {
			return false
		}
	}
	return true
}

// indexedFilter is the conjunction of q's filters and visibility over the
// indexed fields, nil when nothing filters; ok is false when visibility
// admits nothing.
func (q Query) indexedFilter() (f query.Query, ok bool) {
	var must []query.Query
	for _, kw := range [...]struct{ field, value string }{
		{fieldKind, q.Kind},
		{fieldAudit, q.AuditID},
		{fieldEnt, q.EnterpriseID},
		{fieldCons, q.ConsultancyID},
		{fieldIndustry, q.Industry},
		{fieldRegion, q.Region},
		{fieldPhase, q.Phase},
	} {
		if kw.value != "" {
			must = append(must, term(kw.field, kw.value))
		}
	}
	if q.Step != 0 {
		must = append(must, term(fieldStep, strconv.Itoa(q.Step)))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		dq := query.NewDateRangeQuery(q.From, q.To)
		dq.SetField(fieldDate)
		must = append(must, dq)
	}
	if !q.AllowAll {
		var anyOf []query.Query
		for _, k := range q.AllowKinds {
			anyOf = append(anyOf, term(fieldKind, k))
		}
		if q.AllowUserID != "" {
			anyOf = append(anyOf, term(fieldCreator, q.AllowUserID))
		}
		for _, o := range q.AllowOrgIDs {
			anyOf = append(anyOf, term(fieldOrg, o))
		}
		for _, a := range q.AllowAuditIDs {
			anyOf = append(anyOf, term(fieldAudit, a))
		}
		if q.AllowRegion != "" {
			anyOf = append(anyOf, term(fieldRegion, q.AllowRegion))
		}
		if len(anyOf) == 0 {
			return nil, false
		}
		must = append(must, query.NewDisjunctionQuery(anyOf))
	}
	switch len(must) {
	case 0:
		return nil, true
	case 1:
		return must[0], true
	}
	return query.NewConjunctionQuery(must), true
}

func term(field, value string) query.Query {
	t := query.NewTermQuery(value)
	t.SetField(field)
	return t
}
