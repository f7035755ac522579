package detect

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// Reading the tables of a file: every sheet of an .xlsx, every table of a
// .docx, as rows of cell texts, under limits on rows, columns and
// decompressed size; figtable.go reads their figures.

// Table limits: what one file may cost.
const (
	maxTableRows   = 20000 // rows read per file, all sheets and tables together
	maxTableCols   = 64
	maxTableUnzip  = 128 << 20
	tableBudget    = 10 * time.Second // reading one workbook's sheets
	maxHeaderCells = 8                // a header row has few filled cells beyond the quantities
)

// MayHoldTables says whether TableFigures reads the file.
func MayHoldTables(filename, contentType string) bool {
	switch tableFormat(filename, contentType) {
	case "xlsx", "docx":
		return true
	}
	return false
}

// IsSpreadsheet says whether the file is a workbook, whose text is all
// tables.
func IsSpreadsheet(filename, contentType string) bool {
	return tableFormat(filename, contentType) == "xlsx"
}

func tableFormat(filename, contentType string) string {
	switch ext := strings.ToLower(path.Ext(filename)); {
	case ext == ".xlsx" || ext == ".xlsm" || strings.Contains(contentType, "spreadsheetml"):
		return "xlsx"
	case ext == ".docx" || ext == ".docm" || strings.Contains(contentType, "wordprocessingml"):
		return "docx"
	}
	return ""
}

// TableFigures returns the key figures in the tables of an .xlsx or .docx
// file; a file it cannot read has none.
func TableFigures(filename, contentType string, data []byte) []cpaudit.Figure {
	var tables []table
	switch tableFormat(filename, contentType) {
	case "xlsx":
		tables = xlsxTables(data)
	case "docx":
		tables = docxTables(data)
	}
	var out []cpaudit.Figure
	for _, t := range tables {
		out = append(out, gridFigures(t.name, t.rows)...)
		if len(out) >= MaxFigures {
			return out[:MaxFigures]
		}
	}
	return out
}

// table is a sheet or a Word table: its name and its cells' text.
type table struct {
	name string
	rows [][]string
}

// xlsxTables reads every sheet through package sheet, which owns
// excelize; a workbook that hits a limit gives the rows read before it.
func xlsxTables(data []byte) []table {
	grids, _ := sheet.ReadGrids(context.Background(), data, sheet.Limits{
		MaxUnzip: maxTableUnzip, MaxRows: maxTableRows, MaxCols: maxTableCols, Budget: tableBudget})
	out := make([]table, 0, len(grids))
	for _, g := range grids {
		out = append(out, table{name: g.Name, rows: g.Rows})
	}
	return out
}

// docxTables reads the tables of word/document.xml, named 表1, 表2… in
// document order; a nested table is read as a table of its own.
func docxTables(data []byte) []table {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	var rc io.ReadCloser
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			if rc, err = f.Open(); err != nil {
				return nil
			}
			break
		}
	}
	if rc == nil {
		return nil
	}
	defer rc.Close()
	dec := xml.NewDecoder(io.LimitReader(rc, maxTableUnzip))
	var (
		out    []table
		stack  []int // indexes into out of the open tables
		cell   strings.Builder
		inCell []bool
		budget = maxTableRows
	)
	for budget > 0 {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "tbl":
				out = append(out, table{name: "表" + strconv.Itoa(len(out)+1)})
				stack = append(stack, len(out)-1)
				inCell = append(inCell, false)
			case "tr":
				if len(stack) > 0 {
					tb := &out[stack[len(stack)-1]]
					tb.rows = append(tb.rows, nil)
					budget--
				}
			case "tc":
				if len(stack) > 0 {
					cell.Reset()
					inCell[len(inCell)-1] = true
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "tbl":
				if len(stack) > 0 {
					stack, inCell = stack[:len(stack)-1], inCell[:len(inCell)-1]
				}
			case "tc":
				if len(stack) > 0 {
					tb := &out[stack[len(stack)-1]]
					if n := len(tb.rows); n > 0 && len(tb.rows[n-1]) < maxTableCols {
						tb.rows[n-1] = append(tb.rows[n-1], strings.TrimSpace(cell.String()))
					}
					cell.Reset()
					inCell[len(inCell)-1] = false
				}
			case "p":
				if len(inCell) > 0 && inCell[len(inCell)-1] {
					cell.WriteByte(' ')
				}
			}
		case xml.CharData:
			if len(inCell) > 0 && inCell[len(inCell)-1] && cell.Len() < 1000 {
				cell.Write(t)
			}
		}
	}
	return out
}
