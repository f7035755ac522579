package cpaudit

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the domain of inconsistent_figure and duplicate_number:
// the key figures of a cleaner production audit as a report, its tables,
// its evidence and its structured options state them, and the numbers
// (invoices, certificates, monitoring reports) that identify one piece of
// evidence.

// FlagDuplicateNumber is the same invoice, certificate or monitoring
// report number in documents of different enterprises.
const FlagDuplicateNumber FlagKind = "duplicate_number"

// Quantity is what a key figure measures.
type Quantity string

const (
	QtyInvestment  Quantity = "investment"  // 投资, 元
	QtyBenefit     Quantity = "benefit"     // 经济效益, 元 (a year)
	QtyWater       Quantity = "water"       // 节水量/新鲜水用量, t
	QtyElectricity Quantity = "electricity" // 节电量/用电量, kWh
	QtyEnergy      Quantity = "energy"      // 节能量, tce
	QtyCOD         Quantity = "cod"         // t
	QtyAmmonia     Quantity = "ammonia"     // 氨氮, t
	QtySO2         Quantity = "so2"         // t
	QtyNOx         Quantity = "nox"         // t
	QtyVOCs        Quantity = "vocs"        // t
	QtySolidWaste  Quantity = "solid_waste" // 固体废物, t
	QtyCO2         Quantity = "co2"         // 二氧化碳, t CO2
	// The quantities of issue 20: energy carriers (converted to tce by
	// EnergyCoefficients), the other pollutants and the two kinds of
	// solid waste. solid_waste stays for options entered before them.
	QtySteam           Quantity = "steam"            // 蒸汽, t
	QtyCoal            Quantity = "coal"             // 原煤, t
	QtyNaturalGas      Quantity = "natural_gas"      // 天然气, m³
	QtyTotalNitrogen   Quantity = "total_nitrogen"   // 总氮, t
	QtyTotalPhosphorus Quantity = "total_phosphorus" // 总磷, t
	QtyParticulates    Quantity = "particulates"     // 颗粒物, t
	QtyHeavyMetals     Quantity = "heavy_metals"     // 重金属, kg
	QtyHazardousWaste  Quantity = "hazardous_waste"  // 危险废物, t
	QtyGeneralWaste    Quantity = "general_waste"    // 一般工业固体废物, t
)

// quantities lists every quantity.
var quantities = []Quantity{QtyInvestment, QtyBenefit, QtyWater, QtyElectricity, QtyEnergy,
	QtyCOD, QtyAmmonia, QtySO2, QtyNOx, QtyVOCs, QtySolidWaste, QtyCO2,
	QtySteam, QtyCoal, QtyNaturalGas, QtyTotalNitrogen, QtyTotalPhosphorus, QtyParticulates,
	QtyHeavyMetals, QtyHazardousWaste, QtyGeneralWaste}

// Quantities lists every quantity, in display order.
func Quantities() []Quantity { return slices.Clone(quantities) }

// CanonicalUnit is the unit a quantity's values are kept in.
func (q Quantity) CanonicalUnit() string {
	switch q {
	case QtyInvestment, QtyBenefit:
		return "元"
	case QtyElectricity:
		return "kWh"
	case QtyEnergy:
		return "tce"
	case QtyNaturalGas:
		return "m³"
	case QtyHeavyMetals:
		return "kg"
	case "":
		return ""
	}
	return "t"
}

// ParseQuantity returns the quantity named s, or a KindInvalid error.
func ParseQuantity(s string) (Quantity, error) {
	if slices.Contains(quantities, Quantity(s)) {
		return Quantity(s), nil
	}
	return "", Refuse(KindInvalid, CodeQuantityUnknown, "unknown quantity %q: use one of %s", s, quantityNames()).With("value", s)
}

// Period is the time a figure covers. Savings and reductions in audit
// reports are yearly unless said otherwise; a figure that says nothing is
// PeriodUnstated.
type Period string

const (
	PeriodUnstated   Period = ""
	PeriodYear       Period = "year"
	PeriodMonth      Period = "month"
	PeriodDay        Period = "day"
	PeriodCumulative Period = "cumulative" // 累计: over several years
)

// Measure is whether a figure is a saving or an amount.
type Measure string

const (
	MeasureUnstated Measure = ""
	MeasureSaving   Measure = "saving" // 节约, 削减, 减少: what an option saves
	MeasureUse      Measure = "use"    // 用量, 消耗, 排放量: what is used or emitted
)

