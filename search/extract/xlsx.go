package extract

import (
	"encoding/xml"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// extractXlsx writes every sheet of a workbook: the sheet's name on a line,
// then one line per row with its cells separated by tabs, values as Excel
// shows them closely enough for search (numbers to 15 significant digits,
// dates as 2006-01-02, percentages with %); and every sheet as a table,
// its cells formatted alike (tables.go).
//
// It reads the sheet XML and the shared strings itself, as streams, rather
// than through excelize: the parts are read once, token by token, under the
// same budget as every other zip entry (decompressed size, time), and only
// the shared strings table is held in memory.
func extractXlsx(a *archive) error {
	wb, err := a.workbook()
	if err != nil {
		return err
	}
	shared, err := a.sharedStrings(wb.sharedStrings)
	if err != nil {
		return err
	}
	styles, err := a.numberStyles(wb.styles)
	if err != nil {
		return err
	}
	w := &a.j.out
	ts := &a.j.tables
	for _, sh := range wb.sheets {
		if !a.has(sh.part) {
			continue
		}
		if err := w.WriteString(sh.name); err != nil {
			return err
		}
		if err := w.WriteRune('\n'); err != nil {
			return err
		}
		var (
			typ, style string
			value      []byte
			inCell     bool
			row, col   int // the current cell's row number (from 1) and column (from 0)
		)
		// The sheet as a table: each row at its number, each cell in its
		// column, both from their references (r="B3"), as excelize's
		// GetRows places them. Rows and cells without one follow the one
		// before. Empty cells are not stored, so trailing ones are left
		// out, and rows are added when a cell has text, so trailing empty
		// rows are too (a formatted row at the sheet's end costs nothing).
		tbl := ts.open(sh.name)
		err := a.walk(sh.part, func(tok xml.Token, stack []string) error {
			switch t := tok.(type) {
			case xml.StartElement:
				switch t.Name.Local {
				case "row":
					n, err := strconv.Atoi(attr(t, "r"))
					if err != nil || n <= row {
						n = row + 1
					}
					row, col = n, -1
				case "c":
					typ, style, value, inCell = attr(t, "t"), attr(t, "s"), value[:0], true
					if c := columnIndex(attr(t, "r")); c >= 0 {
						col = c
					} else {
						col++
					}
				}
			case xml.CharData:
				if !inCell || len(stack) == 0 {
					return nil
				}
				switch top := stack[len(stack)-1]; {
				case top == "v":
					value = append(value, t...)
				case top == "t" && typ == "inlineStr" && !slices.Contains(stack, "rPh"):
					value = append(value, t...)
				}
			case xml.EndElement:
				switch t.Name.Local {
				case "c":
					inCell = false
					if s := cellText(typ, style, string(value), shared, styles, wb.date1904); s != "" {
						if have := ts.rowCount(tbl); have < row {
							ts.addRows(tbl, row-have)
						}
						ts.setCell(tbl, col, s)
						if err := w.WriteString(s); err != nil {
							return err
						}
						return w.WriteRune('\t')
					}
				case "row":
					return w.WriteRune('\n')
				}
			}
			return nil
		})
		ts.trimEmptyRows(tbl)
		if err != nil {
			return err
		}
		if err := w.sep('\n'); err != nil {
			return err
		}
	}
	return nil
}

type workbook struct {
	sheets                []sheetRef
	sharedStrings, styles string
	date1904              bool
}

type sheetRef struct{ name, part string }

func (a *archive) workbook() (workbook, error) {
	wb := workbook{sharedStrings: "xl/sharedStrings.xml", styles: "xl/styles.xml"}
	rels, err := a.relationships("xl/_rels/workbook.xml.rels")
	if err != nil {
		return wb, err
	}
	for _, target := range rels {
		switch {
		case strings.HasSuffix(strings.ToLower(target), "sharedstrings.xml"):
			wb.sharedStrings = target
		case strings.HasSuffix(strings.ToLower(target), "styles.xml"):
			wb.styles = target
		}
	}
	err = a.walk("xl/workbook.xml", func(tok xml.Token, stack []string) error {
		t, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		switch t.Name.Local {
		case "workbookPr":
			v := attr(t, "date1904")
			wb.date1904 = v == "1" || v == "true"
		case "sheet":
			if part := rels[relID(t)]; part != "" {
				wb.sheets = append(wb.sheets, sheetRef{attr(t, "name"), part})
			}
		}
		return nil
	})
	if err == nil && len(wb.sheets) == 0 {
		for _, part := range a.partsWithPrefix("xl/worksheets", "sheet") {
			wb.sheets = append(wb.sheets, sheetRef{strings.TrimSuffix(strings.TrimPrefix(part, "xl/worksheets/"), ".xml"), part})
		}
	}
	return wb, err
}

// sharedStrings reads the shared strings table: the text of each si
// element, without its phonetic runs (rPh).
func (a *archive) sharedStrings(part string) ([]string, error) {
	if !a.has(part) {
		return nil, nil
	}
	var (
		strs []string
		cur  []byte
	)
	err := a.walk(part, func(tok xml.Token, stack []string) error {
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "si" {
				cur = cur[:0]
			}
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "t" && slices.Contains(stack, "si") && !slices.Contains(stack, "rPh") {
				cur = append(cur, t...)
			}
		case xml.EndElement:
			if t.Name.Local == "si" {
				strs = append(strs, string(cur))
			}
		}
		return nil
	})
	return strs, err
}

