package cpaudit

import "slices"

// This file holds the domain of the results (审核成效): what the
// implemented and verified options of the audits a caller may read add
// up to, grouped, and which options cut a pollutant at the lowest cost.

// ResultGroupBy is what the results are grouped by.
type ResultGroupBy string

const (
	GroupByIndustry    ResultGroupBy = "industry"    // the enterprise's GB/T 4754 code, as recorded
	GroupByRegion      ResultGroupBy = "region"      // the enterprise's division code, as recorded
	GroupByConsultancy ResultGroupBy = "consultancy" // the consultancy's id, "none" for a self-audit
	GroupByBatch       ResultGroupBy = "batch"       // the batch's id, "none" for an audit of no batch
	GroupByYear        ResultGroupBy = "year"        // the audit's year (ResultFilter.Year)
)

// ResultGroupBys lists every grouping, in display order.
var ResultGroupBys = []ResultGroupBy{GroupByIndustry, GroupByRegion, GroupByConsultancy, GroupByBatch, GroupByYear}

// ParseResultGroupBy returns the grouping named s, or a KindInvalid error
// (group_by is required).
func ParseResultGroupBy(s string) (ResultGroupBy, error) {
	if slices.Contains(ResultGroupBys, ResultGroupBy(s)) {
		return ResultGroupBy(s), nil
	}
	return "", Refuse(KindInvalid, CodeResultsGroupByInvalid, "group_by %q: use industry, region, consultancy, batch or year", s).With("value", s)
}

// ResultFilter selects the audits whose options are counted. An audit's
// year is its batch's year, or the year (China time) it was started when
// it belongs to no batch.
type ResultFilter struct {
	GroupBy  ResultGroupBy
	Region   string // a division code: it and every division below it
	Industry string // a GB/T 4754 code or prefix: C27 covers C2710
	Year     int    // 0: every year
}

// ResultGroup is what one group's implemented and verified options add
// up to: Audits is how many audits of the group have at least one such
// option (an audit with none is in no group), Options how many such
// options there are, and Figures the sum of each quantity over them, in
// its canonical unit (a quantity none of them states is left out).
type ResultGroup struct {
	Key     string               `json:"key"`
	Audits  int                  `json:"audits"`
	Options int                  `json:"options"`
	Figures map[Quantity]float64 `json:"figures"`
}

// RankingFilter selects the options of a cost ranking.
type RankingFilter struct {
	Industry string   // a GB/T 4754 code or prefix, "" for all
	Per      Quantity // what an option reduces
	Limit    int      // at most this many options, the cheapest
}

// ParseRankingPer returns the quantity a ranking is per: any quantity but
// investment, which is the cost itself. KindInvalid otherwise.
func ParseRankingPer(s string) (Quantity, error) {
	q, err := ParseQuantity(s)
	if err != nil || q == QtyInvestment {
		return "", Refuse(KindInvalid, CodeRankingPerInvalid, "per %q: use a quantity an option reduces or saves, such as cod, vocs, so2 or co2", s).With("value", s)
	}
	return q, nil
}

// RankedOption is one implemented or verified option in a cost ranking:
// its investment (元), its reduction of the ranked quantity (in that
// quantity's canonical unit, a year) and the investment per unit reduced.
type RankedOption struct {
	AuditID     string  `json:"audit_id"`
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Investment  float64 `json:"investment"`
	Reduction   float64 `json:"reduction"`
	CostPerUnit float64 `json:"cost_per_unit"`
}