// Figure is one key figure found in a document: its quantity, its value in
// the quantity's canonical unit, the text as written, the period it
// covers, the option it belongs to when the text or table row names one
// (Context, e.g. "F1", "方案2", or "合计" for a total) and where it is:
// a rune offset in the extracted text, or a cell of a table.
type Figure struct {
	Quantity Quantity `json:"quantity"`
	Value    float64  `json:"value"` // in Quantity.CanonicalUnit()
	Unit     string   `json:"unit"`  // the canonical unit
	Raw      string   `json:"raw"`   // value and unit as written, e.g. "45万元"
	Period   Period   `json:"period,omitempty"`
	// Measure tells a saving or reduction (MeasureSaving: 节水量, 削减COD)
	// from an amount used or emitted (MeasureUse: 新鲜水用量, COD排放量);
	// "" when the text says neither, and for money.
	Measure Measure `json:"measure,omitempty"`
	Context string  `json:"context,omitempty"`
	// Near is the sentence, or the table row, the figure was read from.
	Near string `json:"near,omitempty"`
	// Offset is the rune offset in the extracted text, -1 for a table cell.
	Offset int `json:"offset"`
	// Table cells: the sheet (or "表N" for the Nth table of a Word file),
	// and 1-based row and column.
	Sheet string `json:"sheet,omitempty"`
	Row   int    `json:"row,omitempty"`
	Col   int    `json:"col,omitempty"`
}

// DocFigures are the figures of one document of an audit.
type DocFigures struct {
	DocumentID string
	Title      string
	Figures    []Figure
}

// FigureSource is one side of a disagreement: a figure of a document, or
// a structured option (DocumentID "" and Option set).
type FigureSource struct {
	DocumentID string  `json:"document_id,omitempty"`
	Title      string  `json:"title,omitempty"`
	Option     string  `json:"option,omitempty"` // code of a structured option, or "合计" for their sum
	Raw        string  `json:"raw"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Period     Period  `json:"period,omitempty"`
	Near       string  `json:"near,omitempty"`
	Offset     int     `json:"offset"`
	Sheet      string  `json:"sheet,omitempty"`
	Row        int     `json:"row,omitempty"`
	Col        int     `json:"col,omitempty"`
}

// FigureMismatch is a quantity stated differently, beyond the tolerance,
// in two or more places of one audit. Diff is the largest relative
// difference, |a-b| / max(|a|,|b|).
type FigureMismatch struct {
	Quantity Quantity       `json:"quantity"`
	Context  string         `json:"context,omitempty"`
	Diff     float64        `json:"diff"`
	Values   []FigureSource `json:"values"`
}

// FigureFinding is the inconsistent_figure evidence of one analysed
// document: its disagreements with each other document of the audit
// (keyed by that document's id) and, under its own id, those within it and
// with the structured options.
type FigureFinding map[string][]FigureMismatch

// NumberKind is what an identifying number identifies.
type NumberKind string

const (
	NumberInvoice     NumberKind = "invoice"     // 发票号码 (20 digits, or 发票代码/8-digit 号码)
	NumberCertificate NumberKind = "certificate" // 证书编号
	NumberReport      NumberKind = "report"      // 监测报告编号, 报告编号
)

// DocNumber is an identifying number found in a document's text: the
// label and the sentence it stands in, and its rune offset.
type DocNumber struct {
	Kind     NumberKind `json:"kind"`
	Label    string     `json:"label"`
	Number   string     `json:"number"`
	Sentence string     `json:"sentence"`
	Offset   int        `json:"offset"`
}

// NumberCandidate is a number of the analysed document also found in a
// document of another enterprise.
type NumberCandidate struct {
	DocumentID   string
	EnterpriseID string
	Theirs       DocNumber
}

// NumberPair is one number shared by the analysed document (A) and
// another (B), with its label and sentence on each side.
type NumberPair struct {
	Kind      NumberKind `json:"kind"`
	Number    string     `json:"number"`
	ALabel    string     `json:"a_label"`
	BLabel    string     `json:"b_label"`
	ASentence string     `json:"a_sentence"`
	BSentence string     `json:"b_sentence"`
	AOffset   int        `json:"a_offset"`
	BOffset   int        `json:"b_offset"`
}

// NumberMatch is the duplicate_number evidence between the analysed
// document and another.
type NumberMatch struct {
	OtherID string
	Pairs   []NumberPair
}

// OptionCategory is the cost class of a cleaner production option.
type OptionCategory string

const (
	OptionLowCost  OptionCategory = "low_cost"  // 无/低费方案
	OptionHighCost OptionCategory = "high_cost" // 中/高费方案
)

// OptionStatus is how far an option has come, from proposed (备选) to
// verified (验证): only implemented and verified options count in the
// results (results.go).
type OptionStatus string

const (
	OptionProposed    OptionStatus = "proposed"    // 备选方案
	OptionScreened    OptionStatus = "screened"    // 经筛选
	OptionFeasible    OptionStatus = "feasible"    // 可行性分析通过
	OptionImplemented OptionStatus = "implemented" // 已实施
	OptionVerified    OptionStatus = "verified"    // 实施效果已验证
)

// OptionStatuses lists every status, in order.
var OptionStatuses = []OptionStatus{OptionProposed, OptionScreened, OptionFeasible, OptionImplemented, OptionVerified}

// ParseOptionStatus returns the status named s ("" is proposed), or a
// KindUnprocessable error.
func ParseOptionStatus(s string) (OptionStatus, error) {
	if s == "" {
		return OptionProposed, nil
	}
	if slices.Contains(OptionStatuses, OptionStatus(s)) {
		return OptionStatus(s), nil
	}
	return "", Refuse(KindUnprocessable, CodeOptionStatusUnknown, "unknown option status %q: use proposed, screened, feasible, implemented or verified", s).With("value", s)
}

// Counted reports whether an option of this status counts in the results:
// implemented or verified.
func (st OptionStatus) Counted() bool {
	return st == OptionImplemented || st == OptionVerified
}

// AuditOption is one cleaner production option (清洁生产方案) of an audit,
// entered as structured data: its code, name, cost class, status and key
// figures, each in its quantity's canonical unit (investment one-off, the
// others a year).
type AuditOption struct {
	ID       string               `json:"id"`
	AuditID  string               `json:"audit_id"`
	Code     string               `json:"code"`
	Name     string               `json:"name"`
	Category OptionCategory       `json:"category"`
	Status   OptionStatus         `json:"status"`
	Figures  map[Quantity]float64 `json:"figures"`
	// StatusDates is the day (YYYY-MM-DD, China time) each status was
	// reached, of the statuses up to Status; a status skipped has none.
	StatusDates map[OptionStatus]string `json:"status_dates"`
	// DocumentIDs are the documents of the same audit that evidence the
	// option (contracts, invoices, monitoring reports).
	DocumentIDs []string `json:"document_ids"`
	// CashFlows are the option's net cash flows (元) in its years 1, 2, …
	// after the investment; none: its benefit in each year of the
	// tenant's OptionSettings.LifeYears.
	CashFlows []float64 `json:"cash_flows"`
	UpdatedBy string    `json:"updated_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Economics is computed when read (WithEconomics), never stored.
	Economics *OptionEconomics `json:"economics,omitempty"`
}