// numberStyle is how a cell style shows numbers.
type numberStyle uint8

const (
	styleNumber numberStyle = iota
	styleDate
	stylePercent
)

// numberStyles reads the number format of each cell style (cellXfs/xf).
func (a *archive) numberStyles(part string) ([]numberStyle, error) {
	if !a.has(part) {
		return nil, nil
	}
	custom := make(map[string]string)
	var styles []numberStyle
	err := a.walk(part, func(tok xml.Token, stack []string) error {
		t, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		switch {
		case t.Name.Local == "numFmt":
			custom[attr(t, "numFmtId")] = attr(t, "formatCode")
		case t.Name.Local == "xf" && len(stack) >= 2 && stack[len(stack)-2] == "cellXfs":
			id := attr(t, "numFmtId")
			styles = append(styles, classifyNumFmt(id, custom[id]))
		}
		return nil
	})
	return styles, err
}

func classifyNumFmt(id, code string) numberStyle {
	if n, err := strconv.Atoi(id); err == nil && code == "" {
		switch {
		case n == 9 || n == 10:
			return stylePercent
		case n >= 14 && n <= 22, n >= 27 && n <= 36, n >= 45 && n <= 47, n >= 50 && n <= 58:
			return styleDate
		}
		return styleNumber
	}
	// Look at the code outside quoted literals, [colour] and [$-locale]
	// brackets and backslash escapes.
	var plain strings.Builder
	quoted, bracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '[':
			bracket = true
		case c == ']':
			bracket = false
		case bracket:
		case c == '\\' || c == '_' || c == '*':
			i++
		default:
			plain.WriteByte(c)
		}
	}
	p := strings.ToLower(plain.String())
	switch {
	case p == "general":
		return styleNumber
	case strings.ContainsAny(p, "ydhs") || strings.Contains(p, "m") && !strings.ContainsAny(p, "0#?"):
		return styleDate
	case strings.HasSuffix(strings.TrimSpace(p), "%"):
		return stylePercent
	}
	return styleNumber
}

// cellText formats the value of one cell.
func cellText(typ, style, v string, shared []string, styles []numberStyle, date1904 bool) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(shared) {
			return ""
		}
		return shared[i]
	case "b":
		if strings.TrimSpace(v) == "1" {
			return "TRUE"
		}
		return "FALSE"
	case "str", "inlineStr", "e", "d":
		return v
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return v
	}
	ns := styleNumber
	if i, err := strconv.Atoi(style); err == nil && i >= 0 && i < len(styles) {
		ns = styles[i]
	}
	switch ns {
	case styleDate:
		if s, ok := excelDate(f, date1904); ok {
			return s
		}
	case stylePercent:
		return formatNumber(f*100) + "%"
	}
	return formatNumber(f)
}

// formatNumber prints f as Excel does in a General cell, to 15 significant
// digits without trailing zeros: 0.1+0.2 prints 0.3, 12000 prints 12000.
func formatNumber(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if a := math.Abs(r); a != 0 && (a < 1e-9 || a >= 1e21) {
		return strconv.FormatFloat(r, 'g', -1, 64)
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// excelDate turns an Excel serial date into text: a date, a time of day,
// or both.
func excelDate(serial float64, date1904 bool) (string, bool) {
	if serial < 0 || serial >= 2958466 {
		return "", false
	}
	var epoch time.Time
	switch {
	case date1904:
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case serial < 60:
		epoch = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default: // Excel counts a 29 February 1900 that never was
		epoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	days := math.Floor(serial)
	secs := math.Round((serial - days) * 86400)
	t := epoch.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	switch {
	case secs == 0:
		return t.Format("2006-01-02"), true
	case days == 0:
		return t.Format("15:04:05"), true
	}
	return t.Format("2006-01-02 15:04:05"), true
}
