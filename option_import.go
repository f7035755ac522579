package cpaudit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// This file holds the option table (方案汇总表) of an audit as an .xlsx
// sheet: its columns, the template's header, and the parsing of an
// uploaded table into options, all rows or none (an import with a bad row
// saves nothing, so that a half-imported table never counts in results).

// OptionColumn is one column of the option table besides the figures.
type OptionColumn struct {
	Field    string // JSON name, also accepted as a header
	Zh       string // the template's header
	Required bool
}

// optionTextColumns are the columns that are not figures.
var optionTextColumns = []OptionColumn{
	{"code", "方案编号", true},
	{"name", "方案名称", true},
	{"category", "方案类别", true},
	{"status", "实施状态", false},
}

// optionDateColumns are the day each status was reached (YYYY-MM-DD, or
// a date cell), after the figures: 实施日期 is the day it was implemented.
var optionDateColumns = []OptionColumn{
	{"date." + string(OptionProposed), "备选日期", false},
	{"date." + string(OptionScreened), "筛选日期", false},
	{"date." + string(OptionFeasible), "可行日期", false},
	{"date." + string(OptionImplemented), "实施日期", false},
	{"date." + string(OptionVerified), "验证日期", false},
}

// cashFlowColumn holds an option's yearly net cash flows, year 1 first,
// in one cell separated by commas or 、 (a variable number of years does
// not fit columns), in the money unit of its header.
var cashFlowColumn = OptionColumn{"cash_flows", "各年净现金流", false}

// quantityZh names each quantity in the option table's headers.
var quantityZh = map[Quantity]string{
	QtyInvestment: "投资", QtyBenefit: "年经济效益", QtyWater: "节水", QtyElectricity: "节电",
	QtyEnergy: "节能", QtySteam: "节约蒸汽", QtyCoal: "节约原煤", QtyNaturalGas: "节约天然气",
	QtyCOD: "削减COD", QtyAmmonia: "削减氨氮", QtyTotalNitrogen: "削减总氮", QtyTotalPhosphorus: "削减总磷",
	QtySO2: "削减二氧化硫", QtyNOx: "削减氮氧化物", QtyParticulates: "削减颗粒物", QtyVOCs: "削减VOCs",
	QtyHeavyMetals: "削减重金属", QtyCO2: "减排二氧化碳", QtyHazardousWaste: "减少危险废物",
	QtyGeneralWaste: "减少一般固废", QtySolidWaste: "减少固体废物",
}

// templateUnits are the units the template's headers state, those of
// audit reports' option tables; any unit of the quantity may replace them.
var templateUnits = map[Quantity]string{QtyInvestment: "万元", QtyBenefit: "万元", QtyElectricity: "万kWh", QtyNaturalGas: "万m³"}

// QuantityZh is the Chinese name of a quantity in the option table.
func QuantityZh(q Quantity) string { return quantityZh[q] }

// OptionTemplateHeader is the option table's header row: the text
// columns, then every quantity with its unit, e.g. "投资（万元）".
func OptionTemplateHeader() []string {
	var h []string
	for _, c := range optionTextColumns {
		h = append(h, c.Zh)
	}
	for _, q := range quantities {
		u := templateUnits[q]
		if u == "" {
			u = q.CanonicalUnit()
		}
		h = append(h, quantityZh[q]+"（"+u+"）")
	}
	for _, c := range optionDateColumns {
		h = append(h, c.Zh)
	}
	return append(h, cashFlowColumn.Zh+"（万元）")
}

// OptionTemplateExample is the template's example row.
func OptionTemplateExample() []string {
	row := []string{"F1", "中水回用系统", "中/高费", "已实施"}
	ex := map[Quantity]string{QtyInvestment: "45", QtyBenefit: "12", QtyWater: "12000", QtyCOD: "3"}
	for _, q := range quantities {
		row = append(row, ex[q])
	}
	for _, c := range optionDateColumns {
		d := ""
		if c.Field == "date."+string(OptionImplemented) {
			d = "2026-06-30"
		}
		row = append(row, d)
	}
	return append(row, "12, 12, 12, 12, 12")
}

// OptionRow is one valid row of an option table.
type OptionRow struct {
	Row    int // the sheet's row number, the header being row 1
	Option AuditOption
}

var categoryWords = map[string]OptionCategory{
	"low_cost": OptionLowCost, "无/低费": OptionLowCost, "无低费": OptionLowCost, "无费": OptionLowCost, "低费": OptionLowCost,
	"high_cost": OptionHighCost, "中/高费": OptionHighCost, "中高费": OptionHighCost, "中费": OptionHighCost, "高费": OptionHighCost,
}