// MaxOptionsPerAudit bounds the structured options of one audit.
const MaxOptionsPerAudit = 500

// Validate checks an option as entered, trimming its text; KindInvalid
// says what is wrong.
func (o *AuditOption) Validate() error {
	o.Code, o.Name = strings.TrimSpace(o.Code), strings.TrimSpace(o.Name)
	switch {
	case o.Code == "" || utf8.RuneCountInString(o.Code) > 32 || !utf8.ValidString(o.Code):
		return Refuse(KindInvalid, CodeOptionInvalid, "code is required, at most 32 characters (e.g. F1)")
	case o.Name == "" || utf8.RuneCountInString(o.Name) > 200 || !utf8.ValidString(o.Name):
		return Refuse(KindInvalid, CodeOptionInvalid, "name is required, at most 200 characters")
	case o.Category != OptionLowCost && o.Category != OptionHighCost:
		return Refuse(KindInvalid, CodeOptionInvalid, "category must be low_cost (无/低费) or high_cost (中/高费), not %q", o.Category)
	}
	st, err := ParseOptionStatus(string(o.Status))
	if err != nil {
		return err
	}
	o.Status = st
	if o.Figures == nil {
		o.Figures = map[Quantity]float64{}
	}
	for q, v := range o.Figures {
		if err := knownOptionQuantity(q); err != nil {
			return err
		}
		if err := checkFigure(q, v); err != nil {
			return err
		}
	}
	if err := o.checkDates(); err != nil {
		return err
	}
	if len(o.DocumentIDs) > MaxOptionDocuments {
		return Refuse(KindInvalid, CodeOptionInvalid, "document_ids: at most %d documents", MaxOptionDocuments)
	}
	o.DocumentIDs = uniqueTrimmed(o.DocumentIDs)
	if len(o.CashFlows) > MaxOptionYears {
		return Refuse(KindInvalid, CodeOptionInvalid, "cash_flows: at most %d years", MaxOptionYears)
	}
	for i, v := range o.CashFlows {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e15 {
			return Refuse(KindInvalid, CodeOptionInvalid, "cash_flows[%d] must be a number from -1e15 to 1e15, in 元", i)
		}
	}
	if o.DocumentIDs == nil {
		o.DocumentIDs = []string{}
	}
	if o.CashFlows == nil {
		o.CashFlows = []float64{}
	}
	return nil
}

