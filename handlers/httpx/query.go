package httpx

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/cpaudit/cpaudit"
)

// DocumentFilter reads the list parameters shared by the API and the pages.
func DocumentFilter(q url.Values) (cpaudit.DocumentFilter, error) {
	f := cpaudit.DocumentFilter{AuditID: q.Get("audit_id")}
	if k := q.Get("kind"); k != "" {
		kind, err := cpaudit.ParseDocKind(k)
		if err != nil {
			return f, err
		}
		f.Kind = kind
	}
	var err error
	if f.Limit, err = IntParam(q, "limit", 20, 1, 200); err != nil {
		return f, err
	}
	if f.Offset, err = IntParam(q, "offset", 0, 0, 1<<30); err != nil {
		return f, err
	}
	return f, nil
}

// IntParam reads an optional integer query parameter within [lo, hi].
func IntParam(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeNumberRange, "%s must be a whole number from %d to %d", name, lo, hi).With("field", name).With("min", strconv.Itoa(lo)).With("max", strconv.Itoa(hi))
	}
	return n, nil
}

// VersionParam reads the optional {version} path parameter: 0 means the
// newest version.
func VersionParam(r *http.Request) (int, error) {
	return ParseVersion(Param(r, "version"))
}

// ParseVersion reads a version number as a path or query names it: "" is
// 0, the newest version; anything but a number from 1 is no such version.
func ParseVersion(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchVersion, "no such version")
	}
	return n, nil
}

// DefaultStalledDays is N of "no change in N days" unless ?stalled= says.
const DefaultStalledDays = 30

// AuditFilterKeys are the query parameters of an audit list, in the order
// links write them.
var AuditFilterKeys = []string{"batch_id", "region", "industry", "consultancy_id", "phase", "overdue", "stalled"}

// AuditFilterOf reads an audit list's filters, shared by the API, the
// pages and the exports.
func AuditFilterOf(q url.Values, limit int) (cpaudit.AuditListFilter, error) {
	f := cpaudit.AuditListFilter{BatchID: q.Get("batch_id"), Region: q.Get("region"), Industry: q.Get("industry"),
		ConsultancyID: q.Get("consultancy_id"), Phase: q.Get("phase"), Overdue: q.Get("overdue")}
	var err error
	if f.StalledDays, err = IntParam(q, "stalled", 0, 0, 3650); err != nil {
		return f, err
	}
	if f.Limit, err = IntParam(q, "limit", limit, 1, 1000); err != nil {
		return f, err
	}
	if f.Offset, err = IntParam(q, "offset", 0, 0, 1<<30); err != nil {
		return f, err
	}
	return f, nil
}

// AuditFilterQuery is f as query parameters (without paging), so links
// and exports reproduce a list exactly.
func AuditFilterQuery(f cpaudit.AuditListFilter) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("batch_id", f.BatchID)
	set("region", f.Region)
	set("industry", f.Industry)
	set("consultancy_id", f.ConsultancyID)
	set("phase", f.Phase)
	set("overdue", f.Overdue)
	if f.StalledDays > 0 {
		q.Set("stalled", strconv.Itoa(f.StalledDays))
	}
	return q
}

// FlagFilterOf reads the filters of a flag list, shared by the API and the
// web page: kind, document_id, audit_id, consultancy_id, status, sort,
// limit and offset.
func FlagFilterOf(q url.Values, limit int) (cpaudit.FlagFilter, error) {
	f := cpaudit.FlagFilter{DocumentID: q.Get("document_id"), AuditID: q.Get("audit_id"), ConsultancyID: q.Get("consultancy_id")}
	var err error
	if k := q.Get("kind"); k != "" {
		if f.Kind, err = cpaudit.ParseFlagKind(k); err != nil {
			return f, err
		}
	}
	if f.Status, err = cpaudit.ParseFlagStatus(q.Get("status")); err != nil {
		return f, err
	}
	if f.Sort, err = cpaudit.ParseFlagSort(q.Get("sort")); err != nil {
		return f, err
	}
	if f.Limit, err = IntParam(q, "limit", limit, 1, 1000); err != nil {
		return f, err
	}
	if f.Offset, err = IntParam(q, "offset", 0, 0, 1<<30); err != nil {
		return f, err
	}
	return f, nil
}

