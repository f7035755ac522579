package detect

import (
	"path"
	"strings"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

// Key figures in tables. Extracted text flattens a table into one line
// ("方案 节水量(吨/年) F1 11000"), which cannot say which number sits under
// which header, so figures are also read from the tables that extraction
// keeps with the text (cpaudit.Table: every sheet of an .xlsx, every table
// of a .docx, each cell in its column). Two layouts are understood:
//
//   - a header row naming quantities ("节水量（吨/年）", "投资(万元)"), the
//     values in the rows below, in the same column, unit from the header
//     (or the cell); the row's option code (or 合计) is its context;
//   - a label cell naming a quantity, the value in the next filled cell
//     of its row, unit from the label, the value or the cell after it
//     ("节水量 | 11000 | 吨/年").
//
// A value without a unit the quantity can have is left out ("投资" alone
// may be 元 or 万元).

// maxHeaderCells is how many filled cells a header row may have beyond
// its quantities' (方案编号, 方案名称...).
const maxHeaderCells = 8

// IsSpreadsheet says whether the file is a workbook, whose text is all
// tables: read as prose it would pair numbers with the wrong headers.
func IsSpreadsheet(filename, contentType string) bool {
	ext := strings.ToLower(path.Ext(filename))
	return ext == ".xlsx" || ext == ".xlsm" || strings.Contains(contentType, "spreadsheetml")
}

// TableFigures returns the key figures of a document's tables, at most
// MaxFigures.
func TableFigures(tables []cpaudit.Table) []cpaudit.Figure {
	var out []cpaudit.Figure
	for _, t := range tables {
		out = append(out, gridFigures(t.Name, t.Rows)...)
		if len(out) >= MaxFigures {
			return out[:MaxFigures]
		}
	}
	return out
}

// column is a header cell naming a quantity.
type column struct {
	l      figLabel
	kinds  unitKind
	factor float64 // from the header's unit; 0 when it has none
	period cpaudit.Period
}

// gridFigures reads the figures of one table; rows are not changed.
func gridFigures(name string, rows [][]string) []cpaudit.Figure {
	var out []cpaudit.Figure
	header := map[int]column{}
	var row []string
	for r, cells := range rows {
		row = row[:0]
		for _, c := range cells {
			row = append(row, strings.TrimSpace(foldString(c)))
		}
		if cols := headerColumns(row); len(cols) > 0 {
			header = cols
			continue
		}
		near := rowText(row)
		ctx, ok := rowContext(row)
		if !ok {
			continue
		}
		used := map[int]bool{}
		for c, col := range header {
			if c >= len(row) || row[c] == "" {
				continue
			}
			v, f, hasUnit, p, ok := parseValue(row[c], col.kinds)
			if !ok || (!hasUnit && col.factor == 0) {
				continue
			}
			if !hasUnit {
				f = col.factor
			}
			if p == cpaudit.PeriodUnstated {
				p = col.period
			}
			out = append(out, tableFigure(col.l, v*f, row[c], p, ctx, near, name, r, c))
			used[c] = true
		}
		// Label cells: 节水量 | 11000 | 吨/年.
		for c, cell := range row {
			l, unitIn, ok := labelCell(cell)
			if !ok {
				continue
			}
			v := c + 1
			for v < len(row) && row[v] == "" {
				v++
			}
			if v >= len(row) || used[v] {
				continue
			}
			kinds := unitsFor(l.q)
			if l.coal {
				kinds |= uMass
			}
			num, f, hasUnit, p, ok := parseValue(row[v], kinds)
			if !ok {
				continue
			}
			if !hasUnit {
				hf, hp, hok := unitOf(unitIn, kinds)
				if !hok && v+1 < len(row) {
					hf, hp, hok = unitOf(row[v+1], kinds)
				}
				if !hok {
					continue
				}
				f = hf
				if p == cpaudit.PeriodUnstated {
					p = hp
				}
			}
			if p == cpaudit.PeriodUnstated && l.year {
				p = cpaudit.PeriodYear
			}
			out = append(out, tableFigure(l, num*f, row[v], p, ctx, near, name, r, v))
			used[v] = true
		}
	}
	return out
}

func tableFigure(l figLabel, v float64, raw string, p cpaudit.Period, ctx, near, sheet string, r, c int) cpaudit.Figure {
	if l.q == cpaudit.QtyInvestment {
		p = cpaudit.PeriodUnstated
	}
	return cpaudit.Figure{Quantity: l.q, Value: v, Unit: l.q.CanonicalUnit(), Raw: raw, Period: p, Measure: l.measure,
		Context: ctx, Near: near, Offset: -1, Sheet: sheet, Row: r + 1, Col: c + 1}
}

// labelCell says whether a cell is a quantity's label, possibly with a
// unit ("节水量（吨/年）", "COD削减量 t/a"), and returns what follows the
// label, where the unit is.
func labelCell(cell string) (figLabel, string, bool) {
	rs := []rune(cell)
	if len(rs) == 0 || len(rs) > 40 {
		return figLabel{}, "", false
	}
	// The label may follow a saving word: 年节约标煤, 削减COD.
	start := 0
	for _, w := range []string{"年", "每年", "削减", "减少", "减排", "降低"} {
		if hasPrefixRunes(rs, w) {
			start = len([]rune(w))
			break
		}
	}
	// A cell that is only the saving word ("年") has no label after it.
	l, ok := figLabel{}, false
	if start < len(rs) {
		l, ok = labelAt(rs, start)
	}
	if !ok {
		if l, ok = labelAt(rs, 0); !ok {
			return figLabel{}, "", false
		}
		start = 0
	}
	rest := string(rs[start+len([]rune(l.text)):])
	// What may follow the label: a measure word, then a unit in brackets
	// or after a space. Another word means the cell says more than a
	// label ("投资回收期").
	trimmed := strings.TrimLeft(rest, labelTail)
	trimmed = strings.TrimSpace(trimmed)
	if first, _ := utf8.DecodeRuneInString(trimmed); trimmed != "" && !strings.ContainsRune("(（/[【 ", first) && !startsWithUnit(trimmed) {
		return figLabel{}, "", false
	}
	if l.measure == "" && l.q != cpaudit.QtyInvestment && l.q != cpaudit.QtyBenefit {
		switch {
		case start > 0 && string(rs[:start]) != "年" && string(rs[:start]) != "每年", containsAny(rest, []string{"削减", "减排", "减少"}):
			l.measure = cpaudit.MeasureSaving
		case containsAny(rest, useWords):
			l.measure = cpaudit.MeasureUse
		}
	}
	if start > 0 && strings.HasSuffix(string(rs[:start]), "年") {
		l.year = true
	}
	return l, rest, true
}

func startsWithUnit(s string) bool {
	_, _, ok := scanUnit([]rune(s), 0, uMoney|uMass|uWater|uElec|uEnergy)
	return ok
}

// labelTail are the characters that may follow a label in a header
// before its unit: 节水量, COD削减量, 投资总额, 用水量合计.
const labelTail = "量削减排放产生总额年度合计"

// unitOf finds a unit in a header's or a unit cell's text: the part in
// brackets, or the text itself ("吨/年", "（万元）", "t/a").
func unitOf(s string, kinds unitKind) (float64, cpaudit.Period, bool) {
	s = strings.NewReplacer("（", "(", "）", ")", "【", "(", "】", ")", "[", "(", "]", ")").Replace(s)
	if i := strings.LastIndex(s, "("); i >= 0 {
		s = strings.TrimSuffix(s[i+1:], ")")
	} else {
		s = strings.TrimLeft(s, labelTail+" ")
	}
	rs := []rune(strings.TrimSpace(s))
	// "万元" is a unit with its multiplier; a bare "万" before one is read by scanUnit.
	f, j, ok := scanUnit(rs, 0, kinds)
	if !ok {
		return 0, "", false
	}
	p, j := scanPeriod(rs, j)
	if strings.TrimSpace(string(rs[j:])) != "" {
		return 0, "", false
	}
	return f, p, true
}

// headerColumns returns the quantity columns of a header row: one with at
// least one quantity label, no number, and few cells.
func headerColumns(row []string) map[int]column {
	cols := map[int]column{}
	filled := 0
	for c, cell := range row {
		if cell == "" {
			continue
		}
		filled++
		if _, _, _, _, ok := parseValue(cell, 0); ok {
			return nil // a number: a data row
		}
		l, rest, ok := labelCell(cell)
		if !ok {
			continue
		}
		kinds := unitsFor(l.q)
		if l.coal {
			kinds |= uMass
		}
		col := column{l: l, kinds: kinds}
		if f, p, ok := unitOf(rest, kinds); ok {
			col.factor, col.period = f, p
		}
		if col.period == cpaudit.PeriodUnstated && l.year {
			col.period = cpaudit.PeriodYear
		}
		cols[c] = col
	}
	if len(cols) == 0 || filled-len(cols) > maxHeaderCells {
		return nil
	}
	// A label with its value beside it is a data row, read by label.
	for c := range cols {
		if c+1 < len(row) && row[c+1] != "" {
			if _, ok := cols[c+1]; !ok {
				if _, _, _, _, ok := parseValue(row[c+1], uMoney|uMass|uWater|uElec|uEnergy); ok {
					return nil
				}
			}
		}
	}
	return cols
}

// rowContext is the option a data row is about: a cell that is an option
// code (F1, 方案一) or starts with one ("F1 中水回用"), or 合计/总计. ok is
// false when the row names two different options.
func rowContext(row []string) (string, bool) {
	found := ""
	for _, cell := range row {
		rs := []rune(cell)
		code := ""
		if c, n := optionCodeAt(rs, 0); n > 0 && (n == len(rs) || !isLatin(rs[n]) && !isDigit(rs[n])) {
			code = c
		} else if strings.HasPrefix(cell, "合计") || strings.HasPrefix(cell, "总计") {
			code = TotalContext
		}
		if code == "" {
			continue
		}
		if found != "" && found != code {
			return "", false
		}
		found = code
	}
	return found, true
}

func rowText(row []string) string {
	var parts []string
	for _, c := range row {
		if c != "" {
			parts = append(parts, c)
		}
	}
	return clip([]rune(strings.Join(parts, " | ")), 0, 160)
}