var statusWords = map[string]OptionStatus{
	"备选": OptionProposed, "已筛选": OptionScreened, "筛选": OptionScreened, "可行": OptionFeasible,
	"已实施": OptionImplemented, "实施": OptionImplemented, "已验证": OptionVerified, "验证": OptionVerified,
}

// headerColumn is what one header cell names: a text column, or a
// quantity with the unit its values are in.
type headerColumn struct {
	field string // a text column's Field
	q     Quantity
	unit  string
	head  string
}

// parseOptionHeader reads the header row. KindUnprocessable
// (option_import_invalid, row 1) for a header that names nothing known, a
// unit the quantity is not measured in, a repeated column or a required
// one missing: no row could be read right.
func parseOptionHeader(header []string) ([]headerColumn, error) {
	cols := make([]headerColumn, len(header))
	seen := map[string]bool{}
	var problems []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		cols[i].head = h
		if h == "" {
			continue
		}
		name, unit := h, ""
		if j := strings.IndexAny(h, "（("); j > 0 {
			name, unit = strings.TrimSpace(h[:j]), strings.TrimRight(strings.TrimSpace(h[j:]), ")）")
			unit = strings.TrimSpace(strings.TrimLeft(unit, "（("))
			unit = strings.TrimSuffix(strings.TrimSuffix(unit, "/a"), "/年")
		}
		key := ""
		for _, c := range optionTextColumns {
			if name == c.Zh || name == c.Field {
				cols[i].field, key = c.Field, c.Field
			}
		}
		for _, c := range optionDateColumns {
			if name == c.Zh || name == c.Field {
				cols[i].field, key = c.Field, c.Field
			}
		}
		if name == cashFlowColumn.Zh || name == cashFlowColumn.Field {
			if _, err := QtyBenefit.ToCanonical(1, unit); err != nil {
				problems = append(problems, fmt.Sprintf("column %q: %s", h, ErrorMessage(err)))
			}
			cols[i].field, cols[i].unit, key = cashFlowColumn.Field, unit, cashFlowColumn.Field
		}
		for _, q := range quantities {
			if name == quantityZh[q] || name == string(q) {
				if _, err := q.ToCanonical(1, unit); err != nil {
					problems = append(problems, fmt.Sprintf("column %q: %s", h, ErrorMessage(err)))
				}
				cols[i].q, cols[i].unit, key = q, unit, string(q)
			}
		}
		switch {
		case key == "":
			problems = append(problems, fmt.Sprintf("column %q is not a column of the option table; download the template", h))
		case seen[key]:
			problems = append(problems, fmt.Sprintf("column %q is repeated", h))
		}
		seen[key] = true
	}
	for _, c := range optionTextColumns {
		if c.Required && !seen[c.Field] {
			problems = append(problems, fmt.Sprintf("the column %s (%s) is missing", c.Zh, c.Field))
		}
	}
	if len(problems) > 0 {
		return nil, Refuse(KindUnprocessable, CodeOptionImportInvalid, "row 1 (header): %s", strings.Join(problems, "; ")).With("rows", "1")
	}
	return cols, nil
}

// ParseOptionRows turns an option table's header and data rows (the first
// data row being sheet row 2; empty rows skipped) into options, each
// validated (AuditOption.Validate), and the rejections of the bad rows,
// each naming the row, the column when one is at fault, and why.
// KindUnprocessable (option_import_invalid) for a header no row can be
// read under, and for a table of more than MaxOptionsPerAudit rows.
func ParseOptionRows(header []string, rows [][]string) ([]OptionRow, []ImportRejection, error) {
	cols, err := parseOptionHeader(header)
	if err != nil {
		return nil, nil, err
	}
	var out []OptionRow
	var rejected []ImportRejection
	codes := map[string]int{}
	for i, cells := range rows {
		rowNo := i + 2
		empty := true
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		if len(out)+len(rejected) >= MaxOptionsPerAudit {
			return nil, nil, Refuse(KindUnprocessable, CodeOptionImportInvalid, "the table has more than %d options", MaxOptionsPerAudit).With("rows", strconv.Itoa(rowNo))
		}
		o, rj := parseOptionRow(cols, cells)
		if rj == nil {
			if err := o.Validate(); err != nil {
				rj = &ImportRejection{Reason: ErrorMessage(err), Code: ErrorCode(err), Params: ErrorParams(err)}
			}
		}
		if rj == nil {
			if prev, dup := codes[o.Code]; dup {
				rj = &ImportRejection{Column: optionTextColumns[0].Zh, Reason: fmt.Sprintf("code %s is also on row %d", o.Code, prev),
					Code: CodeOptionImportDuplicate, Params: map[string]string{"value": o.Code, "row": strconv.Itoa(prev)}}
			}
			codes[o.Code] = rowNo
		}
		if rj != nil {
			rj.Row = rowNo
			rejected = append(rejected, *rj)
			continue
		}
		out = append(out, OptionRow{Row: rowNo, Option: o})
	}
	return out, rejected, nil
}

