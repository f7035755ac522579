// Package sheet owns reading and writing .xlsx tables through
// github.com/xuri/excelize/v2: exports and templates are written with the
// streaming writer, and uploaded sheets are read under limits (bytes,
// unzipped size, rows, columns, time) because they come from strangers.
package sheet

import (
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Table is one worksheet: a header row and the rows under it. Cells may be
// strings, numbers, bools, time.Time or nil.
type Table struct {
	Sheet  string // worksheet name; "Sheet1" when empty
	Header []string
	Rows   [][]any
	// Notes, when set, holds one comment per header cell (e.g. the
	// column's English name and the format it expects); "" skips a cell.
	Notes []string
}

// TextRows returns the rows as text, a cell that is not text (Read gives
// only text) as "".
func (t Table) TextRows() [][]string {
	rows := make([][]string, len(t.Rows))
	for i, row := range t.Rows {
		rows[i] = make([]string, len(row))
		for j, c := range row {
			rows[i][j], _ = c.(string)
		}
	}
	return rows
}

// Column widths in Excel's character units: wide enough for a Chinese
// company name, never so wide that one long cell makes the sheet unusable.
const (
	minWidth = 8
	maxWidth = 60
)

// Write writes t as an .xlsx workbook to w with a bold, frozen header and
// column widths fitted to the content. Rows are streamed, so the memory
// used does not grow with the number of rows beyond the width scan.
func Write(w io.Writer, t Table) error {
	f := excelize.NewFile()
	defer f.Close()
	name := t.Sheet
	if name == "" {
		name = "Sheet1"
	}
	if name != "Sheet1" {
		if err := f.SetSheetName("Sheet1", name); err != nil {
			return fmt.Errorf("sheet name %q: %w", name, err)
		}
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("stream writer: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	if err != nil {
		return fmt.Errorf("header style: %w", err)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return fmt.Errorf("date style: %w", err)
	}
	for i, width := range widths(t) {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("column width: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("freeze header: %w", err)
	}
	header := make([]any, len(t.Header))
	for i, h := range t.Header {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("header row: %w", err)
	}
	for r, row := range t.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			if tm, ok := v.(time.Time); ok {
				cells[i] = excelize.Cell{StyleID: dateStyle, Value: tm}
				continue
			}
			cells[i] = v
		}
		ref, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return fmt.Errorf("row %d: %w", r+2, err)
		}
		if err := sw.SetRow(ref, cells); err != nil {
			return fmt.Errorf("row %d: %w", r+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	for i, note := range t.Notes {
		if note == "" || i >= len(t.Header) {
			continue
		}
		ref, err := excelize.CoordinatesToCellName(i+1, 1)
		if err != nil {
			return err
		}
		if err := f.AddComment(name, excelize.Comment{Cell: ref, Author: "cpaudit", Text: note}); err != nil {
			return fmt.Errorf("header note: %w", err)
		}
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// widths fits each column to its widest cell, counting a Chinese character
// as two units as spreadsheet programs display it.
func widths(t Table) []float64 {
	n := len(t.Header)
	for _, row := range t.Rows {
		n = max(n, len(row))
	}
	out := make([]float64, n)
	fit := func(i int, s string) {
		w := float64(displayWidth(s)) + 2
		out[i] = max(out[i], min(w, maxWidth))
	}
	for i, h := range t.Header {
		fit(i, h)
	}
	for _, row := range t.Rows {
		for i, v := range row {
			switch v := v.(type) {
			case nil:
			case string:
				fit(i, v)
			case time.Time:
				fit(i, "2026-01-01")
			default:
				fit(i, fmt.Sprint(v))
			}
		}
	}
	for i := range out {
		out[i] = max(out[i], minWidth)
	}
	return out
}

func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r == utf8.RuneError || r < 0x1100 {
			w++
		} else {
			w += 2 // CJK and other wide characters
		}
	}
	return w
}
