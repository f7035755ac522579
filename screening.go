package cpaudit

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the screening of audit candidates (筛选): enterprise-level
// source data (the pollution source census, energy statistics) imported
// as a sheet, rules that select the enterprises that must audit, each
// selection with its reason, and the batch made of the chosen candidates.

// Pollutants are the emission columns of a source sheet, by code, with
// their Chinese names; every quantity is in tonnes a year.
var Pollutants = []struct{ Code, Zh string }{
	{"cod", "化学需氧量"}, {"nh3n", "氨氮"}, {"so2", "二氧化硫"}, {"nox", "氮氧化物"}, {"vocs", "挥发性有机物"}, {"pm", "颗粒物"},
}

// SourceColumns are the columns of a screening source sheet, in the
// template's order; headers match by name, Chinese or English, as in
// the enterprise import.
var SourceColumns = func() []ImportColumn {
	cols := []ImportColumn{
		{"credit_code", "统一社会信用代码", "credit_code — 18 characters, GB 32100 check character", true, "91130100MA0CXXXX0X"},
		{"name", "企业名称", "name — required", true, "河北绿源化工有限公司"},
		{"region", "行政区划代码", "region — 6-digit division code such as 130104", true, "130104"},
		{"industry", "行业代码", "industry — GB/T 4754 code such as C2710", true, "C2710"},
		{"permit_number", "排污许可证编号", "permit_number — optional", false, ""},
		{"flags", "标识", "flags — any of 双超, 双有, 高耗能, separated by 、 or ;", false, "双超、高耗能"},
		{"energy_tce", "综合能耗(吨标准煤)", "energy_tce — tce a year, optional", false, "12000"},
		{"water_t", "取水量(吨)", "water_t — t a year, optional", false, "80000"},
	}
	for _, p := range Pollutants {
		cols = append(cols, ImportColumn{p.Code, p.Zh + "排放量(吨)", p.Code + " — t a year, optional", false, "0"})
	}
	return cols
}()

// SourceRow is one enterprise of a screening source sheet.
type SourceRow struct {
	Row          int                `json:"row"` // the sheet's row number, the header being row 1
	CreditCode   string             `json:"credit_code"`
	Name         string             `json:"name"`
	Region       string             `json:"region"`
	Industry     string             `json:"industry"`
	PermitNumber string             `json:"permit_number"`
	Flags        []ListingReason    `json:"flags"` // 双超, 双有, 高耗能 as listing reasons
	EnergyTce    float64            `json:"energy_tce"`
	WaterT       float64            `json:"water_t"`
	Emissions    map[string]float64 `json:"emissions"` // by Pollutants code, t a year
}

