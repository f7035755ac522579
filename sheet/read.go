package sheet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cpaudit/cpaudit"
)

// Limits bound what reading one uploaded workbook may cost. A zero field
// takes its default.
type Limits struct {
	MaxBytes int64         // the .xlsx file itself (default 10 MiB)
	MaxUnzip int64         // all its parts once unzipped (default 100 MiB)
	MaxRows  int           // data rows under the header (default 50,000)
	MaxCols  int           // columns read per row; cells beyond are ignored (default 64)
	Budget   time.Duration // wall time for the whole read (default 20s)
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = 10 << 20
	}
	if l.MaxUnzip <= 0 {
		l.MaxUnzip = 100 << 20
	}
	if l.MaxRows <= 0 {
		l.MaxRows = 50_000
	}
	if l.MaxCols <= 0 {
		l.MaxCols = 64
	}
	if l.Budget <= 0 {
		l.Budget = 20 * time.Second
	}
	return l
}

// Read reads the first worksheet of the workbook in r: its first row is the
// header, every later row one data row (trailing empty cells trimmed, fully
// empty rows kept as empty slices so row numbers stay those the user sees).
//
// It returns KindInvalid for anything that is not a readable .xlsx file,
// KindTooLarge when the file, its unzipped parts or its rows exceed l, and
// KindUnprocessable when reading runs out of time. Nothing in the file can
// make it panic or hang past the budget.
func Read(ctx context.Context, r io.Reader, l Limits) (Table, error) {
	l = l.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, l.Budget)
	defer cancel()
	data, err := io.ReadAll(io.LimitReader(r, l.MaxBytes+1))
	if err != nil {
		return Table{}, cpaudit.Internal("sheet.Read", err)
	}
	if int64(len(data)) > l.MaxBytes {
		return Table{}, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeSheetTooLarge, "the sheet is larger than %d MiB", l.MaxBytes>>20).With("max", strconv.FormatInt(l.MaxBytes>>20, 10))
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return Table{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeSheetNotXLSX, "the file is not an .xlsx workbook")
	}
	// Keep whole parts in memory only when small: larger worksheets spill
	// to temporary files that Close removes.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    l.MaxUnzip,
		UnzipXMLSizeLimit: min(l.MaxUnzip, 16<<20),
	})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return Table{}, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeSheetTooLarge, "the sheet unpacks to more than %d MiB", l.MaxUnzip>>20).With("max", strconv.FormatInt(l.MaxUnzip>>20, 10))
		}
		return Table{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeSheetNotXLSX, "the file is not a readable .xlsx workbook")
	}
	defer f.Close()
	return readRows(ctx, f, l)
}

func readRows(ctx context.Context, f *excelize.File, l Limits) (Table, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return Table{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeSheetNoWorksheet, "the workbook has no worksheet")
	}
	t := Table{Sheet: sheets[0]}
	rows, err := f.Rows(t.Sheet)
	if err != nil {
		return Table{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeSheetNoWorksheet, "the first worksheet cannot be read")
	}
	defer rows.Close()
	first := true
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return Table{}, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeSheetTooSlow, "reading the sheet took too long; split it into smaller files")
		}
		cols, err := rows.Columns()
		if err != nil {
			return Table{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeSheetRowUnreadable, "row %d cannot be read", len(t.Rows)+2).With("row", strconv.Itoa(len(t.Rows)+2))
		}
		if len(cols) > l.MaxCols {
			cols = cols[:l.MaxCols]
		}
		for len(cols) > 0 && strings.TrimSpace(cols[len(cols)-1]) == "" {
			cols = cols[:len(cols)-1]
		}
		if first {
			first = false
			for _, c := range cols {
				t.Header = append(t.Header, strings.TrimSpace(c))
			}
			continue
		}
		if len(t.Rows) >= l.MaxRows {
			return Table{}, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeSheetTooManyRows, "the sheet has more than %d rows", l.MaxRows).With("max", strconv.Itoa(l.MaxRows))
		}
		row := make([]any, len(cols))
		for i, c := range cols {
			row[i] = c
		}
		t.Rows = append(t.Rows, row)
	}
	if err := rows.Error(); err != nil {
		var e *cpaudit.Error
		if errors.As(err, &e) {
			return Table{}, err
		}
		return Table{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeSheetNoWorksheet, "the first worksheet cannot be read")
	}
	if first {
		return Table{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeSheetEmpty, "the sheet is empty: it needs a header row")
	}
	return t, nil
}
