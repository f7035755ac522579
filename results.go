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
	Level    RegionLevel // with GroupByRegion: the level regions are summed at; "" the code as recorded
	Region   string      // a division code: it and every division below it
	Industry string      // a GB/T 4754 code or prefix: C27 covers C2710
	Year     int         // 0: every year
}

// RegionLevel is the level of administrative division a region breakdown
// sums at: an enterprise recorded in 130102 (长安区) counts in 130000 (河北省)
// at province level, in 130100 (石家庄市) at city level and in 130102 at
// county level. Regulators report by each.
type RegionLevel string

const (
	LevelProvince RegionLevel = "province"
	LevelCity     RegionLevel = "city"
	LevelCounty   RegionLevel = "county"
)

// RegionLevels lists the levels, from the top.
var RegionLevels = []RegionLevel{LevelProvince, LevelCity, LevelCounty}

// ParseRegionLevel returns the level named s ("" for the code as
// recorded), or KindInvalid (results_level_invalid).
func ParseRegionLevel(s string) (RegionLevel, error) {
	if s == "" || slices.Contains(RegionLevels, RegionLevel(s)) {
		return RegionLevel(s), nil
	}
	return "", Refuse(KindInvalid, CodeResultsLevelInvalid, "level %q: use province, city or county", s).With("value", s)
}

// At is the division at level l that code lies in: 130102 at city level
// is 130100. A code that is not 6 digits, or level "", is kept.
func (l RegionLevel) At(code string) string {
	if len(code) != 6 {
		return code
	}
	switch l {
	case LevelProvince:
		return code[:2] + "0000"
	case LevelCity:
		return code[:4] + "00"
	}
	return code
}

// ResultGroup is what one group's implemented and verified options add
// up to: Audits is how many audits of the group have at least one such
// option (an audit with none is in no group), Options how many such
// options there are, and Figures the sum of each quantity over them, in
// its canonical unit (a quantity none of them states is left out).
// Counts says how many of those options state each figure: a sum over 3
// options of 40 is not the group's whole.
type ResultGroup struct {
	Key     string               `json:"key"`
	Audits  int                  `json:"audits"`
	Options int                  `json:"options"`
	Figures map[Quantity]float64 `json:"figures"`
	Counts  map[Quantity]int     `json:"counts"`
}

// ResultOptionFilter selects counted options behind a figure of the
// results: those of the audits f selects, in the group Key of f.GroupBy
// ("" every group), stating Quantity ("" any).
type ResultOptionFilter struct {
	ResultFilter
	Key      string
	Quantity Quantity
	Limit    int // at most this many; 0 every one
}

// ResultOption is one counted option with what places it in each
// breakdown: the click-through list and the export of all options.
type ResultOption struct {
	AuditID        string
	EnterpriseName string
	Region         string // the enterprise's division code, as recorded
	Industry       string
	ConsultancyID  string // "" for a self-audit
	BatchID        string // "" for no batch
	Year           int
	Code, Name     string
	Status         OptionStatus
	Figures        map[Quantity]float64
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