// parseOptionRow reads one row's cells; a rejection names the first bad
// cell.
func parseOptionRow(cols []headerColumn, cells []string) (AuditOption, *ImportRejection) {
	o := AuditOption{Figures: map[Quantity]float64{}}
	for i, c := range cols {
		v := ""
		if i < len(cells) {
			v = strings.TrimSpace(cells[i])
		}
		if v == "" {
			continue
		}
		switch {
		case c.field == "code":
			o.Code = v
		case c.field == "name":
			o.Name = v
		case c.field == "category":
			cat, ok := categoryWords[v]
			if !ok {
				return o, &ImportRejection{Column: c.head, Reason: fmt.Sprintf("category %q: use 无/低费 (low_cost) or 中/高费 (high_cost)", v), Code: CodeOptionInvalid}
			}
			o.Category = cat
		case c.field == "status":
			st, ok := statusWords[v]
			if !ok {
				st = OptionStatus(v) // English, checked by Validate
			}
			o.Status = st
		case strings.HasPrefix(c.field, "date."):
			d, ok := importDate(v)
			if !ok {
				err := Refuse(KindInvalid, CodeDateInvalid, "%q is not a date (YYYY-MM-DD)", v).With("field", c.field).With("value", v)
				return o, &ImportRejection{Column: c.head, Reason: ErrorMessage(err), Code: ErrorCode(err), Params: ErrorParams(err)}
			}
			if o.StatusDates == nil {
				o.StatusDates = map[OptionStatus]string{}
			}
			o.StatusDates[OptionStatus(strings.TrimPrefix(c.field, "date."))] = d
		case c.field == cashFlowColumn.Field:
			for _, f := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(",，、;； \n", r) }) {
				n, err := strconv.ParseFloat(f, 64)
				if err != nil {
					return o, &ImportRejection{Column: c.head, Reason: fmt.Sprintf("%q is not a number", f), Code: CodeOptionImportNotNumber, Params: map[string]string{"value": f}}
				}
				canon, _ := QtyBenefit.ToCanonical(n, c.unit) // the header's unit was checked
				o.CashFlows = append(o.CashFlows, canon)
			}
		case c.q != "":
			n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
			if err != nil {
				return o, &ImportRejection{Column: c.head, Reason: fmt.Sprintf("%q is not a number", v), Code: CodeOptionImportNotNumber, Params: map[string]string{"value": v}}
			}
			if c.q == QtyInvestment && n < 0 {
				err := Refuse(KindUnprocessable, CodeOptionInvestmentNegative, "investment must not be negative (%s)", v).With("value", v)
				return o, &ImportRejection{Column: c.head, Reason: ErrorMessage(err), Code: ErrorCode(err), Params: ErrorParams(err)}
			}
			canon, err := c.q.ToCanonical(n, c.unit)
			if err != nil { // the header was checked; kept for safety
				return o, &ImportRejection{Column: c.head, Reason: ErrorMessage(err), Code: ErrorCode(err), Params: ErrorParams(err)}
			}
			if err := checkFigure(c.q, canon); err != nil {
				return o, &ImportRejection{Column: c.head, Reason: ErrorMessage(err), Code: ErrorCode(err), Params: ErrorParams(err)}
			}
			o.Figures[c.q] = canon
		}
	}
	return o, nil
}

// OptionImportRefusal is the refusal of a table with bad rows: 422
// option_import_invalid, its detail naming each row and why, its
// parameter "rows" the row numbers.
func OptionImportRefusal(rejected []ImportRejection) error {
	var rows, why []string
	for _, rj := range rejected {
		rows = append(rows, strconv.Itoa(rj.Row))
		col := ""
		if rj.Column != "" {
			col = " (" + rj.Column + ")"
		}
		why = append(why, fmt.Sprintf("row %d%s: %s", rj.Row, col, rj.Reason))
	}
	return Refuse(KindUnprocessable, CodeOptionImportInvalid, "nothing was imported; %s", strings.Join(why, "; ")).With("rows", strings.Join(rows, ", "))
}

// importDate reads a date cell: YYYY-MM-DD, YYYY/M/D, or the day number
// a spreadsheet stores a date cell as (days since 1899-12-30).
func importDate(v string) (string, bool) {
	for _, layout := range []string{"2006-01-02", "2006-1-2", "2006/1/2", "2006.1.2"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n == math.Trunc(n) && n > 20000 && n < 80000 {
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n)).Format("2006-01-02"), true
	}
	return "", false
}