// ScreeningSource is one imported source sheet.
type ScreeningSource struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Rows      int       `json:"rows"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// sourceFlags are the flag words a sheet may use, by listing reason.
var sourceFlags = map[string]ListingReason{
	"双超": ReasonDoubleExceed, "双有": ReasonToxic, "高耗能": ReasonEnergyIntensive,
	"double_exceed": ReasonDoubleExceed, "toxic": ReasonToxic, "energy_intensive": ReasonEnergyIntensive,
}

// ParseSourceRows turns a source sheet's header and data rows (the first
// data row being sheet row 2) into rows and rejections, one per bad row
// naming its first bad column. KindInvalid when a required column is
// absent, since then no row can be read. The caller imports nothing when
// any row is rejected.
func ParseSourceRows(header []string, rows [][]string) ([]SourceRow, []ImportRejection, error) {
	index, zh, err := headerIndex(header, SourceColumns)
	if err != nil {
		return nil, nil, err
	}
	var ok []SourceRow
	var rejected []ImportRejection
	firstRow := map[string]int{}
	for i, cells := range rows {
		rowNo := i + 2
		get := cellGetter(index, cells)
		if blankRow(cells) {
			continue // spacing rows are not mistakes
		}
		reject := func(field string, err error) {
			rejected = append(rejected, ImportRejection{Row: rowNo, Column: zh[field], Reason: userMessage(err),
				Code: ErrorCode(err), Params: ErrorParams(err)})
		}
		r := SourceRow{Row: rowNo, CreditCode: strings.ToUpper(get("credit_code")), Name: get("name"), Region: get("region"),
			Industry: strings.ToUpper(get("industry")), PermitNumber: strings.ToUpper(get("permit_number")),
			Flags: []ListingReason{}, Emissions: map[string]float64{}}
		dupOf := firstRow[r.CreditCode]
		switch {
		case r.CreditCode == "":
			reject("credit_code", Refuse(KindInvalid, CodeImportCreditCodeEmpty, "统一社会信用代码为空 (credit code is empty)"))
			continue
		case ValidateCreditCode(r.CreditCode) != nil:
			reject("credit_code", ValidateCreditCode(r.CreditCode))
			continue
		case dupOf != 0:
			reject("credit_code", Refuse(KindUnprocessable, CodeImportCreditCodeRepeat, "统一社会信用代码与第 %d 行重复 (credit code repeats row %d)", dupOf, dupOf).
				With("row", strconv.Itoa(dupOf)))
			continue
		case r.Name == "":
			reject("name", Refuse(KindInvalid, CodeImportNameEmpty, "企业名称为空 (name is empty)"))
			continue
		case ValidateName("name", r.Name, 200) != nil:
			reject("name", ValidateName("name", r.Name, 200))
			continue
		case ValidateRegion(r.Region) != nil:
			reject("region", ValidateRegion(r.Region))
			continue
		case ValidateIndustry(r.Industry) != nil:
			reject("industry", ValidateIndustry(r.Industry))
			continue
		case r.PermitNumber != "" && ValidatePermitNumber(r.PermitNumber) != nil:
			reject("permit_number", ValidatePermitNumber(r.PermitNumber))
			continue
		}
		flags, err := parseSourceFlags(get("flags"))
		if err != nil {
			reject("flags", err)
			continue
		}
		r.Flags = flags
		bad := false
		number := func(field string) float64 {
			if bad {
				return 0
			}
			v, err := parseQuantity(field, get(field))
			if err != nil {
				reject(field, err)
				bad = true
			}
			return v
		}
		r.EnergyTce, r.WaterT = number("energy_tce"), number("water_t")
		for _, p := range Pollutants {
			if v := number(p.Code); v > 0 {
				r.Emissions[p.Code] = v
			}
		}
		if bad {
			continue
		}
		firstRow[r.CreditCode] = rowNo
		ok = append(ok, r)
	}
	return ok, rejected, nil
}

// parseSourceFlags reads a flags cell such as "双超、高耗能".
func parseSourceFlags(cell string) ([]ListingReason, error) {
	flags := []ListingReason{}
	for _, w := range strings.FieldsFunc(cell, func(r rune) bool { return strings.ContainsRune("、,，;； /", r) }) {
		f, ok := sourceFlags[strings.ToLower(w)]
		if !ok {
			return nil, Refuse(KindInvalid, CodeScreeningFlagUnknown, "unknown flag %q: use 双超, 双有 or 高耗能", w).With("value", w)
		}
		if !slices.Contains(flags, f) {
			flags = append(flags, f)
		}
	}
	return flags, nil
}

// parseQuantity reads a non-negative number of a sheet cell; "" is 0.
func parseQuantity(field, cell string) (float64, error) {
	if cell == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(cell, ",", ""), 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, Refuse(KindInvalid, CodeScreeningNumberInvalid, "%s: %q is not a non-negative number", field, cell).With("field", field).With("value", cell)
	}
	return v, nil
}

// ScreeningRules select the enterprises that must audit. An enterprise is
// a candidate when any rule selects it; each selecting rule gives one
// reason. Zero fields are rules not in use.
type ScreeningRules struct {
	Emissions  map[string]float64 `json:"emissions"`  // pollutant code → t a year; emissions above it select
	Industries []string           `json:"industries"` // GB/T 4754 codes; a shorter code covers the longer ones
	Regions    []string           `json:"regions"`    // division codes of key basins or regions, with every division below
	EnergyTce  float64            `json:"energy_tce"` // comprehensive energy use above it (tce a year) selects
	Flags      []ListingReason    `json:"flags"`      // flags of the source (双超, 双有, 高耗能) that select
}

// Screening rule names, as a reason's Rule.
const (
	RuleEmission = "emission"
	RuleIndustry = "industry"
	RuleRegion   = "region"
	RuleEnergy   = "energy"
	RuleFlag     = "flag"
)

// ScreenReason is why one rule selected an enterprise, with the batch
// listing reason it becomes.
type ScreenReason struct {
	Rule    string        `json:"rule"`
	Detail  string        `json:"detail"` // e.g. "cod 12.5 t > 10 t"
	Listing ListingReason `json:"listing_reason"`
}

// ScreenCandidate is an enterprise of a source some rule selected.
type ScreenCandidate struct {
	Row          int            `json:"row"`
	CreditCode   string         `json:"credit_code"`
	Name         string         `json:"name"`
	Region       string         `json:"region"`
	Industry     string         `json:"industry"`
	PermitNumber string         `json:"permit_number"`
	Reasons      []ScreenReason `json:"reasons"`
}

// Validate checks the rules: KindInvalid for unknown pollutants, codes or
// flags, or negative thresholds; KindUnprocessable when no rule is set.
func (r *ScreeningRules) Validate() error {
	for code, v := range r.Emissions {
		if !slices.ContainsFunc(Pollutants, func(p struct{ Code, Zh string }) bool { return p.Code == code }) {
			return Refuse(KindInvalid, CodeScreeningRuleInvalid, "emissions: unknown pollutant %q", code).With("value", code)
		}
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return Refuse(KindInvalid, CodeScreeningRuleInvalid, "emissions: the threshold of %s must be a non-negative number", code).With("value", code)
		}
	}
	for _, c := range r.Industries {
		if ValidateIndustryPrefix(c) != nil {
			return Refuse(KindInvalid, CodeScreeningRuleInvalid, "industries: %q is not a GB/T 4754 code", c).With("value", c)
		}
	}
	for _, c := range r.Regions {
		if ValidateRegion(c) != nil {
			return Refuse(KindInvalid, CodeScreeningRuleInvalid, "regions: %q is not a division code", c).With("value", c)
		}
	}
	if r.EnergyTce < 0 || math.IsNaN(r.EnergyTce) || math.IsInf(r.EnergyTce, 0) {
		return Refuse(KindInvalid, CodeScreeningRuleInvalid, "energy_tce must be a non-negative number").With("value", "energy_tce")
	}
	for _, f := range r.Flags {
		if f == ReasonKeyTask || !slices.Contains(ListingReasons, f) {
			return Refuse(KindInvalid, CodeScreeningRuleInvalid, "flags: %q is not a source flag (double_exceed, toxic, energy_intensive)", f).With("value", string(f))
		}
	}
	if len(r.Emissions) == 0 && len(r.Industries) == 0 && len(r.Regions) == 0 && r.EnergyTce == 0 && len(r.Flags) == 0 {
		return Refuse(KindUnprocessable, CodeScreeningNoRules, "set at least one screening rule")
	}
	return nil
}

// ValidateIndustryPrefix accepts a GB/T 4754 code or a leading part of
// one: a section letter followed by up to four digits.
func ValidateIndustryPrefix(c string) error {
	if len(c) < 1 || len(c) > 5 || c[0] < 'A' || c[0] > 'T' {
		return Refuse(KindInvalid, CodeScreeningRuleInvalid, "%q is not a GB/T 4754 code", c).With("value", c)
	}
	for _, d := range c[1:] {
		if d < '0' || d > '9' {
			return Refuse(KindInvalid, CodeScreeningRuleInvalid, "%q is not a GB/T 4754 code", c).With("value", c)
		}
	}
	return nil
}

// Screen says which rules select row, in a fixed order (flags, emissions
// by pollutant, energy, industry, region); nil when none does.
func (r ScreeningRules) Screen(row SourceRow) []ScreenReason {
	var out []ScreenReason
	for _, f := range r.Flags {
		if slices.Contains(row.Flags, f) {
			out = append(out, ScreenReason{Rule: RuleFlag, Detail: flagZh(f), Listing: f})
		}
	}
	for _, p := range Pollutants {
		limit, set := r.Emissions[p.Code]
		if v := row.Emissions[p.Code]; set && v > limit {
			out = append(out, ScreenReason{Rule: RuleEmission, Detail: fmt.Sprintf("%s %s t > %s t", p.Code, num(v), num(limit)), Listing: ReasonDoubleExceed})
		}
	}
	if r.EnergyTce > 0 && row.EnergyTce > r.EnergyTce {
		out = append(out, ScreenReason{Rule: RuleEnergy, Detail: fmt.Sprintf("energy %s tce > %s tce", num(row.EnergyTce), num(r.EnergyTce)), Listing: ReasonEnergyIntensive})
	}
	for _, c := range r.Industries {
		if strings.HasPrefix(row.Industry, c) {
			out = append(out, ScreenReason{Rule: RuleIndustry, Detail: "industry " + c, Listing: ReasonKeyTask})
			break
		}
	}
	for _, c := range r.Regions {
		if strings.HasPrefix(row.Region, RegionPrefix(c)) {
			out = append(out, ScreenReason{Rule: RuleRegion, Detail: "region " + c, Listing: ReasonKeyTask})
			break
		}
	}
	return out
}

// ScreenRows returns the candidates of rows under r, in row order.
func (r ScreeningRules) ScreenRows(rows []SourceRow) []ScreenCandidate {
	out := []ScreenCandidate{}
	for _, row := range rows {
		if reasons := r.Screen(row); len(reasons) > 0 {
			out = append(out, ScreenCandidate{Row: row.Row, CreditCode: row.CreditCode, Name: row.Name, Region: row.Region,
				Industry: row.Industry, PermitNumber: row.PermitNumber, Reasons: reasons})
		}
	}
	return out
}

// ListingsOf are the distinct listing reasons of reasons, in
// ListingReasons order.
func ListingsOf(reasons []ScreenReason) []ListingReason {
	out := []ListingReason{}
	for _, l := range ListingReasons {
		if slices.ContainsFunc(reasons, func(s ScreenReason) bool { return s.Listing == l }) {
			out = append(out, l)
		}
	}
	return out
}

func flagZh(f ListingReason) string {
	for w, r := range sourceFlags {
		if r == f && utf8.RuneCountInString(w) <= 3 && w[0] >= 0x80 {
			return w
		}
	}
	return string(f)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// ScreeningBatch is a batch made of chosen candidates of a source under
// rules: the batch's fields as POST /batches takes them, the credit codes
// chosen (each must be a candidate), and optionally the consultancy of
// the audits it starts.
type ScreeningBatch struct {
	Batch         Batch          `json:"batch"`
	Rules         ScreeningRules `json:"rules"`
	CreditCodes   []string       `json:"credit_codes"`
	ConsultancyID string         `json:"consultancy_id"`
}

// ScreeningListing is one enterprise a screening batch listed, with why.
type ScreeningListing struct {
	EnterpriseID string         `json:"enterprise_id"`
	AuditID      string         `json:"audit_id"`
	CreditCode   string         `json:"credit_code"`
	Name         string         `json:"name"`
	Reasons      []ScreenReason `json:"reasons"`
}

// ScreeningBatchResult is the batch made from a screening.
type ScreeningBatchResult struct {
	Batch    Batch              `json:"batch"`
	Listings []ScreeningListing `json:"listings"`
}
