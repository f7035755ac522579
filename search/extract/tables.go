package extract

import (
	"encoding/xml"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

// Tables. The text flattens a table into a line, which cannot say which
// value sits under which header, so the extractors of .xlsx and .docx also
// collect their tables, cell by cell, in the same pass over the same XML:
// every sheet of a workbook, every table of a Word document's body. Key
// figures are read from them (search/detect).
//
// Tables are held beside the text, so they have bounds of their own: rows
// over all the file's tables (Limits.MaxTableRows), cells per row, bytes
// per cell, and the bytes held in all (Limits.MaxTableBytes). Past a bound
// the tables stop growing and the text goes on; the time and decompression
// budgets are the job's, since both are read from one stream.

const (
	// maxTableCols is the cells kept of a row: the tables figures are
	// read from are a few columns wide, and a wider row is a data dump.
	maxTableCols = 64
	// maxCellBytes is the text kept of a cell: a label or a value, not
	// a paragraph.
	maxCellBytes = 1000
	// What a cell and a row hold besides their text (a string and a
	// slice header), counted against Limits.MaxTableBytes so that a
	// sheet of empty cells is bounded too.
	cellOverhead = 16
	rowOverhead  = 24
)

// tableSet collects a document's tables under the job's limits.
type tableSet struct {
	tables  []cpaudit.Table
	rows    int   // rows held, all tables together
	size    int64 // bytes held: cell text and overheads
	maxRows int
	maxSize int64
	full    bool // a bound was reached: nothing more is added
}

// open starts a table and returns its index, or -1 once the set is full.
func (s *tableSet) open(name string) int {
	if s.full {
		return -1
	}
	s.tables = append(s.tables, cpaudit.Table{Name: name})
	return len(s.tables) - 1
}

// rowCount is how many rows table t has (0 for -1).
func (s *tableSet) rowCount(t int) int {
	if t < 0 {
		return 0
	}
	return len(s.tables[t].Rows)
}

// addRows appends n empty rows to table t; it says whether they fit.
func (s *tableSet) addRows(t, n int) bool {
	if t < 0 || s.full {
		return false
	}
	if n > s.maxRows-s.rows || int64(n) > (s.maxSize-s.size)/rowOverhead {
		s.full = true
		return false
	}
	s.rows += n
	s.size += int64(n) * rowOverhead
	for range n {
		s.tables[t].Rows = append(s.tables[t].Rows, nil)
	}
	return true
}

// setCell puts text in column col of table t's last row, the columns
// before it filled with "" where they are missing.
func (s *tableSet) setCell(t, col int, text string) {
	if t < 0 || s.full || col < 0 || col >= maxTableCols || len(s.tables[t].Rows) == 0 {
		return
	}
	text = cutBytes(Normalize(text), maxCellBytes)
	row := &s.tables[t].Rows[len(s.tables[t].Rows)-1]
	grow := max(0, col+1-len(*row))
	add := int64(grow)*cellOverhead + int64(len(text))
	if col < len(*row) {
		add -= int64(len((*row)[col]))
	}
	if s.size+add > s.maxSize {
		s.full = true
		return
	}
	s.size += add
	for range grow {
		*row = append(*row, "")
	}
	(*row)[col] = text
}

// trimEmptyRows removes table t's trailing rows without any text (whose
// cells held only spaces) and gives them back to the budget.
func (s *tableSet) trimEmptyRows(t int) {
	if t < 0 {
		return
	}
	rows := s.tables[t].Rows
	n := len(rows)
	for n > 0 && emptyRow(rows[n-1]) {
		n--
		s.rows--
		s.size -= rowOverhead + int64(len(rows[n]))*cellOverhead
	}
	s.tables[t].Rows = rows[:n]
}

func emptyRow(row []string) bool {
	for _, c := range row {
		if c != "" {
			return false
		}
	}
	return true
}

// result is the tables that have rows.
func (s *tableSet) result() []cpaudit.Table {
	var out []cpaudit.Table
	for _, t := range s.tables {
		if len(t.Rows) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// cutBytes cuts s to at most n bytes, at a rune boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// columnIndex returns the column of a cell reference ("B3" → 1, "AA10" →
// 26), or -1 when ref does not start with a column's letters.
func columnIndex(ref string) int {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a') + 1
		if col > 16384 { // XFD, Excel's last column
			return -1
		}
	}
	if i == 0 {
		return -1
	}
	return col - 1
}

// docxTable is a table of a Word document open in the walk.
type docxTable struct {
	t      int // index in the tableSet, -1 when full
	col    int // grid column of the next cell of the current row
	span   int // grid columns the current cell spans (w:gridSpan)
	inCell bool
	cell   strings.Builder
}

// tableVisitor collects the tables of a WordprocessingML part, named 表1,
// 表2… in the order they start. A nested table is a table of its own, its
// text not part of the cell it sits in. A cell's paragraphs are joined
// with a space; a cell keeps its grid column, so a cell spanning columns
// (w:gridSpan) or a row starting late (w:gridBefore) leaves the cells
// below their headers. Like textVisitor, it reads only t elements and
// skips mc:Fallback.
func (a *archive) tableVisitor() func(tok xml.Token, stack []string) error {
	ts := &a.j.tables
	var open []*docxTable
	started := 0  // tables seen, for names
	fallback := 0 // depth of the outermost mc:Fallback we are in, 0 if none
	top := func() *docxTable {
		if len(open) == 0 {
			return nil
		}
		return open[len(open)-1]
	}
	return func(tok xml.Token, stack []string) error {
		switch t := tok.(type) {
		case xml.StartElement:
			if fallback > 0 {
				return nil
			}
			parent := ""
			if len(stack) > 1 {
				parent = stack[len(stack)-2]
			}
			tb := top()
			switch t.Name.Local {
			case "Fallback":
				fallback = len(stack)
			case "tbl":
				started++
				open = append(open, &docxTable{t: ts.open("表" + strconv.Itoa(started))})
			case "tr":
				if tb != nil {
					ts.addRows(tb.t, 1)
					tb.col = 0
				}
			case "gridBefore":
				if tb != nil && parent == "trPr" {
					tb.col += gridValue(t, 0)
				}
			case "tc":
				if tb != nil {
					tb.inCell, tb.span = true, 1
					tb.cell.Reset()
				}
			case "gridSpan":
				if tb != nil && parent == "tcPr" {
					tb.span = gridValue(t, 1)
				}
			case "tab", "br", "cr":
				if tb != nil && tb.inCell && parent == "r" {
					tb.cell.WriteByte(' ')
				}
			}
		case xml.EndElement:
			if fallback > 0 {
				if len(stack) == fallback {
					fallback = 0
				}
				return nil
			}
			tb := top()
			if tb == nil {
				return nil
			}
			switch t.Name.Local {
			case "tbl":
				open = open[:len(open)-1]
			case "tc":
				if tb.inCell {
					ts.setCell(tb.t, tb.col, tb.cell.String())
					tb.col += tb.span
					tb.inCell = false
					tb.cell.Reset()
				}
			case "p":
				if tb.inCell {
					tb.cell.WriteByte(' ')
				}
			}
		case xml.CharData:
			tb := top()
			if fallback == 0 && tb != nil && tb.inCell && len(stack) > 0 && stack[len(stack)-1] == "t" {
				// Keep a little over the cell's bound; setCell cuts it
				// at a rune boundary after normalising.
				if room := maxCellBytes + utf8.UTFMax - tb.cell.Len(); room > 0 {
					tb.cell.Write(t[:min(len(t), room)])
				}
			}
		}
		return nil
	}
}

// gridValue is the w:val of a gridSpan or gridBefore, def when it is
// missing or not a small number.
func gridValue(t xml.StartElement, def int) int {
	n, err := strconv.Atoi(attr(t, "val"))
	if err != nil || n < 0 || n > maxTableCols {
		return def
	}
	return n
}

// both runs two visitors on every token of one walk.
func both(first, second func(tok xml.Token, stack []string) error) func(tok xml.Token, stack []string) error {
	return func(tok xml.Token, stack []string) error {
		if err := first(tok, stack); err != nil {
			return err
		}
		return second(tok, stack)
	}
}
