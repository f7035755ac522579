package sheet

import (
	"bytes"
	"context"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/cpaudit/cpaudit"
)

// Grid is one worksheet as the text of its cells, row by row, for readers
// that look for figures rather than import records.
type Grid struct {
	Name string
	Rows [][]string
}

// ReadGrids reads every worksheet of the workbook in data, at most
// l.MaxRows rows in all and l.MaxCols cells per row, within l's unzip
// limit and time budget (l.MaxBytes is not checked: the caller holds the
// bytes already). What was read before a limit was reached is returned
// with the error, so a reader that wants what fits can use it.
func ReadGrids(ctx context.Context, data []byte, l Limits) ([]Grid, error) {
	l = l.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, l.Budget)
	defer cancel()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    l.MaxUnzip,
		UnzipXMLSizeLimit: min(l.MaxUnzip, 16<<20),
	})
	if err != nil {
		return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeSheetNotXLSX, "the file is not a readable .xlsx workbook")
	}
	defer f.Close()
	var out []Grid
	budget := l.MaxRows
	for _, name := range f.GetSheetList() {
		rows, err := f.Rows(name)
		if err != nil {
			continue
		}
		g := Grid{Name: name}
		for rows.Next() {
			if budget == 0 {
				rows.Close()
				return append(out, g), cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeSheetTooManyRows, "the workbook has more than %d rows", l.MaxRows).With("max", strconv.Itoa(l.MaxRows))
			}
			if ctx.Err() != nil {
				rows.Close()
				return append(out, g), cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeSheetTooSlow, "reading the workbook took too long")
			}
			cols, err := rows.Columns()
			if err != nil {
				break
			}
			g.Rows = append(g.Rows, cols[:min(len(cols), l.MaxCols)])
			budget--
		}
		rows.Close()
		out = append(out, g)
	}
	return out, nil
}