// EnterpriseFilter reads the list's query: region, industry, q, limit, offset.
func EnterpriseFilter(q url.Values) (cpaudit.EnterpriseFilter, error) {
	f := cpaudit.EnterpriseFilter{Region: q.Get("region"), Industry: q.Get("industry"), Query: q.Get("q")}
	var err error
	if f.Limit, err = IntParam(q, "limit", 20, 1, 200); err != nil {
		return f, err
	}
	f.Offset, err = IntParam(q, "offset", 0, 0, 1<<30)
	return f, err
}

// ResultFilterOf reads the results' grouping and filters (group_by,
// level, region, industry, year), shared by the API and the results page.
func ResultFilterOf(q url.Values) (cpaudit.ResultFilter, error) {
	g, err := cpaudit.ParseResultGroupBy(q.Get("group_by"))
	if err != nil {
		return cpaudit.ResultFilter{}, err
	}
	f, err := resultScopeOf(q)
	f.GroupBy = g
	return f, err
}

// resultScopeOf reads the results' filters without the grouping.
func resultScopeOf(q url.Values) (cpaudit.ResultFilter, error) {
	f := cpaudit.ResultFilter{Region: q.Get("region"), Industry: q.Get("industry")}
	var err error
	if f.Level, err = cpaudit.ParseRegionLevel(q.Get("level")); err != nil {
		return f, err
	}
	if f.Year, err = IntParam(q, "year", 0, 2000, 2100); err != nil {
		return f, err
	}
	return f, nil
}

// LibraryFilterOf reads the options library's filters (industry, per,
// sort, recommended, limit), shared by the API and the library page; the
// store checks the values.
func LibraryFilterOf(q url.Values) (cpaudit.LibraryFilter, error) {
	f := cpaudit.LibraryFilter{Industry: q.Get("industry"), Per: cpaudit.Quantity(q.Get("per")), Sort: cpaudit.LibrarySort(q.Get("sort"))}
	var err error
	if f.Recommended, err = BoolParam(q, "recommended"); err != nil {
		return f, err
	}
	f.Limit, err = IntParam(q, "limit", 1000, 1, 10000)
	return f, err
}

// maxResultKey bounds a group key: the longest is an id.
const maxResultKey = 64

// ResultOptionFilterOf reads which counted options to list or export: the
// results' filters, an optional grouping with the key of one of its
// groups, and an optional quantity the options must state. A key without
// a grouping, or longer than any key, is KindInvalid (results_key_invalid).
func ResultOptionFilterOf(q url.Values) (cpaudit.ResultOptionFilter, error) {
	rf, err := resultScopeOf(q)
	if err != nil {
		return cpaudit.ResultOptionFilter{}, err
	}
	f := cpaudit.ResultOptionFilter{ResultFilter: rf, Key: q.Get("key"), Quantity: cpaudit.Quantity(q.Get("quantity"))}
	if g := q.Get("group_by"); g != "" {
		if f.GroupBy, err = cpaudit.ParseResultGroupBy(g); err != nil {
			return f, err
		}
	}
	if (f.Key != "" && f.GroupBy == "") || len(f.Key) > maxResultKey {
		return f, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeResultsKeyInvalid, "key %q: give group_by with a key of one of its groups", f.Key).With("value", f.Key)
	}
	if f.Quantity != "" {
		if _, err := cpaudit.ParseQuantity(string(f.Quantity)); err != nil {
			return f, err
		}
	}
	return f, nil
}

// BoolParam reads an optional true/false query parameter ("" is false);
// KindInvalid (audit_filter_invalid, naming the field) for anything else.
func BoolParam(q url.Values, name string) (bool, error) {
	switch q.Get(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeAuditFilterInvalid, "%s must be true or false", name).With("field", name).With("value", q.Get(name))
}
