package sheet

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Book writes a workbook of several worksheets, each streamed row by row
// as it comes: unlike Write, it is never handed the rows, so an export of
// every counted option of a province holds one row at a time (the
// streaming writer keeps its rows in a temporary file past 16 MiB).
// Column widths are given, not fitted, since the rows are not seen
// beforehand. Use: NewBook, then per sheet Sheet and Row, then Write;
// Close always.
type Book struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	name   string
	row    int
	bold   int
	sheets int
}

// NewBook starts an empty workbook.
func NewBook() (*Book, error) {
	f := excelize.NewFile()
	bold, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("header style: %w", err)
	}
	return &Book{f: f, bold: bold}, nil
}

// Sheet ends the sheet being written (if any) and starts the worksheet
// name with a bold, frozen header; widths[i] is column i's width in
// characters (a Chinese character counts two), minWidth when missing.
func (b *Book) Sheet(name string, header []string, widths []float64) error {
	if err := b.flush(); err != nil {
		return err
	}
	if b.sheets == 0 {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return fmt.Errorf("sheet name %q: %w", name, err)
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return fmt.Errorf("sheet %q: %w", name, err)
	}
	b.sheets++
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("stream writer: %w", err)
	}
	b.sw, b.name, b.row = sw, name, 1
	for i := range header {
		w := float64(minWidth)
		if i < len(widths) {
			w = max(min(widths[i], maxWidth), minWidth)
		}
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return fmt.Errorf("column width: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("freeze header: %w", err)
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: b.bold, Value: h}
	}
	return b.Row(cells...)
}

// Row appends one row to the current sheet. Cells may be strings,
// numbers, bools or nil (an empty cell).
func (b *Book) Row(cells ...any) error {
	if b.sw == nil {
		return fmt.Errorf("row before any sheet")
	}
	ref, err := excelize.CoordinatesToCellName(1, b.row)
	if err != nil {
		return fmt.Errorf("row %d: %w", b.row, err)
	}
	if err := b.sw.SetRow(ref, cells); err != nil {
		return fmt.Errorf("%s row %d: %w", b.name, b.row, err)
	}
	b.row++
	return nil
}

func (b *Book) flush() error {
	if b.sw == nil {
		return nil
	}
	sw := b.sw
	b.sw = nil
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("flush %s: %w", b.name, err)
	}
	return nil
}

// Write ends the last sheet and writes the workbook to w.
func (b *Book) Write(w io.Writer) error {
	if err := b.flush(); err != nil {
		return err
	}
	if _, err := b.f.WriteTo(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// Close releases the workbook's temporary files.
func (b *Book) Close() error { return b.f.Close() }