// MaxOptionDocuments bounds the evidence of one option, MaxOptionYears
// its cash flows.
const (
	MaxOptionDocuments = 50
	MaxOptionYears     = 50
)

// checkDates checks the status dates as entered: real days, of statuses
// the option has reached, in the order of the statuses. A date left out
// is filled by storage (MergeStatusDates).
func (o *AuditOption) checkDates() error {
	if o.StatusDates == nil {
		o.StatusDates = map[OptionStatus]string{}
	}
	for st, d := range o.StatusDates {
		if _, err := ParseOptionStatus(string(st)); err != nil || st == "" {
			return Refuse(KindUnprocessable, CodeOptionStatusUnknown, "status_dates: unknown option status %q: use proposed, screened, feasible, implemented or verified", st).With("value", string(st))
		}
		if t, err := time.Parse(time.DateOnly, d); err != nil || t.Format(time.DateOnly) != d {
			return Refuse(KindUnprocessable, CodeDateInvalid, "status_dates.%s %q is not a date of the form YYYY-MM-DD", st, d).
				With("field", "status_dates."+string(st)).With("value", d)
		}
	}
	return o.datesInOrder()
}

// datesInOrder refuses a date for a status beyond the option's, and a
// status reached before the one it follows.
func (o *AuditOption) datesInOrder() error {
	reached := slices.Index(OptionStatuses, o.Status)
	prev, prevSt := "", OptionStatus("")
	for i, st := range OptionStatuses {
		d, ok := o.StatusDates[st]
		if !ok {
			continue
		}
		if i > reached {
			return Refuse(KindUnprocessable, CodeOptionDatesInconsistent, "status_dates.%s: the option is %s, it has not reached %s", st, o.Status, st).
				With("status", string(st)).With("value", d)
		}
		if d < prev {
			return Refuse(KindUnprocessable, CodeOptionDatesInconsistent, "status_dates.%s %s is before status_dates.%s %s", st, d, prevSt, prev).
				With("status", string(st)).With("value", d)
		}
		prev, prevSt = d, st
	}
	return nil
}

// MergeStatusDates completes the dates of an option saved on day today
// (YYYY-MM-DD) over the dates it had: a date entered wins; a date it had
// for a status it still has reached stays, unless it is later than an
// entered date of a later status (the proposed date stamped on the day an
// option was typed in must not block the earlier day it was really
// implemented; an entered date before a kept later one is refused);
// the status it is at gets today when it has no date; the dates of
// statuses beyond it go. KindUnprocessable (option_dates_inconsistent)
// when the result is out of order.
func (o *AuditOption) MergeStatusDates(had map[OptionStatus]string, today string) error {
	reached := slices.Index(OptionStatuses, o.Status)
	entered := maps.Clone(o.StatusDates)
	for st, d := range had {
		i := slices.Index(OptionStatuses, st)
		if i < 0 || i > reached {
			continue
		}
		if _, ok := entered[st]; ok {
			continue
		}
		fits := true
		for est, ed := range entered {
			j := slices.Index(OptionStatuses, est)
			if j > i && ed < d {
				fits = false
			}
		}
		if fits {
			o.StatusDates[st] = d
		}
	}
	if _, ok := o.StatusDates[o.Status]; !ok {
		o.StatusDates[o.Status] = today
	}
	return o.datesInOrder()
}

// uniqueTrimmed is ids trimmed, without blanks and repeats, in order.
func uniqueTrimmed(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// FigureCandidates is what the analysis of one document compares with:
// the figures of the other documents of its audit, the audit's structured
// options, and the documents of other enterprises holding one of its
// identifying numbers.
type FigureCandidates struct {
	Title   string // the analysed document's
	Others  []DocFigures
	Options []AuditOption
	Numbers []NumberCandidate
}
